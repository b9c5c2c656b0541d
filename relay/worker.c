/* Relay worker: a thread, its GMainContext and its UDP socket.
 *
 * Every transport of the worker shares the socket (one port per worker, so
 * a school firewall needs one rule per worker). Datagrams are read in
 * batches with recvmmsg(), classified by their first byte (RFC 7983),
 * routed to a peer by ICE username (STUN) or by source address (everything
 * else), and the copies the routers produce leave in sendmmsg() batches
 * flushed once per read batch. Timers of all transports and routers run
 * from one periodic tick.
 */
#define G_LOG_DOMAIN "ss-relay"

#include "worker.h"

#include "peer.h"
#include "send-batch.h"
#include "sdp/sdp-offer.h"
#include "transport/ice-lite.h"
#include "wire/demux.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define RECV_BATCH_SIZE 32
#define RECV_BUFFER_SIZE 2048
/* Read batches per wake-up before other sources get a turn. */
#define RECV_BATCHES_PER_WAKEUP 16
/* The tick drives DTLS retransmission, consent timeouts, key-frame retries
 * and receiver reports, all of which tolerate 20 ms of lateness. */
#define TICK_INTERVAL_MS 20
#define SOCKET_BUFFER_BYTES (4 * 1024 * 1024)
#define DROP_SUMMARY_INTERVAL_US (10 * G_USEC_PER_SEC)
#define LESSON_SUMMARY_INTERVAL_US (10 * G_USEC_PER_SEC)

typedef struct {
  SsRouter *router;
  GHashTable *publishers;       /* source -> SsPeer publishing it */
  guint n_peers;
} SsWorkerLesson;

typedef struct {
  SsPeer *peer;
  char *reason;
} SsClosedPeer;

typedef struct {
  guint8 buffers[RECV_BATCH_SIZE][RECV_BUFFER_SIZE];
  struct sockaddr_storage addresses[RECV_BATCH_SIZE];
  struct iovec iov[RECV_BATCH_SIZE];
  struct mmsghdr messages[RECV_BATCH_SIZE];
} SsRecvBatch;

struct _SsWorker {
  guint index;
  int fd;
  guint16 port;
  GStrv announced_addresses;
  SsDtlsCertificate *certificate;
  SsWorkerEventFunc event_func;
  gpointer event_data;

  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GSource *socket_source;
  GSource *tick_source;

  GHashTable *lessons;          /* lesson id -> SsWorkerLesson, owned */
  GHashTable *peers;            /* "lesson\npeer" -> SsPeer, owned */
  GHashTable *peers_by_ufrag;   /* local ICE ufrag -> SsPeer */
  GHashTable *peers_by_address; /* SsAddress -> SsPeer */
  GArray *closed_peers;         /* SsClosedPeer, freed after the batch */
  SsPeer *closing_peer;         /* closed on request: its event is dropped */

  SsSendBatch *send_batch;
  SsRecvBatch *recv_batch;

  guint64 datagrams_received;
  guint64 bytes_received;
  guint64 datagrams_sent_now;   /* STUN and DTLS, outside the batch */
  guint64 datagrams_unknown_source;
  guint64 datagrams_unknown_kind;
  guint64 reported_unknown;
  gint64 next_drop_summary_us;
  gint64 next_lesson_summary_us;
};

static char *
peer_key (const char *lesson_id, const char *peer_id)
{
  return g_strdup_printf ("%s\n%s", lesson_id, peer_id);
}

static void
worker_lesson_free (gpointer data)
{
  SsWorkerLesson *lesson = data;
  ss_router_free (lesson->router);
  g_hash_table_unref (lesson->publishers);
  g_free (lesson);
}

/* ---- socket ---- */

static int
bind_socket (const char *bind_address, guint16 port, guint16 *bound_port,
             GError **error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (bind_address);
  if (inet == NULL)
    {
      g_set_error (error, SS_RELAY_ERROR, SS_RELAY_ERROR_FAILED,
                   "relay bind address %s is not an IP address", bind_address);
      return -1;
    }

  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (inet, port);
  struct sockaddr_storage native;
  gssize native_len = g_socket_address_get_native_size (address);
  if (!g_socket_address_to_native (address, &native, sizeof native, error))
    return -1;

  int fd = socket (native.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      g_set_error (error, SS_RELAY_ERROR, SS_RELAY_ERROR_FAILED,
                   "cannot create a UDP socket: %s", g_strerror (errno));
      return -1;
    }

  int size = SOCKET_BUFFER_BYTES;
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);

  if (bind (fd, (struct sockaddr *) &native, (socklen_t) native_len) < 0)
    {
      int saved = errno;
      g_set_error (error, SS_RELAY_ERROR, SS_RELAY_ERROR_FAILED,
                   "cannot bind the relay's UDP socket to %s port %u: %s",
                   bind_address, port, g_strerror (saved));
      close (fd);
      return -1;
    }

  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  getsockname (fd, (struct sockaddr *) &local, &local_len);
  *bound_port = ntohs (local.ss_family == AF_INET
                           ? ((struct sockaddr_in *) &local)->sin_port
                           : ((struct sockaddr_in6 *) &local)->sin6_port);
  return fd;
}

void
ss_worker_send_now (SsWorker *worker, const guint8 *data, gsize len,
                    const struct sockaddr *addr, socklen_t addr_len)
{
  if (sendto (worker->fd, data, len, 0, addr, addr_len) < 0)
    g_debug ("worker %u: sendto failed: %s", worker->index, g_strerror (errno));
  else
    worker->datagrams_sent_now++;
}

guint8 *
ss_worker_reserve_send_buffer (SsWorker *worker, gsize *cap)
{
  return ss_send_batch_reserve (worker->send_batch, cap);
}

void
ss_worker_commit_send_buffer (SsWorker *worker, gsize len,
                              const struct sockaddr *addr, socklen_t addr_len)
{
  ss_send_batch_commit (worker->send_batch, len, addr, addr_len);
}

/* ---- peers ---- */

void
ss_worker_register_address (SsWorker *worker, const SsAddress *address,
                            SsPeer *peer)
{
  g_hash_table_replace (worker->peers_by_address, ss_address_dup (address),
                        peer);
}

void
ss_worker_unregister_address (SsWorker *worker, const SsAddress *address,
                              SsPeer *peer)
{
  if (g_hash_table_lookup (worker->peers_by_address, address) == peer)
    g_hash_table_remove (worker->peers_by_address, address);
}

void
ss_worker_on_peer_connected (SsWorker *worker, SsPeer *peer)
{
  worker->event_func (worker, ss_peer_get_lesson_id (peer),
                      ss_peer_get_id (peer), SS_RELAY_PEER_CONNECTED, NULL,
                      worker->event_data);
}

void
ss_worker_on_peer_closed (SsWorker *worker, SsPeer *peer, const char *reason)
{
  if (peer == worker->closing_peer)
    return;

  for (guint i = 0; i < worker->closed_peers->len; i++)
    if (g_array_index (worker->closed_peers, SsClosedPeer, i).peer == peer)
      return;

  SsClosedPeer closed = { .peer = peer, .reason = g_strdup (reason) };
  g_array_append_val (worker->closed_peers, closed);
}

static void
remove_peer (SsWorker *worker, SsPeer *peer)
{
  const char *lesson_id = ss_peer_get_lesson_id (peer);
  SsWorkerLesson *lesson = g_hash_table_lookup (worker->lessons, lesson_id);
  g_autofree char *key = peer_key (lesson_id, ss_peer_get_id (peer));
  g_autofree char *lesson_copy = g_strdup (lesson_id);

  g_hash_table_remove (worker->peers_by_ufrag, ss_peer_get_local_ufrag (peer));
  const char *source = ss_peer_get_source (peer);
  if (source != NULL && g_hash_table_lookup (lesson->publishers, source) == peer)
    g_hash_table_remove (lesson->publishers, source);

  /* Frees the peer, which takes its producers or consumers out of the
   * router first. */
  g_hash_table_remove (worker->peers, key);

  if (--lesson->n_peers == 0)
    {
      g_info ("lesson %s: no peers left on worker %u, router freed",
              lesson_copy, worker->index);
      g_hash_table_remove (worker->lessons, lesson_copy);
    }
}

static void
process_closed_peers (SsWorker *worker)
{
  for (guint i = 0; i < worker->closed_peers->len; i++)
    {
      SsClosedPeer *closed = &g_array_index (worker->closed_peers, SsClosedPeer, i);
      g_autofree char *lesson_id = g_strdup (ss_peer_get_lesson_id (closed->peer));
      g_autofree char *peer_id = g_strdup (ss_peer_get_id (closed->peer));

      g_info ("lesson %s peer %s: transport closed (%s)", lesson_id, peer_id,
              closed->reason);
      remove_peer (worker, closed->peer);
      worker->event_func (worker, lesson_id, peer_id, SS_RELAY_PEER_CLOSED,
                          closed->reason, worker->event_data);
      g_free (closed->reason);
    }
  g_array_set_size (worker->closed_peers, 0);
}

static void
close_peer (SsWorker *worker, SsPeer *peer)
{
  worker->closing_peer = peer;
  ss_peer_close (peer);
  worker->closing_peer = NULL;

  /* The close_notify record is queued for sending right away; anything the
   * peer still had in the batch goes out with it. */
  ss_send_batch_flush (worker->send_batch);
  remove_peer (worker, peer);
}

/* ---- requests ---- */

static SsWorkerLesson *
lookup_or_add_lesson (SsWorker *worker, const char *lesson_id)
{
  SsWorkerLesson *lesson = g_hash_table_lookup (worker->lessons, lesson_id);
  if (lesson != NULL)
    return lesson;

  guint32 rtcp_ssrc;
  do
    rtcp_ssrc = g_random_int ();
  while (rtcp_ssrc == 0);

  lesson = g_new0 (SsWorkerLesson, 1);
  lesson->router = ss_router_new (lesson_id, rtcp_ssrc);
  lesson->publishers =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (worker->lessons, g_strdup (lesson_id), lesson);
  g_info ("lesson %s: router created on worker %u", lesson_id, worker->index);
  return lesson;
}

static void
forget_lesson_if_empty (SsWorker *worker, const char *lesson_id)
{
  SsWorkerLesson *lesson = g_hash_table_lookup (worker->lessons, lesson_id);
  if (lesson != NULL && lesson->n_peers == 0)
    g_hash_table_remove (worker->lessons, lesson_id);
}

/* source is the publisher's source, NULL for a subscriber. */
static SsPeer *
add_peer (SsWorker *worker, SsPeerRole role, const char *lesson_id,
          const char *peer_id, const char *source, const char *offer_sdp,
          char **answer, GError **error)
{
  g_autoptr (GError) sdp_error = NULL;
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (offer_sdp, &sdp_error);
  if (offer == NULL)
    {
      g_set_error_literal (error, SS_RELAY_ERROR, SS_RELAY_ERROR_BAD_SDP,
                           sdp_error->message);
      return NULL;
    }

  SsWorkerLesson *lesson = lookup_or_add_lesson (worker, lesson_id);
  SsPeer *publisher = source != NULL
                          ? g_hash_table_lookup (lesson->publishers, source)
                          : NULL;
  if (publisher != NULL &&
      g_strcmp0 (ss_peer_get_id (publisher), peer_id) != 0)
    {
      g_set_error (error, SS_RELAY_ERROR, SS_RELAY_ERROR_BUSY,
                   "source %s of lesson %s is already published by peer %s",
                   source, lesson_id, ss_peer_get_id (publisher));
      return NULL;
    }

  /* Publishing or subscribing again replaces the peer's transport. */
  ss_worker_close_peer (worker, lesson_id, peer_id);
  lesson = lookup_or_add_lesson (worker, lesson_id);

  SsPeerLocal local = {
    .addresses = (const char *const *) worker->announced_addresses,
    .port = worker->port,
    .certificate = worker->certificate,
  };
  SsPeer *peer = ss_peer_new (worker, lesson->router, role, lesson_id,
                              peer_id, source, offer, &local,
                              g_get_monotonic_time (), answer, error);
  if (peer == NULL)
    {
      forget_lesson_if_empty (worker, lesson_id);
      return NULL;
    }

  g_hash_table_insert (worker->peers, peer_key (lesson_id, peer_id), peer);
  g_hash_table_insert (worker->peers_by_ufrag,
                       g_strdup (ss_peer_get_local_ufrag (peer)), peer);
  lesson->n_peers++;
  if (role == SS_PEER_PUBLISHER)
    {
      g_hash_table_insert (lesson->publishers, g_strdup (source), peer);
      g_info ("lesson %s peer %s: publisher transport for source %s created "
              "on worker %u",
              lesson_id, peer_id, source, worker->index);
    }
  else
    {
      g_info ("lesson %s peer %s: subscriber transport with %u slots created "
              "on worker %u",
              lesson_id, peer_id, ss_peer_get_n_slots (peer), worker->index);
    }
  return peer;
}

char *
ss_worker_publish (SsWorker *worker, const char *lesson_id,
                   const char *peer_id, const char *source,
                   const char *offer_sdp, GError **error)
{
  char *answer = NULL;
  add_peer (worker, SS_PEER_PUBLISHER, lesson_id, peer_id, source, offer_sdp,
            &answer, error);
  return answer;
}

char *
ss_worker_subscribe (SsWorker *worker, const char *lesson_id,
                     const char *peer_id, const char *offer_sdp,
                     const char *const *sources, guint n_sources,
                     guint *n_slots, GError **error)
{
  char *answer = NULL;
  SsPeer *peer = add_peer (worker, SS_PEER_SUBSCRIBER, lesson_id, peer_id,
                           NULL, offer_sdp, &answer, error);
  *n_slots = 0;
  if (peer == NULL)
    return NULL;

  ss_peer_set_sources (peer, sources, n_sources, g_get_monotonic_time ());
  *n_slots = ss_peer_get_n_slots (peer);
  return answer;
}

void
ss_worker_set_sources (SsWorker *worker, const char *lesson_id,
                       const char *peer_id, const char *const *sources,
                       guint n_sources)
{
  g_autofree char *key = peer_key (lesson_id, peer_id);
  SsPeer *peer = g_hash_table_lookup (worker->peers, key);
  if (peer == NULL || ss_peer_get_role (peer) != SS_PEER_SUBSCRIBER)
    {
      g_debug ("lesson %s peer %s: no subscriber to bind sources for",
               lesson_id, peer_id);
      return;
    }

  ss_peer_set_sources (peer, sources, n_sources, g_get_monotonic_time ());
}

void
ss_worker_close_peer (SsWorker *worker, const char *lesson_id,
                      const char *peer_id)
{
  g_autofree char *key = peer_key (lesson_id, peer_id);
  SsPeer *peer = g_hash_table_lookup (worker->peers, key);
  if (peer == NULL)
    return;

  g_info ("lesson %s peer %s: closed on request", lesson_id, peer_id);
  close_peer (worker, peer);
}

void
ss_worker_close_lesson (SsWorker *worker, const char *lesson_id)
{
  g_autoptr (GPtrArray) doomed = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, worker->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (ss_peer_get_lesson_id (value), lesson_id) == 0)
      g_ptr_array_add (doomed, value);

  for (guint i = 0; i < doomed->len; i++)
    close_peer (worker, g_ptr_array_index (doomed, i));
  forget_lesson_if_empty (worker, lesson_id);
}

/* ---- statistics ---- */

/* CPU time of the calling thread, which must be the worker's own. */
static gint64
thread_cpu_us (void)
{
  struct rusage usage;
  if (getrusage (RUSAGE_THREAD, &usage) != 0)
    return -1;
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) *
             G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static json_t *
lesson_to_json (SsWorker *worker, const char *lesson_id,
                SsWorkerLesson *lesson, gint64 now_us)
{
  json_t *peers = json_array ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, worker->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (ss_peer_get_lesson_id (value), lesson_id) == 0)
      json_array_append_new (peers, ss_peer_to_json (value, now_us));

  const SsRouterCounters *counters = ss_router_get_counters (lesson->router);
  return json_pack (
      "{s:s, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
      "lesson", lesson_id,
      "worker", (int) worker->index,
      "producers", (int) ss_router_get_n_producers (lesson->router),
      "consumers", (int) ss_router_get_n_consumers (lesson->router),
      "rtp_packets_in", (json_int_t) counters->rtp_packets_in,
      "rtp_packets_out", (json_int_t) counters->rtp_packets_out,
      "rtp_packets_retransmitted", (json_int_t) counters->rtp_packets_retransmitted,
      "keyframe_requests_sent", (json_int_t) counters->keyframe_requests_sent,
      "nacks_sent", (json_int_t) counters->nacks_sent,
      "layer_switches", (json_int_t) counters->layer_switches,
      "source_switches", (json_int_t) counters->source_switches,
      "peers", peers);
}

json_t *
ss_worker_get_stats (SsWorker *worker)
{
  gint64 now_us = g_get_monotonic_time ();
  json_t *lessons = json_array ();
  guint n_producers = 0;
  guint n_consumers = 0;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, worker->lessons);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SsWorkerLesson *lesson = value;
      n_producers += ss_router_get_n_producers (lesson->router);
      n_consumers += ss_router_get_n_consumers (lesson->router);
      json_array_append_new (lessons,
                             lesson_to_json (worker, key, lesson, now_us));
    }

  const SsSendBatch *batch = worker->send_batch;
  json_t *summary = json_pack (
      "{s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
      "index", (int) worker->index,
      "port", (int) worker->port,
      "lessons", (int) g_hash_table_size (worker->lessons),
      "transports", (int) g_hash_table_size (worker->peers),
      "producers", (int) n_producers,
      "consumers", (int) n_consumers,
      "datagrams_received", (json_int_t) worker->datagrams_received,
      "bytes_received", (json_int_t) worker->bytes_received,
      "datagrams_sent", (json_int_t) (batch->datagrams_sent + worker->datagrams_sent_now),
      "bytes_sent", (json_int_t) batch->bytes_sent,
      "datagrams_dropped", (json_int_t) (batch->datagrams_dropped +
                                         worker->datagrams_unknown_source +
                                         worker->datagrams_unknown_kind),
      "send_syscalls", (json_int_t) batch->syscalls,
      "cpu_seconds", thread_cpu_us () / (double) G_USEC_PER_SEC);

  return json_pack ("{s:o, s:o}", "worker", summary, "lessons", lessons);
}

/* ---- the packet loop ---- */

static void
dispatch_datagram (SsWorker *worker, gint64 now_us, guint8 *data, gsize len,
                   const struct sockaddr *from, socklen_t from_len)
{
  SsPeer *peer = NULL;
  SsPacketKind kind = ss_demux_classify (data, len);

  if (kind == SS_PACKET_UNKNOWN)
    {
      worker->datagrams_unknown_kind++;
      return;
    }

  /* A binding request names its transport in USERNAME; that is how the
   * first packet from a new address finds its peer (RFC 8445 7.3). */
  if (kind == SS_PACKET_STUN)
    {
      char ufrag[257];
      if (ss_ice_peek_local_ufrag (data, len, ufrag, sizeof ufrag))
        peer = g_hash_table_lookup (worker->peers_by_ufrag, ufrag);
    }

  if (peer == NULL)
    {
      SsAddress address;
      if (ss_address_set (&address, from, from_len))
        peer = g_hash_table_lookup (worker->peers_by_address, &address);
    }

  if (peer == NULL)
    {
      worker->datagrams_unknown_source++;
      return;
    }

  ss_peer_receive (peer, now_us, data, len, from, from_len);
}

static void
log_drop_summary (SsWorker *worker, gint64 now_us)
{
  if (now_us < worker->next_drop_summary_us)
    return;
  worker->next_drop_summary_us = now_us + DROP_SUMMARY_INTERVAL_US;

  guint64 unknown = worker->datagrams_unknown_source + worker->datagrams_unknown_kind;
  if (unknown == worker->reported_unknown)
    return;

  g_warning ("worker %u: dropped %" G_GUINT64_FORMAT
             " datagrams in the last %d s (%" G_GUINT64_FORMAT
             " from unknown addresses, %" G_GUINT64_FORMAT
             " neither STUN, DTLS, RTP nor RTCP in all)",
             worker->index, unknown - worker->reported_unknown,
             (int) (DROP_SUMMARY_INTERVAL_US / G_USEC_PER_SEC),
             worker->datagrams_unknown_source, worker->datagrams_unknown_kind);
  worker->reported_unknown = unknown;
}

static gboolean
on_socket_readable (gint fd, GIOCondition condition, gpointer user_data)
{
  SsWorker *worker = user_data;
  SsRecvBatch *batch = worker->recv_batch;

  for (guint round = 0; round < RECV_BATCHES_PER_WAKEUP; round++)
    {
      for (guint i = 0; i < RECV_BATCH_SIZE; i++)
        {
          batch->iov[i] = (struct iovec){ .iov_base = batch->buffers[i],
                                          .iov_len = RECV_BUFFER_SIZE };
          batch->messages[i] = (struct mmsghdr){
            .msg_hdr = {
              .msg_name = &batch->addresses[i],
              .msg_namelen = sizeof batch->addresses[i],
              .msg_iov = &batch->iov[i],
              .msg_iovlen = 1,
            },
          };
        }

      int n = recvmmsg (fd, batch->messages, RECV_BATCH_SIZE, 0, NULL);
      if (n <= 0)
        break;

      gint64 now_us = g_get_monotonic_time ();
      worker->datagrams_received += (guint) n;
      for (int i = 0; i < n; i++)
        worker->bytes_received += batch->messages[i].msg_len;
      for (int i = 0; i < n; i++)
        dispatch_datagram (worker, now_us, batch->buffers[i],
                           batch->messages[i].msg_len,
                           (struct sockaddr *) &batch->addresses[i],
                           batch->messages[i].msg_hdr.msg_namelen);

      ss_send_batch_flush (worker->send_batch);
      process_closed_peers (worker);

      if (n < RECV_BATCH_SIZE)
        break;
    }

  return G_SOURCE_CONTINUE;
}

/* One debug line per lesson with its routing counters, for following a
 * lesson in the log without the admin API. */
static void
log_lesson_summary (SsWorker *worker, gint64 now_us)
{
  if (now_us < worker->next_lesson_summary_us)
    return;
  worker->next_lesson_summary_us = now_us + LESSON_SUMMARY_INTERVAL_US;

  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, worker->lessons);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SsWorkerLesson *lesson = value;
      const SsRouterCounters *c = ss_router_get_counters (lesson->router);
      g_debug ("lesson %s: rtp in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
               " dropped %" G_GUINT64_FORMAT " retransmitted %" G_GUINT64_FORMAT
               " nack misses %" G_GUINT64_FORMAT " nacks sent %" G_GUINT64_FORMAT
               " key frame requests %" G_GUINT64_FORMAT " layer switches %"
               G_GUINT64_FORMAT " source switches %" G_GUINT64_FORMAT,
               (const char *) key, c->rtp_packets_in, c->rtp_packets_out,
               c->rtp_packets_dropped, c->rtp_packets_retransmitted,
               c->nack_misses, c->nacks_sent, c->keyframe_requests_sent,
               c->layer_switches, c->source_switches);
    }

  g_hash_table_iter_init (&iter, worker->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (ss_peer_get_role (value) == SS_PEER_SUBSCRIBER)
      ss_peer_log_consumers (value, now_us);
}

static gboolean
on_tick (gpointer user_data)
{
  SsWorker *worker = user_data;
  gint64 now_us = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, worker->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (ss_peer_get_next_timeout (value) <= now_us)
      ss_peer_handle_timeout (value, now_us);

  g_hash_table_iter_init (&iter, worker->lessons);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SsWorkerLesson *lesson = value;
      if (ss_router_get_next_timeout (lesson->router) <= now_us)
        ss_router_handle_timeout (lesson->router, now_us);
    }

  ss_send_batch_flush (worker->send_batch);
  process_closed_peers (worker);
  log_drop_summary (worker, now_us);
  log_lesson_summary (worker, now_us);
  return G_SOURCE_CONTINUE;
}

/* ---- thread ---- */

static gpointer
worker_thread (gpointer data)
{
  SsWorker *worker = data;

  g_main_context_push_thread_default (worker->context);
  g_main_loop_run (worker->loop);

  /* Close every transport on this thread, which owns them. */
  GList *all = g_hash_table_get_values (worker->peers);
  for (GList *l = all; l != NULL; l = l->next)
    close_peer (worker, l->data);
  g_list_free (all);

  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

SsWorker *
ss_worker_new (const SsWorkerConfig *config, GError **error)
{
  guint16 port = 0;
  int fd = bind_socket (config->bind_address, config->port, &port, error);
  if (fd < 0)
    return NULL;

  SsWorker *worker = g_new0 (SsWorker, 1);
  worker->index = config->index;
  worker->fd = fd;
  worker->port = port;
  worker->announced_addresses = g_strdupv ((GStrv) config->announced_addresses);
  worker->certificate = ss_dtls_certificate_ref (config->certificate);
  worker->event_func = config->event_func;
  worker->event_data = config->event_data;

  worker->lessons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           worker_lesson_free);
  worker->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) ss_peer_free);
  worker->peers_by_ufrag = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                  g_free, NULL);
  worker->peers_by_address = g_hash_table_new_full (ss_address_hash,
                                                    ss_address_equal, g_free,
                                                    NULL);
  worker->closed_peers = g_array_new (FALSE, FALSE, sizeof (SsClosedPeer));
  worker->send_batch = g_new0 (SsSendBatch, 1);
  ss_send_batch_init (worker->send_batch, fd);
  worker->recv_batch = g_new0 (SsRecvBatch, 1);

  worker->context = g_main_context_new ();
  worker->loop = g_main_loop_new (worker->context, FALSE);

  worker->socket_source = g_unix_fd_source_new (fd, G_IO_IN);
  g_source_set_callback (worker->socket_source,
                         (GSourceFunc) (void (*) (void)) on_socket_readable,
                         worker, NULL);
  g_source_attach (worker->socket_source, worker->context);

  worker->tick_source = g_timeout_source_new (TICK_INTERVAL_MS);
  g_source_set_callback (worker->tick_source, on_tick, worker, NULL);
  g_source_attach (worker->tick_source, worker->context);

  g_autofree char *name = g_strdup_printf ("ss-relay-w%u", worker->index);
  worker->thread = g_thread_new (name, worker_thread, worker);

  g_info ("worker %u: listening on UDP port %u", worker->index, port);
  return worker;
}

void
ss_worker_free (SsWorker *worker)
{
  if (worker == NULL)
    return;

  g_main_context_invoke (worker->context, quit_loop, worker->loop);
  g_thread_join (worker->thread);

  g_source_destroy (worker->socket_source);
  g_source_unref (worker->socket_source);
  g_source_destroy (worker->tick_source);
  g_source_unref (worker->tick_source);

  g_hash_table_unref (worker->peers);
  g_hash_table_unref (worker->peers_by_ufrag);
  g_hash_table_unref (worker->peers_by_address);
  g_hash_table_unref (worker->lessons);
  g_array_unref (worker->closed_peers);
  g_free (worker->send_batch);
  g_free (worker->recv_batch);
  g_main_loop_unref (worker->loop);
  g_main_context_unref (worker->context);
  ss_dtls_certificate_unref (worker->certificate);
  g_strfreev (worker->announced_addresses);
  close (worker->fd);
  g_free (worker);
}

GMainContext *
ss_worker_get_context (SsWorker *worker)
{
  return worker->context;
}

guint16
ss_worker_get_port (SsWorker *worker)
{
  return worker->port;
}
