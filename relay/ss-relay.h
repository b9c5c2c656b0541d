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
  SS_RELAY_ERROR_NOT_PUBLISHED,  /* subscribe offer receives nothing */
  SS_RELAY_ERROR_BUSY,           /* publish of a source already published */
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

/* Maximum number of slots in one subscription. */
#define SS_RELAY_MAX_SLOTS 8

/* Called once per publish or subscribe request. On success answer_sdp is the
 * relay's SDP answer and error is NULL; on failure answer_sdp is NULL.
 * n_slots is the number of slots a subscription got (0 for a publish). */
typedef void (*SsRelayAnswerFunc) (SsRelay *relay,
                                   const char *lesson_id,
                                   const char *peer_id,
                                   const char *answer_sdp,
                                   guint n_slots,
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

/* A publisher's offer: creates the lesson's router if needed, a transport
 * for the peer and a producer per offered stream, all belonging to source
 * (the classroom whose camera and microphone they are). A lesson has any
 * number of sources; a source published by another live peer fails with
 * SS_RELAY_ERROR_BUSY. A peer id names one transport, and a publish or
 * subscribe replaces the transport of the same id, so a client that
 * publishes and subscribes uses two ids. */
void ss_relay_publish (SsRelay *relay,
                       const char *lesson_id,
                       const char *peer_id,
                       const char *source,
                       const char *offer_sdp,
                       SsRelayAnswerFunc answer_func,
                       gpointer user_data);

/* A receive-only offer: a transport for the peer and a consumer per offered
 * m-line. The i-th audio and the i-th video m-line form slot i (at most
 * SS_RELAY_MAX_SLOTS), which carries the streams of sources[i] (NULL, or
 * i >= n_sources: idle). A source not published yet is bound by name and
 * starts flowing when it publishes. Receive m-lines past the last slot are
 * answered inactive; an offer without any fails with
 * SS_RELAY_ERROR_NOT_PUBLISHED. Replaces any earlier transport of that
 * peer. */
void ss_relay_subscribe (SsRelay *relay,
                         const char *lesson_id,
                         const char *peer_id,
                         const char *offer_sdp,
                         const char *const *sources,
                         guint n_sources,
                         SsRelayAnswerFunc answer_func,
                         gpointer user_data);

/* Rebinds a subscriber's slots, with the same meaning of sources as in
 * ss_relay_subscribe. A slot whose source changes sends nothing more of the
 * old one, requests a key frame from the new one and starts its video there,
 * keeping the slot's SSRC, sequence numbers and timestamps continuous. An
 * unknown peer is ignored. */
void ss_relay_set_sources (SsRelay *relay,
                           const char *lesson_id,
                           const char *peer_id,
                           const char *const *sources,
                           guint n_sources);

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
 *                 "nacks_sent", "layer_switches", "source_switches",
 *                 "peers": [{"peer", "role" (publisher|subscriber),
 *                            "source" (publishers only),
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
 * A subscriber's streams (consumers) have "kind", "slot", "source" (the
 * bound source or null), "ssrc", "layer" and
 * "target_layer" (-1 when gone), "layers" (0 while the source publishes
 * nothing), "bitrate_bps", "packets_sent",
 * "bytes_sent", "fraction_lost" and "packets_lost" and "jitter_ms" (from
 * its receiver reports), "rtt_ms" (null until known),
 * "bandwidth_estimate_bps", "nacks_received", "packets_retransmitted",
 * "keyframe_requests_received" (PLI and FIR), "layer_switches",
 * "source_switches" (to another source, or to the same source published
 * anew), "waiting_keyframe". Counters count from the object's creation;
 * bitrates are averages over about two seconds. The peer id is the one given to
 * ss_relay_publish or ss_relay_subscribe. */
void ss_relay_get_stats (SsRelay *relay, SsRelayStatsFunc func,
                         gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsRelay, ss_relay_free)

G_END_DECLS
