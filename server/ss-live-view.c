/* Builds the admin API's live view from the relay's statistics snapshot and
 * the signaling core's state; see ss-live-view.h for the schema. A link is
 * one relay peer (one transport), matched to its classroom through the
 * signaling session id at the start of the peer id. Loss and jitter of a
 * subscribe link come from the RTCP receiver reports the classroom sends
 * (RFC 3550 section 6.4.2), those of a publish link from the relay's own
 * receive statistics. Only subscribe links have an RTT.
 */
#define G_LOG_DOMAIN "ss-live-view"

#include "ss-live-view.h"

#include <math.h>
#include <string.h>

static gint64
get_int (json_t *object, const char *key)
{
  json_t *value = json_object_get (object, key);
  if (json_is_integer (value))
    return json_integer_value (value);
  if (json_is_real (value))
    return (gint64) json_real_value (value);
  return 0;
}

static double
get_number (json_t *object, const char *key)
{
  json_t *value = json_object_get (object, key);
  return json_is_number (value) ? json_number_value (value) : 0.0;
}

static gboolean
has_number (json_t *object, const char *key)
{
  return json_is_number (json_object_get (object, key));
}

static double
rate_of (gint64 now, gint64 before, double interval_s)
{
  if (interval_s <= 0.0 || now < before)
    return 0.0;
  return (now - before) / interval_s;
}

/* Rounds to 0.1 so the JSON stays short and stable. */
static json_t *
json_tenths (double value)
{
  return json_real (round (value * 10.0) / 10.0);
}

/* ---- Relays ------------------------------------------------------------ */

static json_t *
find_previous_worker (json_t *previous, gint64 index)
{
  gsize i;
  json_t *worker;
  json_array_foreach (json_object_get (previous, "workers"), i, worker)
    if (get_int (worker, "index") == index)
      return worker;
  return NULL;
}

static json_t *
build_relay (json_t *worker, json_t *before, double interval_s)
{
  static const char *const copied[] = {
    "port", "lessons", "transports", "producers", "consumers",
  };

  json_t *relay = json_object ();
  json_object_set_new (relay, "relay", json_string ("embedded"));
  json_object_set_new (relay, "worker",
                       json_integer (get_int (worker, "index")));
  for (guint i = 0; i < G_N_ELEMENTS (copied); i++)
    json_object_set_new (relay, copied[i],
                         json_integer (get_int (worker, copied[i])));

  json_object_set_new (relay, "packets_received",
                       json_integer (get_int (worker, "datagrams_received")));
  json_object_set_new (relay, "bytes_received",
                       json_integer (get_int (worker, "bytes_received")));
  json_object_set_new (relay, "packets_sent",
                       json_integer (get_int (worker, "datagrams_sent")));
  json_object_set_new (relay, "bytes_sent",
                       json_integer (get_int (worker, "bytes_sent")));
  json_object_set_new (relay, "packets_dropped",
                       json_integer (get_int (worker, "datagrams_dropped")));
  json_object_set_new (relay, "cpu_seconds",
                       json_real (get_number (worker, "cpu_seconds")));

  double cpu_percent = 0.0;
  double received_per_s = 0.0, sent_per_s = 0.0;
  double bitrate_in = 0.0, bitrate_out = 0.0;
  if (before != NULL && interval_s > 0.0)
    {
      double cpu = get_number (worker, "cpu_seconds")
                   - get_number (before, "cpu_seconds");
      cpu_percent = MAX (cpu, 0.0) / interval_s * 100.0;
      received_per_s = rate_of (get_int (worker, "datagrams_received"),
                                get_int (before, "datagrams_received"),
                                interval_s);
      sent_per_s = rate_of (get_int (worker, "datagrams_sent"),
                            get_int (before, "datagrams_sent"), interval_s);
      bitrate_in = 8.0 * rate_of (get_int (worker, "bytes_received"),
                                  get_int (before, "bytes_received"),
                                  interval_s);
      bitrate_out = 8.0 * rate_of (get_int (worker, "bytes_sent"),
                                   get_int (before, "bytes_sent"),
                                   interval_s);
    }

  json_object_set_new (relay, "cpu_percent", json_tenths (cpu_percent));
  json_object_set_new (relay, "packets_received_per_second",
                       json_tenths (received_per_s));
  json_object_set_new (relay, "packets_sent_per_second",
                       json_tenths (sent_per_s));
  json_object_set_new (relay, "bitrate_in_bps",
                       json_integer ((json_int_t) bitrate_in));
  json_object_set_new (relay, "bitrate_out_bps",
                       json_integer ((json_int_t) bitrate_out));
  return relay;
}

static gint
compare_worker_index (gconstpointer a, gconstpointer b)
{
  gint64 first = get_int (*(json_t *const *) a, "index");
  gint64 second = get_int (*(json_t *const *) b, "index");
  return first < second ? -1 : first > second;
}

/* Lists the workers by index, whatever order their replies arrived in. */
static json_t *
build_relays (const SsLiveViewInput *input)
{
  g_autoptr (GPtrArray) workers = g_ptr_array_new ();
  gsize i;
  json_t *worker;
  json_array_foreach (json_object_get (input->relay_stats, "workers"), i,
                      worker)
    g_ptr_array_add (workers, worker);
  g_ptr_array_sort (workers, compare_worker_index);

  json_t *relays = json_array ();
  for (guint w = 0; w < workers->len; w++)
    {
      worker = g_ptr_array_index (workers, w);
      json_t *before = find_previous_worker (input->previous_relay_stats,
                                             get_int (worker, "index"));
      json_array_append_new (relays,
                             build_relay (worker, before, input->interval_s));
    }
  return relays;
}

static json_t *
build_process (const SsLiveViewInput *input)
{
  json_t *now = json_object_get (input->relay_stats, "process");
  json_t *before = json_object_get (input->previous_relay_stats, "process");

  double cpu_percent = 0.0;
  if (before != NULL && input->interval_s > 0.0)
    cpu_percent = MAX (get_number (now, "cpu_seconds")
                           - get_number (before, "cpu_seconds"),
                       0.0)
                  / input->interval_s * 100.0;

  return json_pack ("{s:I,s:f,s:o}", "resident_memory_bytes",
                    (json_int_t) get_int (now, "rss_bytes"), "cpu_seconds",
                    get_number (now, "cpu_seconds"), "cpu_percent",
                    json_tenths (cpu_percent));
}

/* ---- Links ------------------------------------------------------------- */

/* The figures of one link, summed or taken as the worst over its streams. */
typedef struct {
  gint64 bitrate_in;
  gint64 bitrate_out;
  gint64 bytes_in;
  gint64 bytes_out;
  gint64 packets_lost;
  double fraction_lost;
  double jitter_ms;
  gboolean has_rtt;
  double rtt_ms;
  gint64 nacks_sent;
  gint64 nacks_received;
  gint64 keyframe_requests_sent;
  gint64 keyframe_requests_received;
  gboolean has_keyframe_age;
  double keyframe_age_ms;
  /* Layers of the slot-0 video consumer, -1 when it forwards none. */
  gboolean has_slot0_video;
  gint64 layer;
  gint64 target_layer;
} SsLinkFigures;

static void
add_stream_quality (SsLinkFigures *figures, json_t *stream)
{
  figures->packets_lost += MAX (get_int (stream, "packets_lost"), 0);
  figures->fraction_lost = MAX (figures->fraction_lost,
                                get_number (stream, "fraction_lost"));
  figures->jitter_ms = MAX (figures->jitter_ms,
                            get_number (stream, "jitter_ms"));
}

static void
add_producer (SsLinkFigures *figures, json_t *stream)
{
  figures->bitrate_in += get_int (stream, "bitrate_bps");
  figures->bytes_in += get_int (stream, "bytes_received");
  add_stream_quality (figures, stream);
  figures->nacks_sent += get_int (stream, "nacks_sent");
  figures->keyframe_requests_sent += get_int (stream,
                                              "keyframe_requests_sent");

  /* With simulcast every layer has its own key frames. The freshest one
   * bounds how long a new subscriber waits. */
  if (has_number (stream, "last_keyframe_age_ms"))
    {
      double age = get_number (stream, "last_keyframe_age_ms");
      if (!figures->has_keyframe_age || age < figures->keyframe_age_ms)
        figures->keyframe_age_ms = age;
      figures->has_keyframe_age = TRUE;
    }
}

static void
add_consumer (SsLinkFigures *figures, json_t *stream)
{
  figures->bitrate_out += get_int (stream, "bitrate_bps");
  figures->bytes_out += get_int (stream, "bytes_sent");
  add_stream_quality (figures, stream);
  figures->nacks_received += get_int (stream, "nacks_received");
  figures->keyframe_requests_received += get_int (
      stream, "keyframe_requests_received");

  if (has_number (stream, "rtt_ms"))
    {
      figures->rtt_ms = MAX (figures->rtt_ms, get_number (stream, "rtt_ms"));
      figures->has_rtt = TRUE;
    }

  /* A subscription has a video consumer per slot, and the later slots are
   * often idle (a remote's floor slot while no classroom has the floor).
   * So the link shows slot 0: the lead's stream for a remote, and the floor
   * holder's or the first return feed for the lead. A consumer without
   * "slot" counts as slot 0. */
  const char *kind = json_string_value (json_object_get (stream, "kind"));
  if (g_strcmp0 (kind, "video") == 0 && !figures->has_slot0_video
      && get_int (stream, "slot") == 0)
    {
      figures->has_slot0_video = TRUE;
      figures->layer = has_number (stream, "layer")
                           ? get_int (stream, "layer") : -1;
      figures->target_layer = has_number (stream, "target_layer")
                                  ? get_int (stream, "target_layer") : -1;
    }
}

static json_t *
optional_number (gboolean known, double value)
{
  return known ? json_tenths (value) : json_null ();
}

/* Returns the online classroom entry of @session_id, or NULL. */
static json_t *
find_classroom (json_t *signaling, const char *session_id)
{
  gsize i;
  json_t *entry;
  json_array_foreach (json_object_get (signaling, "classrooms"), i, entry)
    if (g_strcmp0 (json_string_value (json_object_get (entry, "session")),
                   session_id)
        == 0)
      return entry;
  return NULL;
}

/* The signaling server names a session's relay transports (see
 * ss_session_transport_peer_id): the session id for the lead's publish and
 * a remote's subscription, "SESSION/feeds" for the lead's subscription and
 * "SESSION/return" for a remote's return feed. */
static char *
session_of_peer (const char *peer_id)
{
  return g_strndup (peer_id, strcspn (peer_id, "/"));
}

/* The role a peer id implies, for a peer whose session is gone. */
static const char *
role_of_peer (const char *peer_id, gboolean is_publisher)
{
  const char *suffix = strchr (peer_id, '/');
  if (suffix == NULL)
    return is_publisher ? "lead" : "remote";
  return g_strcmp0 (suffix, "/feeds") == 0 ? "lead" : "remote";
}

/* The peer of the same id in a lesson of an earlier snapshot, or NULL. */
static json_t *
find_peer (json_t *relay_lesson, const char *peer_id)
{
  gsize i;
  json_t *peer;
  json_array_foreach (json_object_get (relay_lesson, "peers"), i, peer)
    if (g_strcmp0 (json_string_value (json_object_get (peer, "peer")), peer_id)
        == 0)
      return peer;
  return NULL;
}

/* Bytes a peer's streams received (producers) and sent (consumers). */
static void
sum_stream_bytes (json_t *peer, gint64 *bytes_in, gint64 *bytes_out)
{
  gsize i;
  json_t *stream;

  *bytes_in = 0;
  *bytes_out = 0;
  json_array_foreach (json_object_get (peer, "streams"), i, stream)
    {
      *bytes_in += get_int (stream, "bytes_received");
      *bytes_out += get_int (stream, "bytes_sent");
    }
}

static json_t *
build_link (const char *lesson_id, json_t *peer, json_t *previous_peer,
            double interval_s, json_t *signaling)
{
  const char *peer_id = json_string_value (json_object_get (peer, "peer"));
  if (peer_id == NULL)
    peer_id = "";
  /* The lead's main stream and a remote's return feed are publishers. */
  gboolean is_publisher =
      g_strcmp0 (json_string_value (json_object_get (peer, "role")),
                 "publisher")
      == 0;
  g_autofree char *session_id = session_of_peer (peer_id);
  json_t *classroom = find_classroom (signaling, session_id);
  const char *classroom_id = json_string_value (json_object_get (classroom,
                                                                 "classroom"));
  const char *role = json_string_value (json_object_get (classroom, "role"));

  SsLinkFigures figures = { 0 };
  gsize i;
  json_t *stream;
  json_array_foreach (json_object_get (peer, "streams"), i, stream)
    {
      if (is_publisher)
        add_producer (&figures, stream);
      else
        add_consumer (&figures, stream);
    }

  /* A technician reads what went over the link in the last interval, so
   * the rate comes from the byte counters of the last two snapshots. The
   * relay's own averages (used for layer choice) are the fallback while a
   * link has only one snapshot. */
  if (previous_peer != NULL && interval_s > 0.0)
    {
      gint64 before_in, before_out;
      sum_stream_bytes (previous_peer, &before_in, &before_out);
      figures.bitrate_in = (gint64) (8.0 * rate_of (figures.bytes_in, before_in,
                                                    interval_s));
      figures.bitrate_out = (gint64) (8.0 * rate_of (figures.bytes_out,
                                                     before_out, interval_s));
    }

  json_t *link = json_object ();
  json_object_set_new (link, "lesson", json_string (lesson_id));
  json_object_set_new (link, "classroom",
                       json_string (classroom_id != NULL ? classroom_id
                                    : peer_id[0] != '\0' ? peer_id
                                                         : "?"));
  json_object_set_new (link, "session", json_string (session_id));
  json_object_set_new (link, "peer", json_string (peer_id));
  json_object_set_new (link, "role",
                       json_string (role != NULL
                                        ? role
                                        : role_of_peer (peer_id,
                                                        is_publisher)));
  json_object_set_new (link, "transport",
                       json_string (is_publisher ? "publish" : "subscribe"));
  json_object_set_new (link, "state",
                       json_incref (json_object_get (peer, "state")));
  json_object_set_new (link, "address",
                       json_incref (json_object_get (peer, "address")));
  json_object_set_new (link, "age_seconds",
                       json_integer (get_int (peer, "age_ms") / 1000));
  json_object_set_new (link, "bitrate_in_bps",
                       json_integer (figures.bitrate_in));
  json_object_set_new (link, "bitrate_out_bps",
                       json_integer (figures.bitrate_out));
  json_object_set_new (link, "bytes_in", json_integer (figures.bytes_in));
  json_object_set_new (link, "bytes_out", json_integer (figures.bytes_out));
  json_object_set_new (link, "packets_lost",
                       json_integer (figures.packets_lost));
  json_object_set_new (link, "loss_percent",
                       json_tenths (figures.fraction_lost * 100.0));
  json_object_set_new (link, "jitter_ms", json_tenths (figures.jitter_ms));
  json_object_set_new (link, "rtt_ms",
                       optional_number (figures.has_rtt, figures.rtt_ms));
  json_object_set_new (link, "nacks_sent", json_integer (figures.nacks_sent));
  json_object_set_new (link, "nacks_received",
                       json_integer (figures.nacks_received));
  json_object_set_new (link, "keyframe_requests_sent",
                       json_integer (figures.keyframe_requests_sent));
  json_object_set_new (link, "keyframe_requests_received",
                       json_integer (figures.keyframe_requests_received));
  json_object_set_new (link, "keyframe_age_seconds",
                       optional_number (figures.has_keyframe_age,
                                        figures.keyframe_age_ms / 1000.0));
  json_object_set_new (link, "layer",
                       figures.has_slot0_video && figures.layer >= 0
                           ? json_integer (figures.layer)
                           : json_null ());
  json_object_set_new (link, "target_layer",
                       figures.has_slot0_video && figures.target_layer >= 0
                           ? json_integer (figures.target_layer)
                           : json_null ());
  return link;
}

/* ---- Lessons ----------------------------------------------------------- */

static json_t *
find_relay_lesson (json_t *relay_stats, const char *lesson_id)
{
  gsize i;
  json_t *lesson;
  json_array_foreach (json_object_get (relay_stats, "lessons"), i, lesson)
    if (g_strcmp0 (json_string_value (json_object_get (lesson, "lesson")),
                   lesson_id)
        == 0)
      return lesson;
  return NULL;
}

/* Appends the lesson's links to @links and returns its summary. */
static json_t *
build_lesson (json_t *core_lesson,
              json_t *relay_lesson,
              json_t *previous_relay_lesson,
              double interval_s,
              json_t *signaling,
              json_t *links)
{
  const char *lesson_id = json_string_value (json_object_get (core_lesson,
                                                              "lesson"));
  gint64 bitrate_in = 0, bitrate_out = 0, n_links = 0;
  json_t *keyframe_age = NULL;
  /* A remote with a return feed has two links, one per transport, so the
   * remotes are counted by session. Keys are borrowed from the links. */
  g_autoptr (GHashTable) remote_sessions = g_hash_table_new (g_str_hash,
                                                             g_str_equal);

  gsize i;
  json_t *peer;
  json_array_foreach (json_object_get (relay_lesson, "peers"), i, peer)
    {
      const char *peer_id = json_string_value (json_object_get (peer, "peer"));
      json_t *link = build_link (lesson_id, peer,
                                 find_peer (previous_relay_lesson, peer_id),
                                 interval_s, signaling);
      json_array_append_new (links, link);
      n_links++;
      bitrate_in += get_int (link, "bitrate_in_bps");
      bitrate_out += get_int (link, "bitrate_out_bps");

      const char *role = json_string_value (json_object_get (link, "role"));
      const char *transport = json_string_value (json_object_get (
          link, "transport"));
      if (g_strcmp0 (role, "remote") == 0)
        g_hash_table_add (remote_sessions,
                          (gpointer) json_string_value (
                              json_object_get (link, "session")));
      else if (keyframe_age == NULL && g_strcmp0 (transport, "publish") == 0)
        {
          /* The lesson's key frames are those of the lead's main stream.
           * The lead's feeds subscription receives none, and a return
           * feed's key frames stay on that remote's link. */
          keyframe_age = json_object_get (link, "keyframe_age_seconds");
        }
    }

  json_t *lesson = json_object ();
  json_object_set_new (lesson, "lesson", json_string (lesson_id));
  json_object_set_new (lesson, "live",
                       json_incref (json_object_get (core_lesson, "live")));
  json_object_set_new (lesson, "lead",
                       json_incref (json_object_get (core_lesson, "lead")));
  json_object_set_new (lesson, "relay",
                       relay_lesson != NULL ? json_string ("embedded")
                                            : json_null ());
  json_object_set_new (lesson, "worker",
                       relay_lesson != NULL
                           ? json_integer (get_int (relay_lesson, "worker"))
                           : json_null ());
  json_object_set_new (lesson, "remotes",
                       json_integer (g_hash_table_size (remote_sessions)));
  json_object_set_new (lesson, "links", json_integer (n_links));
  json_object_set_new (lesson, "bitrate_in_bps", json_integer (bitrate_in));
  json_object_set_new (lesson, "bitrate_out_bps", json_integer (bitrate_out));
  json_object_set_new (lesson, "rtp_packets_in",
                       json_integer (get_int (relay_lesson,
                                              "rtp_packets_in")));
  json_object_set_new (lesson, "rtp_packets_out",
                       json_integer (get_int (relay_lesson,
                                              "rtp_packets_out")));
  json_object_set_new (lesson, "keyframe_age_seconds",
                       keyframe_age != NULL ? json_incref (keyframe_age)
                                            : json_null ());
  return lesson;
}

static json_t *
build_classroom_counts (json_t *signaling)
{
  gint64 online = 0, offline = 0;
  gsize i;
  json_t *entry;
  json_array_foreach (json_object_get (signaling, "classrooms"), i, entry)
    {
      if (json_is_true (json_object_get (entry, "online")))
        online++;
      else
        offline++;
    }
  return json_pack ("{s:I,s:I}", "online", (json_int_t) online, "offline",
                    (json_int_t) offline);
}

json_t *
ss_live_view_build (const SsLiveViewInput *input)
{
  g_return_val_if_fail (input != NULL, NULL);

  json_t *lessons = json_array ();
  json_t *links = json_array ();
  gsize i;
  json_t *core_lesson;
  json_array_foreach (json_object_get (input->signaling, "lessons"), i,
                      core_lesson)
    {
      const char *id = json_string_value (json_object_get (core_lesson,
                                                           "lesson"));
      json_t *relay_lesson = find_relay_lesson (input->relay_stats, id);
      json_t *previous = input->previous_relay_stats != NULL
                             ? find_relay_lesson (input->previous_relay_stats, id)
                             : NULL;
      json_array_append_new (lessons,
                             build_lesson (core_lesson, relay_lesson, previous,
                                           input->interval_s, input->signaling,
                                           links));
    }

  json_t *server = json_pack (
      "{s:s,s:o,s:o,s:I}", "name",
      input->server_name != NULL ? input->server_name : "shuangshi-server",
      "uptime_seconds", json_integer ((json_int_t) input->uptime_s),
      "stats_age_seconds",
      input->stats_age_s >= 0.0 ? json_tenths (input->stats_age_s)
                                : json_null (),
      "sessions", (json_int_t) input->n_sessions);

  return json_pack ("{s:o,s:o,s:o,s:o,s:o,s:o}", "server", server, "process",
                    build_process (input), "relays", build_relays (input),
                    "lessons", lessons, "links", links, "classrooms",
                    build_classroom_counts (input->signaling));
}
