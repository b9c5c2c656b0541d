/* The interaction channel's requests and events in the signaling core
 * (protocol/README.md, "Interaction").
 *
 * Each request goes through the same steps: the connection's rate limits,
 * the who-may-do-what table (ss-interaction.c), the change of the lesson's
 * state, the log entry, the result, and then the events the change calls
 * for, to every member of the lesson. A chat message is stored before it
 * is sent on, because lesson.state reads the chat back from the log. A
 * message that the log could not store is rejected, so a reloaded page
 * never misses a message that others saw.
 */
#define G_LOG_DOMAIN "ss-interaction"

#include "ss-signaling-private.h"

#include <string.h>

#include "ss-timetable.h"

/* How many seconds an ad-hoc lesson's run start may move on to find one
 * that the log has not recorded yet. */
#define MAX_RUN_START_ATTEMPTS 1000

/* ---- Settings ---------------------------------------------------------- */

void
ss_signaling_set_clock (SsSignaling *signaling,
                        SsSignalingClockFunc clock_func,
                        gpointer clock_data)
{
  g_return_if_fail (signaling != NULL);

  signaling->clock_func = clock_func;
  signaling->clock_data = clock_data;
}

void
ss_signaling_set_interaction_log (SsSignaling *signaling,
                                  SsInteractionLog *log)
{
  g_return_if_fail (signaling != NULL);

  if (g_hash_table_size (signaling->lessons) > 0)
    g_warning ("interaction log replaced while %u lessons exist; their "
               "earlier events stay in the old log",
               g_hash_table_size (signaling->lessons));
  g_clear_pointer (&signaling->interaction_log, ss_interaction_log_free);
  signaling->interaction_log = log;
}

void
ss_signaling_interaction_clear (SsSignaling *signaling)
{
  g_clear_pointer (&signaling->interaction_log, ss_interaction_log_free);
}

SsClientKind
ss_session_get_client (const SsSession *session)
{
  return session->client;
}

static gint64
get_now_us (SsSignaling *signaling)
{
  if (signaling->clock_func != NULL)
    return signaling->clock_func (signaling->clock_data);
  return g_get_real_time ();
}

/* The log, opened in memory when the server set none, so chat and
 * lesson.state work in tests and without a data directory. */
static SsInteractionLog *
get_log (SsSignaling *signaling, GError **error)
{
  if (signaling->interaction_log == NULL)
    {
      signaling->interaction_log = ss_interaction_log_open (":memory:", error);
      if (signaling->interaction_log != NULL)
        g_message ("no interaction log set; keeping it in memory");
    }
  return signaling->interaction_log;
}

/* ISO 8601 with the lesson's offset and whole seconds, like the
 * timetable's times. */
static char *
format_time (const SsLesson *lesson, gint64 time_us)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (
      time_us / G_USEC_PER_SEC);
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (lesson->utc_offset_s);
  if (utc == NULL || zone == NULL)
    return g_strdup ("1970-01-01T00:00:00+00:00");

  g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, zone);
  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

/* An ad-hoc lesson's times are shown in the zone the timetable reads times
 * without an offset in, China Standard Time, so they match the timetable
 * lessons' whatever zone the server's machine is set to. */
static int
adhoc_offset_s (gint64 time_us)
{
  g_autoptr (GTimeZone) zone =
      g_time_zone_new_identifier (SS_TIMETABLE_DEFAULT_ZONE);
  if (zone == NULL)
    return SS_TIMETABLE_DEFAULT_OFFSET_S;

  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (
      time_us / G_USEC_PER_SEC);
  if (utc == NULL)
    return SS_TIMETABLE_DEFAULT_OFFSET_S;
  g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, zone);
  return (int) (g_date_time_get_utc_offset (local) / G_USEC_PER_SEC);
}

/* ---- Log --------------------------------------------------------------- */

static gboolean
append_event (SsSignaling *signaling,
              SsLesson *lesson,
              const SsLogEvent *event,
              GError **error)
{
  SsInteractionLog *log = get_log (signaling, error);
  return log != NULL
         && ss_interaction_log_append (log, lesson->id, lesson->run_start,
                                       event, error);
}

/* Logs a change other than chat. A failure only costs the review and the
 * restore after a restart, so the change is kept and the failure goes to
 * the server's log. */
static void
record_change (SsSignaling *signaling,
               SsLesson *lesson,
               const SsLogEvent *event)
{
  g_autoptr (GError) error = NULL;
  if (!append_event (signaling, lesson, event, &error))
    g_warning ("lesson=%s: %s event not written to the interaction log: %s",
               lesson->id, ss_log_event_kind_to_string (event->kind),
               error->message);
}

static SsLogEvent
event_from (const SsSession *session, SsLogEventKind kind, gint64 now_us)
{
  return (SsLogEvent){
    .kind = kind,
    .at_us = now_us,
    .actor = session->classroom,
    .actor_role = session->role,
    .actor_client = session->client,
    .students = -1,
  };
}

/* ---- Events ------------------------------------------------------------ */

static void
send_to_members (SsSignaling *signaling,
                 SsLesson *lesson,
                 SsSession *except,
                 json_t *message)
{
  for (guint i = 0; i < lesson->members->len; i++)
    {
      SsSession *member = g_ptr_array_index (lesson->members, i);
      if (member != except)
        ss_signaling_send (signaling, member, message);
    }
  json_decref (message);
}

/* The roster goes to the lead's connections and to the teachers' pages. A
 * remote classroom PC shows no roster and reads it from lesson.state only.
 * Sending the whole roster to every member at every join costs O(N^3)
 * bytes for a lesson of N classrooms. For 200 classrooms joining one by
 * one the core's output was 302 MB of JSON that way, and 4.6 MB this way. */
static void
send_roster (SsSignaling *signaling,
             SsLesson *lesson,
             SsSession *except,
             json_t *message)
{
  for (guint i = 0; i < lesson->members->len; i++)
    {
      SsSession *member = g_ptr_array_index (lesson->members, i);
      if (member != except
          && (member->role == SS_ROLE_LEAD || member->client == SS_CLIENT_PAGE))
        ss_signaling_send (signaling, member, message);
    }
  json_decref (message);
}

/* Keeps the strings of SsHandInfo, SsRosterInfo and SsChatInfo arrays
 * alive until the message is built. */
typedef struct {
  GPtrArray *strings;
  GArray *hands;   /* SsHandInfo */
  GArray *roster;  /* SsRosterInfo */
} EventParts;

static void
event_parts_clear (EventParts *parts)
{
  g_clear_pointer (&parts->strings, g_ptr_array_unref);
  g_clear_pointer (&parts->hands, g_array_unref);
  g_clear_pointer (&parts->roster, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EventParts, event_parts_clear)

static const char *
keep_string (EventParts *parts, char *text)
{
  if (parts->strings == NULL)
    parts->strings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (parts->strings, text);
  return text;
}

static void
collect_hands (EventParts *parts, const SsLesson *lesson)
{
  GPtrArray *hands = ss_interaction_get_hands (lesson->interaction);
  parts->hands = g_array_sized_new (FALSE, TRUE, sizeof (SsHandInfo),
                                    hands->len);
  for (guint i = 0; i < hands->len; i++)
    {
      SsRaisedHand *hand = g_ptr_array_index (hands, i);
      SsHandInfo info = {
        .classroom = hand->classroom,
        .at = keep_string (parts, format_time (lesson, hand->raised_us)),
      };
      g_array_append_val (parts->hands, info);
    }
}

static void
collect_roster (EventParts *parts, const SsLesson *lesson)
{
  SsInteraction *interaction = lesson->interaction;
  GPtrArray *roster = ss_interaction_get_roster (interaction);
  const char *floor = ss_interaction_get_floor (interaction);

  parts->roster = g_array_sized_new (FALSE, TRUE, sizeof (SsRosterInfo),
                                     roster->len);
  for (guint i = 0; i < roster->len; i++)
    {
      SsRosterEntry *entry = g_ptr_array_index (roster, i);
      SsRosterInfo info = {
        .classroom = entry->classroom,
        .role = entry->role,
        .present = entry->n_connections > 0,
        .confirmed = entry->confirmed,
        .students = entry->students,
        .hand = ss_interaction_has_hand (interaction, entry->classroom),
        .floor = g_strcmp0 (floor, entry->classroom) == 0,
      };
      g_array_append_val (parts->roster, info);
    }
}

static json_t *
build_hands (const SsLesson *lesson)
{
  g_auto (EventParts) parts = { 0 };
  collect_hands (&parts, lesson);
  return ss_message_build_hands ((const SsHandInfo *) parts.hands->data,
                                 parts.hands->len);
}

static json_t *
build_roster (const SsLesson *lesson)
{
  g_auto (EventParts) parts = { 0 };
  collect_roster (&parts, lesson);
  return ss_message_build_roster ((const SsRosterInfo *) parts.roster->data,
                                  parts.roster->len);
}

static json_t *
build_floor (const SsLesson *lesson)
{
  const char *floor = ss_interaction_get_floor (lesson->interaction);
  if (floor == NULL)
    return ss_message_build_floor (NULL, NULL);

  g_autofree char *since = format_time (
      lesson, ss_interaction_get_floor_since (lesson->interaction));
  return ss_message_build_floor (floor, since);
}

static json_t *
build_phase (const SsLesson *lesson)
{
  g_autofree char *since = format_time (
      lesson, ss_interaction_get_phase_since (lesson->interaction));
  return ss_message_build_phase (
      ss_interaction_get_phase (lesson->interaction), since);
}

/* Sends the events that @changes call for to every member but @except,
 * and rebinds the subscriptions when the floor moved. */
static void
announce_changes (SsSignaling *signaling,
                  SsLesson *lesson,
                  SsSession *except,
                  SsInteractionChanges changes)
{
  if (changes & SS_INTERACTION_CHANGED_HANDS)
    send_to_members (signaling, lesson, except, build_hands (lesson));
  if (changes & SS_INTERACTION_CHANGED_FLOOR)
    send_to_members (signaling, lesson, except, build_floor (lesson));
  if (changes & SS_INTERACTION_CHANGED_PHASE)
    send_to_members (signaling, lesson, except, build_phase (lesson));
  if (changes & SS_INTERACTION_CHANGED_ROSTER)
    send_roster (signaling, lesson, except, build_roster (lesson));

  if (changes & SS_INTERACTION_CHANGED_FLOOR)
    ss_signaling_update_sources (signaling, lesson);
}

static SsChatInfo
chat_info_from_event (const SsLogEvent *event, const char *at)
{
  return (SsChatInfo){
    .seq = event->seq,
    .at = at,
    .from = event->actor,
    .role = event->actor_role,
    .client = event->actor_client,
    .text = event->text,
    .to = event->classroom,
  };
}

/* The chat a member of @classroom may see: the last messages of the run,
 * oldest first. A log that cannot be read gives an empty chat, logged,
 * rather than no lesson.state at all. */
static json_t *
build_lesson_state (SsSignaling *signaling,
                    const SsLesson *lesson,
                    const char *classroom)
{
  SsInteraction *interaction = lesson->interaction;
  g_auto (EventParts) parts = { 0 };
  collect_hands (&parts, lesson);
  collect_roster (&parts, lesson);

  g_autoptr (GError) error = NULL;
  g_autoptr (SsLogEventList) chat = NULL;
  SsInteractionLog *log = get_log (signaling, &error);
  if (log != NULL)
    chat = ss_interaction_log_list_chat (log, lesson->id, lesson->run_start,
                                         classroom, SS_LESSON_STATE_MAX_CHAT,
                                         &error);
  if (chat == NULL)
    g_warning ("lesson=%s classroom=%s: chat not read from the interaction "
               "log, lesson.state carries none: %s",
               lesson->id, classroom, error->message);

  guint n_chat = chat != NULL ? chat->events->len : 0;
  g_autofree SsChatInfo *messages = g_new0 (SsChatInfo, MAX (n_chat, 1));
  for (guint i = 0; i < n_chat; i++)
    {
      const SsLogEvent *event = &g_array_index (chat->events, SsLogEvent, i);
      const char *at = keep_string (&parts, format_time (lesson,
                                                         event->at_us));
      messages[i] = chat_info_from_event (event, at);
    }

  g_autofree char *since = format_time (
      lesson, ss_interaction_get_phase_since (interaction));
  const char *floor = ss_interaction_get_floor (interaction);
  g_autofree char *floor_since =
      floor != NULL ? format_time (lesson, ss_interaction_get_floor_since (
                                               interaction))
                    : NULL;

  const SsLessonStateInfo state = {
    .lesson = lesson->id,
    .phase = ss_interaction_get_phase (interaction),
    .since = since,
    .floor = floor,
    .floor_since = floor_since,
    .hands = (const SsHandInfo *) parts.hands->data,
    .n_hands = parts.hands->len,
    .roster = (const SsRosterInfo *) parts.roster->data,
    .n_roster = parts.roster->len,
    .chat = messages,
    .n_chat = n_chat,
  };
  return ss_message_build_lesson_state (&state);
}

/* ---- Lesson lifecycle -------------------------------------------------- */

/* Brings back a timetable run's hands, phase, attendance and chat
 * numbering after a server restart. The floor is not restored: it needs a
 * connection of its holder, and after a restart there is none yet. */
static void
restore_run (SsSignaling *signaling, SsLesson *lesson)
{
  g_autoptr (GError) error = NULL;
  SsInteractionLog *log = get_log (signaling, &error);
  g_autoptr (SsLogEventList) events =
      log != NULL ? ss_interaction_log_list_events (log, lesson->id,
                                                    lesson->run_start, &error)
                  : NULL;
  if (events == NULL)
    {
      g_warning ("lesson=%s: earlier interaction not read, the run starts "
                 "afresh: %s", lesson->id, error->message);
      return;
    }

  SsInteraction *interaction = lesson->interaction;
  for (guint i = 0; i < events->events->len; i++)
    {
      const SsLogEvent *event = &g_array_index (events->events, SsLogEvent, i);
      switch (event->kind)
        {
        case SS_LOG_EVENT_CHAT:
          ss_interaction_commit_chat_seq (interaction, event->seq);
          break;
        case SS_LOG_EVENT_HAND_RAISE:
          ss_interaction_raise_hand (interaction, event->classroom,
                                     event->at_us);
          break;
        case SS_LOG_EVENT_HAND_LOWER:
        case SS_LOG_EVENT_FLOOR_GRANT:
          /* A grant lowered its classroom's hand. */
          ss_interaction_lower_hand (interaction, event->classroom);
          break;
        case SS_LOG_EVENT_FLOOR_REVOKE:
          break;
        case SS_LOG_EVENT_PHASE:
          ss_interaction_set_phase (interaction, event->phase, event->at_us);
          break;
        case SS_LOG_EVENT_ATTENDANCE:
          if (ss_interaction_find (interaction, event->classroom) != NULL)
            ss_interaction_confirm_attendance (interaction, event->classroom,
                                               event->students);
          break;
        }
    }

  if (events->events->len > 0)
    g_message ("lesson=%s: %u earlier interaction events of the run of %"
               G_GINT64_FORMAT " restored", lesson->id, events->events->len,
               lesson->run_start);
}

/* Records the lesson's run. A timetable run may be in the log already,
 * from before a restart. An ad-hoc lesson created again within the second
 * its last life started would share that run, so its start moves on to
 * the next free second. */
static gboolean
add_run (SsSignaling *signaling,
         SsLesson *lesson,
         gboolean timetable,
         GError **error)
{
  SsInteractionLog *log = get_log (signaling, error);
  if (log == NULL)
    return FALSE;

  gint64 first_start = lesson->run_start;
  for (guint attempt = 0; attempt < MAX_RUN_START_ATTEMPTS; attempt++)
    {
      const SsLogRun run = {
        .run_start = lesson->run_start,
        .utc_offset_s = lesson->utc_offset_s,
        .timetable = timetable,
      };
      gboolean added = FALSE;
      if (!ss_interaction_log_add_run (log, lesson->id, &run, &added, error))
        return FALSE;
      if (added || timetable)
        return TRUE;
      lesson->run_start++;
    }

  g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_INTERNAL,
               "no free run start among %d seconds from %" G_GINT64_FORMAT,
               MAX_RUN_START_ATTEMPTS, first_start);
  return FALSE;
}

void
ss_signaling_interaction_create (SsSignaling *signaling, SsLesson *lesson)
{
  g_return_if_fail (lesson->interaction == NULL);

  gint64 now_us = get_now_us (signaling);
  SsSignalingLessonPlan plan = { 0 };
  gboolean timetable =
      signaling->policy.plan_lesson != NULL
      && signaling->policy.plan_lesson (signaling->policy_data, lesson->id,
                                        &plan);

  if (timetable)
    {
      lesson->run_start = plan.run_start;
      lesson->utc_offset_s = plan.utc_offset_s;
      lesson->interaction = ss_interaction_new (
          plan.lead, (const char *const *) plan.remotes, now_us);
    }
  else
    {
      lesson->run_start = now_us / G_USEC_PER_SEC;
      lesson->utc_offset_s = adhoc_offset_s (now_us);
      lesson->interaction = ss_interaction_new (NULL, NULL, now_us);
    }
  g_free (plan.lead);
  g_strfreev (plan.remotes);

  g_autoptr (GError) error = NULL;
  if (!add_run (signaling, lesson, timetable, &error))
    {
      g_warning ("lesson=%s: run not written to the interaction log: %s",
                 lesson->id, error->message);
      return;
    }

  /* An ad-hoc lesson starts afresh each time it is created. */
  if (timetable)
    restore_run (signaling, lesson);
}

void
ss_signaling_interaction_end (SsSignaling *signaling, SsLesson *lesson)
{
  g_clear_pointer (&lesson->interaction, ss_interaction_free);
}

void
ss_signaling_interaction_joined (SsSignaling *signaling, SsSession *session)
{
  SsLesson *lesson = session->lesson;
  g_return_if_fail (lesson != NULL);
  if (lesson->interaction == NULL)
    return;

  SsInteractionChanges changes = ss_interaction_connect (
      lesson->interaction, session->classroom, session->role);
  announce_changes (signaling, lesson, session, changes);
}

void
ss_signaling_interaction_send_state (SsSignaling *signaling,
                                     SsSession *session)
{
  SsLesson *lesson = session->lesson;
  g_return_if_fail (lesson != NULL);
  if (lesson->interaction == NULL)
    return;

  ss_signaling_send_owned (
      signaling, session,
      build_lesson_state (signaling, lesson, session->classroom));
}

void
ss_signaling_interaction_left (SsSignaling *signaling,
                               SsSession *session,
                               SsLesson *lesson)
{
  if (lesson->interaction == NULL)
    return;

  SsInteractionChanges changes =
      ss_interaction_disconnect (lesson->interaction, session->classroom);

  /* Only the holder's last connection leaving moves the floor. */
  if (changes & SS_INTERACTION_CHANGED_FLOOR)
    {
      g_message ("lesson=%s classroom=%s: floor returned, its last "
                 "connection left", lesson->id, session->classroom);
      SsLogEvent event = {
        .kind = SS_LOG_EVENT_FLOOR_REVOKE,
        .at_us = get_now_us (signaling),
        .students = -1,
      };
      record_change (signaling, lesson, &event);
    }
  announce_changes (signaling, lesson, NULL, changes);
}

/* ---- Requests ---------------------------------------------------------- */

static void
send_result (SsSignaling *signaling, SsSession *session, gint64 id)
{
  ss_signaling_send_owned (signaling, session,
                           ss_message_build (SS_MESSAGE_RESULT, id));
}

static void
send_error_from (SsSignaling *signaling,
                 SsSession *session,
                 gint64 id,
                 const GError *error)
{
  SsProtocolError code = error->domain == SS_PROTOCOL_ERROR
                             ? (SsProtocolError) error->code
                             : SS_PROTOCOL_ERROR_INTERNAL;
  SESSION_LOG (G_LOG_LEVEL_DEBUG, session, "error %s for request %"
               G_GINT64_FORMAT ": %s", ss_protocol_error_to_string (code), id,
               error->message);
  ss_signaling_send_owned (signaling, session,
                           ss_message_build_error (id, code, error->message));
}

static void
send_chat (SsSignaling *signaling, SsLesson *lesson, const SsChatInfo *chat)
{
  g_autoptr (json_t) event = ss_message_build_chat (chat);
  for (guint i = 0; i < lesson->members->len; i++)
    {
      SsSession *member = g_ptr_array_index (lesson->members, i);
      if (chat->to == NULL || g_strcmp0 (member->classroom, chat->from) == 0
          || g_strcmp0 (member->classroom, chat->to) == 0)
        ss_signaling_send (signaling, member, event);
    }
}

static void
handle_chat_send (SsSignaling *signaling,
                  SsSession *session,
                  const SsMessage *message,
                  gint64 now_us)
{
  SsLesson *lesson = session->lesson;
  g_autoptr (GError) error = NULL;
  SsInteractionAction action = message->to != NULL
                                   ? SS_INTERACTION_CHAT_PRIVATE
                                   : SS_INTERACTION_CHAT;
  if (!ss_interaction_authorize (lesson->interaction, action, session->role,
                                 session->classroom, message->to, &error))
    {
      send_error_from (signaling, session, message->id, error);
      return;
    }

  g_autofree char *text = ss_message_trim_text (message->text);
  SsLogEvent event = event_from (session, SS_LOG_EVENT_CHAT, now_us);
  event.classroom = message->to;
  event.seq = ss_interaction_peek_chat_seq (lesson->interaction);
  event.text = text;
  if (!append_event (signaling, lesson, &event, &error))
    {
      SESSION_LOG (G_LOG_LEVEL_WARNING, session,
                   "chat message %" G_GINT64_FORMAT " not stored, rejected: %s",
                   event.seq, error->message);
      g_autoptr (GError) reply = g_error_new_literal (
          SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_INTERNAL,
          "the chat message could not be stored; send it again");
      send_error_from (signaling, session, message->id, reply);
      return;
    }
  ss_interaction_commit_chat_seq (lesson->interaction, event.seq);

  json_t *result = ss_message_build (SS_MESSAGE_RESULT, message->id);
  json_object_set_new (result, "seq", json_integer (event.seq));
  ss_signaling_send_owned (signaling, session, result);

  g_autofree char *at = format_time (lesson, now_us);
  const SsChatInfo chat = chat_info_from_event (&event, at);
  send_chat (signaling, lesson, &chat);
}

/* A request that changes the hands, floor, phase or attendance, with the
 * action checked against the permission table and the log event it
 * writes. */
typedef struct {
  SsMessageType type;
  SsInteractionAction action;
  SsLogEventKind kind;
  /* Whether the event names the classroom acted on: the request's, or the
   * sender's own when the request names none. */
  gboolean names_classroom;
} StateRequest;

static const StateRequest state_requests[] = {
  { SS_MESSAGE_HAND_RAISE, SS_INTERACTION_HAND_RAISE,
    SS_LOG_EVENT_HAND_RAISE, TRUE },
  { SS_MESSAGE_HAND_LOWER, SS_INTERACTION_HAND_LOWER,
    SS_LOG_EVENT_HAND_LOWER, TRUE },
  { SS_MESSAGE_FLOOR_GRANT, SS_INTERACTION_FLOOR_GRANT,
    SS_LOG_EVENT_FLOOR_GRANT, TRUE },
  { SS_MESSAGE_FLOOR_REVOKE, SS_INTERACTION_FLOOR_REVOKE,
    SS_LOG_EVENT_FLOOR_REVOKE, FALSE },
  { SS_MESSAGE_PHASE_SET, SS_INTERACTION_PHASE_SET, SS_LOG_EVENT_PHASE,
    FALSE },
  { SS_MESSAGE_ATTENDANCE_CONFIRM, SS_INTERACTION_ATTENDANCE_CONFIRM,
    SS_LOG_EVENT_ATTENDANCE, TRUE },
};

static const StateRequest *
lookup_state_request (SsMessageType type)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_requests); i++)
    if (state_requests[i].type == type)
      return &state_requests[i];
  return NULL;
}

/* Applies @message to the lesson's interaction state and copies the
 * phase or student count it sets into @event. */
static SsInteractionChanges
apply_state_request (SsInteraction *interaction,
                     const SsMessage *message,
                     SsLogEvent *event,
                     gint64 now_us)
{
  switch (message->type)
    {
    case SS_MESSAGE_HAND_RAISE:
      return ss_interaction_raise_hand (interaction, event->classroom, now_us);
    case SS_MESSAGE_HAND_LOWER:
      return ss_interaction_lower_hand (interaction, event->classroom);
    case SS_MESSAGE_FLOOR_GRANT:
      return ss_interaction_grant_floor (interaction, event->classroom,
                                         now_us);
    case SS_MESSAGE_FLOOR_REVOKE:
      return ss_interaction_revoke_floor (interaction);
    case SS_MESSAGE_PHASE_SET:
      event->phase = message->phase;
      return ss_interaction_set_phase (interaction, message->phase, now_us);
    case SS_MESSAGE_ATTENDANCE_CONFIRM:
      event->students = message->students;
      return ss_interaction_confirm_attendance (interaction, event->classroom,
                                                message->students);
    default:
      g_return_val_if_reached (SS_INTERACTION_CHANGED_NONE);
    }
}

/* Checks @request against the permission table, applies it, logs the
 * event when the state changed, then sends the result and the events. */
static void
handle_state_request (SsSignaling *signaling,
                      SsSession *session,
                      const SsMessage *message,
                      const StateRequest *request,
                      gint64 now_us)
{
  SsLesson *lesson = session->lesson;
  g_autoptr (GError) error = NULL;
  if (!ss_interaction_authorize (lesson->interaction, request->action,
                                 session->role, session->classroom,
                                 message->classroom, &error))
    {
      send_error_from (signaling, session, message->id, error);
      return;
    }

  SsLogEvent event = event_from (session, request->kind, now_us);
  if (request->names_classroom)
    event.classroom = message->classroom != NULL ? message->classroom
                                                 : session->classroom;
  SsInteractionChanges changes =
      apply_state_request (lesson->interaction, message, &event, now_us);

  if (changes != SS_INTERACTION_CHANGED_NONE)
    {
      record_change (signaling, lesson, &event);
      const char *detail = event.kind == SS_LOG_EVENT_PHASE
                               ? ss_class_phase_to_string (event.phase)
                               : event.classroom;
      SESSION_LOG (G_LOG_LEVEL_INFO, session, "%s %s",
                   ss_log_event_kind_to_string (event.kind),
                   detail != NULL ? detail : "");
    }

  send_result (signaling, session, message->id);
  announce_changes (signaling, lesson, NULL, changes);
}

/* Logs the first rejection of a connection and then every tenfold count,
 * so a client that floods the channel fills no log. */
static void
log_rate_limited (SsSession *session, const GError *error)
{
  guint64 n = session->rate_limit.n_rejected;
  while (n >= 10 && n % 10 == 0)
    n /= 10;
  if (n == 1)
    SESSION_LOG (G_LOG_LEVEL_MESSAGE, session,
                 "%" G_GUINT64_FORMAT " interaction requests rate limited, "
                 "the latest: %s",
                 session->rate_limit.n_rejected, error->message);
}

gboolean
ss_signaling_handle_interaction (SsSignaling *signaling,
                                 SsSession *session,
                                 const SsMessage *message)
{
  const StateRequest *request = lookup_state_request (message->type);
  if (request == NULL && message->type != SS_MESSAGE_CHAT_SEND)
    return FALSE;

  g_autoptr (GError) error = NULL;
  if (session->lesson == NULL || session->lesson->interaction == NULL)
    {
      error = g_error_new_literal (SS_PROTOCOL_ERROR,
                                   SS_PROTOCOL_ERROR_NOT_READY,
                                   "send lesson.join first");
      send_error_from (signaling, session, message->id, error);
      return TRUE;
    }

  gint64 now_us = get_now_us (signaling);
  if (!ss_rate_limit_admit (&session->rate_limit,
                            message->type == SS_MESSAGE_CHAT_SEND, now_us,
                            &error))
    {
      log_rate_limited (session, error);
      send_error_from (signaling, session, message->id, error);
      return TRUE;
    }

  if (request != NULL)
    handle_state_request (signaling, session, message, request, now_us);
  else
    handle_chat_send (signaling, session, message, now_us);
  return TRUE;
}
