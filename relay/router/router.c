/* Fan-out and key-frame policy of one lesson.
 *
 * The forwarding loop writes each consumer's copy straight into the buffer
 * its endpoint lends (the worker's send batch), so a packet costs one copy
 * and one SRTP protect per consumer and no allocation.
 */
#define G_LOG_DOMAIN "ss-relay"

#include "router/router.h"

#include <string.h>

struct _SsRouter {
  char *lesson_id;
  guint32 rtcp_ssrc;            /* sender SSRC of the relay's own RTCP */
  GPtrArray *producers;         /* SsProducer, owned */
  GPtrArray *consumers;         /* SsConsumer, owned */
  gint64 next_receiver_report_us;
  gint64 next_layer_update_us;
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
  router->next_layer_update_us = G_MAXINT64;
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

/* The source's producers of that kind by layer, lowest first; returns how
 * many layers there are (0 when the source publishes nothing of that
 * kind). */
static guint
collect_layers (SsRouter *router, const char *source, SsMediaKind kind,
                SsProducer **layers)
{
  guint n = 0;

  memset (layers, 0, sizeof (SsProducer *) * SS_MAX_LAYERS);
  for (guint i = 0; i < router->producers->len; i++)
    {
      SsProducer *producer = g_ptr_array_index (router->producers, i);
      if (producer->kind != kind || producer->layer >= SS_MAX_LAYERS ||
          g_strcmp0 (producer->source, source) != 0)
        continue;
      layers[producer->layer] = producer;
      n = MAX (n, producer->layer + 1);
    }

  /* Layers must be contiguous from 0; a gap means the publisher's offer was
   * not a simulcast source, or its lower layers are still to come, and only
   * the layers below the gap are used. */
  for (guint i = 0; i < n; i++)
    if (layers[i] == NULL)
      return i;
  return n;
}

SsProducer *
ss_router_find_producer (SsRouter *router, const char *source,
                         SsMediaKind kind)
{
  SsProducer *layers[SS_MAX_LAYERS];
  return collect_layers (router, source, kind, layers) > 0 ? layers[0] : NULL;
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

static void
get_layer_bitrates (const SsConsumer *consumer, guint64 *bitrates_bps,
                    guint64 *peak_bitrates_bps)
{
  for (guint i = 0; i < consumer->n_layers; i++)
    {
      const SsProducer *layer = consumer->layers[i];
      bitrates_bps[i] = layer != NULL ? layer->bitrate_bps : 0;
      peak_bitrates_bps[i] = layer != NULL ? layer->peak_bitrate_bps : 0;
    }
}

/* Takes the consumer out of its layers' consumer lists. */
static void
detach_consumer (SsConsumer *consumer)
{
  for (guint i = 0; i < consumer->n_layers; i++)
    if (consumer->layers[i] != NULL)
      g_ptr_array_remove_fast (consumer->layers[i]->consumers, consumer);
}

/* Chooses the layer a consumer starts a source on: the one its link's
 * estimate (a new subscriber's initial estimate) affords by the bitrates
 * measured so far. The selector's hold after a step down still applies. */
static guint
choose_initial_layer (SsConsumer *consumer, SsProducer *const *layers,
                      guint n_layers, gint64 now_us)
{
  if (n_layers < 2)
    return 0;

  guint64 bitrates[SS_MAX_LAYERS];
  guint64 peaks[SS_MAX_LAYERS];
  for (guint i = 0; i < n_layers; i++)
    {
      bitrates[i] = layers[i]->bitrate_bps;
      peaks[i] = layers[i]->peak_bitrate_bps;
    }

  consumer->selector.current = -1;
  return (guint) ss_layer_selector_choose (
      &consumer->selector,
      ss_bandwidth_estimator_get_bps (&consumer->bandwidth, now_us), bitrates,
      peaks, n_layers, FALSE, now_us);
}

/* Points the consumer at its source's current producers of its kind, and
 * requests the key frame it then needs. */
static void
attach_consumer (SsRouter *router, SsConsumer *consumer, gint64 now_us)
{
  SsProducer *layers[SS_MAX_LAYERS];
  guint n_layers = 0;
  if (consumer->source != NULL)
    n_layers =
        collect_layers (router, consumer->source, consumer->kind, layers);

  gsize layers_size = sizeof (SsProducer *) * n_layers;
  if (n_layers == consumer->n_layers &&
      (n_layers == 0 || memcmp (layers, consumer->layers, layers_size) == 0))
    return;

  detach_consumer (consumer);

  gint current = -1;
  for (guint i = 0; i < n_layers; i++)
    if (layers[i] == consumer->producer)
      current = (gint) i;
  guint initial =
      current >= 0 ? (guint) current
                   : choose_initial_layer (consumer, layers, n_layers, now_us);

  ss_consumer_set_layers (consumer, layers, n_layers, initial);
  for (guint i = 0; i < n_layers; i++)
    g_ptr_array_add (layers[i]->consumers, consumer);

  /* Video can start or switch only at a key frame. */
  if (consumer->target != NULL &&
      (consumer->waiting_keyframe || consumer->producer != consumer->target))
    request_keyframe (router, consumer->target, now_us);
}

SsProducer *
ss_router_add_producer (SsRouter *router, const char *source,
                        const SsProducerParams *params,
                        const SsEndpoint *endpoint, gint64 now_us)
{
  g_return_val_if_fail (source != NULL, NULL);

  SsProducer *producer = ss_producer_new (source, params, endpoint);
  g_ptr_array_add (router->producers, producer);

  if (router->next_receiver_report_us == G_MAXINT64)
    {
      router->next_receiver_report_us = G_MININT64;
      router->next_layer_update_us = G_MININT64;
    }

  for (guint i = 0; i < router->consumers->len; i++)
    {
      SsConsumer *consumer = g_ptr_array_index (router->consumers, i);
      if (consumer->kind == params->kind &&
          g_strcmp0 (consumer->source, source) == 0)
        attach_consumer (router, consumer, now_us);
    }
  return producer;
}

void
ss_router_remove_producer (SsRouter *router, SsProducer *producer)
{
  for (guint i = 0; i < producer->consumers->len; i++)
    ss_consumer_forget_producer (g_ptr_array_index (producer->consumers, i),
                                 producer);
  g_ptr_array_remove (router->producers, producer);

  if (router->producers->len == 0)
    {
      router->next_receiver_report_us = G_MAXINT64;
      router->next_layer_update_us = G_MAXINT64;
    }
}

SsConsumer *
ss_router_add_consumer (SsRouter *router, SsMediaKind kind, guint slot,
                        guint32 ssrc, guint8 payload_type,
                        const SsEndpoint *endpoint)
{
  SsConsumer *consumer =
      ss_consumer_new (kind, slot, ssrc, payload_type, endpoint);
  g_ptr_array_add (router->consumers, consumer);
  return consumer;
}

void
ss_router_set_consumer_source (SsRouter *router, SsConsumer *consumer,
                               const char *source, gint64 now_us)
{
  if (g_strcmp0 (consumer->source, source) == 0)
    return;

  g_free (consumer->source);
  consumer->source = g_strdup (source);

  detach_consumer (consumer);
  ss_consumer_set_layers (consumer, NULL, 0, 0);
  attach_consumer (router, consumer, now_us);
}

void
ss_router_remove_consumer (SsRouter *router, SsConsumer *consumer)
{
  detach_consumer (consumer);
  g_ptr_array_remove_fast (router->consumers, consumer);
}

/* Decides whether a packet of this producer goes to the consumer. Packets
 * of the current layer go once the consumer has started at a key frame, and
 * a key frame of the target layer switches the consumer to that layer. An
 * audio consumer switches at any packet, since every Opus packet decodes on
 * its own. */
static gboolean
accept_packet (SsRouter *router, SsConsumer *consumer, SsProducer *producer,
               const SsRtpHeader *header, const SsVp8Descriptor *vp8,
               gboolean keyframe, gint64 now_us)
{
  if (producer == consumer->target && producer != consumer->producer)
    {
      if (!keyframe && producer->kind == SS_MEDIA_VIDEO)
        {
          /* Between sources the consumer sends nothing until this key
           * frame, whereas during a layer switch the current layer still
           * flows. */
          if (consumer->producer == NULL)
            router->counters.rtp_packets_dropped++;
          return FALSE;
        }
      if (consumer->producer == NULL)
        router->counters.source_switches++;
      else
        router->counters.layer_switches++;
      ss_consumer_switch_layer (consumer, header, vp8, now_us);
      consumer->waiting_keyframe = FALSE;
      return TRUE;
    }

  if (producer != consumer->producer)
    return FALSE;

  if (consumer->waiting_keyframe && !keyframe)
    {
      router->counters.rtp_packets_dropped++;
      return FALSE;
    }
  return TRUE;
}

static void
forward_to_consumer (SsRouter *router, SsConsumer *consumer,
                     SsProducer *producer, const SsRtpHeader *header,
                     const SsVp8Descriptor *vp8, gboolean keyframe,
                     gint64 now_us)
{
  if (!accept_packet (router, consumer, producer, header, vp8, keyframe,
                      now_us))
    return;

  gsize cap = 0;
  guint8 *buffer = consumer->endpoint.funcs->get_buffer (
      consumer->endpoint.user_data, &cap);
  if (buffer == NULL)
    {
      router->counters.rtp_packets_dropped++;
      return;
    }

  gsize len = ss_consumer_write_rtp (consumer, header, vp8, buffer, cap, now_us);
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
                  const guint8 *packet, gsize len, const SsRtpHeader *header,
                  gint64 now_us)
{
  router->counters.rtp_packets_in++;

  if (!recover_upstream (router, producer, header, packet, len, now_us))
    return;

  /* The VP8 descriptor is parsed once here for the key-frame test and for
   * every consumer's renumbering. */
  SsVp8Descriptor descriptor;
  const SsVp8Descriptor *vp8 = NULL;
  if (producer->kind == SS_MEDIA_VIDEO &&
      ss_vp8_parse_descriptor (header->payload, header->payload_len,
                               &descriptor))
    vp8 = &descriptor;

  /* Padding-only packets still pass through, with the padding removed:
   * dropping them would leave holes in the subscribers' sequence numbers,
   * which they would take for loss. */
  gboolean keyframe = ss_producer_on_rtp (producer, header, vp8, len, now_us);

  for (guint i = 0; i < producer->consumers->len; i++)
    forward_to_consumer (router, g_ptr_array_index (producer->consumers, i),
                         producer, header, vp8, keyframe, now_us);
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
      if (consumer->producer != producer)
        continue;

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

  /* Sent before the last layer switch, from another layer's buffer. */
  if ((gint16) (guint16) (sequence - consumer->switch_sequence) < 0)
    {
      router->counters.nack_misses++;
      return;
    }

  /* Back to the producer's numbering, then to the extended number closest
   * to the newest packet received. */
  guint16 producer_sequence = (guint16) (sequence - consumer->sequence_offset);
  gint64 highest = producer->unwrapper.highest;
  gint64 extended =
      highest + (gint16) (guint16) (producer_sequence - (guint16) highest);

  /* The window's media so far, retransmissions included in octets_sent. */
  guint64 window_media = consumer->octets_sent - consumer->window_octets -
                         consumer->window_retransmitted_octets;
  guint64 budget = SS_ROUTER_RETRANSMISSION_ALLOWANCE_BYTES +
                   window_media * SS_ROUTER_RETRANSMISSION_BUDGET_PERCENT / 100;
  if (consumer->window_retransmitted_octets >= budget)
    {
      router->counters.nacks_over_budget++;
      return;
    }

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
  /* The stored copy keeps its original VP8 numbering, so a consumer that
   * renumbers needs the descriptor parsed here too. */
  SsVp8Descriptor descriptor;
  const SsVp8Descriptor *vp8 =
      ss_vp8_parse_descriptor (header.payload, header.payload_len, &descriptor)
          ? &descriptor
          : NULL;
  gsize out_len = ss_consumer_write_rtp (consumer, &header, vp8, buffer, cap,
                                         now_us);
  if (out_len == 0)
    return;
  consumer->endpoint.funcs->send_rtp (consumer->endpoint.user_data, buffer,
                                      out_len, cap);
  consumer->packets_retransmitted++;
  consumer->window_retransmitted_octets += header.payload_len;
  router->counters.rtp_packets_retransmitted++;
}

void
ss_router_on_keyframe_request (SsRouter *router, SsConsumer *consumer,
                               gint64 now_us)
{
  consumer->keyframe_requests_received++;
  if (consumer->target != NULL)
    request_keyframe (router, consumer->target, now_us);
}

/* A consumer waits for this producer's key frame to start, or to switch
 * to it. */
static gboolean
has_waiting_consumer (const SsProducer *producer)
{
  for (guint i = 0; i < producer->consumers->len; i++)
    {
      const SsConsumer *consumer = g_ptr_array_index (producer->consumers, i);
      if (consumer->target != producer)
        continue;
      if (consumer->waiting_keyframe || consumer->producer != producer)
        return TRUE;
    }
  return FALSE;
}

/* Measures the producers' bitrates and moves each simulcast consumer's
 * target to the layer its estimate affords. */
static void
update_layers (SsRouter *router, gint64 now_us)
{
  for (guint i = 0; i < router->producers->len; i++)
    ss_producer_update_bitrate (g_ptr_array_index (router->producers, i),
                                now_us, SS_ROUTER_LAYER_INTERVAL_US);

  for (guint i = 0; i < router->consumers->len; i++)
    {
      SsConsumer *consumer = g_ptr_array_index (router->consumers, i);
      ss_consumer_update_bitrate (consumer, now_us, SS_ROUTER_LAYER_INTERVAL_US);
      if (consumer->n_layers < 2)
        continue;

      guint64 bitrates[SS_MAX_LAYERS];
      guint64 peaks[SS_MAX_LAYERS];
      get_layer_bitrates (consumer, bitrates, peaks);
      guint64 estimate =
          ss_bandwidth_estimator_get_bps (&consumer->bandwidth, now_us);
      gint layer = ss_layer_selector_choose (
          &consumer->selector, estimate, bitrates, peaks, consumer->n_layers,
          ss_bandwidth_estimator_is_congested (&consumer->bandwidth), now_us);
      SsProducer *target = consumer->layers[layer];
      if (target == NULL || target == consumer->target)
        continue;

      g_debug ("consumer %u: estimate %" G_GUINT64_FORMAT
               " bit/s, layer %d at %" G_GUINT64_FORMAT
               " bit/s, switching at its next key frame",
               consumer->ssrc, estimate, layer, bitrates[layer]);
      consumer->target = target;
      request_keyframe (router, target, now_us);
    }
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
  gint64 next = MIN (router->next_receiver_report_us,
                     router->next_layer_update_us);

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

  if (now_us >= router->next_layer_update_us)
    {
      update_layers (router, now_us);
      router->next_layer_update_us = now_us + SS_ROUTER_LAYER_INTERVAL_US;
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
