/* The loss-based estimate and its REMB cap on simulated report streams. */
#include "stream/bandwidth-estimator.h"

#define MS 1000
#define PERCENT(p) ((guint8) ((p) * 256 / 100))

static void
test_grows_without_loss (void)
{
  SsBandwidthEstimator bwe;
  ss_bandwidth_estimator_init (&bwe);

  for (guint i = 0; i <= 10; i++)
    ss_bandwidth_estimator_on_loss_report (&bwe, 0, i * 1000 * MS);

  /* Ten seconds of growth: 1.05^10 = 1.629 */
  guint64 bps = ss_bandwidth_estimator_get_bps (&bwe, 10000 * MS);
  g_assert_cmpuint (bps, >=, SS_BWE_INITIAL_BPS * 162 / 100);
  g_assert_cmpuint (bps, <=, SS_BWE_INITIAL_BPS * 163 / 100);
}

static void
test_holds_on_moderate_loss (void)
{
  SsBandwidthEstimator bwe;
  ss_bandwidth_estimator_init (&bwe);

  for (guint i = 1; i <= 5; i++)
    ss_bandwidth_estimator_on_loss_report (&bwe, PERCENT (5), i * 1000 * MS);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&bwe, 0), ==, SS_BWE_INITIAL_BPS);
}

static void
test_drops_on_heavy_loss (void)
{
  SsBandwidthEstimator bwe;
  ss_bandwidth_estimator_init (&bwe);

  /* 40 % loss: the estimate falls by 20 % per report. */
  ss_bandwidth_estimator_on_loss_report (&bwe, 102, 1000 * MS);
  guint64 bps = ss_bandwidth_estimator_get_bps (&bwe, 1000 * MS);
  g_assert_cmpuint (bps, ==, SS_BWE_INITIAL_BPS - SS_BWE_INITIAL_BPS * 102 / 512);

  /* Sustained total loss stops at the floor. */
  for (guint i = 2; i < 60; i++)
    ss_bandwidth_estimator_on_loss_report (&bwe, 255, i * 1000 * MS);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&bwe, 60000 * MS), ==,
                    SS_BWE_MIN_BPS);
}

static void
test_single_noisy_report_ignored (void)
{
  SsBandwidthEstimator bwe;
  ss_bandwidth_estimator_init (&bwe);

  /* A steady 5 % loss over 30 packets a second reads 12 % in one report
   * now and then: no reason to cut the estimate. */
  ss_bandwidth_estimator_on_loss_report (&bwe, PERCENT (3), 1000 * MS);
  ss_bandwidth_estimator_on_loss_report (&bwe, PERCENT (12), 2000 * MS);
  ss_bandwidth_estimator_on_loss_report (&bwe, PERCENT (3), 3000 * MS);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&bwe, 3000 * MS), ==,
                    SS_BWE_INITIAL_BPS);

  /* Loss that stays high brings it down by the second report. */
  ss_bandwidth_estimator_on_loss_report (&bwe, PERCENT (40), 4000 * MS);
  ss_bandwidth_estimator_on_loss_report (&bwe, PERCENT (40), 5000 * MS);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&bwe, 5000 * MS), <,
                    SS_BWE_INITIAL_BPS);
}

static void
test_reports_in_a_burst_count_once (void)
{
  SsBandwidthEstimator bwe;
  ss_bandwidth_estimator_init (&bwe);

  ss_bandwidth_estimator_on_loss_report (&bwe, 0, 0);
  ss_bandwidth_estimator_on_loss_report (&bwe, 0, 1000 * MS);
  ss_bandwidth_estimator_on_loss_report (&bwe, 0, 1050 * MS);
  ss_bandwidth_estimator_on_loss_report (&bwe, 0, 1100 * MS);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&bwe, 1100 * MS), ==,
                    SS_BWE_INITIAL_BPS + SS_BWE_INITIAL_BPS / 20);
}

static void
test_growth_follows_time (void)
{
  SsBandwidthEstimator fast, slow;
  ss_bandwidth_estimator_init (&fast);
  ss_bandwidth_estimator_init (&slow);

  /* Reports every half second and every second over ten seconds grow the
   * estimate about equally. */
  for (guint i = 0; i <= 20; i++)
    ss_bandwidth_estimator_on_loss_report (&fast, 0, i * 500 * MS);
  for (guint i = 0; i <= 10; i++)
    ss_bandwidth_estimator_on_loss_report (&slow, 0, i * 1000 * MS);

  guint64 fast_bps = ss_bandwidth_estimator_get_bps (&fast, 10000 * MS);
  guint64 slow_bps = ss_bandwidth_estimator_get_bps (&slow, 10000 * MS);
  g_assert_cmpuint (fast_bps, <=, slow_bps * 102 / 100);
  g_assert_cmpuint (fast_bps, >=, slow_bps * 98 / 100);
}

static void
test_remb_caps_while_fresh (void)
{
  SsBandwidthEstimator bwe;
  ss_bandwidth_estimator_init (&bwe);

  ss_bandwidth_estimator_on_remb (&bwe, 300000, 0);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&bwe, 1000 * MS), ==, 300000);

  /* A REMB above the loss-based figure does not raise it. */
  ss_bandwidth_estimator_on_remb (&bwe, 5000000, 2000 * MS);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&bwe, 2000 * MS), ==,
                    SS_BWE_INITIAL_BPS);

  /* A stale cap no longer applies. */
  ss_bandwidth_estimator_on_remb (&bwe, 100000, 3000 * MS);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&bwe, 3000 * MS), ==, 100000);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (
                        &bwe, 3000 * MS + SS_BWE_REMB_TIMEOUT_US + 1),
                    ==, SS_BWE_INITIAL_BPS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bandwidth-estimator/grows-without-loss", test_grows_without_loss);
  g_test_add_func ("/bandwidth-estimator/holds-on-moderate-loss", test_holds_on_moderate_loss);
  g_test_add_func ("/bandwidth-estimator/drops-on-heavy-loss", test_drops_on_heavy_loss);
  g_test_add_func ("/bandwidth-estimator/single-noisy-report-ignored",
                   test_single_noisy_report_ignored);
  g_test_add_func ("/bandwidth-estimator/growth-follows-time", test_growth_follows_time);
  g_test_add_func ("/bandwidth-estimator/reports-in-a-burst-count-once",
                   test_reports_in_a_burst_count_once);
  g_test_add_func ("/bandwidth-estimator/remb-caps-while-fresh", test_remb_caps_while_fresh);

  return g_test_run ();
}
