/* Unit tests of the JSON counter report. */
#include <jansson.h>

#include "linkem-report.h"

static void
test_report_fields (void)
{
  SsLinkemParams params;
  g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (4, 16);

  ss_linkem_params_init (&params);
  params.delay_us = 1000;
  g_autoptr (SsLinkemPath) a_to_b = ss_linkem_path_new (&params, 1, 0, 4);
  g_autoptr (SsLinkemPath) b_to_a = ss_linkem_path_new (&params, 1, 1, 4);

  g_assert_cmpint (ss_linkem_path_submit (a_to_b, ss_linkem_pool_acquire (pool), 60, 0), ==,
                   SS_LINKEM_VERDICT_PASS);
  ss_linkem_path_get_counters (b_to_a)->send_errors = 3;

  g_autofree char *line = ss_linkem_report_format (a_to_b, b_to_a, TRUE);
  g_assert_nonnull (line);
  g_assert_null (strchr (line, '\n'));

  json_error_t parse_error;
  json_t *report = json_loads (line, 0, &parse_error);
  g_assert_nonnull (report);
  g_assert_true (json_is_true (json_object_get (report, "final")));

  json_t *forward = json_object_get (report, "a_to_b");
  json_t *backward = json_object_get (report, "b_to_a");
  g_assert_cmpint (json_integer_value (json_object_get (forward, "received")), ==, 1);
  g_assert_cmpint (json_integer_value (json_object_get (forward, "received_bytes")), ==, 60);
  g_assert_cmpint (json_integer_value (json_object_get (forward, "queued")), ==, 1);
  g_assert_cmpint (json_integer_value (json_object_get (forward, "forwarded")), ==, 0);
  g_assert_cmpint (json_integer_value (json_object_get (backward, "send_errors")), ==, 3);

  const char *keys[] = {
    "received", "received_bytes", "forwarded", "forwarded_bytes", "dropped_loss",
    "dropped_queue", "reordered", "dropped_no_buffer", "dropped_oversize",
    "dropped_malformed", "dropped_socket", "send_errors", "late_releases", "max_lateness_us",
    "queued",
  };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_is_integer (json_object_get (backward, keys[i])));
  g_assert_cmpuint (json_object_size (backward), ==, G_N_ELEMENTS (keys));

  json_decref (report);

  SsLinkemSlot *slot = ss_linkem_path_pop_ready (a_to_b, 1000);
  g_assert_nonnull (slot);
  ss_linkem_pool_release (pool, slot);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/linkem/report/fields", test_report_fields);

  return g_test_run ();
}
