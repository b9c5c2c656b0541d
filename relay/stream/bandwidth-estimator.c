/* Loss-based bandwidth estimate with a REMB cap (see
 * bandwidth-estimator.h for the rules and their source). */
#include "stream/bandwidth-estimator.h"

/* 10 % of 256. */
#define SS_BWE_CONGESTED_LOSS 26

void
ss_bandwidth_estimator_init (SsBandwidthEstimator *estimator)
{
  *estimator = (SsBandwidthEstimator){
    .loss_based_bps = SS_BWE_INITIAL_BPS,
    .remb_received_us = G_MININT64,
    .last_update_us = G_MININT64,
  };
}

void
ss_bandwidth_estimator_on_loss_report (SsBandwidthEstimator *estimator,
                                       guint8 fraction_lost, gint64 now_us)
{
  estimator->last_fraction_lost = fraction_lost;

  if (estimator->last_update_us != G_MININT64 &&
      now_us - estimator->last_update_us < SS_BWE_MIN_UPDATE_INTERVAL_US)
    return;

  /* An exponential average with weight 1/2 for the new report: a link that
   * suddenly loses most of its packets still reads above 10 % at once. */
  gboolean first = estimator->last_update_us == G_MININT64;
  guint loss = first ? fraction_lost
                     : (estimator->smoothed_fraction_lost + fraction_lost) / 2;
  /* The first report starts the clock: it has no interval to grow over. */
  gint64 elapsed_us = first ? 0 : now_us - estimator->last_update_us;
  estimator->smoothed_fraction_lost = loss;
  estimator->last_update_us = now_us;

  /* 2 % and 10 % (SS_BWE_CONGESTED_LOSS) of 256. Growth is 5 % per second of time between reports,
   * so it does not depend on how often loss is reported. */
  guint64 bps = estimator->loss_based_bps;
  if (loss < 5)
    bps = bps + bps * (guint64) MIN (elapsed_us, G_USEC_PER_SEC) / 20 / G_USEC_PER_SEC;
  else if (loss > SS_BWE_CONGESTED_LOSS)
    bps = bps - bps * loss / 512;

  estimator->loss_based_bps = CLAMP (bps, SS_BWE_MIN_BPS, SS_BWE_MAX_BPS);
}

void
ss_bandwidth_estimator_on_remb (SsBandwidthEstimator *estimator,
                                guint64 bitrate_bps, gint64 now_us)
{
  estimator->remb_bps = bitrate_bps;
  estimator->remb_received_us = now_us;
}

guint64
ss_bandwidth_estimator_get_bps (const SsBandwidthEstimator *estimator,
                                gint64 now_us)
{
  guint64 bps = estimator->loss_based_bps;

  if (estimator->remb_received_us != G_MININT64 &&
      now_us - estimator->remb_received_us <= SS_BWE_REMB_TIMEOUT_US)
    bps = MIN (bps, MAX (estimator->remb_bps, (guint64) SS_BWE_MIN_BPS));
  return bps;
}

gboolean
ss_bandwidth_estimator_is_congested (const SsBandwidthEstimator *estimator)
{
  return estimator->last_update_us != G_MININT64 &&
         estimator->smoothed_fraction_lost > SS_BWE_CONGESTED_LOSS;
}
