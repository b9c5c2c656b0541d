/* The relay's control surface: the requests the server makes of the media
 * plane.
 *
 * Every request is addressed by lesson id and peer id and runs on the worker
 * thread that owns the lesson. Replies and events are delivered on the
 * GMainContext that was thread-default when ss_relay_new() was called, so the
 * caller never sees a worker thread. A lesson lives on one worker; requests
 * for one lesson run in the order they were made.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

#define SS_RELAY_ERROR (ss_relay_error_quark ())
GQuark ss_relay_error_quark (void);

typedef enum {
  SS_RELAY_ERROR_BAD_SDP,        /* the offer cannot be accepted */
  SS_RELAY_ERROR_NOT_PUBLISHED,  /* subscribe to a lesson without producers */
  SS_RELAY_ERROR_BUSY,           /* publish to a lesson that has a publisher */
  SS_RELAY_ERROR_FAILED,         /* anything else: socket, crypto set-up */
} SsRelayError;

typedef struct _SsRelay SsRelay;

typedef struct {
  /* Address the workers' UDP sockets bind to, e.g. "127.0.0.1" or "0.0.0.0". */
  const char *bind_address;
  /* Addresses written as host candidates into answers; NULL-terminated. When
   * NULL, bind_address is announced (it must then not be a wildcard). */
  const char *const *announced_addresses;
  /* UDP port of worker 0; worker i listens on port_base + i. */
  guint16 port_base;
  /* Number of worker threads; 0 means one per online CPU. */
  guint n_workers;
} SsRelayConfig;

typedef enum {
  SS_RELAY_PEER_CONNECTED,  /* ICE and DTLS are up, SRTP keys installed */
  SS_RELAY_PEER_CLOSED,     /* the transport is gone; reason gives why */
} SsRelayPeerEvent;

/* Called once per publish or subscribe request. On success answer_sdp is the
 * relay's SDP answer and error is NULL; on failure answer_sdp is NULL. */
typedef void (*SsRelayAnswerFunc) (SsRelay *relay,
                                   const char *lesson_id,
                                   const char *peer_id,
                                   const char *answer_sdp,
                                   const GError *error,
                                   gpointer user_data);

/* Transport state changes. reason is one of "ice_timeout", "dtls_failed",
 * "closed" for SS_RELAY_PEER_CLOSED and NULL otherwise. */
typedef void (*SsRelayPeerEventFunc) (SsRelay *relay,
                                      const char *lesson_id,
                                      const char *peer_id,
                                      SsRelayPeerEvent event,
                                      const char *reason,
                                      gpointer user_data);

SsRelay *ss_relay_new (const SsRelayConfig *config,
                       SsRelayPeerEventFunc event_func,
                       gpointer event_data,
                       GError **error);
void ss_relay_free (SsRelay *relay);

guint ss_relay_get_n_workers (SsRelay *relay);
/* The UDP port worker i listens on (useful when port_base was 0). */
guint16 ss_relay_get_port (SsRelay *relay, guint worker_index);

/* The lead's offer: creates the lesson's router if needed, a transport for
 * the peer and a producer per offered stream. */
void ss_relay_publish (SsRelay *relay,
                       const char *lesson_id,
                       const char *peer_id,
                       const char *offer_sdp,
                       SsRelayAnswerFunc answer_func,
                       gpointer user_data);

/* A remote's receive-only offer: a transport for the peer and a consumer per
 * producer of the lesson. Replaces any earlier transport of that peer. */
void ss_relay_subscribe (SsRelay *relay,
                         const char *lesson_id,
                         const char *peer_id,
                         const char *offer_sdp,
                         SsRelayAnswerFunc answer_func,
                         gpointer user_data);

/* Closes the peer's transport and its producers or consumers. No event is
 * delivered for a close the caller requested. */
void ss_relay_close_peer (SsRelay *relay,
                          const char *lesson_id,
                          const char *peer_id);

/* Closes every transport of the lesson and frees its router. */
void ss_relay_close_lesson (SsRelay *relay, const char *lesson_id);

/* Receives a statistics snapshot (transfer full). */
typedef void (*SsRelayStatsFunc) (SsRelay *relay, json_t *stats,
                                  gpointer user_data);

/* Asks every worker for a snapshot of its state, taken on the worker's own
 * thread between packet batches (the packet path takes no lock for it),
 * and calls func once with all of them on the caller's context:
 *
 *   {"process": {"rss_bytes", "cpu_seconds"},
 *    "workers": [{"index", "port", "lessons", "transports", "producers",
 *                 "consumers", "datagrams_received", "bytes_received",
 *                 "datagrams_sent", "bytes_sent", "datagrams_dropped",
 *                 "send_syscalls", "cpu_seconds"}],
 *    "lessons": [{"lesson", "worker", "producers", "consumers",
 *                 "rtp_packets_in", "rtp_packets_out",
 *                 "rtp_packets_retransmitted", "keyframe_requests_sent",
 *                 "nacks_sent", "layer_switches",
 *                 "peers": [{"peer", "role" (publisher|subscriber),
 *                            "state" (connecting|connected), "address",
 *                            "age_ms", "transport": {"packets_received",
 *                            "bytes_received", "packets_sent", "bytes_sent",
 *                            "srtp_failures", "stun_rejected", "dropped"},
 *                            "streams": [...]}]}]}
 *
 * A publisher's streams (producers) have "kind" (audio|video), "ssrc",
 * "layer" (simulcast, 0 lowest), "bitrate_bps", "packets_received",
 * "bytes_received", "packets_lost", "fraction_lost" (0 to 1, last report
 * interval), "jitter_ms", "keyframes_received", "last_keyframe_age_ms"
 * (null before the first), "keyframe_requests_sent", "nacks_sent",
 * "packets_recovered", "rtx_packets_received", "duplicates_dropped".
 * A subscriber's streams (consumers) have "kind", "ssrc", "layer" and
 * "target_layer" (-1 when gone), "layers", "bitrate_bps", "packets_sent",
 * "bytes_sent", "fraction_lost" and "packets_lost" and "jitter_ms" (from
 * its receiver reports), "rtt_ms" (null until known),
 * "bandwidth_estimate_bps", "nacks_received", "packets_retransmitted",
 * "keyframe_requests_received" (PLI and FIR), "layer_switches",
 * "waiting_keyframe". Counters count from the object's creation; bitrates
 * are averages over about two seconds. The peer id is the one given to
 * ss_relay_publish or ss_relay_subscribe. */
void ss_relay_get_stats (SsRelay *relay, SsRelayStatsFunc func,
                         gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsRelay, ss_relay_free)

G_END_DECLS
