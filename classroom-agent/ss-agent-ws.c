/* Signaling transport: a libwebsockets 4.1 client driven by the GLib main
 * loop (LWS_SERVER_OPTION_GLIB with the application's loop as foreign
 * loop). It only moves text frames; ss-agent-signaling.c interprets them.
 *
 * libwebsockets writes only from the WRITEABLE callback, so outgoing frames
 * wait in a queue until the socket can take them. After a failed attempt or
 * a dropped connection the client reconnects by itself after
 * ss_backoff_delay_us(). Attempts count up until the owner calls
 * ss_ws_client_reset_backoff(), because a server that accepts the
 * handshake but rejects the session (an unknown lesson, say) must not be
 * retried at the shortest delay forever. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-ws.h"
#include "ss-agent-backoff.h"
#include "ss-agent-error.h"
#include "ss-agent-signaling.h"

#include <glib/gi18n.h>
#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

struct _SsWsClient {
  char *url;
  char *host;
  char *path;
  int port;

  GMainLoop *loop;
  GMainContext *context;
  struct lws_context *lws_context;
  struct lws *wsi;
  gboolean connected;

  SsWsClientCallbacks callbacks;
  gpointer user_data;

  GQueue outgoing;
  GString *incoming;
  gboolean discarding;

  guint attempt;
  GSource *reconnect_source;
  /* Set while the context is destroyed, when callbacks must not reach the
   * owner. */
  gboolean closing;
  /* The owner asked to drop the connection; the next WRITEABLE closes it. */
  gboolean close_requested;
};

static void
emit_lws_log (int level, const char *line)
{
  g_autofree char *text = g_strchomp (g_strdup (line));

  if (level & LLL_ERR)
    g_warning ("libwebsockets: %s", text);
  else
    g_info ("libwebsockets: %s", text);
}

static void schedule_reconnect (SsWsClient *client);

static void
handle_closed (SsWsClient *client, const char *reason)
{
  gboolean was_connected = client->connected;

  client->wsi = NULL;
  client->connected = FALSE;
  client->close_requested = FALSE;
  client->discarding = FALSE;
  g_string_truncate (client->incoming, 0);
  g_queue_clear_full (&client->outgoing, (GDestroyNotify) g_bytes_unref);

  g_message ("Signaling connection to %s %s: %s", client->url,
             was_connected ? "closed" : "failed", reason);
  schedule_reconnect (client);
}

static void
handle_receive (SsWsClient *client, struct lws *wsi, const char *data,
                gsize length)
{
  if (!client->discarding)
    g_string_append_len (client->incoming, data, (gssize) length);

  if (client->incoming->len > SS_SIGNALING_MAX_MESSAGE_SIZE) {
    client->discarding = TRUE;
    g_string_truncate (client->incoming, 0);
  }

  if (!lws_is_final_fragment (wsi))
    return;

  if (client->discarding) {
    g_warning ("Dropped a signaling message larger than %d bytes",
               SS_SIGNALING_MAX_MESSAGE_SIZE);
    client->discarding = FALSE;
    return;
  }

  g_autofree char *text = g_strndup (client->incoming->str,
                                     client->incoming->len);
  gsize text_length = client->incoming->len;
  g_string_truncate (client->incoming, 0);
  client->callbacks.message (text, text_length, client->user_data);
}

static int
handle_writeable (SsWsClient *client, struct lws *wsi)
{
  if (client->close_requested)
    return -1;

  GBytes *frame = g_queue_pop_head (&client->outgoing);

  if (frame == NULL)
    return 0;

  gsize length = 0;
  const guint8 *data = g_bytes_get_data (frame, &length);
  g_autofree guint8 *buffer = g_malloc (LWS_PRE + length);
  memcpy (buffer + LWS_PRE, data, length);
  g_bytes_unref (frame);

  if (lws_write (wsi, buffer + LWS_PRE, length, LWS_WRITE_TEXT)
      < (int) length) {
    g_warning ("Failed to write a signaling message to %s", client->url);
    return -1;
  }

  if (!g_queue_is_empty (&client->outgoing))
    lws_callback_on_writable (wsi);
  return 0;
}

static int
on_lws_event (struct lws *wsi, enum lws_callback_reasons reason, void *user,
              void *in, size_t length)
{
  SsWsClient *client = lws_context_user (lws_get_context (wsi));

  if (client == NULL || client->closing
      || (client->wsi != NULL && wsi != client->wsi))
    return lws_callback_http_dummy (wsi, reason, user, in, length);

  switch (reason) {
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    client->wsi = wsi;
    client->connected = TRUE;
    g_message ("Signaling connected to %s", client->url);
    client->callbacks.connected (client->user_data);
    break;
  case LWS_CALLBACK_CLIENT_RECEIVE:
    handle_receive (client, wsi, in, length);
    break;
  case LWS_CALLBACK_CLIENT_WRITEABLE:
    return handle_writeable (client, wsi);
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    handle_closed (client, in != NULL ? (const char *) in : "connection error");
    break;
  case LWS_CALLBACK_CLIENT_CLOSED:
    handle_closed (client, "closed by peer or network");
    break;
  default:
    break;
  }

  return lws_callback_http_dummy (wsi, reason, user, in, length);
}

static const struct lws_protocols protocols[] = {
  {
    .name = SS_WS_SUBPROTOCOL,
    .callback = on_lws_event,
    .rx_buffer_size = SS_SIGNALING_MAX_MESSAGE_SIZE,
  },
  { .name = NULL },
};

static gboolean
parse_url (SsWsClient *client, const char *url, GError **error)
{
  g_autofree char *copy = g_strdup (url);
  const char *scheme = NULL;
  const char *host = NULL;
  const char *path = NULL;
  int port = 0;

  if (lws_parse_uri (copy, &scheme, &host, &port, &path) != 0
      || g_strcmp0 (scheme, "ws") != 0 || host == NULL || *host == '\0') {
    /* NOTE: wss:// is not supported, because the server listens on plain
     * ws only. */
    g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_CONNECTION,
                 _("Invalid server URL \"%s\": expected ws://HOST:PORT/ws"),
                 url);
    return FALSE;
  }

  client->host = g_strdup (host);
  client->port = port;
  client->path = g_strconcat ("/", path, NULL);
  return TRUE;
}

/* Creates the client; it connects on ss_ws_client_connect(). */
SsWsClient *
ss_ws_client_new (const char *url, GMainLoop *loop,
                  const SsWsClientCallbacks *callbacks, gpointer user_data,
                  GError **error)
{
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (loop != NULL, NULL);

  g_autoptr (SsWsClient) client = g_new0 (SsWsClient, 1);
  client->url = g_strdup (url);
  client->loop = g_main_loop_ref (loop);
  client->context = g_main_context_ref (g_main_loop_get_context (loop));
  client->callbacks = *callbacks;
  client->user_data = user_data;
  client->incoming = g_string_new (NULL);
  g_queue_init (&client->outgoing);

  if (!parse_url (client, url, error))
    return NULL;

  lws_set_log_level (LLL_ERR | LLL_WARN, emit_lws_log);

  void *foreign_loops[] = { loop };
  struct lws_context_creation_info info = {
    .port = CONTEXT_PORT_NO_LISTEN,
    .protocols = protocols,
    .options = LWS_SERVER_OPTION_GLIB,
    .foreign_loops = foreign_loops,
    .user = client,
  };

  client->lws_context = lws_create_context (&info);
  if (client->lws_context == NULL) {
    g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_CONNECTION,
                         "Failed to create the libwebsockets context; is libwebsockets-evlib-glib installed?");
    return NULL;
  }

  return g_steal_pointer (&client);
}

void
ss_ws_client_free (SsWsClient *client)
{
  if (client == NULL)
    return;

  if (client->reconnect_source != NULL) {
    g_source_destroy (client->reconnect_source);
    g_source_unref (client->reconnect_source);
  }

  client->closing = TRUE;
  if (client->lws_context != NULL)
    lws_context_destroy (client->lws_context);

  g_queue_clear_full (&client->outgoing, (GDestroyNotify) g_bytes_unref);
  if (client->incoming != NULL)
    g_string_free (client->incoming, TRUE);
  g_main_context_unref (client->context);
  g_main_loop_unref (client->loop);
  g_free (client->url);
  g_free (client->host);
  g_free (client->path);
  g_free (client);
}

static gboolean
on_reconnect_timeout (gpointer data)
{
  SsWsClient *client = data;

  g_clear_pointer (&client->reconnect_source, g_source_unref);
  ss_ws_client_connect (client);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (SsWsClient *client)
{
  if (client->reconnect_source != NULL)
    return;

  gint64 delay_us = ss_backoff_delay_us (client->attempt,
                                         g_random_double ());
  client->attempt++;

  client->reconnect_source = g_timeout_source_new ((guint) (delay_us / 1000));
  g_source_set_callback (client->reconnect_source, on_reconnect_timeout,
                         client, NULL);
  g_source_attach (client->reconnect_source, client->context);

  g_message ("Reconnecting to %s in %.1f s", client->url,
             (double) delay_us / G_USEC_PER_SEC);
  client->callbacks.disconnected (delay_us, client->user_data);
}

/* Starts one connection attempt; failures end in a scheduled retry. */
void
ss_ws_client_connect (SsWsClient *client)
{
  if (client->wsi != NULL)
    return;

  struct lws_client_connect_info info = {
    .context = client->lws_context,
    .address = client->host,
    .port = client->port,
    .path = client->path,
    .host = client->host,
    .origin = client->host,
    .protocol = SS_WS_SUBPROTOCOL,
  };

  g_debug ("Connecting to %s", client->url);
  client->wsi = lws_client_connect_via_info (&info);
  if (client->wsi == NULL)
    schedule_reconnect (client);
}

/* Queues one text frame. Returns FALSE, dropping the frame, while no
 * connection is open. */
gboolean
ss_ws_client_send (SsWsClient *client, const char *text, gsize length)
{
  if (!client->connected || client->wsi == NULL) {
    g_info ("Dropped a signaling message: not connected to %s", client->url);
    return FALSE;
  }

  g_queue_push_tail (&client->outgoing, g_bytes_new (text, length));
  lws_callback_on_writable (client->wsi);
  return TRUE;
}

gboolean
ss_ws_client_is_connected (SsWsClient *client)
{
  return client->connected;
}

/* Returns the local IP address of the open connection (the address that
 * routes to the server), or NULL. */
char *
ss_ws_client_get_local_address (SsWsClient *client)
{
  if (!client->connected || client->wsi == NULL)
    return NULL;

  struct sockaddr_storage address;
  socklen_t address_length = sizeof (address);
  int fd = lws_get_socket_fd (client->wsi);

  if (fd < 0
      || getsockname (fd, (struct sockaddr *) &address, &address_length) != 0)
    return NULL;

  char text[INET6_ADDRSTRLEN] = "";
  const void *raw = NULL;

  if (address.ss_family == AF_INET)
    raw = &((struct sockaddr_in *) &address)->sin_addr;
  else if (address.ss_family == AF_INET6)
    raw = &((struct sockaddr_in6 *) &address)->sin6_addr;

  if (raw == NULL || inet_ntop (address.ss_family, raw, text, sizeof (text)) == NULL)
    return NULL;

  return g_strdup (text);
}

/* Closes the open connection; the usual reconnect follows. */
void
ss_ws_client_close (SsWsClient *client)
{
  if (client->wsi == NULL)
    return;

  client->close_requested = TRUE;
  lws_callback_on_writable (client->wsi);
}

/* Restarts the backoff at its shortest delay; the owner calls it once the
 * session is established. */
void
ss_ws_client_reset_backoff (SsWsClient *client)
{
  client->attempt = 0;
}
