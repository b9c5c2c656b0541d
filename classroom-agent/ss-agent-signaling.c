/* Request/reply/event layer of the shuangshi.v1 signaling protocol
 * (protocol/README.md, "Envelope"). Every request gets a fresh id from 1
 * upwards, and the server replies to each with exactly one `result` or
 * `error` carrying that id. Messages without an id are events. A reply that
 * matches no pending request (for example one that arrives after its
 * request timed out) is logged and dropped. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-signaling.h"

#include <string.h>

G_DEFINE_QUARK (ss-signaling-error-quark, ss_signaling_error)

typedef struct {
  guint64 id;
  char *type;
  gint64 deadline_us;
  SsSignalingReplyFunc reply_func;
  gpointer reply_data;
} SsPendingRequest;

struct _SsSignaling {
  SsSignalingSendFunc send_func;
  SsSignalingEventFunc event_func;
  gpointer user_data;

  guint64 next_id;
  /* guint64 id -> SsPendingRequest, in a GHashTable keyed by gint64. */
  GHashTable *pending;
  guint64 events_dropped;
};

static void
ss_pending_request_free (SsPendingRequest *request)
{
  g_free (request->type);
  g_free (request);
}

static const struct {
  const char *code;
  SsSignalingError error;
} error_codes[] = {
  { "bad_json", SS_SIGNALING_ERROR_BAD_JSON },
  { "bad_message", SS_SIGNALING_ERROR_BAD_MESSAGE },
  { "unsupported_version", SS_SIGNALING_ERROR_UNSUPPORTED_VERSION },
  { "unknown_type", SS_SIGNALING_ERROR_UNKNOWN_TYPE },
  { "too_large", SS_SIGNALING_ERROR_TOO_LARGE },
  { "not_ready", SS_SIGNALING_ERROR_NOT_READY },
  { "forbidden", SS_SIGNALING_ERROR_FORBIDDEN },
  { "unknown_lesson", SS_SIGNALING_ERROR_UNKNOWN_LESSON },
  { "lesson_busy", SS_SIGNALING_ERROR_LESSON_BUSY },
  { "not_live", SS_SIGNALING_ERROR_NOT_LIVE },
  { "bad_sdp", SS_SIGNALING_ERROR_BAD_SDP },
  { "internal", SS_SIGNALING_ERROR_INTERNAL },
  { "unauthorized", SS_SIGNALING_ERROR_UNAUTHORIZED },
  { "rate_limited", SS_SIGNALING_ERROR_RATE_LIMITED },
};

static SsSignalingError
error_from_code (const char *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_codes); i++) {
    if (g_strcmp0 (error_codes[i].code, code) == 0)
      return error_codes[i].error;
  }

  return SS_SIGNALING_ERROR_UNKNOWN;
}

SsSignaling *
ss_signaling_new (SsSignalingSendFunc send_func,
                  SsSignalingEventFunc event_func,
                  gpointer user_data)
{
  g_return_val_if_fail (send_func != NULL, NULL);

  SsSignaling *signaling = g_new0 (SsSignaling, 1);
  *signaling = (SsSignaling) {
    .send_func = send_func,
    .event_func = event_func,
    .user_data = user_data,
    .next_id = 1,
    .pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                      (GDestroyNotify) ss_pending_request_free),
  };
  return signaling;
}

/* Frees @signaling without calling the pending reply functions: the owner
 * is going away and must not be called back. */
void
ss_signaling_free (SsSignaling *signaling)
{
  if (signaling == NULL)
    return;

  g_hash_table_unref (signaling->pending);
  g_free (signaling);
}

static void
send_message (SsSignaling *signaling, json_t *message)
{
  g_autofree char *text = json_dumps (message, JSON_COMPACT);

  if (text == NULL) {
    g_warning ("Failed to serialise a signaling message");
    return;
  }

  signaling->send_func (text, strlen (text), signaling->user_data);
}

static json_t *
build_message (const char *type, json_t *payload)
{
  json_t *message = payload != NULL ? payload : json_object ();

  json_object_set_new (message, "v", json_integer (SS_SIGNALING_PROTOCOL_VERSION));
  json_object_set_new (message, "type", json_string (type));
  return message;
}

/* Sends request @type with the members of @payload (transfer full, may be
 * NULL) and returns its id. Unless the client is freed first, @reply_func
 * is called exactly once: with the reply, on timeout (ss_signaling_expire)
 * or on ss_signaling_reset. */
guint64
ss_signaling_request (SsSignaling *signaling, const char *type,
                      json_t *payload, gint64 now_us,
                      SsSignalingReplyFunc reply_func, gpointer reply_data)
{
  g_return_val_if_fail (signaling != NULL, 0);
  g_return_val_if_fail (type != NULL, 0);

  guint64 id = signaling->next_id++;
  json_t *message = build_message (type, payload);
  json_object_set_new (message, "id", json_integer ((json_int_t) id));

  SsPendingRequest *request = g_new0 (SsPendingRequest, 1);
  *request = (SsPendingRequest) {
    .id = id,
    .type = g_strdup (type),
    .deadline_us = now_us + SS_SIGNALING_REQUEST_TIMEOUT_US,
    .reply_func = reply_func,
    .reply_data = reply_data,
  };
  g_hash_table_insert (signaling->pending, &request->id, request);

  g_debug ("Signaling request %s id=%" G_GUINT64_FORMAT, type, id);
  send_message (signaling, message);
  json_decref (message);
  return id;
}

/* Sends a message that takes no reply, such as `candidate`. */
void
ss_signaling_notify (SsSignaling *signaling, const char *type, json_t *payload)
{
  g_return_if_fail (signaling != NULL);
  g_return_if_fail (type != NULL);

  json_t *message = build_message (type, payload);
  send_message (signaling, message);
  json_decref (message);
}

/* Removes the request from the table before calling back, so the callback
 * may send new requests or reset the client. */
static void
complete_request (SsSignaling *signaling, guint64 id, json_t *result,
                  const GError *error)
{
  SsPendingRequest *request = g_hash_table_lookup (signaling->pending, &id);

  if (request == NULL) {
    g_info ("Dropped a reply to unknown request id=%" G_GUINT64_FORMAT, id);
    return;
  }

  g_hash_table_steal (signaling->pending, &id);
  if (request->reply_func != NULL)
    request->reply_func (request->id, result, error, request->reply_data);
  ss_pending_request_free (request);
}

static void
dispatch_error_reply (SsSignaling *signaling, guint64 id, json_t *message)
{
  const char *code = json_string_value (json_object_get (message, "code"));
  const char *text = json_string_value (json_object_get (message, "message"));
  g_autoptr (GError) error = g_error_new (SS_SIGNALING_ERROR,
                                          error_from_code (code),
                                          "%s: %s",
                                          code != NULL ? code : "(no code)",
                                          text != NULL ? text : "");

  complete_request (signaling, id, NULL, error);
}

static gboolean
parse_id (json_t *value, guint64 *id)
{
  if (!json_is_integer (value))
    return FALSE;

  json_int_t number = json_integer_value (value);
  if (number < 1)
    return FALSE;

  *id = (guint64) number;
  return TRUE;
}

/* Handles one received text frame. A frame that is not a protocol message
 * returns FALSE with @error set; the caller logs it and keeps the
 * connection, as the server does. */
gboolean
ss_signaling_receive (SsSignaling *signaling, const char *text, gsize length,
                      GError **error)
{
  g_return_val_if_fail (signaling != NULL, FALSE);

  if (length > SS_SIGNALING_MAX_MESSAGE_SIZE) {
    g_set_error (error, SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_TOO_LARGE,
                 "Message of %" G_GSIZE_FORMAT " bytes exceeds %d bytes",
                 length, SS_SIGNALING_MAX_MESSAGE_SIZE);
    return FALSE;
  }

  json_error_t json_error;
  json_t *message = json_loadb (text, length, JSON_REJECT_DUPLICATES,
                                &json_error);
  if (message == NULL || !json_is_object (message)) {
    g_set_error (error, SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_BAD_JSON,
                 "Message is not a JSON object: %s",
                 message == NULL ? json_error.text : "other JSON type");
    json_decref (message);
    return FALSE;
  }

  json_t *version = json_object_get (message, "v");
  const char *type = json_string_value (json_object_get (message, "type"));
  if (!json_is_integer (version) || type == NULL) {
    g_set_error (error, SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_BAD_MESSAGE,
                 "Message lacks an integer \"v\" or a string \"type\"");
    json_decref (message);
    return FALSE;
  }

  if (json_integer_value (version) != SS_SIGNALING_PROTOCOL_VERSION) {
    g_set_error (error, SS_SIGNALING_ERROR,
                 SS_SIGNALING_ERROR_UNSUPPORTED_VERSION,
                 "Message has protocol version %" JSON_INTEGER_FORMAT
                 ", expected %d", json_integer_value (version),
                 SS_SIGNALING_PROTOCOL_VERSION);
    json_decref (message);
    return FALSE;
  }

  gboolean is_result = g_str_equal (type, "result");
  gboolean is_error = g_str_equal (type, "error");
  guint64 id = 0;
  gboolean has_id = parse_id (json_object_get (message, "id"), &id);

  if ((is_result || is_error) && has_id) {
    if (is_result)
      complete_request (signaling, id, message, NULL);
    else
      dispatch_error_reply (signaling, id, message);
  } else if (is_error) {
    /* An error without id is the reply to a message that had none, such as
     * an invalid `candidate`, so no request waits for it. */
    g_warning ("Server reported an error: %s: %s",
               json_string_value (json_object_get (message, "code")),
               json_string_value (json_object_get (message, "message")));
  } else if (is_result) {
    g_set_error (error, SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_BAD_MESSAGE,
                 "Result message has no valid \"id\"");
    json_decref (message);
    return FALSE;
  } else if (signaling->event_func != NULL) {
    signaling->event_func (type, message, signaling->user_data);
  } else {
    signaling->events_dropped++;
  }

  json_decref (message);
  return TRUE;
}

/* Fails every request whose deadline is at or before @now_us with
 * SS_SIGNALING_ERROR_TIMED_OUT and returns how many failed. */
guint
ss_signaling_expire (SsSignaling *signaling, gint64 now_us)
{
  g_return_val_if_fail (signaling != NULL, 0);

  g_autoptr (GArray) expired = g_array_new (FALSE, FALSE, sizeof (guint64));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, signaling->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    SsPendingRequest *request = value;
    if (request->deadline_us <= now_us)
      g_array_append_val (expired, request->id);
  }

  for (guint i = 0; i < expired->len; i++) {
    guint64 id = g_array_index (expired, guint64, i);
    g_autoptr (GError) error = g_error_new (SS_SIGNALING_ERROR,
                                            SS_SIGNALING_ERROR_TIMED_OUT,
                                            "No reply to request id=%"
                                            G_GUINT64_FORMAT " within %d s",
                                            id,
                                            (int) (SS_SIGNALING_REQUEST_TIMEOUT_US
                                                   / G_TIME_SPAN_SECOND));
    complete_request (signaling, id, NULL, error);
  }

  return expired->len;
}

/* Fails every pending request with SS_SIGNALING_ERROR_DISCONNECTED, for
 * when the connection closed. Ids keep counting up, so a late reply from
 * an old connection cannot match a new request. */
void
ss_signaling_reset (SsSignaling *signaling)
{
  g_return_if_fail (signaling != NULL);

  GHashTable *old = signaling->pending;
  signaling->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                              NULL,
                                              (GDestroyNotify) ss_pending_request_free);

  g_autoptr (GError) error = g_error_new_literal (SS_SIGNALING_ERROR,
                                                  SS_SIGNALING_ERROR_DISCONNECTED,
                                                  "Signaling connection closed");
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, old);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    SsPendingRequest *request = value;
    if (request->reply_func != NULL)
      request->reply_func (request->id, NULL, error, request->reply_data);
  }

  g_hash_table_unref (old);
}

guint
ss_signaling_get_pending (SsSignaling *signaling)
{
  g_return_val_if_fail (signaling != NULL, 0);
  return g_hash_table_size (signaling->pending);
}

/* Returns how many events arrived while no event function was set. */
guint64
ss_signaling_get_events_dropped (SsSignaling *signaling)
{
  g_return_val_if_fail (signaling != NULL, 0);
  return signaling->events_dropped;
}
