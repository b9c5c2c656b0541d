/* Statistics snapshots of producers, consumers and transports as JSON
 * objects, in the units the schema in ss-relay.h names. */
#include "stats.h"

static const char *
kind_name (SsMediaKind kind)
{
  return kind == SS_MEDIA_VIDEO ? "video" : "audio";
}

/* Milliseconds since a monotonic time, or null when it never happened. */
static json_t *
age_ms (gint64 then_us, gint64 now_us)
{
  if (then_us == G_MININT64)
    return json_null ();
  return json_integer ((now_us - then_us) / 1000);
}

json_t *
ss_stats_producer_to_json (const SsProducer *producer, gint64 now_us)
{
  const SsRecvStats *stats = &producer->stats;

  return json_pack (
      "{s:s, s:I, s:i, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:o, s:I, s:I, "
      "s:I, s:I, s:I}",
      "kind", kind_name (producer->kind),
      "ssrc", (json_int_t) producer->ssrc,
      "layer", (int) producer->layer,
      "bitrate_bps", (json_int_t) producer->bitrate_bps,
      "packets_received", (json_int_t) ss_recv_stats_get_packets_received (stats),
      "bytes_received", (json_int_t) ss_recv_stats_get_bytes_received (stats),
      "packets_lost", (json_int_t) ss_recv_stats_get_cumulative_lost (stats),
      "fraction_lost", ss_recv_stats_get_fraction_lost (stats) / 256.0,
      "jitter_ms", ss_recv_stats_get_jitter_us (stats) / 1000.0,
      "keyframes_received", (json_int_t) producer->keyframes_received,
      "last_keyframe_age_ms", age_ms (producer->last_keyframe_us, now_us),
      "keyframe_requests_sent", (json_int_t) producer->keyframe_requests_sent,
      "nacks_sent", (json_int_t) producer->nack.requested,
      "packets_recovered", (json_int_t) producer->nack.recovered,
      "rtx_packets_received", (json_int_t) producer->rtx_received,
      "duplicates_dropped", (json_int_t) producer->duplicates_dropped);
}

static int
current_layer (const SsConsumer *consumer)
{
  for (guint i = 0; i < consumer->n_layers; i++)
    if (consumer->layers[i] != NULL && consumer->layers[i] == consumer->producer)
      return (int) i;
  return -1;
}

static int
target_layer (const SsConsumer *consumer)
{
  for (guint i = 0; i < consumer->n_layers; i++)
    if (consumer->layers[i] != NULL && consumer->layers[i] == consumer->target)
      return (int) i;
  return -1;
}

json_t *
ss_stats_consumer_to_json (const SsConsumer *consumer, gint64 now_us)
{
  const SsProducer *producer = consumer->producer;
  /* RTP clock of the payload: 90 kHz for VP8, 48 kHz for Opus (RFC 7741,
   * RFC 7587), the only codecs the relay forwards. */
  guint clock_rate = producer != NULL ? producer->clock_rate
                     : consumer->kind == SS_MEDIA_VIDEO ? 90000
                                                        : 48000;

  return json_pack (
      "{s:s, s:i, s:o, s:I, s:i, s:i, s:i, s:I, s:I, s:I, s:f, s:I, s:f, "
      "s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
      "kind", kind_name (consumer->kind),
      "slot", (int) consumer->slot,
      "source", consumer->source != NULL ? json_string (consumer->source)
                                         : json_null (),
      "ssrc", (json_int_t) consumer->ssrc,
      "layer", current_layer (consumer),
      "target_layer", target_layer (consumer),
      "layers", (int) consumer->n_layers,
      "bitrate_bps", (json_int_t) consumer->bitrate_bps,
      "packets_sent", (json_int_t) consumer->packets_sent,
      "bytes_sent", (json_int_t) consumer->octets_sent,
      "fraction_lost", consumer->fraction_lost / 256.0,
      "packets_lost", (json_int_t) consumer->cumulative_lost,
      "jitter_ms", consumer->jitter * 1000.0 / clock_rate,
      "rtt_ms", consumer->rtt_us < 0 ? json_null ()
                                     : json_real (consumer->rtt_us / 1000.0),
      "bandwidth_estimate_bps",
      (json_int_t) ss_bandwidth_estimator_get_bps (&consumer->bandwidth, now_us),
      "nacks_received", (json_int_t) consumer->nacks_received,
      "packets_retransmitted", (json_int_t) consumer->packets_retransmitted,
      "keyframe_requests_received",
      (json_int_t) consumer->keyframe_requests_received,
      "layer_switches", (json_int_t) consumer->layer_switches,
      "source_switches", (json_int_t) consumer->source_switches,
      "waiting_keyframe", consumer->waiting_keyframe);
}

json_t *
ss_stats_transport_to_json (SsWebrtcTransport *transport)
{
  const SsWebrtcTransportCounters *counters =
      ss_webrtc_transport_get_counters (transport);

  return json_pack ("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                    "packets_received", (json_int_t) counters->packets_in,
                    "bytes_received", (json_int_t) counters->bytes_in,
                    "packets_sent", (json_int_t) counters->packets_out,
                    "bytes_sent", (json_int_t) counters->bytes_out,
                    "srtp_failures", (json_int_t) counters->srtp_failures,
                    "stun_rejected", (json_int_t) counters->stun_rejected,
                    "dropped",
                    (json_int_t) (counters->unvalidated_dropped +
                                  counters->unknown_dropped +
                                  counters->early_media_dropped));
}
