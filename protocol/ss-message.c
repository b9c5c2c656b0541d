/* Parsing and validation of signaling messages, protocol version 1.
 *
 * A frame is checked in the order the README's error codes imply: size, JSON
 * syntax (RFC 8259), the envelope (v, type, id) and then the payload members
 * of its type. Each type's members are described by a table of field
 * specifications, so adding a member is a table row rather than code. The
 * parser never trusts the input. Every failure is a GError that carries the
 * wire error code, and the id for the error reply when the frame had a
 * usable one.
 */
#include "ss-message.h"

#include <stddef.h>
#include <string.h>

G_DEFINE_QUARK (ss-protocol-error-quark, ss_protocol_error)

static const char *const error_codes[SS_PROTOCOL_ERROR_COUNT] = {
  [SS_PROTOCOL_ERROR_BAD_JSON] = "bad_json",
  [SS_PROTOCOL_ERROR_BAD_MESSAGE] = "bad_message",
  [SS_PROTOCOL_ERROR_UNSUPPORTED_VERSION] = "unsupported_version",
  [SS_PROTOCOL_ERROR_UNKNOWN_TYPE] = "unknown_type",
  [SS_PROTOCOL_ERROR_TOO_LARGE] = "too_large",
  [SS_PROTOCOL_ERROR_NOT_READY] = "not_ready",
  [SS_PROTOCOL_ERROR_FORBIDDEN] = "forbidden",
  [SS_PROTOCOL_ERROR_UNKNOWN_LESSON] = "unknown_lesson",
  [SS_PROTOCOL_ERROR_LESSON_BUSY] = "lesson_busy",
  [SS_PROTOCOL_ERROR_NOT_LIVE] = "not_live",
  [SS_PROTOCOL_ERROR_BAD_SDP] = "bad_sdp",
  [SS_PROTOCOL_ERROR_INTERNAL] = "internal",
  [SS_PROTOCOL_ERROR_RATE_LIMITED] = "rate_limited",
  [SS_PROTOCOL_ERROR_UNAUTHORIZED] = "unauthorized",
};

static const char *const role_names[] = {
  [SS_ROLE_LEAD] = "lead",
  [SS_ROLE_REMOTE] = "remote",
};

static const char *const offline_reasons[] = {
  [SS_OFFLINE_REASON_LEFT] = "left",
  [SS_OFFLINE_REASON_DISCONNECTED] = "disconnected",
  [SS_OFFLINE_REASON_FAILED] = "failed",
};

static const char *const ended_reasons[] = {
  [SS_ENDED_REASON_ENDED] = "ended",
  [SS_ENDED_REASON_TIME] = "time",
};

static const char *const client_kinds[] = {
  [SS_CLIENT_AGENT] = "agent",
  [SS_CLIENT_PAGE] = "page",
};

static const char *const phase_names[] = {
  [SS_CLASS_PHASE_TEACHING] = "teaching",
  [SS_CLASS_PHASE_PRACTICE] = "practice",
  [SS_CLASS_PHASE_DISCUSSION] = "discussion",
};

/* ---- Field specifications ---------------------------------------------- */

typedef enum {
  SS_FIELD_STRING,   /* stored as const char * */
  SS_FIELD_INTEGER,  /* stored as gint64 */
  SS_FIELD_CHOICE,   /* a string from a fixed list, stored as its index */
  SS_FIELD_OBJECT,   /* an object; its members go to SsMessage */
  SS_FIELD_BOOLEAN,  /* stored as gboolean */
  SS_FIELD_ARRAY,    /* each element checked, the array stored as json_t * */
} SsFieldKind;

typedef gboolean (*SsStringCheck) (const char *value);

typedef struct _SsFieldSpec SsFieldSpec;

struct _SsFieldSpec {
  const char *name;
  SsFieldKind kind;
  gboolean required;
  /* null is accepted and stores nothing (a string stays NULL, an integer
   * gets default_value). */
  gboolean nullable;
  /* The value is checked but not stored: the members of array elements,
   * which the reader takes from SsMessage.json. */
  gboolean check_only;

  /* SS_FIELD_STRING: length bounds in Unicode characters; a max_length of
   * 0 leaves only the message size limit. */
  gsize min_length;
  gsize max_length;
  /* SS_FIELD_STRING: the length is counted after trimming white space. */
  gboolean trim;
  /* SS_FIELD_STRING: an extra syntax check, or NULL. */
  SsStringCheck check;
  const char *check_description;

  /* SS_FIELD_CHOICE: the accepted wire strings. */
  const char *const *choices;
  guint n_choices;

  /* SS_FIELD_INTEGER: inclusive range, and the value stored when the
   * member is absent or null. */
  gint64 min_value;
  gint64 max_value;
  gint64 default_value;

  /* SS_FIELD_OBJECT: the object's members. A null value leaves them all
   * NULL, so no nested member may share an SsMessage member with a
   * top-level one of the same type. */
  const SsFieldSpec *members;
  guint n_members;

  /* SS_FIELD_ARRAY: the specification every element meets, and the most
   * elements (0: only the message size limit). */
  const SsFieldSpec *element;
  guint max_elements;

  /* Offset of the value's member in SsMessage. */
  gsize offset;
};

typedef enum {
  SS_ID_NONE,      /* notifications and events: any id member is ignored */
  SS_ID_REQUIRED,  /* requests and results */
  SS_ID_OPTIONAL,  /* errors about a frame without a usable id */
} SsIdRule;

typedef struct {
  const char *name;
  SsMessageSender sender;
  SsIdRule id_rule;
  const SsFieldSpec *fields;
  guint n_fields;
} SsMessageSpec;

static gboolean check_candidate (const char *value);
static gboolean check_timestamp (const char *value);
static gboolean check_chat_text (const char *value);
static gboolean check_transport (const char *value);

#define IDENTIFIER_FIELD(member_name, member)                                 \
  {                                                                           \
    .name = member_name, .kind = SS_FIELD_STRING, .required = TRUE,           \
    .min_length = 1, .max_length = SS_IDENTIFIER_MAX_LENGTH,                  \
    .check = ss_identifier_is_valid,                                          \
    .check_description = "only the characters A-Z a-z 0-9 . _ -",            \
    .offset = offsetof (SsMessage, member),                                   \
  }

#define OPTIONAL_IDENTIFIER_FIELD(member_name, member)                        \
  {                                                                           \
    .name = member_name, .kind = SS_FIELD_STRING, .min_length = 1,            \
    .max_length = SS_IDENTIFIER_MAX_LENGTH, .check = ss_identifier_is_valid,  \
    .check_description = "only the characters A-Z a-z 0-9 . _ -",            \
    .offset = offsetof (SsMessage, member),                                   \
  }

#define SDP_FIELD                                                             \
  {                                                                           \
    .name = "sdp", .kind = SS_FIELD_STRING, .required = TRUE,                 \
    .min_length = 1, .offset = offsetof (SsMessage, sdp),                     \
  }

/* Reasons are open-ended on the client's side: a newer server may add one. */
#define REASON_FIELD                                                          \
  {                                                                           \
    .name = "reason", .kind = SS_FIELD_STRING, .required = TRUE,              \
    .min_length = 1, .max_length = 64,                                        \
    .offset = offsetof (SsMessage, reason),                                   \
  }

static const SsFieldSpec hello_fields[] = {
  {
    .name = "role", .kind = SS_FIELD_CHOICE, .required = TRUE,
    .choices = role_names, .n_choices = G_N_ELEMENTS (role_names),
    .offset = offsetof (SsMessage, role),
  },
  IDENTIFIER_FIELD ("classroom", classroom),
  {
    .name = "agent", .kind = SS_FIELD_STRING, .max_length = 128,
    .offset = offsetof (SsMessage, agent),
  },
  {
    .name = "token", .kind = SS_FIELD_STRING,
    .offset = offsetof (SsMessage, token),
  },
  {
    .name = "client", .kind = SS_FIELD_CHOICE,
    .choices = client_kinds, .n_choices = G_N_ELEMENTS (client_kinds),
    .offset = offsetof (SsMessage, client),
  },
};

static const SsFieldSpec lesson_fields[] = {
  IDENTIFIER_FIELD ("lesson", lesson),
};

#define TEXT_FIELD(member_name, member, maximum)                              \
  {                                                                           \
    .name = member_name, .kind = SS_FIELD_STRING, .required = TRUE,           \
    .min_length = 1, .max_length = maximum,                                   \
    .offset = offsetof (SsMessage, member),                                   \
  }

#define TIME_FIELD(member_name, member)                                       \
  {                                                                           \
    .name = member_name, .kind = SS_FIELD_STRING, .required = TRUE,           \
    .min_length = 1, .max_length = 64, .check = check_timestamp,              \
    .check_description = "an ISO 8601 date and time with an offset",         \
    .offset = offsetof (SsMessage, member),                                   \
  }

/* 200 characters is what the timetable accepts for a title or subject. */
static const SsFieldSpec lesson_info_fields[] = {
  IDENTIFIER_FIELD ("lesson", lesson),
  TEXT_FIELD ("title", title, 200),
  TEXT_FIELD ("subject", subject, 200),
  TIME_FIELD ("start", start),
  TIME_FIELD ("end", end),
};

static const SsFieldSpec lesson_ended_fields[] = {
  IDENTIFIER_FIELD ("lesson", lesson),
  REASON_FIELD,
};

static const SsFieldSpec schedule_fields[] = {
  {
    .name = "next", .kind = SS_FIELD_OBJECT, .required = TRUE,
    .nullable = TRUE, .members = lesson_info_fields,
    .n_members = G_N_ELEMENTS (lesson_info_fields),
  },
};

static const SsFieldSpec sdp_fields[] = {
  SDP_FIELD,
};

static const SsFieldSpec candidate_fields[] = {
  {
    .name = "candidate", .kind = SS_FIELD_STRING, .required = TRUE,
    .check = check_candidate,
    .check_description = "\"\" or a \"candidate:\" attribute value without "
                         "control characters",
    .offset = offsetof (SsMessage, candidate),
  },
  {
    .name = "mline", .kind = SS_FIELD_INTEGER, .required = TRUE,
    .min_value = 0, .max_value = 65535,
    .offset = offsetof (SsMessage, mline),
  },
};

static const SsFieldSpec error_fields[] = {
  {
    .name = "code", .kind = SS_FIELD_CHOICE, .required = TRUE,
    .choices = error_codes, .n_choices = G_N_ELEMENTS (error_codes),
    .offset = offsetof (SsMessage, code),
  },
  {
    .name = "message", .kind = SS_FIELD_STRING,
    .offset = offsetof (SsMessage, message),
  },
};

static const SsFieldSpec lesson_offline_fields[] = {
  IDENTIFIER_FIELD ("lesson", lesson),
  REASON_FIELD,
};

static const SsFieldSpec transport_closed_fields[] = {
  REASON_FIELD,
  {
    .name = "transport", .kind = SS_FIELD_STRING, .required = TRUE,
    .check = check_transport,
    .check_description = "\"publish\" or \"subscribe\"",
    .offset = offsetof (SsMessage, transport),
  },
};

/* ---- Interaction ------------------------------------------------------- */

#define CHAT_TEXT_FIELD(extra)                                                \
  {                                                                           \
    .name = "text", .kind = SS_FIELD_STRING, .required = TRUE,                \
    .min_length = 1, .max_length = SS_CHAT_TEXT_MAX_LENGTH, .trim = TRUE,     \
    .check = check_chat_text,                                                 \
    .check_description = "no control characters other than tab and line "   \
                         "breaks",                                            \
    .offset = offsetof (SsMessage, text), extra                               \
  }

#define PHASE_FIELD                                                           \
  {                                                                           \
    .name = "phase", .kind = SS_FIELD_CHOICE, .required = TRUE,               \
    .choices = phase_names, .n_choices = G_N_ELEMENTS (phase_names),          \
    .offset = offsetof (SsMessage, phase),                                    \
  }

#define ROLE_FIELD(extra)                                                     \
  {                                                                           \
    .name = "role", .kind = SS_FIELD_CHOICE, .required = TRUE,                \
    .choices = role_names, .n_choices = G_N_ELEMENTS (role_names),            \
    .offset = offsetof (SsMessage, role), extra                               \
  }

#define CHECK_ONLY .check_only = TRUE,

/* A member of an array element: checked, then read from the JSON. */
#define ELEMENT_FIELD(member_name, field_kind, ...)                           \
  {                                                                           \
    .name = member_name, .kind = field_kind, .required = TRUE,                \
    .check_only = TRUE, __VA_ARGS__                                           \
  }

static const SsFieldSpec chat_send_fields[] = {
  CHAT_TEXT_FIELD (),
  OPTIONAL_IDENTIFIER_FIELD ("to", to),
};

static const SsFieldSpec hand_fields[] = {
  OPTIONAL_IDENTIFIER_FIELD ("classroom", classroom),
};

static const SsFieldSpec floor_grant_fields[] = {
  IDENTIFIER_FIELD ("classroom", classroom),
};

static const SsFieldSpec phase_set_fields[] = {
  PHASE_FIELD,
};

static const SsFieldSpec attendance_confirm_fields[] = {
  OPTIONAL_IDENTIFIER_FIELD ("classroom", classroom),
  {
    .name = "students", .kind = SS_FIELD_INTEGER, .min_value = 0,
    .max_value = SS_ATTENDANCE_MAX_STUDENTS, .default_value = -1,
    .offset = offsetof (SsMessage, students),
  },
};

#define ELEMENT_IDENTIFIER(member_name)                                       \
  ELEMENT_FIELD (member_name, SS_FIELD_STRING, .min_length = 1,               \
                 .max_length = SS_IDENTIFIER_MAX_LENGTH,                      \
                 .check = ss_identifier_is_valid,                             \
                 .check_description = "only the characters A-Z a-z 0-9 . _ -")

#define ELEMENT_TIME(member_name)                                             \
  ELEMENT_FIELD (member_name, SS_FIELD_STRING, .min_length = 1,               \
                 .max_length = 64, .check = check_timestamp,                  \
                 .check_description = "an ISO 8601 date and time with an "    \
                                      "offset")

/* The members of a chat message, in the chat event and in lesson.state. */
static const SsFieldSpec chat_message_fields[] = {
  ELEMENT_FIELD ("seq", SS_FIELD_INTEGER, .min_value = 1,
                 .max_value = SS_MESSAGE_ID_MAX),
  ELEMENT_TIME ("at"),
  ELEMENT_IDENTIFIER ("from"),
  ROLE_FIELD (CHECK_ONLY),
  ELEMENT_FIELD ("client", SS_FIELD_CHOICE, .choices = client_kinds,
                 .n_choices = G_N_ELEMENTS (client_kinds)),
  CHAT_TEXT_FIELD (CHECK_ONLY),
  {
    .name = "to", .kind = SS_FIELD_STRING, .check_only = TRUE,
    .min_length = 1, .max_length = SS_IDENTIFIER_MAX_LENGTH,
    .check = ss_identifier_is_valid,
    .check_description = "only the characters A-Z a-z 0-9 . _ -",
  },
};

static const SsFieldSpec hand_entry_fields[] = {
  ELEMENT_IDENTIFIER ("classroom"),
  ELEMENT_TIME ("at"),
};

static const SsFieldSpec roster_entry_fields[] = {
  ELEMENT_IDENTIFIER ("classroom"),
  ROLE_FIELD (CHECK_ONLY),
  ELEMENT_FIELD ("present", SS_FIELD_BOOLEAN),
  ELEMENT_FIELD ("confirmed", SS_FIELD_BOOLEAN),
  ELEMENT_FIELD ("students", SS_FIELD_INTEGER, .nullable = TRUE,
                 .min_value = 0, .max_value = SS_ATTENDANCE_MAX_STUDENTS),
  ELEMENT_FIELD ("hand", SS_FIELD_BOOLEAN),
  ELEMENT_FIELD ("floor", SS_FIELD_BOOLEAN),
};

#define OBJECT_ELEMENT(element_name, table)                                   \
  {                                                                           \
    .name = element_name, .kind = SS_FIELD_OBJECT, .check_only = TRUE,        \
    .members = table, .n_members = G_N_ELEMENTS (table),                      \
  }

static const SsFieldSpec chat_element = OBJECT_ELEMENT ("chat message",
                                                        chat_message_fields);
static const SsFieldSpec hand_element = OBJECT_ELEMENT ("hand",
                                                        hand_entry_fields);
static const SsFieldSpec roster_element =
    OBJECT_ELEMENT ("roster entry", roster_entry_fields);
static const SsFieldSpec slot_element = {
  .name = "slot", .kind = SS_FIELD_STRING, .nullable = TRUE,
  .check_only = TRUE, .min_length = 1,
  .max_length = SS_IDENTIFIER_MAX_LENGTH, .check = ss_identifier_is_valid,
  .check_description = "a classroom id or null",
};

#define ARRAY_FIELD(member_name, member, element_spec, maximum)               \
  {                                                                           \
    .name = member_name, .kind = SS_FIELD_ARRAY, .required = TRUE,            \
    .element = &element_spec, .max_elements = maximum,                        \
    .offset = offsetof (SsMessage, member),                                   \
  }

/* The chat event carries a chat message's members at the top level. */
static const SsFieldSpec chat_fields[] = {
  {
    .name = "seq", .kind = SS_FIELD_INTEGER, .required = TRUE,
    .min_value = 1, .max_value = SS_MESSAGE_ID_MAX,
    .offset = offsetof (SsMessage, seq),
  },
  TIME_FIELD ("at", at),
  IDENTIFIER_FIELD ("from", from),
  ROLE_FIELD (),
  {
    .name = "client", .kind = SS_FIELD_CHOICE, .required = TRUE,
    .choices = client_kinds, .n_choices = G_N_ELEMENTS (client_kinds),
    .offset = offsetof (SsMessage, client),
  },
  CHAT_TEXT_FIELD (),
  OPTIONAL_IDENTIFIER_FIELD ("to", to),
};

static const SsFieldSpec hands_fields[] = {
  ARRAY_FIELD ("queue", hands, hand_element, 0),
};

/* The floor event's members, also lesson.state's "floor" object. */
static const SsFieldSpec floor_fields[] = {
  {
    .name = "classroom", .kind = SS_FIELD_STRING, .required = TRUE,
    .nullable = TRUE, .min_length = 1, .max_length = SS_IDENTIFIER_MAX_LENGTH,
    .check = ss_identifier_is_valid,
    .check_description = "a classroom id or null",
    .offset = offsetof (SsMessage, floor),
  },
  {
    .name = "since", .kind = SS_FIELD_STRING, .required = TRUE,
    .nullable = TRUE, .min_length = 1, .max_length = 64,
    .check = check_timestamp,
    .check_description = "an ISO 8601 date and time with an offset, or null",
    .offset = offsetof (SsMessage, floor_since),
  },
};

static const SsFieldSpec phase_fields[] = {
  PHASE_FIELD,
  TIME_FIELD ("since", since),
};

static const SsFieldSpec roster_fields[] = {
  ARRAY_FIELD ("classrooms", roster, roster_element, 0),
};

static const SsFieldSpec lesson_state_fields[] = {
  IDENTIFIER_FIELD ("lesson", lesson),
  PHASE_FIELD,
  TIME_FIELD ("since", since),
  {
    .name = "floor", .kind = SS_FIELD_OBJECT, .required = TRUE,
    .members = floor_fields, .n_members = G_N_ELEMENTS (floor_fields),
  },
  ARRAY_FIELD ("hands", hands, hand_element, 0),
  ARRAY_FIELD ("roster", roster, roster_element, 0),
  ARRAY_FIELD ("chat", chat, chat_element, SS_LESSON_STATE_MAX_CHAT),
};

static const SsFieldSpec feeds_fields[] = {
  ARRAY_FIELD ("slots", slots, slot_element, SS_FEEDS_MAX_SLOTS),
};

#define FIELDS(table) .fields = table, .n_fields = G_N_ELEMENTS (table)

static const SsMessageSpec message_specs[SS_MESSAGE_TYPE_COUNT] = {
  [SS_MESSAGE_HELLO] = {
    .name = "hello", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (hello_fields),
  },
  [SS_MESSAGE_LESSON_JOIN] = {
    .name = "lesson.join", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (lesson_fields),
  },
  [SS_MESSAGE_LESSON_LEAVE] = {
    .name = "lesson.leave", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED,
  },
  [SS_MESSAGE_PUBLISH] = {
    .name = "publish", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (sdp_fields),
  },
  [SS_MESSAGE_SUBSCRIBE] = {
    .name = "subscribe", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (sdp_fields),
  },
  [SS_MESSAGE_CANDIDATE] = {
    .name = "candidate", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_NONE, FIELDS (candidate_fields),
  },
  [SS_MESSAGE_LESSON_END] = {
    .name = "lesson.end", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED,
  },
  [SS_MESSAGE_CHAT_SEND] = {
    .name = "chat.send", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (chat_send_fields),
  },
  [SS_MESSAGE_HAND_RAISE] = {
    .name = "hand.raise", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (hand_fields),
  },
  [SS_MESSAGE_HAND_LOWER] = {
    .name = "hand.lower", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (hand_fields),
  },
  [SS_MESSAGE_FLOOR_GRANT] = {
    .name = "floor.grant", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (floor_grant_fields),
  },
  [SS_MESSAGE_FLOOR_REVOKE] = {
    .name = "floor.revoke", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED,
  },
  [SS_MESSAGE_PHASE_SET] = {
    .name = "phase.set", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (phase_set_fields),
  },
  [SS_MESSAGE_ATTENDANCE_CONFIRM] = {
    .name = "attendance.confirm", .sender = SS_MESSAGE_SENDER_CLIENT,
    .id_rule = SS_ID_REQUIRED, FIELDS (attendance_confirm_fields),
  },
  /* A result's members depend on the request, so only SsMessage.json
   * contains them. */
  [SS_MESSAGE_RESULT] = {
    .name = "result", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_REQUIRED,
  },
  [SS_MESSAGE_ERROR] = {
    .name = "error", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_OPTIONAL, FIELDS (error_fields),
  },
  [SS_MESSAGE_LESSON_LIVE] = {
    .name = "lesson.live", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (lesson_fields),
  },
  [SS_MESSAGE_LESSON_OFFLINE] = {
    .name = "lesson.offline", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (lesson_offline_fields),
  },
  [SS_MESSAGE_TRANSPORT_CLOSED] = {
    .name = "transport.closed", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (transport_closed_fields),
  },
  [SS_MESSAGE_LESSON_STARTING] = {
    .name = "lesson.starting", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (lesson_info_fields),
  },
  [SS_MESSAGE_LESSON_ENDED] = {
    .name = "lesson.ended", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (lesson_ended_fields),
  },
  [SS_MESSAGE_SCHEDULE] = {
    .name = "schedule", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (schedule_fields),
  },
  [SS_MESSAGE_FEEDS] = {
    .name = "feeds", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (feeds_fields),
  },
  [SS_MESSAGE_CHAT] = {
    .name = "chat", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (chat_fields),
  },
  [SS_MESSAGE_HANDS] = {
    .name = "hands", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (hands_fields),
  },
  [SS_MESSAGE_FLOOR] = {
    .name = "floor", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (floor_fields),
  },
  [SS_MESSAGE_PHASE] = {
    .name = "phase", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (phase_fields),
  },
  [SS_MESSAGE_ROSTER] = {
    .name = "roster", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (roster_fields),
  },
  [SS_MESSAGE_LESSON_STATE] = {
    .name = "lesson.state", .sender = SS_MESSAGE_SENDER_SERVER,
    .id_rule = SS_ID_NONE, FIELDS (lesson_state_fields),
  },
};

/* ---- Names and simple checks ------------------------------------------- */

const char *
ss_protocol_error_to_string (SsProtocolError code)
{
  if ((guint) code >= SS_PROTOCOL_ERROR_COUNT)
    return "internal";
  return error_codes[code];
}

gboolean
ss_protocol_error_from_string (const char *wire_code, SsProtocolError *code)
{
  for (guint i = 0; i < SS_PROTOCOL_ERROR_COUNT; i++)
    {
      if (g_strcmp0 (wire_code, error_codes[i]) == 0)
        {
          *code = (SsProtocolError) i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
ss_message_type_to_string (SsMessageType type)
{
  g_return_val_if_fail ((guint) type < SS_MESSAGE_TYPE_COUNT, NULL);
  return message_specs[type].name;
}

const char *
ss_role_to_string (SsRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);
  return role_names[role];
}

const char *
ss_offline_reason_to_string (SsOfflineReason reason)
{
  g_return_val_if_fail ((guint) reason < G_N_ELEMENTS (offline_reasons), NULL);
  return offline_reasons[reason];
}

const char *
ss_ended_reason_to_string (SsEndedReason reason)
{
  g_return_val_if_fail ((guint) reason < G_N_ELEMENTS (ended_reasons), NULL);
  return ended_reasons[reason];
}

const char *
ss_client_kind_to_string (SsClientKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (client_kinds), NULL);
  return client_kinds[kind];
}

const char *
ss_class_phase_to_string (SsClassPhase phase)
{
  g_return_val_if_fail ((guint) phase < G_N_ELEMENTS (phase_names), NULL);
  return phase_names[phase];
}

gboolean
ss_message_type_is_request (SsMessageType type)
{
  g_return_val_if_fail ((guint) type < SS_MESSAGE_TYPE_COUNT, FALSE);
  return message_specs[type].sender == SS_MESSAGE_SENDER_CLIENT
         && message_specs[type].id_rule == SS_ID_REQUIRED;
}

gboolean
ss_identifier_is_valid (const char *value)
{
  if (value == NULL || value[0] == '\0')
    return FALSE;

  gsize length = 0;
  for (const char *p = value; *p != '\0'; p++, length++)
    {
      if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
        return FALSE;
    }
  return length <= SS_IDENTIFIER_MAX_LENGTH;
}

/* RFC 8839 section 5.1 candidate attribute value, or "" for the end of
 * candidates. Only the prefix is checked: the relay is ICE-lite and never
 * uses the rest, but a control character (a CR or LF above all) could break
 * an SDP that the value were ever copied into. */
static gboolean
check_candidate (const char *value)
{
  if (value[0] == '\0')
    return TRUE;

  if (!g_str_has_prefix (value, "candidate:") || value[10] == '\0')
    return FALSE;

  for (const char *p = value; *p != '\0'; p++)
    {
      if (g_ascii_iscntrl (*p))
        return FALSE;
    }
  return TRUE;
}

/* An ISO 8601 date and time that carries its offset, as the timetable
 * writes it. GLib reads it; a time without an offset is rejected because
 * the reader's zone could differ from the server's. */
static gboolean
check_timestamp (const char *value)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_iso8601 (value, NULL);
  return time != NULL;
}

/* Finds the text between the Unicode white space at either end of @text
 * (valid UTF-8): [*start, *end). */
static void
find_trimmed (const char *text, const char **start, const char **end)
{
  const char *first = text;
  while (*first != '\0' && g_unichar_isspace (g_utf8_get_char (first)))
    first = g_utf8_next_char (first);

  const char *last = first + strlen (first);
  while (last > first)
    {
      const char *previous = g_utf8_find_prev_char (first, last);
      if (!g_unichar_isspace (g_utf8_get_char (previous)))
        break;
      last = previous;
    }

  *start = first;
  *end = last;
}

char *
ss_message_trim_text (const char *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  const char *start, *end;
  find_trimmed (text, &start, &end);
  return g_strndup (start, end - start);
}

/* Chat text goes to terminals (the CLI's lesson log) and pages, so control
 * characters that could move a cursor or change colours are rejected. Tab,
 * line feed and carriage return are text. */
static gboolean
check_chat_text (const char *value)
{
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c) && c != '\t' && c != '\n' && c != '\r')
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_transport (const char *value)
{
  return strcmp (value, "publish") == 0 || strcmp (value, "subscribe") == 0;
}

/* ---- Parser ------------------------------------------------------------ */

static gboolean
read_id (json_t *object, gint64 *id)
{
  json_t *value = json_object_get (object, "id");
  if (!json_is_integer (value))
    return FALSE;

  json_int_t number = json_integer_value (value);
  if (number < 1 || number > SS_MESSAGE_ID_MAX)
    return FALSE;

  *id = number;
  return TRUE;
}

static const SsMessageSpec *
find_spec (const char *type_name, SsMessageSender sender, SsMessageType *type)
{
  for (guint i = 0; i < SS_MESSAGE_TYPE_COUNT; i++)
    {
      if (message_specs[i].sender == sender
          && strcmp (message_specs[i].name, type_name) == 0)
        {
          *type = (SsMessageType) i;
          return &message_specs[i];
        }
    }
  return NULL;
}

/* Counts the characters of a string member, after trimming the white space
 * around it when the field's trim flag is set. */
static glong
count_characters (const SsFieldSpec *field, const char *text)
{
  if (!field->trim)
    return g_utf8_strlen (text, -1);

  const char *start, *end;
  find_trimmed (text, &start, &end);
  return g_utf8_strlen (start, end - start);
}

static gboolean
read_string_field (const SsFieldSpec *field,
                   json_t *value,
                   SsMessage *message,
                   GError **error)
{
  if (!json_is_string (value))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must be a string%s", field->name,
                   field->nullable ? " or null" : "");
      return FALSE;
    }

  /* jansson has already checked the text is valid UTF-8 without NUL. */
  const char *text = json_string_value (value);
  glong length = count_characters (field, text);
  if ((gsize) length < field->min_length
      || (field->max_length > 0 && (gsize) length > field->max_length))
    {
      const char *trimmed = field->trim ? " after trimming white space" : "";
      if (field->max_length > 0)
        g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                     "member \"%s\" must be %" G_GSIZE_FORMAT " to %"
                     G_GSIZE_FORMAT " characters long%s, not %ld",
                     field->name, field->min_length, field->max_length,
                     trimmed, length);
      else
        g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                     "member \"%s\" must not be empty%s", field->name,
                     trimmed);
      return FALSE;
    }

  if (field->check != NULL && !field->check (text))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must contain %s", field->name,
                   field->check_description);
      return FALSE;
    }

  if (!field->check_only)
    G_STRUCT_MEMBER (const char *, message, field->offset) = text;
  return TRUE;
}

static gboolean
read_integer_field (const SsFieldSpec *field,
                    json_t *value,
                    SsMessage *message,
                    GError **error)
{
  if (!json_is_integer (value))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must be an integer%s", field->name,
                   field->nullable ? " or null" : "");
      return FALSE;
    }

  json_int_t number = json_integer_value (value);
  if (number < field->min_value || number > field->max_value)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must be %" G_GINT64_FORMAT " to %"
                   G_GINT64_FORMAT, field->name, field->min_value,
                   field->max_value);
      return FALSE;
    }

  if (!field->check_only)
    G_STRUCT_MEMBER (gint64, message, field->offset) = number;
  return TRUE;
}

static gboolean
read_choice_field (const SsFieldSpec *field,
                   json_t *value,
                   SsMessage *message,
                   GError **error)
{
  const char *text = json_string_value (value);
  for (guint i = 0; text != NULL && i < field->n_choices; i++)
    {
      if (strcmp (text, field->choices[i]) == 0)
        {
          /* Every choice member of SsMessage is an enum of int size. */
          if (!field->check_only)
            G_STRUCT_MEMBER (int, message, field->offset) = (int) i;
          return TRUE;
        }
    }

  g_autoptr (GString) accepted = g_string_new (NULL);
  for (guint i = 0; i < field->n_choices; i++)
    g_string_append_printf (accepted, i == 0 ? "%s" : ", %s",
                            field->choices[i]);

  g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
               "member \"%s\" must be one of: %s", field->name,
               accepted->str);
  return FALSE;
}

static gboolean
read_boolean_field (const SsFieldSpec *field,
                    json_t *value,
                    SsMessage *message,
                    GError **error)
{
  if (!json_is_boolean (value))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must be true or false", field->name);
      return FALSE;
    }

  if (!field->check_only)
    G_STRUCT_MEMBER (gboolean, message, field->offset) = json_is_true (value);
  return TRUE;
}

static gboolean read_field (const SsFieldSpec *field,
                            json_t *object,
                            SsMessage *message,
                            GError **error);
static gboolean read_value (const SsFieldSpec *field,
                            json_t *value,
                            SsMessage *message,
                            GError **error);

static gboolean
read_members (const SsFieldSpec *members,
              guint n_members,
              json_t *object,
              SsMessage *message,
              GError **error)
{
  for (guint i = 0; i < n_members; i++)
    if (!read_field (&members[i], object, message, error))
      return FALSE;
  return TRUE;
}

static gboolean
read_object_field (const SsFieldSpec *field,
                   json_t *value,
                   SsMessage *message,
                   GError **error)
{
  if (!json_is_object (value))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must be an object%s", field->name,
                   field->nullable ? " or null" : "");
      return FALSE;
    }

  if (!read_members (field->members, field->n_members, value, message, error))
    {
      g_prefix_error (error, "in \"%s\": ", field->name);
      return FALSE;
    }
  return TRUE;
}

/* Checks every element against the field's element specification, whose
 * values are only checked, and stores the array itself. */
static gboolean
read_array_field (const SsFieldSpec *field,
                  json_t *value,
                  SsMessage *message,
                  GError **error)
{
  if (!json_is_array (value))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must be an array", field->name);
      return FALSE;
    }

  if (field->max_elements > 0 && json_array_size (value) > field->max_elements)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must have at most %u elements, not %zu",
                   field->name, field->max_elements, json_array_size (value));
      return FALSE;
    }

  const SsFieldSpec *element = field->element;
  size_t index;
  json_t *item;
  json_array_foreach (value, index, item)
    {
      /* An object element's members are named on their own, without the
       * "in ...: " prefix of a nested object. */
      gboolean valid =
          element->kind == SS_FIELD_OBJECT && json_is_object (item)
              ? read_members (element->members, element->n_members, item,
                              message, error)
              : read_value (element, item, message, error);
      if (!valid)
        {
          g_prefix_error (error, "in \"%s\" element %zu: ", field->name,
                          index);
          return FALSE;
        }
    }

  if (!field->check_only)
    G_STRUCT_MEMBER (json_t *, message, field->offset) = value;
  return TRUE;
}

/* Stores the value of an absent or null member: an integer's default. */
static void
store_default (const SsFieldSpec *field, SsMessage *message)
{
  if (field->kind == SS_FIELD_INTEGER && !field->check_only)
    G_STRUCT_MEMBER (gint64, message, field->offset) = field->default_value;
}

static gboolean
read_value (const SsFieldSpec *field,
            json_t *value,
            SsMessage *message,
            GError **error)
{
  if (json_is_null (value) && field->nullable)
    {
      store_default (field, message);
      return TRUE;
    }

  switch (field->kind)
    {
    case SS_FIELD_STRING:
      return read_string_field (field, value, message, error);
    case SS_FIELD_INTEGER:
      return read_integer_field (field, value, message, error);
    case SS_FIELD_CHOICE:
      return read_choice_field (field, value, message, error);
    case SS_FIELD_OBJECT:
      return read_object_field (field, value, message, error);
    case SS_FIELD_BOOLEAN:
      return read_boolean_field (field, value, message, error);
    case SS_FIELD_ARRAY:
      return read_array_field (field, value, message, error);
    }

  g_assert_not_reached ();
}

static gboolean
read_field (const SsFieldSpec *field,
            json_t *object,
            SsMessage *message,
            GError **error)
{
  json_t *value = json_object_get (object, field->name);
  if (value != NULL)
    return read_value (field, value, message, error);

  if (field->required)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" is missing", field->name);
      return FALSE;
    }

  store_default (field, message);
  return TRUE;
}

/* Checks v and type, and returns the spec of the message's type. */
static const SsMessageSpec *
read_envelope (json_t *object,
               SsMessageSender sender,
               SsMessageType *type,
               GError **error)
{
  json_t *version = json_object_get (object, "v");
  if (version == NULL)
    {
      g_set_error_literal (error, SS_PROTOCOL_ERROR,
                           SS_PROTOCOL_ERROR_BAD_MESSAGE,
                           "member \"v\" is missing");
      return NULL;
    }
  if (!json_is_integer (version))
    {
      g_set_error_literal (error, SS_PROTOCOL_ERROR,
                           SS_PROTOCOL_ERROR_BAD_MESSAGE,
                           "member \"v\" must be an integer");
      return NULL;
    }
  if (json_integer_value (version) != SS_PROTOCOL_VERSION)
    {
      g_set_error (error, SS_PROTOCOL_ERROR,
                   SS_PROTOCOL_ERROR_UNSUPPORTED_VERSION,
                   "protocol version %" JSON_INTEGER_FORMAT
                   " is not supported; this side speaks version %d",
                   json_integer_value (version), SS_PROTOCOL_VERSION);
      return NULL;
    }

  json_t *type_value = json_object_get (object, "type");
  if (!json_is_string (type_value))
    {
      g_set_error_literal (error, SS_PROTOCOL_ERROR,
                           SS_PROTOCOL_ERROR_BAD_MESSAGE,
                           type_value == NULL
                               ? "member \"type\" is missing"
                               : "member \"type\" must be a string");
      return NULL;
    }

  const SsMessageSpec *spec =
      find_spec (json_string_value (type_value), sender, type);
  if (spec == NULL)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_UNKNOWN_TYPE,
                   "message type \"%s\" is not accepted here",
                   json_string_value (type_value));
      return NULL;
    }
  return spec;
}

static gboolean
read_message_id (const SsMessageSpec *spec,
                 json_t *object,
                 SsMessage *message,
                 GError **error)
{
  if (spec->id_rule == SS_ID_NONE)
    return TRUE;

  gboolean present = json_object_get (object, "id") != NULL;
  if (!present && spec->id_rule == SS_ID_OPTIONAL)
    return TRUE;

  if (!present)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"id\" is missing from a %s message", spec->name);
      return FALSE;
    }

  if (!read_id (object, &message->id))
    {
      g_set_error_literal (error, SS_PROTOCOL_ERROR,
                           SS_PROTOCOL_ERROR_BAD_MESSAGE,
                           "member \"id\" must be an integer from 1 to "
                           "2^53-1");
      return FALSE;
    }
  return TRUE;
}

static json_t *
load_object (const char *data, gsize length, GError **error)
{
  if (length > SS_MESSAGE_MAX_SIZE)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_TOO_LARGE,
                   "message of %" G_GSIZE_FORMAT " bytes exceeds the limit "
                   "of %d bytes", length, SS_MESSAGE_MAX_SIZE);
      return NULL;
    }

  /* Duplicate members are rejected because peers would disagree on which
   * one counts. */
  json_error_t json_error;
  json_t *root = json_loadb (data, length, JSON_REJECT_DUPLICATES,
                             &json_error);
  if (root == NULL)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_JSON,
                   "invalid JSON at line %d, column %d: %s", json_error.line,
                   json_error.column, json_error.text);
      return NULL;
    }

  if (!json_is_object (root))
    {
      json_decref (root);
      g_set_error_literal (error, SS_PROTOCOL_ERROR,
                           SS_PROTOCOL_ERROR_BAD_JSON,
                           "the message is not a JSON object");
      return NULL;
    }
  return root;
}

SsMessage *
ss_message_parse (const char *data,
                  gsize length,
                  SsMessageSender sender,
                  gint64 *request_id,
                  GError **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (request_id != NULL)
    *request_id = 0;

  g_autoptr (json_t) root = load_object (data, length, error);
  if (root == NULL)
    return NULL;

  /* Until the type is known, any well-formed id goes into the error reply. */
  gint64 envelope_id = 0;
  if (!read_id (root, &envelope_id))
    envelope_id = 0;

  SsMessageType type;
  const SsMessageSpec *spec = read_envelope (root, sender, &type, error);
  if (spec == NULL)
    {
      if (request_id != NULL)
        *request_id = envelope_id;
      return NULL;
    }

  g_autoptr (SsMessage) message = g_new0 (SsMessage, 1);
  message->type = type;
  message->json = json_incref (root);

  if (!read_message_id (spec, root, message, error))
    return NULL;

  for (guint i = 0; i < spec->n_fields; i++)
    {
      if (!read_field (&spec->fields[i], root, message, error))
        {
          if (request_id != NULL)
            *request_id = message->id;
          return NULL;
        }
    }

  return g_steal_pointer (&message);
}

void
ss_message_free (SsMessage *message)
{
  if (message == NULL)
    return;

  json_decref (message->json);
  g_free (message);
}

/* ---- Builders ---------------------------------------------------------- */

json_t *
ss_message_build (SsMessageType type, gint64 id)
{
  g_return_val_if_fail ((guint) type < SS_MESSAGE_TYPE_COUNT, NULL);
  g_return_val_if_fail (id >= 0 && id <= SS_MESSAGE_ID_MAX, NULL);

  json_t *message = json_object ();
  json_object_set_new (message, "v", json_integer (SS_PROTOCOL_VERSION));
  json_object_set_new (message, "type",
                       json_string (message_specs[type].name));
  if (id > 0)
    json_object_set_new (message, "id", json_integer (id));
  return message;
}

json_t *
ss_message_build_error (gint64 id, SsProtocolError code, const char *text)
{
  json_t *message = ss_message_build (SS_MESSAGE_ERROR, id);
  json_object_set_new (message, "code",
                       json_string (ss_protocol_error_to_string (code)));

  /* An error text may quote the peer's bytes; a text that is not valid
   * UTF-8 is replaced rather than dropping the whole error. */
  if (text != NULL)
    {
      g_autofree char *valid = g_utf8_make_valid (text, -1);
      json_object_set_new (message, "message", json_string (valid));
    }
  return message;
}

json_t *
ss_message_build_lesson_live (const char *lesson_id)
{
  g_return_val_if_fail (lesson_id != NULL, NULL);

  json_t *message = ss_message_build (SS_MESSAGE_LESSON_LIVE, 0);
  json_object_set_new (message, "lesson", json_string (lesson_id));
  return message;
}

json_t *
ss_message_build_lesson_offline (const char *lesson_id,
                                 SsOfflineReason reason)
{
  g_return_val_if_fail (lesson_id != NULL, NULL);

  json_t *message = ss_message_build (SS_MESSAGE_LESSON_OFFLINE, 0);
  json_object_set_new (message, "lesson", json_string (lesson_id));
  json_object_set_new (message, "reason",
                       json_string (ss_offline_reason_to_string (reason)));
  return message;
}

json_t *
ss_message_build_transport_closed (const char *reason, const char *transport)
{
  g_return_val_if_fail (reason != NULL, NULL);
  g_return_val_if_fail (transport != NULL && check_transport (transport),
                        NULL);

  json_t *message = ss_message_build (SS_MESSAGE_TRANSPORT_CLOSED, 0);
  json_object_set_new (message, "reason", json_string (reason));
  json_object_set_new (message, "transport", json_string (transport));
  return message;
}

static json_t *
lesson_info_to_json (const SsLessonInfo *info)
{
  return json_pack ("{s:s,s:s,s:s,s:s,s:s}", "lesson", info->lesson, "title",
                    info->title, "subject", info->subject, "start",
                    info->start, "end", info->end);
}

json_t *
ss_message_build_lesson_starting (const SsLessonInfo *info)
{
  g_return_val_if_fail (info != NULL && info->lesson != NULL
                            && info->title != NULL && info->subject != NULL
                            && info->start != NULL && info->end != NULL,
                        NULL);

  json_t *message = ss_message_build (SS_MESSAGE_LESSON_STARTING, 0);
  json_t *members = lesson_info_to_json (info);
  json_object_update (message, members);
  json_decref (members);
  return message;
}

json_t *
ss_message_build_lesson_ended (const char *lesson_id, SsEndedReason reason)
{
  g_return_val_if_fail (lesson_id != NULL, NULL);

  json_t *message = ss_message_build (SS_MESSAGE_LESSON_ENDED, 0);
  json_object_set_new (message, "lesson", json_string (lesson_id));
  json_object_set_new (message, "reason",
                       json_string (ss_ended_reason_to_string (reason)));
  return message;
}

json_t *
ss_message_build_schedule (const SsLessonInfo *next)
{
  json_t *message = ss_message_build (SS_MESSAGE_SCHEDULE, 0);
  json_t *value = json_null ();
  if (next != NULL)
    {
      g_return_val_if_fail (next->lesson != NULL && next->title != NULL
                                && next->subject != NULL
                                && next->start != NULL && next->end != NULL,
                            message);
      value = lesson_info_to_json (next);
    }
  json_object_set_new (message, "next", value);
  return message;
}

/* A string member, or null when @value is NULL. */
static json_t *
string_or_null (const char *value)
{
  return value != NULL ? json_string (value) : json_null ();
}

json_t *
ss_message_slots_to_json (const char *const *slots, guint n_slots)
{
  g_return_val_if_fail (slots != NULL || n_slots == 0, NULL);
  g_return_val_if_fail (n_slots <= SS_FEEDS_MAX_SLOTS, NULL);

  json_t *array = json_array ();
  for (guint i = 0; i < n_slots; i++)
    json_array_append_new (array, string_or_null (slots[i]));
  return array;
}

json_t *
ss_message_build_feeds (const char *const *slots, guint n_slots)
{
  json_t *array = ss_message_slots_to_json (slots, n_slots);
  g_return_val_if_fail (array != NULL, NULL);

  json_t *message = ss_message_build (SS_MESSAGE_FEEDS, 0);
  json_object_set_new (message, "slots", array);
  return message;
}

json_t *
ss_message_chat_to_json (const SsChatInfo *chat)
{
  g_return_val_if_fail (chat != NULL && chat->at != NULL
                            && chat->from != NULL && chat->text != NULL,
                        NULL);

  json_t *object = json_object ();
  json_object_set_new (object, "seq", json_integer (chat->seq));
  json_object_set_new (object, "at", json_string (chat->at));
  json_object_set_new (object, "from", json_string (chat->from));
  json_object_set_new (object, "role",
                       json_string (ss_role_to_string (chat->role)));
  json_object_set_new (object, "client",
                       json_string (ss_client_kind_to_string (chat->client)));
  json_object_set_new (object, "text", json_string (chat->text));
  if (chat->to != NULL)
    json_object_set_new (object, "to", json_string (chat->to));
  return object;
}

json_t *
ss_message_hands_to_json (const SsHandInfo *hands, guint n_hands)
{
  g_return_val_if_fail (hands != NULL || n_hands == 0, NULL);

  json_t *array = json_array ();
  for (guint i = 0; i < n_hands; i++)
    json_array_append_new (array, json_pack ("{s:s,s:s}", "classroom",
                                             hands[i].classroom, "at",
                                             hands[i].at));
  return array;
}

json_t *
ss_message_roster_to_json (const SsRosterInfo *roster, guint n_roster)
{
  g_return_val_if_fail (roster != NULL || n_roster == 0, NULL);

  json_t *array = json_array ();
  for (guint i = 0; i < n_roster; i++)
    {
      const SsRosterInfo *entry = &roster[i];
      json_t *students = entry->students >= 0
                             ? json_integer (entry->students)
                             : json_null ();
      json_array_append_new (
          array,
          json_pack ("{s:s,s:s,s:b,s:b,s:o,s:b,s:b}", "classroom",
                     entry->classroom, "role", ss_role_to_string (entry->role),
                     "present", entry->present, "confirmed", entry->confirmed,
                     "students", students, "hand", entry->hand, "floor",
                     entry->floor));
    }
  return array;
}

/* Adds @members' members to @message and drops @members. */
static json_t *
add_members (json_t *message, json_t *members)
{
  json_object_update (message, members);
  json_decref (members);
  return message;
}

json_t *
ss_message_build_chat (const SsChatInfo *chat)
{
  json_t *members = ss_message_chat_to_json (chat);
  g_return_val_if_fail (members != NULL, NULL);

  return add_members (ss_message_build (SS_MESSAGE_CHAT, 0), members);
}

json_t *
ss_message_build_hands (const SsHandInfo *hands, guint n_hands)
{
  json_t *message = ss_message_build (SS_MESSAGE_HANDS, 0);
  json_object_set_new (message, "queue",
                       ss_message_hands_to_json (hands, n_hands));
  return message;
}

static json_t *
floor_to_json (const char *classroom, const char *since)
{
  json_t *object = json_object ();
  json_object_set_new (object, "classroom", string_or_null (classroom));
  json_object_set_new (object, "since", string_or_null (since));
  return object;
}

json_t *
ss_message_build_floor (const char *classroom, const char *since)
{
  return add_members (ss_message_build (SS_MESSAGE_FLOOR, 0),
                      floor_to_json (classroom, since));
}

json_t *
ss_message_build_phase (SsClassPhase phase, const char *since)
{
  g_return_val_if_fail (since != NULL, NULL);

  json_t *message = ss_message_build (SS_MESSAGE_PHASE, 0);
  json_object_set_new (message, "phase",
                       json_string (ss_class_phase_to_string (phase)));
  json_object_set_new (message, "since", json_string (since));
  return message;
}

json_t *
ss_message_build_roster (const SsRosterInfo *roster, guint n_roster)
{
  json_t *message = ss_message_build (SS_MESSAGE_ROSTER, 0);
  json_object_set_new (message, "classrooms",
                       ss_message_roster_to_json (roster, n_roster));
  return message;
}

json_t *
ss_message_build_lesson_state (const SsLessonStateInfo *state)
{
  g_return_val_if_fail (state != NULL && state->lesson != NULL
                            && state->since != NULL,
                        NULL);
  g_return_val_if_fail (state->chat != NULL || state->n_chat == 0, NULL);

  json_t *chat = json_array ();
  for (guint i = 0; i < state->n_chat; i++)
    json_array_append_new (chat, ss_message_chat_to_json (&state->chat[i]));

  json_t *message = ss_message_build (SS_MESSAGE_LESSON_STATE, 0);
  json_object_set_new (message, "lesson", json_string (state->lesson));
  json_object_set_new (message, "phase",
                       json_string (ss_class_phase_to_string (state->phase)));
  json_object_set_new (message, "since", json_string (state->since));
  json_object_set_new (message, "floor",
                       floor_to_json (state->floor, state->floor_since));
  json_object_set_new (message, "hands",
                       ss_message_hands_to_json (state->hands,
                                                 state->n_hands));
  json_object_set_new (message, "roster",
                       ss_message_roster_to_json (state->roster,
                                                  state->n_roster));
  json_object_set_new (message, "chat", chat);
  return message;
}

char *
ss_message_to_string (const json_t *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  /* Since GLib 2.46 g_free() is free(), so jansson's string is returned
   * as is. */
  return json_dumps (message, JSON_COMPACT);
}
