/* Producer state: receive statistics and key-frame tracking for one stream
 * the publisher sends. Pure: packets and times come in as arguments. */
#define G_LOG_DOMAIN "ss-relay"

#include "router/producer.h"

#include "wire/vp8.h"

SsProducer *
ss_producer_new (const SsProducerParams *params, const SsEndpoint *endpoint)
{
  SsProducer *producer = g_new0 (SsProducer, 1);

  producer->kind = params->kind;
  producer->ssrc = params->ssrc;
  producer->payload_type = params->payload_type;
  producer->clock_rate = params->clock_rate;
  producer->feedback = params->feedback;
  producer->rtx_payload_type = params->rtx_payload_type;
  producer->rtx_ssrc = params->rtx_ssrc;
  producer->endpoint = *endpoint;
  producer->last_keyframe_us = G_MININT64;
  producer->last_keyframe_request_us = G_MININT64;
  producer->consumers = g_ptr_array_new ();
  ss_recv_stats_init (&producer->stats, params->ssrc, params->clock_rate);
  ss_seq_unwrapper_init (&producer->unwrapper);
  ss_nack_generator_init (&producer->nack);

  /* Opus carries its own redundancy (in-band FEC), so audio is not
   * retransmitted. */
  if (params->kind == SS_MEDIA_VIDEO)
    {
      producer->retransmissions = ss_retransmission_buffer_new (
          SS_PRODUCER_RETRANSMISSION_SLOTS, SS_PRODUCER_RETRANSMISSION_AGE_US);
      producer->nack_enabled = params->feedback.nack;
    }
  return producer;
}

void
ss_producer_free (SsProducer *producer)
{
  if (producer == NULL)
    return;

  g_ptr_array_unref (producer->consumers);
  ss_retransmission_buffer_free (producer->retransmissions);
  g_free (producer);
}

gboolean
ss_producer_on_rtp (SsProducer *producer, const SsRtpHeader *header,
                    gsize len, gint64 now_us)
{
  ss_recv_stats_on_rtp (&producer->stats, header->sequence, header->timestamp,
                        now_us, len);

  if (producer->kind != SS_MEDIA_VIDEO ||
      !ss_vp8_is_keyframe (header->payload, header->payload_len))
    return FALSE;

  producer->last_keyframe_us = now_us;
  producer->keyframes_received++;
  return TRUE;
}
