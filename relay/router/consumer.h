/* A consumer: the copy of one source's stream that the relay sends to one
 * subscriber, under its own SSRC and sequence space so the subscriber sees
 * one continuous stream whatever happens upstream: switches between the
 * simulcast layers of a video source, and switches of the subscriber's
 * slot from one source to another. */
#pragma once

#include "router/layer-selector.h"
#include "router/producer.h"
#include "stream/bandwidth-estimator.h"
#include "wire/rtcp.h"
#include "wire/vp8.h"

G_BEGIN_DECLS

/* Sender reports sent to this consumer's peer, kept so an RTT can be taken
 * from the LSR/DLSR of its receiver reports (RFC 3550 section 6.4.1). */
#define SS_CONSUMER_SR_HISTORY 4

/* Sequence numbers remembered as NACKed, so a request repeated for the
 * same packet counts once in the loss measure. */
#define SS_CONSUMER_NACK_MARKS 512

struct _SsConsumer {
  SsMediaKind kind;
  /* The subscriber's slot: its i-th audio and i-th video m-line are slot i
   * and carry the same source. */
  guint slot;
  /* The source the slot is bound to, by name, whether or not it publishes
   * now; NULL while the slot is idle. */
  char *source;
  guint32 ssrc;
  guint8 payload_type;
  SsEndpoint endpoint;          /* the subscriber's transport */
  /* The subscriber negotiated generic NACK: its NACKs then measure the loss
   * on its link, before retransmission, for the bandwidth estimate. */
  gboolean nack_enabled;

  /* The bound source's layers, lowest first (one entry without simulcast;
   * none while the source publishes nothing), the layer being sent and the
   * one wanted. A layer whose producer is gone is NULL. */
  SsProducer *layers[SS_MAX_LAYERS];
  guint n_layers;
  /* Current layer: NULL once gone, and from a change of source until the
   * new source's first key frame (audio: first packet). A started consumer
   * whose producer is NULL counts its next switch as a source switch. */
  SsProducer *producer;
  SsProducer *target;           /* switch at its next key frame */

  /* Video starts, and switches layers or sources, at a key frame: before
   * it the decoder could do nothing with the packets, so none are sent. */
  gboolean waiting_keyframe;
  gboolean started;

  /* Output = input + offset, modulo the field's size. Set anew at each
   * switch so the subscriber's numbering runs on without a jump. */
  guint16 sequence_offset;
  guint32 timestamp_offset;
  guint16 picture_id_offset;
  guint8 tl0picidx_offset;
  /* First sequence number sent from the current layer: older numbers
   * belong to another layer or source, so this layer's retransmission
   * buffer cannot serve NACKs for them. */
  guint16 switch_sequence;

  guint16 last_sequence;
  guint32 last_timestamp;
  guint16 last_picture_id;
  guint8 last_tl0picidx;
  gint64 last_sent_us;

  guint64 packets_sent;
  guint64 octets_sent;          /* payload octets, as the SR counts them */

  /* Sent bitrate (payload), averaged like a producer's. */
  guint64 bitrate_bps;
  guint64 window_octets;        /* octets_sent at the window's start */
  gint64 window_start_us;
  guint64 window_retransmitted_octets;
  guint64 window_packets;       /* packets_sent at the window's start */
  guint window_nacked;          /* distinct sequence numbers NACKed */
  guint32 nack_marks[SS_CONSUMER_NACK_MARKS]; /* sequence | 0x10000 */

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

  SsBandwidthEstimator bandwidth;
  SsLayerSelector selector;

  guint64 keyframe_requests_received;
  guint64 nacks_received;       /* sequence numbers requested */
  guint64 packets_retransmitted;
  guint64 layer_switches;
  guint64 source_switches;
};

/* Creates a consumer bound to no source. It sends nothing until
 * ss_consumer_set_layers() gives it layers. */
SsConsumer *ss_consumer_new (SsMediaKind kind, guint slot, guint32 ssrc,
                             guint8 payload_type, const SsEndpoint *endpoint);
void ss_consumer_free (SsConsumer *consumer);

/* Replaces the layers the consumer takes packets from (lowest first,
 * n_layers 0 for none) and targets initial_layer. When initial_layer is the
 * current producer, sending goes on without a break. Otherwise a consumer
 * that has sent nothing yet starts on the target, and one that has stops
 * sending until the target's next key frame (audio: next packet), where
 * ss_consumer_switch_layer() continues its numbering. The caller keeps the
 * producers' consumer lists in step. */
void ss_consumer_set_layers (SsConsumer *consumer, SsProducer *const *layers,
                             guint n_layers, guint initial_layer);

/* Forgets a producer that is going away. */
void ss_consumer_forget_producer (SsConsumer *consumer, SsProducer *producer);

/* Makes the target layer current, from this packet (its key frame, or any
 * packet for audio) on, with offsets that continue the subscriber's
 * sequence numbers, timestamps and VP8 picture IDs. */
void ss_consumer_switch_layer (SsConsumer *consumer,
                               const SsRtpHeader *header,
                               const SsVp8Descriptor *descriptor,
                               gint64 now_us);

/* Writes the consumer's copy of an RTP packet into out: the fixed header
 * with the consumer's SSRC, payload type, sequence number and timestamp,
 * then the payload, with the VP8 picture ID and TL0PICIDX renumbered.
 * descriptor is the payload's parsed VP8 descriptor, parsed once for all
 * consumers, or NULL. Header extensions and CSRCs are not copied, because
 * their ids were negotiated with the publisher, not with this subscriber.
 * Returns the length, or 0 when out is too small. */
gsize ss_consumer_write_rtp (SsConsumer *consumer, const SsRtpHeader *header,
                             const SsVp8Descriptor *descriptor, guint8 *out,
                             gsize cap, gint64 now_us);

/* Writes a sender report for the consumer from the current layer's last
 * one and records it for RTT; 0 when there is nothing to report yet. */
gsize ss_consumer_write_sr (SsConsumer *consumer, gint64 now_us, guint8 *out,
                            gsize cap);

/* Closes the bitrate window when it is at least window_us long. For a
 * subscriber that NACKs, the share of the window's packets it NACKed goes
 * to the bandwidth estimate as the window's loss. */
void ss_consumer_update_bitrate (SsConsumer *consumer, gint64 now_us,
                                 gint64 window_us);

/* Counts a NACKed sequence number (the consumer's numbering) once. */
void ss_consumer_on_nack (SsConsumer *consumer, guint16 sequence);

/* Takes a report block about this consumer from its subscriber. */
void ss_consumer_on_report_block (SsConsumer *consumer,
                                  const SsRtcpReportBlock *block,
                                  gint64 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsConsumer, ss_consumer_free)

G_END_DECLS
