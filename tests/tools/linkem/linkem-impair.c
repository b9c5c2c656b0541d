/* Per-packet decisions of one link direction. The stages run in the order
 * a real access link applies them: loss, then the bottleneck's token
 * bucket and queue, then propagation delay with jitter, then the optional
 * hold-back that reorders. Random draws come only from the GRand passed
 * in, one per enabled random feature per packet, so a seed fixes a run. */
#include "linkem-impair.h"

#define MILLIBITS_PER_BYTE G_GINT64_CONSTANT (8000)

void
ss_linkem_params_init (SsLinkemParams *params)
{
  g_return_if_fail (params != NULL);

  *params = (SsLinkemParams) {
    .delay_us = 0,
    .jitter_us = 0,
    .loss = 0.0,
    .burst_loss = FALSE,
    .p_good_to_bad = 0.0,
    .p_bad_to_good = 1.0,
    .loss_in_bad = 1.0,
    .reorder = 0.0,
    .reorder_delay_us = SS_LINKEM_DEFAULT_REORDER_DELAY_US,
    .rate_kbit = 0,
    .rate_burst_bytes = SS_LINKEM_DEFAULT_RATE_BURST_BYTES,
    .queue_us = SS_LINKEM_DEFAULT_QUEUE_US,
  };
}

void
ss_linkem_impair_init (SsLinkemImpair *impair, const SsLinkemParams *params)
{
  g_return_if_fail (impair != NULL);
  g_return_if_fail (params != NULL);

  *impair = (SsLinkemImpair) {
    .params = *params,
    .bad_state = FALSE,
    .bucket_started = FALSE,
    .bucket_time_us = 0,
    .bucket_millibits = 0,
    .last_release_us = G_MININT64,
  };
}

static gboolean
draw (GRand *rand, double probability)
{
  return g_rand_double (rand) < probability;
}

/* Step the Gilbert-Elliott chain, then decide loss in the new state. In
 * the bad state with loss_in_bad at 1, a burst lasts a geometric number of
 * packets with mean 1 / p_bad_to_good. */
static gboolean
decide_burst_loss (SsLinkemImpair *impair, GRand *rand)
{
  const SsLinkemParams *p = &impair->params;

  if (impair->bad_state)
    {
      if (draw (rand, p->p_bad_to_good))
        impair->bad_state = FALSE;
    }
  else if (draw (rand, p->p_good_to_bad))
    {
      impair->bad_state = TRUE;
    }

  if (!impair->bad_state)
    return FALSE;
  return draw (rand, p->loss_in_bad);
}

static gboolean
decide_loss (SsLinkemImpair *impair, GRand *rand)
{
  const SsLinkemParams *p = &impair->params;
  gboolean lost = FALSE;

  /* Both chains advance on every packet, whatever the other decides. */
  if (p->loss > 0.0 && draw (rand, p->loss))
    lost = TRUE;
  if (p->burst_loss && decide_burst_loss (impair, rand))
    lost = TRUE;

  return lost;
}

/* Compute when a frame of cost_millibits arriving at now_us leaves the
 * token bucket, and the tokens left after it. The bucket is FIFO, so a
 * frame starts to wait only once the frame before it has left. */
static gint64
compute_departure (const SsLinkemImpair *impair,
                   gint64 now_us,
                   gint64 cost_millibits,
                   gint64 *tokens_after)
{
  const SsLinkemParams *p = &impair->params;
  gint64 rate = (gint64) p->rate_kbit;

  /* A frame larger than the bucket could never pass, so the bucket grows
   * to fit it. */
  gint64 capacity = MAX ((gint64) p->rate_burst_bytes * MILLIBITS_PER_BYTE, cost_millibits);

  gint64 start_us = now_us;
  gint64 tokens = capacity;
  if (impair->bucket_started)
    {
      start_us = MAX (now_us, impair->bucket_time_us);
      gint64 idle_us = start_us - impair->bucket_time_us;
      tokens = MIN (impair->bucket_millibits, capacity);

      /* Compare before multiplying so long idle gaps cannot overflow. */
      if (idle_us >= (capacity - tokens) / rate + 1)
        tokens = capacity;
      else
        tokens += idle_us * rate;
    }

  gint64 wait_us = 0;
  if (tokens < cost_millibits)
    wait_us = (cost_millibits - tokens + rate - 1) / rate;

  *tokens_after = tokens + wait_us * rate - cost_millibits;
  return start_us + wait_us;
}

/* Draw the jittered delay, which never makes the total delay negative. */
static gint64
draw_delay (const SsLinkemImpair *impair, GRand *rand)
{
  const SsLinkemParams *p = &impair->params;
  gint64 delay_us = p->delay_us;

  if (p->jitter_us > 0)
    {
      gint32 jitter = (gint32) MIN (p->jitter_us, (gint64) G_MAXINT32 / 2);
      delay_us += g_rand_int_range (rand, -jitter, jitter + 1);
    }

  return MAX (delay_us, 0);
}

SsLinkemVerdict
ss_linkem_impair_decide (SsLinkemImpair *impair,
                         gint64 now_us,
                         gsize length,
                         GRand *rand,
                         gint64 *release_us)
{
  g_return_val_if_fail (impair != NULL, SS_LINKEM_VERDICT_DROP_LOSS);
  g_return_val_if_fail (rand != NULL, SS_LINKEM_VERDICT_DROP_LOSS);
  g_return_val_if_fail (release_us != NULL, SS_LINKEM_VERDICT_DROP_LOSS);

  const SsLinkemParams *p = &impair->params;

  if (decide_loss (impair, rand))
    return SS_LINKEM_VERDICT_DROP_LOSS;

  gint64 departure_us = now_us;
  if (p->rate_kbit > 0)
    {
      gint64 cost = (gint64) MIN (length, (gsize) G_MAXINT32) * MILLIBITS_PER_BYTE;
      gint64 tokens_after = 0;

      departure_us = compute_departure (impair, now_us, cost, &tokens_after);
      if (departure_us - now_us > p->queue_us)
        return SS_LINKEM_VERDICT_DROP_QUEUE;

      impair->bucket_started = TRUE;
      impair->bucket_time_us = departure_us;
      impair->bucket_millibits = tokens_after;
    }

  gint64 release = departure_us + draw_delay (impair, rand);

  if (p->reorder > 0.0 && draw (rand, p->reorder))
    {
      /* last_release_us stays put, so the packets after this one are not
       * held behind it and overtake it. */
      *release_us = release + p->reorder_delay_us;
      return SS_LINKEM_VERDICT_REORDER;
    }

  release = MAX (release, impair->last_release_us);
  impair->last_release_us = release;
  *release_us = release;
  return SS_LINKEM_VERDICT_PASS;
}

const char *
ss_linkem_verdict_to_string (SsLinkemVerdict verdict)
{
  switch (verdict)
    {
    case SS_LINKEM_VERDICT_PASS:
      return "pass";
    case SS_LINKEM_VERDICT_REORDER:
      return "reorder";
    case SS_LINKEM_VERDICT_DROP_LOSS:
      return "drop-loss";
    case SS_LINKEM_VERDICT_DROP_QUEUE:
      return "drop-queue";
    }
  return "unknown";
}
