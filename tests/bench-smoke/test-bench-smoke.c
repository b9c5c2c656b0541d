/* Smoke test of the fan-out benchmark: bench/run with 3 subscribers for
 * 3 s against the real server. It checks that every subscriber received
 * both streams and that the report has every field. Timing figures are
 * not checked, because they depend on the machine. */
#include <glib.h>
#include <jansson.h>

static const char *const report_fields[] = {
  "subscribers",
  "seconds",
  "packets_forwarded",
  "relay_cpu_us_per_packet",
  "loss_percent",
  "latency_p50_ms",
  "latency_p99_ms",
  "relay_rss_bytes",
  "generator_cpu_percent",
  "generator_cpu_us_per_packet",
  "subscribers_receiving",
  "subscriber_packets_min",
};

static json_t *
run_benchmark (void)
{
  const char *argv[] = {
    SS_BENCH_RUN, "--build-dir", SS_BUILD_ROOT, "--subscribers", "3",
    "--seconds", "3", "--warmup", "1", NULL,
  };
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  gboolean spawned = g_spawn_sync (NULL, (char **) argv, NULL,
                                   G_SPAWN_DEFAULT, NULL, NULL, &output,
                                   &errors, &status, &error);
  g_assert_no_error (error);
  g_assert_true (spawned);
  if (!g_spawn_check_wait_status (status, &error))
    g_printerr ("bench/run failed; its error output:\n%s\n", errors);
  g_assert_no_error (error);

  json_error_t json_error;
  json_t *report = json_loads (output, 0, &json_error);
  if (report == NULL)
    g_printerr ("bench/run printed no JSON (%s):\n%s\n", json_error.text,
                output);
  g_assert_nonnull (report);
  return report;
}

static void
test_three_subscribers_receive (void)
{
  json_t *report = run_benchmark ();

  for (guint i = 0; i < G_N_ELEMENTS (report_fields); i++)
    {
      g_test_message ("field %s", report_fields[i]);
      g_assert_nonnull (json_object_get (report, report_fields[i]));
    }

  g_assert_cmpint (json_integer_value (json_object_get (report,
                                                        "subscribers")),
                   ==, 3);
  g_assert_cmpint (json_integer_value (json_object_get (
                     report, "subscribers_receiving")),
                   ==, 3);
  g_assert_cmpint (json_integer_value (json_object_get (
                     report, "subscriber_packets_min")),
                   >, 0);
  g_assert_cmpint (json_integer_value (json_object_get (report,
                                                        "packets_forwarded")),
                   >, 0);
  json_decref (report);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bench-smoke/three-subscribers-receive",
                   test_three_subscribers_receive);

  return g_test_run ();
}
