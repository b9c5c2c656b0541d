/* Simulcast layer choice on simulated estimates and time. */
#include "router/layer-selector.h"

#define S G_USEC_PER_SEC

static const guint64 rates[3] = { 150000, 500000, 1500000 };

static void
test_first_choice_fits_estimate (void)
{
  SsLayerSelector selector;

  ss_layer_selector_init (&selector);
  g_assert_cmpint (ss_layer_selector_choose (&selector, 800000, rates, rates, 3, FALSE, 0), ==, 1);
  ss_layer_selector_init (&selector);
  g_assert_cmpint (ss_layer_selector_choose (&selector, 5000000, rates, rates, 3, FALSE, 0), ==, 2);
  ss_layer_selector_init (&selector);
  g_assert_cmpint (ss_layer_selector_choose (&selector, 100000, rates, rates, 3, FALSE, 0), ==, 0);
}

static void
test_unknown_layers_not_chosen (void)
{
  const guint64 unknown[3] = { 0, 0, 0 };
  SsLayerSelector selector;

  ss_layer_selector_init (&selector);
  g_assert_cmpint (ss_layer_selector_choose (&selector, 5000000, unknown, unknown, 3, FALSE, 0), ==, 0);
  /* Still unknown above: no step up, however large the estimate. */
  g_assert_cmpint (ss_layer_selector_choose (&selector, 5000000, unknown, unknown, 3, FALSE, 60 * S),
                   ==, 0);
}

static void
test_down_at_once (void)
{
  SsLayerSelector selector;
  ss_layer_selector_init (&selector);
  ss_layer_selector_choose (&selector, 5000000, rates, rates, 3, FALSE, 0);

  g_assert_cmpint (ss_layer_selector_choose (&selector, 400000, rates, rates, 3, FALSE, 1 * S), ==, 0);
}

static void
test_up_needs_headroom_and_hold (void)
{
  SsLayerSelector selector;
  ss_layer_selector_init (&selector);
  ss_layer_selector_choose (&selector, 5000000, rates, rates, 3, FALSE, 0);
  ss_layer_selector_choose (&selector, 400000, rates, rates, 3, FALSE, 1 * S);

  gint64 hold_end = 1 * S + SS_LAYER_MIN_HOLD_US;

  /* 550 kbit/s fits 500 kbit/s but without 20 % headroom. */
  g_assert_cmpint (ss_layer_selector_choose (&selector, 550000, rates, rates, 3,
                                             FALSE, hold_end + 10 * S), ==, 0);
  /* Headroom, but inside the hold after the step down. */
  g_assert_cmpint (ss_layer_selector_choose (&selector, 700000, rates, rates, 3,
                                             FALSE, hold_end - 1 * S), ==, 0);
  g_assert_cmpint (ss_layer_selector_choose (&selector, 700000, rates, rates, 3,
                                             FALSE, hold_end + 11 * S), ==, 1);
  /* One layer at a time. */
  g_assert_cmpint (ss_layer_selector_choose (&selector, 9000000, rates, rates, 3,
                                             FALSE, hold_end + 11 * S), ==, 2);
}

static void
test_up_judged_by_peak (void)
{
  const guint64 peaks[3] = { 150000, 500000, 2500000 };
  SsLayerSelector selector;
  ss_layer_selector_init (&selector);
  ss_layer_selector_choose (&selector, 1000000, rates, peaks, 3, FALSE, 0);
  g_assert_cmpint (selector.current, ==, 1);

  /* 2 Mbit/s covers the top layer's average with headroom but not its
   * key-frame peaks: stay. */
  g_assert_cmpint (ss_layer_selector_choose (&selector, 2000000, rates, peaks, 3,
                                             FALSE, 60 * S), ==, 1);
  g_assert_cmpint (ss_layer_selector_choose (&selector, 3100000, rates, peaks, 3,
                                             FALSE, 61 * S), ==, 2);
  /* Down is still judged by the average. */
  g_assert_cmpint (ss_layer_selector_choose (&selector, 1600000, rates, peaks, 3,
                                             FALSE, 62 * S), ==, 2);
}

static void
test_probe_undone_on_congestion (void)
{
  SsLayerSelector selector;
  ss_layer_selector_init (&selector);
  ss_layer_selector_choose (&selector, 5000000, rates, rates, 3, FALSE, 0);
  ss_layer_selector_choose (&selector, 200000, rates, rates, 3, FALSE, 1 * S);
  g_assert_cmpint (selector.current, ==, 0);

  /* After the hold, the estimate allows the middle layer: a probe. */
  gint64 up_at = 1 * S + SS_LAYER_MIN_HOLD_US;
  g_assert_cmpint (ss_layer_selector_choose (&selector, 700000, rates, rates, 3,
                                             FALSE, up_at), ==, 1);

  /* The link reports congestion a second later while the estimate still
   * covers the layer: the probe is given up at once. */
  g_assert_cmpint (ss_layer_selector_choose (&selector, 650000, rates, rates, 3,
                                             TRUE, up_at + 1 * S), ==, 0);

  /* Congestion long after a step up, with an estimate that fits, is left
   * to the estimate. */
  SsLayerSelector settled;
  ss_layer_selector_init (&settled);
  ss_layer_selector_choose (&settled, 800000, rates, rates, 3, FALSE, 0);
  g_assert_cmpint (ss_layer_selector_choose (&settled, 800000, rates, rates, 3,
                                             TRUE, 60 * S), ==, 1);
}

static void
test_failed_probes_back_off (void)
{
  SsLayerSelector selector;
  ss_layer_selector_init (&selector);
  ss_layer_selector_choose (&selector, 100000, rates, rates, 3, FALSE, 0);

  /* A link of about 400 kbit/s: each time the estimate climbs above the
   * middle layer, the step up is soon followed by a step down. */
  gint64 now = 0;
  gint64 last_hold = selector.hold_us;
  guint n_probes = 0;
  for (guint round = 0; round < 6; round++)
    {
      /* The estimate recovers: the selector steps up when the hold ends. */
      gint64 start = now;
      while (ss_layer_selector_choose (&selector, 700000, rates, rates, 3, FALSE, now) == 0)
        now += S;
      n_probes++;
      g_assert_cmpint (now - start, <=, selector.hold_us + S);

      /* Loss drives the estimate down two seconds later. */
      now += 2 * S;
      g_assert_cmpint (ss_layer_selector_choose (&selector, 300000, rates, rates, 3, FALSE, now), ==, 0);
      g_assert_cmpint (selector.hold_us, >=, last_hold);
      last_hold = selector.hold_us;
    }

  g_assert_cmpint (selector.hold_us, ==, SS_LAYER_MAX_HOLD_US);
  /* Six probes took minutes, not seconds. */
  g_assert_cmpint (now, >, 200 * S);
  g_assert_cmpuint (n_probes, ==, 6);
}

static void
test_successful_step_resets_hold (void)
{
  SsLayerSelector selector;
  ss_layer_selector_init (&selector);
  ss_layer_selector_choose (&selector, 100000, rates, rates, 3, FALSE, 0);
  selector.hold_us = 40 * S;
  selector.last_down_us = 0;

  g_assert_cmpint (ss_layer_selector_choose (&selector, 700000, rates, rates, 3, FALSE, 40 * S), ==, 1);
  /* It held for longer than the probe window. */
  ss_layer_selector_choose (&selector, 700000, rates, rates, 3, FALSE, 55 * S);
  g_assert_cmpint (selector.hold_us, ==, SS_LAYER_MIN_HOLD_US);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/layer-selector/first-choice-fits-estimate", test_first_choice_fits_estimate);
  g_test_add_func ("/layer-selector/unknown-layers-not-chosen", test_unknown_layers_not_chosen);
  g_test_add_func ("/layer-selector/down-at-once", test_down_at_once);
  g_test_add_func ("/layer-selector/up-needs-headroom-and-hold", test_up_needs_headroom_and_hold);
  g_test_add_func ("/layer-selector/up-judged-by-peak", test_up_judged_by_peak);
  g_test_add_func ("/layer-selector/probe-undone-on-congestion", test_probe_undone_on_congestion);
  g_test_add_func ("/layer-selector/failed-probes-back-off", test_failed_probes_back_off);
  g_test_add_func ("/layer-selector/successful-step-resets-hold", test_successful_step_resets_hold);

  return g_test_run ();
}
