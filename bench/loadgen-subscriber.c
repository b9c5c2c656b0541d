/* A subscriber's receive path and its RTCP. By default the RTP header is
 * read from the SRTP packet as it arrives: SRTP leaves the header in the
 * clear (RFC 3711 section 3.1), so counting and latency need no
 * decryption, and the generator stays cheaper than the relay. With
 * decryption on, every packet is authenticated and decrypted first.
 * Receiver reports (RFC 3550 section 6.4.2) go to the relay each second,
 * as browsers send them, SRTCP-protected. */

#include "loadgen-subscriber.h"

#include "wire/demux.h"
#include "wire/ntp.h"
#include "wire/rtcp.h"
#include "wire/rtp.h"

#define REPORT_INTERVAL_US G_USEC_PER_SEC

static void on_peer_rtp (gpointer user_data, guint8 *packet, gsize len);
static void on_peer_rtcp (gpointer user_data, guint8 *packet, gsize len);
static void on_peer_closed (gpointer user_data, const char *reason);

static const SsBenchPeerHandlers peer_handlers = {
  .rtp = on_peer_rtp,
  .rtcp = on_peer_rtcp,
  .closed = on_peer_closed,
};

SsBenchSubscriber *
ss_bench_subscriber_new (guint index, SsBenchReceiveContext *context,
                         int receive_buffer_bytes, GError **error)
{
  g_autoptr (SsBenchSubscriber) subscriber = g_new0 (SsBenchSubscriber, 1);

  subscriber->index = index;
  subscriber->context = context;
  subscriber->rtcp_ssrc = g_random_int () | 1;
  subscriber->peer = ss_bench_peer_new (SS_BENCH_PEER_SUBSCRIBER,
                                        receive_buffer_bytes, &peer_handlers,
                                        subscriber, error);
  if (subscriber->peer == NULL)
    return NULL;

  return g_steal_pointer (&subscriber);
}

void
ss_bench_subscriber_free (SsBenchSubscriber *subscriber)
{
  if (subscriber == NULL)
    return;

  ss_bench_peer_free (subscriber->peer);
  ss_bench_ws_free (subscriber->ws);
  g_free (subscriber->close_reason);
  g_free (subscriber);
}

gboolean
ss_bench_subscriber_start (SsBenchSubscriber *subscriber,
                           const char *answer_sdp,
                           SsDtlsCertificate *certificate,
                           const char *srtp_profiles, gint64 now_us,
                           GError **error)
{
  SsBenchPeer *peer = subscriber->peer;

  if (!ss_bench_peer_apply_answer (peer, answer_sdp, certificate,
                                   srtp_profiles, now_us, error))
    return FALSE;

  subscriber->video.ssrc = peer->answer_video_ssrc;
  subscriber->audio.ssrc = peer->answer_audio_ssrc;
  /* Reports start at a random point of the first second, so the
   * subscribers' reports spread over time. */
  subscriber->next_report_us = now_us + g_random_int_range (0,
                                                            REPORT_INTERVAL_US);
  ss_bench_peer_refresh_consent (peer, now_us);
  return TRUE;
}

gboolean
ss_bench_subscriber_is_receiving (const SsBenchSubscriber *subscriber)
{
  return subscriber->video.started && subscriber->audio.started;
}

/* ---- RTP ---- */

static void
count_rtp (SsBenchSubscriber *subscriber, const guint8 *packet, gsize len)
{
  SsBenchReceiveContext *context = subscriber->context;
  SsRtpHeader header;

  if (ss_rtp_parse (packet, len, &header) != SS_RTP_OK)
    {
      subscriber->rtp_malformed++;
      return;
    }

  gboolean is_video = header.ssrc == subscriber->video.ssrc;
  SsRecvStream *stream = is_video ? &subscriber->video : &subscriber->audio;
  if (!is_video && header.ssrc != subscriber->audio.ssrc)
    {
      subscriber->rtp_malformed++;
      return;
    }

  subscriber->rtp_received++;
  if (!ss_recv_stream_on_packet (stream, header.sequence) || !context->measuring)
    return;

  const SsSendTable *sends = is_video ? context->video_sends
                                      : context->audio_sends;
  gint64 sent_ns = ss_recv_stream_match_send_time (stream, sends,
                                                   header.sequence,
                                                   header.timestamp,
                                                   header.marker, is_video);
  if (sent_ns >= 0)
    ss_latency_histogram_add (context->latency,
                              context->packet_received_ns - sent_ns);
}

static void
on_peer_rtp (gpointer user_data, guint8 *packet, gsize len)
{
  count_rtp (user_data, packet, len);
}

/* ---- RTCP ---- */

static void
on_sender_report (SsBenchSubscriber *subscriber, const SsRtcpPacket *packet)
{
  SsRtcpSenderReport sr;

  if (!ss_rtcp_parse_sr (packet, &sr))
    return;

  SsRecvStream *stream = NULL;
  if (sr.ssrc == subscriber->video.ssrc)
    stream = &subscriber->video;
  else if (sr.ssrc == subscriber->audio.ssrc)
    stream = &subscriber->audio;
  if (stream == NULL)
    return;

  stream->lsr = ss_ntp_middle32 (sr.ntp_timestamp);
  stream->lsr_arrival_us = g_get_monotonic_time ();
}

static void
on_peer_rtcp (gpointer user_data, guint8 *data, gsize len)
{
  SsBenchSubscriber *subscriber = user_data;
  SsRtcpIter iter;
  SsRtcpPacket packet;

  ss_rtcp_iter_init (&iter, data, len);
  while (ss_rtcp_iter_next (&iter, &packet))
    if (packet.packet_type == SS_RTCP_TYPE_SR)
      on_sender_report (subscriber, &packet);
}

static void
on_peer_closed (gpointer user_data, const char *reason)
{
  SsBenchSubscriber *subscriber = user_data;

  subscriber->failed = TRUE;
  g_free (subscriber->close_reason);
  subscriber->close_reason = g_strdup (reason);
}

/* RFC 3550 appendix A.3: loss over the interval since the last report and
 * in total. NOTE: jitter is reported as 0; the relay only stores it. */
static void
fill_report_block (SsRecvStream *stream, gint64 now_us,
                   SsRtcpReportBlock *block)
{
  guint32 extended_max = ss_recv_stream_get_extended_max (stream);
  guint32 expected = extended_max - stream->base_sequence + 1;
  guint32 expected_interval = expected - stream->expected_prior;
  guint64 received_interval = stream->received - stream->received_prior;
  gint64 lost_interval = (gint64) expected_interval
                         - (gint64) received_interval;
  gint64 lost_total = (gint64) expected - (gint64) stream->received;

  stream->expected_prior = expected;
  stream->received_prior = stream->received;

  *block = (SsRtcpReportBlock){
    .ssrc = stream->ssrc,
    .fraction_lost = expected_interval == 0 || lost_interval <= 0
                       ? 0
                       : (guint8) ((lost_interval << 8) / expected_interval),
    .cumulative_lost = (gint32) CLAMP (lost_total, -0x800000, 0x7fffff),
    .highest_sequence = extended_max,
    .lsr = stream->lsr,
    .dlsr = stream->lsr == 0
              ? 0
              : ss_ntp_short_from_us (now_us - stream->lsr_arrival_us),
  };
}

static void
send_receiver_report (SsBenchSubscriber *subscriber, gint64 now_us)
{
  SsRtcpReceiverReport rr = { .ssrc = subscriber->rtcp_ssrc };
  guint8 buffer[256];

  if (subscriber->video.started)
    fill_report_block (&subscriber->video, now_us, &rr.blocks[rr.n_blocks++]);
  if (subscriber->audio.started)
    fill_report_block (&subscriber->audio, now_us, &rr.blocks[rr.n_blocks++]);

  gsize len = ss_rtcp_write_rr (buffer, sizeof buffer, &rr);
  if (len > 0
      && ss_bench_peer_send_rtcp (subscriber->peer, buffer, len,
                                  sizeof buffer))
    subscriber->reports_sent++;
}

void
ss_bench_subscriber_handle_timeout (SsBenchSubscriber *subscriber,
                                    gint64 now_us)
{
  ss_bench_peer_handle_timeout (subscriber->peer, now_us);

  if (subscriber->peer->connected && now_us >= subscriber->next_report_us)
    {
      send_receiver_report (subscriber, now_us);
      subscriber->next_report_us += REPORT_INTERVAL_US;
      if (subscriber->next_report_us < now_us)
        subscriber->next_report_us = now_us + REPORT_INTERVAL_US;
    }
}

/* ---- datagrams ---- */

void
ss_bench_subscriber_receive (SsBenchSubscriber *subscriber, gint64 now_us,
                             guint8 *data, gsize len,
                             const struct sockaddr *from, socklen_t from_len)
{
  subscriber->datagrams_received++;

  SsPacketKind kind = ss_demux_classify (data, len);
  if (kind == SS_PACKET_RTCP)
    subscriber->rtcp_received++;

  if (kind == SS_PACKET_RTP && !subscriber->context->decrypt)
    {
      count_rtp (subscriber, data, len);
      return;
    }

  ss_bench_peer_receive (subscriber->peer, now_us, data, len, from, from_len);
}
