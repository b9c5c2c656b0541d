/* Reconnect backoff. The base delay starts at 0.5 s and doubles with each
 * failed attempt up to 30 s. Jitter then spreads it over [50 %, 100 %] of
 * the base, so classrooms dropped by one server restart do not all
 * reconnect in the same instant. */
#include "ss-agent-backoff.h"

/* Returns the delay before reconnect attempt number @attempt (0 for the
 * first retry). @jitter is a random number in [0, 1]; values outside are
 * clamped. */
gint64
ss_backoff_delay_us (guint attempt, double jitter)
{
  gint64 base = SS_BACKOFF_INITIAL_US;

  for (guint i = 0; i < attempt && base < SS_BACKOFF_MAX_US; i++)
    base *= 2;

  if (base > SS_BACKOFF_MAX_US)
    base = SS_BACKOFF_MAX_US;

  if (!(jitter >= 0.0))
    jitter = 0.0;
  if (jitter > 1.0)
    jitter = 1.0;

  return base / 2 + (gint64) ((double) (base / 2) * jitter);
}
