/* Unit tests of the live view (relay snapshot + signaling state merged)
 * and of the Prometheus text built from it. */
#include <string.h>

#include "ss-live-view.h"
#include "ss-metrics.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

static json_t *
load_view (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "view.json",
                                                 NULL);
  json_error_t error;
  json_t *view = json_load_file (path, 0, &error);
  g_assert_nonnull (view);
  return view;
}

/* Two snapshots two seconds apart; worker 1 is listed first. */
static const char *const previous_snapshot =
    "{\"process\":{\"rss_bytes\":1000,\"cpu_seconds\":1.0},"
    " \"workers\":[{\"index\":0,\"datagrams_received\":100,"
    "  \"bytes_received\":10000,\"datagrams_sent\":50,\"bytes_sent\":5000,"
    "  \"cpu_seconds\":0.5}],"
    " \"lessons\":[]}";

static const char *const latest_snapshot =
    "{\"process\":{\"rss_bytes\":2048,\"cpu_seconds\":1.5},"
    " \"workers\":[{\"index\":1,\"datagrams_received\":0},"
    "  {\"index\":0,\"port\":40000,\"lessons\":1,\"transports\":2,"
    "  \"datagrams_received\":300,\"bytes_received\":30000,"
    "  \"datagrams_sent\":250,\"bytes_sent\":25000,\"cpu_seconds\":0.9}],"
    " \"lessons\":[{\"lesson\":\"L\",\"worker\":0,\"rtp_packets_in\":7,"
    "  \"peers\":["
    "   {\"peer\":\"s1\",\"role\":\"publisher\",\"state\":\"connected\","
    "    \"streams\":[{\"kind\":\"video\",\"bitrate_bps\":1000000,"
    "     \"packets_lost\":3,\"fraction_lost\":0.02,\"jitter_ms\":4.0,"
    "     \"nacks_sent\":5,\"keyframe_requests_sent\":1,"
    "     \"last_keyframe_age_ms\":1500},"
    "     {\"kind\":\"video\",\"bitrate_bps\":300000,"
    "     \"last_keyframe_age_ms\":500},"
    "     {\"kind\":\"audio\",\"bitrate_bps\":40000,"
    "     \"last_keyframe_age_ms\":null}]},"
    "   {\"peer\":\"s2\",\"role\":\"subscriber\",\"state\":\"connecting\","
    "    \"streams\":[{\"kind\":\"video\",\"bitrate_bps\":300000,"
    "     \"layer\":1,\"target_layer\":2,\"rtt_ms\":null,"
    "     \"nacks_received\":2,\"keyframe_requests_received\":1},"
    "     {\"kind\":\"audio\",\"bitrate_bps\":40000,\"rtt_ms\":30}]}]}]}";

static const char *const signaling_dump =
    "{\"lessons\":[{\"lesson\":\"L\",\"live\":true,\"lead\":\"lead-1\","
    "  \"sessions\":[\"s1\",\"s2\"]},"
    " {\"lesson\":\"empty\",\"live\":false,\"lead\":null,\"sessions\":[]}],"
    " \"classrooms\":[{\"classroom\":\"lead-1\",\"session\":\"s1\","
    "  \"online\":true},{\"classroom\":\"room-2\",\"session\":\"s2\","
    "  \"online\":true},{\"classroom\":\"gone\",\"online\":false}]}";

static json_t *
build_canned_view (void)
{
  g_autoptr (json_t) latest = json_loads (latest_snapshot, 0, NULL);
  g_autoptr (json_t) previous = json_loads (previous_snapshot, 0, NULL);
  g_autoptr (json_t) signaling = json_loads (signaling_dump, 0, NULL);
  g_assert_nonnull (latest);
  g_assert_nonnull (previous);
  g_assert_nonnull (signaling);

  const SsLiveViewInput input = {
    .relay_stats = latest,
    .previous_relay_stats = previous,
    .interval_s = 2.0,
    .signaling = signaling,
    .server_name = "test",
    .uptime_s = 10.0,
    .stats_age_s = 0.5,
    .n_sessions = 2,
  };
  return ss_live_view_build (&input);
}

static json_t *
find_by (json_t *array, const char *key, const char *value)
{
  gsize i;
  json_t *entry;
  json_array_foreach (array, i, entry)
    if (g_strcmp0 (json_string_value (json_object_get (entry, key)), value)
        == 0)
      return entry;
  return NULL;
}

static double
number (json_t *object, const char *key)
{
  return json_number_value (json_object_get (object, key));
}

static void
test_view_relays_sorted_with_rates (void)
{
  g_autoptr (json_t) view = build_canned_view ();
  json_t *relays = json_object_get (view, "relays");
  json_t *first = json_array_get (relays, 0);

  g_assert_cmpuint (json_array_size (relays), ==, 2);
  g_assert_cmpfloat (number (first, "worker"), ==, 0);
  g_assert_cmpfloat (number (first, "packets_received_per_second"), ==,
                     100.0);
  g_assert_cmpfloat (number (first, "bitrate_in_bps"), ==, 80000);
  g_assert_cmpfloat (number (first, "cpu_percent"), ==, 20.0);
  g_assert_cmpfloat (number (json_array_get (relays, 1), "cpu_percent"), ==,
                     0.0);
}

static void
test_view_process (void)
{
  g_autoptr (json_t) view = build_canned_view ();
  json_t *process = json_object_get (view, "process");

  g_assert_cmpfloat (number (process, "resident_memory_bytes"), ==, 2048);
  g_assert_cmpfloat (number (process, "cpu_percent"), ==, 25.0);
}

static void
test_view_lead_link (void)
{
  g_autoptr (json_t) view = build_canned_view ();
  json_t *link = find_by (json_object_get (view, "links"), "classroom",
                          "lead-1");

  g_assert_nonnull (link);
  g_assert_cmpstr (json_string_value (json_object_get (link, "role")), ==,
                   "lead");
  g_assert_cmpfloat (number (link, "bitrate_in_bps"), ==, 1340000);
  g_assert_cmpfloat (number (link, "loss_percent"), ==, 2.0);
  g_assert_cmpfloat (number (link, "nacks_sent"), ==, 5);
  /* The freshest layer's key frame counts. */
  g_assert_cmpfloat (number (link, "keyframe_age_seconds"), ==, 0.5);
  g_assert_true (json_is_null (json_object_get (link, "rtt_ms")));
}

static void
test_view_remote_link (void)
{
  g_autoptr (json_t) view = build_canned_view ();
  json_t *link = find_by (json_object_get (view, "links"), "classroom",
                          "room-2");

  g_assert_nonnull (link);
  g_assert_cmpfloat (number (link, "bitrate_out_bps"), ==, 340000);
  g_assert_cmpfloat (number (link, "rtt_ms"), ==, 30.0);
  g_assert_cmpfloat (number (link, "layer"), ==, 1);
  g_assert_cmpfloat (number (link, "target_layer"), ==, 2);
  g_assert_cmpfloat (number (link, "keyframe_requests_received"), ==, 1);
  g_assert_cmpstr (json_string_value (json_object_get (link, "state")), ==,
                   "connecting");
}

static void
test_view_lessons (void)
{
  g_autoptr (json_t) view = build_canned_view ();
  json_t *lessons = json_object_get (view, "lessons");
  json_t *live = find_by (lessons, "lesson", "L");
  json_t *empty = find_by (lessons, "lesson", "empty");

  g_assert_cmpfloat (number (live, "remotes"), ==, 1);
  g_assert_cmpfloat (number (live, "links"), ==, 2);
  g_assert_cmpfloat (number (live, "bitrate_in_bps"), ==, 1340000);
  g_assert_cmpfloat (number (live, "keyframe_age_seconds"), ==, 0.5);
  g_assert_true (json_is_null (json_object_get (empty, "worker")));
  g_assert_cmpfloat (number (empty, "links"), ==, 0);
}

static void
test_view_classroom_counts (void)
{
  g_autoptr (json_t) view = build_canned_view ();
  json_t *counts = json_object_get (view, "classrooms");

  g_assert_cmpfloat (number (counts, "online"), ==, 2);
  g_assert_cmpfloat (number (counts, "offline"), ==, 1);
}

static void
test_view_without_relay_snapshot (void)
{
  g_autoptr (json_t) signaling = json_loads (signaling_dump, 0, NULL);
  const SsLiveViewInput input = {
    .signaling = signaling,
    .stats_age_s = -1.0,
  };
  g_autoptr (json_t) view = ss_live_view_build (&input);

  g_assert_cmpuint (json_array_size (json_object_get (view, "relays")), ==,
                    0);
  g_assert_cmpuint (json_array_size (json_object_get (view, "lessons")), ==,
                    2);
  g_assert_true (json_is_null (json_object_get (
      json_object_get (view, "server"), "stats_age_seconds")));
}

static void
test_view_ignores_malformed_members (void)
{
  g_autoptr (json_t) relay = json_loads (
      "{\"workers\":\"x\",\"lessons\":[{\"lesson\":\"L\",\"peers\":"
      "[{\"peer\":7,\"streams\":{}}]}]}", 0, NULL);
  g_autoptr (json_t) signaling = json_loads (signaling_dump, 0, NULL);
  const SsLiveViewInput input = {
    .relay_stats = relay,
    .signaling = signaling,
  };
  g_autoptr (json_t) view = ss_live_view_build (&input);
  json_t *link = json_array_get (json_object_get (view, "links"), 0);

  g_assert_nonnull (view);
  g_assert_cmpstr (json_string_value (json_object_get (link, "classroom")),
                   ==, "?");
}

/* ---- Metrics ------------------------------------------------------------ */

static void
test_metrics_help_and_type (void)
{
  g_autoptr (json_t) view = load_view ();
  g_autofree char *text = ss_metrics_render (view);

  g_assert_nonnull (strstr (text, "# HELP shuangshi_lessons_live "));
  g_assert_nonnull (strstr (text, "# TYPE shuangshi_lessons_live gauge\n"));
  g_assert_nonnull (strstr (
      text, "# TYPE shuangshi_relay_packets_received_total counter\n"));
  g_assert_nonnull (strstr (text, "shuangshi_lessons_live 1\n"));
}

static void
test_metrics_relay_samples (void)
{
  g_autoptr (json_t) view = load_view ();
  g_autofree char *text = ss_metrics_render (view);

  g_assert_nonnull (strstr (
      text, "shuangshi_relay_bytes_sent_total{relay=\"embedded\","
            "worker=\"0\"} 1800000\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_relay_cpu_seconds_total{relay=\"embedded\","
            "worker=\"0\"} 4.25\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_process_resident_memory_bytes 27262976\n"));
}

static void
test_metrics_units_scaled (void)
{
  g_autoptr (json_t) view = load_view ();
  g_autofree char *text = ss_metrics_render (view);

  g_assert_nonnull (strstr (
      text, "shuangshi_link_rtt_seconds{lesson=\"math-7\","
            "classroom=\"town-1\",role=\"remote\"} 0.24\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_link_loss_ratio{lesson=\"math-7\","
            "classroom=\"town-1\",role=\"remote\"} 0.005\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_link_send_bytes_per_second{lesson=\"math-7\","
            "classroom=\"town-1\",role=\"remote\"} 78750\n"));
}

static void
test_metrics_label_escaped (void)
{
  g_autoptr (json_t) view = load_view ();
  g_autofree char *text = ss_metrics_render (view);

  g_assert_nonnull (strstr (text, "classroom=\"village-\\\"2\\\"\""));
}

static void
test_metrics_null_skipped (void)
{
  g_autoptr (json_t) view = load_view ();
  g_autofree char *text = ss_metrics_render (view);

  /* The lead has no RTT; its family still has HELP and TYPE. */
  g_assert_null (strstr (text, "shuangshi_link_rtt_seconds{lesson=\"math-7\","
                               "classroom=\"lead-1\""));
  g_assert_nonnull (strstr (text, "# TYPE shuangshi_link_rtt_seconds gauge"));
}

static void
test_metrics_empty_view (void)
{
  g_autoptr (json_t) view = json_object ();
  g_autofree char *text = ss_metrics_render (view);

  g_assert_nonnull (strstr (text, "shuangshi_lessons_live 0\n"));
  g_assert_nonnull (strstr (text, "# TYPE shuangshi_link_packets_lost_total "
                                  "counter\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live-view/relays-sorted-with-rates",
                   test_view_relays_sorted_with_rates);
  g_test_add_func ("/live-view/process", test_view_process);
  g_test_add_func ("/live-view/lead-link", test_view_lead_link);
  g_test_add_func ("/live-view/remote-link", test_view_remote_link);
  g_test_add_func ("/live-view/lessons", test_view_lessons);
  g_test_add_func ("/live-view/classroom-counts", test_view_classroom_counts);
  g_test_add_func ("/live-view/no-relay-snapshot",
                   test_view_without_relay_snapshot);
  g_test_add_func ("/live-view/malformed-members",
                   test_view_ignores_malformed_members);
  g_test_add_func ("/metrics/help-and-type", test_metrics_help_and_type);
  g_test_add_func ("/metrics/relay-samples", test_metrics_relay_samples);
  g_test_add_func ("/metrics/units-scaled", test_metrics_units_scaled);
  g_test_add_func ("/metrics/label-escaped", test_metrics_label_escaped);
  g_test_add_func ("/metrics/null-skipped", test_metrics_null_skipped);
  g_test_add_func ("/metrics/empty-view", test_metrics_empty_view);
  return g_test_run ();
}
