/* Signaling messages of protocol version 1 (protocol/README.md): parsing and
 * validation of received frames, and builders for the messages a server or a
 * client sends.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

#define SS_PROTOCOL_VERSION 1
#define SS_PROTOCOL_SUBPROTOCOL "shuangshi.v1"

/* Maximum size of one message (one assembled WebSocket text message). */
#define SS_MESSAGE_MAX_SIZE 65536

/* Request ids are 1 to 2^53-1, the integers that a JSON number (an IEEE
 * double in most parsers) represents exactly. */
#define SS_MESSAGE_ID_MAX G_GINT64_CONSTANT (9007199254740991)

/* Classroom and lesson ids: 1 to 64 characters of A-Z a-z 0-9 . _ - */
#define SS_IDENTIFIER_MAX_LENGTH 64

#define SS_PROTOCOL_ERROR (ss_protocol_error_quark ())
GQuark ss_protocol_error_quark (void);

/* The error codes of the wire protocol, in the order of the README's table.
 * ss_protocol_error_to_string() returns the code as sent on the wire. */
typedef enum {
  SS_PROTOCOL_ERROR_BAD_JSON,
  SS_PROTOCOL_ERROR_BAD_MESSAGE,
  SS_PROTOCOL_ERROR_UNSUPPORTED_VERSION,
  SS_PROTOCOL_ERROR_UNKNOWN_TYPE,
  SS_PROTOCOL_ERROR_TOO_LARGE,
  SS_PROTOCOL_ERROR_NOT_READY,
  SS_PROTOCOL_ERROR_FORBIDDEN,
  SS_PROTOCOL_ERROR_UNKNOWN_LESSON,
  SS_PROTOCOL_ERROR_LESSON_BUSY,
  SS_PROTOCOL_ERROR_NOT_LIVE,
  SS_PROTOCOL_ERROR_BAD_SDP,
  SS_PROTOCOL_ERROR_INTERNAL,
  SS_PROTOCOL_ERROR_RATE_LIMITED,
  SS_PROTOCOL_ERROR_UNAUTHORIZED,
} SsProtocolError;

#define SS_PROTOCOL_ERROR_COUNT (SS_PROTOCOL_ERROR_UNAUTHORIZED + 1)

const char *ss_protocol_error_to_string (SsProtocolError code);
gboolean ss_protocol_error_from_string (const char *wire_code,
                                        SsProtocolError *code);

typedef enum {
  /* Client to server. */
  SS_MESSAGE_HELLO,
  SS_MESSAGE_LESSON_JOIN,
  SS_MESSAGE_LESSON_LEAVE,
  SS_MESSAGE_PUBLISH,
  SS_MESSAGE_SUBSCRIBE,
  SS_MESSAGE_CANDIDATE,
  SS_MESSAGE_LESSON_END,
  SS_MESSAGE_CHAT_SEND,
  SS_MESSAGE_HAND_RAISE,
  SS_MESSAGE_HAND_LOWER,
  SS_MESSAGE_FLOOR_GRANT,
  SS_MESSAGE_FLOOR_REVOKE,
  SS_MESSAGE_PHASE_SET,
  SS_MESSAGE_ATTENDANCE_CONFIRM,
  /* Server to client. */
  SS_MESSAGE_RESULT,
  SS_MESSAGE_ERROR,
  SS_MESSAGE_LESSON_LIVE,
  SS_MESSAGE_LESSON_OFFLINE,
  SS_MESSAGE_TRANSPORT_CLOSED,
  SS_MESSAGE_LESSON_STARTING,
  SS_MESSAGE_LESSON_ENDED,
  SS_MESSAGE_SCHEDULE,
  SS_MESSAGE_FEEDS,
  SS_MESSAGE_CHAT,
  SS_MESSAGE_HANDS,
  SS_MESSAGE_FLOOR,
  SS_MESSAGE_PHASE,
  SS_MESSAGE_ROSTER,
  SS_MESSAGE_LESSON_STATE,
} SsMessageType;

#define SS_MESSAGE_TYPE_COUNT (SS_MESSAGE_LESSON_STATE + 1)

const char *ss_message_type_to_string (SsMessageType type);

/* Which side sends a message type; a parser accepts the types of one side. */
typedef enum {
  SS_MESSAGE_SENDER_CLIENT,
  SS_MESSAGE_SENDER_SERVER,
} SsMessageSender;

typedef enum {
  SS_ROLE_LEAD,
  SS_ROLE_REMOTE,
} SsRole;

const char *ss_role_to_string (SsRole role);

/* Reasons of the lesson.offline event. */
typedef enum {
  SS_OFFLINE_REASON_LEFT,
  SS_OFFLINE_REASON_DISCONNECTED,
  SS_OFFLINE_REASON_FAILED,
} SsOfflineReason;

const char *ss_offline_reason_to_string (SsOfflineReason reason);

/* Reasons of the lesson.ended event. */
typedef enum {
  SS_ENDED_REASON_ENDED,  /* the lead sent lesson.end */
  SS_ENDED_REASON_TIME,   /* the end time plus the grace period passed */
} SsEndedReason;

const char *ss_ended_reason_to_string (SsEndedReason reason);

/* hello's "client": what kind of program speaks for the classroom. */
typedef enum {
  SS_CLIENT_AGENT,  /* the classroom PC, the default */
  SS_CLIENT_PAGE,   /* a teacher's web page */
} SsClientKind;

const char *ss_client_kind_to_string (SsClientKind kind);

/* Phases of a lesson, set by the lead with phase.set. */
typedef enum {
  SS_CLASS_PHASE_TEACHING,    /* 讲授: the lead teaches new material */
  SS_CLASS_PHASE_PRACTICE,    /* 练习: each class works through exercises */
  SS_CLASS_PHASE_DISCUSSION,  /* 互动: classes are called on to answer */
} SsClassPhase;

const char *ss_class_phase_to_string (SsClassPhase phase);

/* A chat message is 1 to this many Unicode characters once the white space
 * around it is trimmed. */
#define SS_CHAT_TEXT_MAX_LENGTH 500

/* lesson.state carries at most this many chat messages. */
#define SS_LESSON_STATE_MAX_CHAT 200

/* A subscription has at most this many slots, so feeds lists at most this
 * many. */
#define SS_FEEDS_MAX_SLOTS 8

/* attendance.confirm's "students" is 0 to this. */
#define SS_ATTENDANCE_MAX_STUDENTS 1000

/* Returns a copy of @text without the Unicode white space at either end,
 * the form in which the server keeps and relays a chat message. */
char *ss_message_trim_text (const char *text);

/* A timetable lesson as lesson.starting and schedule carry it. The times
 * are ISO 8601 with an offset, e.g. 2025-03-03T14:00:00+08:00. */
typedef struct {
  const char *lesson;
  const char *title;
  const char *subject;
  const char *start;
  const char *end;
} SsLessonInfo;

/* A validated message. The string members point into the parsed JSON and
 * live as long as the message. Members that the type does not carry are
 * NULL or 0. */
typedef struct {
  SsMessageType type;
  /* Request id, or 0 when the message has none. */
  gint64 id;

  /* hello; role also in chat, classroom also in hand.raise, hand.lower,
   * floor.grant and attendance.confirm (NULL when absent) */
  SsRole role;
  const char *classroom;
  const char *agent;
  const char *token;
  SsClientKind client;

  /* lesson.join, lesson.live, lesson.offline, lesson.starting,
   * lesson.ended, and schedule when its "next" is not null */
  const char *lesson;

  /* lesson.starting, and schedule when its "next" is not null */
  const char *title;
  const char *subject;
  const char *start;
  const char *end;

  /* publish, subscribe */
  const char *sdp;

  /* candidate: the attribute value, "" for end of candidates */
  const char *candidate;
  gint64 mline;

  /* error */
  SsProtocolError code;
  const char *message;

  /* lesson.offline, transport.closed, lesson.ended */
  const char *reason;

  /* transport.closed: "publish" or "subscribe" */
  const char *transport;

  /* chat.send and chat: the text as sent, untrimmed in chat.send; "to" is
   * NULL for a message to the whole lesson */
  const char *text;
  const char *to;

  /* chat */
  gint64 seq;
  const char *at;
  const char *from;

  /* phase.set, phase, lesson.state */
  SsClassPhase phase;
  /* phase, lesson.state: when the phase began */
  const char *since;

  /* floor, and lesson.state's "floor" object: the holder (NULL for nobody)
   * and since when (NULL for nobody) */
  const char *floor;
  const char *floor_since;

  /* attendance.confirm: -1 when absent */
  gint64 students;

  /* Arrays whose elements are already checked, borrowed from json. hands
   * is hands' "queue" or lesson.state's "hands", roster is roster's
   * "classrooms" or lesson.state's "roster", chat is lesson.state's "chat"
   * and slots is feeds' "slots". */
  json_t *hands;
  json_t *roster;
  json_t *chat;
  json_t *slots;

  /* The whole object, so a client can read the members of a result. */
  json_t *json;
} SsMessage;

/* Parses one message sent by @sender. On failure, returns NULL, sets @error
 * in SS_PROTOCOL_ERROR with the code the reply must carry, and stores in
 * @request_id the id to put in that error reply (0 when the frame had no
 * usable id). @request_id may be NULL. */
SsMessage *ss_message_parse (const char *data,
                             gsize length,
                             SsMessageSender sender,
                             gint64 *request_id,
                             GError **error);

void ss_message_free (SsMessage *message);

/* Whether the message type expects a reply (and so carries an id). */
gboolean ss_message_type_is_request (SsMessageType type);

/* Checks a classroom or lesson id against the README's character set. */
gboolean ss_identifier_is_valid (const char *value);

/* Builders. Each returns a new JSON object with the envelope members set; the
 * caller may add payload members and owns the reference. */
json_t *ss_message_build (SsMessageType type, gint64 id);
json_t *ss_message_build_error (gint64 id,
                                SsProtocolError code,
                                const char *text);
json_t *ss_message_build_lesson_live (const char *lesson_id);
json_t *ss_message_build_lesson_offline (const char *lesson_id,
                                         SsOfflineReason reason);
/* @transport is "publish" or "subscribe": the request that opened it. */
json_t *ss_message_build_transport_closed (const char *reason,
                                           const char *transport);
json_t *ss_message_build_lesson_starting (const SsLessonInfo *info);
json_t *ss_message_build_lesson_ended (const char *lesson_id,
                                       SsEndedReason reason);
/* @next is NULL when no lesson is scheduled. */
json_t *ss_message_build_schedule (const SsLessonInfo *next);

/* The "slots" array of feeds and of a subscribe result: one classroom id
 * per slot, null for an idle slot. */
json_t *ss_message_slots_to_json (const char *const *slots, guint n_slots);
/* feeds: one entry per slot, NULL for an idle slot. */
json_t *ss_message_build_feeds (const char *const *slots, guint n_slots);

/* A chat message as the chat event and lesson.state carry it. */
typedef struct {
  gint64 seq;
  const char *at;
  const char *from;
  SsRole role;
  SsClientKind client;
  const char *text;
  /* The other classroom of a private message, or NULL. */
  const char *to;
} SsChatInfo;

/* One raised hand; @at is when it was raised. */
typedef struct {
  const char *classroom;
  const char *at;
} SsHandInfo;

/* One classroom of the roster; @students is -1 when unknown. */
typedef struct {
  const char *classroom;
  SsRole role;
  gboolean present;
  gboolean confirmed;
  gint64 students;
  gboolean hand;
  gboolean floor;
} SsRosterInfo;

/* Everything lesson.state carries. @floor and @floor_since are NULL while
 * nobody holds the floor. */
typedef struct {
  const char *lesson;
  SsClassPhase phase;
  const char *since;
  const char *floor;
  const char *floor_since;
  const SsHandInfo *hands;
  guint n_hands;
  const SsRosterInfo *roster;
  guint n_roster;
  const SsChatInfo *chat;
  guint n_chat;
} SsLessonStateInfo;

/* The payload objects, without the envelope, for a server that assembles
 * lesson.state or stores them. */
json_t *ss_message_chat_to_json (const SsChatInfo *chat);
json_t *ss_message_hands_to_json (const SsHandInfo *hands, guint n_hands);
json_t *ss_message_roster_to_json (const SsRosterInfo *roster,
                                   guint n_roster);

json_t *ss_message_build_chat (const SsChatInfo *chat);
json_t *ss_message_build_hands (const SsHandInfo *hands, guint n_hands);
/* @classroom and @since are NULL while nobody holds the floor. */
json_t *ss_message_build_floor (const char *classroom, const char *since);
json_t *ss_message_build_phase (SsClassPhase phase, const char *since);
json_t *ss_message_build_roster (const SsRosterInfo *roster, guint n_roster);
json_t *ss_message_build_lesson_state (const SsLessonStateInfo *state);

/* Serialises a message compactly, as it goes on the wire; free the string
 * with g_free(). Returns NULL only when @message cannot be serialised. */
char *ss_message_to_string (const json_t *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsMessage, ss_message_free)

/* jansson has no cleanup function of its own for g_autoptr. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

G_END_DECLS
