/* Session logic of the classroom agent, between the signaling client and
 * the media pipelines (protocol/README.md, "Session flow" and
 * "Interaction").
 *
 * On each connection: hello with the classroom's token, then lesson.join.
 * An agent without a fixed lesson (and a lead with --auto-start) follows
 * the timetable instead. It joins the lesson that lesson.starting
 * announces and leaves on lesson.ended. In between, a remote shows the
 * waiting screen with the next lesson of the latest schedule event. After
 * a reconnect the server repeats lesson.starting while the lesson is live,
 * so the agent rejoins it.
 *
 * Each role has two media transports (SsMediaLink), each retried on its
 * own after a failure:
 * - lead: the lesson publish, at once after the join; then, once the
 *   publish is answered, the subscription to the remotes' return feeds
 *   (--return-slots, none when 0).
 * - remote: the lesson subscription (slot 0 the lead, slot 1 the floor)
 *   while the lesson is live; and the return feed publish from the join
 *   on, live or not (--return-source, none when `none`).
 * `transport.closed` names the transport the relay closed, and only that
 * one starts again. A dropped connection tears both down and the
 * websocket client reconnects with backoff.
 *
 * The interaction events keep SsAgentInteraction up to date. From it the
 * agent sets the status line on the screen, which slots are shown and
 * heard (a remote hears and sees the floor unless it holds the floor
 * itself; the lead hears only the return feed of the class it called on),
 * the console's lines and the stats file. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent.h"
#include "ss-agent-console.h"
#include "ss-agent-error.h"
#include "ss-agent-interaction.h"
#include "ss-agent-link.h"
#include "ss-agent-signaling.h"
#include "ss-agent-waiting.h"
#include "ss-agent-ws.h"
#include "ss-config.h"

#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <string.h>

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
  SsReturnConfig return_config;
  char *return_device;
  guint return_slots;

  GMainLoop *loop;
  GMainContext *context;
  SsWsClient *ws;
  SsSignaling *signaling;
  SsAgentStats *stats;
  GSource *tick_source;

  gboolean joined;
  gboolean join_pending;
  gboolean live;
  gboolean stopped;

  /* Remotes only: shown while not in a lesson. */
  SsWaitingScreen *waiting;
  /* The next lesson of the latest schedule event; NULL when none. */
  char *next_subject;
  char *next_start;

  SsAgentInteraction *interaction;
  /* The status line last computed from the interaction state. */
  char *status_text;
  SsConsole *console;

  /* The lesson's transport: the lead publishes it from `lead`, and a
   * remote receives it in `remote`. */
  SsMediaLink *lesson_link;
  SsLeadPipeline *lead;
  SsRemotePipeline *remote;
  /* The return feeds' transport: a remote publishes its own from
   * `return_feed`, and the lead receives the remotes' in `return_feeds`. */
  SsMediaLink *return_link;
  SsReturnPipeline *return_feed;
  SsRemotePipeline *return_feeds;
  /* The source of the last return feed pipeline ("test" or "camera"), or
   * NULL before the first one. */
  const char *return_source_name;
  /* Remote: another connection of this classroom publishes its return
   * feed (lesson_busy), so this agent does not until the next join. */
  gboolean return_busy;
};

static gboolean
has_return_link (SsAgent *agent)
{
  if (agent->role == SS_AGENT_ROLE_LEAD)
    return agent->return_slots > 0;
  return agent->return_config.source != SS_RETURN_SOURCE_NONE;
}

static void
stop_media (SsAgent *agent)
{
  ss_media_link_stop (agent->lesson_link);
  ss_media_link_stop (agent->return_link);
}

/* Shows the interaction state: the status line on the screen, which
 * slots are seen and heard. */
static void
apply_interaction (SsAgent *agent)
{
  g_autofree char *status = ss_agent_interaction_format_status (agent->interaction);
  const char *floor = ss_agent_interaction_get_floor (agent->interaction);

  if (g_strcmp0 (status, agent->status_text) != 0)
    {
      g_message ("Classroom %s: status line \"%s\"", agent->classroom, status);
      g_free (agent->status_text);
      agent->status_text = g_steal_pointer (&status);
    }

  if (agent->remote != NULL)
    {
      gboolean floor_shown = floor != NULL
                             && g_strcmp0 (floor, agent->classroom) != 0;
      ss_remote_pipeline_set_status_text (agent->remote, agent->status_text);
      ss_remote_pipeline_set_slot_visible (agent->remote, 1, floor_shown);
      ss_remote_pipeline_set_slot_audible (agent->remote, 1, floor_shown);
    }

  if (agent->return_feeds != NULL)
    {
      ss_remote_pipeline_set_status_text (agent->return_feeds,
                                          agent->status_text);
      guint n_slots = ss_remote_pipeline_get_n_slots (agent->return_feeds);
      for (guint slot = 0; slot < n_slots; slot++)
        {
          const char *source = ss_agent_interaction_get_slot (agent->interaction,
                                                        slot);
          ss_remote_pipeline_set_slot_visible (agent->return_feeds, slot,
                                               source != NULL);
          ss_remote_pipeline_set_slot_audible (
              agent->return_feeds, slot,
              source != NULL && g_strcmp0 (source, floor) == 0);
        }
    }
}

static void
on_lesson_pipeline_error (const GError *error, gpointer data)
{
  SsAgent *agent = data;

  ss_media_link_fail (agent->lesson_link, "the media pipeline", error);
}

static void
on_return_pipeline_error (const GError *error, gpointer data)
{
  SsAgent *agent = data;

  ss_media_link_fail (agent->return_link, "the media pipeline", error);
}

static char **
get_ice_addresses (gpointer data, GError **error)
{
  SsAgent *agent = data;

  if (agent->ice_addresses != NULL && agent->ice_addresses[0] != NULL)
    return g_strdupv (agent->ice_addresses);

  char *address = ss_ws_client_get_local_address (agent->ws);
  if (address == NULL)
    {
      g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_CONNECTION,
                           "No local address: the signaling connection is closed");
      return NULL;
    }

  char **addresses = g_new0 (char *, 2);
  addresses[0] = address;
  return addresses;
}

/* Builds and starts a receive pipeline into *@remote, with the interaction
 * state applied before any stream arrives. Returns its webrtcbin or NULL. */
static GstElement *
start_receive_pipeline (SsAgent *agent, const SsRemoteConfig *config,
                        SsPipelineErrorFunc error_func,
                        SsRemotePipeline **remote, GError **error)
{
  *remote = ss_remote_pipeline_new (config, agent->stats, agent->context,
                                    error);
  if (*remote == NULL)
    return NULL;
  ss_remote_pipeline_set_error_func (*remote, error_func, agent);
  apply_interaction (agent);
  if (!ss_remote_pipeline_start (*remote, error))
    {
      g_clear_pointer (remote, ss_remote_pipeline_free);
      return NULL;
    }
  return ss_remote_pipeline_get_webrtcbin (*remote);
}

/* --- The lesson: the lead's publish, a remote's subscription --- */

static GstElement *
start_lesson_pipeline (gpointer data, GError **error)
{
  SsAgent *agent = data;

  if (agent->role == SS_AGENT_ROLE_LEAD)
    {
      agent->lead = ss_lead_pipeline_new (&agent->lead_config, agent->stats,
                                          agent->context, error);
      if (agent->lead == NULL)
        return NULL;
      ss_lead_pipeline_set_error_func (agent->lead, on_lesson_pipeline_error,
                                       agent);
      if (!ss_lead_pipeline_start (agent->lead, error))
        {
          g_clear_pointer (&agent->lead, ss_lead_pipeline_free);
          return NULL;
        }
      return ss_lead_pipeline_get_webrtcbin (agent->lead);
    }

  return start_receive_pipeline (agent, &agent->remote_config,
                                 on_lesson_pipeline_error, &agent->remote,
                                 error);
}

static void
stop_lesson_pipeline (gpointer data)
{
  SsAgent *agent = data;

  g_clear_pointer (&agent->lead, ss_lead_pipeline_free);
  g_clear_pointer (&agent->remote, ss_remote_pipeline_free);
}

static void
on_lesson_offer_sending (gint64 now_us, gpointer data)
{
  SsAgent *agent = data;

  if (agent->remote == NULL)
    return;

  ss_remote_pipeline_mark_subscribe (agent->remote, now_us);
  atomic_fetch_add (&agent->stats->subscribes, 1);
}

static void
apply_result_slots (SsAgent *agent, json_t *result)
{
  g_autoptr (GError) error = NULL;
  json_t *slots = json_object_get (result, "slots");

  if (slots == NULL)
    return;
  if (!ss_agent_interaction_apply_slots (agent->interaction, slots, &error))
    g_warning ("Classroom %s: ignored the subscribe result's slots: %s",
               agent->classroom, error->message);
  apply_interaction (agent);
}

static void
on_lesson_answered (json_t *result, gpointer data)
{
  SsAgent *agent = data;

  g_message ("Classroom %s: %s accepted for lesson %s", agent->classroom,
             agent->role == SS_AGENT_ROLE_LEAD ? "publish" : "subscribe",
             agent->lesson);

  if (agent->role == SS_AGENT_ROLE_REMOTE)
    {
      apply_result_slots (agent, result);
      return;
    }

  /* The lead's return feed subscription waits for its own publish, so a
   * lead that cannot publish does not receive the classes either. */
  if (has_return_link (agent) && !ss_media_link_is_running (agent->return_link))
    ss_media_link_start (agent->return_link);
}

static gboolean
on_lesson_refused (const GError *error, gpointer data)
{
  SsAgent *agent = data;

  if (agent->role == SS_AGENT_ROLE_REMOTE
      && g_error_matches (error, SS_SIGNALING_ERROR,
                          SS_SIGNALING_ERROR_NOT_LIVE))
    {
      g_message ("Classroom %s: lesson %s is not live yet; waiting",
                 agent->classroom, agent->lesson);
      agent->live = FALSE;
      return TRUE;
    }
  return FALSE;
}

/* --- The return feeds: a remote's publish, the lead's subscription --- */

static GstElement *
start_return_pipeline (gpointer data, GError **error)
{
  SsAgent *agent = data;

  if (agent->role == SS_AGENT_ROLE_REMOTE)
    {
      agent->return_feed = ss_return_pipeline_new (&agent->return_config,
                                                   agent->stats,
                                                   agent->context, error);
      if (agent->return_feed == NULL)
        return NULL;
      ss_return_pipeline_set_error_func (agent->return_feed,
                                         on_return_pipeline_error, agent);
      agent->return_source_name =
          ss_return_pipeline_get_source_name (agent->return_feed);
      if (!ss_return_pipeline_start (agent->return_feed, error))
        {
          g_clear_pointer (&agent->return_feed, ss_return_pipeline_free);
          return NULL;
        }
      return ss_return_pipeline_get_webrtcbin (agent->return_feed);
    }

  SsRemoteConfig config = agent->remote_config;
  config.slots = agent->return_slots;
  config.return_feeds = TRUE;
  return start_receive_pipeline (agent, &config, on_return_pipeline_error,
                                 &agent->return_feeds, error);
}

static void
stop_return_pipeline (gpointer data)
{
  SsAgent *agent = data;

  g_clear_pointer (&agent->return_feed, ss_return_pipeline_free);
  g_clear_pointer (&agent->return_feeds, ss_remote_pipeline_free);
}

static void
on_return_answered (json_t *result, gpointer data)
{
  SsAgent *agent = data;

  if (agent->role == SS_AGENT_ROLE_LEAD)
    {
      g_message ("Classroom %s: receiving the return feeds of lesson %s in "
                 "%u slots", agent->classroom, agent->lesson,
                 agent->return_slots);
      apply_result_slots (agent, result);
      return;
    }

  g_message ("Classroom %s: publishing its return feed (%s) in lesson %s",
             agent->classroom, agent->return_source_name, agent->lesson);
}

/* A refusal that retrying cannot change leaves the return link stopped:
 * lesson_busy (the classroom's teacher page already publishes its camera)
 * until the next join, and a server without return feeds (forbidden,
 * unknown_type, bad_message from an older server) for the lesson. */
static gboolean
on_return_refused (const GError *error, gpointer data)
{
  SsAgent *agent = data;

  if (g_error_matches (error, SS_SIGNALING_ERROR,
                       SS_SIGNALING_ERROR_LESSON_BUSY))
    {
      g_warning ("Classroom %s: another connection of this classroom "
                 "already publishes its return feed (%s); this agent does "
                 "not publish one until it joins a lesson again",
                 agent->classroom, error->message);
      agent->return_busy = TRUE;
      return TRUE;
    }

  if (g_error_matches (error, SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_FORBIDDEN)
      || g_error_matches (error, SS_SIGNALING_ERROR,
                          SS_SIGNALING_ERROR_UNKNOWN_TYPE)
      || g_error_matches (error, SS_SIGNALING_ERROR,
                          SS_SIGNALING_ERROR_BAD_MESSAGE))
    {
      g_warning ("Classroom %s: the server refused the %s (%s); not "
                 "retrying in this lesson", agent->classroom,
                 ss_media_link_get_description (agent->return_link),
                 error->message);
      return TRUE;
    }
  return FALSE;
}

/* --- Joining and leaving --- */

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

  if (agent->joined)
    {
      ss_waiting_screen_hide (agent->waiting);
      return;
    }

  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *text = ss_waiting_screen_format (agent->next_subject,
                                                    agent->next_start, now);
  ss_waiting_screen_show (agent->waiting, text);
}

/* Forgets the lesson's media and interaction state. */
static void
leave_lesson_state (SsAgent *agent)
{
  stop_media (agent);
  agent->joined = FALSE;
  agent->live = FALSE;
  agent->return_busy = FALSE;
  ss_agent_interaction_reset (agent->interaction);
  apply_interaction (agent);
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
                       SS_SIGNALING_ERROR_NOT_READY))
    {
      g_message ("Classroom %s: lesson %s is not live yet (%s); waiting for "
                 "its start", agent->classroom, agent->lesson, error->message);
      update_waiting_screen (agent);
      return;
    }

  if (error != NULL)
    {
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
    ss_media_link_start (agent->lesson_link);
  if (agent->role == SS_AGENT_ROLE_REMOTE && has_return_link (agent))
    ss_media_link_start (agent->return_link);
}

static void
join_lesson (SsAgent *agent, const char *lesson_id)
{
  if (agent->lesson != lesson_id)
    {
      g_free (agent->lesson);
      agent->lesson = g_strdup (lesson_id);
    }
  agent->join_pending = TRUE;
  ss_agent_interaction_reset (agent->interaction);

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
                       SS_SIGNALING_ERROR_UNAUTHORIZED))
    {
      g_warning ("Classroom %s: the server rejected the token: %s; check the "
                 "token in the configuration file. Retrying after a backoff",
                 agent->classroom, error->message);
      ss_ws_client_close (agent->ws);
      return;
    }

  if (error != NULL)
    {
      g_warning ("Classroom %s: hello failed: %s; reconnecting",
                 agent->classroom, error->message);
      ss_ws_client_close (agent->ws);
      return;
    }

  if (follows_timetable (agent))
    {
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
  json_object_set_new (payload, "client", json_string ("agent"));
  json_object_set_new (payload, "token", json_string (agent->token));
  ss_signaling_request (agent->signaling, "hello", payload,
                        g_get_monotonic_time (), on_hello_reply, agent);
}

static void
on_disconnected (gint64 retry_in_us, gpointer data)
{
  SsAgent *agent = data;

  agent->join_pending = FALSE;
  leave_lesson_state (agent);
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
      && g_strcmp0 (lesson_id, agent->configured_lesson) != 0)
    {
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
  leave_lesson_state (agent);
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
  agent->join_pending = FALSE;
  leave_lesson_state (agent);
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
  if (json_is_object (next))
    {
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

/* Restarts the transport the relay closed. `transport` names it from the
 * client's side (`publish` or `subscribe`), and a server that leaves it
 * out means the lesson's transport. */
static void
handle_transport_closed (SsAgent *agent, json_t *message)
{
  const char *transport = json_string_value (json_object_get (message,
                                                              "transport"));
  const char *lesson_request = agent->role == SS_AGENT_ROLE_LEAD
                               ? "publish" : "subscribe";
  gboolean lesson_transport = transport == NULL
                              || g_str_equal (transport, lesson_request);
  SsMediaLink *link = lesson_transport ? agent->lesson_link
                                       : agent->return_link;

  g_message ("Classroom %s: the relay closed the %s (%s)", agent->classroom,
             ss_media_link_get_description (link),
             json_string_value (json_object_get (message, "reason")));

  if (!agent->joined)
    return;
  if (lesson_transport && agent->role == SS_AGENT_ROLE_REMOTE && !agent->live)
    {
      ss_media_link_stop (link);
      return;
    }
  if (!lesson_transport && (!has_return_link (agent) || agent->return_busy))
    return;
  ss_media_link_start (link);
}

static void
print_interaction_event (SsAgent *agent, const char *type)
{
  if (agent->console == NULL)
    return;

  if (g_str_equal (type, "chat"))
    {
      guint n_chat = ss_agent_interaction_get_n_chat (agent->interaction);
      if (n_chat > 0)
        ss_console_print_chat (agent->console,
                               ss_agent_interaction_get_chat (agent->interaction,
                                                        n_chat - 1));
      return;
    }

  if (g_str_equal (type, "floor"))
    {
      const char *floor = ss_agent_interaction_get_floor (agent->interaction);
      g_autofree char *line =
          floor != NULL
              /* TRANSLATORS: console line; %s is a classroom id. */
              ? g_strdup_printf (_("Classroom %s has the floor"), floor)
              : g_strdup (_("Nobody has the floor"));
      ss_console_print (agent->console, line);
      return;
    }

  if (g_str_equal (type, "phase"))
    {
      /* TRANSLATORS: console line; %s is the lesson phase. */
      g_autofree char *line = g_strdup_printf (
          _("Lesson phase: %s"),
          ss_lesson_phase_label (ss_agent_interaction_get_phase (agent->interaction)));
      ss_console_print (agent->console, line);
      return;
    }

  /* `hands` and `roster`: a line per classroom the event changed. */
  for (guint i = 0; i < ss_agent_interaction_get_n_notices (agent->interaction);
       i++)
    ss_console_print (agent->console,
                      ss_agent_interaction_get_notice (agent->interaction, i));
}

static void
handle_interaction_event (SsAgent *agent, const char *type, json_t *message)
{
  g_autoptr (GError) error = NULL;
  guint n_chat = ss_agent_interaction_get_n_chat (agent->interaction);
  const SsChatMessage *newest =
      n_chat > 0 ? ss_agent_interaction_get_chat (agent->interaction, n_chat - 1)
                 : NULL;
  gint64 newest_seq = newest != NULL ? newest->seq : -1;

  if (!ss_agent_interaction_apply_event (agent->interaction, type, message, &error))
    {
      g_warning ("Classroom %s: ignored an invalid %s event: %s",
                 agent->classroom, type, error->message);
      return;
    }

  /* A repeated chat message changes nothing and is not printed again. */
  n_chat = ss_agent_interaction_get_n_chat (agent->interaction);
  newest = n_chat > 0 ? ss_agent_interaction_get_chat (agent->interaction,
                                                 n_chat - 1)
                      : NULL;
  if (!g_str_equal (type, "chat") || (newest != NULL && newest->seq != newest_seq))
    print_interaction_event (agent, type);
  apply_interaction (agent);
}

static void
on_event (const char *type, json_t *message, gpointer data)
{
  SsAgent *agent = data;

  if (g_str_equal (type, "lesson.starting"))
    handle_lesson_starting (agent, message);
  else if (g_str_equal (type, "lesson.ended"))
    handle_lesson_ended (agent, message);
  else if (g_str_equal (type, "schedule"))
    handle_schedule (agent, message);
  else if (g_str_equal (type, "lesson.live"))
    {
      g_message ("Lesson %s is live", agent->lesson);
      agent->live = TRUE;
      if (agent->role == SS_AGENT_ROLE_REMOTE && agent->joined
          && !ss_media_link_is_running (agent->lesson_link))
        ss_media_link_start (agent->lesson_link);
    }
  else if (g_str_equal (type, "lesson.offline"))
    {
      g_message ("Lesson %s is offline (%s)", agent->lesson,
                 json_string_value (json_object_get (message, "reason")));
      agent->live = FALSE;
      if (agent->role == SS_AGENT_ROLE_REMOTE)
        ss_media_link_stop (agent->lesson_link);
    }
  else if (g_str_equal (type, "transport.closed"))
    handle_transport_closed (agent, message);
  else if (ss_agent_interaction_is_event (type))
    handle_interaction_event (agent, type, message);
  else
    g_info ("Ignored signaling event %s", type);
}

static void
send_frame (const char *text, gsize length, gpointer data)
{
  SsAgent *agent = data;

  ss_ws_client_send (agent->ws, text, length);
}

/* --- Stats --- */

/* Builds a remote's `return_feed` stats member. `state` is off (none
 * configured, or not in a lesson), busy (lesson_busy), publishing
 * (answered), starting, or stopped (refused, or the agent is stopping).
 * `source` is what the last pipeline captured. */
static json_t *
return_feed_to_json (SsAgent *agent)
{
  const char *state = "off";

  if (!has_return_link (agent))
    state = "off";
  else if (agent->return_busy)
    state = "busy";
  else if (ss_media_link_is_answered (agent->return_link))
    state = "publishing";
  else if (ss_media_link_is_running (agent->return_link))
    state = "starting";
  else if (agent->joined)
    state = "stopped";

  const char *source = agent->return_source_name;
  return json_pack ("{s:s, s:o}", "state", state, "source",
                    source != NULL ? json_string (source) : json_null ());
}

static void
add_session_stats (SsAgent *agent, json_t *object)
{
  ss_agent_interaction_add_to_json (agent->interaction, object);
  json_object_set_new (object, "status_text",
                       json_string (agent->status_text));

  if (agent->role == SS_AGENT_ROLE_REMOTE)
    {
      json_object_set_new (object, "return_feed", return_feed_to_json (agent));
      return;
    }

  const char *classrooms[SS_AGENT_MAX_SLOTS] = { NULL };
  guint n_slots = MIN (agent->return_slots, SS_AGENT_MAX_SLOTS);
  for (guint slot = 0; slot < n_slots; slot++)
    classrooms[slot] = ss_agent_interaction_get_slot (agent->interaction, slot);
  json_object_set_new (object, "return_feeds",
                       ss_agent_stats_return_feeds_to_json (agent->stats,
                                                            n_slots,
                                                            classrooms));
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
  add_session_stats (agent, object);

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

/* --- Console --- */

static guint64
send_console_request (const char *type, json_t *payload,
                      SsSignalingReplyFunc reply_func, gpointer reply_data,
                      gpointer data, GError **error)
{
  SsAgent *agent = data;

  if (!ss_ws_client_is_connected (agent->ws))
    {
      json_decref (payload);
      g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_CONNECTION,
                           _("not connected to the server; the agent "
                             "reconnects by itself, try again shortly"));
      return 0;
    }

  return ss_signaling_request (agent->signaling, type, payload,
                               g_get_monotonic_time (), reply_func,
                               reply_data);
}

/* --- Life cycle --- */

static const SsMediaLinkCallbacks lesson_link_callbacks = {
  .start_pipeline = start_lesson_pipeline,
  .stop_pipeline = stop_lesson_pipeline,
  .ice_addresses = get_ice_addresses,
  .offer_sending = on_lesson_offer_sending,
  .answered = on_lesson_answered,
  .refused = on_lesson_refused,
};

static const SsMediaLinkCallbacks return_link_callbacks = {
  .start_pipeline = start_return_pipeline,
  .stop_pipeline = stop_return_pipeline,
  .ice_addresses = get_ice_addresses,
  .answered = on_return_answered,
  .refused = on_return_refused,
};

SsAgent *
ss_agent_new (const SsAgentConfig *config, GMainLoop *loop, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (loop != NULL, NULL);
  g_return_val_if_fail (config->return_slots <= SS_AGENT_MAX_SLOTS, NULL);

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
  agent->remote_config.slots = SS_AGENT_REMOTE_SLOTS;
  agent->remote_config.return_feeds = FALSE;
  agent->return_device = g_strdup (config->return_feed.device);
  agent->return_config = config->return_feed;
  agent->return_config.device = agent->return_device;
  agent->return_config.classroom = agent->classroom;
  agent->return_slots = config->return_slots;
  agent->loop = g_main_loop_ref (loop);
  agent->context = g_main_context_ref (g_main_loop_get_context (loop));
  agent->stats = ss_agent_stats_new ();
  agent->interaction = ss_agent_interaction_new ();
  agent->status_text = g_strdup ("");
  agent->signaling = ss_signaling_new (send_frame, on_event, agent);

  gboolean lead = agent->role == SS_AGENT_ROLE_LEAD;
  agent->lesson_link = ss_media_link_new (lead ? "publish" : "subscribe",
                                          lead ? "lesson publish"
                                               : "lesson subscription",
                                          agent->signaling, agent->context,
                                          &lesson_link_callbacks, agent);
  agent->return_link = ss_media_link_new (lead ? "subscribe" : "publish",
                                          lead ? "return feed subscription"
                                               : "return feed",
                                          agent->signaling, agent->context,
                                          &return_link_callbacks, agent);

  if (config->console)
    {
      g_autoptr (GInputStream) input = g_unix_input_stream_new (0, FALSE);
      agent->console = ss_console_new (input, stdout, send_console_request,
                                       agent);
    }

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
  g_clear_pointer (&agent->lesson_link, ss_media_link_free);
  g_clear_pointer (&agent->return_link, ss_media_link_free);
  /* Freeing the signaling client calls no reply function, so the console
   * that receives replies can go after it. */
  g_clear_pointer (&agent->signaling, ss_signaling_free);
  g_clear_pointer (&agent->console, ss_console_free);
  g_clear_pointer (&agent->interaction, ss_agent_interaction_free);
  g_clear_pointer (&agent->stats, ss_agent_stats_free);
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
  g_free (agent->return_device);
  g_free (agent->status_text);
  g_free (agent);
}

/* Connects to the server and starts the 1 s tick (request timeouts, stats
 * polling and the stats file), and the console when configured. */
void
ss_agent_start (SsAgent *agent)
{
  agent->tick_source = g_timeout_source_new (SS_AGENT_TICK_MS);
  g_source_set_callback (agent->tick_source, on_tick, agent, NULL);
  g_source_attach (agent->tick_source, agent->context);

  write_stats (agent);
  ss_ws_client_connect (agent->ws);
  if (agent->console != NULL)
    ss_console_start (agent->console);
}

/* Stops the pipelines and writes the stats file one last time. Safe to
 * call more than once. */
void
ss_agent_stop (SsAgent *agent)
{
  if (agent->stopped)
    return;

  agent->stopped = TRUE;
  if (agent->lesson_link != NULL)
    stop_media (agent);
  if (agent->waiting != NULL)
    ss_waiting_screen_hide (agent->waiting);

  if (agent->tick_source != NULL)
    {
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
  if (agent->role != SS_AGENT_ROLE_LEAD || !agent->joined)
    {
      g_message ("Classroom %s: no lesson to end", agent->classroom);
      return;
    }

  g_message ("Classroom %s: ending lesson %s for every classroom",
             agent->classroom, agent->lesson);
  ss_signaling_request (agent->signaling, "lesson.end", json_object (),
                        g_get_monotonic_time (), on_end_reply, agent);
}
