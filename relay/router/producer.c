/* Producer state: receive statistics and key-frame tracking for one stream
 * the publisher sends. Pure: packets and times come in as arguments. */
#define G_LOG_DOMAIN "ss-relay"

#include "router/producer.h"

#include "wire/vp8.h"

SsProducer *
ss_producer_new (SsMediaKind kind, guint32 ssrc, guint8 payload_type,
                 guint clock_rate, const SsSdpFeedback *feedback,
                 const SsEndpoint *endpoint)
{
  SsProducer *producer = g_new0 (SsProducer, 1);

  producer->kind = kind;
  producer->ssrc = ssrc;
  producer->payload_type = payload_type;
  producer->clock_rate = clock_rate;
  producer->feedback = *feedback;
  producer->endpoint = *endpoint;
  producer->last_keyframe_us = G_MININT64;
  producer->last_keyframe_request_us = G_MININT64;
  producer->consumers = g_ptr_array_new ();
  ss_recv_stats_init (&producer->stats, ssrc, clock_rate);
  return producer;
}

void
ss_producer_free (SsProducer *producer)
{
  if (producer == NULL)
    return;

  g_ptr_array_unref (producer->consumers);
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
