/* Client side of the shuangshi.v1 signaling protocol (protocol/README.md),
 * without I/O: it builds request frames, matches replies to requests by id,
 * expires requests that got no reply and hands events to the caller. The
 * websocket transport feeds it text frames and sends what it produces. */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

#define SS_SIGNALING_ERROR (ss_signaling_error_quark ())

/* The server's `error` codes, plus the client's own failures. */
typedef enum {
  SS_SIGNALING_ERROR_BAD_JSON,
  SS_SIGNALING_ERROR_BAD_MESSAGE,
  SS_SIGNALING_ERROR_UNSUPPORTED_VERSION,
  SS_SIGNALING_ERROR_UNKNOWN_TYPE,
  SS_SIGNALING_ERROR_TOO_LARGE,
  SS_SIGNALING_ERROR_NOT_READY,
  SS_SIGNALING_ERROR_FORBIDDEN,
  SS_SIGNALING_ERROR_UNKNOWN_LESSON,
  SS_SIGNALING_ERROR_LESSON_BUSY,
  SS_SIGNALING_ERROR_NOT_LIVE,
  SS_SIGNALING_ERROR_BAD_SDP,
  SS_SIGNALING_ERROR_INTERNAL,
  /* An error code this client does not know. */
  SS_SIGNALING_ERROR_UNKNOWN,
  /* No reply arrived within the request timeout. */
  SS_SIGNALING_ERROR_TIMED_OUT,
  /* The connection closed before the reply arrived. */
  SS_SIGNALING_ERROR_DISCONNECTED,
  /* The server's `unauthorized`: the token is missing, expired, forged or
   * for another classroom. Listed last to keep the earlier values. */
  SS_SIGNALING_ERROR_UNAUTHORIZED,
  /* The server's `rate_limited`: too many interaction requests. */
  SS_SIGNALING_ERROR_RATE_LIMITED,
} SsSignalingError;

GQuark ss_signaling_error_quark (void);

#define SS_SIGNALING_PROTOCOL_VERSION 1
#define SS_SIGNALING_MAX_MESSAGE_SIZE 65536
#define SS_SIGNALING_REQUEST_TIMEOUT_US (10 * G_TIME_SPAN_SECOND)

typedef struct _SsSignaling SsSignaling;

/* Sends one text frame. @text is only valid during the call. */
typedef void (*SsSignalingSendFunc) (const char *text, gsize length,
                                     gpointer user_data);

/* Receives an event (a message without `id`), such as `lesson.live`.
 * @message is the whole object, borrowed for the call. */
typedef void (*SsSignalingEventFunc) (const char *type, json_t *message,
                                      gpointer user_data);

/* Receives the reply to request @id: @result is the `result` object
 * (borrowed) on success, NULL with @error set on failure. */
typedef void (*SsSignalingReplyFunc) (guint64 id, json_t *result,
                                      const GError *error,
                                      gpointer user_data);

SsSignaling *ss_signaling_new (SsSignalingSendFunc send_func,
                               SsSignalingEventFunc event_func,
                               gpointer user_data);
void ss_signaling_free (SsSignaling *signaling);

guint64 ss_signaling_request (SsSignaling *signaling, const char *type,
                              json_t *payload, gint64 now_us,
                              SsSignalingReplyFunc reply_func,
                              gpointer reply_data);
void ss_signaling_notify (SsSignaling *signaling, const char *type,
                          json_t *payload);
gboolean ss_signaling_receive (SsSignaling *signaling, const char *text,
                               gsize length, GError **error);
guint ss_signaling_expire (SsSignaling *signaling, gint64 now_us);
void ss_signaling_reset (SsSignaling *signaling);
guint ss_signaling_get_pending (SsSignaling *signaling);
guint64 ss_signaling_get_events_dropped (SsSignaling *signaling);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsSignaling, ss_signaling_free)

G_END_DECLS
