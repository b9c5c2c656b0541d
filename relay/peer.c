/* One client's transport on a worker and the dispatch between it and the
 * lesson's router.
 *
 * A publisher's decrypted RTP goes to the router by SSRC; its sender
 * reports update the producers. A subscriber's RTCP is routed to the
 * consumers it is about: receiver reports for statistics and RTT, PLI and
 * FIR (RFC 4585 section 6.3.1, RFC 5104 section 4.3.1) as key-frame
 * requests toward the publisher.
 */
#define G_LOG_DOMAIN "ss-relay"

#include "peer.h"

#include "ss-relay.h"
#include "sdp/sdp-answer.h"
#include "stats.h"
#include "transport/ice-lite.h"
#include "transport/webrtc-transport.h"
#include "wire/rtcp.h"
#include "wire/rtp.h"

#include <string.h>

#define SS_PEER_MAX_ADDRESSES 8

struct _SsPeer {
  SsWorker *worker;
  SsRouter *router;
  SsPeerRole role;
  char *lesson_id;
  char *peer_id;
  char *source;                 /* a publisher's source; NULL otherwise */
  guint n_slots;                /* a subscriber's slots */
  char local_ufrag[16];
  char local_pwd[40];
  gint64 created_us;

  SsWebrtcTransport *transport;
  SsEndpoint endpoint;

  GPtrArray *producers;         /* SsProducer, owned by the router */
  GPtrArray *consumers;         /* SsConsumer, owned by the router */

  /* Addresses that passed a connectivity check, registered with the worker
   * so datagrams from them find this peer. */
  SsAddress addresses[SS_PEER_MAX_ADDRESSES];
  guint n_addresses;

  guint64 rtcp_packets_ignored;
  guint64 rtp_packets_unknown_ssrc;

  /* An RTX packet turned back into the original (RFC 4588 section 4). */
  guint8 rtx_scratch[SS_RETRANSMISSION_SLOT_SIZE];
};

/* ---- endpoint: how the router sends through this peer ---- */

static guint8 *
endpoint_get_buffer (gpointer user_data, gsize *cap)
{
  SsPeer *peer = user_data;

  if (!ss_webrtc_transport_is_connected (peer->transport))
    return NULL;
  return ss_worker_reserve_send_buffer (peer->worker, cap);
}

static void
endpoint_send (SsPeer *peer, guint8 *packet, gsize len, gsize cap,
               gboolean rtcp)
{
  gboolean protected =
      rtcp ? ss_webrtc_transport_protect_rtcp (peer->transport, packet, &len, cap)
           : ss_webrtc_transport_protect_rtp (peer->transport, packet, &len, cap);
  if (!protected)
    return;

  socklen_t addr_len = 0;
  const struct sockaddr *addr =
      ss_webrtc_transport_get_remote_address (peer->transport, &addr_len);
  if (addr == NULL)
    return;

  ss_worker_commit_send_buffer (peer->worker, len, addr, addr_len);
}

static void
endpoint_send_rtp (gpointer user_data, guint8 *packet, gsize len, gsize cap)
{
  endpoint_send (user_data, packet, len, cap, FALSE);
}

static void
endpoint_send_rtcp (gpointer user_data, guint8 *packet, gsize len, gsize cap)
{
  endpoint_send (user_data, packet, len, cap, TRUE);
}

static const SsEndpointFuncs endpoint_funcs = {
  .get_buffer = endpoint_get_buffer,
  .send_rtp = endpoint_send_rtp,
  .send_rtcp = endpoint_send_rtcp,
};

/* ---- RTP and RTCP from the transport ---- */

static SsProducer *
find_producer (SsPeer *peer, guint32 ssrc, guint8 payload_type)
{
  for (guint i = 0; i < peer->producers->len; i++)
    {
      SsProducer *producer = g_ptr_array_index (peer->producers, i);
      if (producer->ssrc == ssrc)
        return producer;
    }

  /* An offer without a=ssrc (RFC 8829 allows it): the first packet of a
   * payload type binds the producer that has it. */
  for (guint i = 0; i < peer->producers->len; i++)
    {
      SsProducer *producer = g_ptr_array_index (peer->producers, i);
      if (producer->ssrc == 0 && producer->payload_type == payload_type)
        {
          producer->ssrc = ssrc;
          ss_recv_stats_init (&producer->stats, ssrc, producer->clock_rate);
          g_debug ("lesson %s peer %s: bound SSRC %u to payload type %u",
                   peer->lesson_id, peer->peer_id, ssrc, payload_type);
          return producer;
        }
    }
  return NULL;
}

static SsConsumer *
find_consumer (SsPeer *peer, guint32 ssrc)
{
  for (guint i = 0; i < peer->consumers->len; i++)
    {
      SsConsumer *consumer = g_ptr_array_index (peer->consumers, i);
      if (consumer->ssrc == ssrc)
        return consumer;
    }
  return NULL;
}

static SsProducer *
find_rtx_producer (SsPeer *peer, const SsRtpHeader *header)
{
  for (guint i = 0; i < peer->producers->len; i++)
    {
      SsProducer *producer = g_ptr_array_index (peer->producers, i);
      if (producer->rtx_payload_type == 0 ||
          producer->rtx_payload_type != header->payload_type)
        continue;
      if (producer->rtx_ssrc == 0)
        producer->rtx_ssrc = header->ssrc;
      if (producer->rtx_ssrc == header->ssrc)
        return producer;
    }
  return NULL;
}

/* Rebuilds the original packet from an RTX one: the payload starts with the
 * original sequence number (OSN), and the SSRC and payload type are the
 * media stream's (RFC 4588 section 4). Returns its length, 0 when the RTX
 * packet is too short to carry an OSN. */
static gsize
unwrap_rtx (SsPeer *peer, const SsProducer *producer, const guint8 *packet,
            const SsRtpHeader *header)
{
  if (header->payload_len < 2)
    return 0;

  guint8 *out = peer->rtx_scratch;
  gsize payload_len = header->payload_len - 2;
  memcpy (out, packet, header->header_len);
  memcpy (out + header->header_len, header->payload + 2, payload_len);

  out[0] &= (guint8) ~0x20;     /* the padding was not copied */
  ss_rtp_write_payload_type (out, producer->payload_type);
  ss_rtp_write_sequence (out, (guint16) ((header->payload[0] << 8) |
                                         header->payload[1]));
  ss_rtp_write_ssrc (out, producer->ssrc);
  return header->header_len + payload_len;
}

static void
on_transport_rtp (gpointer user_data, guint8 *packet, gsize len,
                  gint64 now_us)
{
  SsPeer *peer = user_data;
  SsRtpHeader header;

  if (ss_rtp_parse (packet, len, &header) != SS_RTP_OK)
    return;

  SsProducer *rtx_producer = find_rtx_producer (peer, &header);
  if (rtx_producer != NULL)
    {
      gsize original_len = unwrap_rtx (peer, rtx_producer, packet, &header);
      SsRtpHeader original;
      rtx_producer->rtx_received++;
      if (original_len > 0 &&
          ss_rtp_parse (peer->rtx_scratch, original_len, &original) == SS_RTP_OK)
        ss_router_on_rtp (peer->router, rtx_producer, peer->rtx_scratch,
                          original_len, &original, now_us);
      return;
    }

  SsProducer *producer = find_producer (peer, header.ssrc, header.payload_type);
  if (producer == NULL)
    {
      /* Subscribers send no media, and a publisher's streams are those its
       * offer named. */
      peer->rtp_packets_unknown_ssrc++;
      return;
    }

  ss_router_on_rtp (peer->router, producer, packet, len, &header, now_us);
}

static void
on_publisher_rtcp (SsPeer *peer, const SsRtcpPacket *packet, gint64 now_us)
{
  if (packet->packet_type != SS_RTCP_TYPE_SR)
    {
      peer->rtcp_packets_ignored++;
      return;
    }

  SsRtcpSenderReport sr;
  if (!ss_rtcp_parse_sr (packet, &sr))
    return;

  for (guint i = 0; i < peer->producers->len; i++)
    {
      SsProducer *producer = g_ptr_array_index (peer->producers, i);
      if (producer->ssrc == sr.ssrc)
        ss_router_on_sender_report (peer->router, producer, &sr, now_us);
    }
}

static void
on_subscriber_report (SsPeer *peer, const SsRtcpPacket *packet, gint64 now_us)
{
  SsRtcpReceiverReport rr;
  SsRtcpSenderReport sr;
  const SsRtcpReportBlock *blocks;
  guint n_blocks;

  if (packet->packet_type == SS_RTCP_TYPE_RR)
    {
      if (!ss_rtcp_parse_rr (packet, &rr))
        return;
      blocks = rr.blocks;
      n_blocks = rr.n_blocks;
    }
  else
    {
      if (!ss_rtcp_parse_sr (packet, &sr))
        return;
      blocks = sr.blocks;
      n_blocks = sr.n_blocks;
    }

  for (guint i = 0; i < n_blocks; i++)
    {
      SsConsumer *consumer = find_consumer (peer, blocks[i].ssrc);
      if (consumer != NULL)
        ss_consumer_on_report_block (consumer, &blocks[i], now_us);
    }
}

static void
on_subscriber_feedback (SsPeer *peer, const SsRtcpPacket *packet,
                        gint64 now_us)
{
  guint32 sender_ssrc, media_ssrc;
  if (!ss_rtcp_parse_feedback (packet, &sender_ssrc, &media_ssrc))
    return;

  if (packet->count == SS_RTCP_PSFB_PLI)
    {
      SsConsumer *consumer = find_consumer (peer, media_ssrc);
      if (consumer != NULL)
        ss_router_on_keyframe_request (peer->router, consumer, now_us);
      return;
    }

  if (packet->count == SS_RTCP_PSFB_FIR)
    {
      /* FIR names its targets in the FCI; the media SSRC field is unused
       * (RFC 5104 section 4.3.1.2). */
      for (guint i = 0; i < peer->consumers->len; i++)
        {
          SsConsumer *consumer = g_ptr_array_index (peer->consumers, i);
          guint8 sequence;
          if (ss_rtcp_fir_find (packet, consumer->ssrc, &sequence))
            ss_router_on_keyframe_request (peer->router, consumer, now_us);
        }
      return;
    }

  if (packet->count == SS_RTCP_PSFB_AFB)
    {
      /* REMB: the receiver's estimate for the SSRCs it lists. */
      guint64 bitrate_bps;
      guint32 ssrcs[8];
      guint n_ssrcs = G_N_ELEMENTS (ssrcs);
      if (!ss_rtcp_parse_remb (packet, &bitrate_bps, ssrcs, &n_ssrcs))
        {
          peer->rtcp_packets_ignored++;
          return;
        }
      for (guint i = 0; i < n_ssrcs; i++)
        {
          SsConsumer *consumer = find_consumer (peer, ssrcs[i]);
          if (consumer != NULL)
            ss_bandwidth_estimator_on_remb (&consumer->bandwidth, bitrate_bps,
                                            now_us);
        }
      return;
    }

  peer->rtcp_packets_ignored++;
}

static void
on_subscriber_nack (SsPeer *peer, const SsRtcpPacket *packet, gint64 now_us)
{
  guint32 sender_ssrc, media_ssrc;
  if (packet->count != SS_RTCP_RTPFB_NACK ||
      !ss_rtcp_parse_feedback (packet, &sender_ssrc, &media_ssrc))
    {
      peer->rtcp_packets_ignored++;
      return;
    }

  SsConsumer *consumer = find_consumer (peer, media_ssrc);
  if (consumer == NULL)
    return;

  SsRtcpNackIter iter;
  guint16 sequence;
  ss_rtcp_nack_iter_init (&iter, packet);
  while (ss_rtcp_nack_iter_next (&iter, &sequence))
    {
      ss_consumer_on_nack (consumer, sequence);
      ss_router_on_nack (peer->router, consumer, sequence, now_us);
    }
}

static void
on_subscriber_rtcp (SsPeer *peer, const SsRtcpPacket *packet, gint64 now_us)
{
  switch (packet->packet_type)
    {
    case SS_RTCP_TYPE_SR:
    case SS_RTCP_TYPE_RR:
      on_subscriber_report (peer, packet, now_us);
      break;
    case SS_RTCP_TYPE_RTPFB:
      on_subscriber_nack (peer, packet, now_us);
      break;
    case SS_RTCP_TYPE_PSFB:
      on_subscriber_feedback (peer, packet, now_us);
      break;
    default:
      /* SDES, BYE, APP, XR. */
      peer->rtcp_packets_ignored++;
      break;
    }
}

static void
on_transport_rtcp (gpointer user_data, guint8 *data, gsize len, gint64 now_us)
{
  SsPeer *peer = user_data;
  SsRtcpIter iter;
  SsRtcpPacket packet;

  ss_rtcp_iter_init (&iter, data, len);
  while (ss_rtcp_iter_next (&iter, &packet))
    {
      if (peer->role == SS_PEER_PUBLISHER)
        on_publisher_rtcp (peer, &packet, now_us);
      else
        on_subscriber_rtcp (peer, &packet, now_us);
    }
}

/* ---- transport events ---- */

static void
on_transport_send (gpointer user_data, const guint8 *data, gsize len,
                   const struct sockaddr *addr, socklen_t addr_len)
{
  SsPeer *peer = user_data;
  ss_worker_send_now (peer->worker, data, len, addr, addr_len);
}

static void
on_transport_address_validated (gpointer user_data,
                                const struct sockaddr *addr,
                                socklen_t addr_len, gboolean selected)
{
  SsPeer *peer = user_data;
  SsAddress address;

  if (!ss_address_set (&address, addr, addr_len))
    return;

  for (guint i = 0; i < peer->n_addresses; i++)
    if (ss_address_equal (&peer->addresses[i], &address))
      return;

  /* A client checks a handful of candidate pairs at most; past the limit
   * the oldest address is forgotten. */
  if (peer->n_addresses == SS_PEER_MAX_ADDRESSES)
    {
      ss_worker_unregister_address (peer->worker, &peer->addresses[0], peer);
      memmove (&peer->addresses[0], &peer->addresses[1],
               sizeof (SsAddress) * (SS_PEER_MAX_ADDRESSES - 1));
      peer->n_addresses--;
    }

  peer->addresses[peer->n_addresses++] = address;
  ss_worker_register_address (peer->worker, &address, peer);

  char text[64];
  g_info ("lesson %s peer %s: ICE check passed from %s%s", peer->lesson_id,
          peer->peer_id, ss_address_to_string (&address, text, sizeof text),
          selected ? " (selected)" : "");
}

static void
on_transport_connected (gpointer user_data)
{
  SsPeer *peer = user_data;

  g_info ("lesson %s peer %s: transport connected after %" G_GINT64_FORMAT
          " ms",
          peer->lesson_id, peer->peer_id,
          (g_get_monotonic_time () - peer->created_us) / 1000);
  ss_worker_on_peer_connected (peer->worker, peer);
}

static void
on_transport_closed (gpointer user_data, const char *reason)
{
  SsPeer *peer = user_data;
  ss_worker_on_peer_closed (peer->worker, peer, reason);
}

static const SsWebrtcTransportListener transport_listener = {
  .send = on_transport_send,
  .address_validated = on_transport_address_validated,
  .connected = on_transport_connected,
  .rtp = on_transport_rtp,
  .rtcp = on_transport_rtcp,
  .closed = on_transport_closed,
};

/* ---- negotiation ---- */

static gboolean
is_sent_media (const SsSdpMedia *media)
{
  return media->accepted && (media->direction == SS_DIRECTION_SENDONLY ||
                             media->direction == SS_DIRECTION_SENDRECV);
}

/* Several video m-lines in a publisher's offer are the simulcast layers of
 * one camera, highest quality first (protocol/README.md); layer 0 is the
 * lowest. */
static guint
count_sent_video (const SsSdpOffer *offer)
{
  guint n = 0;
  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (is_sent_media (media) && media->kind == SS_MEDIA_VIDEO)
        n++;
    }
  return n;
}

static gboolean
add_producers (SsPeer *peer, const SsSdpOffer *offer, gint64 now_us,
               GError **error)
{
  guint n_video = count_sent_video (offer);
  guint video_index = 0;
  gboolean has_audio = FALSE;

  if (n_video > SS_MAX_LAYERS)
    {
      g_set_error (error, SS_RELAY_ERROR, SS_RELAY_ERROR_BAD_SDP,
                   "offer sends %u video streams; at most %u simulcast "
                   "layers are supported",
                   n_video, SS_MAX_LAYERS);
      return FALSE;
    }

  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (!is_sent_media (media))
        continue;

      guint layer = 0;
      if (media->kind == SS_MEDIA_VIDEO)
        layer = n_video - 1 - video_index++;
      else if (has_audio)
        continue; /* one microphone per source */
      else
        has_audio = TRUE;

      SsProducerParams params = {
        .kind = media->kind,
        .ssrc = media->ssrc,
        .payload_type = media->payload_type,
        .clock_rate = media->clock_rate,
        .feedback = media->feedback,
        .rtx_payload_type = media->rtx_payload_type,
        .rtx_ssrc = media->rtx_ssrc,
        .layer = layer,
      };
      SsProducer *producer = ss_router_add_producer (
          peer->router, peer->source, &params, &peer->endpoint, now_us);
      g_ptr_array_add (peer->producers, producer);
    }

  if (peer->producers->len == 0)
    {
      g_set_error (error, SS_RELAY_ERROR, SS_RELAY_ERROR_BAD_SDP,
                   "offer sends no VP8 video or Opus audio");
      return FALSE;
    }
  return TRUE;
}

static guint32
new_ssrc (void)
{
  guint32 ssrc;
  do
    ssrc = g_random_int ();
  while (ssrc == 0);
  return ssrc;
}

/* Names of what one slot sends, for the answer's a=msid and a=ssrc lines.
 * Each slot is one media stream with its own CNAME: its audio and video
 * come from one source and play in sync, and different slots come from
 * different clocks (RFC 7022 section 4). */
typedef struct {
  char *stream;
  char *cname;
} SlotNames;

/* Creates a consumer for each receive m-line that belongs to a slot: the
 * i-th audio and the i-th video receive m-line form slot i. Fills
 * send_streams (indexed by m-line) and slot_names for them. Receive
 * m-lines past SS_RELAY_MAX_SLOTS of a kind get no consumer, and the
 * answer makes them inactive. */
static gboolean
add_consumers (SsPeer *peer, const SsSdpOffer *offer,
               SsSdpSendStream *send_streams, SlotNames *slot_names,
               GError **error)
{
  guint n_audio = 0;
  guint n_video = 0;

  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (media->direction != SS_DIRECTION_RECVONLY &&
          media->direction != SS_DIRECTION_SENDRECV)
        continue;
      if (g_strcmp0 (media->media_type, "audio") != 0 &&
          g_strcmp0 (media->media_type, "video") != 0)
        continue;

      /* Rejected m-lines keep their place in the numbering, so slot i is
       * the i-th m-line of its kind as the client wrote the offer. */
      guint slot = media->kind == SS_MEDIA_VIDEO ? n_video++ : n_audio++;
      if (!media->accepted || slot >= SS_RELAY_MAX_SLOTS)
        continue;

      SsConsumer *consumer =
          ss_router_add_consumer (peer->router, media->kind, slot,
                                  new_ssrc (), media->payload_type,
                                  &peer->endpoint);
      consumer->nack_enabled = media->feedback.nack;
      g_ptr_array_add (peer->consumers, consumer);
      peer->n_slots = MAX (peer->n_slots, slot + 1);

      SlotNames *names = &slot_names[slot];
      if (names->stream == NULL)
        {
          names->stream = g_strdup_printf ("%s-slot%u", peer->lesson_id, slot);
          names->cname = g_strdup_printf ("shuangshi-relay-slot%u", slot);
        }
      send_streams[i] = (SsSdpSendStream){
        .ssrc = consumer->ssrc,
        .cname = names->cname,
        .msid_stream = names->stream,
        .msid_track = media->kind == SS_MEDIA_VIDEO ? "video" : "audio",
      };
    }

  if (peer->consumers->len == 0)
    {
      g_set_error_literal (error, SS_RELAY_ERROR, SS_RELAY_ERROR_NOT_PUBLISHED,
                           "offer has no receive-only audio or video m-line "
                           "with Opus or VP8");
      return FALSE;
    }
  return TRUE;
}

static void
slot_names_clear (SlotNames *slot_names)
{
  for (guint i = 0; i < SS_RELAY_MAX_SLOTS; i++)
    {
      g_free (slot_names[i].stream);
      g_free (slot_names[i].cname);
    }
}

static char *
negotiate (SsPeer *peer, const SsSdpOffer *offer, const SsPeerLocal *local,
           gint64 now_us, GError **error)
{
  g_autofree SsSdpSendStream *send_streams =
      g_new0 (SsSdpSendStream, offer->media->len);
  SlotNames slot_names[SS_RELAY_MAX_SLOTS] = { 0 };

  gboolean added =
      peer->role == SS_PEER_PUBLISHER
          ? add_producers (peer, offer, now_us, error)
          : add_consumers (peer, offer, send_streams, slot_names, error);
  if (!added)
    {
      slot_names_clear (slot_names);
      return NULL;
    }

  SsSdpAnswerTransport transport = {
    .ice_ufrag = peer->local_ufrag,
    .ice_pwd = peer->local_pwd,
    .fingerprint = ss_dtls_certificate_get_fingerprint (local->certificate),
    .addresses = local->addresses,
    .port = local->port,
  };
  char *answer = ss_sdp_answer_build (offer, &transport, send_streams,
                                      offer->media->len,
                                      peer->role == SS_PEER_PUBLISHER);
  slot_names_clear (slot_names);
  return answer;
}

SsPeer *
ss_peer_new (SsWorker *worker, SsRouter *router, SsPeerRole role,
             const char *lesson_id, const char *peer_id, const char *source,
             const SsSdpOffer *offer, const SsPeerLocal *local, gint64 now_us,
             char **answer_sdp, GError **error)
{
  g_return_val_if_fail ((role == SS_PEER_PUBLISHER) == (source != NULL), NULL);

  g_autoptr (SsPeer) peer = g_new0 (SsPeer, 1);

  peer->worker = worker;
  peer->router = router;
  peer->role = role;
  peer->lesson_id = g_strdup (lesson_id);
  peer->peer_id = g_strdup (peer_id);
  peer->source = g_strdup (source);
  peer->created_us = now_us;
  peer->producers = g_ptr_array_new ();
  peer->consumers = g_ptr_array_new ();
  peer->endpoint = (SsEndpoint){ .funcs = &endpoint_funcs, .user_data = peer };
  ss_ice_generate_credentials (peer->local_ufrag, peer->local_pwd);

  SsWebrtcTransportConfig config = {
    .local_ufrag = peer->local_ufrag,
    .local_pwd = peer->local_pwd,
    .remote_ufrag = offer->ice_ufrag,
    .remote_pwd = offer->ice_pwd,
    .remote_fingerprint = offer->fingerprint,
    .certificate = local->certificate,
    .dtls_role = SS_DTLS_ROLE_SERVER,
  };
  peer->transport =
      ss_webrtc_transport_new (&config, &transport_listener, peer, now_us);
  if (peer->transport == NULL)
    {
      g_set_error (error, SS_RELAY_ERROR, SS_RELAY_ERROR_FAILED,
                   "cannot set up the DTLS transport");
      return NULL;
    }

  *answer_sdp = negotiate (peer, offer, local, now_us, error);
  if (*answer_sdp == NULL)
    return NULL;

  return g_steal_pointer (&peer);
}

void
ss_peer_free (SsPeer *peer)
{
  if (peer == NULL)
    return;

  for (guint i = 0; i < peer->consumers->len; i++)
    ss_router_remove_consumer (peer->router,
                               g_ptr_array_index (peer->consumers, i));
  for (guint i = 0; i < peer->producers->len; i++)
    ss_router_remove_producer (peer->router,
                               g_ptr_array_index (peer->producers, i));
  for (guint i = 0; i < peer->n_addresses; i++)
    ss_worker_unregister_address (peer->worker, &peer->addresses[i], peer);

  g_clear_pointer (&peer->transport, ss_webrtc_transport_free);
  g_ptr_array_unref (peer->consumers);
  g_ptr_array_unref (peer->producers);
  g_free (peer->lesson_id);
  g_free (peer->peer_id);
  g_free (peer->source);
  g_free (peer);
}

const char *
ss_peer_get_id (SsPeer *peer)
{
  return peer->peer_id;
}

const char *
ss_peer_get_lesson_id (SsPeer *peer)
{
  return peer->lesson_id;
}

const char *
ss_peer_get_local_ufrag (SsPeer *peer)
{
  return peer->local_ufrag;
}

SsPeerRole
ss_peer_get_role (SsPeer *peer)
{
  return peer->role;
}

SsRouter *
ss_peer_get_router (SsPeer *peer)
{
  return peer->router;
}

const char *
ss_peer_get_source (SsPeer *peer)
{
  return peer->source;
}

guint
ss_peer_get_n_slots (SsPeer *peer)
{
  return peer->n_slots;
}

void
ss_peer_set_sources (SsPeer *peer, const char *const *sources,
                     guint n_sources, gint64 now_us)
{
  for (guint i = 0; i < peer->consumers->len; i++)
    {
      SsConsumer *consumer = g_ptr_array_index (peer->consumers, i);
      const char *source =
          consumer->slot < n_sources ? sources[consumer->slot] : NULL;
      if (g_strcmp0 (consumer->source, source) == 0)
        continue;

      g_info ("lesson %s peer %s: slot %u %s now carries %s (was %s)",
              peer->lesson_id, peer->peer_id, consumer->slot,
              consumer->kind == SS_MEDIA_VIDEO ? "video" : "audio",
              source != NULL ? source : "nothing",
              consumer->source != NULL ? consumer->source : "nothing");
      ss_router_set_consumer_source (peer->router, consumer, source, now_us);
    }
}

void
ss_peer_receive (SsPeer *peer, gint64 now_us, guint8 *data, gsize len,
                 const struct sockaddr *from, socklen_t from_len)
{
  ss_webrtc_transport_receive (peer->transport, now_us, data, len, from,
                               from_len);
}

gint64
ss_peer_get_next_timeout (SsPeer *peer)
{
  return ss_webrtc_transport_get_next_timeout (peer->transport);
}

void
ss_peer_handle_timeout (SsPeer *peer, gint64 now_us)
{
  ss_webrtc_transport_handle_timeout (peer->transport, now_us);
}

void
ss_peer_close (SsPeer *peer)
{
  ss_webrtc_transport_close (peer->transport);
}

json_t *
ss_peer_to_json (SsPeer *peer, gint64 now_us)
{
  char address_text[64] = "";
  socklen_t addr_len = 0;
  const struct sockaddr *addr =
      ss_webrtc_transport_get_remote_address (peer->transport, &addr_len);
  SsAddress address;
  if (addr != NULL && ss_address_set (&address, addr, addr_len))
    ss_address_to_string (&address, address_text, sizeof address_text);

  json_t *streams = json_array ();
  for (guint i = 0; i < peer->producers->len; i++)
    json_array_append_new (streams, ss_stats_producer_to_json (
                                        g_ptr_array_index (peer->producers, i),
                                        now_us));
  for (guint i = 0; i < peer->consumers->len; i++)
    json_array_append_new (streams, ss_stats_consumer_to_json (
                                        g_ptr_array_index (peer->consumers, i),
                                        now_us));

  gboolean connected = ss_webrtc_transport_is_connected (peer->transport);
  json_t *json = json_pack (
      "{s:s, s:s, s:s, s:s, s:I, s:o, s:o}",
      "peer", peer->peer_id,
      "role", peer->role == SS_PEER_PUBLISHER ? "publisher" : "subscriber",
      "state", connected ? "connected" : "connecting",
      "address", address_text,
      "age_ms", (json_int_t) ((now_us - peer->created_us) / 1000),
      "transport", ss_stats_transport_to_json (peer->transport),
      "streams", streams);
  if (peer->role == SS_PEER_PUBLISHER)
    json_object_set_new (json, "source", json_string (peer->source));
  return json;
}

void
ss_peer_log_consumers (SsPeer *peer, gint64 now_us)
{
  for (guint i = 0; i < peer->consumers->len; i++)
    {
      const SsConsumer *consumer = g_ptr_array_index (peer->consumers, i);
      gint layer = -1;
      for (guint l = 0; l < consumer->n_layers; l++)
        if (consumer->layers[l] != NULL && consumer->layers[l] == consumer->producer)
          layer = (gint) l;

      /* rtt_us is -1 until a receiver report refers to one of the relay's
       * sender reports (LSR), and is printed apart from a real RTT under a
       * millisecond. */
      char rtt[32] = "unknown";
      if (consumer->rtt_us >= 0)
        g_snprintf (rtt, sizeof rtt, "%" G_GINT64_FORMAT " ms",
                    consumer->rtt_us / 1000);

      g_debug ("lesson %s peer %s consumer %u (slot %u, %s): layer %d of %u, %"
               G_GUINT64_FORMAT
               " bit/s, estimate %" G_GUINT64_FORMAT " bit/s, loss %u/256 "
               "(average %u/256), RTT %s, NACKs %"
               G_GUINT64_FORMAT ", resent %" G_GUINT64_FORMAT,
               peer->lesson_id, peer->peer_id, consumer->ssrc, consumer->slot,
               consumer->source != NULL ? consumer->source : "idle", layer,
               consumer->n_layers, consumer->bitrate_bps,
               ss_bandwidth_estimator_get_bps (&consumer->bandwidth, now_us),
               consumer->fraction_lost,
               consumer->bandwidth.smoothed_fraction_lost,
               rtt, consumer->nacks_received,
               consumer->packets_retransmitted);
    }
}
