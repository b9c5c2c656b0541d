/* Unit tests of the impairment options: value checks, units, the
 * precedence of per-direction forms, and parsing through GOption. */
#include "linkem-options.h"

static void
test_units (void)
{
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  g_autoptr (GError) error = NULL;
  SsLinkemParams params;

  g_assert_true (ss_linkem_options_set (options, "delay", "40", &error));
  g_assert_true (ss_linkem_options_set (options, "jitter", "2.5", &error));
  g_assert_true (ss_linkem_options_set (options, "loss", "5", &error));
  g_assert_true (ss_linkem_options_set (options, "reorder", "0.5", &error));
  g_assert_true (ss_linkem_options_set (options, "reorder-delay", "3", &error));
  g_assert_true (ss_linkem_options_set (options, "rate", "400", &error));
  g_assert_true (ss_linkem_options_set (options, "rate-burst", "1514", &error));
  g_assert_true (ss_linkem_options_set (options, "queue-ms", "250", &error));
  g_assert_no_error (error);

  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_A_TO_B, &params);
  g_assert_cmpint (params.delay_us, ==, 40000);
  g_assert_cmpint (params.jitter_us, ==, 2500);
  g_assert_cmpfloat_with_epsilon (params.loss, 0.05, 1e-12);
  g_assert_cmpfloat_with_epsilon (params.reorder, 0.005, 1e-12);
  g_assert_cmpint (params.reorder_delay_us, ==, 3000);
  g_assert_cmpuint (params.rate_kbit, ==, 400);
  g_assert_cmpuint (params.rate_burst_bytes, ==, 1514);
  g_assert_cmpint (params.queue_us, ==, 250000);
  g_assert_false (params.burst_loss);
}

static void
test_defaults (void)
{
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  SsLinkemParams params;

  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_B_TO_A, &params);
  g_assert_cmpint (params.delay_us, ==, 0);
  g_assert_cmpfloat (params.loss, ==, 0.0);
  g_assert_cmpuint (params.rate_kbit, ==, 0);
  g_assert_cmpint (params.queue_us, ==, SS_LINKEM_DEFAULT_QUEUE_US);
  g_assert_cmpint (params.reorder_delay_us, ==, SS_LINKEM_DEFAULT_REORDER_DELAY_US);
  g_assert_cmpuint (params.rate_burst_bytes, ==, SS_LINKEM_DEFAULT_RATE_BURST_BYTES);

  g_autofree char *description = ss_linkem_params_describe (&params);
  g_assert_cmpstr (description, ==, "no impairment");
}

static void
test_burst_loss_values (void)
{
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  g_autoptr (GError) error = NULL;
  SsLinkemParams params;

  g_assert_true (ss_linkem_options_set (options, "burst-loss", "1,25", &error));
  g_assert_no_error (error);
  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_A_TO_B, &params);
  g_assert_true (params.burst_loss);
  g_assert_cmpfloat_with_epsilon (params.p_good_to_bad, 0.01, 1e-12);
  g_assert_cmpfloat_with_epsilon (params.p_bad_to_good, 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (params.loss_in_bad, 1.0, 1e-12);

  g_assert_true (ss_linkem_options_set (options, "burst-loss", "2,50,80", &error));
  g_assert_no_error (error);
  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_A_TO_B, &params);
  g_assert_cmpfloat_with_epsilon (params.p_good_to_bad, 0.02, 1e-12);
  g_assert_cmpfloat_with_epsilon (params.p_bad_to_good, 0.50, 1e-12);
  g_assert_cmpfloat_with_epsilon (params.loss_in_bad, 0.80, 1e-12);
}

static void
test_invalid_values (void)
{
  const struct
  {
    const char *name;
    const char *value;
  } cases[] = {
    { "delay", "" },
    { "delay", "-1" },
    { "delay", "40ms" },
    { "delay", "60001" },
    { "delay", "nan" },
    { "delay", "inf" },
    { "jitter", "abc" },
    { "loss", "100.5" },
    { "loss", "-0.1" },
    { "loss", "5%" },
    { "reorder", "1e3" },
    { "burst-loss", "1" },
    { "burst-loss", "1,2,3,4" },
    { "burst-loss", "1,0" },
    { "burst-loss", "1,,3" },
    { "burst-loss", "1,101" },
    { "burst-loss", "" },
    { "rate", "0" },
    { "rate", "-400" },
    { "rate", "400.5" },
    { "rate", "100000001" },
    { "rate-burst", "63" },
    { "queue-ms", "x" },
    { "a-to-b-delay", "-5" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
      g_autoptr (GError) error = NULL;

      g_test_message ("--%s %s", cases[i].name, cases[i].value);
      g_assert_false (ss_linkem_options_set (options, cases[i].name, cases[i].value, &error));
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
      g_assert_nonnull (strstr (error->message, cases[i].name));
    }
}

static void
test_unknown_option (void)
{
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (ss_linkem_options_set (options, "c-to-d-delay", "5", &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION);
}

static void
test_direction_precedence (void)
{
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  g_autoptr (GError) error = NULL;
  SsLinkemParams a_to_b;
  SsLinkemParams b_to_a;

  /* The per-direction form wins even when given before the shared one. */
  g_assert_true (ss_linkem_options_set (options, "b-to-a-delay", "10", &error));
  g_assert_true (ss_linkem_options_set (options, "delay", "40", &error));
  g_assert_true (ss_linkem_options_set (options, "a-to-b-loss", "3", &error));
  g_assert_true (ss_linkem_options_set (options, "rate", "800", &error));
  g_assert_true (ss_linkem_options_set (options, "rate", "400", &error));
  g_assert_no_error (error);

  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_A_TO_B, &a_to_b);
  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_B_TO_A, &b_to_a);

  g_assert_cmpint (a_to_b.delay_us, ==, 40000);
  g_assert_cmpint (b_to_a.delay_us, ==, 10000);
  g_assert_cmpfloat_with_epsilon (a_to_b.loss, 0.03, 1e-12);
  g_assert_cmpfloat (b_to_a.loss, ==, 0.0);
  g_assert_cmpuint (a_to_b.rate_kbit, ==, 400);
  g_assert_cmpuint (b_to_a.rate_kbit, ==, 400);
}

static void
test_rejected_value_keeps_previous (void)
{
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  g_autoptr (GError) error = NULL;
  SsLinkemParams params;

  g_assert_true (ss_linkem_options_set (options, "delay", "40", NULL));
  g_assert_false (ss_linkem_options_set (options, "delay", "-3", &error));
  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_A_TO_B, &params);
  g_assert_cmpint (params.delay_us, ==, 40000);
}

static void
test_goption_parsing (void)
{
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  SsLinkemParams a_to_b;
  SsLinkemParams b_to_a;
  const char *arguments[] = {
    "ss-linkem", "--delay", "40", "--a-to-b-jitter=5", "--b-to-a-burst-loss", "1,30",
    "--rate=400", "--b-to-a-rate", "200", NULL,
  };
  g_auto (GStrv) argv = g_strdupv ((char **) arguments);

  g_option_context_set_main_group (context, ss_linkem_options_create_group (options));
  g_assert_true (g_option_context_parse_strv (context, &argv, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (argv), ==, 1);

  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_A_TO_B, &a_to_b);
  ss_linkem_options_resolve (options, SS_LINKEM_DIRECTION_B_TO_A, &b_to_a);
  g_assert_cmpint (a_to_b.delay_us, ==, 40000);
  g_assert_cmpint (b_to_a.delay_us, ==, 40000);
  g_assert_cmpint (a_to_b.jitter_us, ==, 5000);
  g_assert_cmpint (b_to_a.jitter_us, ==, 0);
  g_assert_false (a_to_b.burst_loss);
  g_assert_true (b_to_a.burst_loss);
  g_assert_cmpuint (a_to_b.rate_kbit, ==, 400);
  g_assert_cmpuint (b_to_a.rate_kbit, ==, 200);

  g_autofree char *description = ss_linkem_params_describe (&b_to_a);
  g_assert_cmpstr (description, ==,
                   "delay=40.000ms jitter=0.000ms burst-loss=1%,30%,100% "
                   "rate=200kbit/s rate-burst=3028B queue=100.000ms");
}

static void
test_goption_bad_value (void)
{
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  const char *arguments[] = { "ss-linkem", "--b-to-a-loss", "150", NULL };
  g_auto (GStrv) argv = g_strdupv ((char **) arguments);

  g_option_context_set_main_group (context, ss_linkem_options_create_group (options));
  g_assert_false (g_option_context_parse_strv (context, &argv, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_nonnull (strstr (error->message, "--b-to-a-loss"));
  g_assert_nonnull (strstr (error->message, "150"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/linkem/options/units", test_units);
  g_test_add_func ("/linkem/options/defaults", test_defaults);
  g_test_add_func ("/linkem/options/burst-loss-values", test_burst_loss_values);
  g_test_add_func ("/linkem/options/invalid-values", test_invalid_values);
  g_test_add_func ("/linkem/options/unknown-option", test_unknown_option);
  g_test_add_func ("/linkem/options/direction-precedence", test_direction_precedence);
  g_test_add_func ("/linkem/options/rejected-value-keeps-previous",
                   test_rejected_value_keeps_previous);
  g_test_add_func ("/linkem/options/goption-parsing", test_goption_parsing);
  g_test_add_func ("/linkem/options/goption-bad-value", test_goption_bad_value);

  return g_test_run ();
}
