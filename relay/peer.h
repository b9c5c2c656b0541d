/* A peer: one client's WebRTC transport on a worker, with the producers it
 * publishes (all of one source) or the consumers of the slots it receives,
 * and the RTP/RTCP dispatch between the transport and the lesson's
 * router. */
#pragma once

#include "router/router.h"
#include "sdp/sdp-offer.h"
#include "transport/dtls.h"
#include "worker.h"

#include <jansson.h>

G_BEGIN_DECLS

typedef enum {
  SS_PEER_PUBLISHER,
  SS_PEER_SUBSCRIBER,
} SsPeerRole;

typedef struct {
  const char *const *addresses;
  guint16 port;
  SsDtlsCertificate *certificate;
} SsPeerLocal;

/* Creates the transport and the producers of source (publisher) or the
 * consumers of the slots (subscriber, source NULL) that the offer requests,
 * and writes the SDP answer. A subscriber's slots are idle until
 * ss_peer_set_sources() binds them. */
SsPeer *ss_peer_new (SsWorker *worker, SsRouter *router, SsPeerRole role,
                     const char *lesson_id, const char *peer_id,
                     const char *source, const SsSdpOffer *offer,
                     const SsPeerLocal *local, gint64 now_us,
                     char **answer_sdp, GError **error);
/* Removes the peer's producers or consumers from the router, unregisters
 * its addresses and frees the transport. */
void ss_peer_free (SsPeer *peer);

const char *ss_peer_get_id (SsPeer *peer);
const char *ss_peer_get_lesson_id (SsPeer *peer);
const char *ss_peer_get_local_ufrag (SsPeer *peer);
SsPeerRole ss_peer_get_role (SsPeer *peer);
SsRouter *ss_peer_get_router (SsPeer *peer);
/* The source a publisher publishes; NULL for a subscriber. */
const char *ss_peer_get_source (SsPeer *peer);
/* The number of slots a subscriber has: as many as the offer has receive
 * m-lines of its more numerous kind, at most SS_RELAY_MAX_SLOTS. */
guint ss_peer_get_n_slots (SsPeer *peer);

/* Binds a subscriber's slot i to sources[i] (NULL, or i >= n_sources:
 * idle); see ss_router_set_consumer_source(). Does nothing for a
 * publisher. */
void ss_peer_set_sources (SsPeer *peer, const char *const *sources,
                          guint n_sources, gint64 now_us);

/* One datagram from the worker's socket for this peer. */
void ss_peer_receive (SsPeer *peer, gint64 now_us, guint8 *data, gsize len,
                      const struct sockaddr *from, socklen_t from_len);
gint64 ss_peer_get_next_timeout (SsPeer *peer);
void ss_peer_handle_timeout (SsPeer *peer, gint64 now_us);
/* Sends a DTLS close_notify; the transport reports no close event. */
void ss_peer_close (SsPeer *peer);

/* A statistics snapshot of the peer's link and streams (see
 * ss_relay_get_stats). */
json_t *ss_peer_to_json (SsPeer *peer, gint64 now_us);

/* One debug line per consumer: layer, bitrate, estimate, loss, RTT. */
void ss_peer_log_consumers (SsPeer *peer, gint64 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsPeer, ss_peer_free)

G_END_DECLS
