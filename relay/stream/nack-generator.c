/* NACK scheduling for one incoming stream (see nack-generator.h). The
 * missing list is a small array kept in sequence order, so nothing is
 * allocated and the common cases (append at the end, remove near the
 * front) stay cheap. */
#include "stream/nack-generator.h"

#include <string.h>

void
ss_nack_generator_init (SsNackGenerator *generator)
{
  memset (generator, 0, sizeof *generator);
}

static void
remove_entry (SsNackGenerator *generator, guint index)
{
  memmove (&generator->entries[index], &generator->entries[index + 1],
           sizeof (SsNackEntry) * (generator->n_entries - index - 1));
  generator->n_entries--;
}

static void
forget_all (SsNackGenerator *generator)
{
  generator->given_up += generator->n_entries;
  generator->n_entries = 0;
}

gboolean
ss_nack_generator_on_packet (SsNackGenerator *generator,
                             gint64 extended_sequence, gint64 now_us)
{
  if (!generator->started)
    {
      generator->started = TRUE;
      generator->highest = extended_sequence;
      return FALSE;
    }

  if (extended_sequence <= generator->highest)
    {
      for (guint i = 0; i < generator->n_entries; i++)
        if (generator->entries[i].extended_sequence == extended_sequence)
          {
            remove_entry (generator, i);
            generator->recovered++;
            return TRUE;
          }
      return FALSE;
    }

  gint64 gap = extended_sequence - generator->highest - 1;
  generator->highest = extended_sequence;
  if (gap == 0)
    return FALSE;

  if (gap > SS_NACK_MAX_MISSING)
    {
      forget_all (generator);
      generator->given_up += (guint64) gap;
      generator->gap_too_large = TRUE;
      return FALSE;
    }

  /* Make room by dropping the oldest, which are the least likely to be
   * useful by the time they would arrive. */
  while (generator->n_entries + gap > SS_NACK_MAX_MISSING)
    {
      remove_entry (generator, 0);
      generator->given_up++;
    }

  for (gint64 sequence = extended_sequence - gap; sequence < extended_sequence;
       sequence++)
    generator->entries[generator->n_entries++] = (SsNackEntry){
      .extended_sequence = sequence,
      .missing_since_us = now_us,
      .last_request_us = G_MININT64,
    };
  return FALSE;
}

static gint64
retry_interval (gint64 rtt_us)
{
  return MAX (rtt_us, SS_NACK_MIN_RETRY_INTERVAL_US);
}

static gint64
due_time (const SsNackEntry *entry, gint64 rtt_us)
{
  if (entry->last_request_us == G_MININT64)
    return entry->missing_since_us + SS_NACK_REORDER_ALLOWANCE_US;
  return entry->last_request_us + retry_interval (rtt_us);
}

guint
ss_nack_generator_collect (SsNackGenerator *generator, gint64 now_us,
                           gint64 rtt_us, guint16 *sequences, guint max)
{
  guint n = 0;
  guint i = 0;

  while (i < generator->n_entries)
    {
      SsNackEntry *entry = &generator->entries[i];

      if (entry->n_requests >= SS_NACK_MAX_REQUESTS ||
          now_us - entry->missing_since_us > SS_NACK_MAX_AGE_US)
        {
          remove_entry (generator, i);
          generator->given_up++;
          continue;
        }

      if (n < max && due_time (entry, rtt_us) <= now_us)
        {
          sequences[n++] = (guint16) entry->extended_sequence;
          entry->last_request_us = now_us;
          entry->n_requests++;
          generator->requested++;
        }
      i++;
    }
  return n;
}

gint64
ss_nack_generator_get_next_timeout (const SsNackGenerator *generator,
                                    gint64 rtt_us)
{
  gint64 next = G_MAXINT64;

  for (guint i = 0; i < generator->n_entries; i++)
    {
      const SsNackEntry *entry = &generator->entries[i];
      next = MIN (next, due_time (entry, rtt_us));
      next = MIN (next, entry->missing_since_us + SS_NACK_MAX_AGE_US + 1);
    }
  return next;
}
