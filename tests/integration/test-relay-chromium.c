/* The relay against headless Chromium: a page publishes its fake camera and
 * microphone and subscribes with two slots (receive-only audio, video,
 * audio, video transceivers), as a teacher's page does. Slot 0 carries the
 * page's own stream back and slot 1 a GStreamer webrtcbin publisher's.
 * Then slot 1 is rebound to the page's stream and must keep decoding.
 *
 * Everything runs in a network namespace of this process's own with only
 * loopback up, so neither Chromium nor libnice can reach another host. The
 * page posts its getStats() figures to this test's HTTP server, which
 * decides. Needs root (for the namespace) and /usr/bin/chromium; skips
 * otherwise. */
#include "ss-relay.h"
#include "webrtcbin-peer.h"

#include <jansson.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHROMIUM "/usr/bin/chromium"
#define LESSON "lesson-browser"
#define PAGE_SOURCE "teacher-room"
#define GST_SOURCE "gst-room"
/* The webrtcbin publisher's picture size, unlike any Chromium sends. */
#define GST_WIDTH 176
#define GST_HEIGHT 144

/* The teacher's page. It posts its offers to /publish and /subscribe and
 * its statistics to /report every 500 ms; any failure goes to /report as
 * {"error": ...}. */
static const char page_html[] =
    "<!doctype html><html><body><script>\n"
    "async function post(path, body) {\n"
    "  const response = await fetch(path, { method: 'POST', body });\n"
    "  const text = await response.text();\n"
    "  if (!response.ok) throw new Error(path + ': ' + text);\n"
    "  return text;\n"
    "}\n"
    "async function connect(pc, path) {\n"
    "  await pc.setLocalDescription(await pc.createOffer());\n"
    "  const answer = await post(path, pc.localDescription.sdp);\n"
    "  await pc.setRemoteDescription({ type: 'answer', sdp: answer });\n"
    "}\n"
    "function transports(report) {\n"
    "  const out = [];\n"
    "  report.forEach((s) => { if (s.type === 'transport') out.push({\n"
    "    dtlsState: s.dtlsState, tlsVersion: s.tlsVersion,\n"
    "    dtlsCipher: s.dtlsCipher, srtpCipher: s.srtpCipher }); });\n"
    "  return out;\n"
    "}\n"
    "async function report(pub, sub) {\n"
    "  const result = { sent: {}, slots: [], transports: [] };\n"
    "  const pubReport = await pub.getStats();\n"
    "  pubReport.forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video')\n"
    "    result.sent = { frameWidth: s.frameWidth || 0, framesEncoded: s.framesEncoded || 0 }; });\n"
    "  result.transports = transports(pubReport).concat(transports(await sub.getStats()));\n"
    "  const transceivers = sub.getTransceivers();\n"
    "  for (let i = 0; i < transceivers.length; i++) {\n"
    "    const stats = await transceivers[i].receiver.getStats();\n"
    "    stats.forEach((s) => { if (s.type === 'inbound-rtp') result.slots.push({\n"
    "      slot: Math.floor(i / 2), kind: s.kind, framesDecoded: s.framesDecoded || 0,\n"
    "      frameWidth: s.frameWidth || 0, packetsReceived: s.packetsReceived || 0,\n"
    "      packetsLost: s.packetsLost || 0, samples: s.totalSamplesReceived || 0 }); });\n"
    "  }\n"
    "  await post('/report', JSON.stringify(result));\n"
    "}\n"
    "async function main() {\n"
    "  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });\n"
    "  const pub = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });\n"
    "  for (const track of [stream.getAudioTracks()[0], stream.getVideoTracks()[0]])\n"
    "    pub.addTransceiver(track, { direction: 'sendonly', streams: [stream] });\n"
    "  await connect(pub, '/publish');\n"
    "  const sub = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });\n"
    "  for (const kind of ['audio', 'video', 'audio', 'video'])\n"
    "    sub.addTransceiver(kind, { direction: 'recvonly' });\n"
    "  await connect(sub, '/subscribe');\n"
    "  setInterval(() => report(pub, sub).catch(() => {}), 500);\n"
    "}\n"
    "main().catch((e) => post('/report', JSON.stringify({ error: String(e) })));\n"
    "</script></body></html>\n";

/* What the page reported last, per slot and kind. */
typedef struct {
  gint64 frames_decoded;
  gint64 frame_width;
  gint64 packets_received;
  gint64 samples;
} StreamFigures;

typedef struct {
  SsRelay *relay;
  GSocketService *http;
  guint16 http_port;
  GPid chromium;
  char *profile_dir;

  GstElement *gst_pipeline;
  GstElement *gst_webrtcbin;
  gboolean gst_answered;
  gboolean gst_connected;

  char *page_error;
  guint n_reports;
  StreamFigures video[2];
  StreamFigures audio[2];
  gint64 sent_width;
  char *tls_versions;       /* of all transports in the last report */
  char *transport_states;
  char *srtp_ciphers;

  /* The first DTLS ClientHello sent once the webrtcbin publisher is
   * connected, that is Chromium's, as captured on loopback: the versions of
   * its supported_versions extension and the types of all its
   * extensions. */
  gboolean capturing;
  gboolean client_hello_seen;
  gboolean client_hello_fragmented;
  GString *client_hello_versions;
  GString *client_hello_extensions;
} World;

static World world;

/* ---- network namespace ---- */

/* Moves this process into a new network namespace with only loopback, up.
 * Threads started later (GStreamer's, the relay's) inherit it, and so does
 * Chromium. */
static gboolean
enter_private_network (char **reason)
{
  if (unshare (CLONE_NEWNET) != 0)
    {
      *reason = g_strdup_printf ("cannot create a network namespace: %s",
                                 g_strerror (errno));
      return FALSE;
    }

  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq request = { 0 };
  g_strlcpy (request.ifr_name, "lo", sizeof request.ifr_name);
  gboolean up = fd >= 0 && ioctl (fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags |= IFF_UP;
  up = up && ioctl (fd, SIOCSIFFLAGS, &request) == 0;
  if (fd >= 0)
    close (fd);
  if (!up)
    *reason = g_strdup_printf ("cannot bring loopback up: %s",
                               g_strerror (errno));
  return up;
}

/* ---- the ClientHello on the wire ---- */

/* Reads UDP datagrams on loopback until the first DTLS ClientHello and
 * records the versions its supported_versions extension lists (RFC 9147
 * section 5.3: a DTLS 1.3 client sends legacy_version DTLS 1.2 and lists
 * what it supports there). Runs on its own thread with a raw socket. */
static gpointer
capture_client_hello (gpointer data)
{
  int fd = socket (AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons (ETH_P_IP));
  if (fd < 0)
    return NULL;
  struct timeval timeout = { .tv_sec = 1 };
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  guint8 packet[4096];
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !g_atomic_int_get (&world.client_hello_seen))
    {
      ssize_t len = recv (fd, packet, sizeof packet, 0);
      if (len < (ssize_t) sizeof (struct iphdr))
        continue;
      if (!g_atomic_int_get (&world.capturing))
        continue;
      const struct iphdr *ip = (const struct iphdr *) packet;
      gsize ip_len = ip->ihl * 4u;
      if (ip->protocol != IPPROTO_UDP || (gsize) len < ip_len + 8 + 13 + 12)
        continue;

      /* DTLS record header (13 bytes), then the handshake header (12). */
      const guint8 *record = packet + ip_len + 8;
      gsize record_len = (gsize) len - ip_len - 8;
      if (record[0] != 22 || record[13] != 1)
        continue;

      /* The handshake header's length and fragment length (RFC 6347
       * section 4.2.2): a ClientHello larger than one record comes in
       * fragments, and only the first one is read here. */
      guint32 message_len = record[14] << 16 | record[15] << 8 | record[16];
      guint32 fragment_offset = record[19] << 16 | record[20] << 8 | record[21];
      guint32 fragment_len = record[22] << 16 | record[23] << 8 | record[24];
      if (fragment_offset != 0)
        continue;
      world.client_hello_fragmented = fragment_len < message_len;

      /* ClientHello body: version (2), random (32), session id, cookie,
       * cipher suites, compression methods, then the extensions. */
      gsize at = 13 + 12 + 2 + 32;
      for (guint field = 0; field < 4 && at < record_len; field++)
        {
          gsize field_len = field == 2 ? 2 : 1;
          if (at + field_len > record_len)
            break;
          gsize n = field_len == 2 ? (gsize) (record[at] << 8 | record[at + 1])
                                   : record[at];
          at += field_len + n;
        }
      if (at + 2 > record_len)
        continue;
      gsize end = MIN (record_len, at + 2 + (gsize) (record[at] << 8 | record[at + 1]));
      at += 2;

      GString *versions = g_string_new (NULL);
      GString *extensions = g_string_new (NULL);
      while (at + 4 <= end)
        {
          guint type = record[at] << 8 | record[at + 1];
          gsize ext_len = record[at + 2] << 8 | record[at + 3];
          at += 4;
          g_string_append_printf (extensions, "%s%u", extensions->len > 0 ? " " : "",
                                  type);
          /* A one-byte list length, then two bytes per version. */
          if (type == 43 && ext_len >= 1 && at + ext_len <= end)
            for (gsize i = 1; i + 1 < ext_len && i + 1 <= record[at]; i += 2)
              g_string_append_printf (versions, "%s%02X%02X",
                                      versions->len > 0 ? " " : "",
                                      record[at + i], record[at + i + 1]);
          at += ext_len;
        }
      world.client_hello_versions = versions;
      world.client_hello_extensions = extensions;
      g_atomic_int_set (&world.client_hello_seen, TRUE);
    }
  close (fd);
  return NULL;
}

/* ---- the webrtcbin publisher ---- */

static void
on_relay_event (SsRelay *relay, const char *lesson_id, const char *peer_id,
                SsRelayPeerEvent event, const char *reason, gpointer user_data)
{
  if (g_strcmp0 (peer_id, "gst-publisher") == 0 &&
      event == SS_RELAY_PEER_CONNECTED)
    world.gst_connected = TRUE;
}

static void
on_gst_answer (SsRelay *relay, const char *lesson_id, const char *peer_id,
               const char *answer_sdp, guint n_slots, const GError *error,
               gpointer user_data)
{
  g_assert_no_error ((GError *) error);

  ss_test_webrtcbin_set_answer (world.gst_webrtcbin, answer_sdp);
  world.gst_answered = TRUE;
}

static void
start_gst_publisher (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *description = g_strdup_printf (
      "webrtcbin name=w bundle-policy=max-bundle "
      "videotestsrc is-live=true pattern=ball "
      "! video/x-raw,width=%u,height=%u,framerate=30/1 "
      "! vp8enc deadline=1 keyframe-max-dist=100000 "
      "! rtpvp8pay pt=96 picture-id-mode=15-bit "
      "! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 "
      "! w. "
      "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample "
      "! opusenc ! rtpopuspay pt=111 "
      "! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 "
      "! w.",
      GST_WIDTH, GST_HEIGHT);
  world.gst_pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  world.gst_webrtcbin = gst_bin_get_by_name (GST_BIN (world.gst_pipeline), "w");
  ss_test_webrtcbin_configure_ice (world.gst_webrtcbin);
  gst_element_set_state (world.gst_pipeline, GST_STATE_PLAYING);

  GArray *transceivers = NULL;
  g_signal_emit_by_name (world.gst_webrtcbin, "get-transceivers", &transceivers);
  for (guint i = 0; i < transceivers->len; i++)
    g_object_set (g_array_index (transceivers, GstWebRTCRTPTransceiver *, i),
                  "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                  NULL);
  g_array_unref (transceivers);

  g_autofree char *text =
      ss_test_webrtcbin_create_offer (world.gst_webrtcbin);
  ss_relay_publish (world.relay, LESSON, "gst-publisher", GST_SOURCE, text,
                    on_gst_answer, NULL);
}

/* ---- the HTTP server the page talks to ---- */

static void
respond (GSocketConnection *connection, guint status, const char *type,
         const char *body)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *head = g_strdup_printf (
      "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
      "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
      status, status == 200 ? "OK" : "Error", type, strlen (body));
  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
  g_output_stream_write_all (out, body, strlen (body), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static void
on_page_answer (SsRelay *relay, const char *lesson_id, const char *peer_id,
                const char *answer_sdp, guint n_slots, const GError *error,
                gpointer user_data)
{
  g_autoptr (GSocketConnection) connection = user_data;

  g_test_message ("relay answered %s: %s", peer_id,
                  error != NULL ? error->message : "ok");
  if (error != NULL)
    respond (connection, 500, "text/plain", error->message);
  else
    respond (connection, 200, "application/sdp", answer_sdp);
}

static void
read_stream_figures (json_t *entry, StreamFigures *figures)
{
  figures->frames_decoded = json_integer_value (json_object_get (entry, "framesDecoded"));
  figures->frame_width = json_integer_value (json_object_get (entry, "frameWidth"));
  figures->packets_received =
      json_integer_value (json_object_get (entry, "packetsReceived"));
  figures->samples = json_integer_value (json_object_get (entry, "samples"));
}

static char *
join_transport_field (json_t *transports, const char *field)
{
  GString *text = g_string_new (NULL);
  for (size_t i = 0; i < json_array_size (transports); i++)
    {
      const char *value = json_string_value (
          json_object_get (json_array_get (transports, i), field));
      g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                              value != NULL ? value : "-");
    }
  return g_string_free (text, FALSE);
}

static void
on_report (const char *body)
{
  json_error_t json_error;
  json_t *report = json_loads (body, 0, &json_error);
  g_assert_nonnull (report);

  const char *error = json_string_value (json_object_get (report, "error"));
  if (error != NULL)
    {
      g_free (world.page_error);
      world.page_error = g_strdup (error);
      json_decref (report);
      return;
    }

  world.n_reports++;
  world.sent_width = json_integer_value (
      json_object_get (json_object_get (report, "sent"), "frameWidth"));
  json_t *slots = json_object_get (report, "slots");
  for (size_t i = 0; i < json_array_size (slots); i++)
    {
      json_t *entry = json_array_get (slots, i);
      gint64 slot = json_integer_value (json_object_get (entry, "slot"));
      gboolean video =
          g_strcmp0 (json_string_value (json_object_get (entry, "kind")), "video") == 0;
      if (slot < 0 || slot > 1)
        continue;
      read_stream_figures (entry, video ? &world.video[slot] : &world.audio[slot]);
    }

  json_t *transports = json_object_get (report, "transports");
  g_free (world.tls_versions);
  g_free (world.transport_states);
  g_free (world.srtp_ciphers);
  world.tls_versions = join_transport_field (transports, "tlsVersion");
  world.transport_states = join_transport_field (transports, "dtlsState");
  world.srtp_ciphers = join_transport_field (transports, "srtpCipher");
  json_decref (report);
}

static gboolean
on_http_request (GSocketService *service, GSocketConnection *connection,
                 GObject *source_object, gpointer user_data)
{
  /* A connection the browser opened ahead of time and never uses must not
   * hold up the main loop for long. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 2);

  GInputStream *raw = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (raw);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);

  g_autofree char *request_line =
      g_data_input_stream_read_line (in, NULL, NULL, NULL);
  if (request_line == NULL)
    return TRUE;

  gsize content_length = 0;
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      if (line == NULL || *line == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        content_length = g_ascii_strtoull (line + 15, NULL, 10);
    }

  g_autofree char *body = g_malloc0 (content_length + 1);
  gsize n_read = 0;
  if (content_length > 0 &&
      !g_input_stream_read_all (G_INPUT_STREAM (in), body, content_length,
                                &n_read, NULL, NULL))
    return TRUE;

  if (g_str_has_prefix (request_line, "GET / "))
    respond (connection, 200, "text/html", page_html);
  else if (g_str_has_prefix (request_line, "POST /publish "))
    ss_relay_publish (world.relay, LESSON, "page-publish", PAGE_SOURCE, body,
                      on_page_answer, g_object_ref (connection));
  else if (g_str_has_prefix (request_line, "POST /subscribe "))
    {
      const char *sources[] = { PAGE_SOURCE, GST_SOURCE };
      ss_relay_subscribe (world.relay, LESSON, "page-subscribe", body,
                          sources, G_N_ELEMENTS (sources), on_page_answer,
                          g_object_ref (connection));
    }
  else if (g_str_has_prefix (request_line, "POST /report "))
    {
      on_report (body);
      respond (connection, 200, "text/plain", "");
    }
  else
    respond (connection, 404, "text/plain", "not found");
  return TRUE;
}

/* ---- Chromium ---- */

static void
start_new_process_group (gpointer data)
{
  setsid ();
}

static void
start_chromium (void)
{
  g_autoptr (GError) error = NULL;
  world.profile_dir = g_dir_make_tmp ("ss-relay-chromium-XXXXXX", &error);
  g_assert_no_error (error);

  g_autofree char *profile = g_strdup_printf ("--user-data-dir=%s", world.profile_dir);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", world.http_port);
  /* Flags that keep Chromium quiet on the network and give it a fake
   * camera and microphone. Without --allow-loopback-in-peer-connection it
   * gathers no candidate on 127.0.0.1 and never connects. */
  const char *argv[] = {
    CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", profile,
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns", url, NULL,
  };
  g_autofree char *log_path = g_build_filename (world.profile_dir, "stderr.log", NULL);
  int log_fd = g_open (log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (log_fd, >=, 0);
  g_spawn_async_with_fds (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                          start_new_process_group, NULL, &world.chromium, -1,
                          log_fd, log_fd, &error);
  close (log_fd);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

static void
stop_chromium (void)
{
  if (world.chromium <= 0)
    return;

  kill (-world.chromium, SIGTERM);
  for (guint i = 0; i < 50; i++)
    {
      if (waitpid (world.chromium, NULL, WNOHANG) == world.chromium)
        break;
      g_usleep (100 * 1000);
      if (i == 29)
        kill (-world.chromium, SIGKILL);
    }
  kill (-world.chromium, SIGKILL);
  g_spawn_close_pid (world.chromium);
  world.chromium = 0;
}

/* ---- the test ---- */

static gboolean
run_until (gboolean (*cond) (void), guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  while (!cond () && world.page_error == NULL &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (5000), TRUE);
  return cond ();
}

static gboolean
gst_publisher_connected (void)
{
  return world.gst_connected;
}

static gboolean
both_slots_decoding (void)
{
  return world.video[0].frames_decoded >= 30 &&
         world.video[1].frames_decoded >= 30 &&
         world.video[1].frame_width == GST_WIDTH;
}

static gint64 frames_at_switch;

static gboolean
slot1_shows_page (void)
{
  return world.video[1].frame_width != GST_WIDTH &&
         world.video[1].frame_width == world.video[0].frame_width &&
         world.video[1].frames_decoded >= frames_at_switch + 30;
}

static void
log_figures (const char *when)
{
  g_test_message ("%s (report %u): slot 0 video %" G_GINT64_FORMAT
                  " frames %" G_GINT64_FORMAT " wide, audio %" G_GINT64_FORMAT
                  " packets; slot 1 video %" G_GINT64_FORMAT " frames %"
                  G_GINT64_FORMAT " wide, audio %" G_GINT64_FORMAT
                  " packets; page sends %" G_GINT64_FORMAT " wide",
                  when, world.n_reports, world.video[0].frames_decoded,
                  world.video[0].frame_width, world.audio[0].packets_received,
                  world.video[1].frames_decoded, world.video[1].frame_width,
                  world.audio[1].packets_received, world.sent_width);
}

static void
test_page_slots_follow_sources (void)
{
  SsRelayConfig config = {
    .bind_address = "127.0.0.1",
    .port_base = 0,
    .n_workers = 1,
  };
  g_autoptr (GError) error = NULL;

  GThread *capture = g_thread_new ("client-hello", capture_client_hello, NULL);

  world.relay = ss_relay_new (&config, on_relay_event, NULL, &error);
  g_assert_no_error (error);
  start_gst_publisher ();
  g_assert_true (run_until (gst_publisher_connected, 5000));
  g_atomic_int_set (&world.capturing, TRUE);

  world.http = g_socket_service_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_assert_true (g_socket_listener_add_address (
      G_SOCKET_LISTENER (world.http), address, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  world.http_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (world.http, "incoming", G_CALLBACK (on_http_request), NULL);
  g_socket_service_start (world.http);

  start_chromium ();

  gboolean decoding = run_until (both_slots_decoding, 20000);
  log_figures ("before the switch");
  g_assert_null (world.page_error);
  g_assert_true (world.gst_answered);
  g_assert_true (decoding);
  g_assert_cmpint (world.audio[0].packets_received, >, 0);
  g_assert_cmpint (world.audio[1].packets_received, >, 0);

  /* Slot 1 moves from the webrtcbin publisher to the page's own camera. */
  frames_at_switch = world.video[1].frames_decoded;
  gint64 audio_at_switch = world.audio[1].packets_received;
  const char *sources[] = { PAGE_SOURCE, PAGE_SOURCE };
  ss_relay_set_sources (world.relay, LESSON, "page-subscribe", sources, 2);
  gboolean switched = run_until (slot1_shows_page, 15000);
  log_figures ("after the switch");
  g_assert_null (world.page_error);
  g_assert_true (switched);
  g_assert_cmpint (world.audio[1].packets_received, >, audio_at_switch + 25);

  /* DTLS: what the transports negotiated, and what Chromium offered. */
  g_test_message ("transports: DTLS %s, state %s, SRTP %s", world.tls_versions,
                  world.transport_states, world.srtp_ciphers);
  if (g_atomic_int_get (&world.client_hello_seen))
    g_test_message ("Chromium's ClientHello: supported_versions %s; "
                    "extension types %s%s",
                    world.client_hello_versions->len > 0
                        ? world.client_hello_versions->str
                    : world.client_hello_fragmented
                        ? "not in the first fragment"
                        : "absent (DTLS 1.2 only)",
                    world.client_hello_extensions->str,
                    world.client_hello_fragmented
                        ? " (first fragment of several)"
                        : "");
  g_assert_cmpstr (world.transport_states, ==, "connected connected");
  g_assert_cmpstr (world.tls_versions, ==, "FEFD FEFD");

  stop_chromium ();
  g_atomic_int_set (&world.client_hello_seen, TRUE);
  g_thread_join (capture);
  if (world.client_hello_versions != NULL)
    g_string_free (world.client_hello_versions, TRUE);
  if (world.client_hello_extensions != NULL)
    g_string_free (world.client_hello_extensions, TRUE);
  remove_tree (world.profile_dir);
  g_free (world.profile_dir);
  g_socket_service_stop (world.http);
  g_clear_object (&world.http);
  gst_element_set_state (world.gst_pipeline, GST_STATE_NULL);
  gst_object_unref (world.gst_webrtcbin);
  gst_object_unref (world.gst_pipeline);
  g_clear_pointer (&world.relay, ss_relay_free);
  g_free (world.page_error);
  g_free (world.tls_versions);
  g_free (world.transport_states);
  g_free (world.srtp_ciphers);
}

int
main (int argc, char **argv)
{
  /* Before any thread exists, so every later one shares the namespace. */
  g_autofree char *skip_reason = NULL;
  if (geteuid () != 0)
    skip_reason = g_strdup ("needs root for a private network namespace");
  else if (!g_file_test (CHROMIUM, G_FILE_TEST_IS_EXECUTABLE))
    skip_reason = g_strdup (CHROMIUM " is not installed");
  else
    enter_private_network (&skip_reason);

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  if (skip_reason != NULL)
    g_test_add_data_func ("/relay-chromium/page-slots-follow-sources",
                          skip_reason, (GTestDataFunc) g_test_skip);
  else
    g_test_add_func ("/relay-chromium/page-slots-follow-sources",
                     test_page_slots_follow_sources);
  return g_test_run ();
}
