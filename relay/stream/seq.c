/* Sequence number arithmetic modulo 2^16 for the per-stream state: the
 * retransmission cache, NACK generation and receive statistics compare and
 * unwrap sequence numbers through these functions. */
#include "stream/seq.h"

#define HALF_RANGE 0x8000

gboolean
ss_seq_is_newer (guint16 a, guint16 b)
{
  guint16 distance = (guint16) (a - b);

  if (distance == HALF_RANGE)
    return a > b;
  return distance != 0 && distance < HALF_RANGE;
}

void
ss_seq_unwrapper_init (SsSeqUnwrapper *u)
{
  g_return_if_fail (u != NULL);

  *u = (SsSeqUnwrapper) {
    .started = FALSE,
    .highest = 0,
  };
}

gint64
ss_seq_unwrap (SsSeqUnwrapper *u, guint16 sequence)
{
  g_return_val_if_fail (u != NULL, sequence);

  if (!u->started)
    {
      u->started = TRUE;
      u->highest = sequence;
      return u->highest;
    }

  guint16 highest_low = (guint16) u->highest;
  if (ss_seq_is_newer (sequence, highest_low))
    {
      u->highest += (guint16) (sequence - highest_low);
      return u->highest;
    }

  return u->highest - (guint16) (highest_low - sequence);
}
