/* A send-side bandwidth estimate for one subscriber's link, from the loss
 * the caller reports and the REMB the subscriber may send. The caller
 * reports receiver reports' fraction lost, or for a subscriber that NACKs,
 * the share of packets it NACKed (loss before retransmission).
 *
 * The loss-based part follows the loss controller of Google Congestion
 * Control (draft-ietf-rmcat-gcc-02 section 6): below 2 % loss the estimate
 * grows by 5 % per second, above 10 % it shrinks by half the loss fraction
 * per report, in between it holds. The loss compared is an average over
 * the last few reports rather than the last one. A one-second report covers
 * only some 30 video packets, so a steady 5 % loss often reads above 10 %
 * in a single report, which would bring the estimate and the layer down for
 * nothing. A REMB (draft-alvestrand-rmcat-remb) caps the estimate while the
 * receiver keeps sending them. Pure: times are arguments.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Starting estimate of a new subscriber: enough for a middle layer, so a
 * weak link is not flooded with the top layer before its first report. */
#define SS_BWE_INITIAL_BPS 800000
#define SS_BWE_MIN_BPS 50000
#define SS_BWE_MAX_BPS 20000000
/* Reports closer together than this count once: a burst of reports carries
 * no more news than one. */
#define SS_BWE_MIN_UPDATE_INTERVAL_US (200 * 1000)
/* A REMB older than this no longer caps the estimate. */
#define SS_BWE_REMB_TIMEOUT_US (5 * 1000 * 1000)

typedef struct {
  guint64 loss_based_bps;
  guint64 remb_bps;
  gint64 remb_received_us;      /* G_MININT64: never */
  gint64 last_update_us;        /* G_MININT64: never */
  guint8 last_fraction_lost;    /* 1/256 units, from the last report */
  guint smoothed_fraction_lost; /* 1/256 units, averaged over reports */
} SsBandwidthEstimator;

void ss_bandwidth_estimator_init (SsBandwidthEstimator *estimator);

/* A report block's fraction lost (RFC 3550 section 6.4.1, 1/256 units). */
void ss_bandwidth_estimator_on_loss_report (SsBandwidthEstimator *estimator,
                                            guint8 fraction_lost,
                                            gint64 now_us);
void ss_bandwidth_estimator_on_remb (SsBandwidthEstimator *estimator,
                                     guint64 bitrate_bps, gint64 now_us);

guint64 ss_bandwidth_estimator_get_bps (const SsBandwidthEstimator *estimator,
                                        gint64 now_us);

/* TRUE when the average recent loss is above 10 %, where the estimate
 * shrinks. */
gboolean ss_bandwidth_estimator_is_congested (const SsBandwidthEstimator *estimator);

G_END_DECLS
