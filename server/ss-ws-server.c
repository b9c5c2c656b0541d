/* libwebsockets shell of shuangshi-server (libwebsockets 4.1, GLib event
 * loop backend).
 *
 * One vhost serves plain HTTP and the signaling websocket at /ws with
 * subprotocol shuangshi.v1. An HTTP request goes through the admin API's
 * route table (ss-admin-api.h), /healthz included. The exception is a GET
 * of a path outside /api/ that no route covers, which is a file of the
 * teachers' page from the web root (ss-web-files.h). Request bodies
 * arrive in LWS_CALLBACK_HTTP_BODY calls and are collected up to
 * SS_ADMIN_MAX_BODY_SIZE, and responses are written in chunks when the
 * socket is writable. The two lws
 * callbacks only dispatch: each reason has its own function. Received
 * fragments are reassembled up to SS_MESSAGE_MAX_SIZE and handed to the
 * signaling core. What the core sends is queued per connection and written
 * only when lws reports the socket writable, one message per callback.
 */
#define G_LOG_DOMAIN "ss-server"

#include "ss-ws-server.h"

#include <glib/gi18n.h>
#include <libwebsockets.h>
#include <string.h>

#include "ss-admin-api.h"
#include "ss-message-assembler.h"
#include "ss-send-queue.h"
#include "ss-web-files.h"

G_DEFINE_QUARK (ss-ws-server-error-quark, ss_ws_server_error)

#define WS_PATH "/ws"
#define HEALTHZ_PATH "/healthz"
#define HEALTHZ_BODY "ok"
#define API_PATH_PREFIX "/api/"

/* Sent with the page's files: the page loads nothing from another origin
 * and talks only to this server, and browsers must not guess types. */
#define WEB_CONTENT_SECURITY_POLICY                                           \
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; "            \
  "media-src 'self' blob:; object-src 'none'; base-uri 'none'; "              \
  "frame-ancestors 'none'"

/* How much of an oversized message is read and dropped before the
 * connection is closed without waiting for the message's end. */
#define MAX_DISCARDED_BYTES (1024 * 1024)

struct _SsWsServer {
  struct lws_context *context;
  SsSignaling *signaling;
  SsAdminApi *admin_api;
  /* Directory of the teachers' page; NULL serves no files. */
  char *web_root;
  gboolean shutting_down;
  char *host;
  guint16 port;
};

/* State of one websocket connection. */
typedef struct {
  SsWsServer *server;
  struct lws *wsi;
  SsSession *session;
  SsMessageAssembler *assembler;
  SsSendQueue *send_queue;
  /* The message being assembled arrived in binary frames. */
  gboolean binary;
  /* Nothing more is handed on or queued; the queue drains, then lws
   * closes with close_status. */
  gboolean closing;
  enum lws_close_status close_status;
  /* The rest of an oversized message is still arriving and is read and
   * dropped first, because closing a socket with unread input makes the
   * kernel send a reset and the client would lose the too_large error. */
  gboolean discarding;
  gsize discarded_bytes;
  /* lws will kill the connection at its next timeout check. */
  gboolean dropped;
} SsConnection;

/* lws per-session data of the websocket protocol. */
typedef struct {
  SsConnection *connection;
} SsWsSessionData;

/* lws per-session data of the HTTP protocol: one request at a time, reset
 * between the requests of a keep-alive connection. */
typedef struct {
  SsHttpMethod method;
  char *path;
  char *query;
  char *bearer_token;
  /* The body received so far; NULL when none is expected. */
  GByteArray *body;
  /* The body exceeds SS_ADMIN_MAX_BODY_SIZE: answer 413, then close. */
  gboolean body_too_large;
  gboolean close_after_response;
  /* Set once the request is complete and dispatched. */
  SsAdminResponse *response;
  /* The response is a file of the web root, sent with its own headers. */
  gboolean web_file;
  gboolean headers_pending;
  gsize body_offset;
} SsHttpSessionData;

static void
ss_connection_free (SsConnection *connection)
{
  ss_message_assembler_free (connection->assembler);
  ss_send_queue_free (connection->send_queue);
  g_free (connection);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsConnection, ss_connection_free)

static SsWsServer *
server_of (struct lws *wsi)
{
  return lws_context_user (lws_get_context (wsi));
}

/* ---- Outgoing messages ------------------------------------------------- */

static void
queue_text (SsConnection *connection, const char *text)
{
  if (connection->closing || connection->dropped
      || connection->server->shutting_down)
    return;

  if (!ss_send_queue_push (connection->send_queue, text, strlen (text)))
    {
      g_warning ("session=%s: dropping the client, its send queue is full "
                 "(%u messages, %" G_GSIZE_FORMAT " bytes)",
                 ss_session_get_id (connection->session),
                 ss_send_queue_get_length (connection->send_queue),
                 ss_send_queue_get_bytes (connection->send_queue));
      connection->dropped = TRUE;
      /* Asynchronous, because the core may be walking the lesson that this
       * session belongs to. */
      lws_set_timeout (connection->wsi, PENDING_TIMEOUT_USER_OK,
                       LWS_TO_KILL_ASYNC);
      return;
    }

  lws_callback_on_writable (connection->wsi);
}

void
ss_ws_server_send_message (gpointer connection_pointer,
                           json_t *message,
                           gpointer user_data)
{
  SsConnection *connection = connection_pointer;

  g_autofree char *text = ss_message_to_string (message);
  if (text == NULL)
    {
      g_warning ("session=%s: an outgoing message could not be serialised",
                 ss_session_get_id (connection->session));
      return;
    }
  queue_text (connection, text);
}

/* SsSignalingCloseFunc: the core rejected the client (an invalid token),
 * and its error reply is already queued. */
void
ss_ws_server_close_connection (gpointer connection_pointer,
                               gpointer user_data)
{
  SsConnection *connection = connection_pointer;
  if (connection->closing || connection->dropped)
    return;

  connection->closing = TRUE;
  connection->close_status = LWS_CLOSE_STATUS_POLICY_VIOLATION;
  lws_callback_on_writable (connection->wsi);
}

/* Sends an error of the shell's own (the core never saw the message). */
static void
queue_error (SsConnection *connection, SsProtocolError code, const char *text)
{
  g_autoptr (json_t) error = ss_message_build_error (0, code, text);
  ss_ws_server_send_message (connection, error, connection->server);
}

/* ---- Websocket reasons ------------------------------------------------- */

static int
filter_ws_connection (struct lws *wsi)
{
  char path[64] = "";
  if (lws_hdr_copy (wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0
      || strcmp (path, WS_PATH) != 0)
    {
      g_debug ("websocket upgrade for path %s rejected", path);
      return -1;
    }
  return 0;
}

static int
handle_established (struct lws *wsi, SsWsSessionData *data)
{
  SsWsServer *server = server_of (wsi);

  SsConnection *connection = g_new0 (SsConnection, 1);
  *connection = (SsConnection){
    .server = server,
    .wsi = wsi,
    .assembler = ss_message_assembler_new (SS_MESSAGE_MAX_SIZE),
    .send_queue = ss_send_queue_new (LWS_PRE, SS_WS_SEND_QUEUE_MAX_MESSAGES,
                                     SS_WS_SEND_QUEUE_MAX_BYTES),
  };
  connection->session = ss_signaling_open_session (server->signaling,
                                                   connection,
                                                   g_get_monotonic_time ());
  data->connection = connection;

  char peer[64] = "";
  lws_get_peer_simple (wsi, peer, sizeof peer);
  ss_session_set_peer_address (connection->session, peer);
  g_debug ("session=%s: websocket connection from %s",
           ss_session_get_id (connection->session), peer);
  return 0;
}

static void
deliver_message (SsConnection *connection)
{
  gsize length = 0;
  const char *text = ss_message_assembler_get_data (connection->assembler,
                                                    &length);
  if (connection->binary)
    queue_error (connection, SS_PROTOCOL_ERROR_BAD_JSON,
                 "binary frames are not accepted; send each JSON message in "
                 "a text frame");
  else
    ss_signaling_receive (connection->server->signaling, connection->session,
                          text, length);

  ss_message_assembler_reset (connection->assembler);
}

static int
discard_input (struct lws *wsi, SsConnection *connection, gsize length)
{
  connection->discarded_bytes += length;
  if (connection->discarded_bytes > MAX_DISCARDED_BYTES)
    return -1;

  if (lws_is_final_fragment (wsi) && lws_remaining_packet_payload (wsi) == 0)
    {
      connection->discarding = FALSE;
      lws_callback_on_writable (wsi);
    }
  return 0;
}

static int
handle_receive (struct lws *wsi,
                SsConnection *connection,
                const void *data,
                gsize length)
{
  if (connection == NULL || connection->dropped)
    return 0;

  if (connection->closing)
    return connection->discarding ? discard_input (wsi, connection, length)
                                  : 0;

  if (ss_message_assembler_is_empty (connection->assembler))
    connection->binary = lws_frame_is_binary (wsi);

  gboolean last = lws_is_final_fragment (wsi)
                  && lws_remaining_packet_payload (wsi) == 0;

  switch (ss_message_assembler_add (connection->assembler, data, length,
                                    last))
    {
    case SS_ASSEMBLE_INCOMPLETE:
      break;
    case SS_ASSEMBLE_COMPLETE:
      deliver_message (connection);
      break;
    case SS_ASSEMBLE_TOO_LARGE:
      g_message ("session=%s: closing, a message exceeded %d bytes",
                 ss_session_get_id (connection->session),
                 SS_MESSAGE_MAX_SIZE);
      queue_error (connection, SS_PROTOCOL_ERROR_TOO_LARGE,
                   "a message may be at most 65536 bytes; closing the "
                   "connection");
      connection->closing = TRUE;
      connection->close_status = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
      connection->discarding = !last;
      break;
    }
  return 0;
}

static int
handle_ws_writeable (struct lws *wsi, SsConnection *connection)
{
  if (connection == NULL)
    return 0;

  gsize length = 0;
  guint8 *payload = ss_send_queue_peek (connection->send_queue, &length);
  if (payload != NULL)
    {
      int written = lws_write (wsi, payload, length, LWS_WRITE_TEXT);
      if (written < (int) length)
        {
          g_warning ("session=%s: websocket write failed, closing",
                     ss_session_get_id (connection->session));
          return -1;
        }
      ss_send_queue_pop (connection->send_queue);
    }

  if (ss_send_queue_get_length (connection->send_queue) > 0)
    {
      lws_callback_on_writable (wsi);
      return 0;
    }

  if (connection->closing && !connection->discarding)
    {
      lws_close_reason (wsi, connection->close_status, NULL, 0);
      return -1;
    }
  return 0;
}

static void
handle_ws_closed (SsWsSessionData *data)
{
  g_autoptr (SsConnection) connection = g_steal_pointer (&data->connection);
  if (connection == NULL)
    return;

  ss_signaling_close_session (connection->server->signaling,
                              connection->session, g_get_monotonic_time ());
}

static int
on_ws_event (struct lws *wsi,
             enum lws_callback_reasons reason,
             void *user,
             void *in,
             size_t length)
{
  SsWsSessionData *data = user;

  switch (reason)
    {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      return filter_ws_connection (wsi);
    case LWS_CALLBACK_ESTABLISHED:
      return handle_established (wsi, data);
    case LWS_CALLBACK_RECEIVE:
      return handle_receive (wsi, data->connection, in, length);
    case LWS_CALLBACK_SERVER_WRITEABLE:
      return handle_ws_writeable (wsi, data->connection);
    case LWS_CALLBACK_CLOSED:
      handle_ws_closed (data);
      return 0;
    default:
      return lws_callback_http_dummy (wsi, reason, user, in, length);
    }
}

/* ---- HTTP reasons ------------------------------------------------------ */

/* Bytes of the response body written per writable callback. */
#define HTTP_CHUNK_SIZE 16384

static void
reset_http_request (SsHttpSessionData *data)
{
  g_clear_pointer (&data->path, g_free);
  g_clear_pointer (&data->query, g_free);
  g_clear_pointer (&data->bearer_token, g_free);
  g_clear_pointer (&data->body, g_byte_array_unref);
  g_clear_pointer (&data->response, ss_admin_response_free);
  *data = (SsHttpSessionData){ .method = SS_HTTP_METHOD_OTHER };
}

static int
finish_http_transaction (struct lws *wsi, SsHttpSessionData *data)
{
  gboolean close = data->close_after_response;

  reset_http_request (data);
  if (close)
    return -1;
  return lws_http_transaction_completed (wsi) ? -1 : 0;
}

static SsHttpMethod
read_http_method (struct lws *wsi)
{
  static const struct {
    enum lws_token_indexes token;
    SsHttpMethod method;
  } uri_tokens[] = {
    { WSI_TOKEN_GET_URI, SS_HTTP_METHOD_GET },
    { WSI_TOKEN_POST_URI, SS_HTTP_METHOD_POST },
    { WSI_TOKEN_PUT_URI, SS_HTTP_METHOD_PUT },
    { WSI_TOKEN_PATCH_URI, SS_HTTP_METHOD_PATCH },
    { WSI_TOKEN_DELETE_URI, SS_HTTP_METHOD_DELETE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (uri_tokens); i++)
    if (lws_hdr_total_length (wsi, uri_tokens[i].token) > 0)
      return uri_tokens[i].method;
  return SS_HTTP_METHOD_OTHER;
}

/* Joins the URL-decoded query arguments with '&'. */
static char *
read_http_query (struct lws *wsi)
{
  GString *query = g_string_new (NULL);
  char fragment[1024];

  for (int index = 0;
       lws_hdr_copy_fragment (wsi, fragment, sizeof fragment,
                              WSI_TOKEN_HTTP_URI_ARGS, index) > 0;
       index++)
    {
      if (query->len > 0)
        g_string_append_c (query, '&');
      g_string_append (query, fragment);
    }
  return g_string_free (query, FALSE);
}

/* Returns the token of an "Authorization: Bearer TOKEN" header, or NULL. */
static char *
read_bearer_token (struct lws *wsi)
{
  int length = lws_hdr_total_length (wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  if (length <= 0 || length > 8192)
    return NULL;

  g_autofree char *header = g_malloc (length + 1);
  if (lws_hdr_copy (wsi, header, length + 1, WSI_TOKEN_HTTP_AUTHORIZATION)
      < 0)
    return NULL;

  /* The scheme name is case-insensitive (RFC 7235 section 2.1). */
  if (g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  return g_strstrip (g_strdup (header + 7));
}

/* Returns the Content-Length header's value, 0 when it is absent, or -1
 * when it is not a number. */
static gint64
read_content_length (struct lws *wsi)
{
  char text[32] = "";
  if (lws_hdr_copy (wsi, text, sizeof text, WSI_TOKEN_HTTP_CONTENT_LENGTH)
      <= 0)
    return 0;

  guint64 value = 0;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    return -1;
  return (gint64) value;
}

/* A GET outside /api/ that no admin route covers, such as / or
 * /main.js. */
static gboolean
is_web_file_request (const SsWsServer *server, const SsHttpSessionData *data)
{
  return server->web_root != NULL && data->method == SS_HTTP_METHOD_GET
         && !g_str_has_prefix (data->path, API_PATH_PREFIX)
         && !ss_admin_api_has_path (server->admin_api, data->path);
}

static void
serve_web_file (const SsWsServer *server, SsHttpSessionData *data)
{
  const char *content_type = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) file = ss_web_files_read (server->web_root, data->path,
                                               &content_type, &error);
  if (file != NULL)
    {
      ss_admin_response_set_bytes (data->response, 200, content_type, file);
      data->web_file = TRUE;
      return;
    }

  guint status = 404;
  if (g_error_matches (error, SS_WEB_FILES_ERROR,
                       SS_WEB_FILES_ERROR_INVALID_PATH))
    status = 400;
  else if (!g_error_matches (error, SS_WEB_FILES_ERROR,
                             SS_WEB_FILES_ERROR_NOT_FOUND))
    {
      status = 500;
      g_warning ("GET %s failed: %s", data->path, error->message);
    }

  g_autofree char *text = g_strconcat (error->message, "\n", NULL);
  ss_admin_response_set_text (data->response, status,
                              "text/plain; charset=utf-8", text);
}

static void
respond_http (struct lws *wsi, SsHttpSessionData *data)
{
  SsWsServer *server = server_of (wsi);
  g_autoptr (GBytes) body = data->body != NULL
                                ? g_byte_array_free_to_bytes (
                                      g_steal_pointer (&data->body))
                                : g_bytes_new_static ("", 0);

  data->response = ss_admin_response_new ();
  if (data->body_too_large)
    {
      ss_admin_response_set_error (data->response, 413, "too_large",
                                   "the request body exceeds 1 MiB");
      data->close_after_response = TRUE;
    }
  else if (is_web_file_request (server, data))
    serve_web_file (server, data);
  else
    {
      const SsAdminRequest request = {
        .method = data->method,
        .path = data->path,
        .query = data->query,
        .body = body,
        .bearer_token = data->bearer_token,
        .now_unix = g_get_real_time () / G_USEC_PER_SEC,
      };
      ss_admin_api_dispatch (server->admin_api, &request, data->response);
    }

  data->headers_pending = TRUE;
  lws_callback_on_writable (wsi);
}

static int
handle_http_request (struct lws *wsi,
                     SsHttpSessionData *data,
                     const char *path)
{
  reset_http_request (data);
  data->method = read_http_method (wsi);
  data->path = g_strdup (path != NULL ? path : "/");
  data->query = read_http_query (wsi);
  data->bearer_token = read_bearer_token (wsi);

  gboolean has_body = data->method == SS_HTTP_METHOD_POST
                      || data->method == SS_HTTP_METHOD_PUT
                      || data->method == SS_HTTP_METHOD_PATCH;
  gint64 content_length = has_body ? read_content_length (wsi) : 0;

  if (content_length < 0 || content_length > SS_ADMIN_MAX_BODY_SIZE)
    {
      /* The body is never read, so the connection cannot carry another
       * request after the reply. */
      data->body_too_large = TRUE;
      respond_http (wsi, data);
      return 0;
    }

  if (content_length == 0)
    {
      respond_http (wsi, data);
      return 0;
    }

  /* lws delivers the body in LWS_CALLBACK_HTTP_BODY calls. */
  data->body = g_byte_array_sized_new (content_length);
  return 0;
}

static int
handle_http_body (SsHttpSessionData *data, const void *in, gsize length)
{
  if (data->body == NULL || data->body_too_large)
    return 0;

  if (data->body->len + length > SS_ADMIN_MAX_BODY_SIZE)
    {
      data->body_too_large = TRUE;
      g_clear_pointer (&data->body, g_byte_array_unref);
      return 0;
    }

  g_byte_array_append (data->body, in, length);
  return 0;
}

static int
add_web_file_headers (struct lws *wsi, guint8 **position, guint8 *end)
{
  static const char nosniff[] = "nosniff";
  static const char policy[] = WEB_CONTENT_SECURITY_POLICY;

  if (lws_add_http_header_by_name (
          wsi, (const guint8 *) "x-content-type-options:",
          (const guint8 *) nosniff, sizeof nosniff - 1, position, end))
    return -1;
  return lws_add_http_header_by_name (
      wsi, (const guint8 *) "content-security-policy:",
      (const guint8 *) policy, sizeof policy - 1, position, end);
}

static int
write_http_headers (struct lws *wsi, SsHttpSessionData *data)
{
  guint8 buffer[LWS_PRE + 1024];
  guint8 *start = buffer + LWS_PRE;
  guint8 *position = start;
  guint8 *end = buffer + sizeof buffer - 1;
  GBytes *body = ss_admin_response_get_body (data->response);

  if (lws_add_http_common_headers (
          wsi, ss_admin_response_get_status (data->response),
          ss_admin_response_get_content_type (data->response),
          g_bytes_get_size (body), &position, end)
      || lws_add_http_header_by_token (
          wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, (const guint8 *) "no-store", 8,
          &position, end))
    return -1;

  if (data->web_file && add_web_file_headers (wsi, &position, end) != 0)
    return -1;

  if (lws_finalize_write_http_header (wsi, start, &position, end))
    return -1;

  data->headers_pending = FALSE;
  data->body_offset = 0;
  lws_callback_on_writable (wsi);
  return 0;
}

static int
write_http_body_chunk (struct lws *wsi, SsHttpSessionData *data)
{
  gsize size = 0;
  const guint8 *body = g_bytes_get_data (
      ss_admin_response_get_body (data->response), &size);
  gsize length = MIN (size - data->body_offset, HTTP_CHUNK_SIZE);
  gboolean last = data->body_offset + length == size;

  if (length > 0)
    {
      guint8 buffer[LWS_PRE + HTTP_CHUNK_SIZE];
      memcpy (buffer + LWS_PRE, body + data->body_offset, length);
      if (lws_write (wsi, buffer + LWS_PRE, length,
                     last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP)
          < (int) length)
        return -1;
      data->body_offset += length;
    }

  if (last)
    return finish_http_transaction (wsi, data);

  lws_callback_on_writable (wsi);
  return 0;
}

static int
handle_http_writeable (struct lws *wsi, SsHttpSessionData *data)
{
  if (data->response == NULL)
    return 0;

  if (data->headers_pending)
    return write_http_headers (wsi, data);
  return write_http_body_chunk (wsi, data);
}

static int
on_http_event (struct lws *wsi,
               enum lws_callback_reasons reason,
               void *user,
               void *in,
               size_t length)
{
  switch (reason)
    {
    case LWS_CALLBACK_HTTP:
      return handle_http_request (wsi, user, in);
    case LWS_CALLBACK_HTTP_BODY:
      return handle_http_body (user, in, length);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
      respond_http (wsi, user);
      return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return handle_http_writeable (wsi, user);
    case LWS_CALLBACK_CLOSED_HTTP:
      if (user != NULL)
        reset_http_request (user);
      return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      /* A websocket upgrade without the shuangshi.v1 subprotocol. */
      g_debug ("websocket upgrade without subprotocol %s rejected",
               SS_PROTOCOL_SUBPROTOCOL);
      return -1;
    default:
      return lws_callback_http_dummy (wsi, reason, user, in, length);
    }
}

static void
handle_healthz (const SsAdminRequest *request,
                SsAdminResponse *response,
                gpointer user_data)
{
  ss_admin_response_set_text (response, 200, "text/plain", HEALTHZ_BODY);
}

static const SsAdminRoute healthz_routes[] = {
  {
    .method = SS_HTTP_METHOD_GET,
    .path = HEALTHZ_PATH,
    .auth = SS_ADMIN_AUTH_NONE,
    .handler = handle_healthz,
  },
};

/* ---- Server ------------------------------------------------------------ */

static const struct lws_protocols protocols[] = {
  {
    .name = "http",
    .callback = on_http_event,
    .per_session_data_size = sizeof (SsHttpSessionData),
  },
  {
    .name = SS_PROTOCOL_SUBPROTOCOL,
    .callback = on_ws_event,
    .per_session_data_size = sizeof (SsWsSessionData),
  },
  { .name = NULL },
};

static void
forward_lws_log (int level, const char *line)
{
  g_autofree char *text = g_strchomp (g_strdup (line));
  if (level & LLL_ERR)
    g_log ("libwebsockets", G_LOG_LEVEL_WARNING, "%s", text);
  else
    g_log ("libwebsockets", G_LOG_LEVEL_DEBUG, "%s", text);
}

SsWsServer *
ss_ws_server_new (const char *host,
                  guint16 port,
                  GMainLoop *loop,
                  GError **error)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (loop != NULL, NULL);

  int log_levels = LLL_ERR | LLL_WARN;
  if (g_log_get_debug_enabled ())
    log_levels |= LLL_NOTICE;
  lws_set_log_level (log_levels, forward_lws_log);

  g_autoptr (SsWsServer) server = g_new0 (SsWsServer, 1);
  server->admin_api = ss_admin_api_new (NULL);
  ss_admin_api_add_routes (server->admin_api, healthz_routes,
                           G_N_ELEMENTS (healthz_routes), NULL);
  void *foreign_loops[] = { loop };

  struct lws_context_creation_info info = {
    .port = port,
    .iface = host,
    .protocols = protocols,
    .options = LWS_SERVER_OPTION_GLIB,
    .foreign_loops = foreign_loops,
    .user = server,
  };
  if (strchr (host, ':') == NULL)
    info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;

  server->context = lws_create_context (&info);
  if (server->context == NULL)
    {
      g_set_error (error, SS_WS_SERVER_ERROR, SS_WS_SERVER_ERROR_LISTEN,
                   _("Cannot listen on %s port %u: the port is in use or "
                     "the address is not one of this machine's"),
                   host, port);
      return NULL;
    }

  struct lws_vhost *vhost = lws_get_vhost_by_name (server->context,
                                                   "default");
  server->port = vhost != NULL ? lws_get_vhost_listen_port (vhost) : port;
  server->host = g_strdup (host);
  g_message ("listening on %s port %u: GET %s, websocket %s (%s)", host,
             server->port, HEALTHZ_PATH, WS_PATH, SS_PROTOCOL_SUBPROTOCOL);
  return g_steal_pointer (&server);
}

void
ss_ws_server_set_signaling (SsWsServer *server, SsSignaling *signaling)
{
  server->signaling = signaling;
}

void
ss_ws_server_set_web_root (SsWsServer *server, const char *web_root)
{
  g_return_if_fail (server != NULL);

  g_free (server->web_root);
  server->web_root = g_strdup (web_root);
  if (web_root == NULL)
    return;

  /* An IPv6 literal goes in brackets in a URL (RFC 3986 section 3.2.2). */
  gboolean ipv6 = strchr (server->host, ':') != NULL;
  if (ss_web_files_root_has_index (web_root))
    g_message ("serving the teachers' page from %s at http://%s%s%s:%u/",
               web_root, ipv6 ? "[" : "", server->host, ipv6 ? "]" : "",
               server->port);
  else
    g_warning ("the web root %s has no index.html, so the teachers' page "
               "answers 404; give the page's directory with --web-root",
               web_root);
}

SsAdminApi *
ss_ws_server_get_admin_api (SsWsServer *server)
{
  return server->admin_api;
}

guint16
ss_ws_server_get_port (const SsWsServer *server)
{
  return server->port;
}

void
ss_ws_server_free (SsWsServer *server)
{
  if (server == NULL)
    return;

  /* Destroying the context closes every connection, and each close reaches
   * the core; messages the core sends meanwhile are discarded. */
  server->shutting_down = TRUE;
  g_clear_pointer (&server->context, lws_context_destroy);
  ss_admin_api_free (server->admin_api);
  g_free (server->web_root);
  g_free (server->host);
  g_free (server);
}
