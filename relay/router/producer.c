/* Producer state: receive statistics and key-frame tracking for one stream
 * the publisher sends. Pure: packets and times come in as arguments. */
#define G_LOG_DOMAIN "ss-relay"

#include "router/producer.h"

#include "wire/vp8.h"

SsProducer *
ss_producer_new (const char *source, const SsProducerParams *params,
                 const SsEndpoint *endpoint)
{
  SsProducer *producer = g_new0 (SsProducer, 1);

  producer->source = g_strdup (source);
  producer->kind = params->kind;
  producer->ssrc = params->ssrc;
  producer->payload_type = params->payload_type;
  producer->clock_rate = params->clock_rate;
  producer->feedback = params->feedback;
  producer->rtx_payload_type = params->rtx_payload_type;
  producer->rtx_ssrc = params->rtx_ssrc;
  producer->layer = params->layer;
  producer->endpoint = *endpoint;
  producer->window_start_us = G_MININT64;
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
  g_free (producer->source);
  g_free (producer);
}

gboolean
ss_producer_on_rtp (SsProducer *producer, const SsRtpHeader *header,
                    const SsVp8Descriptor *descriptor, gsize len,
                    gint64 now_us)
{
  ss_recv_stats_on_rtp (&producer->stats, header->sequence, header->timestamp,
                        now_us, len);
  producer->window_bytes += len;
  if (producer->window_start_us == G_MININT64)
    producer->window_start_us = now_us;

  if (descriptor == NULL ||
      !ss_vp8_descriptor_starts_keyframe (descriptor, header->payload,
                                          header->payload_len))
    return FALSE;

  producer->last_keyframe_us = now_us;
  producer->keyframes_received++;
  return TRUE;
}

void
ss_producer_update_bitrate (SsProducer *producer, gint64 now_us,
                            gint64 window_us)
{
  if (producer->window_start_us == G_MININT64)
    return;

  gint64 elapsed_us = now_us - producer->window_start_us;
  if (elapsed_us < window_us)
    return;

  guint64 sample_bps = producer->window_bytes * 8 * G_USEC_PER_SEC /
                       (guint64) elapsed_us;

  /* A key frame is several times the size of a delta frame, and every layer
   * switch and every lossy subscriber requests one. An average over about
   * four seconds (weight 1/8 per half-second window) keeps such bursts from
   * reading as a higher rate and forcing switches of their own. */
  if (producer->bitrate_bps == 0)
    producer->bitrate_bps = sample_bps;
  else
    producer->bitrate_bps = (7 * producer->bitrate_bps + sample_bps) / 8;

  producer->window_samples[producer->n_window_samples++ % SS_PRODUCER_PEAK_WINDOWS] =
      sample_bps;
  producer->peak_bitrate_bps = 0;
  for (guint i = 0; i < MIN (producer->n_window_samples, SS_PRODUCER_PEAK_WINDOWS); i++)
    producer->peak_bitrate_bps = MAX (producer->peak_bitrate_bps,
                                      producer->window_samples[i]);
  producer->window_bytes = 0;
  producer->window_start_us = now_us;
}
