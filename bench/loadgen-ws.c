/* WebSocket client side of RFC 6455: the opening handshake (section 4.1),
 * masked text frames out (section 5.3) and unmasked frames in, with
 * fragmentation, ping and close handled (section 5.4, 5.5). Messages are
 * signaling JSON (protocol/README.md), built and checked with the protocol
 * module. */

#include "loadgen-ws.h"

#include <errno.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ss-message.h"

G_DEFINE_QUARK (ss-bench-ws-error-quark, ss_bench_ws_error)

/* RFC 6455 section 1.3: the server proves it read the key by hashing it
 * with this fixed GUID. */
#define WS_ACCEPT_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* The signaling protocol's message size limit. */
#define WS_MAX_MESSAGE (64 * 1024)

enum {
  OPCODE_CONTINUATION = 0x0,
  OPCODE_TEXT = 0x1,
  OPCODE_BINARY = 0x2,
  OPCODE_CLOSE = 0x8,
  OPCODE_PING = 0x9,
  OPCODE_PONG = 0xA,
};

struct _SsBenchWs {
  int fd;
  GByteArray *input;   /* bytes read and not yet parsed */
  GString *message;    /* text of a fragmented message so far */
  gint64 next_id;
  gboolean closed;
};

void
ss_bench_ws_free (SsBenchWs *ws)
{
  if (ws == NULL)
    return;

  if (ws->fd >= 0)
    close (ws->fd);
  g_byte_array_unref (ws->input);
  g_string_free (ws->message, TRUE);
  g_free (ws);
}

/* ---- bytes ---- */

static gboolean
write_all (SsBenchWs *ws, const guint8 *data, gsize len, GError **error)
{
  while (len > 0)
    {
      ssize_t n = send (ws->fd, data, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_IO,
                       "websocket write failed: %s", g_strerror (errno));
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Reads what is available, waiting up to timeout_ms (0: no wait) for the
 * first byte. Returns FALSE on error, close, or timeout with nothing read. */
static gboolean
read_some (SsBenchWs *ws, int timeout_ms, GError **error)
{
  struct pollfd pfd = { .fd = ws->fd, .events = POLLIN };
  int ready;

  do
    ready = poll (&pfd, 1, timeout_ms);
  while (ready < 0 && errno == EINTR);

  if (ready == 0)
    {
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_TIMEOUT,
                   "no data from the server in %d ms", timeout_ms);
      return FALSE;
    }

  guint8 buffer[16384];
  ssize_t n = recv (ws->fd, buffer, sizeof buffer, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return TRUE;
  if (n <= 0)
    {
      ws->closed = TRUE;
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_IO,
                   "websocket read failed: %s",
                   n == 0 ? "connection closed by the server"
                          : g_strerror (errno));
      return FALSE;
    }

  g_byte_array_append (ws->input, buffer, (guint) n);
  return TRUE;
}

/* ---- handshake ---- */

static int
connect_tcp (const char *host, int port, GError **error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_CONNECT,
                   "server host %s is not an IP address", host);
      return -1;
    }

  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (inet, port);
  struct sockaddr_storage native;
  gssize native_len = g_socket_address_get_native_size (address);
  if (!g_socket_address_to_native (address, &native, sizeof native, error))
    return -1;

  int fd = socket (native.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &native,
                         (socklen_t) native_len) < 0)
    {
      int saved = errno;
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_CONNECT,
                   "cannot connect to %s port %d: %s", host, port,
                   g_strerror (saved));
      if (fd >= 0)
        close (fd);
      return -1;
    }

  int one = 1;
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static char *
expected_accept (const char *key)
{
  g_autofree char *joined = g_strconcat (key, WS_ACCEPT_GUID, NULL);
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);

  g_checksum_update (sha1, (const guchar *) joined, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

/* Returns the length of the HTTP response head, or 0 while incomplete. */
static gsize
find_head_end (GByteArray *input)
{
  for (gsize i = 3; i < input->len; i++)
    if (memcmp (input->data + i - 3, "\r\n\r\n", 4) == 0)
      return i + 1;
  return 0;
}

static gboolean
check_upgrade (const char *head, const char *key, GError **error)
{
  g_autofree char *accept = expected_accept (key);
  g_autofree char *accept_line = g_strdup_printf ("sec-websocket-accept: %s",
                                                  accept);
  g_autofree char *lower = g_ascii_strdown (head, -1);
  g_autofree char *accept_lower = g_ascii_strdown (accept_line, -1);

  if (!g_str_has_prefix (head, "HTTP/1.1 101")
      || strstr (lower, accept_lower) == NULL)
    {
      g_autofree char *status = g_strndup (head, strcspn (head, "\r\n"));
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_CONNECT,
                   "websocket upgrade rejected: \"%s\"", status);
      return FALSE;
    }
  return TRUE;
}

SsBenchWs *
ss_bench_ws_connect (const char *url, const char *subprotocol, int timeout_ms,
                     GError **error)
{
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  int port = -1;

  if (!g_uri_split (url, G_URI_FLAGS_NONE, &scheme, NULL, &host, &port, &path,
                    NULL, NULL, error))
    return NULL;
  if (g_strcmp0 (scheme, "ws") != 0 || port <= 0)
    {
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_CONNECT,
                   "invalid signaling URL %s: expected ws://ADDRESS:PORT/PATH",
                   url);
      return NULL;
    }

  g_autoptr (SsBenchWs) ws = g_new0 (SsBenchWs, 1);
  ws->input = g_byte_array_new ();
  ws->message = g_string_new (NULL);
  ws->next_id = 1;
  ws->fd = connect_tcp (host, port, error);
  if (ws->fd < 0)
    return NULL;

  guint8 nonce[16];
  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = (guint8) g_random_int ();
  g_autofree char *key = g_base64_encode (nonce, sizeof nonce);
  g_autofree char *request = g_strdup_printf (
    "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
    path[0] != '\0' ? path : "/", host, port, key, subprotocol);
  if (!write_all (ws, (const guint8 *) request, strlen (request), error))
    return NULL;

  gsize head_len = 0;
  while ((head_len = find_head_end (ws->input)) == 0)
    if (!read_some (ws, timeout_ms, error))
      return NULL;

  g_autofree char *head = g_strndup ((const char *) ws->input->data, head_len);
  g_byte_array_remove_range (ws->input, 0, (guint) head_len);
  if (!check_upgrade (head, key, error))
    return NULL;

  return g_steal_pointer (&ws);
}

/* ---- frames ---- */

static gboolean
send_frame (SsBenchWs *ws, guint8 opcode, const guint8 *payload, gsize len,
            GError **error)
{
  g_autoptr (GByteArray) frame = g_byte_array_sized_new ((guint) len + 14);
  guint8 head[10];
  gsize head_len;

  head[0] = 0x80 | opcode; /* FIN set: this client never fragments */
  if (len < 126)
    {
      head[1] = 0x80 | (guint8) len;
      head_len = 2;
    }
  else if (len <= G_MAXUINT16)
    {
      head[1] = 0x80 | 126;
      head[2] = (guint8) (len >> 8);
      head[3] = (guint8) len;
      head_len = 4;
    }
  else
    {
      head[1] = 0x80 | 127;
      for (int i = 0; i < 8; i++)
        head[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
      head_len = 10;
    }
  g_byte_array_append (frame, head, (guint) head_len);

  /* Section 5.3: a client masks every frame with a fresh key. */
  guint32 mask_word = g_random_int ();
  guint8 mask[4];
  memcpy (mask, &mask_word, sizeof mask);
  g_byte_array_append (frame, mask, sizeof mask);
  for (gsize i = 0; i < len; i++)
    {
      guint8 byte = payload[i] ^ mask[i % 4];
      g_byte_array_append (frame, &byte, 1);
    }

  return write_all (ws, frame->data, frame->len, error);
}

typedef struct {
  gboolean fin;
  guint8 opcode;
  const guint8 *payload;
  gsize payload_len;
  gsize frame_len;
} SsWsFrame;

/* Parses the first frame of the input; FALSE while it is incomplete. */
static gboolean
peek_frame (GByteArray *input, SsWsFrame *frame)
{
  const guint8 *data = input->data;
  gsize len = input->len;

  if (len < 2)
    return FALSE;

  gboolean masked = (data[1] & 0x80) != 0;
  guint64 payload_len = data[1] & 0x7f;
  gsize offset = 2;

  if (payload_len == 126)
    {
      if (len < 4)
        return FALSE;
      payload_len = ((guint64) data[2] << 8) | data[3];
      offset = 4;
    }
  else if (payload_len == 127)
    {
      if (len < 10)
        return FALSE;
      payload_len = 0;
      for (int i = 0; i < 8; i++)
        payload_len = (payload_len << 8) | data[2 + i];
      offset = 10;
    }

  /* Servers never mask (section 5.1); a mask key would only be skipped. */
  if (masked)
    offset += 4;
  if (payload_len > WS_MAX_MESSAGE || len < offset + payload_len)
    return FALSE;

  *frame = (SsWsFrame){
    .fin = (data[0] & 0x80) != 0,
    .opcode = data[0] & 0x0f,
    .payload = data + offset,
    .payload_len = (gsize) payload_len,
    .frame_len = offset + (gsize) payload_len,
  };
  return TRUE;
}

/* Handles one complete frame. Returns a whole text message when the frame
 * completes one, NULL otherwise (error set when the connection is over). */
static char *
take_frame (SsBenchWs *ws, const SsWsFrame *frame, GError **error)
{
  switch (frame->opcode)
    {
    case OPCODE_PING:
      send_frame (ws, OPCODE_PONG, frame->payload, frame->payload_len, NULL);
      return NULL;

    case OPCODE_PONG:
      return NULL;

    case OPCODE_CLOSE:
      ws->closed = TRUE;
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_IO,
                   "the server closed the websocket");
      return NULL;

    case OPCODE_TEXT:
    case OPCODE_CONTINUATION:
      g_string_append_len (ws->message, (const char *) frame->payload,
                           (gssize) frame->payload_len);
      if (!frame->fin)
        return NULL;
      return g_string_free (g_steal_pointer (&ws->message), FALSE);

    case OPCODE_BINARY:
    default:
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_PROTOCOL,
                   "unexpected websocket opcode %u", frame->opcode);
      return NULL;
    }
}

/* Returns the next whole text message, reading for up to timeout_ms. */
static char *
receive_message (SsBenchWs *ws, int timeout_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      SsWsFrame frame;

      while (peek_frame (ws->input, &frame))
        {
          GError *frame_error = NULL;
          char *text = take_frame (ws, &frame, &frame_error);

          g_byte_array_remove_range (ws->input, 0, (guint) frame.frame_len);
          if (ws->message == NULL)
            ws->message = g_string_new (NULL);
          if (frame_error != NULL)
            {
              g_propagate_error (error, frame_error);
              return NULL;
            }
          if (text != NULL)
            return text;
        }

      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      if (!read_some (ws, (int) MAX (left_ms, 0), error))
        return NULL;
    }
}

/* ---- signaling messages ---- */

gint64
ss_bench_ws_send_request (SsBenchWs *ws, const char *type, json_t *payload,
                          GError **error)
{
  gint64 id = ws->next_id++;
  g_autoptr (json_t) request = json_object ();

  json_object_set_new (request, "v", json_integer (1));
  json_object_set_new (request, "type", json_string (type));
  json_object_set_new (request, "id", json_integer (id));
  if (payload != NULL)
    json_object_update (request, payload);

  g_autofree char *text = ss_message_to_string (request);
  if (!send_frame (ws, OPCODE_TEXT, (const guint8 *) text, strlen (text),
                   error))
    return 0;
  return id;
}

json_t *
ss_bench_ws_wait_result (SsBenchWs *ws, gint64 id, int timeout_ms,
                         GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      g_autofree char *text = receive_message (ws, (int) MAX (left_ms, 1),
                                               error);
      if (text == NULL)
        return NULL;

      g_autoptr (GError) parse_error = NULL;
      g_autoptr (SsMessage) message = ss_message_parse (
        text, strlen (text), SS_MESSAGE_SENDER_SERVER, NULL, &parse_error);
      if (message == NULL)
        {
          g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_PROTOCOL,
                       "invalid message from the server: %s",
                       parse_error->message);
          return NULL;
        }

      if (message->id != id)
        continue; /* an event such as lesson.live */

      if (message->type == SS_MESSAGE_ERROR)
        {
          g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_REJECTED,
                       "request %" G_GINT64_FORMAT " rejected: %s (%s)", id,
                       message->message != NULL ? message->message : "",
                       ss_protocol_error_to_string (message->code));
          return NULL;
        }
      return json_incref (message->json);
    }
}

gboolean
ss_bench_ws_discard_pending (SsBenchWs *ws)
{
  if (ws->closed)
    return FALSE;

  g_autoptr (GError) error = NULL;
  while (read_some (ws, 0, &error))
    {
      SsWsFrame frame;
      while (peek_frame (ws->input, &frame))
        {
          g_autoptr (GError) frame_error = NULL;
          g_free (take_frame (ws, &frame, &frame_error));
          g_byte_array_remove_range (ws->input, 0, (guint) frame.frame_len);
          if (ws->message == NULL)
            ws->message = g_string_new (NULL);
        }
    }

  return !ws->closed;
}
