/* A router: one lesson's media on one relay worker. It owns the lesson's
 * producers and consumers, fans each producer's packets out to its
 * consumers, and decides when to ask a publisher for a key frame.
 *
 * Producers belong to a source (a classroom's camera and microphone); a
 * lesson has any number of sources. Consumers are bound to a source by
 * name, so a consumer may wait for a source that does not publish yet, and
 * picks it up again when it is published anew.
 *
 * Sans-IO: packets and the current time come in as arguments, and packets
 * go out through each peer's SsEndpoint. The worker calls
 * ss_router_handle_timeout() no later than ss_router_get_next_timeout().
 */
#pragma once

#include "router/consumer.h"
#include "router/producer.h"
#include "wire/rtp.h"

G_BEGIN_DECLS

/* Minimum spacing of key-frame requests to one producer: many subscribers
 * requesting at once cost the publisher at most two key frames a second
 * (RFC 4585 section 3.4 leaves the rate to the application). Longer
 * spacing made a subscriber whose repair key frame was itself damaged on a
 * lossy link wait over two seconds for a picture. */
#define SS_ROUTER_KEYFRAME_REQUEST_INTERVAL_US (500 * 1000)

/* Retransmissions to one subscriber may add at most this share of what it
 * is sent anyway. On a link that is short of bandwidth, unlimited
 * retransmissions would crowd out the media they are meant to repair. */
#define SS_ROUTER_RETRANSMISSION_BUDGET_PERCENT 25
/* Allowance at the start of each bitrate window, so a burst of NACKs on a
 * quiet stream still gets its retransmissions. */
#define SS_ROUTER_RETRANSMISSION_ALLOWANCE_BYTES 8000

/* Receiver reports to the publisher, once a second. */
#define SS_ROUTER_RECEIVER_REPORT_INTERVAL_US (1000 * 1000)

/* Producers' bitrates are measured, and subscribers' simulcast layers
 * chosen, twice a second. */
#define SS_ROUTER_LAYER_INTERVAL_US (500 * 1000)

typedef struct _SsRouter SsRouter;

typedef struct {
  guint64 rtp_packets_in;
  guint64 rtp_packets_out;
  guint64 rtp_packets_dropped;  /* waiting for a key frame, or no buffer */
  guint64 rtp_packets_retransmitted;  /* resent for subscribers' NACKs */
  guint64 nack_misses;          /* NACKed packets no longer in the buffer */
  guint64 nacks_over_budget;    /* not answered: retransmission budget spent */
  guint64 nacks_sent;           /* NACK packets to publishers */
  guint64 keyframe_requests_sent;
  guint64 layer_switches;
  guint64 source_switches;      /* slots moved to another source's stream */
} SsRouterCounters;

SsRouter *ss_router_new (const char *lesson_id, guint32 rtcp_ssrc);
void ss_router_free (SsRouter *router);
const char *ss_router_get_lesson_id (SsRouter *router);

/* Adds a producer of source and points the consumers bound to that source
 * at it. A simulcast source's layers may come in any order: consumers take
 * the layers once layer 0 is there, and each further one as it comes. */
SsProducer *ss_router_add_producer (SsRouter *router, const char *source,
                                    const SsProducerParams *params,
                                    const SsEndpoint *endpoint,
                                    gint64 now_us);
/* Frees the producer; its consumers stay bound to its source, sending
 * nothing until the source is published again. */
void ss_router_remove_producer (SsRouter *router, SsProducer *producer);
/* The source's producer of that kind, or NULL; for simulcast video, its
 * lowest layer. */
SsProducer *ss_router_find_producer (SsRouter *router, const char *source,
                                     SsMediaKind kind);
guint ss_router_get_n_producers (SsRouter *router);

/* A consumer for one slot of a subscriber, bound to no source: it sends
 * nothing until ss_router_set_consumer_source() binds one. */
SsConsumer *ss_router_add_consumer (SsRouter *router, SsMediaKind kind,
                                    guint slot, guint32 ssrc,
                                    guint8 payload_type,
                                    const SsEndpoint *endpoint);
/* Binds the consumer to source (NULL: idle). The old source's packets stop
 * at once. The new source's video starts at its next key frame, which is
 * requested now, and its audio at its next packet, both continuing the
 * consumer's sequence numbers, timestamps and picture IDs. A source that
 * publishes nothing yet starts flowing when it does. Binding the current
 * source again changes nothing. */
void ss_router_set_consumer_source (SsRouter *router, SsConsumer *consumer,
                                    const char *source, gint64 now_us);
void ss_router_remove_consumer (SsRouter *router, SsConsumer *consumer);
guint ss_router_get_n_consumers (SsRouter *router);

/* A decrypted RTP packet of the producer, with the header the caller
 * parsed: updates the producer's state and sends a copy to every consumer
 * that can take it. */
void ss_router_on_rtp (SsRouter *router, SsProducer *producer,
                       const guint8 *packet, gsize len,
                       const SsRtpHeader *header, gint64 now_us);

/* The publisher's sender report for a producer: each consumer gets its own
 * report, derived from this one. */
void ss_router_on_sender_report (SsRouter *router, SsProducer *producer,
                                 const SsRtcpSenderReport *sr, gint64 now_us);

/* A subscriber's generic NACK for one sequence number of a consumer's
 * stream (the consumer's numbering): resent from the retransmission buffer
 * when it is still there. */
void ss_router_on_nack (SsRouter *router, SsConsumer *consumer,
                        guint16 sequence, gint64 now_us);

/* A subscriber's PLI or FIR for a consumer's stream. */
void ss_router_on_keyframe_request (SsRouter *router, SsConsumer *consumer,
                                    gint64 now_us);

gint64 ss_router_get_next_timeout (SsRouter *router);
void ss_router_handle_timeout (SsRouter *router, gint64 now_us);

const SsRouterCounters *ss_router_get_counters (SsRouter *router);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsRouter, ss_router_free)

G_END_DECLS
