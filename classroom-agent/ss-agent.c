/* Session logic of the classroom agent, between the signaling client and
 * the media pipelines (protocol/README.md, "Session flow").
 *
 * On each connection: hello with the classroom's token, then lesson.join,
 * then the lead publishes at once and a remote subscribes when the lesson
 * is live. An agent without a fixed lesson (and a lead with --auto-start)
 * follows the timetable instead. It joins the lesson that lesson.starting
 * announces and leaves on lesson.ended. In between, a remote shows the
 * waiting screen with the next lesson of the latest schedule event. After a
 * reconnect the server repeats lesson.starting while the lesson is live,
 * so the agent rejoins it and subscribes again. A media attempt builds a
 * fresh pipeline, creates the offer, sends it in `publish` or `subscribe`
 * and applies the relay's answer. Any failure tears the pipeline down and
 * tries again after SS_AGENT_MEDIA_RETRY_MS; a dropped connection tears it
 * down and the websocket client reconnects with backoff. Each attempt has
 * its own request id and GCancellable, so replies to an attempt that was
 * abandoned are ignored. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent.h"
#include "ss-agent-error.h"
#include "ss-agent-signaling.h"
#include "ss-agent-waiting.h"
#include "ss-agent-ws.h"
#include "ss-config.h"

#include <string.h>

#define SS_AGENT_MEDIA_RETRY_MS 2000
#define SS_AGENT_TICK_MS 1000

struct _SsAgent {
  SsAgentRole role;
  char *classroom;
  /* The lesson of the command line or configuration file, or NULL. */
  char *configured_lesson;
  gboolean auto_start;
  char *token;
  /* The lesson joined or being joined; NULL while a timetable-following
   * agent waits for lesson.starting. */
  char *lesson;
  char *stats_path;
  GStrv ice_addresses;
  SsLeadConfig lead_config;
  char *lead_path;
  SsRemoteConfig remote_config;

  GMainLoop *loop;
  GMainContext *context;
  SsWsClient *ws;
  SsSignaling *signaling;
  SsAgentStats *stats;
  GSource *tick_source;
  GSource *retry_source;

  gboolean joined;
  gboolean join_pending;
  gboolean live;
  gboolean stopped;

  /* Remotes only: shown while not in a lesson. */
  SsWaitingScreen *waiting;
  /* The next lesson of the latest schedule event; NULL when none. */
  char *next_subject;
  char *next_start;

  /* The current media attempt. */
  SsLeadPipeline *lead;
  SsRemotePipeline *remote;
  GCancellable *media_cancellable;
  guint64 media_request_id;
  gboolean offer_sent;
  GPtrArray *pending_candidates;
};

typedef struct {
  guint mline;
  char *candidate;
} SsQueuedCandidate;

static void
ss_queued_candidate_free (SsQueuedCandidate *queued)
{
  g_free (queued->candidate);
  g_free (queued);
}

static const char *
media_request_type (SsAgent *agent)
{
  return agent->role == SS_AGENT_ROLE_LEAD ? "publish" : "subscribe";
}

static GstElement *
media_webrtcbin (SsAgent *agent)
{
  if (agent->lead != NULL)
    return ss_lead_pipeline_get_webrtcbin (agent->lead);
  if (agent->remote != NULL)
    return ss_remote_pipeline_get_webrtcbin (agent->remote);
  return NULL;
}

static void
teardown_media (SsAgent *agent)
{
  if (agent->media_cancellable != NULL) {
    g_cancellable_cancel (agent->media_cancellable);
    g_clear_object (&agent->media_cancellable);
  }

  if (agent->lead != NULL || agent->remote != NULL)
    g_message ("Stopping the %s pipeline of classroom %s",
               ss_agent_role_to_string (agent->role), agent->classroom);

  g_clear_pointer (&agent->lead, ss_lead_pipeline_free);
  g_clear_pointer (&agent->remote, ss_remote_pipeline_free);
  agent->media_request_id = 0;
  agent->offer_sent = FALSE;
  g_ptr_array_set_size (agent->pending_candidates, 0);
}

static void start_media (SsAgent *agent);

static gboolean
on_retry_timeout (gpointer data)
{
  SsAgent *agent = data;

  g_clear_pointer (&agent->retry_source, g_source_unref);
  start_media (agent);
  return G_SOURCE_REMOVE;
}

static void
cancel_retry (SsAgent *agent)
{
  if (agent->retry_source == NULL)
    return;

  g_source_destroy (agent->retry_source);
  g_clear_pointer (&agent->retry_source, g_source_unref);
}

static void
schedule_media_retry (SsAgent *agent, guint delay_ms)
{
  if (agent->stopped || agent->retry_source != NULL)
    return;

  agent->retry_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (agent->retry_source, on_retry_timeout, agent, NULL);
  g_source_attach (agent->retry_source, agent->context);
}

static void
fail_media (SsAgent *agent, const char *step, const GError *error)
{
  g_warning ("Classroom %s: %s failed: %s; retrying in %d ms",
             agent->classroom, step, error->message, SS_AGENT_MEDIA_RETRY_MS);
  teardown_media (agent);
  schedule_media_retry (agent, SS_AGENT_MEDIA_RETRY_MS);
}

static void
send_candidate (SsAgent *agent, guint mline, const char *candidate)
{
  json_t *payload = json_object ();

  json_object_set_new (payload, "candidate", json_string (candidate));
  json_object_set_new (payload, "mline", json_integer (mline));
  ss_signaling_notify (agent->signaling, "candidate", payload);
}

/* Candidates gathered before the offer went out wait for it: the server
 * knows no transport for this client until then. */
static void
on_local_candidate (guint mline, const char *candidate, gpointer data)
{
  SsAgent *agent = data;

  if (agent->offer_sent) {
    send_candidate (agent, mline, candidate);
    return;
  }

  SsQueuedCandidate *queued = g_new0 (SsQueuedCandidate, 1);
  *queued = (SsQueuedCandidate) {
    .mline = mline,
    .candidate = g_strdup (candidate),
  };
  g_ptr_array_add (agent->pending_candidates, queued);
}

static void
flush_candidates (SsAgent *agent)
{
  for (guint i = 0; i < agent->pending_candidates->len; i++) {
    SsQueuedCandidate *queued = g_ptr_array_index (agent->pending_candidates, i);
    send_candidate (agent, queued->mline, queued->candidate);
  }

  g_ptr_array_set_size (agent->pending_candidates, 0);
}

static void
on_answer_applied (const GError *error, gpointer data)
{
  SsAgent *agent = data;

  if (error != NULL) {
    fail_media (agent, "applying the relay's answer", error);
    return;
  }

  g_message ("Classroom %s: %s accepted for lesson %s", agent->classroom,
             media_request_type (agent), agent->lesson);
}

static void
on_media_reply (guint64 id, json_t *result, const GError *error, gpointer data)
{
  SsAgent *agent = data;

  if (id != agent->media_request_id)
    return;

  agent->media_request_id = 0;
  if (g_error_matches (error, SS_SIGNALING_ERROR,
                       SS_SIGNALING_ERROR_DISCONNECTED))
    return;

  if (g_error_matches (error, SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_NOT_LIVE)) {
    g_message ("Classroom %s: lesson %s is not live yet; waiting",
               agent->classroom, agent->lesson);
    agent->live = FALSE;
    teardown_media (agent);
    return;
  }

  if (error != NULL) {
    fail_media (agent, media_request_type (agent), error);
    return;
  }

  const char *sdp = json_string_value (json_object_get (result, "sdp"));
  ss_webrtc_set_remote (media_webrtcbin (agent), GST_WEBRTC_SDP_TYPE_ANSWER,
                        sdp, agent->context, agent->media_cancellable,
                        on_answer_applied, agent);
}

static void
on_offer_created (const char *sdp, const GError *error, gpointer data)
{
  SsAgent *agent = data;

  if (error != NULL) {
    fail_media (agent, "creating the offer", error);
    return;
  }

  json_t *payload = json_object ();
  json_object_set_new (payload, "sdp", json_string (sdp));

  gint64 now_us = g_get_monotonic_time ();
  if (agent->remote != NULL) {
    ss_remote_pipeline_mark_subscribe (agent->remote, now_us);
    atomic_fetch_add (&agent->stats->subscribes, 1);
  }

  agent->media_request_id = ss_signaling_request (agent->signaling,
                                                  media_request_type (agent),
                                                  payload, now_us,
                                                  on_media_reply, agent);
  agent->offer_sent = TRUE;
  flush_candidates (agent);
}

static void
on_pipeline_error (const GError *error, gpointer data)
{
  fail_media (data, "the media pipeline", error);
}

static gboolean
build_pipeline (SsAgent *agent, GError **error)
{
  if (agent->role == SS_AGENT_ROLE_LEAD) {
    agent->lead = ss_lead_pipeline_new (&agent->lead_config, agent->stats,
                                        agent->context, error);
    if (agent->lead == NULL)
      return FALSE;

    ss_lead_pipeline_set_error_func (agent->lead, on_pipeline_error, agent);
    return ss_lead_pipeline_start (agent->lead, error);
  }

  agent->remote = ss_remote_pipeline_new (&agent->remote_config, agent->stats,
                                          agent->context, error);
  if (agent->remote == NULL)
    return FALSE;

  ss_remote_pipeline_set_error_func (agent->remote, on_pipeline_error, agent);
  return ss_remote_pipeline_start (agent->remote, error);
}

static gboolean
configure_ice (SsAgent *agent, GError **error)
{
  if (agent->ice_addresses != NULL && agent->ice_addresses[0] != NULL)
    return ss_webrtc_configure_ice (media_webrtcbin (agent),
                                    (const char *const *) agent->ice_addresses,
                                    error);

  g_autofree char *address = ss_ws_client_get_local_address (agent->ws);
  const char *addresses[] = { address, NULL };

  if (address == NULL) {
    g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_CONNECTION,
                         "No local address: the signaling connection is closed");
    return FALSE;
  }

  return ss_webrtc_configure_ice (media_webrtcbin (agent), addresses, error);
}

/* Builds a new pipeline and sends its offer; the reply continues in
 * on_media_reply. */
static void
start_media (SsAgent *agent)
{
  g_autoptr (GError) error = NULL;

  cancel_retry (agent);
  teardown_media (agent);

  if (agent->stopped || !agent->joined
      || (agent->role == SS_AGENT_ROLE_REMOTE && !agent->live))
    return;

  g_message ("Classroom %s: starting the %s pipeline for lesson %s",
             agent->classroom, ss_agent_role_to_string (agent->role),
             agent->lesson);

  agent->media_cancellable = g_cancellable_new ();
  if (!build_pipeline (agent, &error) || !configure_ice (agent, &error)) {
    fail_media (agent, "starting the media pipeline", error);
    return;
  }

  GstElement *webrtcbin = media_webrtcbin (agent);
  ss_webrtc_watch_candidates (webrtcbin, agent->context,
                              agent->media_cancellable, on_local_candidate,
                              agent);
  ss_webrtc_create_offer (webrtcbin, agent->context, agent->media_cancellable,
                          on_offer_created, agent);
}

static gboolean
follows_timetable (SsAgent *agent)
{
  return agent->configured_lesson == NULL || agent->auto_start;
}

/* Shows the next lesson on a remote that is in no lesson, and hides the
 * screen while it is in one. */
static void
update_waiting_screen (SsAgent *agent)
{
  if (agent->waiting == NULL)
    return;

  if (agent->joined) {
    ss_waiting_screen_hide (agent->waiting);
    return;
  }

  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *text = ss_waiting_screen_format (agent->next_subject,
                                                    agent->next_start, now);
  ss_waiting_screen_show (agent->waiting, text);
}

static void
on_join_reply (guint64 id, json_t *result, const GError *error, gpointer data)
{
  SsAgent *agent = data;

  agent->join_pending = FALSE;
  if (g_error_matches (error, SS_SIGNALING_ERROR,
                       SS_SIGNALING_ERROR_DISCONNECTED))
    return;

  /* A timetable lesson that is not live yet: lesson.starting will come. */
  if (g_error_matches (error, SS_SIGNALING_ERROR,
                       SS_SIGNALING_ERROR_NOT_READY)) {
    g_message ("Classroom %s: lesson %s is not live yet (%s); waiting for "
               "its start", agent->classroom, agent->lesson, error->message);
    update_waiting_screen (agent);
    return;
  }

  if (error != NULL) {
    g_warning ("Classroom %s: joining lesson %s failed: %s; reconnecting",
               agent->classroom, agent->lesson, error->message);
    ss_ws_client_close (agent->ws);
    return;
  }

  agent->joined = TRUE;
  update_waiting_screen (agent);
  ss_ws_client_reset_backoff (agent->ws);
  agent->live = json_is_true (json_object_get (result, "live"));
  g_message ("Classroom %s joined lesson %s (%s)", agent->classroom,
             agent->lesson, agent->live ? "live" : "not live");

  if (agent->role == SS_AGENT_ROLE_LEAD || agent->live)
    start_media (agent);
}

static void
join_lesson (SsAgent *agent, const char *lesson_id)
{
  if (agent->lesson != lesson_id) {
    g_free (agent->lesson);
    agent->lesson = g_strdup (lesson_id);
  }
  agent->join_pending = TRUE;

  json_t *payload = json_object ();
  json_object_set_new (payload, "lesson", json_string (lesson_id));
  ss_signaling_request (agent->signaling, "lesson.join", payload,
                        g_get_monotonic_time (), on_join_reply, agent);
}

static void
on_hello_reply (guint64 id, json_t *result, const GError *error, gpointer data)
{
  SsAgent *agent = data;

  if (g_error_matches (error, SS_SIGNALING_ERROR,
                       SS_SIGNALING_ERROR_DISCONNECTED))
    return;

  if (g_error_matches (error, SS_SIGNALING_ERROR,
                       SS_SIGNALING_ERROR_UNAUTHORIZED)) {
    g_warning ("Classroom %s: the server rejected the token: %s; check the "
               "token in the configuration file. Retrying after a backoff",
               agent->classroom, error->message);
    ss_ws_client_close (agent->ws);
    return;
  }

  if (error != NULL) {
    g_warning ("Classroom %s: hello failed: %s; reconnecting",
               agent->classroom, error->message);
    ss_ws_client_close (agent->ws);
    return;
  }

  if (follows_timetable (agent)) {
    g_message ("Classroom %s: waiting for the server to announce a lesson",
               agent->classroom);
    ss_ws_client_reset_backoff (agent->ws);
    return;
  }

  join_lesson (agent, agent->configured_lesson);
}

static void
on_connected (gpointer data)
{
  SsAgent *agent = data;
  json_t *payload = json_object ();

  json_object_set_new (payload, "role",
                       json_string (ss_agent_role_to_string (agent->role)));
  json_object_set_new (payload, "classroom", json_string (agent->classroom));
  json_object_set_new (payload, "agent",
                       json_string ("shuangshi-agent/" SS_VERSION));
  json_object_set_new (payload, "token", json_string (agent->token));
  ss_signaling_request (agent->signaling, "hello", payload,
                        g_get_monotonic_time (), on_hello_reply, agent);
}

static void
on_disconnected (gint64 retry_in_us, gpointer data)
{
  SsAgent *agent = data;

  agent->joined = FALSE;
  agent->join_pending = FALSE;
  agent->live = FALSE;
  cancel_retry (agent);
  teardown_media (agent);
  ss_signaling_reset (agent->signaling);

  /* After the next hello the server sends lesson.starting again for the
   * lesson that is still live. */
  if (follows_timetable (agent))
    g_clear_pointer (&agent->lesson, g_free);
}

static void
on_message (const char *text, gsize length, gpointer data)
{
  SsAgent *agent = data;
  g_autoptr (GError) error = NULL;

  if (!ss_signaling_receive (agent->signaling, text, length, &error))
    g_warning ("Ignored an invalid signaling message: %s", error->message);
}

static void
handle_lesson_starting (SsAgent *agent, json_t *message)
{
  const char *lesson_id = json_string_value (json_object_get (message,
                                                              "lesson"));
  if (lesson_id == NULL)
    return;

  if (agent->configured_lesson != NULL
      && g_strcmp0 (lesson_id, agent->configured_lesson) != 0) {
    g_info ("Classroom %s: lesson %s starts; this agent is for %s only",
            agent->classroom, lesson_id, agent->configured_lesson);
    return;
  }

  if ((agent->joined || agent->join_pending)
      && g_strcmp0 (lesson_id, agent->lesson) == 0)
    return;

  g_message ("Classroom %s: lesson %s (%s, %s) starts; joining",
             agent->classroom, lesson_id,
             json_string_value (json_object_get (message, "subject")),
             json_string_value (json_object_get (message, "title")));
  cancel_retry (agent);
  teardown_media (agent);
  agent->joined = FALSE;
  agent->live = FALSE;
  join_lesson (agent, lesson_id);
}

/* The server has already taken this classroom out of the lesson. */
static void
handle_lesson_ended (SsAgent *agent, json_t *message)
{
  const char *lesson_id = json_string_value (json_object_get (message,
                                                              "lesson"));
  if (g_strcmp0 (lesson_id, agent->lesson) != 0)
    return;

  g_message ("Classroom %s: lesson %s ended (%s)", agent->classroom,
             lesson_id,
             json_string_value (json_object_get (message, "reason")));
  cancel_retry (agent);
  teardown_media (agent);
  agent->joined = FALSE;
  agent->join_pending = FALSE;
  agent->live = FALSE;
  if (follows_timetable (agent))
    g_clear_pointer (&agent->lesson, g_free);
  update_waiting_screen (agent);
}

static void
handle_schedule (SsAgent *agent, json_t *message)
{
  json_t *next = json_object_get (message, "next");

  g_clear_pointer (&agent->next_subject, g_free);
  g_clear_pointer (&agent->next_start, g_free);
  if (json_is_object (next)) {
    agent->next_subject =
        g_strdup (json_string_value (json_object_get (next, "subject")));
    agent->next_start =
        g_strdup (json_string_value (json_object_get (next, "start")));
  }

  g_info ("Classroom %s: next lesson %s at %s", agent->classroom,
          agent->next_subject != NULL ? agent->next_subject : "(none)",
          agent->next_start != NULL ? agent->next_start : "-");
  update_waiting_screen (agent);
}

static void
on_event (const char *type, json_t *message, gpointer data)
{
  SsAgent *agent = data;

  if (g_str_equal (type, "lesson.starting")) {
    handle_lesson_starting (agent, message);
  } else if (g_str_equal (type, "lesson.ended")) {
    handle_lesson_ended (agent, message);
  } else if (g_str_equal (type, "schedule")) {
    handle_schedule (agent, message);
  } else if (g_str_equal (type, "lesson.live")) {
    g_message ("Lesson %s is live", agent->lesson);
    agent->live = TRUE;
    if (agent->role == SS_AGENT_ROLE_REMOTE && agent->remote == NULL)
      start_media (agent);
  } else if (g_str_equal (type, "lesson.offline")) {
    g_message ("Lesson %s is offline (%s)", agent->lesson,
               json_string_value (json_object_get (message, "reason")));
    agent->live = FALSE;
    if (agent->role == SS_AGENT_ROLE_REMOTE) {
      cancel_retry (agent);
      teardown_media (agent);
    }
  } else if (g_str_equal (type, "transport.closed")) {
    g_message ("Classroom %s: the relay closed the media transport (%s)",
               agent->classroom,
               json_string_value (json_object_get (message, "reason")));
    start_media (agent);
  } else {
    g_info ("Ignored signaling event %s", type);
  }
}

static void
send_frame (const char *text, gsize length, gpointer data)
{
  SsAgent *agent = data;

  ss_ws_client_send (agent->ws, text, length);
}

static void
write_stats (SsAgent *agent)
{
  g_autoptr (GError) error = NULL;

  ss_agent_stats_update_bitrate (agent->stats, g_get_monotonic_time ());
  if (agent->stats_path == NULL)
    return;

  const char *lesson = agent->lesson != NULL ? agent->lesson
                                             : agent->configured_lesson;
  json_t *object = ss_agent_stats_to_json (agent->stats, agent->role,
                                           agent->classroom, lesson);
  if (agent->waiting != NULL && ss_waiting_screen_is_shown (agent->waiting))
    json_object_set_new (
        object, "screen_text",
        json_string (ss_waiting_screen_get_text (agent->waiting)));

  if (!ss_agent_stats_write_object (object, agent->stats_path, &error))
    g_warning ("Failed to write the stats file: %s", error->message);
  json_decref (object);
}

static gboolean
on_tick (gpointer data)
{
  SsAgent *agent = data;

  ss_signaling_expire (agent->signaling, g_get_monotonic_time ());
  if (agent->remote != NULL)
    ss_remote_pipeline_poll_stats (agent->remote);
  write_stats (agent);
  return G_SOURCE_CONTINUE;
}

SsAgent *
ss_agent_new (const SsAgentConfig *config, GMainLoop *loop, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (loop != NULL, NULL);

  g_autoptr (SsAgent) agent = g_new0 (SsAgent, 1);
  agent->role = config->role;
  agent->classroom = g_strdup (config->classroom);
  agent->configured_lesson = g_strdup (config->lesson);
  agent->auto_start = config->auto_start;
  agent->token = g_strdup (config->token);
  if (agent->role == SS_AGENT_ROLE_REMOTE)
    agent->waiting = ss_waiting_screen_new (config->remote.headless);
  agent->stats_path = g_strdup (config->stats_path);
  agent->ice_addresses = g_strdupv ((char **) config->ice_addresses);
  agent->lead_path = g_strdup (config->lead.path);
  agent->lead_config = config->lead;
  agent->lead_config.path = agent->lead_path;
  agent->remote_config = config->remote;
  agent->loop = g_main_loop_ref (loop);
  agent->context = g_main_context_ref (g_main_loop_get_context (loop));
  agent->stats = ss_agent_stats_new ();
  agent->pending_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ss_queued_candidate_free);
  agent->signaling = ss_signaling_new (send_frame, on_event, agent);

  const SsWsClientCallbacks callbacks = {
    .connected = on_connected,
    .disconnected = on_disconnected,
    .message = on_message,
  };
  agent->ws = ss_ws_client_new (config->server_url, loop, &callbacks, agent,
                                error);
  if (agent->ws == NULL)
    return NULL;

  return g_steal_pointer (&agent);
}

void
ss_agent_free (SsAgent *agent)
{
  if (agent == NULL)
    return;

  ss_agent_stop (agent);
  g_clear_pointer (&agent->ws, ss_ws_client_free);
  g_clear_pointer (&agent->signaling, ss_signaling_free);
  g_clear_pointer (&agent->stats, ss_agent_stats_free);
  g_ptr_array_unref (agent->pending_candidates);
  g_main_context_unref (agent->context);
  g_main_loop_unref (agent->loop);
  g_strfreev (agent->ice_addresses);
  g_clear_pointer (&agent->waiting, ss_waiting_screen_free);
  g_free (agent->classroom);
  g_free (agent->configured_lesson);
  if (agent->token != NULL)
    explicit_bzero (agent->token, strlen (agent->token));
  g_free (agent->token);
  g_free (agent->next_subject);
  g_free (agent->next_start);
  g_free (agent->lesson);
  g_free (agent->stats_path);
  g_free (agent->lead_path);
  g_free (agent);
}

/* Connects to the server and starts the 1 s tick (request timeouts, stats
 * polling and the stats file). */
void
ss_agent_start (SsAgent *agent)
{
  agent->tick_source = g_timeout_source_new (SS_AGENT_TICK_MS);
  g_source_set_callback (agent->tick_source, on_tick, agent, NULL);
  g_source_attach (agent->tick_source, agent->context);

  write_stats (agent);
  ss_ws_client_connect (agent->ws);
}

/* Stops the pipeline and writes the stats file one last time. Safe to call
 * more than once. */
void
ss_agent_stop (SsAgent *agent)
{
  if (agent->stopped)
    return;

  agent->stopped = TRUE;
  cancel_retry (agent);
  teardown_media (agent);
  if (agent->waiting != NULL)
    ss_waiting_screen_hide (agent->waiting);

  if (agent->tick_source != NULL) {
    g_source_destroy (agent->tick_source);
    g_clear_pointer (&agent->tick_source, g_source_unref);
  }

  write_stats (agent);
}

SsAgentStats *
ss_agent_get_stats (SsAgent *agent)
{
  return agent->stats;
}

static void
on_end_reply (guint64 id, json_t *result, const GError *error, gpointer data)
{
  SsAgent *agent = data;

  if (error != NULL)
    g_warning ("Classroom %s: ending the lesson failed: %s",
               agent->classroom, error->message);
}

void
ss_agent_end_lesson (SsAgent *agent)
{
  if (agent->role != SS_AGENT_ROLE_LEAD || !agent->joined) {
    g_message ("Classroom %s: no lesson to end", agent->classroom);
    return;
  }

  g_message ("Classroom %s: ending lesson %s for every classroom",
             agent->classroom, agent->lesson);
  ss_signaling_request (agent->signaling, "lesson.end", json_object (),
                        g_get_monotonic_time (), on_end_reply, agent);
}
