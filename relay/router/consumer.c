/* Consumer state: rewriting a producer's packets for one subscriber,
 * switching between simulcast layers, and the RTCP the relay exchanges
 * with that subscriber about them. */
#define G_LOG_DOMAIN "ss-relay"

#include "router/consumer.h"

#include "wire/ntp.h"
#include "wire/rtp.h"
#include "wire/vp8.h"

#include <string.h>

#define RTP_FIXED_HEADER_LEN 12

SsConsumer *
ss_consumer_new (SsMediaKind kind, guint slot, guint32 ssrc,
                 guint8 payload_type, const SsEndpoint *endpoint)
{
  SsConsumer *consumer = g_new0 (SsConsumer, 1);

  consumer->kind = kind;
  consumer->slot = slot;
  consumer->ssrc = ssrc;
  consumer->payload_type = payload_type;
  consumer->endpoint = *endpoint;
  consumer->rtt_us = -1;
  consumer->window_start_us = G_MININT64;
  ss_bandwidth_estimator_init (&consumer->bandwidth);
  ss_layer_selector_init (&consumer->selector);
  return consumer;
}

void
ss_consumer_free (SsConsumer *consumer)
{
  if (consumer == NULL)
    return;

  g_free (consumer->source);
  g_free (consumer);
}

void
ss_consumer_set_layers (SsConsumer *consumer, SsProducer *const *layers,
                        guint n_layers, guint initial_layer)
{
  g_return_if_fail (n_layers <= SS_MAX_LAYERS);
  g_return_if_fail (n_layers == 0 || initial_layer < n_layers);

  gboolean keeps_current = n_layers > 0 && consumer->producer != NULL &&
                           layers[initial_layer] == consumer->producer;

  memset (consumer->layers, 0, sizeof consumer->layers);
  if (n_layers > 0)
    memcpy (consumer->layers, layers, sizeof (SsProducer *) * n_layers);
  consumer->n_layers = n_layers;

  if (n_layers == 0)
    {
      consumer->producer = NULL;
      consumer->target = NULL;
      consumer->waiting_keyframe = FALSE;
      return;
    }

  SsProducer *target = layers[initial_layer];
  consumer->target = target;
  consumer->selector.current = (gint) initial_layer;
  if (keeps_current)
    return;

  consumer->waiting_keyframe = target->kind == SS_MEDIA_VIDEO;
  if (!consumer->started)
    {
      consumer->producer = target;
      return;
    }

  /* Nothing of the old producers goes out any more, and the new ones take
   * over at a point the decoder can start from. */
  consumer->producer = NULL;
}

void
ss_consumer_forget_producer (SsConsumer *consumer, SsProducer *producer)
{
  for (guint i = 0; i < consumer->n_layers; i++)
    if (consumer->layers[i] == producer)
      consumer->layers[i] = NULL;

  if (consumer->producer == producer)
    consumer->producer = NULL;
  if (consumer->target == producer)
    {
      consumer->target = NULL;
      consumer->waiting_keyframe = FALSE;
    }
}

void
ss_consumer_switch_layer (SsConsumer *consumer, const SsRtpHeader *header,
                          const SsVp8Descriptor *descriptor, gint64 now_us)
{
  SsProducer *target = consumer->target;

  if (consumer->started)
    {
      /* Continue the subscriber's numbering from the last packet sent, and
       * its clock by the time that has passed since then. */
      guint32 elapsed_ticks = (guint32) MAX (
          1, (now_us - consumer->last_sent_us) * (gint64) target->clock_rate /
                 G_USEC_PER_SEC);
      /* The first packet of the new layer or source goes out as the next
       * one in the subscriber's sequence. */
      consumer->sequence_offset =
          (guint16) (consumer->last_sequence + 1 - header->sequence);
      consumer->timestamp_offset =
          consumer->last_timestamp + elapsed_ticks - header->timestamp;
      consumer->switch_sequence = (guint16) (consumer->last_sequence + 1);

      if (descriptor != NULL)
        {
          if (descriptor->has_picture_id)
            consumer->picture_id_offset =
                (guint16) (consumer->last_picture_id + 1 - descriptor->picture_id);
          if (descriptor->has_tl0picidx)
            consumer->tl0picidx_offset =
                (guint8) (consumer->last_tl0picidx + 1 - descriptor->tl0picidx);
        }
      /* Without a current producer the consumer was rebound or its
       * producers were removed, so the target belongs to another source or
       * to the same source published anew. */
      if (consumer->producer == NULL)
        consumer->source_switches++;
      else
        consumer->layer_switches++;
    }

  consumer->producer = target;
}

/* Renumbers the VP8 picture ID and TL0PICIDX of a copy. Each layer's and
 * each source's encoder counts on its own, but the subscriber's decoder
 * must see one sequence (RFC 7741 section 4.2). Only the newest packet sets
 * the numbers a switch continues from, not a retransmission.
 * NOTE: the field keeps the width the packet has, so after a switch between
 * encoders of 7-bit and 15-bit picture IDs the sequence changes width. */
static void
rewrite_vp8 (SsConsumer *consumer, const SsVp8Descriptor *descriptor,
             guint8 *payload, gsize len, gboolean newest)
{
  /* A zero offset leaves the field as it is, so the payload is written only
   * after a switch has moved the numbering. */
  if (descriptor->has_picture_id)
    {
      guint16 mask = descriptor->picture_id_15bit ? 0x7FFF : 0x7F;
      guint16 picture_id =
          (guint16) ((descriptor->picture_id + consumer->picture_id_offset) & mask);
      if (consumer->picture_id_offset != 0)
        ss_vp8_write_picture_id (payload, len, picture_id);
      if (newest)
        consumer->last_picture_id = picture_id;
    }
  if (descriptor->has_tl0picidx)
    {
      guint8 tl0picidx =
          (guint8) (descriptor->tl0picidx + consumer->tl0picidx_offset);
      if (consumer->tl0picidx_offset != 0)
        ss_vp8_write_tl0picidx (payload, len, tl0picidx);
      if (newest)
        consumer->last_tl0picidx = tl0picidx;
    }
}

gsize
ss_consumer_write_rtp (SsConsumer *consumer, const SsRtpHeader *header,
                       const SsVp8Descriptor *descriptor, guint8 *out,
                       gsize cap, gint64 now_us)
{
  gsize len = RTP_FIXED_HEADER_LEN + header->payload_len;
  if (len > cap)
    return 0;

  /* The first packet sent picks the offset so the subscriber's sequence
   * starts at a random point (RFC 3550 section 5.1). */
  if (!consumer->started)
    {
      consumer->sequence_offset =
          (guint16) (g_random_int () - header->sequence);
      consumer->switch_sequence =
          (guint16) (header->sequence + consumer->sequence_offset);
      consumer->started = TRUE;
    }

  guint16 sequence = (guint16) (header->sequence + consumer->sequence_offset);
  guint32 timestamp = header->timestamp + consumer->timestamp_offset;

  out[0] = 0x80; /* V=2, no padding, no extension, no CSRC */
  out[1] = (guint8) ((header->marker ? 0x80 : 0) | consumer->payload_type);
  ss_rtp_write_sequence (out, sequence);
  ss_rtp_write_timestamp (out, timestamp);
  ss_rtp_write_ssrc (out, consumer->ssrc);
  memcpy (out + RTP_FIXED_HEADER_LEN, header->payload, header->payload_len);

  /* A retransmission is older than what was sent last and must not move
   * the numbering a switch continues from. */
  gboolean newest = consumer->packets_sent == 0 ||
                    (gint16) (guint16) (sequence - consumer->last_sequence) > 0;
  if (descriptor != NULL)
    rewrite_vp8 (consumer, descriptor, out + RTP_FIXED_HEADER_LEN,
                 header->payload_len, newest);

  if (newest)
    {
      consumer->last_sequence = sequence;
      consumer->last_timestamp = timestamp;
      consumer->last_sent_us = now_us;
    }

  consumer->packets_sent++;
  consumer->octets_sent += header->payload_len;
  return len;
}

gsize
ss_consumer_write_sr (SsConsumer *consumer, gint64 now_us, guint8 *out,
                      gsize cap)
{
  const SsProducer *producer = consumer->producer;
  if (producer == NULL || !producer->has_sender_report || !consumer->started)
    return 0;

  /* The current layer's NTP/RTP pair, moved by the timestamp offset the
   * subscriber's stream has relative to that layer. */
  SsRtcpSenderReport sr = {
    .ssrc = consumer->ssrc,
    .ntp_timestamp = producer->sr_ntp_timestamp,
    .rtp_timestamp = producer->sr_rtp_timestamp + consumer->timestamp_offset,
    .packet_count = (guint32) consumer->packets_sent,
    .octet_count = (guint32) consumer->octets_sent,
    .n_blocks = 0,
  };
  gsize len = ss_rtcp_write_sr (out, cap, &sr);
  if (len == 0)
    return 0;

  guint slot = consumer->sr_history_next % SS_CONSUMER_SR_HISTORY;
  consumer->sr_history[slot].middle_ntp = ss_ntp_middle32 (sr.ntp_timestamp);
  consumer->sr_history[slot].sent_us = now_us;
  consumer->sr_history_next++;
  return len;
}

void
ss_consumer_on_report_block (SsConsumer *consumer,
                             const SsRtcpReportBlock *block, gint64 now_us)
{
  consumer->fraction_lost = block->fraction_lost;
  consumer->cumulative_lost = block->cumulative_lost;
  consumer->jitter = block->jitter;
  if (!consumer->nack_enabled)
    ss_bandwidth_estimator_on_loss_report (&consumer->bandwidth,
                                           block->fraction_lost, now_us);

  if (block->lsr == 0)
    return;

  /* The NTP clock in our reports is the publisher's, not ours, so the RTT
   * is taken from when we sent the report LSR names rather than from
   * NTP arithmetic: RTT = now - sent - DLSR (DLSR in 1/65536 s). */
  for (guint i = 0; i < SS_CONSUMER_SR_HISTORY; i++)
    {
      if (i >= consumer->sr_history_next ||
          consumer->sr_history[i].middle_ntp != block->lsr)
        continue;

      gint64 dlsr_us = ((gint64) block->dlsr * G_USEC_PER_SEC) >> 16;
      gint64 rtt_us = now_us - consumer->sr_history[i].sent_us - dlsr_us;
      if (rtt_us >= 0)
        consumer->rtt_us = rtt_us;
      return;
    }
}

void
ss_consumer_update_bitrate (SsConsumer *consumer, gint64 now_us,
                            gint64 window_us)
{
  if (consumer->window_start_us == G_MININT64)
    {
      consumer->window_start_us = now_us;
      consumer->window_octets = consumer->octets_sent;
      consumer->window_packets = consumer->packets_sent;
      return;
    }

  gint64 elapsed_us = now_us - consumer->window_start_us;
  if (elapsed_us < window_us)
    return;

  guint64 sample_bps = (consumer->octets_sent - consumer->window_octets) * 8 *
                       G_USEC_PER_SEC / (guint64) elapsed_us;
  consumer->bitrate_bps = consumer->bitrate_bps == 0
                              ? sample_bps
                              : (3 * consumer->bitrate_bps + sample_bps) / 4;
  /* Receiver reports understate the loss of a subscriber that NACKs: the
   * packets the relay resends count as received. Its NACKs show the loss
   * before retransmission, which is what tells congestion. */
  guint64 packets = consumer->packets_sent - consumer->window_packets;
  if (consumer->nack_enabled && packets > 0)
    {
      guint64 loss = MIN ((guint64) consumer->window_nacked * 256 / packets, 255);
      ss_bandwidth_estimator_on_loss_report (&consumer->bandwidth, (guint8) loss,
                                             now_us);
    }

  consumer->window_octets = consumer->octets_sent;
  consumer->window_start_us = now_us;
  consumer->window_retransmitted_octets = 0;
  consumer->window_packets = consumer->packets_sent;
  consumer->window_nacked = 0;
}

void
ss_consumer_on_nack (SsConsumer *consumer, guint16 sequence)
{
  guint32 mark = (guint32) sequence | 0x10000;
  guint32 *slot = &consumer->nack_marks[sequence % SS_CONSUMER_NACK_MARKS];

  consumer->nacks_received++;
  if (*slot == mark)
    return;
  *slot = mark;
  consumer->window_nacked++;
}
