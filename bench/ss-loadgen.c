/* ss-loadgen: the fan-out benchmark's load generator.
 *
 * It plays one lesson against a running shuangshi-server: one publisher
 * replaying a recorded VP8 + Opus stream and N subscribers, each a real
 * WebRTC peer with its own signaling connection, UDP socket, ICE checks,
 * DTLS handshake and SRTP keys. Once every subscriber receives both
 * streams and a warm-up has passed, it measures one window. It then prints
 * one JSON object: packets the relay delivered, sequence-gap loss,
 * relay-added latency, and the CPU time and memory of the server process
 * and of itself.
 *
 * One thread does everything, so the generator can be pinned to one core
 * apart from the relay's. Subscriber sockets are drained through epoll
 * with recvmmsg() every few milliseconds; the kernel's receive timestamp
 * of each datagram (SO_TIMESTAMPNS) keeps that delay out of the latency. */

#include <errno.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ss-config.h"

#include "loadgen-capture.h"
#include "loadgen-publisher.h"
#include "loadgen-subscriber.h"
#include "loadgen-ws.h"
#include "ss-message.h"

#define SUBPROTOCOL "shuangshi.v1"
#define SIGNALING_TIMEOUT_MS 10000
#define RECV_BATCH 32
#define RECV_BUFFER 1600
#define EPOLL_EVENTS 1024
/* Signaling is done for this many subscribers at a time, with at most
 * MAX_PENDING_HANDSHAKES not yet receiving, so handshakes overlap without
 * flooding the relay's set-up path. */
#define SETUP_BATCH 25
#define MAX_PENDING_HANDSHAKES 100
#define SETUP_DRAIN_INTERVAL_US 1000
#define HOUSEKEEPING_INTERVAL_US (20 * 1000)

typedef struct {
  char *url;
  char *lesson;
  char *video_path;
  char *audio_path;
  char *srtp_profiles;
  char *token_file;
  /* Read from token_file: the server's admin token, which the server
   * accepts in a hello for any classroom. */
  char *token;
  gint subscribers;
  gint seconds;
  gint warmup_seconds;
  gint setup_timeout_seconds;
  gint drain_interval_ms;
  gint receive_buffer_bytes;
  gint server_pid;
  gboolean decrypt;
} SsLoadgenOptions;

/* Counters at one instant; the window is the difference of two. */
typedef struct {
  gint64 monotonic_us;
  guint64 expected;
  guint64 received;
  guint64 datagrams;
  guint64 socket_drops;
  guint64 publisher_packets;
  gint64 own_user_us;
  gint64 own_system_us;
  gint64 server_user_us;    /* -1 when unknown */
  gint64 server_system_us;
} SsSnapshot;

typedef enum {
  PHASE_PUBLISHING,
  PHASE_SETUP,
  PHASE_WARMUP,
  PHASE_MEASURING,
  PHASE_DONE,
} SsPhase;

typedef struct {
  SsLoadgenOptions options;
  SsCaptureStream *video;
  SsCaptureStream *audio;
  SsDtlsCertificate *certificate;

  SsBenchWs *publisher_ws;
  SsBenchPublisher *publisher;
  GPtrArray *subscribers;       /* SsBenchSubscriber, owned */
  SsBenchReceiveContext context;
  SsLatencyHistogram latency;
  int epoll_fd;

  SsPhase phase;
  gint64 phase_deadline_us;
  gint64 setup_started_us;
  gint64 setup_seconds_us;
  guint setup_failures;
  gint64 server_rss_baseline;
  SsSnapshot window_start;
  SsSnapshot window_end;

  /* recvmmsg() state, shared by every socket. */
  guint8 buffers[RECV_BATCH][RECV_BUFFER];
  struct sockaddr_storage addresses[RECV_BATCH];
  struct iovec iov[RECV_BATCH];
  struct mmsghdr messages[RECV_BATCH];
  guint8 controls[RECV_BATCH][CMSG_SPACE (sizeof (struct timespec))
                              + CMSG_SPACE (sizeof (guint32))];
} SsLoadgen;

/* ---- the server process, read from /proc ---- */

static gboolean
read_process_cpu (int pid, gint64 *user_us, gint64 *system_us)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;

  /* The command name may contain spaces; the fields after it do not. */
  const char *after_name = strrchr (text, ')');
  if (after_name == NULL)
    return FALSE;

  g_auto (GStrv) fields = g_strsplit (after_name + 2, " ", 0);
  /* Fields 14 and 15 of proc(5), utime and stime, in clock ticks; field 3
   * is the first after the name. */
  if (g_strv_length (fields) < 13)
    return FALSE;

  gint64 ticks_per_second = sysconf (_SC_CLK_TCK);
  *user_us = g_ascii_strtoll (fields[11], NULL, 10) * G_USEC_PER_SEC
             / ticks_per_second;
  *system_us = g_ascii_strtoll (fields[12], NULL, 10) * G_USEC_PER_SEC
               / ticks_per_second;
  return TRUE;
}

/* VmRSS of the process in bytes, or -1. */
static gint64
read_process_rss (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;

  if (pid <= 0 || !g_file_get_contents (path, &text, NULL, NULL))
    return -1;

  const char *line = strstr (text, "\nVmRSS:");
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10) * 1024;
}

/* ---- receiving ---- */

/* The epoll user data is the subscriber, or NULL for the publisher. */
static void
register_socket (SsLoadgen *loadgen, int fd, SsBenchSubscriber *subscriber)
{
  struct epoll_event event = { .events = EPOLLIN, .data.ptr = subscriber };

  if (epoll_ctl (loadgen->epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0)
    g_warning ("cannot watch a UDP socket with epoll: %s", g_strerror (errno));
}

static void
enable_receive_metadata (int fd)
{
  int one = 1;

  /* Kernel receive time, and the socket's drop counter with each
   * datagram. */
  setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  setsockopt (fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
}

static void
prepare_batch (SsLoadgen *loadgen)
{
  for (guint i = 0; i < RECV_BATCH; i++)
    {
      loadgen->iov[i] = (struct iovec){
        .iov_base = loadgen->buffers[i],
        .iov_len = RECV_BUFFER,
      };
      loadgen->messages[i].msg_hdr = (struct msghdr){
        .msg_name = &loadgen->addresses[i],
        .msg_namelen = sizeof loadgen->addresses[i],
        .msg_iov = &loadgen->iov[i],
        .msg_iovlen = 1,
        .msg_control = loadgen->controls[i],
        .msg_controllen = sizeof loadgen->controls[i],
      };
    }
}

static void
read_metadata (struct msghdr *header, gint64 *received_ns, guint32 *drops)
{
  for (struct cmsghdr *cmsg = CMSG_FIRSTHDR (header); cmsg != NULL;
       cmsg = CMSG_NXTHDR (header, cmsg))
    {
      if (cmsg->cmsg_level != SOL_SOCKET)
        continue;

      if (cmsg->cmsg_type == SCM_TIMESTAMPNS)
        {
          struct timespec stamp;
          memcpy (&stamp, CMSG_DATA (cmsg), sizeof stamp);
          *received_ns = (gint64) stamp.tv_sec * 1000000000 + stamp.tv_nsec;
        }
      else if (cmsg->cmsg_type == SO_RXQ_OVFL)
        memcpy (drops, CMSG_DATA (cmsg), sizeof *drops);
    }
}

static void
dispatch_datagram (SsLoadgen *loadgen, SsBenchSubscriber *subscriber,
                   guint index,
                   gint64 now_us)
{
  struct mmsghdr *message = &loadgen->messages[index];
  const struct sockaddr *from = (struct sockaddr *) &loadgen->addresses[index];
  socklen_t from_len = message->msg_hdr.msg_namelen;
  guint8 *data = loadgen->buffers[index];
  gsize len = message->msg_len;

  if (subscriber == NULL)
    {
      ss_bench_peer_receive (loadgen->publisher->peer, now_us, data, len, from,
                             from_len);
      return;
    }

  loadgen->context.packet_received_ns = 0;
  read_metadata (&message->msg_hdr, &loadgen->context.packet_received_ns,
                 &subscriber->socket_drops);
  ss_bench_subscriber_receive (subscriber, now_us, data, len, from, from_len);
}

static void
drain_socket (SsLoadgen *loadgen, int fd, SsBenchSubscriber *subscriber,
              gint64 now_us)
{
  /* Bounded: a socket that keeps filling waits for the next round. */
  for (guint round = 0; round < 8; round++)
    {
      prepare_batch (loadgen);
      int n = recvmmsg (fd, loadgen->messages, RECV_BATCH, MSG_DONTWAIT, NULL);
      if (n <= 0)
        return;

      for (int i = 0; i < n; i++)
        dispatch_datagram (loadgen, subscriber, (guint) i, now_us);
      if (n < RECV_BATCH)
        return;
    }
}

static void
drain_all (SsLoadgen *loadgen, gint64 now_us)
{
  struct epoll_event events[EPOLL_EVENTS];

  /* Several calls when more sockets are ready than one call returns. */
  for (guint call = 0; call < 64; call++)
    {
      int n = epoll_wait (loadgen->epoll_fd, events, EPOLL_EVENTS, 0);
      for (int i = 0; i < n; i++)
        {
          SsBenchSubscriber *subscriber = events[i].data.ptr;
          int fd = subscriber != NULL ? subscriber->peer->fd
                                      : loadgen->publisher->peer->fd;
          drain_socket (loadgen, fd, subscriber, now_us);
        }
      if (n < EPOLL_EVENTS)
        return;
    }
}

/* ---- signaling ---- */

static json_t *
request (SsBenchWs *ws, const char *type, json_t *payload, GError **error)
{
  gint64 id = ss_bench_ws_send_request (ws, type, payload, error);
  if (id == 0)
    return NULL;
  return ss_bench_ws_wait_result (ws, id, SIGNALING_TIMEOUT_MS, error);
}

static gboolean
join_lesson (SsBenchWs *ws, const char *role, const char *classroom,
             const char *lesson, const char *token, GError **error)
{
  g_autoptr (json_t) hello = json_pack ("{s:s, s:s, s:s, s:s}", "role", role,
                                        "classroom", classroom, "agent",
                                        "ss-loadgen/" SS_VERSION, "token",
                                        token);
  g_autoptr (json_t) hello_result = request (ws, "hello", hello, error);
  if (hello_result == NULL)
    return FALSE;

  g_autoptr (json_t) join = json_pack ("{s:s}", "lesson", lesson);
  g_autoptr (json_t) join_result = request (ws, "lesson.join", join, error);
  return join_result != NULL;
}

static char *
result_sdp (json_t *result, GError **error)
{
  const char *sdp = json_string_value (json_object_get (result, "sdp"));

  if (sdp == NULL)
    {
      g_set_error (error, SS_BENCH_WS_ERROR, SS_BENCH_WS_ERROR_PROTOCOL,
                   "the result has no sdp member");
      return NULL;
    }
  return g_strdup (sdp);
}

static void
on_publisher_rtcp (gpointer user_data, guint8 *packet, gsize len)
{
  ss_bench_publisher_on_rtcp (user_data, packet, len);
}

static gboolean
start_publisher (SsLoadgen *loadgen, GError **error)
{
  static const SsBenchPeerHandlers handlers = { .rtcp = on_publisher_rtcp };
  SsBenchPublisher *publisher = ss_bench_publisher_new (loadgen->video,
                                                        loadgen->audio);

  loadgen->publisher = publisher;
  publisher->peer = ss_bench_peer_new (SS_BENCH_PEER_PUBLISHER, 0, &handlers,
                                       publisher, error);
  if (publisher->peer == NULL)
    return FALSE;

  loadgen->publisher_ws = ss_bench_ws_connect (loadgen->options.url,
                                               SUBPROTOCOL,
                                               SIGNALING_TIMEOUT_MS, error);
  if (loadgen->publisher_ws == NULL
      || !join_lesson (loadgen->publisher_ws, "lead", "bench-lead",
                       loadgen->options.lesson, loadgen->options.token,
                       error))
    return FALSE;

  g_autofree char *offer = ss_bench_peer_build_offer (
    publisher->peer, loadgen->certificate, publisher->video.ssrc,
    publisher->audio.ssrc);
  g_autoptr (json_t) payload = json_pack ("{s:s}", "sdp", offer);
  g_autoptr (json_t) result = request (loadgen->publisher_ws, "publish",
                                       payload, error);
  if (result == NULL)
    return FALSE;

  g_autofree char *answer = result_sdp (result, error);
  gint64 now_us = g_get_monotonic_time ();
  if (answer == NULL
      || !ss_bench_peer_apply_answer (publisher->peer, answer,
                                      loadgen->certificate,
                                      loadgen->options.srtp_profiles, now_us,
                                      error))
    return FALSE;

  register_socket (loadgen, publisher->peer->fd, NULL);
  ss_bench_peer_refresh_consent (publisher->peer, now_us);
  return TRUE;
}

/* Connects one subscriber, sends hello and joins the lesson; FALSE on
 * failure. */
static gboolean
open_subscriber (SsLoadgen *loadgen, SsBenchSubscriber *subscriber,
                 GError **error)
{
  g_autofree char *classroom = g_strdup_printf ("bench-remote-%u",
                                                subscriber->index);

  subscriber->ws = ss_bench_ws_connect (loadgen->options.url, SUBPROTOCOL,
                                        SIGNALING_TIMEOUT_MS, error);
  return subscriber->ws != NULL
         && join_lesson (subscriber->ws, "remote", classroom,
                         loadgen->options.lesson, loadgen->options.token,
                         error);
}

static gint64
send_subscribe (SsLoadgen *loadgen, SsBenchSubscriber *subscriber,
                GError **error)
{
  g_autofree char *offer = ss_bench_peer_build_offer (subscriber->peer,
                                                      loadgen->certificate, 0,
                                                      0);
  g_autoptr (json_t) payload = json_pack ("{s:s}", "sdp", offer);

  return ss_bench_ws_send_request (subscriber->ws, "subscribe", payload,
                                   error);
}

static void
fail_subscriber (SsLoadgen *loadgen, SsBenchSubscriber *subscriber,
                 const GError *error)
{
  g_warning ("subscriber %u: set-up failed: %s", subscriber->index,
             error->message);
  subscriber->failed = TRUE;
  loadgen->setup_failures++;
}

/* Adds up to count subscribers: the subscribe requests of the batch are
 * all sent before the first answer is read, so the relay works on them
 * together. */
static void
add_subscribers (SsLoadgen *loadgen, guint count)
{
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  g_autoptr (GArray) ids = g_array_new (FALSE, TRUE, sizeof (gint64));

  for (guint i = 0; i < count; i++)
    {
      g_autoptr (GError) error = NULL;
      SsBenchSubscriber *subscriber = ss_bench_subscriber_new (
        loadgen->subscribers->len, &loadgen->context,
        loadgen->options.receive_buffer_bytes, &error);
      if (subscriber == NULL)
        {
          g_warning ("cannot create subscriber %u: %s",
                     loadgen->subscribers->len, error->message);
          loadgen->setup_failures++;
          return;
        }

      g_ptr_array_add (loadgen->subscribers, subscriber);
      subscriber->created_us = g_get_monotonic_time ();
      gint64 id = 0;
      if (open_subscriber (loadgen, subscriber, &error))
        id = send_subscribe (loadgen, subscriber, &error);
      if (id == 0)
        {
          fail_subscriber (loadgen, subscriber, error);
          continue;
        }

      g_ptr_array_add (batch, subscriber);
      g_array_append_val (ids, id);
    }

  for (guint i = 0; i < batch->len; i++)
    {
      SsBenchSubscriber *subscriber = g_ptr_array_index (batch, i);
      g_autoptr (GError) error = NULL;
      g_autoptr (json_t) result = ss_bench_ws_wait_result (
        subscriber->ws, g_array_index (ids, gint64, i), SIGNALING_TIMEOUT_MS,
        &error);
      g_autofree char *answer = result != NULL ? result_sdp (result, &error)
                                               : NULL;

      if (answer == NULL
          || !ss_bench_subscriber_start (subscriber, answer,
                                         loadgen->certificate,
                                         loadgen->options.srtp_profiles,
                                         g_get_monotonic_time (), &error))
        {
          fail_subscriber (loadgen, subscriber, error);
          continue;
        }

      enable_receive_metadata (subscriber->peer->fd);
      register_socket (loadgen, subscriber->peer->fd, subscriber);
    }
}

/* ---- the measured window ---- */

static void
take_snapshot (SsLoadgen *loadgen, SsSnapshot *snapshot)
{
  struct rusage usage;

  *snapshot = (SsSnapshot){
    .monotonic_us = g_get_monotonic_time (),
    .server_user_us = -1,
    .server_system_us = -1,
  };

  for (guint i = 0; i < loadgen->subscribers->len; i++)
    {
      SsBenchSubscriber *subscriber = g_ptr_array_index (loadgen->subscribers,
                                                         i);
      const SsRecvStream *streams[] = { &subscriber->video,
                                        &subscriber->audio };

      for (guint s = 0; s < G_N_ELEMENTS (streams); s++)
        if (streams[s]->started)
          {
            snapshot->expected += ss_recv_stream_get_extended_max (streams[s])
                                  - streams[s]->base_sequence + 1;
            snapshot->received += streams[s]->received;
          }
      snapshot->datagrams += subscriber->datagrams_received;
      snapshot->socket_drops += subscriber->socket_drops;
    }

  snapshot->publisher_packets = loadgen->publisher->video.packets_sent
                                + loadgen->publisher->audio.packets_sent;

  getrusage (RUSAGE_SELF, &usage);
  snapshot->own_user_us = (gint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC
                          + usage.ru_utime.tv_usec;
  snapshot->own_system_us = (gint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC
                            + usage.ru_stime.tv_usec;
  read_process_cpu (loadgen->options.server_pid, &snapshot->server_user_us,
                    &snapshot->server_system_us);
}

/* Subscribers that received packets of both streams in the window, and
 * the fewest packets any connected subscriber received. */
static void
count_receiving (SsLoadgen *loadgen, guint *receiving, guint64 *minimum)
{
  *receiving = 0;
  *minimum = G_MAXUINT64;

  for (guint i = 0; i < loadgen->subscribers->len; i++)
    {
      SsBenchSubscriber *subscriber = g_ptr_array_index (loadgen->subscribers,
                                                         i);
      guint64 packets = subscriber->video.received + subscriber->audio.received
                        - subscriber->video.received_at_window_start
                        - subscriber->audio.received_at_window_start;
      gboolean both = subscriber->video.received
                        > subscriber->video.received_at_window_start
                      && subscriber->audio.received
                           > subscriber->audio.received_at_window_start;

      if (both)
        (*receiving)++;
      *minimum = MIN (*minimum, packets);
    }

  if (*minimum == G_MAXUINT64)
    *minimum = 0;
}

static void
mark_window_start (SsLoadgen *loadgen)
{
  for (guint i = 0; i < loadgen->subscribers->len; i++)
    {
      SsBenchSubscriber *subscriber = g_ptr_array_index (loadgen->subscribers,
                                                         i);
      subscriber->video.received_at_window_start = subscriber->video.received;
      subscriber->audio.received_at_window_start = subscriber->audio.received;
    }

  take_snapshot (loadgen, &loadgen->window_start);
  loadgen->context.measuring = TRUE;
}

static json_t *
build_report (SsLoadgen *loadgen)
{
  const SsSnapshot *start = &loadgen->window_start;
  const SsSnapshot *end = &loadgen->window_end;
  double window_s = (double) (end->monotonic_us - start->monotonic_us) / 1e6;
  guint64 expected = end->expected - start->expected;
  guint64 received = end->received - start->received;
  guint64 socket_drops = end->socket_drops - start->socket_drops;
  /* Datagrams the relay sent to the subscribers: those read, plus those
   * the kernel dropped at a subscriber socket because this process read
   * too late. */
  guint64 forwarded = end->datagrams - start->datagrams + socket_drops;
  gint64 lost = (gint64) expected - (gint64) received;
  gint64 own_us = end->own_user_us + end->own_system_us - start->own_user_us
                  - start->own_system_us;
  guint receiving;
  guint64 minimum;
  count_receiving (loadgen, &receiving, &minimum);

  json_t *report = json_object ();
  json_object_set_new (report, "subscribers",
                       json_integer (loadgen->options.subscribers));
  json_object_set_new (report, "seconds", json_real (window_s));
  json_object_set_new (report, "packets_forwarded", json_integer (forwarded));
  json_object_set_new (report, "packets_forwarded_per_second",
                       json_real (forwarded / window_s));

  if (start->server_user_us >= 0 && end->server_user_us >= 0)
    {
      gint64 user_us = end->server_user_us - start->server_user_us;
      gint64 system_us = end->server_system_us - start->server_system_us;
      json_object_set_new (report, "relay_cpu_us_per_packet",
                           json_real (forwarded > 0 ? (double) (user_us
                                                                + system_us)
                                                        / forwarded
                                                    : 0));
      json_object_set_new (report, "relay_cpu_percent",
                           json_real ((user_us + system_us) / window_s / 1e4));
      json_object_set_new (report, "relay_user_percent",
                           json_real (user_us / window_s / 1e4));
      json_object_set_new (report, "relay_system_percent",
                           json_real (system_us / window_s / 1e4));
    }
  else
    {
      json_object_set_new (report, "relay_cpu_us_per_packet", json_null ());
      json_object_set_new (report, "relay_cpu_percent", json_null ());
    }

  json_object_set_new (report, "loss_percent",
                       json_real (expected > 0 ? 100.0 * (double) MAX (lost, 0)
                                                   / (double) expected
                                               : 100.0));
  json_object_set_new (report, "packets_lost", json_integer (lost));
  json_object_set_new (report, "generator_socket_drops",
                       json_integer (socket_drops));
  json_object_set_new (report, "latency_p50_ms",
                       json_real (ss_latency_histogram_quantile_ms (
                         &loadgen->latency, 0.50)));
  json_object_set_new (report, "latency_p99_ms",
                       json_real (ss_latency_histogram_quantile_ms (
                         &loadgen->latency, 0.99)));
  json_object_set_new (report, "latency_samples",
                       json_integer (loadgen->latency.count));

  gint64 rss = read_process_rss (loadgen->options.server_pid);
  json_object_set_new (report, "relay_rss_bytes",
                       rss >= 0 ? json_integer (rss) : json_null ());
  json_object_set_new (report, "relay_rss_baseline_bytes",
                       loadgen->server_rss_baseline >= 0
                         ? json_integer (loadgen->server_rss_baseline)
                         : json_null ());
  if (rss >= 0 && loadgen->server_rss_baseline >= 0)
    json_object_set_new (report, "relay_rss_per_subscriber_bytes",
                         json_real ((double) (rss
                                              - loadgen->server_rss_baseline)
                                    / loadgen->options.subscribers));

  json_object_set_new (report, "generator_cpu_percent",
                       json_real (own_us / window_s / 1e4));
  json_object_set_new (report, "generator_cpu_us_per_packet",
                       json_real (forwarded > 0 ? (double) own_us / forwarded
                                                : 0));
  json_object_set_new (report, "subscribers_receiving",
                       json_integer (receiving));
  json_object_set_new (report, "subscriber_packets_min",
                       json_integer (minimum));
  json_object_set_new (report, "setup_failures",
                       json_integer (loadgen->setup_failures));
  json_object_set_new (report, "setup_seconds",
                       json_real (loadgen->setup_seconds_us / 1e6));
  json_object_set_new (report, "publisher_packets_sent",
                       json_integer (end->publisher_packets
                                     - start->publisher_packets));
  json_object_set_new (report, "decrypt",
                       json_boolean (loadgen->options.decrypt));
  return report;
}

/* ---- the main loop ---- */

static guint
count_pending (SsLoadgen *loadgen, guint *receiving)
{
  guint pending = 0;

  *receiving = 0;
  for (guint i = 0; i < loadgen->subscribers->len; i++)
    {
      SsBenchSubscriber *subscriber = g_ptr_array_index (loadgen->subscribers,
                                                         i);
      if (subscriber->failed)
        continue;
      if (ss_bench_subscriber_is_receiving (subscriber))
        (*receiving)++;
      else
        pending++;
    }
  return pending;
}

static void
housekeeping (SsLoadgen *loadgen, gint64 now_us)
{
  SsBenchPeer *publisher_peer = loadgen->publisher->peer;

  ss_bench_peer_handle_timeout (publisher_peer, now_us);
  if (publisher_peer->connected && loadgen->publisher->start_us == 0)
    ss_bench_publisher_start (loadgen->publisher, now_us);

  for (guint i = 0; i < loadgen->subscribers->len; i++)
    {
      SsBenchSubscriber *subscriber = g_ptr_array_index (loadgen->subscribers,
                                                         i);
      if (!subscriber->failed)
        ss_bench_subscriber_handle_timeout (subscriber, now_us);
    }
}

static void
enter_phase (SsLoadgen *loadgen, SsPhase phase, gint64 now_us,
             gint64 duration_us)
{
  loadgen->phase = phase;
  loadgen->phase_deadline_us = now_us + duration_us;
}

/* Moves the run forward; returns FALSE when it cannot go on. */
static gboolean
advance_phase (SsLoadgen *loadgen, gint64 now_us)
{
  const SsLoadgenOptions *options = &loadgen->options;
  guint receiving = 0;

  switch (loadgen->phase)
    {
    case PHASE_PUBLISHING:
      if (loadgen->publisher->start_us != 0)
        {
          /* The baseline contains the lesson and the publisher. */
          loadgen->server_rss_baseline = read_process_rss (options->server_pid);
          loadgen->setup_started_us = now_us;
          enter_phase (loadgen, PHASE_SETUP, now_us,
                       options->setup_timeout_seconds * G_USEC_PER_SEC);
          g_message ("publisher connected; adding %d subscribers",
                     options->subscribers);
        }
      else if (now_us > loadgen->phase_deadline_us)
        {
          g_printerr ("ss-loadgen: the publisher's transport did not "
                      "connect within 10 s\n");
          return FALSE;
        }
      return TRUE;

    case PHASE_SETUP:
      {
        guint pending = count_pending (loadgen, &receiving);
        guint created = loadgen->subscribers->len;

        if (created < (guint) options->subscribers
            && pending < MAX_PENDING_HANDSHAKES)
          add_subscribers (loadgen, MIN (SETUP_BATCH,
                                         (guint) options->subscribers
                                           - created));
        else if ((created == (guint) options->subscribers && pending == 0)
                 || now_us > loadgen->phase_deadline_us)
          {
            loadgen->setup_seconds_us = now_us - loadgen->setup_started_us;
            g_message ("%u of %d subscribers receiving after %.1f s; "
                       "warming up for %d s",
                       receiving, options->subscribers,
                       loadgen->setup_seconds_us / 1e6,
                       options->warmup_seconds);
            if (receiving == 0)
              {
                g_printerr ("ss-loadgen: no subscriber receives the stream\n");
                return FALSE;
              }
            enter_phase (loadgen, PHASE_WARMUP, now_us,
                         options->warmup_seconds * G_USEC_PER_SEC);
          }
        return TRUE;
      }

    case PHASE_WARMUP:
      if (now_us >= loadgen->phase_deadline_us)
        {
          mark_window_start (loadgen);
          enter_phase (loadgen, PHASE_MEASURING, now_us,
                       options->seconds * G_USEC_PER_SEC);
        }
      return TRUE;

    case PHASE_MEASURING:
      if (now_us >= loadgen->phase_deadline_us)
        {
          take_snapshot (loadgen, &loadgen->window_end);
          loadgen->context.measuring = FALSE;
          loadgen->phase = PHASE_DONE;
        }
      return TRUE;

    case PHASE_DONE:
    default:
      return TRUE;
    }
}

static void
sleep_until (gint64 monotonic_us)
{
  struct timespec until = {
    .tv_sec = monotonic_us / G_USEC_PER_SEC,
    .tv_nsec = (monotonic_us % G_USEC_PER_SEC) * 1000,
  };

  /* g_get_monotonic_time() reads CLOCK_MONOTONIC. */
  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL)
         == EINTR)
    ;
}

static gboolean
run (SsLoadgen *loadgen)
{
  gint64 measuring_drain_us = loadgen->options.drain_interval_ms * 1000;
  gint64 next_drain_us = 0;
  gint64 next_housekeeping_us = 0;

  enter_phase (loadgen, PHASE_PUBLISHING, g_get_monotonic_time (),
               10 * G_USEC_PER_SEC);

  while (loadgen->phase != PHASE_DONE)
    {
      gint64 now_us = g_get_monotonic_time ();
      gint64 next_send_us = ss_bench_publisher_send_due (loadgen->publisher,
                                                         now_us);

      if (now_us >= next_drain_us)
        {
          drain_all (loadgen, now_us);
          gboolean steady = loadgen->phase == PHASE_WARMUP
                            || loadgen->phase == PHASE_MEASURING;
          next_drain_us = now_us + (steady ? measuring_drain_us
                                           : SETUP_DRAIN_INTERVAL_US);
        }

      if (now_us >= next_housekeeping_us)
        {
          housekeeping (loadgen, now_us);
          next_housekeeping_us = now_us + HOUSEKEEPING_INTERVAL_US;
        }

      if (!advance_phase (loadgen, now_us))
        return FALSE;

      gint64 wake_us = MIN (MIN (next_send_us, next_drain_us),
                            next_housekeeping_us);
      if (wake_us > g_get_monotonic_time ())
        sleep_until (wake_us);
    }

  return TRUE;
}

/* ---- command line ---- */

static gboolean
parse_options (SsLoadgenOptions *options, int *argc, char ***argv,
               GError **error)
{
  const GOptionEntry entries[] = {
    { "url", 'u', 0, G_OPTION_ARG_STRING, &options->url,
      "Signaling URL of the server (default ws://127.0.0.1:8443/ws)", "URL" },
    { "subscribers", 'n', 0, G_OPTION_ARG_INT, &options->subscribers,
      "Number of subscribers (default 10)", "N" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &options->seconds,
      "Length of the measured window in seconds (default 10)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &options->warmup_seconds,
      "Seconds between the last subscriber receiving and the window "
      "(default 3)", "S" },
    { "setup-timeout", 0, 0, G_OPTION_ARG_INT,
      &options->setup_timeout_seconds,
      "Seconds allowed for adding every subscriber (default 300)", "S" },
    { "video", 0, 0, G_OPTION_ARG_FILENAME, &options->video_path,
      "Recorded VP8 RTP stream, RFC 4571 framing (required)", "FILE" },
    { "audio", 0, 0, G_OPTION_ARG_FILENAME, &options->audio_path,
      "Recorded Opus RTP stream, RFC 4571 framing (required)", "FILE" },
    { "lesson", 0, 0, G_OPTION_ARG_STRING, &options->lesson,
      "Lesson id (default bench)", "ID" },
    { "server-pid", 'p', 0, G_OPTION_ARG_INT, &options->server_pid,
      "PID of shuangshi-server, for its CPU time and memory", "PID" },
    { "decrypt", 0, 0, G_OPTION_ARG_NONE, &options->decrypt,
      "Authenticate and decrypt every RTP packet received", NULL },
    { "srtp-profiles", 0, 0, G_OPTION_ARG_STRING, &options->srtp_profiles,
      "DTLS-SRTP profiles offered, e.g. SRTP_AES128_CM_SHA1_80 (default "
      "AES-GCM, then AES-CM)", "LIST" },
    { "drain-interval", 0, 0, G_OPTION_ARG_INT, &options->drain_interval_ms,
      "Milliseconds between reads of the subscriber sockets while "
      "measuring (default 10)", "MS" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &options->token_file,
      "File with the server's admin token, DATA_DIR/admin.token (required)",
      "FILE" },
    { "receive-buffer", 0, 0, G_OPTION_ARG_INT,
      &options->receive_buffer_bytes,
      "SO_RCVBUF of each subscriber socket in bytes (default: the system's)",
      "BYTES" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "- measure how many subscribers one relay carries");

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (options->video_path == NULL || options->audio_path == NULL
      || options->subscribers < 1 || options->seconds < 1
      || options->warmup_seconds < 0 || options->drain_interval_ms < 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--video and --audio are required; --subscribers, "
                   "--seconds and --drain-interval must be at least 1");
      return FALSE;
    }

  if (options->token_file == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--token-file is required: every hello needs a "
                           "token; give the server's DATA_DIR/admin.token");
      return FALSE;
    }

  g_autofree char *contents = NULL;
  if (!g_file_get_contents (options->token_file, &contents, NULL, error))
    return FALSE;
  contents[strcspn (contents, "\r\n")] = '\0';
  options->token = g_strdup (g_strstrip (contents));
  return TRUE;
}

static void
loadgen_clear (SsLoadgen *loadgen)
{
  g_clear_pointer (&loadgen->subscribers, g_ptr_array_unref);
  g_clear_pointer (&loadgen->publisher_ws, ss_bench_ws_free);
  if (loadgen->publisher != NULL)
    g_clear_pointer (&loadgen->publisher->peer, ss_bench_peer_free);
  g_clear_pointer (&loadgen->publisher, ss_bench_publisher_free);
  g_clear_pointer (&loadgen->certificate, ss_dtls_certificate_unref);
  g_clear_pointer (&loadgen->video, ss_capture_stream_free);
  g_clear_pointer (&loadgen->audio, ss_capture_stream_free);
  if (loadgen->epoll_fd > 0)
    close (loadgen->epoll_fd);
  g_free (loadgen->options.url);
  g_free (loadgen->options.lesson);
  g_free (loadgen->options.video_path);
  g_free (loadgen->options.audio_path);
  g_free (loadgen->options.srtp_profiles);
  g_free (loadgen->options.token_file);
  g_free (loadgen->options.token);
  g_free (loadgen);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLoadgen, loadgen_clear)

int
main (int argc, char **argv)
{
  g_autoptr (SsLoadgen) loadgen = g_new0 (SsLoadgen, 1);
  g_autoptr (GError) error = NULL;

  loadgen->options = (SsLoadgenOptions){
    .subscribers = 10,
    .seconds = 10,
    .warmup_seconds = 3,
    .setup_timeout_seconds = 300,
    .drain_interval_ms = 10,
  };
  if (!parse_options (&loadgen->options, &argc, &argv, &error))
    {
      g_printerr ("ss-loadgen: %s\n", error->message);
      return 2;
    }
  if (loadgen->options.url == NULL)
    loadgen->options.url = g_strdup ("ws://127.0.0.1:8443/ws");
  if (loadgen->options.lesson == NULL)
    loadgen->options.lesson = g_strdup ("bench");

  loadgen->video = ss_capture_stream_load (loadgen->options.video_path, 90000,
                                           &error);
  if (loadgen->video != NULL)
    loadgen->audio = ss_capture_stream_load (loadgen->options.audio_path,
                                             48000, &error);
  if (loadgen->audio != NULL)
    loadgen->certificate = ss_dtls_certificate_new (&error);
  if (loadgen->certificate == NULL)
    {
      g_printerr ("ss-loadgen: %s\n", error->message);
      return 1;
    }

  loadgen->subscribers = g_ptr_array_new_with_free_func (
    (GDestroyNotify) ss_bench_subscriber_free);
  loadgen->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  loadgen->server_rss_baseline = -1;

  if (!start_publisher (loadgen, &error))
    {
      g_printerr ("ss-loadgen: cannot publish: %s\n", error->message);
      return 1;
    }

  loadgen->context = (SsBenchReceiveContext){
    .video_sends = loadgen->publisher->video.send_table,
    .audio_sends = loadgen->publisher->audio.send_table,
    .latency = &loadgen->latency,
    .decrypt = loadgen->options.decrypt,
  };

  if (!run (loadgen))
    return 1;

  g_autoptr (json_t) report = build_report (loadgen);
  g_autofree char *text = json_dumps (report, JSON_COMPACT | JSON_REAL_PRECISION (6));
  g_print ("%s\n", text);
  return 0;
}
