/* Consumer state: rewriting a producer's packets for one subscriber and
 * the RTCP the relay exchanges with that subscriber about them. */
#define G_LOG_DOMAIN "ss-relay"

#include "router/consumer.h"

#include "wire/ntp.h"
#include "wire/rtp.h"

#include <string.h>

#define RTP_FIXED_HEADER_LEN 12

SsConsumer *
ss_consumer_new (SsProducer *producer, guint32 ssrc, guint8 payload_type,
                 const SsEndpoint *endpoint)
{
  SsConsumer *consumer = g_new0 (SsConsumer, 1);

  consumer->producer = producer;
  consumer->ssrc = ssrc;
  consumer->payload_type = payload_type;
  consumer->endpoint = *endpoint;
  consumer->waiting_keyframe = producer->kind == SS_MEDIA_VIDEO;
  consumer->rtt_us = -1;
  return consumer;
}

void
ss_consumer_free (SsConsumer *consumer)
{
  g_free (consumer);
}

gsize
ss_consumer_write_rtp (SsConsumer *consumer, const SsRtpHeader *header,
                       guint8 *out, gsize cap)
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
      consumer->started = TRUE;
    }

  out[0] = 0x80; /* V=2, no padding, no extension, no CSRC */
  out[1] = (guint8) ((header->marker ? 0x80 : 0) | consumer->payload_type);
  ss_rtp_write_sequence (out,
                         (guint16) (header->sequence + consumer->sequence_offset));
  ss_rtp_write_timestamp (out, header->timestamp);
  ss_rtp_write_ssrc (out, consumer->ssrc);
  memcpy (out + RTP_FIXED_HEADER_LEN, header->payload, header->payload_len);

  consumer->packets_sent++;
  consumer->octets_sent += header->payload_len;
  consumer->last_rtp_timestamp = header->timestamp;
  return len;
}

gsize
ss_consumer_write_sr (SsConsumer *consumer, gint64 now_us, guint8 *out,
                      gsize cap)
{
  const SsProducer *producer = consumer->producer;
  if (producer == NULL || !producer->has_sender_report || !consumer->started)
    return 0;

  /* Timestamps are forwarded unchanged, so the publisher's NTP/RTP pair
   * holds for the consumer's stream as it is. */
  SsRtcpSenderReport sr = {
    .ssrc = consumer->ssrc,
    .ntp_timestamp = producer->sr_ntp_timestamp,
    .rtp_timestamp = producer->sr_rtp_timestamp,
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
