/* WebSocket client transport of the signaling channel (libwebsockets on the
 * GLib main loop), with reconnects after exponential backoff. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_WS_SUBPROTOCOL "shuangshi.v1"

typedef struct _SsWsClient SsWsClient;

typedef struct {
  /* The websocket handshake completed. */
  void (*connected) (gpointer user_data);
  /* The connection closed or could not be opened; a reconnect follows
   * after @retry_in_us. */
  void (*disconnected) (gint64 retry_in_us, gpointer user_data);
  /* One whole text message arrived; @text is only valid during the call. */
  void (*message) (const char *text, gsize length, gpointer user_data);
} SsWsClientCallbacks;

SsWsClient *ss_ws_client_new (const char *url, GMainLoop *loop,
                              const SsWsClientCallbacks *callbacks,
                              gpointer user_data, GError **error);
void ss_ws_client_free (SsWsClient *client);

void ss_ws_client_connect (SsWsClient *client);
void ss_ws_client_close (SsWsClient *client);
void ss_ws_client_reset_backoff (SsWsClient *client);
gboolean ss_ws_client_send (SsWsClient *client, const char *text,
                            gsize length);
gboolean ss_ws_client_is_connected (SsWsClient *client);
char *ss_ws_client_get_local_address (SsWsClient *client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsWsClient, ss_ws_client_free)

G_END_DECLS
