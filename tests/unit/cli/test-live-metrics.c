/* Unit tests of the live view (relay snapshot + signaling state merged)
 * and of the Prometheus text built from it. */
#include <gio/gio.h>
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
            "classroom=\"town-1\",role=\"remote\","
            "transport=\"subscribe\"} 0.24\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_link_loss_ratio{lesson=\"math-7\","
            "classroom=\"town-1\",role=\"remote\","
            "transport=\"subscribe\"} 0.005\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_link_send_bytes_per_second{lesson=\"math-7\","
            "classroom=\"town-1\",role=\"remote\","
            "transport=\"subscribe\"} 78750\n"));
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

  /* The lead's publish link has no RTT, but the family still has HELP
   * and TYPE. */
  g_assert_null (strstr (text, "shuangshi_link_rtt_seconds{lesson=\"math-7\","
                               "classroom=\"lead-1\",role=\"lead\","
                               "transport=\"publish\"}"));
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

/* ---- Return feeds ------------------------------------------------------- */

/* A lead publishing two simulcast layers and receiving the return feeds,
 * one remote subscribing and sending its return feed. Both subscriptions
 * have slot 0 bound and slot 1 idle, the idle slot's video listed last.
 * The lead's feeds subscription comes after the return feed. So taking the
 * lesson's key-frame age from the last lead link gives null, and taking
 * it from the freshest publisher gives the return feed's 0.3 s. */
static const char *const return_feed_snapshot =
    "{\"workers\":[{\"index\":0}],"
    " \"lessons\":[{\"lesson\":\"L\",\"worker\":0,\"peers\":["
    "  {\"peer\":\"s1\",\"role\":\"publisher\",\"source\":\"lead-1\","
    "   \"state\":\"connected\",\"streams\":["
    "    {\"kind\":\"video\",\"layer\":0,\"bitrate_bps\":300000,"
    "     \"last_keyframe_age_ms\":2500},"
    "    {\"kind\":\"video\",\"layer\":1,\"bitrate_bps\":1000000,"
    "     \"last_keyframe_age_ms\":1200},"
    "    {\"kind\":\"audio\",\"layer\":0,\"bitrate_bps\":40000,"
    "     \"last_keyframe_age_ms\":null}]},"
    "  {\"peer\":\"s2\",\"role\":\"subscriber\",\"state\":\"connected\","
    "   \"streams\":["
    "    {\"kind\":\"audio\",\"slot\":0,\"source\":\"lead-1\",\"layer\":0,"
    "     \"target_layer\":0,\"bitrate_bps\":40000,\"rtt_ms\":30},"
    "    {\"kind\":\"video\",\"slot\":0,\"source\":\"lead-1\",\"layer\":1,"
    "     \"target_layer\":2,\"bitrate_bps\":1000000,\"rtt_ms\":30},"
    "    {\"kind\":\"audio\",\"slot\":1,\"source\":null,\"layer\":-1,"
    "     \"target_layer\":-1,\"bitrate_bps\":0,\"rtt_ms\":null},"
    "    {\"kind\":\"video\",\"slot\":1,\"source\":null,\"layer\":-1,"
    "     \"target_layer\":-1,\"bitrate_bps\":0,\"rtt_ms\":null}]},"
    "  {\"peer\":\"s2/return\",\"role\":\"publisher\",\"source\":\"room-2\","
    "   \"state\":\"connected\",\"streams\":["
    "    {\"kind\":\"video\",\"layer\":0,\"bitrate_bps\":500000,"
    "     \"last_keyframe_age_ms\":300},"
    "    {\"kind\":\"audio\",\"layer\":0,\"bitrate_bps\":40000,"
    "     \"last_keyframe_age_ms\":null}]},"
    "  {\"peer\":\"s1/feeds\",\"role\":\"subscriber\",\"state\":\"connected\","
    "   \"streams\":["
    "    {\"kind\":\"audio\",\"slot\":0,\"source\":\"room-2\",\"layer\":0,"
    "     \"target_layer\":0,\"bitrate_bps\":40000,\"rtt_ms\":4},"
    "    {\"kind\":\"video\",\"slot\":0,\"source\":\"room-2\",\"layer\":0,"
    "     \"target_layer\":0,\"bitrate_bps\":500000,\"rtt_ms\":4},"
    "    {\"kind\":\"audio\",\"slot\":1,\"source\":null,\"layer\":-1,"
    "     \"target_layer\":-1,\"bitrate_bps\":0,\"rtt_ms\":null},"
    "    {\"kind\":\"video\",\"slot\":1,\"source\":null,\"layer\":-1,"
    "     \"target_layer\":-1,\"bitrate_bps\":0,\"rtt_ms\":null}]}]}]}";

static const char *const return_feed_signaling =
    "{\"lessons\":[{\"lesson\":\"L\",\"live\":true,\"lead\":\"lead-1\","
    "  \"sessions\":[\"s1\",\"s2\"]}],"
    " \"classrooms\":[{\"classroom\":\"lead-1\",\"session\":\"s1\","
    "  \"role\":\"lead\",\"online\":true},{\"classroom\":\"room-2\","
    "  \"session\":\"s2\",\"role\":\"remote\",\"online\":true}]}";

static json_t *
build_view_from (const char *snapshot, const char *signaling_text)
{
  g_autoptr (json_t) relay = json_loads (snapshot, 0, NULL);
  g_autoptr (json_t) signaling = json_loads (signaling_text, 0, NULL);
  g_assert_nonnull (relay);
  g_assert_nonnull (signaling);

  const SsLiveViewInput input = {
    .relay_stats = relay,
    .signaling = signaling,
    .stats_age_s = 0.5,
    .n_sessions = 2,
  };
  return ss_live_view_build (&input);
}

/* The link of @classroom over @transport, or NULL. */
static json_t *
find_link (json_t *view, const char *classroom, const char *transport)
{
  gsize i;
  json_t *link;
  json_array_foreach (json_object_get (view, "links"), i, link)
    if (g_strcmp0 (json_string_value (json_object_get (link, "classroom")),
                   classroom)
            == 0
        && g_strcmp0 (json_string_value (json_object_get (link, "transport")),
                      transport)
               == 0)
      return link;
  return NULL;
}

static const char *
string (json_t *object, const char *key)
{
  return json_string_value (json_object_get (object, key));
}

static void
test_return_feed_links (void)
{
  g_autoptr (json_t) view = build_view_from (return_feed_snapshot,
                                             return_feed_signaling);
  json_t *lead_publish = find_link (view, "lead-1", "publish");
  json_t *lead_subscribe = find_link (view, "lead-1", "subscribe");
  json_t *remote_subscribe = find_link (view, "room-2", "subscribe");
  json_t *remote_publish = find_link (view, "room-2", "publish");

  g_assert_cmpuint (json_array_size (json_object_get (view, "links")), ==, 4);
  g_assert_nonnull (lead_publish);
  g_assert_nonnull (lead_subscribe);
  g_assert_nonnull (remote_subscribe);
  g_assert_nonnull (remote_publish);

  g_assert_cmpstr (string (lead_subscribe, "role"), ==, "lead");
  g_assert_cmpstr (string (lead_subscribe, "session"), ==, "s1");
  g_assert_cmpstr (string (lead_subscribe, "peer"), ==, "s1/feeds");
  g_assert_cmpstr (string (remote_publish, "role"), ==, "remote");
  g_assert_cmpstr (string (remote_publish, "session"), ==, "s2");
  g_assert_cmpstr (string (remote_publish, "peer"), ==, "s2/return");
  g_assert_cmpstr (string (remote_subscribe, "peer"), ==, "s2");
}

static void
test_return_feed_layer_of_slot0 (void)
{
  g_autoptr (json_t) view = build_view_from (return_feed_snapshot,
                                             return_feed_signaling);
  json_t *remote_subscribe = find_link (view, "room-2", "subscribe");
  json_t *lead_subscribe = find_link (view, "lead-1", "subscribe");
  json_t *lead_publish = find_link (view, "lead-1", "publish");

  /* Slot 0 carries the lead's stream. The idle floor slot 1 (layer -1)
   * comes last in the snapshot and must not replace it. */
  g_assert_cmpfloat (number (remote_subscribe, "layer"), ==, 1);
  g_assert_cmpfloat (number (remote_subscribe, "target_layer"), ==, 2);
  g_assert_cmpfloat (number (lead_subscribe, "layer"), ==, 0);
  g_assert_cmpfloat (number (lead_subscribe, "target_layer"), ==, 0);
  g_assert_true (json_is_null (json_object_get (lead_publish, "layer")));
}

static void
test_return_feed_link_figures (void)
{
  g_autoptr (json_t) view = build_view_from (return_feed_snapshot,
                                             return_feed_signaling);
  json_t *lead_publish = find_link (view, "lead-1", "publish");
  json_t *lead_subscribe = find_link (view, "lead-1", "subscribe");
  json_t *remote_subscribe = find_link (view, "room-2", "subscribe");
  json_t *remote_publish = find_link (view, "room-2", "publish");

  g_assert_cmpfloat (number (lead_publish, "bitrate_in_bps"), ==, 1340000);
  g_assert_cmpfloat (number (lead_publish, "keyframe_age_seconds"), ==, 1.2);
  g_assert_cmpfloat (number (lead_subscribe, "bitrate_out_bps"), ==, 540000);
  g_assert_cmpfloat (number (lead_subscribe, "rtt_ms"), ==, 4.0);
  g_assert_cmpfloat (number (remote_subscribe, "bitrate_out_bps"), ==,
                     1040000);
  g_assert_cmpfloat (number (remote_subscribe, "rtt_ms"), ==, 30.0);
  g_assert_cmpfloat (number (remote_publish, "bitrate_in_bps"), ==, 540000);
  g_assert_cmpfloat (number (remote_publish, "keyframe_age_seconds"), ==,
                     0.3);
  g_assert_true (json_is_null (json_object_get (remote_publish, "rtt_ms")));
}

static void
test_return_feed_lesson (void)
{
  g_autoptr (json_t) view = build_view_from (return_feed_snapshot,
                                             return_feed_signaling);
  json_t *lesson = find_by (json_object_get (view, "lessons"), "lesson", "L");

  g_assert_nonnull (lesson);
  g_assert_cmpfloat (number (lesson, "remotes"), ==, 1);
  g_assert_cmpfloat (number (lesson, "links"), ==, 4);
  /* The lead's publish link, not the return feed's 0.3 s or the feeds
   * subscription's null. */
  g_assert_cmpfloat (number (lesson, "keyframe_age_seconds"), ==, 1.2);
  g_assert_cmpfloat (number (lesson, "bitrate_in_bps"), ==, 1880000);
  g_assert_cmpfloat (number (lesson, "bitrate_out_bps"), ==, 1580000);
}

/* Peers whose session is gone keep their place: the peer id names the
 * session and the transport, and the session's two links count as one
 * remote. */
static void
test_return_feed_session_gone (void)
{
  g_autoptr (json_t) view = build_view_from (
      "{\"lessons\":[{\"lesson\":\"L\",\"peers\":["
      " {\"peer\":\"s8\",\"role\":\"subscriber\",\"streams\":[]},"
      " {\"peer\":\"s8/return\",\"role\":\"publisher\",\"streams\":[]},"
      " {\"peer\":\"s9/feeds\",\"role\":\"subscriber\",\"streams\":[]}]}]}",
      "{\"lessons\":[{\"lesson\":\"L\",\"live\":false}],\"classrooms\":[]}");
  json_t *links = json_object_get (view, "links");
  json_t *lesson = json_array_get (json_object_get (view, "lessons"), 0);
  json_t *feeds = find_by (links, "peer", "s9/feeds");
  json_t *return_feed = find_by (links, "peer", "s8/return");

  g_assert_nonnull (feeds);
  g_assert_nonnull (return_feed);
  g_assert_cmpstr (string (feeds, "role"), ==, "lead");
  g_assert_cmpstr (string (feeds, "session"), ==, "s9");
  g_assert_cmpstr (string (feeds, "classroom"), ==, "s9/feeds");
  g_assert_cmpstr (string (return_feed, "role"), ==, "remote");
  g_assert_cmpstr (string (return_feed, "transport"), ==, "publish");
  g_assert_cmpfloat (number (lesson, "remotes"), ==, 1);
  g_assert_true (json_is_null (json_object_get (lesson,
                                                "keyframe_age_seconds")));
}

static void
test_return_feed_idle_slot0_no_layer (void)
{
  g_autoptr (json_t) view = build_view_from (
      "{\"lessons\":[{\"lesson\":\"L\",\"peers\":["
      " {\"peer\":\"s1/feeds\",\"role\":\"subscriber\",\"streams\":["
      "  {\"kind\":\"video\",\"slot\":1,\"source\":\"room-2\",\"layer\":0,"
      "   \"target_layer\":0},"
      "  {\"kind\":\"video\",\"slot\":0,\"source\":null,\"layer\":-1,"
      "   \"target_layer\":-1}]}]}]}",
      return_feed_signaling);
  json_t *link = find_link (view, "lead-1", "subscribe");

  g_assert_nonnull (link);
  g_assert_true (json_is_null (json_object_get (link, "layer")));
  g_assert_true (json_is_null (json_object_get (link, "target_layer")));
}

/* Fails the test when two samples of @text have the same name and labels,
 * and returns how many samples of family @name there are. */
static guint
check_unique_series (const char *text, const char *name)
{
  g_autoptr (GHashTable) series = g_hash_table_new_full (g_str_hash,
                                                         g_str_equal, g_free,
                                                         NULL);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *prefix = g_strconcat (name, "{", NULL);
  guint n_family = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      const char *value = strrchr (lines[i], ' ');
      g_assert_nonnull (value);
      char *key = g_strndup (lines[i], value - lines[i]);
      if (!g_hash_table_add (series, key))
        g_error ("duplicate series: %s", lines[i]);
      if (g_str_has_prefix (lines[i], prefix))
        n_family++;
    }
  return n_family;
}

static void
test_metrics_return_feed_series_unique (void)
{
  g_autoptr (json_t) view = build_view_from (return_feed_snapshot,
                                             return_feed_signaling);
  g_autofree char *text = ss_metrics_render (view);

  g_assert_cmpuint (check_unique_series (text,
                                         "shuangshi_link_bytes_sent_total"),
                    ==, 4);
  g_assert_nonnull (strstr (
      text, "shuangshi_link_keyframe_age_seconds{lesson=\"L\","
            "classroom=\"lead-1\",role=\"lead\",transport=\"publish\"} "
            "1.2\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_link_keyframe_age_seconds{lesson=\"L\","
            "classroom=\"room-2\",role=\"remote\",transport=\"publish\"} "
            "0.3\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_link_rtt_seconds{lesson=\"L\",classroom=\"lead-1\","
            "role=\"lead\",transport=\"subscribe\"} 0.004\n"));
  g_assert_nonnull (strstr (text, "shuangshi_lesson_remotes{lesson=\"L\"} "
                                  "1\n"));
}

static void
test_metrics_return_feed_layers (void)
{
  g_autoptr (json_t) view = build_view_from (return_feed_snapshot,
                                             return_feed_signaling);
  g_autofree char *text = ss_metrics_render (view);

  g_assert_cmpuint (check_unique_series (text,
                                         "shuangshi_link_simulcast_layer"),
                    ==, 2);
  g_assert_nonnull (strstr (
      text, "shuangshi_link_simulcast_layer{lesson=\"L\","
            "classroom=\"room-2\",role=\"remote\",transport=\"subscribe\"} "
            "1\n"));
  g_assert_nonnull (strstr (
      text, "shuangshi_link_simulcast_layer{lesson=\"L\","
            "classroom=\"lead-1\",role=\"lead\",transport=\"subscribe\"} "
            "0\n"));
}

static void
test_metrics_canned_view_series_unique (void)
{
  g_autoptr (json_t) view = load_view ();
  g_autofree char *text = ss_metrics_render (view);

  /* view.json has two links each for lead-1 and town-1. */
  g_assert_cmpuint (check_unique_series (text, "shuangshi_link_jitter_seconds"),
                    ==, 5);
}

/* promtool (Debian package prometheus) lints names, types and syntax. It
 * does not report duplicate series, which the tests above check. */
static void
test_metrics_promtool (void)
{
  g_autofree char *promtool = g_find_program_in_path ("promtool");
  if (promtool == NULL)
    {
      g_test_skip ("promtool is not installed (Debian package prometheus)");
      return;
    }

  g_autoptr (json_t) view = build_view_from (return_feed_snapshot,
                                             return_feed_signaling);
  g_autofree char *text = ss_metrics_render (view);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = g_subprocess_new (
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
          | G_SUBPROCESS_FLAGS_STDERR_MERGE,
      &error, promtool, "check", "metrics", NULL);
  g_assert_no_error (error);
  g_autofree char *output = NULL;
  g_subprocess_communicate_utf8 (process, text, NULL, &output, NULL, &error);
  g_assert_no_error (error);

  if (!g_subprocess_get_successful (process))
    g_error ("promtool check metrics failed:\n%s", output);
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
  g_test_add_func ("/return-feed/links", test_return_feed_links);
  g_test_add_func ("/return-feed/layer-of-slot0",
                   test_return_feed_layer_of_slot0);
  g_test_add_func ("/return-feed/link-figures", test_return_feed_link_figures);
  g_test_add_func ("/return-feed/lesson", test_return_feed_lesson);
  g_test_add_func ("/return-feed/session-gone",
                   test_return_feed_session_gone);
  g_test_add_func ("/return-feed/idle-slot0-no-layer",
                   test_return_feed_idle_slot0_no_layer);
  g_test_add_func ("/metrics/return-feed-series-unique",
                   test_metrics_return_feed_series_unique);
  g_test_add_func ("/metrics/return-feed-layers",
                   test_metrics_return_feed_layers);
  g_test_add_func ("/metrics/canned-view-series-unique",
                   test_metrics_canned_view_series_unique);
  g_test_add_func ("/metrics/promtool", test_metrics_promtool);
  return g_test_run ();
}
