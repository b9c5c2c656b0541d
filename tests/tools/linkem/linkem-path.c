/* One link direction: feeds frames through the impairment model, keeps
 * the passing ones in the release schedule and counts every outcome. */
#include "linkem-path.h"

struct SsLinkemPath
{
  SsLinkemImpair impair;
  GRand *rand;
  SsLinkemSchedule *schedule;
  SsLinkemCounters counters;
};

SsLinkemPath *
ss_linkem_path_new (const SsLinkemParams *params, guint64 seed, guint32 stream, guint capacity)
{
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (capacity > 0, NULL);

  const guint32 seed_words[] = {
    (guint32) seed,
    (guint32) (seed >> 32),
    stream,
  };

  SsLinkemPath *path = g_new0 (SsLinkemPath, 1);
  ss_linkem_impair_init (&path->impair, params);
  path->rand = g_rand_new_with_seed_array (seed_words, G_N_ELEMENTS (seed_words));
  path->schedule = ss_linkem_schedule_new (capacity);
  return path;
}

void
ss_linkem_path_free (SsLinkemPath *path)
{
  if (path == NULL)
    return;

  g_rand_free (path->rand);
  ss_linkem_schedule_free (path->schedule);
  g_free (path);
}

static void
count_verdict (SsLinkemCounters *counters, SsLinkemVerdict verdict)
{
  switch (verdict)
    {
    case SS_LINKEM_VERDICT_PASS:
      break;
    case SS_LINKEM_VERDICT_REORDER:
      counters->reordered++;
      break;
    case SS_LINKEM_VERDICT_DROP_LOSS:
      counters->dropped_loss++;
      break;
    case SS_LINKEM_VERDICT_DROP_QUEUE:
      counters->dropped_queue++;
      break;
    }
}

SsLinkemVerdict
ss_linkem_path_submit (SsLinkemPath *path, SsLinkemSlot *slot, gsize frame_length, gint64 now_us)
{
  g_return_val_if_fail (path != NULL, SS_LINKEM_VERDICT_DROP_LOSS);
  g_return_val_if_fail (slot != NULL, SS_LINKEM_VERDICT_DROP_LOSS);

  path->counters.received++;
  path->counters.received_bytes += frame_length;

  gint64 release_us = now_us;
  SsLinkemVerdict verdict = ss_linkem_impair_decide (&path->impair, now_us, frame_length,
                                                     path->rand, &release_us);

  if (verdict == SS_LINKEM_VERDICT_PASS || verdict == SS_LINKEM_VERDICT_REORDER)
    {
      slot->frame_length = frame_length;
      slot->arrival_us = now_us;

      /* A schedule as large as the frame pool is never full while the
       * caller still had a slot to submit. A smaller one is a caller
       * error. The frame is counted as a buffer shortage and reported as
       * a queue drop. */
      if (!ss_linkem_schedule_push (path->schedule, slot, release_us))
        {
          path->counters.dropped_no_buffer++;
          return SS_LINKEM_VERDICT_DROP_QUEUE;
        }
    }

  count_verdict (&path->counters, verdict);
  return verdict;
}

gint64
ss_linkem_path_next_release_us (const SsLinkemPath *path)
{
  g_return_val_if_fail (path != NULL, SS_LINKEM_NEVER);

  return ss_linkem_schedule_next_release_us (path->schedule);
}

SsLinkemSlot *
ss_linkem_path_pop_ready (SsLinkemPath *path, gint64 now_us)
{
  g_return_val_if_fail (path != NULL, NULL);

  return ss_linkem_schedule_pop_ready (path->schedule, now_us);
}

guint
ss_linkem_path_get_queued (const SsLinkemPath *path)
{
  g_return_val_if_fail (path != NULL, 0);

  return ss_linkem_schedule_get_length (path->schedule);
}

SsLinkemCounters *
ss_linkem_path_get_counters (SsLinkemPath *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return &path->counters;
}
