/* A small blocking WebSocket client (RFC 6455) for the benchmark's
 * signaling: one TCP connection per simulated classroom, text frames only.
 * Blocking keeps set-up code linear; the load generator does its
 * signaling between media rounds, outside the measured window. */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

#define SS_BENCH_WS_ERROR (ss_bench_ws_error_quark ())
GQuark ss_bench_ws_error_quark (void);

typedef enum {
  SS_BENCH_WS_ERROR_CONNECT,   /* TCP connect or HTTP upgrade failed */
  SS_BENCH_WS_ERROR_IO,        /* read or write failed, or the peer closed */
  SS_BENCH_WS_ERROR_PROTOCOL,  /* a frame or message this client cannot use */
  SS_BENCH_WS_ERROR_TIMEOUT,   /* no reply in time */
  SS_BENCH_WS_ERROR_REJECTED,  /* the server replied to a request with an error */
} SsBenchWsError;

typedef struct _SsBenchWs SsBenchWs;

/* Connects to ws://HOST:PORT/PATH with the given subprotocol. */
SsBenchWs *ss_bench_ws_connect (const char *url,
                                const char *subprotocol,
                                int timeout_ms,
                                GError **error);
void ss_bench_ws_free (SsBenchWs *ws);

/* Sends one signaling request and returns its id. The request is built
 * from type and the members of payload (borrowed, may be NULL). */
gint64 ss_bench_ws_send_request (SsBenchWs *ws,
                                 const char *type,
                                 json_t *payload,
                                 GError **error);

/* Waits for the result with this id, skipping events. Returns the whole
 * result object, or NULL with SS_BENCH_WS_ERROR_REJECTED when the server
 * replied with an error message. */
json_t *ss_bench_ws_wait_result (SsBenchWs *ws,
                                 gint64 id,
                                 int timeout_ms,
                                 GError **error);

/* Reads and discards whatever the server sent, without blocking. Returns
 * FALSE once the connection is closed. */
gboolean ss_bench_ws_discard_pending (SsBenchWs *ws);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsBenchWs, ss_bench_ws_free)

G_END_DECLS
