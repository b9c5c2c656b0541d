/* Periodic relay statistics and the admin routes that serve them. The
 * relay takes each worker's snapshot on that worker's thread and hands the
 * result to the main loop, so nothing here touches relay state; this file
 * only keeps the snapshots and formats replies.
 */
#define G_LOG_DOMAIN "ss-server"

#include "ss-config.h"

#include "ss-live-stats.h"

#include "ss-live-view.h"
#include "ss-metrics.h"

struct _SsLiveStats {
  SsSignaling *signaling;
  SsRelay *relay;
  SsLiveStatsFetchFunc fetch_func;
  char *server_name;
  gint64 started_us;
  guint timer_id;

  /* A fetch is in flight; a tick skips its own fetch meanwhile. */
  gboolean fetching;
  /* The object outlives a fetch in flight through this reference count:
   * the reply callback holds one. */
  gint ref_count;
  gboolean stopped;

  json_t *latest;
  gint64 latest_us;
  /* The snapshot before, reduced to the counters rates are taken from. */
  json_t *previous;
  gint64 previous_us;
};

static void
live_stats_unref (SsLiveStats *stats)
{
  if (--stats->ref_count > 0)
    return;

  g_clear_pointer (&stats->latest, json_decref);
  g_clear_pointer (&stats->previous, json_decref);
  g_free (stats->server_name);
  g_free (stats);
}

/* Copies the members named in keys (NULL-terminated) that object has. */
static json_t *
copy_members (json_t *object, const char *const *keys)
{
  json_t *copy = json_object ();
  for (guint i = 0; keys[i] != NULL; i++)
    {
      json_t *value = json_object_get (object, keys[i]);
      if (value != NULL)
        json_object_set (copy, keys[i], value);
    }
  return copy;
}

/* What the view needs of the snapshot before the latest: the counters it
 * turns into rates. A full snapshot has an entry per peer and stream,
 * which at a few hundred subscribers cost some 10 KiB each to keep twice.
 * A peer's streams are folded into one entry with their byte totals,
 * which is all the link rates read. */
static json_t *
compact_snapshot (json_t *snapshot)
{
  static const char *const worker_keys[] = {
    "index", "cpu_seconds", "datagrams_received", "datagrams_sent",
    "bytes_received", "bytes_sent", NULL,
  };
  static const char *const process_keys[] = { "cpu_seconds", NULL };

  json_t *workers = json_array ();
  gsize i;
  json_t *worker;
  json_array_foreach (json_object_get (snapshot, "workers"), i, worker)
    json_array_append_new (workers, copy_members (worker, worker_keys));

  json_t *lessons = json_array ();
  json_t *lesson;
  json_array_foreach (json_object_get (snapshot, "lessons"), i, lesson)
    {
      json_t *peers = json_array ();
      gsize j;
      json_t *peer;
      json_array_foreach (json_object_get (lesson, "peers"), j, peer)
        {
          json_int_t received = 0, sent = 0;
          gsize k;
          json_t *stream;
          json_array_foreach (json_object_get (peer, "streams"), k, stream)
            {
              received += json_integer_value (json_object_get (stream, "bytes_received"));
              sent += json_integer_value (json_object_get (stream, "bytes_sent"));
            }
          json_array_append_new (
              peers, json_pack ("{s:O, s:[{s:I, s:I}]}", "peer",
                                json_object_get (peer, "peer"), "streams",
                                "bytes_received", received, "bytes_sent", sent));
        }
      json_array_append_new (lessons,
                             json_pack ("{s:O, s:o}", "lesson",
                                        json_object_get (lesson, "lesson"),
                                        "peers", peers));
    }

  return json_pack ("{s:o, s:o, s:o}", "process",
                    copy_members (json_object_get (snapshot, "process"),
                                  process_keys),
                    "workers", workers, "lessons", lessons);
}

static void
on_relay_stats (SsRelay *relay, json_t *snapshot, gpointer user_data)
{
  SsLiveStats *stats = user_data;
  stats->fetching = FALSE;

  if (!stats->stopped && snapshot != NULL)
    {
      g_clear_pointer (&stats->previous, json_decref);
      if (stats->latest != NULL)
        stats->previous = compact_snapshot (stats->latest);
      g_clear_pointer (&stats->latest, json_decref);
      stats->previous_us = stats->latest_us;
      stats->latest = json_incref (snapshot);
      stats->latest_us = g_get_monotonic_time ();
    }

  if (snapshot != NULL)
    json_decref (snapshot);
  live_stats_unref (stats);
}

static gboolean
on_tick (gpointer user_data)
{
  SsLiveStats *stats = user_data;
  if (stats->relay == NULL || stats->fetching)
    return G_SOURCE_CONTINUE;

  stats->fetching = TRUE;
  stats->ref_count++;
  stats->fetch_func (stats->relay, on_relay_stats, stats);
  return G_SOURCE_CONTINUE;
}

SsLiveStats *
ss_live_stats_new (SsSignaling *signaling,
                   SsRelay *relay,
                   SsLiveStatsFetchFunc fetch_func,
                   const char *server_name)
{
  g_return_val_if_fail (signaling != NULL, NULL);
  g_return_val_if_fail (relay == NULL || fetch_func != NULL, NULL);

  SsLiveStats *stats = g_new0 (SsLiveStats, 1);
  *stats = (SsLiveStats){
    .signaling = signaling,
    .relay = relay,
    .fetch_func = fetch_func,
    .server_name = g_strdup (server_name),
    .started_us = g_get_monotonic_time (),
    .ref_count = 1,
  };
  stats->timer_id = g_timeout_add (SS_LIVE_STATS_INTERVAL_MS, on_tick, stats);
  on_tick (stats);
  return stats;
}

void
ss_live_stats_free (SsLiveStats *stats)
{
  if (stats == NULL)
    return;

  stats->stopped = TRUE;
  g_clear_handle_id (&stats->timer_id, g_source_remove);
  live_stats_unref (stats);
}

json_t *
ss_live_stats_build_view (SsLiveStats *stats)
{
  g_return_val_if_fail (stats != NULL, NULL);

  gint64 now_us = g_get_monotonic_time ();
  g_autoptr (json_t) signaling = ss_signaling_dump_live (stats->signaling,
                                                         now_us);
  const SsLiveViewInput input = {
    .relay_stats = stats->latest,
    .previous_relay_stats = stats->previous,
    .interval_s = stats->previous != NULL
                      ? (stats->latest_us - stats->previous_us) / 1e6
                      : 0.0,
    .signaling = signaling,
    .server_name = stats->server_name,
    .uptime_s = (now_us - stats->started_us) / 1e6,
    .stats_age_s = stats->latest != NULL
                       ? (now_us - stats->latest_us) / 1e6
                       : -1.0,
    .n_sessions = ss_signaling_get_n_sessions (stats->signaling),
  };
  return ss_live_view_build (&input);
}

/* ---- Routes ------------------------------------------------------------ */

static json_t *
pick_members (json_t *view, const char *first, const char *second)
{
  json_t *reply = json_object ();
  json_object_set (reply, first, json_object_get (view, first));
  if (second != NULL)
    json_object_set (reply, second, json_object_get (view, second));
  return reply;
}

static void
handle_status (const SsAdminRequest *request,
               SsAdminResponse *response,
               gpointer user_data)
{
  ss_admin_response_set_json (response, 200,
                              ss_live_stats_build_view (user_data));
}

static void
handle_relays (const SsAdminRequest *request,
               SsAdminResponse *response,
               gpointer user_data)
{
  g_autoptr (json_t) view = ss_live_stats_build_view (user_data);
  ss_admin_response_set_json (response, 200,
                              pick_members (view, "relays", "process"));
}

static void
handle_live_lessons (const SsAdminRequest *request,
                     SsAdminResponse *response,
                     gpointer user_data)
{
  g_autoptr (json_t) view = ss_live_stats_build_view (user_data);
  ss_admin_response_set_json (response, 200,
                              pick_members (view, "lessons", "links"));
}

static void
handle_live_classrooms (const SsAdminRequest *request,
                        SsAdminResponse *response,
                        gpointer user_data)
{
  SsLiveStats *stats = user_data;
  g_autoptr (json_t) dump = ss_signaling_dump_live (stats->signaling,
                                                    g_get_monotonic_time ());
  ss_admin_response_set_json (response, 200,
                              pick_members (dump, "classrooms", NULL));
}

static void
handle_metrics (const SsAdminRequest *request,
                SsAdminResponse *response,
                gpointer user_data)
{
  g_autoptr (json_t) view = ss_live_stats_build_view (user_data);
  g_autofree char *text = ss_metrics_render (view);
  ss_admin_response_set_text (response, 200, SS_METRICS_CONTENT_TYPE, text);
}

static const SsAdminRoute live_routes[] = {
  { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/status",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_status },
  { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/relays",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_relays },
  { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/live/lessons",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_live_lessons },
  { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/live/classrooms",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_live_classrooms },
  /* Prometheus scrapes without credentials; the figures carry no
   * secrets, and the listener is on loopback by default. */
  { .method = SS_HTTP_METHOD_GET, .path = "/metrics",
    .auth = SS_ADMIN_AUTH_NONE, .handler = handle_metrics },
};

void
ss_live_stats_add_routes (SsLiveStats *stats, SsAdminApi *api)
{
  g_return_if_fail (stats != NULL);
  g_return_if_fail (api != NULL);

  ss_admin_api_add_routes (api, live_routes, G_N_ELEMENTS (live_routes),
                           stats);
}
