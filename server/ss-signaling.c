/* The signaling core of shuangshi-server.
 *
 * It keeps one session per connection and the lessons by id, applies the
 * rules of protocol/README.md (who may publish, subscribe, join) and turns
 * requests into relay calls. Relay answers arrive later and in request order
 * per lesson; each session keeps its outgoing messages in an ordered outbox,
 * so a reply that waits for the relay holds back the replies and events
 * queued after it and "requests are answered in the order they were sent"
 * holds. The core reads no clock and owns no socket.
 */
#define G_LOG_DOMAIN "ss-signaling"

#include "ss-signaling-private.h"

#include <string.h>

/* Bounds the memory of departures; about the number of classrooms in one
 * prefecture's network. The oldest departure is forgotten first. */
#define MAX_DEPARTURES 16384

/* A subscription's slots go out as one feeds or result "slots" array. */
G_STATIC_ASSERT (SS_RELAY_MAX_SLOTS <= SS_FEEDS_MAX_SLOTS);

/* ---- Objects ----------------------------------------------------------- */

static void
ss_lesson_free (SsLesson *lesson)
{
  g_clear_pointer (&lesson->interaction, ss_interaction_free);
  g_ptr_array_unref (lesson->return_publishers);
  g_free (lesson->lead_classroom);
  g_ptr_array_unref (lesson->members);
  g_free (lesson->id);
  g_free (lesson);
}

static void
ss_relay_request_free (SsRelayRequest *request)
{
  g_free (request->lesson_id);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsRelayRequest, ss_relay_request_free)

static void
ss_outbox_entry_free (SsOutboxEntry *entry)
{
  if (entry->message != NULL)
    json_decref (entry->message);
  g_free (entry);
}

static void
clear_slots (SsTransport *transport)
{
  for (guint i = 0; i < SS_RELAY_MAX_SLOTS; i++)
    g_clear_pointer (&transport->slots[i], g_free);
  transport->n_slots = 0;
}

static void
ss_session_free (SsSession *session)
{
  for (guint i = 0; i < SS_TRANSPORT_COUNT; i++)
    clear_slots (&session->transports[i]);
  g_queue_clear_full (&session->relay_requests,
                      (GDestroyNotify) ss_relay_request_free);
  g_queue_clear_full (&session->outbox, (GDestroyNotify) ss_outbox_entry_free);
  g_free (session->classroom);
  g_free (session->agent);
  g_free (session->peer_address);
  g_free (session->id);
  g_free (session);
}

static void
ss_departure_free (SsDeparture *departure)
{
  g_free (departure->agent);
  g_free (departure->lesson);
  g_free (departure);
}

SsSignaling *
ss_signaling_new (const SsSignalingConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->relay_ops != NULL, NULL);
  g_return_val_if_fail (config->send_func != NULL, NULL);

  SsSignaling *signaling = g_new0 (SsSignaling, 1);
  *signaling = (SsSignaling){
    .relay_ops = *config->relay_ops,
    .relay = config->relay,
    .send_func = config->send_func,
    .send_data = config->send_data,
    .close_func = config->close_func,
    .policy_data = config->policy_data,
    .server_name = g_strdup (config->server_name != NULL
                                 ? config->server_name
                                 : "shuangshi-server"),
    .sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) ss_session_free),
    .lessons = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) ss_lesson_free),
    .departures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) ss_departure_free),
    .next_session_number = 1,
  };
  if (config->policy != NULL)
    signaling->policy = *config->policy;
  return signaling;
}

/* Sessions still open here are freed without relay calls or messages: the
 * caller closes them first when it wants a clean teardown. */
void
ss_signaling_free (SsSignaling *signaling)
{
  if (signaling == NULL)
    return;

  g_hash_table_unref (signaling->sessions);
  g_hash_table_unref (signaling->lessons);
  g_hash_table_unref (signaling->departures);
  ss_signaling_interaction_clear (signaling);
  g_free (signaling->server_name);
  g_free (signaling);
}

const char *
ss_session_get_id (const SsSession *session)
{
  return session->id;
}

const char *
ss_session_get_classroom (const SsSession *session)
{
  return session->classroom;
}

SsRole
ss_session_get_role (const SsSession *session)
{
  return session->role;
}

void
ss_session_set_peer_address (SsSession *session, const char *address)
{
  g_free (session->peer_address);
  session->peer_address = g_strdup (address);
}

const char *
ss_session_get_peer_address (const SsSession *session)
{
  return session->peer_address != NULL ? session->peer_address : "-";
}

guint
ss_signaling_get_n_sessions (const SsSignaling *signaling)
{
  return g_hash_table_size (signaling->sessions);
}

guint
ss_signaling_get_n_lessons (const SsSignaling *signaling)
{
  return g_hash_table_size (signaling->lessons);
}

/* ---- Outbox ------------------------------------------------------------ */

static void
flush_outbox (SsSignaling *signaling, SsSession *session)
{
  SsOutboxEntry *entry;
  while ((entry = g_queue_peek_head (&session->outbox)) != NULL
         && entry->message != NULL)
    {
      g_queue_pop_head (&session->outbox);
      signaling->send_func (session->connection, entry->message,
                            signaling->send_data);
      ss_outbox_entry_free (entry);
    }
}

/* Queues @message (consumed) behind any reply still waiting for the relay. */
static void
send_message (SsSignaling *signaling, SsSession *session, json_t *message)
{
  SsOutboxEntry *entry = g_new0 (SsOutboxEntry, 1);
  entry->message = message;
  g_queue_push_tail (&session->outbox, entry);
  flush_outbox (signaling, session);
}

void
ss_signaling_send_owned (SsSignaling *signaling,
                         SsSession *session,
                         json_t *message)
{
  /* A NULL message would hold the outbox like a reply still waiting for
   * the relay. */
  g_return_if_fail (message != NULL);

  send_message (signaling, session, message);
}

static void
send_error (SsSignaling *signaling,
            SsSession *session,
            gint64 id,
            SsProtocolError code,
            const char *text)
{
  SESSION_LOG (G_LOG_LEVEL_DEBUG, session, "error %s for request %"
               G_GINT64_FORMAT ": %s", ss_protocol_error_to_string (code), id,
               text);
  send_message (signaling, session, ss_message_build_error (id, code, text));
}

/* ---- Lessons ----------------------------------------------------------- */

static SsLesson *
create_lesson (SsSignaling *signaling, const char *lesson_id)
{
  SsLesson *lesson = g_new0 (SsLesson, 1);
  lesson->id = g_strdup (lesson_id);
  lesson->members = g_ptr_array_new ();
  lesson->return_publishers = g_ptr_array_new ();
  g_hash_table_insert (signaling->lessons, lesson->id, lesson);

  g_message ("lesson=%s: created", lesson_id);
  ss_signaling_interaction_create (signaling, lesson);
  return lesson;
}

static void
broadcast_to_remotes (SsSignaling *signaling,
                      SsLesson *lesson,
                      json_t *message)
{
  for (guint i = 0; i < lesson->members->len; i++)
    {
      SsSession *member = g_ptr_array_index (lesson->members, i);
      if (member->role == SS_ROLE_REMOTE)
        send_message (signaling, member, json_deep_copy (message));
    }
  json_decref (message);
}

static void
end_live (SsSignaling *signaling, SsLesson *lesson, SsOfflineReason reason)
{
  lesson->publisher = NULL;
  if (!lesson->live)
    return;

  lesson->live = FALSE;
  g_message ("lesson=%s: offline, reason %s", lesson->id,
             ss_offline_reason_to_string (reason));
  broadcast_to_remotes (signaling, lesson,
                        ss_message_build_lesson_offline (lesson->id, reason));
}

char *
ss_session_transport_peer_id (const SsSession *session, SsTransportKind kind)
{
  gboolean primary = (session->role == SS_ROLE_LEAD)
                     == (kind == SS_TRANSPORT_PUBLISH);
  if (primary)
    return g_strdup (session->id);
  return g_strconcat (session->id,
                      kind == SS_TRANSPORT_PUBLISH ? "/return" : "/feeds",
                      NULL);
}

/* The transport a publish or subscribe request sets up. */
static SsTransportKind
transport_of_request (SsMessageType type)
{
  return type == SS_MESSAGE_PUBLISH ? SS_TRANSPORT_PUBLISH
                                    : SS_TRANSPORT_SUBSCRIBE;
}

/* A remote's return feed is gone (closed, failed or rejected), so the
 * lead's slots and any floor slot showing it are rebound. */
static void
forget_return_feed (SsSignaling *signaling, SsSession *session)
{
  SsLesson *lesson = session->lesson;
  if (lesson == NULL || !g_ptr_array_remove (lesson->return_publishers,
                                             session))
    return;

  SESSION_LOG (G_LOG_LEVEL_INFO, session, "return feed gone");
  ss_signaling_update_sources (signaling, lesson);
}

static void
close_transport (SsSignaling *signaling, SsSession *session,
                 SsTransportKind kind)
{
  SsTransport *transport = &session->transports[kind];
  transport->epoch++;
  clear_slots (transport);
  if (!transport->open)
    return;

  transport->open = FALSE;
  g_autofree char *peer_id = ss_session_transport_peer_id (session, kind);
  signaling->relay_ops.close_peer (signaling->relay, session->lesson->id,
                                   peer_id);
  if (kind == SS_TRANSPORT_PUBLISH && session->role == SS_ROLE_REMOTE)
    forget_return_feed (signaling, session);
}

static void
close_transports (SsSignaling *signaling, SsSession *session)
{
  for (guint i = 0; i < SS_TRANSPORT_COUNT; i++)
    close_transport (signaling, session, i);
}

/* Takes @session out of its lesson; @reason goes to the remotes when the
 * session was the live lead. */
static void
leave_lesson (SsSignaling *signaling,
              SsSession *session,
              SsOfflineReason reason)
{
  SsLesson *lesson = session->lesson;
  if (lesson == NULL)
    return;

  close_transports (signaling, session);
  if (lesson->publisher == session)
    end_live (signaling, lesson, reason);

  g_ptr_array_remove (lesson->members, session);
  SESSION_LOG (G_LOG_LEVEL_INFO, session, "left the lesson");
  session->lesson = NULL;
  ss_signaling_interaction_left (signaling, session, lesson);

  if (lesson->members->len > 0 || lesson->kept)
    return;

  signaling->relay_ops.close_lesson (signaling->relay, lesson->id);
  g_message ("lesson=%s: forgotten, its last member left", lesson->id);
  g_hash_table_remove (signaling->lessons, lesson->id);
}

/* ---- Relay answers ------------------------------------------------------ */

static SsProtocolError
map_relay_error (SsSignaling *signaling, const GError *error)
{
  if (error->domain != signaling->relay_ops.error_quark ())
    return SS_PROTOCOL_ERROR_INTERNAL;

  switch (error->code)
    {
    case SS_RELAY_ERROR_BAD_SDP:
      return SS_PROTOCOL_ERROR_BAD_SDP;
    case SS_RELAY_ERROR_BUSY:
      return SS_PROTOCOL_ERROR_LESSON_BUSY;
    case SS_RELAY_ERROR_NOT_PUBLISHED:
      return SS_PROTOCOL_ERROR_NOT_LIVE;
    default:
      return SS_PROTOCOL_ERROR_INTERNAL;
    }
}

static gboolean
request_is_current (SsSession *session, SsRelayRequest *request)
{
  return request->epoch == session->transports[request->transport].epoch
         && session->lesson != NULL
         && strcmp (session->lesson->id, request->lesson_id) == 0;
}

static void
fail_relay_request (SsSignaling *signaling,
                    SsSession *session,
                    SsRelayRequest *request,
                    const GError *error)
{
  /* A rejected offer is a client error and is logged as such. Any other
   * failure is the server's and is logged as a warning. */
  SsProtocolError code = map_relay_error (signaling, error);
  GLogLevelFlags level = code == SS_PROTOCOL_ERROR_INTERNAL
                             ? G_LOG_LEVEL_WARNING
                             : G_LOG_LEVEL_MESSAGE;
  SESSION_LOG (level, session, "relay rejected %s (%s): %s",
               ss_message_type_to_string (request->type),
               ss_protocol_error_to_string (code), error->message);

  request->reply->message =
      ss_message_build_error (request->request_id, code, error->message);

  if (!request_is_current (session, request))
    return;

  /* The relay keeps no transport for a request it rejected. */
  session->transports[request->transport].open = FALSE;
  clear_slots (&session->transports[request->transport]);
  if (request->type == SS_MESSAGE_PUBLISH
      && session->lesson->publisher == session)
    session->lesson->publisher = NULL;
  if (request->transport == SS_TRANSPORT_PUBLISH
      && session->role == SS_ROLE_REMOTE)
    forget_return_feed (signaling, session);
}

static void
complete_relay_request (SsSignaling *signaling,
                        SsSession *session,
                        SsRelayRequest *request,
                        const char *answer_sdp,
                        guint n_slots)
{
  json_t *result = ss_message_build (SS_MESSAGE_RESULT, request->request_id);
  json_object_set_new (result, "sdp", json_string (answer_sdp));
  request->reply->message = result;

  SsTransport *transport = &session->transports[request->transport];
  gboolean current = request_is_current (session, request);
  if (request->transport == SS_TRANSPORT_SUBSCRIBE)
    {
      /* Slots past the offer's were never bound by the relay. */
      if (current)
        {
          transport->n_slots = MIN (n_slots, SS_RELAY_MAX_SLOTS);
          for (guint i = transport->n_slots; i < SS_RELAY_MAX_SLOTS; i++)
            g_clear_pointer (&transport->slots[i], g_free);
        }
      guint n_bound = current ? transport->n_slots : 0;
      json_object_set_new (result, "slots",
                           ss_message_slots_to_json (
                               (const char *const *) transport->slots,
                               n_bound));
    }

  /* NOTE: an answer overtaken by a later lesson.leave, lesson.join or
   * subscribe is still sent as the result, so each request gets exactly one
   * reply. The relay has already been asked to close or replace that
   * transport, and no lesson.live follows. */
  if (!current)
    {
      SESSION_LOG (G_LOG_LEVEL_INFO, session, "stale %s answer, sent as is",
                   ss_message_type_to_string (request->type));
      return;
    }

  SESSION_LOG (G_LOG_LEVEL_INFO, session, "%s answered",
               ss_message_type_to_string (request->type));
}

/* The lead's answer has gone out (or is queued in order), so remotes may
 * subscribe now. */
static void
announce_live (SsSignaling *signaling, SsLesson *lesson)
{
  lesson->live = TRUE;
  g_message ("lesson=%s: live", lesson->id);
  broadcast_to_remotes (signaling, lesson,
                        ss_message_build_lesson_live (lesson->id));
}

/* The session a relay peer id belongs to (see
 * ss_session_transport_peer_id), and which of its transports it names. */
static SsSession *
lookup_peer_session (SsSignaling *signaling, const char *peer_id,
                     SsTransportKind *kind)
{
  const char *slash = strchr (peer_id, '/');
  g_autofree char *session_id =
      slash != NULL ? g_strndup (peer_id, slash - peer_id) : g_strdup (peer_id);

  SsSession *session = g_hash_table_lookup (signaling->sessions, session_id);
  if (session == NULL || kind == NULL)
    return session;

  gboolean primary = slash == NULL;
  *kind = primary == (session->role == SS_ROLE_LEAD) ? SS_TRANSPORT_PUBLISH
                                                     : SS_TRANSPORT_SUBSCRIBE;
  return session;
}

/* The relay keeps request order within a lesson only, and a session's
 * requests may span lessons after a lesson.join, so the answer belongs to
 * the oldest request for its lesson. */
static SsRelayRequest *
take_relay_request (SsSession *session, const char *lesson_id)
{
  for (GList *link = session->relay_requests.head; link != NULL;
       link = link->next)
    {
      SsRelayRequest *request = link->data;
      if (g_strcmp0 (request->lesson_id, lesson_id) == 0)
        {
          g_queue_delete_link (&session->relay_requests, link);
          return request;
        }
    }
  return NULL;
}

static void
on_relay_answer (SsRelay *relay,
                 const char *lesson_id,
                 const char *peer_id,
                 const char *answer_sdp,
                 guint n_slots,
                 const GError *error,
                 gpointer user_data)
{
  SsSignaling *signaling = user_data;

  SsSession *session = lookup_peer_session (signaling, peer_id, NULL);
  if (session == NULL)
    {
      g_debug ("session=%s lesson=%s: relay answer dropped, the session is "
               "gone", peer_id, lesson_id);
      return;
    }

  g_autoptr (SsRelayRequest) request =
      take_relay_request (session, lesson_id);
  if (request == NULL)
    {
      SESSION_LOG (G_LOG_LEVEL_WARNING, session,
                   "unexpected relay answer for lesson %s, dropped",
                   lesson_id);
      return;
    }

  if (answer_sdp == NULL || error != NULL)
    {
      g_autoptr (GError) missing = NULL;
      if (error == NULL)
        missing = g_error_new_literal (SS_PROTOCOL_ERROR,
                                       SS_PROTOCOL_ERROR_INTERNAL,
                                       "the relay returned no answer");
      fail_relay_request (signaling, session, request,
                          error != NULL ? error : missing);
      flush_outbox (signaling, session);
      return;
    }

  gboolean current = request_is_current (session, request);
  gboolean goes_live = request->type == SS_MESSAGE_PUBLISH && current
                       && session->lesson->publisher == session;

  complete_relay_request (signaling, session, request, answer_sdp, n_slots);
  flush_outbox (signaling, session);

  if (goes_live)
    announce_live (signaling, session->lesson);

  /* With the answer known the lead's slots can be filled up to the number
   * the offer had. */
  if (current && (request->type == SS_MESSAGE_SUBSCRIBE
                  || session->role == SS_ROLE_REMOTE))
    ss_signaling_update_sources (signaling, session->lesson);
}

/* ---- Requests ---------------------------------------------------------- */

/* Logs the rejected hello without its token, answers it and closes the
 * connection, because a client without a valid credential has nothing
 * more to do here. */
static void
reject_hello (SsSignaling *signaling,
              SsSession *session,
              const SsMessage *message,
              const GError *error)
{
  SsProtocolError code = error->domain == SS_PROTOCOL_ERROR
                             ? (SsProtocolError) error->code
                             : SS_PROTOCOL_ERROR_UNAUTHORIZED;
  g_message ("session=%s classroom=%s peer=%s: hello as %s rejected (%s): %s",
             session->id, message->classroom,
             ss_session_get_peer_address (session),
             ss_role_to_string (message->role),
             ss_protocol_error_to_string (code), error->message);

  send_message (signaling, session,
                ss_message_build_error (message->id, code, error->message));
  if (signaling->close_func != NULL)
    signaling->close_func (session->connection, signaling->send_data);
}

static void
handle_hello (SsSignaling *signaling,
              SsSession *session,
              const SsMessage *message)
{
  if (session->greeted)
    {
      send_error (signaling, session, message->id,
                  SS_PROTOCOL_ERROR_BAD_MESSAGE,
                  "hello was already sent on this connection");
      return;
    }

  g_autoptr (GError) error = NULL;
  if (signaling->policy.authorize_hello != NULL
      && !signaling->policy.authorize_hello (signaling->policy_data, message,
                                             &error))
    {
      reject_hello (signaling, session, message, error);
      return;
    }

  session->greeted = TRUE;
  session->role = message->role;
  session->classroom = g_strdup (message->classroom);
  session->agent = g_strdup (message->agent);
  session->client = message->client;
  SESSION_LOG (G_LOG_LEVEL_MESSAGE, session, "hello as %s, agent %s",
               ss_role_to_string (session->role),
               message->agent != NULL ? message->agent : "unknown");

  json_t *result = ss_message_build (SS_MESSAGE_RESULT, message->id);
  json_object_set_new (result, "session", json_string (session->id));
  json_object_set_new (result, "server",
                       json_string (signaling->server_name));
  send_message (signaling, session, result);

  if (signaling->policy.greeted != NULL)
    signaling->policy.greeted (signaling->policy_data, session);
}

/* A lesson has one lead classroom. Its connections (the agent and the lead
 * teacher's page) join as lead, and every other classroom joins as remote.
 * A timetable lesson's policy requires the same, and an ad-hoc lesson
 * belongs to the classroom whose lead created it. */
static gboolean
check_lead_classroom (SsSignaling *signaling,
                      SsSession *session,
                      SsLesson *lesson,
                      gint64 request_id)
{
  if (lesson->lead_classroom == NULL)
    return TRUE;

  gboolean is_lead_classroom =
      g_strcmp0 (session->classroom, lesson->lead_classroom) == 0;
  if ((session->role == SS_ROLE_LEAD) == is_lead_classroom)
    return TRUE;

  g_autofree char *text =
      session->role == SS_ROLE_LEAD
          ? g_strdup_printf ("lesson %s is led by classroom %s; other "
                             "classrooms join it as remote",
                             lesson->id, lesson->lead_classroom)
          : g_strdup_printf ("classroom %s leads lesson %s; join it as lead",
                             lesson->lead_classroom, lesson->id);
  SESSION_LOG (G_LOG_LEVEL_MESSAGE, session, "join of %s as %s refused: %s",
               lesson->id, ss_role_to_string (session->role), text);
  send_error (signaling, session, request_id, SS_PROTOCOL_ERROR_FORBIDDEN,
              text);
  return FALSE;
}

static void
handle_lesson_join (SsSignaling *signaling,
                    SsSession *session,
                    const SsMessage *message)
{
  g_autoptr (GError) error = NULL;
  if (signaling->policy.authorize_join != NULL
      && !signaling->policy.authorize_join (signaling->policy_data, session,
                                            message->lesson, &error))
    {
      SsProtocolError code = error->domain == SS_PROTOCOL_ERROR
                                 ? (SsProtocolError) error->code
                                 : SS_PROTOCOL_ERROR_INTERNAL;
      send_error (signaling, session, message->id, code, error->message);
      return;
    }

  SsLesson *lesson = g_hash_table_lookup (signaling->lessons, message->lesson);
  if (lesson == NULL && session->role == SS_ROLE_REMOTE)
    {
      g_autofree char *text = g_strdup_printf ("no lesson with id %s",
                                               message->lesson);
      send_error (signaling, session, message->id,
                  SS_PROTOCOL_ERROR_UNKNOWN_LESSON, text);
      return;
    }

  if (lesson != NULL && !check_lead_classroom (signaling, session, lesson,
                                                message->id))
    return;

  if (session->lesson != NULL && session->lesson != lesson)
    leave_lesson (signaling, session, SS_OFFLINE_REASON_LEFT);

  if (lesson == NULL)
    lesson = create_lesson (signaling, message->lesson);
  if (session->role == SS_ROLE_LEAD && lesson->lead_classroom == NULL)
    lesson->lead_classroom = g_strdup (session->classroom);

  if (session->lesson != lesson)
    {
      g_ptr_array_add (lesson->members, session);
      session->lesson = lesson;
      SESSION_LOG (G_LOG_LEVEL_MESSAGE, session, "joined as %s",
                   ss_role_to_string (session->role));
      ss_signaling_interaction_joined (signaling, session);
    }

  json_t *result = ss_message_build (SS_MESSAGE_RESULT, message->id);
  json_object_set_new (result, "lesson", json_string (lesson->id));
  json_object_set_new (result, "live", json_boolean (lesson->live));
  send_message (signaling, session, result);
  ss_signaling_interaction_send_state (signaling, session);

  if (session->role == SS_ROLE_REMOTE && lesson->live)
    send_message (signaling, session,
                  ss_message_build_lesson_live (lesson->id));
}

static void
handle_lesson_leave (SsSignaling *signaling,
                     SsSession *session,
                     const SsMessage *message)
{
  leave_lesson (signaling, session, SS_OFFLINE_REASON_LEFT);
  send_message (signaling, session,
                ss_message_build (SS_MESSAGE_RESULT, message->id));
}

/* The lead ends its lesson for everyone. The reply comes after the
 * lesson.ended event that the lead gets as a member. */
static void
handle_lesson_end (SsSignaling *signaling,
                   SsSession *session,
                   const SsMessage *message)
{
  g_autofree char *lesson_id = g_strdup (session->lesson->id);
  g_autoptr (GError) error = NULL;

  SESSION_LOG (G_LOG_LEVEL_MESSAGE, session, "lead ends the lesson");
  if (signaling->policy.end_lesson != NULL)
    {
      if (!signaling->policy.end_lesson (signaling->policy_data, session,
                                         lesson_id, &error))
        {
          SsProtocolError code = error->domain == SS_PROTOCOL_ERROR
                                     ? (SsProtocolError) error->code
                                     : SS_PROTOCOL_ERROR_INTERNAL;
          send_error (signaling, session, message->id, code, error->message);
          return;
        }
    }
  else
    {
      ss_signaling_end_lesson (signaling, lesson_id, SS_ENDED_REASON_ENDED);
    }

  json_t *result = ss_message_build (SS_MESSAGE_RESULT, message->id);
  json_object_set_new (result, "lesson", json_string (lesson_id));
  send_message (signaling, session, result);
}

/* Sends the offer on to the relay; the reply waits in the outbox. */
static void
start_relay_request (SsSignaling *signaling,
                     SsSession *session,
                     const SsMessage *message)
{
  SsTransportKind kind = transport_of_request (message->type);
  SsTransport *transport = &session->transports[kind];
  transport->epoch++;
  transport->open = TRUE;

  SsOutboxEntry *reply = g_new0 (SsOutboxEntry, 1);
  g_queue_push_tail (&session->outbox, reply);

  SsRelayRequest *request = g_new0 (SsRelayRequest, 1);
  *request = (SsRelayRequest){
    .type = message->type,
    .request_id = message->id,
    .lesson_id = g_strdup (session->lesson->id),
    .transport = kind,
    .epoch = transport->epoch,
    .reply = reply,
  };
  g_queue_push_tail (&session->relay_requests, request);

  SESSION_LOG (G_LOG_LEVEL_INFO, session, "%s sent to the relay",
               ss_message_type_to_string (message->type));

  g_autofree char *peer_id = ss_session_transport_peer_id (session, kind);
  if (kind == SS_TRANSPORT_PUBLISH)
    {
      signaling->relay_ops.publish (signaling->relay, session->lesson->id,
                                    peer_id, session->classroom, message->sdp,
                                    on_relay_answer, signaling);
      return;
    }

  /* The slots are bound from the start, so media flows as soon as the
   * transport is up. The SDP answer sets how many slots there are. */
  clear_slots (transport);
  const char *sources[SS_RELAY_MAX_SLOTS] = { NULL };
  guint n_sources = ss_signaling_choose_sources (signaling, session, sources);
  for (guint i = 0; i < n_sources; i++)
    transport->slots[i] = g_strdup (sources[i]);
  signaling->relay_ops.subscribe (signaling->relay, session->lesson->id,
                                  peer_id, message->sdp, sources, n_sources,
                                  on_relay_answer, signaling);
}

/* A remote's return feed: one per classroom and lesson. */
static void
handle_return_publish (SsSignaling *signaling,
                       SsSession *session,
                       const SsMessage *message)
{
  SsLesson *lesson = session->lesson;
  for (guint i = 0; i < lesson->return_publishers->len; i++)
    {
      SsSession *other = g_ptr_array_index (lesson->return_publishers, i);
      if (g_strcmp0 (other->classroom, session->classroom) != 0)
        continue;

      send_error (signaling, session, message->id,
                  SS_PROTOCOL_ERROR_LESSON_BUSY,
                  other == session
                      ? "this connection already sends the classroom's "
                        "return feed"
                      : "another connection of this classroom already sends "
                        "its return feed");
      return;
    }

  /* A new return publish replaces the transport, so the old one is
   * forgotten before the new one counts. */
  close_transport (signaling, session, SS_TRANSPORT_PUBLISH);
  g_ptr_array_add (lesson->return_publishers, session);
  start_relay_request (signaling, session, message);
}

static void
handle_publish (SsSignaling *signaling,
                SsSession *session,
                const SsMessage *message)
{
  SsLesson *lesson = session->lesson;
  if (session->role == SS_ROLE_REMOTE)
    {
      handle_return_publish (signaling, session, message);
      return;
    }

  if (lesson->publisher != NULL)
    {
      send_error (signaling, session, message->id,
                  SS_PROTOCOL_ERROR_LESSON_BUSY,
                  lesson->publisher == session
                      ? "this connection already publishes to the lesson; "
                        "leave and join again to restart"
                      : "another lead already publishes to the lesson");
      return;
    }

  lesson->publisher = session;
  start_relay_request (signaling, session, message);
}

static void
handle_subscribe (SsSignaling *signaling,
                  SsSession *session,
                  const SsMessage *message)
{
  /* The lead's subscription carries the remotes' return feeds, which need
   * no lead stream. */
  if (session->role == SS_ROLE_REMOTE && !session->lesson->live)
    {
      send_error (signaling, session, message->id, SS_PROTOCOL_ERROR_NOT_LIVE,
                  "no lead publishes to the lesson yet; wait for lesson.live");
      return;
    }

  start_relay_request (signaling, session, message);
}

/* The relay is ICE-lite (RFC 8445 section 2.5) and learns the client's
 * address from its connectivity checks, so a valid candidate needs no
 * further work. */
static void
handle_candidate (SsSignaling *signaling,
                  SsSession *session,
                  const SsMessage *message)
{
  if (!session->transports[SS_TRANSPORT_PUBLISH].open
      && !session->transports[SS_TRANSPORT_SUBSCRIBE].open)
    {
      send_error (signaling, session, 0, SS_PROTOCOL_ERROR_NOT_READY,
                  "candidate sent before publish or subscribe");
      return;
    }

  SESSION_LOG (G_LOG_LEVEL_DEBUG, session, "candidate for m-line %"
               G_GINT64_FORMAT ": %s", message->mline,
               message->candidate[0] != '\0' ? message->candidate
                                             : "end of candidates");
}

/* ---- Dispatch ---------------------------------------------------------- */

/* Checks the steps a request needs: hello first, the role, then a lesson. */
static gboolean
check_request_allowed (SsSignaling *signaling,
                       SsSession *session,
                       const SsMessage *message)
{
  gint64 id = message->id;
  if (message->type == SS_MESSAGE_HELLO)
    return TRUE;

  if (!session->greeted)
    {
      send_error (signaling, session, id, SS_PROTOCOL_ERROR_NOT_READY,
                  "send hello first");
      return FALSE;
    }

  gboolean lead_only = message->type == SS_MESSAGE_LESSON_END;
  if (lead_only && session->role != SS_ROLE_LEAD)
    {
      g_autofree char *text = g_strdup_printf (
          "a %s classroom may not %s", ss_role_to_string (session->role),
          ss_message_type_to_string (message->type));
      send_error (signaling, session, id, SS_PROTOCOL_ERROR_FORBIDDEN, text);
      return FALSE;
    }

  if (message->type != SS_MESSAGE_LESSON_JOIN && session->lesson == NULL)
    {
      send_error (signaling, session, id, SS_PROTOCOL_ERROR_NOT_READY,
                  "send lesson.join first");
      return FALSE;
    }
  return TRUE;
}

void
ss_signaling_handle_message (SsSignaling *signaling,
                             SsSession *session,
                             const SsMessage *message)
{
  g_return_if_fail (signaling != NULL);
  g_return_if_fail (session != NULL);
  g_return_if_fail (message != NULL);

  if (!check_request_allowed (signaling, session, message))
    return;

  switch (message->type)
    {
    case SS_MESSAGE_HELLO:
      handle_hello (signaling, session, message);
      break;
    case SS_MESSAGE_LESSON_JOIN:
      handle_lesson_join (signaling, session, message);
      break;
    case SS_MESSAGE_LESSON_LEAVE:
      handle_lesson_leave (signaling, session, message);
      break;
    case SS_MESSAGE_PUBLISH:
      handle_publish (signaling, session, message);
      break;
    case SS_MESSAGE_SUBSCRIBE:
      handle_subscribe (signaling, session, message);
      break;
    case SS_MESSAGE_CANDIDATE:
      handle_candidate (signaling, session, message);
      break;
    case SS_MESSAGE_LESSON_END:
      handle_lesson_end (signaling, session, message);
      break;
    default:
      if (ss_signaling_handle_interaction (signaling, session, message))
        break;
      send_error (signaling, session, message->id,
                  SS_PROTOCOL_ERROR_UNKNOWN_TYPE,
                  "the server accepts only client requests");
      break;
    }
}

void
ss_signaling_receive (SsSignaling *signaling,
                      SsSession *session,
                      const char *data,
                      gsize length)
{
  g_autoptr (GError) error = NULL;
  gint64 request_id = 0;

  g_autoptr (SsMessage) message = ss_message_parse (
      data, length, SS_MESSAGE_SENDER_CLIENT, &request_id, &error);
  if (message == NULL)
    {
      send_error (signaling, session, request_id,
                  (SsProtocolError) error->code, error->message);
      return;
    }

  ss_signaling_handle_message (signaling, session, message);
}

/* ---- Sessions and relay events ----------------------------------------- */

static void
forget_oldest_departure (SsSignaling *signaling)
{
  GHashTableIter iter;
  gpointer key, value;
  const char *oldest_key = NULL;
  gint64 oldest_us = G_MAXINT64;

  g_hash_table_iter_init (&iter, signaling->departures);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((SsDeparture *) value)->closed_us < oldest_us)
      {
        oldest_key = key;
        oldest_us = ((SsDeparture *) value)->closed_us;
      }

  if (oldest_key != NULL)
    g_hash_table_remove (signaling->departures, oldest_key);
}

static void
record_departure (SsSignaling *signaling,
                  SsSession *session,
                  const char *lesson_id,
                  gint64 now_us)
{
  if (!session->greeted || session->classroom == NULL)
    return;

  if (!g_hash_table_contains (signaling->departures, session->classroom)
      && g_hash_table_size (signaling->departures) >= MAX_DEPARTURES)
    forget_oldest_departure (signaling);

  SsDeparture *departure = g_new0 (SsDeparture, 1);
  *departure = (SsDeparture){
    .role = session->role,
    .agent = g_strdup (session->agent),
    .lesson = strcmp (lesson_id, "-") != 0 ? g_strdup (lesson_id) : NULL,
    .closed_us = now_us,
  };
  g_hash_table_replace (signaling->departures, g_strdup (session->classroom),
                        departure);
}

SsSession *
ss_signaling_open_session (SsSignaling *signaling,
                           gpointer connection,
                           gint64 now_us)
{
  g_return_val_if_fail (signaling != NULL, NULL);

  SsSession *session = g_new0 (SsSession, 1);
  session->id = g_strdup_printf ("s%" G_GUINT64_FORMAT,
                                 signaling->next_session_number++);
  session->connection = connection;
  session->opened_us = now_us;
  g_queue_init (&session->relay_requests);
  g_queue_init (&session->outbox);
  g_hash_table_insert (signaling->sessions, session->id, session);

  SESSION_LOG (G_LOG_LEVEL_MESSAGE, session, "opened");
  return session;
}

void
ss_signaling_close_session (SsSignaling *signaling,
                            SsSession *session,
                            gint64 now_us)
{
  g_return_if_fail (signaling != NULL);
  g_return_if_fail (session != NULL);

  char lesson_id[SS_IDENTIFIER_MAX_LENGTH + 1] = "-";
  if (session->lesson != NULL)
    g_strlcpy (lesson_id, session->lesson->id, sizeof lesson_id);

  leave_lesson (signaling, session, SS_OFFLINE_REASON_DISCONNECTED);
  record_departure (signaling, session, lesson_id, now_us);

  g_message ("session=%s classroom=%s lesson=%s: closed after %.3f s, %u "
             "relay answers pending", session->id,
             session->classroom != NULL ? session->classroom : "-", lesson_id,
             (now_us - session->opened_us) / 1e6,
             g_queue_get_length (&session->relay_requests));

  g_hash_table_remove (signaling->sessions, session->id);
}

void
ss_signaling_handle_peer_event (SsSignaling *signaling,
                                const char *lesson_id,
                                const char *peer_id,
                                SsRelayPeerEvent event,
                                const char *reason)
{
  g_return_if_fail (signaling != NULL);

  SsTransportKind kind = SS_TRANSPORT_PUBLISH;
  SsSession *session = lookup_peer_session (signaling, peer_id, &kind);
  if (session == NULL || session->lesson == NULL
      || g_strcmp0 (session->lesson->id, lesson_id) != 0
      || !session->transports[kind].open)
    {
      g_debug ("session=%s lesson=%s: relay event for a peer that has no "
               "transport here, ignored", peer_id, lesson_id);
      return;
    }

  if (event == SS_RELAY_PEER_CONNECTED)
    {
      SESSION_LOG (G_LOG_LEVEL_MESSAGE, session, "%s transport connected",
                   kind == SS_TRANSPORT_PUBLISH ? "publish" : "subscribe");
      return;
    }

  const char *closed_reason = reason != NULL ? reason : "closed";
  const char *transport_name =
      kind == SS_TRANSPORT_PUBLISH ? "publish" : "subscribe";
  SESSION_LOG (G_LOG_LEVEL_MESSAGE, session, "%s transport closed: %s",
               transport_name, closed_reason);

  SsTransport *transport = &session->transports[kind];
  transport->open = FALSE;
  transport->epoch++;
  clear_slots (transport);

  send_message (signaling, session,
                ss_message_build_transport_closed (closed_reason,
                                                   transport_name));

  if (kind != SS_TRANSPORT_PUBLISH)
    return;
  if (session->lesson->publisher == session)
    end_live (signaling, session->lesson, SS_OFFLINE_REASON_FAILED);
  else
    forget_return_feed (signaling, session);
}

/* ---- Calls from the lesson policy --------------------------------------- */

void
ss_signaling_send (SsSignaling *signaling,
                   SsSession *session,
                   const json_t *message)
{
  g_return_if_fail (signaling != NULL);
  g_return_if_fail (session != NULL);
  g_return_if_fail (message != NULL);

  send_message (signaling, session, json_deep_copy (message));
}

guint
ss_signaling_send_to_classroom (SsSignaling *signaling,
                                const char *classroom,
                                const json_t *message)
{
  g_return_val_if_fail (signaling != NULL, 0);
  g_return_val_if_fail (classroom != NULL, 0);
  g_return_val_if_fail (message != NULL, 0);

  guint n_sent = 0;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, signaling->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SsSession *session = value;
      if (!session->greeted || g_strcmp0 (session->classroom, classroom) != 0)
        continue;

      send_message (signaling, session, json_deep_copy (message));
      n_sent++;
    }
  return n_sent;
}

void
ss_signaling_keep_lesson (SsSignaling *signaling, const char *lesson_id)
{
  g_return_if_fail (signaling != NULL);
  g_return_if_fail (lesson_id != NULL);

  SsLesson *lesson = g_hash_table_lookup (signaling->lessons, lesson_id);
  if (lesson == NULL)
    lesson = create_lesson (signaling, lesson_id);
  lesson->kept = TRUE;
}

guint
ss_signaling_end_lesson (SsSignaling *signaling,
                         const char *lesson_id,
                         SsEndedReason reason)
{
  g_return_val_if_fail (signaling != NULL, 0);
  g_return_val_if_fail (lesson_id != NULL, 0);

  SsLesson *lesson = g_hash_table_lookup (signaling->lessons, lesson_id);
  if (lesson == NULL)
    return 0;

  guint n_members = lesson->members->len;
  g_message ("lesson=%s: ended (%s), %u members leave", lesson->id,
             ss_ended_reason_to_string (reason), n_members);

  /* Everyone hears lesson.ended and nobody lesson.offline: the lead goes
   * with the rest rather than before them. */
  json_t *ended = ss_message_build_lesson_ended (lesson->id, reason);
  for (guint i = 0; i < lesson->members->len; i++)
    send_message (signaling, g_ptr_array_index (lesson->members, i),
                  json_deep_copy (ended));
  json_decref (ended);
  lesson->live = FALSE;
  lesson->publisher = NULL;
  ss_signaling_interaction_end (signaling, lesson);

  /* The last member's departure frees the lesson unless it is kept. */
  lesson->kept = FALSE;
  if (n_members == 0)
    {
      signaling->relay_ops.close_lesson (signaling->relay, lesson->id);
      g_hash_table_remove (signaling->lessons, lesson->id);
      return 0;
    }

  /* The last departure frees the lesson, so it is taken out of the loop. */
  while (lesson->members->len > 1)
    leave_lesson (signaling, g_ptr_array_index (lesson->members, 0),
                  SS_OFFLINE_REASON_LEFT);
  leave_lesson (signaling, g_ptr_array_index (lesson->members, 0),
                SS_OFFLINE_REASON_LEFT);
  return n_members;
}
