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

/* ---- Field specifications ---------------------------------------------- */

typedef enum {
  SS_FIELD_STRING,   /* stored as const char * */
  SS_FIELD_INTEGER,  /* stored as gint64 */
  SS_FIELD_CHOICE,   /* a string from a fixed list, stored as its index */
  SS_FIELD_OBJECT,   /* an object or null; its members go to SsMessage */
} SsFieldKind;

typedef gboolean (*SsStringCheck) (const char *value);

typedef struct _SsFieldSpec SsFieldSpec;

struct _SsFieldSpec {
  const char *name;
  SsFieldKind kind;
  gboolean required;

  /* SS_FIELD_STRING: length bounds in Unicode characters; a max_length of
   * 0 leaves only the message size limit. */
  gsize min_length;
  gsize max_length;
  /* SS_FIELD_STRING: an extra syntax check, or NULL. */
  SsStringCheck check;
  const char *check_description;

  /* SS_FIELD_CHOICE: the accepted wire strings. */
  const char *const *choices;
  guint n_choices;

  /* SS_FIELD_INTEGER: inclusive range. */
  gint64 min_value;
  gint64 max_value;

  /* SS_FIELD_OBJECT: the object's members. A null value leaves them all
   * NULL, so no nested member may share an SsMessage member with a
   * top-level one of the same type. */
  const SsFieldSpec *members;
  guint n_members;

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

#define IDENTIFIER_FIELD(member_name, member)                                 \
  {                                                                           \
    .name = member_name, .kind = SS_FIELD_STRING, .required = TRUE,           \
    .min_length = 1, .max_length = SS_IDENTIFIER_MAX_LENGTH,                  \
    .check = ss_identifier_is_valid,                                          \
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
    .members = lesson_info_fields,
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

static gboolean
read_string_field (const SsFieldSpec *field,
                   json_t *value,
                   SsMessage *message,
                   GError **error)
{
  if (!json_is_string (value))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must be a string", field->name);
      return FALSE;
    }

  /* jansson has already checked the text is valid UTF-8 without NUL. */
  const char *text = json_string_value (value);
  glong length = g_utf8_strlen (text, -1);
  if ((gsize) length < field->min_length
      || (field->max_length > 0 && (gsize) length > field->max_length))
    {
      if (field->max_length > 0)
        g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                     "member \"%s\" must be %" G_GSIZE_FORMAT " to %"
                     G_GSIZE_FORMAT " characters long, not %ld",
                     field->name, field->min_length, field->max_length,
                     length);
      else
        g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                     "member \"%s\" must not be empty", field->name);
      return FALSE;
    }

  if (field->check != NULL && !field->check (text))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must contain %s", field->name,
                   field->check_description);
      return FALSE;
    }

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
                   "member \"%s\" must be an integer", field->name);
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

static gboolean read_field (const SsFieldSpec *field,
                            json_t *object,
                            SsMessage *message,
                            GError **error);

static gboolean
read_object_field (const SsFieldSpec *field,
                   json_t *value,
                   SsMessage *message,
                   GError **error)
{
  if (json_is_null (value))
    return TRUE;

  if (!json_is_object (value))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" must be an object or null", field->name);
      return FALSE;
    }

  for (guint i = 0; i < field->n_members; i++)
    {
      if (!read_field (&field->members[i], value, message, error))
        {
          g_prefix_error (error, "in \"%s\": ", field->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_field (const SsFieldSpec *field,
            json_t *object,
            SsMessage *message,
            GError **error)
{
  json_t *value = json_object_get (object, field->name);
  if (value == NULL)
    {
      if (!field->required)
        return TRUE;
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "member \"%s\" is missing", field->name);
      return FALSE;
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
    }

  g_assert_not_reached ();
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
ss_message_build_transport_closed (const char *reason)
{
  g_return_val_if_fail (reason != NULL, NULL);

  json_t *message = ss_message_build (SS_MESSAGE_TRANSPORT_CLOSED, 0);
  json_object_set_new (message, "reason", json_string (reason));
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

char *
ss_message_to_string (const json_t *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  /* Since GLib 2.46 g_free() is free(), so jansson's string is returned
   * as is. */
  return json_dumps (message, JSON_COMPACT);
}
