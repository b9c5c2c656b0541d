/* A consumer: the copy of one producer's stream that the relay sends to one
 * subscriber, under its own SSRC and sequence space so the subscriber sees
 * one continuous stream whatever happens upstream. */
#pragma once

#include "router/producer.h"
#include "wire/rtcp.h"

G_BEGIN_DECLS

/* Sender reports sent to this consumer's peer, kept so an RTT can be taken
 * from the LSR/DLSR of its receiver reports (RFC 3550 section 6.4.1). */
#define SS_CONSUMER_SR_HISTORY 4

struct _SsConsumer {
  SsProducer *producer;         /* NULL once the producer is gone */
  guint32 ssrc;
  guint8 payload_type;
  SsEndpoint endpoint;          /* the subscriber's transport */

  /* Video starts at a key frame: before it the decoder could do nothing
   * with the packets, so none are sent. */
  gboolean waiting_keyframe;
  gboolean started;
  guint16 sequence_offset;      /* out = in + offset, modulo 2^16 */

  guint64 packets_sent;
  guint64 octets_sent;          /* payload octets, as the SR counts them */
  guint32 last_rtp_timestamp;

  struct {
    guint32 middle_ntp;
    gint64 sent_us;
  } sr_history[SS_CONSUMER_SR_HISTORY];
  guint sr_history_next;

  /* From the subscriber's receiver reports. */
  guint8 fraction_lost;
  gint32 cumulative_lost;
  guint32 jitter;
  gint64 rtt_us;                /* -1 until known */

  guint64 keyframe_requests_received;
  guint64 nacks_received;       /* sequence numbers requested */
  guint64 packets_retransmitted;
};

SsConsumer *ss_consumer_new (SsProducer *producer, guint32 ssrc,
                             guint8 payload_type, const SsEndpoint *endpoint);
void ss_consumer_free (SsConsumer *consumer);

/* Writes the consumer's copy of an RTP packet into out: the fixed header
 * with the consumer's SSRC, payload type and sequence number, then the
 * payload. Header extensions and CSRCs are not copied, because their ids
 * were negotiated with the publisher, not with this subscriber. Returns the
 * length, or 0 when out is too small. */
gsize ss_consumer_write_rtp (SsConsumer *consumer, const SsRtpHeader *header,
                             guint8 *out, gsize cap);

/* Writes a sender report for the consumer from the producer's last one
 * and records it for RTT; 0 when there is nothing to report yet. */
gsize ss_consumer_write_sr (SsConsumer *consumer, gint64 now_us, guint8 *out,
                            gsize cap);

/* Takes a report block about this consumer from its subscriber. */
void ss_consumer_on_report_block (SsConsumer *consumer,
                                  const SsRtcpReportBlock *block,
                                  gint64 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsConsumer, ss_consumer_free)

G_END_DECLS
