/* Fan-out and key-frame policy of one lesson.
 *
 * The forwarding loop writes each consumer's copy straight into the buffer
 * its endpoint lends (the worker's send batch), so a packet costs one copy
 * and one SRTP protect per consumer and no allocation.
 */
#define G_LOG_DOMAIN "ss-relay"

#include "router/router.h"

struct _SsRouter {
  char *lesson_id;
  guint32 rtcp_ssrc;            /* sender SSRC of the relay's own RTCP */
  GPtrArray *producers;         /* SsProducer, owned */
  GPtrArray *consumers;         /* SsConsumer, owned */
  gint64 next_receiver_report_us;
  SsRouterCounters counters;
};

SsRouter *
ss_router_new (const char *lesson_id, guint32 rtcp_ssrc)
{
  SsRouter *router = g_new0 (SsRouter, 1);

  router->lesson_id = g_strdup (lesson_id);
  router->rtcp_ssrc = rtcp_ssrc;
  router->producers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ss_producer_free);
  router->consumers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ss_consumer_free);
  router->next_receiver_report_us = G_MAXINT64;
  return router;
}

void
ss_router_free (SsRouter *router)
{
  if (router == NULL)
    return;

  g_ptr_array_unref (router->consumers);
  g_ptr_array_unref (router->producers);
  g_free (router->lesson_id);
  g_free (router);
}

const char *
ss_router_get_lesson_id (SsRouter *router)
{
  return router->lesson_id;
}

const SsRouterCounters *
ss_router_get_counters (SsRouter *router)
{
  return &router->counters;
}

SsProducer *
ss_router_add_producer (SsRouter *router, const SsProducerParams *params,
                        const SsEndpoint *endpoint)
{
  SsProducer *producer = ss_producer_new (params, endpoint);
  g_ptr_array_add (router->producers, producer);

  if (router->next_receiver_report_us == G_MAXINT64)
    router->next_receiver_report_us = G_MININT64;
  return producer;
}

void
ss_router_remove_producer (SsRouter *router, SsProducer *producer)
{
  for (guint i = 0; i < producer->consumers->len; i++)
    {
      SsConsumer *consumer = g_ptr_array_index (producer->consumers, i);
      consumer->producer = NULL;
    }
  g_ptr_array_remove (router->producers, producer);

  if (router->producers->len == 0)
    router->next_receiver_report_us = G_MAXINT64;
}

SsProducer *
ss_router_find_producer (SsRouter *router, SsMediaKind kind)
{
  for (guint i = 0; i < router->producers->len; i++)
    {
      SsProducer *producer = g_ptr_array_index (router->producers, i);
      if (producer->kind == kind)
        return producer;
    }
  return NULL;
}

guint
ss_router_get_n_producers (SsRouter *router)
{
  return router->producers->len;
}

guint
ss_router_get_n_consumers (SsRouter *router)
{
  return router->consumers->len;
}

/* Sends one PLI (or FIR when the publisher takes only FIR) unless one went
 * out less than SS_ROUTER_KEYFRAME_REQUEST_INTERVAL_US ago. */
static void
request_keyframe (SsRouter *router, SsProducer *producer, gint64 now_us)
{
  if (producer->kind != SS_MEDIA_VIDEO)
    return;
  if (producer->last_keyframe_request_us != G_MININT64 &&
      now_us - producer->last_keyframe_request_us <
          SS_ROUTER_KEYFRAME_REQUEST_INTERVAL_US)
    return;

  gsize cap = 0;
  guint8 *buffer = producer->endpoint.funcs->get_buffer (
      producer->endpoint.user_data, &cap);
  if (buffer == NULL)
    return;

  gsize len;
  if (!producer->feedback.nack_pli && producer->feedback.ccm_fir)
    len = ss_rtcp_write_fir (buffer, cap, router->rtcp_ssrc, producer->ssrc,
                             ++producer->fir_sequence);
  else
    len = ss_rtcp_write_pli (buffer, cap, router->rtcp_ssrc, producer->ssrc);
  if (len == 0)
    return;

  producer->endpoint.funcs->send_rtcp (producer->endpoint.user_data, buffer,
                                       len, cap);
  producer->last_keyframe_request_us = now_us;
  producer->keyframe_requests_sent++;
  router->counters.keyframe_requests_sent++;
}

SsConsumer *
ss_router_add_consumer (SsRouter *router, SsProducer *producer, guint32 ssrc,
                        guint8 payload_type, const SsEndpoint *endpoint,
                        gint64 now_us)
{
  SsConsumer *consumer = ss_consumer_new (producer, ssrc, payload_type,
                                          endpoint);
  g_ptr_array_add (router->consumers, consumer);
  g_ptr_array_add (producer->consumers, consumer);

  /* A new subscriber can decode nothing before the next key frame. */
  if (consumer->waiting_keyframe)
    request_keyframe (router, producer, now_us);
  return consumer;
}

void
ss_router_remove_consumer (SsRouter *router, SsConsumer *consumer)
{
  if (consumer->producer != NULL)
    g_ptr_array_remove_fast (consumer->producer->consumers, consumer);
  g_ptr_array_remove_fast (router->consumers, consumer);
}

static void
forward_to_consumer (SsRouter *router, SsConsumer *consumer,
                     const SsRtpHeader *header, gboolean keyframe)
{
  if (consumer->waiting_keyframe && !keyframe)
    {
      router->counters.rtp_packets_dropped++;
      return;
    }

  gsize cap = 0;
  guint8 *buffer = consumer->endpoint.funcs->get_buffer (
      consumer->endpoint.user_data, &cap);
  if (buffer == NULL)
    {
      router->counters.rtp_packets_dropped++;
      return;
    }

  gsize len = ss_consumer_write_rtp (consumer, header, buffer, cap);
  if (len == 0)
    {
      router->counters.rtp_packets_dropped++;
      return;
    }

  consumer->endpoint.funcs->send_rtp (consumer->endpoint.user_data, buffer,
                                      len, cap);
  consumer->waiting_keyframe = FALSE;
  router->counters.rtp_packets_out++;
}

/* Loss recovery on the publisher's link: keeps the packet for
 * subscribers' NACKs and tracks gaps for the relay's own NACKs. Returns
 * FALSE for a packet already received, which must not be forwarded twice. */
static gboolean
recover_upstream (SsRouter *router, SsProducer *producer,
                  const SsRtpHeader *header, const guint8 *packet, gsize len,
                  gint64 now_us)
{
  if (producer->retransmissions == NULL)
    return TRUE;

  gint64 extended = ss_seq_unwrap (&producer->unwrapper, header->sequence);
  SsRetransmissionStoreResult stored = ss_retransmission_buffer_store (
      producer->retransmissions, extended, packet, len, now_us);
  if (stored == SS_RETRANSMISSION_DUPLICATE)
    {
      producer->duplicates_dropped++;
      return FALSE;
    }

  if (!producer->nack_enabled)
    return TRUE;

  ss_nack_generator_on_packet (&producer->nack, extended, now_us);
  if (producer->nack.gap_too_large)
    {
      /* Too much is gone for NACKs to repair: a key frame starts over. */
      producer->nack.gap_too_large = FALSE;
      request_keyframe (router, producer, now_us);
    }
  return TRUE;
}

void
ss_router_on_rtp (SsRouter *router, SsProducer *producer,
                  const guint8 *packet, gsize len, gint64 now_us)
{
  SsRtpHeader header;
  if (ss_rtp_parse (packet, len, &header) != SS_RTP_OK)
    return;

  router->counters.rtp_packets_in++;

  if (!recover_upstream (router, producer, &header, packet, len, now_us))
    return;

  /* Padding-only packets still pass through, with the padding removed:
   * dropping them would leave holes in the subscribers' sequence numbers,
   * which they would take for loss. */
  gboolean keyframe = ss_producer_on_rtp (producer, &header, len, now_us);

  for (guint i = 0; i < producer->consumers->len; i++)
    forward_to_consumer (router, g_ptr_array_index (producer->consumers, i),
                         &header, keyframe);
}

void
ss_router_on_sender_report (SsRouter *router, SsProducer *producer,
                            const SsRtcpSenderReport *sr, gint64 now_us)
{
  producer->has_sender_report = TRUE;
  producer->sr_ntp_timestamp = sr->ntp_timestamp;
  producer->sr_rtp_timestamp = sr->rtp_timestamp;
  ss_recv_stats_on_sr (&producer->stats, sr->ntp_timestamp, now_us);

  for (guint i = 0; i < producer->consumers->len; i++)
    {
      SsConsumer *consumer = g_ptr_array_index (producer->consumers, i);
      gsize cap = 0;
      guint8 *buffer = consumer->endpoint.funcs->get_buffer (
          consumer->endpoint.user_data, &cap);
      if (buffer == NULL)
        continue;

      gsize report_len = ss_consumer_write_sr (consumer, now_us, buffer, cap);
      if (report_len > 0)
        consumer->endpoint.funcs->send_rtcp (consumer->endpoint.user_data,
                                             buffer, report_len, cap);
    }
}

void
ss_router_on_nack (SsRouter *router, SsConsumer *consumer, guint16 sequence,
                   gint64 now_us)
{
  SsProducer *producer = consumer->producer;
  if (producer == NULL || producer->retransmissions == NULL ||
      !consumer->started || !producer->unwrapper.started)
    return;

  /* Back to the producer's numbering, then to the extended number closest
   * to the newest packet received. */
  guint16 producer_sequence = (guint16) (sequence - consumer->sequence_offset);
  gint64 highest = producer->unwrapper.highest;
  gint64 extended =
      highest + (gint16) (guint16) (producer_sequence - (guint16) highest);

  gsize len = 0;
  const guint8 *packet = ss_retransmission_buffer_lookup (
      producer->retransmissions, extended, now_us, &len);
  SsRtpHeader header;
  if (packet == NULL || ss_rtp_parse (packet, len, &header) != SS_RTP_OK)
    {
      router->counters.nack_misses++;
      return;
    }

  gsize cap = 0;
  guint8 *buffer = consumer->endpoint.funcs->get_buffer (
      consumer->endpoint.user_data, &cap);
  if (buffer == NULL)
    return;

  /* Sent on the original SSRC and sequence number (RFC 4585 section 3.4
   * leaves the form of a retransmission open; RTX is not negotiated with
   * subscribers). */
  gsize out_len = ss_consumer_write_rtp (consumer, &header, buffer, cap);
  if (out_len == 0)
    return;
  consumer->endpoint.funcs->send_rtp (consumer->endpoint.user_data, buffer,
                                      out_len, cap);
  consumer->packets_retransmitted++;
  router->counters.rtp_packets_retransmitted++;
}

void
ss_router_on_keyframe_request (SsRouter *router, SsConsumer *consumer,
                               gint64 now_us)
{
  consumer->keyframe_requests_received++;
  if (consumer->producer != NULL)
    request_keyframe (router, consumer->producer, now_us);
}

static gboolean
has_waiting_consumer (const SsProducer *producer)
{
  for (guint i = 0; i < producer->consumers->len; i++)
    {
      const SsConsumer *consumer = g_ptr_array_index (producer->consumers, i);
      if (consumer->waiting_keyframe)
        return TRUE;
    }
  return FALSE;
}

static void
send_receiver_report (SsRouter *router, SsProducer *producer, gint64 now_us)
{
  if (ss_recv_stats_get_packets_received (&producer->stats) == 0)
    return;

  gsize cap = 0;
  guint8 *buffer = producer->endpoint.funcs->get_buffer (
      producer->endpoint.user_data, &cap);
  if (buffer == NULL)
    return;

  SsRtcpReceiverReport rr = {
    .ssrc = router->rtcp_ssrc,
    .n_blocks = 1,
  };
  ss_recv_stats_make_report_block (&producer->stats, now_us, &rr.blocks[0]);

  gsize len = ss_rtcp_write_rr (buffer, cap, &rr);
  if (len > 0)
    producer->endpoint.funcs->send_rtcp (producer->endpoint.user_data, buffer,
                                         len, cap);
}

/* The relay's own NACKs to the publisher for packets lost on its link. */
static void
send_nacks (SsRouter *router, SsProducer *producer, gint64 now_us)
{
  guint16 sequences[64];
  guint n = ss_nack_generator_collect (&producer->nack, now_us, -1, sequences,
                                       G_N_ELEMENTS (sequences));
  if (n == 0)
    return;

  gsize cap = 0;
  guint8 *buffer = producer->endpoint.funcs->get_buffer (
      producer->endpoint.user_data, &cap);
  if (buffer == NULL)
    return;

  gsize len = ss_rtcp_write_nack (buffer, cap, router->rtcp_ssrc,
                                  producer->ssrc, sequences, n);
  if (len == 0)
    return;
  producer->endpoint.funcs->send_rtcp (producer->endpoint.user_data, buffer,
                                       len, cap);
  router->counters.nacks_sent++;
}

gint64
ss_router_get_next_timeout (SsRouter *router)
{
  gint64 next = router->next_receiver_report_us;

  for (guint i = 0; i < router->producers->len; i++)
    {
      const SsProducer *producer = g_ptr_array_index (router->producers, i);
      if (producer->nack_enabled)
        next = MIN (next, ss_nack_generator_get_next_timeout (&producer->nack, -1));
      if (producer->kind != SS_MEDIA_VIDEO || !has_waiting_consumer (producer))
        continue;
      if (producer->last_keyframe_request_us == G_MININT64)
        return G_MININT64;
      next = MIN (next, producer->last_keyframe_request_us +
                            SS_ROUTER_KEYFRAME_REQUEST_INTERVAL_US);
    }
  return next;
}

void
ss_router_handle_timeout (SsRouter *router, gint64 now_us)
{
  /* Keep asking until the key frame has reached every new subscriber: the
   * first one may have come before the subscriber's DTLS was up. */
  for (guint i = 0; i < router->producers->len; i++)
    {
      SsProducer *producer = g_ptr_array_index (router->producers, i);
      if (has_waiting_consumer (producer))
        request_keyframe (router, producer, now_us);
      if (producer->nack_enabled)
        send_nacks (router, producer, now_us);
    }

  if (now_us >= router->next_receiver_report_us)
    {
      for (guint i = 0; i < router->producers->len; i++)
        send_receiver_report (router, g_ptr_array_index (router->producers, i),
                              now_us);
      router->next_receiver_report_us =
          now_us + SS_ROUTER_RECEIVER_REPORT_INTERVAL_US;
    }
}
