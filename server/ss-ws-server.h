/* The HTTP and websocket front of shuangshi-server: libwebsockets on the
 * GLib main loop, one port for the HTTP admin API (GET /healthz, /metrics,
 * /api/v1/...), the teachers' page (GET / and its files) and the signaling
 * websocket at /ws (subprotocol shuangshi.v1). */
#pragma once

#include <glib.h>

#include "ss-admin-api.h"
#include "ss-signaling.h"

G_BEGIN_DECLS

#define SS_WS_SERVER_ERROR (ss_ws_server_error_quark ())
GQuark ss_ws_server_error_quark (void);

typedef enum {
  SS_WS_SERVER_ERROR_LISTEN,  /* the listening socket could not be opened */
} SsWsServerError;

/* Bounds of a connection's outgoing queue; a client that lets it fill is
 * dropped. */
#define SS_WS_SEND_QUEUE_MAX_MESSAGES 256
#define SS_WS_SEND_QUEUE_MAX_BYTES (1024 * 1024)

typedef struct _SsWsServer SsWsServer;

/* Listens on @host (an IP address) and @port (0 picks a free port) and
 * serves connections on @loop's context, handing every message to
 * @signaling. The SsSignaling must be created with
 * ss_ws_server_send_message() as its send function and the server as its
 * data, and must outlive the server. */
SsWsServer *ss_ws_server_new (const char *host,
                              guint16 port,
                              GMainLoop *loop,
                              GError **error);

void ss_ws_server_set_signaling (SsWsServer *server, SsSignaling *signaling);

/* Serves the files of the teachers' page from @web_root (copied; NULL
 * serves none) for GET requests that no admin route covers. Logs a
 * warning when the directory has no index.html. */
void ss_ws_server_set_web_root (SsWsServer *server, const char *web_root);

/* Closes every connection (each session is closed in the signaling core)
 * and the listening socket. */
void ss_ws_server_free (SsWsServer *server);

guint16 ss_ws_server_get_port (const SsWsServer *server);

/* The route table of HTTP requests, with GET /healthz already in it. Add
 * routes and set the token verifier before the main loop runs. */
SsAdminApi *ss_ws_server_get_admin_api (SsWsServer *server);

/* SsSignalingSendFunc for the connections of @user_data, an SsWsServer. */
void ss_ws_server_send_message (gpointer connection,
                                json_t *message,
                                gpointer user_data);

/* SsSignalingCloseFunc for the connections of @user_data, an SsWsServer:
 * closes the connection once its queued messages are written. */
void ss_ws_server_close_connection (gpointer connection,
                                    gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsWsServer, ss_ws_server_free)

G_END_DECLS
