/* The router's fan-out, key-frame policy and RTCP derivation, driven with
 * hand-made packets, recording endpoints and simulated time. */
#include "router/router.h"
#include "wire/ntp.h"
#include "wire/rtcp.h"
#include "wire/rtp.h"
#include "wire/vp8.h"

#include <string.h>

#define MS 1000

/* An endpoint that records what the router sends, as a transport would. */
typedef struct {
  gboolean connected;
  guint8 buffer[1536];
  GPtrArray *rtp;   /* GBytes */
  GPtrArray *rtcp;  /* GBytes */
} Recorder;

static guint8 *
recorder_get_buffer (gpointer user_data, gsize *cap)
{
  Recorder *recorder = user_data;
  if (!recorder->connected)
    return NULL;
  *cap = sizeof recorder->buffer;
  return recorder->buffer;
}

static void
recorder_send_rtp (gpointer user_data, guint8 *packet, gsize len, gsize cap)
{
  Recorder *recorder = user_data;
  g_ptr_array_add (recorder->rtp, g_bytes_new (packet, len));
}

static void
recorder_send_rtcp (gpointer user_data, guint8 *packet, gsize len, gsize cap)
{
  Recorder *recorder = user_data;
  g_ptr_array_add (recorder->rtcp, g_bytes_new (packet, len));
}

static const SsEndpointFuncs recorder_funcs = {
  .get_buffer = recorder_get_buffer,
  .send_rtp = recorder_send_rtp,
  .send_rtcp = recorder_send_rtcp,
};

static void
recorder_init (Recorder *recorder, SsEndpoint *endpoint)
{
  memset (recorder, 0, sizeof *recorder);
  recorder->connected = TRUE;
  recorder->rtp = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  recorder->rtcp = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  *endpoint = (SsEndpoint){ .funcs = &recorder_funcs, .user_data = recorder };
}

static void
recorder_clear (Recorder *recorder)
{
  g_ptr_array_unref (recorder->rtp);
  g_ptr_array_unref (recorder->rtcp);
}

static SsRtpHeader
recorded_rtp (Recorder *recorder, guint index)
{
  GBytes *bytes = g_ptr_array_index (recorder->rtp, index);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  SsRtpHeader header;
  g_assert_cmpint (ss_rtp_parse (data, len, &header), ==, SS_RTP_OK);
  return header;
}

/* The first RTCP packet of a recorded compound. */
static SsRtcpPacket
recorded_rtcp (Recorder *recorder, guint index)
{
  GBytes *bytes = g_ptr_array_index (recorder->rtcp, index);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  SsRtcpIter iter;
  SsRtcpPacket packet;
  ss_rtcp_iter_init (&iter, data, len);
  g_assert_true (ss_rtcp_iter_next (&iter, &packet));
  return packet;
}

/* Parses and routes a packet, as the peer does with what its transport
 * decrypted. */
static void
route_rtp (SsRouter *router, SsProducer *producer, const guint8 *packet,
           gsize len, gint64 now_us)
{
  SsRtpHeader header;
  g_assert_cmpint (ss_rtp_parse (packet, len, &header), ==, SS_RTP_OK);
  ss_router_on_rtp (router, producer, packet, len, &header, now_us);
}

/* The source every fixture publishes: the lead classroom. */
#define LEAD "lead-room"

/* A consumer in slot 0 bound to the lead's source, as a remote's first
 * slot is. */
static SsConsumer *
add_consumer (SsRouter *router, SsMediaKind kind, guint32 ssrc,
              guint8 payload_type, const SsEndpoint *endpoint, gint64 now_us)
{
  SsConsumer *consumer =
      ss_router_add_consumer (router, kind, 0, ssrc, payload_type, endpoint);
  ss_router_set_consumer_source (router, consumer, LEAD, now_us);
  return consumer;
}

#define PUBLISHER_VIDEO_SSRC 0x11111111
#define PUBLISHER_AUDIO_SSRC 0x22222222
#define RELAY_RTCP_SSRC 0x33333333

/* A VP8 RTP packet: descriptor with S=1 and PID 0, then a payload header
 * whose P bit tells key frame (0) from delta frame (1), RFC 7741 4.3. */
static gsize
make_vp8 (guint8 *out, guint16 sequence, guint32 timestamp, gboolean keyframe,
          gboolean start)
{
  out[0] = 0x80;
  out[1] = 96;
  out[2] = (guint8) (sequence >> 8);
  out[3] = (guint8) sequence;
  out[4] = (guint8) (timestamp >> 24);
  out[5] = (guint8) (timestamp >> 16);
  out[6] = (guint8) (timestamp >> 8);
  out[7] = (guint8) timestamp;
  out[8] = 0x11;
  out[9] = 0x11;
  out[10] = 0x11;
  out[11] = 0x11;
  out[12] = start ? 0x10 : 0x00;
  out[13] = keyframe ? 0x10 : 0x11;
  memset (out + 14, 0xAB, 86);
  return 100;
}

static gsize
make_opus (guint8 *out, guint16 sequence, guint32 timestamp)
{
  out[0] = 0x80;
  out[1] = 111;
  out[2] = (guint8) (sequence >> 8);
  out[3] = (guint8) sequence;
  out[4] = (guint8) (timestamp >> 24);
  out[5] = (guint8) (timestamp >> 16);
  out[6] = (guint8) (timestamp >> 8);
  out[7] = (guint8) timestamp;
  out[8] = 0x22;
  out[9] = 0x22;
  out[10] = 0x22;
  out[11] = 0x22;
  memset (out + 12, 0xCD, 60);
  return 72;
}

typedef struct {
  SsRouter *router;
  Recorder publisher;
  SsEndpoint publisher_endpoint;
  SsProducer *video;
  SsProducer *audio;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  SsSdpFeedback feedback = { .nack = TRUE, .nack_pli = TRUE, .ccm_fir = TRUE };

  f->router = ss_router_new ("math-1", RELAY_RTCP_SSRC);
  recorder_init (&f->publisher, &f->publisher_endpoint);
  SsProducerParams video = {
    .kind = SS_MEDIA_VIDEO,
    .ssrc = PUBLISHER_VIDEO_SSRC,
    .payload_type = 96,
    .clock_rate = 90000,
    .feedback = feedback,
  };
  SsProducerParams audio = {
    .kind = SS_MEDIA_AUDIO,
    .ssrc = PUBLISHER_AUDIO_SSRC,
    .payload_type = 111,
    .clock_rate = 48000,
    .feedback = feedback,
  };
  f->video = ss_router_add_producer (f->router, LEAD, &video,
                                     &f->publisher_endpoint, 0);
  f->audio = ss_router_add_producer (f->router, LEAD, &audio,
                                     &f->publisher_endpoint, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  ss_router_free (f->router);
  recorder_clear (&f->publisher);
}

static void
send_vp8 (Fixture *f, guint16 sequence, guint32 timestamp, gboolean keyframe,
          gint64 now_us)
{
  guint8 packet[128];
  gsize len = make_vp8 (packet, sequence, timestamp, keyframe, TRUE);
  route_rtp (f->router, f->video, packet, len, now_us);
}

static guint
count_plis (Recorder *publisher)
{
  guint n = 0;
  for (guint i = 0; i < publisher->rtcp->len; i++)
    {
      SsRtcpPacket packet = recorded_rtcp (publisher, i);
      if (packet.packet_type == SS_RTCP_TYPE_PSFB &&
          packet.count == SS_RTCP_PSFB_PLI)
        n++;
    }
  return n;
}

static void
test_fanout_rewrites_per_consumer (Fixture *f, gconstpointer data)
{
  Recorder a, b;
  SsEndpoint ea, eb;
  recorder_init (&a, &ea);
  recorder_init (&b, &eb);
  SsConsumer *ca = add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 100, &ea, 0);
  SsConsumer *cb = add_consumer (f->router, SS_MEDIA_VIDEO, 1002, 96, &eb, 0);

  send_vp8 (f, 500, 9000, TRUE, 10 * MS);
  send_vp8 (f, 501, 9000, FALSE, 11 * MS);
  send_vp8 (f, 502, 12000, FALSE, 40 * MS);

  g_assert_cmpuint (a.rtp->len, ==, 3);
  g_assert_cmpuint (b.rtp->len, ==, 3);

  SsRtpHeader first = recorded_rtp (&a, 0);
  g_assert_cmpuint (first.ssrc, ==, 1001);
  g_assert_cmpuint (first.payload_type, ==, 100);
  g_assert_cmpuint (first.timestamp, ==, 9000);
  g_assert_cmpuint (first.payload_len, ==, 88);
  for (guint i = 1; i < 3; i++)
    {
      SsRtpHeader header = recorded_rtp (&a, i);
      g_assert_cmpuint (header.sequence, ==, (guint16) (first.sequence + i));
    }

  SsRtpHeader other = recorded_rtp (&b, 0);
  g_assert_cmpuint (other.ssrc, ==, 1002);
  g_assert_cmpuint (other.payload_type, ==, 96);
  g_assert_cmpuint (ca->packets_sent, ==, 3);
  g_assert_cmpuint (cb->octets_sent, ==, 3 * 88);

  recorder_clear (&a);
  recorder_clear (&b);
}

static void
test_video_waits_for_keyframe (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  SsConsumer *consumer =
      add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);

  send_vp8 (f, 10, 1000, FALSE, 10 * MS);
  send_vp8 (f, 11, 1000, FALSE, 11 * MS);
  g_assert_cmpuint (a.rtp->len, ==, 0);
  g_assert_true (consumer->waiting_keyframe);

  /* A middle packet of a key frame (S=0) cannot start the stream either. */
  guint8 packet[128];
  gsize len = make_vp8 (packet, 12, 2000, TRUE, FALSE);
  route_rtp (f->router, f->video, packet, len, 12 * MS);
  g_assert_cmpuint (a.rtp->len, ==, 0);

  send_vp8 (f, 13, 3000, TRUE, 40 * MS);
  send_vp8 (f, 14, 6000, FALSE, 70 * MS);
  g_assert_cmpuint (a.rtp->len, ==, 2);
  g_assert_false (consumer->waiting_keyframe);
  g_assert_cmpuint (ss_router_get_counters (f->router)->rtp_packets_dropped, ==, 3);

  recorder_clear (&a);
}

static void
test_audio_starts_at_once (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  add_consumer (f->router, SS_MEDIA_AUDIO, 2001, 111, &ea, 0);

  guint8 packet[128];
  gsize len = make_opus (packet, 77, 960);
  route_rtp (f->router, f->audio, packet, len, 10 * MS);

  g_assert_cmpuint (a.rtp->len, ==, 1);
  g_assert_cmpuint (recorded_rtp (&a, 0).ssrc, ==, 2001);
  /* Audio joins need no key frame, so no PLI either. */
  g_assert_cmpuint (count_plis (&f->publisher), ==, 0);
  recorder_clear (&a);
}

static void
test_keyframe_requests_throttled (Fixture *f, gconstpointer data)
{
  Recorder a, b;
  SsEndpoint ea, eb;
  recorder_init (&a, &ea);
  recorder_init (&b, &eb);

  add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);
  g_assert_cmpuint (count_plis (&f->publisher), ==, 1);

  SsRtcpPacket pli = recorded_rtcp (&f->publisher, 0);
  guint32 sender_ssrc, media_ssrc;
  g_assert_true (ss_rtcp_parse_feedback (&pli, &sender_ssrc, &media_ssrc));
  g_assert_cmpuint (sender_ssrc, ==, RELAY_RTCP_SSRC);
  g_assert_cmpuint (media_ssrc, ==, PUBLISHER_VIDEO_SSRC);

  /* A second subscriber 100 ms later shares the first request. */
  SsConsumer *cb = add_consumer (f->router, SS_MEDIA_VIDEO, 1002, 96, &eb,
                                           100 * MS);
  g_assert_cmpuint (count_plis (&f->publisher), ==, 1);

  /* Subscribers' own PLIs inside the interval are absorbed too. */
  ss_router_on_keyframe_request (f->router, cb, 200 * MS);
  g_assert_cmpuint (count_plis (&f->publisher), ==, 1);
  g_assert_cmpuint (cb->keyframe_requests_received, ==, 1);

  /* Still no key frame after the interval: the timer asks again. */
  const gint64 interval = SS_ROUTER_KEYFRAME_REQUEST_INTERVAL_US;
  g_assert_cmpint (ss_router_get_next_timeout (f->router), <=, interval);
  ss_router_handle_timeout (f->router, interval);
  g_assert_cmpuint (count_plis (&f->publisher), ==, 2);

  /* Once the key frame reached both, nothing more is asked. */
  send_vp8 (f, 1, 3000, TRUE, interval + 100 * MS);
  ss_router_handle_timeout (f->router, 3 * interval);
  ss_router_handle_timeout (f->router, 6 * interval);
  g_assert_cmpuint (count_plis (&f->publisher), ==, 2);

  recorder_clear (&a);
  recorder_clear (&b);
}

static void
test_keyframe_before_connected_is_requested_again (Fixture *f,
                                                   gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  a.connected = FALSE;

  SsConsumer *consumer =
      add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);
  g_assert_cmpuint (count_plis (&f->publisher), ==, 1);

  /* The publisher's key frame comes while the subscriber's DTLS is still
   * in progress: it cannot be delivered, so the consumer keeps waiting. */
  send_vp8 (f, 1, 3000, TRUE, 100 * MS);
  g_assert_true (consumer->waiting_keyframe);

  a.connected = TRUE;
  ss_router_handle_timeout (f->router, SS_ROUTER_KEYFRAME_REQUEST_INTERVAL_US);
  g_assert_cmpuint (count_plis (&f->publisher), ==, 2);

  send_vp8 (f, 2, 6000, TRUE, SS_ROUTER_KEYFRAME_REQUEST_INTERVAL_US + 100 * MS);
  g_assert_false (consumer->waiting_keyframe);
  g_assert_cmpuint (a.rtp->len, ==, 1);
  recorder_clear (&a);
}

static void
test_fir_when_publisher_lacks_pli (Fixture *f, gconstpointer data)
{
  SsSdpFeedback fir_only = { .ccm_fir = TRUE };
  Recorder publisher, a;
  SsEndpoint ep, ea;
  recorder_init (&publisher, &ep);
  recorder_init (&a, &ea);

  g_autoptr (SsRouter) router = ss_router_new ("art-2", RELAY_RTCP_SSRC);
  SsProducerParams params = {
    .kind = SS_MEDIA_VIDEO,
    .ssrc = 77,
    .payload_type = 96,
    .clock_rate = 90000,
    .feedback = fir_only,
  };
  ss_router_add_producer (router, LEAD, &params, &ep, 0);
  add_consumer (router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);
  ss_router_handle_timeout (router, SS_ROUTER_KEYFRAME_REQUEST_INTERVAL_US);

  g_assert_cmpuint (publisher.rtcp->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      SsRtcpPacket fir = recorded_rtcp (&publisher, i);
      guint8 sequence = 0;
      g_assert_cmpuint (fir.packet_type, ==, SS_RTCP_TYPE_PSFB);
      g_assert_cmpuint (fir.count, ==, SS_RTCP_PSFB_FIR);
      g_assert_true (ss_rtcp_fir_find (&fir, 77, &sequence));
      /* Each new request increments the command sequence number (RFC
       * 5104 section 4.3.1.1). */
      g_assert_cmpuint (sequence, ==, i + 1);
    }
  recorder_clear (&publisher);
  recorder_clear (&a);
}

static void
test_sequence_continues_across_wrap (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);

  guint16 sequences[] = { 65533, 65534, 65535, 0, 1 };
  for (guint i = 0; i < G_N_ELEMENTS (sequences); i++)
    send_vp8 (f, sequences[i], 3000, i == 0, (gint64) i * MS);

  g_assert_cmpuint (a.rtp->len, ==, 5);
  guint16 first = recorded_rtp (&a, 0).sequence;
  for (guint i = 1; i < 5; i++)
    g_assert_cmpuint (recorded_rtp (&a, i).sequence, ==, (guint16) (first + i));
  recorder_clear (&a);
}

static void
test_sender_report_derived (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  SsConsumer *consumer =
      add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);

  send_vp8 (f, 1, 3000, TRUE, 10 * MS);
  send_vp8 (f, 2, 6000, FALSE, 43 * MS);

  SsRtcpSenderReport lead_sr = {
    .ssrc = PUBLISHER_VIDEO_SSRC,
    .ntp_timestamp = G_GUINT64_CONSTANT (0xE1E2E3E4A0000000),
    .rtp_timestamp = 6000,
    .packet_count = 99,
    .octet_count = 9999,
  };
  ss_router_on_sender_report (f->router, f->video, &lead_sr, 50 * MS);

  g_assert_cmpuint (a.rtcp->len, ==, 1);
  SsRtcpPacket packet = recorded_rtcp (&a, 0);
  SsRtcpSenderReport sr;
  g_assert_true (ss_rtcp_parse_sr (&packet, &sr));
  g_assert_cmpuint (sr.ssrc, ==, 1001);
  g_assert_cmpuint (sr.ntp_timestamp, ==, lead_sr.ntp_timestamp);
  g_assert_cmpuint (sr.rtp_timestamp, ==, 6000);
  g_assert_cmpuint (sr.packet_count, ==, 2);
  g_assert_cmpuint (sr.octet_count, ==, 2 * 88);

  /* The subscriber answers 600 ms later, having held the report 500 ms:
   * the round trip is the remaining 100 ms. */
  SsRtcpReportBlock block = {
    .ssrc = 1001,
    .lsr = ss_ntp_middle32 (lead_sr.ntp_timestamp),
    .dlsr = 65536 / 2,
  };
  ss_consumer_on_report_block (consumer, &block, 650 * MS);
  g_assert_cmpint (consumer->rtt_us, ==, 100 * MS);
  recorder_clear (&a);
}

static void
test_receiver_report_to_publisher (Fixture *f, gconstpointer data)
{
  /* 10 packets with sequence 5 missing. */
  for (guint16 seq = 1; seq <= 10; seq++)
    if (seq != 5)
      send_vp8 (f, seq, seq * 3000u, seq == 1, seq * 33 * MS);

  ss_router_handle_timeout (f->router, 400 * MS);

  gboolean found = FALSE;
  for (guint i = 0; i < f->publisher.rtcp->len; i++)
    {
      SsRtcpPacket packet = recorded_rtcp (&f->publisher, i);
      SsRtcpReceiverReport rr;
      if (packet.packet_type != SS_RTCP_TYPE_RR)
        continue;
      g_assert_true (ss_rtcp_parse_rr (&packet, &rr));
      g_assert_cmpuint (rr.ssrc, ==, RELAY_RTCP_SSRC);
      g_assert_cmpuint (rr.n_blocks, ==, 1);
      g_assert_cmpuint (rr.blocks[0].ssrc, ==, PUBLISHER_VIDEO_SSRC);
      g_assert_cmpint (rr.blocks[0].cumulative_lost, ==, 1);
      g_assert_cmpuint (rr.blocks[0].highest_sequence, ==, 10);
      found = TRUE;
    }
  g_assert_true (found);
}

static guint
count_nacks_for (Recorder *publisher, guint16 wanted)
{
  guint n = 0;
  for (guint i = 0; i < publisher->rtcp->len; i++)
    {
      SsRtcpPacket packet = recorded_rtcp (publisher, i);
      if (packet.packet_type != SS_RTCP_TYPE_RTPFB ||
          packet.count != SS_RTCP_RTPFB_NACK)
        continue;
      SsRtcpNackIter iter;
      guint16 sequence;
      ss_rtcp_nack_iter_init (&iter, &packet);
      while (ss_rtcp_nack_iter_next (&iter, &sequence))
        if (sequence == wanted)
          n++;
    }
  return n;
}

static void
test_upstream_loss_nacked_until_recovered (Fixture *f, gconstpointer data)
{
  send_vp8 (f, 1, 3000, TRUE, 0);
  send_vp8 (f, 3, 3000, FALSE, 1 * MS);

  ss_router_handle_timeout (f->router, 20 * MS);
  g_assert_cmpuint (count_nacks_for (&f->publisher, 2), ==, 1);

  /* Asked again while it stays missing... */
  ss_router_handle_timeout (f->router, 60 * MS);
  g_assert_cmpuint (count_nacks_for (&f->publisher, 2), ==, 2);

  /* ...and never again once the retransmission arrived. */
  send_vp8 (f, 2, 3000, FALSE, 70 * MS);
  ss_router_handle_timeout (f->router, 200 * MS);
  ss_router_handle_timeout (f->router, 400 * MS);
  g_assert_cmpuint (count_nacks_for (&f->publisher, 2), ==, 2);
  g_assert_cmpuint (f->video->nack.recovered, ==, 1);
}

static void
test_duplicate_not_forwarded_twice (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);

  send_vp8 (f, 1, 3000, TRUE, 0);
  send_vp8 (f, 2, 3000, FALSE, 1 * MS);
  /* The publisher answers a NACK the relay sent too early. */
  send_vp8 (f, 2, 3000, FALSE, 30 * MS);

  g_assert_cmpuint (a.rtp->len, ==, 2);
  g_assert_cmpuint (f->video->duplicates_dropped, ==, 1);
  recorder_clear (&a);
}

static void
test_subscriber_nack_answered (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  SsConsumer *consumer =
      add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);

  for (guint16 seq = 65534; seq != 3; seq++)
    send_vp8 (f, seq, 3000, seq == 65534, 0);
  g_assert_cmpuint (a.rtp->len, ==, 5);

  /* The subscriber lost its copy of the packet that was 0 upstream, across
   * the wrap. */
  SsRtpHeader lost = recorded_rtp (&a, 2);
  ss_router_on_nack (f->router, consumer, lost.sequence, 50 * MS);

  g_assert_cmpuint (a.rtp->len, ==, 6);
  SsRtpHeader resent = recorded_rtp (&a, 5);
  g_assert_cmpuint (resent.sequence, ==, lost.sequence);
  g_assert_cmpuint (resent.ssrc, ==, 1001);
  g_assert_cmpuint (resent.timestamp, ==, lost.timestamp);
  g_assert_cmpuint (consumer->packets_retransmitted, ==, 1);
  recorder_clear (&a);
}

static void
test_retransmissions_within_budget (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  SsConsumer *consumer =
      add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);

  /* 200 packets of 88 payload bytes in one bitrate window. */
  for (guint16 seq = 1; seq <= 200; seq++)
    send_vp8 (f, seq, seq * 3000u, seq == 1, seq * MS);
  guint16 first = recorded_rtp (&a, 0).sequence;
  guint64 media = consumer->octets_sent;

  /* A subscriber asking for all of them again gets the allowance plus a
   * quarter of the media's size, and no more. */
  for (guint16 i = 0; i < 200; i++)
    ss_router_on_nack (f->router, consumer, (guint16) (first + i), 300 * MS);

  guint64 resent = consumer->window_retransmitted_octets;
  guint64 budget = SS_ROUTER_RETRANSMISSION_ALLOWANCE_BYTES +
                   media * SS_ROUTER_RETRANSMISSION_BUDGET_PERCENT / 100;
  g_test_message ("resent %" G_GUINT64_FORMAT " of a budget of %" G_GUINT64_FORMAT
                  " bytes", resent, budget);
  g_assert_cmpuint (resent, >=, budget);
  g_assert_cmpuint (resent, <, budget + 88);
  g_assert_cmpuint (ss_router_get_counters (f->router)->nacks_over_budget, >, 0);
  recorder_clear (&a);
}

static void
test_nacks_measure_loss_for_estimate (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  SsConsumer *consumer =
      add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);
  consumer->nack_enabled = TRUE;

  /* The first window opens at the first layer update. */
  ss_router_handle_timeout (f->router, 0);
  for (guint16 seq = 1; seq <= 100; seq++)
    send_vp8 (f, seq, seq * 3000u, seq == 1, seq * MS);
  guint16 first = recorded_rtp (&a, 0).sequence;

  /* 20 distinct packets NACKed, each asked for three times. */
  for (guint round = 0; round < 3; round++)
    for (guint16 i = 0; i < 20; i++)
      ss_consumer_on_nack (consumer, (guint16) (first + 5 * i));
  g_assert_cmpuint (consumer->nacks_received, ==, 60);
  g_assert_cmpuint (consumer->window_nacked, ==, 20);

  /* A receiver report that shows nothing lost (retransmissions arrived)
   * does not count for a subscriber that NACKs. */
  SsRtcpReportBlock clean = { .ssrc = 1001, .fraction_lost = 0 };
  ss_consumer_on_report_block (consumer, &clean, 400 * MS);

  ss_router_handle_timeout (f->router, SS_ROUTER_LAYER_INTERVAL_US);
  g_assert_cmpuint (consumer->bandwidth.last_fraction_lost, ==, 20 * 256 / 100);
  g_assert_cmpuint (ss_bandwidth_estimator_get_bps (&consumer->bandwidth,
                                                    SS_ROUTER_LAYER_INTERVAL_US),
                    <, SS_BWE_INITIAL_BPS);
  recorder_clear (&a);
}

static void
test_subscriber_nack_for_expired_packet (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  SsConsumer *consumer =
      add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);

  send_vp8 (f, 10, 3000, TRUE, 0);
  guint16 sequence = recorded_rtp (&a, 0).sequence;

  /* Older than the buffer's age limit: gone, and counted. */
  ss_router_on_nack (f->router, consumer, sequence,
                     SS_PRODUCER_RETRANSMISSION_AGE_US + 1);
  /* Never sent at all. */
  ss_router_on_nack (f->router, consumer, (guint16) (sequence + 500), 10 * MS);

  g_assert_cmpuint (a.rtp->len, ==, 1);
  g_assert_cmpuint (ss_router_get_counters (f->router)->nack_misses, ==, 2);
  recorder_clear (&a);
}

static void
test_producer_removed_under_consumer (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  SsConsumer *consumer =
      add_consumer (f->router, SS_MEDIA_VIDEO, 1001, 96, &ea, 0);

  ss_router_remove_producer (f->router, f->video);
  f->video = NULL;
  g_assert_null (consumer->producer);
  g_assert_null (ss_router_find_producer (f->router, LEAD, SS_MEDIA_VIDEO));

  ss_router_on_keyframe_request (f->router, consumer, 10 * MS);
  ss_router_handle_timeout (f->router, 5000 * MS);
  ss_router_remove_consumer (f->router, consumer);
  g_assert_cmpuint (ss_router_get_n_consumers (f->router), ==, 0);
  recorder_clear (&a);
}

static void
test_padding_stripped (Fixture *f, gconstpointer data)
{
  Recorder a;
  SsEndpoint ea;
  recorder_init (&a, &ea);
  add_consumer (f->router, SS_MEDIA_AUDIO, 2001, 111, &ea, 0);

  /* RTP header with P set and the whole payload padding (RFC 3550 5.1):
   * forwarded as an empty packet so the sequence numbers stay contiguous. */
  guint8 packet[32] = { 0xA0, 111, 0, 9, 0, 0, 0, 1, 0x22, 0x22, 0x22, 0x22 };
  packet[31] = 20;
  route_rtp (f->router, f->audio, packet, sizeof packet, 0);
  g_assert_cmpuint (a.rtp->len, ==, 1);
  SsRtpHeader header = recorded_rtp (&a, 0);
  g_assert_cmpuint (header.payload_len, ==, 0);
  g_assert_cmpuint (header.padding_len, ==, 0);
  recorder_clear (&a);
}

/* ---- simulcast ---- */

/* A VP8 packet with a 15-bit picture ID (X=1, I=1, M=1). */
static gsize
make_vp8_picture (guint8 *out, guint32 ssrc, guint16 sequence,
                  guint32 timestamp, guint16 picture_id, gboolean keyframe)
{
  memset (out, 0, 120);
  out[0] = 0x80;
  out[1] = 96;
  out[2] = (guint8) (sequence >> 8);
  out[3] = (guint8) sequence;
  out[4] = (guint8) (timestamp >> 24);
  out[5] = (guint8) (timestamp >> 16);
  out[6] = (guint8) (timestamp >> 8);
  out[7] = (guint8) timestamp;
  out[8] = (guint8) (ssrc >> 24);
  out[9] = (guint8) (ssrc >> 16);
  out[10] = (guint8) (ssrc >> 8);
  out[11] = (guint8) ssrc;
  out[12] = 0x90;                       /* X, S, PID 0 */
  out[13] = 0x80;                       /* I */
  out[14] = (guint8) (0x80 | (picture_id >> 8));
  out[15] = (guint8) picture_id;
  out[16] = keyframe ? 0x10 : 0x11;     /* P bit */
  return 120;
}

typedef struct {
  SsRouter *router;
  Recorder publisher;
  SsEndpoint publisher_endpoint;
  SsProducer *layers[3];
  Recorder subscriber;
  SsEndpoint subscriber_endpoint;
} Simulcast;

static const guint32 layer_ssrcs[3] = { 0xA0, 0xB0, 0xC0 };
/* Each layer's encoder has its own RTP clock offset, sequence and picture
 * numbering. */
static const guint32 layer_timestamp_base[3] = { 1000000, 5000, 777777777 };
static const guint16 layer_sequence_base[3] = { 100, 40000, 65500 };
static const guint16 layer_picture_base[3] = { 10, 32760, 5000 };

static void
simulcast_send (Simulcast *f, guint layer, guint frame, gboolean keyframe,
                gint64 now_us)
{
  guint8 packet[128];
  gsize len = make_vp8_picture (
      packet, layer_ssrcs[layer],
      (guint16) (layer_sequence_base[layer] + frame),
      layer_timestamp_base[layer] + frame * 3000,
      (guint16) ((layer_picture_base[layer] + frame) & 0x7FFF), keyframe);
  route_rtp (f->router, f->layers[layer], packet, len, now_us);
}

static void
simulcast_set_up (Simulcast *f, gconstpointer data)
{
  SsSdpFeedback feedback = { .nack = TRUE, .nack_pli = TRUE };

  f->router = ss_router_new ("music-3", RELAY_RTCP_SSRC);
  recorder_init (&f->publisher, &f->publisher_endpoint);
  recorder_init (&f->subscriber, &f->subscriber_endpoint);
  for (guint layer = 0; layer < 3; layer++)
    {
      SsProducerParams params = {
        .kind = SS_MEDIA_VIDEO,
        .ssrc = layer_ssrcs[layer],
        .payload_type = 96,
        .clock_rate = 90000,
        .feedback = feedback,
        .layer = layer,
      };
      f->layers[layer] =
          ss_router_add_producer (f->router, LEAD, &params,
                                  &f->publisher_endpoint, 0);
    }

  /* Every layer flows for a second so their bitrates are measured. */
  for (guint frame = 0; frame < 30; frame++)
    for (guint layer = 0; layer < 3; layer++)
      simulcast_send (f, layer, frame, frame == 0, frame * 33 * MS);
  /* The tiny test packets would measure a few kbit/s: pin the layers at
   * realistic rates and start a fresh measuring window. */
  const guint64 bitrates[3] = { 150000, 500000, 1500000 };
  for (guint layer = 0; layer < 3; layer++)
    {
      f->layers[layer]->bitrate_bps = bitrates[layer];
      f->layers[layer]->window_bytes = 0;
      f->layers[layer]->window_start_us = G_MININT64;
    }
}

static void
simulcast_tear_down (Simulcast *f, gconstpointer data)
{
  ss_router_free (f->router);
  recorder_clear (&f->publisher);
  recorder_clear (&f->subscriber);
}

static guint32
last_pli_target (Recorder *publisher)
{
  for (guint i = publisher->rtcp->len; i > 0; i--)
    {
      SsRtcpPacket packet = recorded_rtcp (publisher, i - 1);
      guint32 sender, media;
      if (packet.packet_type == SS_RTCP_TYPE_PSFB &&
          packet.count == SS_RTCP_PSFB_PLI &&
          ss_rtcp_parse_feedback (&packet, &sender, &media))
        return media;
    }
  return 0;
}

static void
test_simulcast_starts_on_affordable_layer (Simulcast *f, gconstpointer data)
{
  SsConsumer *consumer = add_consumer (
      f->router, SS_MEDIA_VIDEO, 1001, 96, &f->subscriber_endpoint, 1000 * MS);

  /* The initial estimate (800 kbit/s) affords the middle layer. */
  g_assert_true (consumer->target == f->layers[1]);
  g_assert_cmpuint (consumer->n_layers, ==, 3);
  g_assert_cmpuint (last_pli_target (&f->publisher), ==, layer_ssrcs[1]);

  /* Key frames of the other layers do not start it. */
  simulcast_send (f, 0, 30, TRUE, 1010 * MS);
  simulcast_send (f, 2, 30, TRUE, 1010 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 0);

  simulcast_send (f, 1, 30, TRUE, 1010 * MS);
  simulcast_send (f, 0, 31, FALSE, 1043 * MS);
  simulcast_send (f, 1, 31, FALSE, 1043 * MS);
  simulcast_send (f, 2, 31, FALSE, 1043 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 2);
  g_assert_cmpuint (recorded_rtp (&f->subscriber, 0).ssrc, ==, 1001);
}

static void
test_simulcast_switch_is_seamless (Simulcast *f, gconstpointer data)
{
  SsConsumer *consumer = add_consumer (
      f->router, SS_MEDIA_VIDEO, 1001, 96, &f->subscriber_endpoint, 1000 * MS);
  simulcast_send (f, 1, 30, TRUE, 1000 * MS);
  simulcast_send (f, 1, 31, FALSE, 1033 * MS);

  /* Heavy loss reported: the estimate falls below the middle layer. */
  SsRtcpReportBlock lossy = { .ssrc = 1001, .fraction_lost = 200 };
  ss_consumer_on_report_block (consumer, &lossy, 1040 * MS);
  ss_router_handle_timeout (f->router, 1050 * MS);
  g_assert_true (consumer->target == f->layers[0]);
  g_assert_cmpuint (last_pli_target (&f->publisher), ==, layer_ssrcs[0]);

  /* Until the low layer's key frame comes, the middle layer goes on. */
  simulcast_send (f, 0, 32, FALSE, 1066 * MS);
  simulcast_send (f, 1, 32, FALSE, 1066 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 3);

  simulcast_send (f, 0, 33, TRUE, 1100 * MS);
  simulcast_send (f, 1, 33, FALSE, 1100 * MS);
  simulcast_send (f, 0, 34, FALSE, 1133 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 5);
  g_assert_true (consumer->producer == f->layers[0]);

  /* One stream for the subscriber: same SSRC, sequence numbers one apart,
   * timestamps rising by the elapsed time, picture IDs one apart. */
  for (guint i = 1; i < 5; i++)
    {
      SsRtpHeader previous = recorded_rtp (&f->subscriber, i - 1);
      SsRtpHeader header = recorded_rtp (&f->subscriber, i);
      SsVp8Descriptor before, after;
      g_assert_cmpuint (header.ssrc, ==, 1001);
      g_assert_cmpuint (header.sequence, ==, (guint16) (previous.sequence + 1));
      g_assert_true (ss_vp8_parse_descriptor (previous.payload, previous.payload_len, &before));
      g_assert_true (ss_vp8_parse_descriptor (header.payload, header.payload_len, &after));
      g_assert_cmpuint (after.picture_id, ==, (before.picture_id + 1) & 0x7FFF);
      guint32 step = header.timestamp - previous.timestamp;
      g_assert_cmpuint (step, >=, 2900);
      g_assert_cmpuint (step, <=, 3100);
    }
  g_assert_cmpuint (consumer->layer_switches, ==, 1);

  /* A NACK for a packet of the middle layer cannot be served from the low
   * layer's buffer. */
  guint64 misses = ss_router_get_counters (f->router)->nack_misses;
  ss_router_on_nack (f->router, consumer, recorded_rtp (&f->subscriber, 1).sequence,
                     1140 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 5);
  g_assert_cmpuint (ss_router_get_counters (f->router)->nack_misses, ==, misses + 1);

  /* One from after the switch is. */
  ss_router_on_nack (f->router, consumer, recorded_rtp (&f->subscriber, 3).sequence,
                     1140 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 6);
}

static void
test_simulcast_sender_report_follows_layer (Simulcast *f, gconstpointer data)
{
  SsConsumer *consumer = add_consumer (
      f->router, SS_MEDIA_VIDEO, 1001, 96, &f->subscriber_endpoint, 1000 * MS);
  simulcast_send (f, 1, 30, TRUE, 1000 * MS);

  SsRtcpSenderReport low_sr = { .ssrc = layer_ssrcs[0], .ntp_timestamp = 1,
                                .rtp_timestamp = 42 };
  ss_router_on_sender_report (f->router, f->layers[0], &low_sr, 1010 * MS);
  g_assert_cmpuint (f->subscriber.rtcp->len, ==, 0);

  SsRtcpSenderReport mid_sr = { .ssrc = layer_ssrcs[1],
                                .ntp_timestamp = G_GUINT64_CONSTANT (1) << 32,
                                .rtp_timestamp = layer_timestamp_base[1] };
  ss_router_on_sender_report (f->router, f->layers[1], &mid_sr, 1020 * MS);
  g_assert_cmpuint (f->subscriber.rtcp->len, ==, 1);
  SsRtcpPacket packet = recorded_rtcp (&f->subscriber, 0);
  SsRtcpSenderReport sr;
  g_assert_true (ss_rtcp_parse_sr (&packet, &sr));
  g_assert_cmpuint (sr.ssrc, ==, consumer->ssrc);
  g_assert_cmpuint (sr.rtp_timestamp, ==, layer_timestamp_base[1]);
}

/* ---- sources and slots ---- */

/* Two classrooms publishing camera and microphone, each from its own
 * encoders: own SSRCs, sequence numbers, RTP clock offsets and picture
 * IDs. Room B's numbers are close to wrapping. */
typedef struct {
  const char *name;
  guint32 video_ssrc;
  guint32 audio_ssrc;
  guint16 video_sequence_base;
  guint32 video_timestamp_base;
  guint16 picture_base;
  guint16 audio_sequence_base;
  guint32 audio_timestamp_base;
} SourceSpec;

static const SourceSpec room_specs[2] = {
  { "room-a", 0xA1A1A1A1, 0xA2A2A2A2, 1000, 50000, 300, 7000, 123456 },
  { "room-b", 0xB1B1B1B1, 0xB2B2B2B2, 65530, 4294960000u, 32764, 65534,
    4294967000u },
};

typedef struct {
  SsRouter *router;
  Recorder publishers[2];
  SsEndpoint publisher_endpoints[2];
  SsProducer *video[2];
  SsProducer *audio[2];
  Recorder subscriber;
  SsEndpoint subscriber_endpoint;
  SsConsumer *video_consumer;   /* slot 0, idle until a test binds it */
  SsConsumer *audio_consumer;
} Sources;

static void
publish_room (Sources *f, guint room, gint64 now_us)
{
  SsSdpFeedback feedback = { .nack = TRUE, .nack_pli = TRUE };
  SsProducerParams video = {
    .kind = SS_MEDIA_VIDEO,
    .ssrc = room_specs[room].video_ssrc,
    .payload_type = 96,
    .clock_rate = 90000,
    .feedback = feedback,
  };
  SsProducerParams audio = {
    .kind = SS_MEDIA_AUDIO,
    .ssrc = room_specs[room].audio_ssrc,
    .payload_type = 111,
    .clock_rate = 48000,
  };

  f->audio[room] = ss_router_add_producer (f->router, room_specs[room].name,
                                           &audio,
                                           &f->publisher_endpoints[room], now_us);
  f->video[room] = ss_router_add_producer (f->router, room_specs[room].name,
                                           &video,
                                           &f->publisher_endpoints[room], now_us);
}

static void
unpublish_room (Sources *f, guint room)
{
  ss_router_remove_producer (f->router, f->video[room]);
  ss_router_remove_producer (f->router, f->audio[room]);
  f->video[room] = NULL;
  f->audio[room] = NULL;
}

static void
sources_set_up (Sources *f, gconstpointer data)
{
  f->router = ss_router_new ("physics-4", RELAY_RTCP_SSRC);
  for (guint room = 0; room < 2; room++)
    {
      recorder_init (&f->publishers[room], &f->publisher_endpoints[room]);
      publish_room (f, room, 0);
    }

  recorder_init (&f->subscriber, &f->subscriber_endpoint);
  f->audio_consumer = ss_router_add_consumer (
      f->router, SS_MEDIA_AUDIO, 0, 3001, 111, &f->subscriber_endpoint);
  f->video_consumer = ss_router_add_consumer (
      f->router, SS_MEDIA_VIDEO, 0, 3002, 96, &f->subscriber_endpoint);
}

static void
sources_tear_down (Sources *f, gconstpointer data)
{
  ss_router_free (f->router);
  for (guint room = 0; room < 2; room++)
    recorder_clear (&f->publishers[room]);
  recorder_clear (&f->subscriber);
}

/* Frame `frame` of the room's camera: one packet, 33 ms apart. */
static void
room_send_video (Sources *f, guint room, guint frame, gboolean keyframe,
                 gint64 now_us)
{
  const SourceSpec *spec = &room_specs[room];
  guint8 packet[128];
  gsize len = make_vp8_picture (
      packet, spec->video_ssrc, (guint16) (spec->video_sequence_base + frame),
      spec->video_timestamp_base + frame * 3000,
      (guint16) ((spec->picture_base + frame) & 0x7FFF), keyframe);
  route_rtp (f->router, f->video[room], packet, len, now_us);
}

/* Packet `index` of the room's microphone: 20 ms of Opus each. */
static void
room_send_audio (Sources *f, guint room, guint index, gint64 now_us)
{
  const SourceSpec *spec = &room_specs[room];
  guint8 packet[128];
  gsize len = make_opus (packet, (guint16) (spec->audio_sequence_base + index),
                         spec->audio_timestamp_base + index * 960);
  ss_rtp_write_ssrc (packet, spec->audio_ssrc);
  route_rtp (f->router, f->audio[room], packet, len, now_us);
}

/* The SSRC named by the last PLI a publisher received, 0 for none. */
static guint32
last_pli_ssrc (Recorder *publisher)
{
  return publisher->rtcp->len > 0 ? last_pli_target (publisher) : 0;
}

static SsRtpHeader
last_sent (Sources *f)
{
  return recorded_rtp (&f->subscriber, f->subscriber.rtp->len - 1);
}

static guint16
sent_picture_id (Sources *f, guint index)
{
  GBytes *bytes = g_ptr_array_index (f->subscriber.rtp, index);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  SsRtpHeader header;
  SsVp8Descriptor descriptor;
  g_assert_cmpint (ss_rtp_parse (data, len, &header), ==, SS_RTP_OK);
  g_assert_true (ss_vp8_parse_descriptor (header.payload, header.payload_len,
                                          &descriptor));
  g_assert_true (descriptor.has_picture_id);
  return descriptor.picture_id;
}

static void
test_sources_idle_slot_sends_nothing (Sources *f, gconstpointer data)
{
  /* Slot 1 waits for a classroom that has not published. */
  SsConsumer *waiting = ss_router_add_consumer (
      f->router, SS_MEDIA_VIDEO, 1, 3003, 96, &f->subscriber_endpoint);
  ss_router_set_consumer_source (f->router, waiting, "room-c", 0);

  for (guint frame = 0; frame < 5; frame++)
    for (guint room = 0; room < 2; room++)
      {
        room_send_video (f, room, frame, frame == 0, frame * 33 * MS);
        room_send_audio (f, room, frame, frame * 33 * MS);
      }
  ss_router_handle_timeout (f->router, 2000 * MS);

  g_assert_cmpuint (f->subscriber.rtp->len, ==, 0);
  g_assert_cmpuint (f->subscriber.rtcp->len, ==, 0);
  /* No consumer waits for a key frame, so neither room gets a PLI. */
  g_assert_cmpuint (count_plis (&f->publishers[0]), ==, 0);
  g_assert_cmpuint (count_plis (&f->publishers[1]), ==, 0);

  g_assert_null (f->video_consumer->source);
  g_assert_null (f->video_consumer->target);
  g_assert_cmpuint (f->video_consumer->n_layers, ==, 0);
  g_assert_false (f->video_consumer->waiting_keyframe);
  g_assert_cmpstr (waiting->source, ==, "room-c");
  g_assert_null (waiting->target);

  /* A PLI on an idle slot reaches no publisher. */
  ss_router_on_keyframe_request (f->router, f->video_consumer, 2100 * MS);
  g_assert_cmpuint (count_plis (&f->publishers[0]), ==, 0);
  g_assert_cmpuint (count_plis (&f->publishers[1]), ==, 0);
}

static void
test_sources_bind_before_publish (Sources *f, gconstpointer data)
{
  unpublish_room (f, 1);
  ss_router_set_consumer_source (f->router, f->video_consumer, "room-b", 0);
  ss_router_set_consumer_source (f->router, f->audio_consumer, "room-b", 0);
  g_assert_null (f->video_consumer->target);

  /* Room A's key frames are not room B's. */
  room_send_video (f, 0, 0, TRUE, 10 * MS);
  room_send_audio (f, 0, 0, 10 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 0);

  publish_room (f, 1, 100 * MS);
  g_assert_true (f->video_consumer->target == f->video[1]);
  g_assert_true (f->video_consumer->waiting_keyframe);
  g_assert_cmpuint (last_pli_ssrc (&f->publishers[1]), ==,
                    room_specs[1].video_ssrc);

  room_send_video (f, 1, 0, FALSE, 110 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 0);
  room_send_video (f, 1, 1, TRUE, 143 * MS);
  room_send_audio (f, 1, 0, 150 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 2);
  g_assert_cmpuint (recorded_rtp (&f->subscriber, 0).ssrc, ==, 3002);
  g_assert_cmpuint (recorded_rtp (&f->subscriber, 1).ssrc, ==, 3001);
  g_assert_false (f->video_consumer->waiting_keyframe);
}

/* Starts slot 0 on room A: a key frame and two delta frames, and three
 * audio packets. */
static void
start_on_room_a (Sources *f)
{
  ss_router_set_consumer_source (f->router, f->video_consumer, "room-a", 0);
  ss_router_set_consumer_source (f->router, f->audio_consumer, "room-a", 0);
  for (guint frame = 0; frame < 3; frame++)
    {
      room_send_video (f, 0, frame, frame == 0, frame * 33 * MS);
      room_send_audio (f, 0, frame, frame * 20 * MS);
    }
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 6);
}

static void
test_sources_video_switch_continuous (Sources *f, gconstpointer data)
{
  start_on_room_a (f);
  SsRtpHeader before = recorded_rtp (&f->subscriber, 4);
  guint16 picture_before = sent_picture_id (f, 4);
  g_assert_cmpuint (before.ssrc, ==, 3002);
  guint64 plis_b = count_plis (&f->publishers[1]);

  ss_router_set_consumer_source (f->router, f->video_consumer, "room-b",
                                 80 * MS);
  g_assert_cmpuint (count_plis (&f->publishers[1]), ==, plis_b + 1);
  g_assert_cmpuint (last_pli_ssrc (&f->publishers[1]), ==,
                    room_specs[1].video_ssrc);
  g_assert_true (f->video_consumer->waiting_keyframe);

  /* Nothing of room A goes out any more, nor room B before its key
   * frame. */
  guint sent = f->subscriber.rtp->len;
  room_send_video (f, 0, 3, FALSE, 99 * MS);
  room_send_video (f, 1, 10, FALSE, 100 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, sent);

  /* Not its reports or retransmissions either. */
  SsRtcpSenderReport a_sr = { .ssrc = room_specs[0].video_ssrc,
                              .ntp_timestamp = G_GUINT64_CONSTANT (5) << 32,
                              .rtp_timestamp = room_specs[0].video_timestamp_base };
  ss_router_on_sender_report (f->router, f->video[0], &a_sr, 101 * MS);
  ss_router_on_nack (f->router, f->video_consumer, before.sequence, 102 * MS);
  g_assert_cmpuint (f->subscriber.rtcp->len, ==, 0);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, sent);

  /* The key frame also comes 100 ms later than A's last frame. */
  room_send_video (f, 1, 11, TRUE, 166 * MS);
  room_send_video (f, 1, 12, FALSE, 199 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, sent + 2);

  SsRtpHeader first = recorded_rtp (&f->subscriber, sent);
  SsRtpHeader second = recorded_rtp (&f->subscriber, sent + 1);
  g_assert_cmpuint (first.ssrc, ==, 3002);
  g_assert_cmpuint (second.ssrc, ==, 3002);
  g_assert_cmpuint (first.sequence, ==, (guint16) (before.sequence + 1));
  g_assert_cmpuint (second.sequence, ==, (guint16) (before.sequence + 2));
  /* 100 ms at 90 kHz after A's last frame, then B's own 3000 ticks. */
  g_assert_cmpuint (first.timestamp - before.timestamp, ==, 9000);
  g_assert_cmpuint (second.timestamp - first.timestamp, ==, 3000);
  g_assert_cmpuint (sent_picture_id (f, sent), ==, (picture_before + 1) & 0x7FFF);
  g_assert_cmpuint (sent_picture_id (f, sent + 1), ==,
                    (picture_before + 2) & 0x7FFF);

  g_assert_cmpuint (f->video_consumer->source_switches, ==, 1);
  g_assert_cmpuint (f->video_consumer->layer_switches, ==, 0);
  g_assert_cmpuint (ss_router_get_counters (f->router)->source_switches, ==, 1);
  g_assert_false (f->video_consumer->waiting_keyframe);

  /* The audio slot stayed on room A. */
  room_send_audio (f, 0, 3, 200 * MS);
  g_assert_cmpuint (last_sent (f).ssrc, ==, 3001);
}

static void
test_sources_audio_switch_continuous (Sources *f, gconstpointer data)
{
  start_on_room_a (f);
  SsRtpHeader before = recorded_rtp (&f->subscriber, 5);
  g_assert_cmpuint (before.ssrc, ==, 3001);
  guint sent = f->subscriber.rtp->len;

  ss_router_set_consumer_source (f->router, f->audio_consumer, "room-b",
                                 50 * MS);
  /* Audio needs no key frame. */
  g_assert_cmpuint (count_plis (&f->publishers[1]), ==, 0);

  room_send_audio (f, 0, 3, 60 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, sent);

  /* Room B's next packet switches at once, 100 ms after A's last one. */
  room_send_audio (f, 1, 0, 140 * MS);
  room_send_audio (f, 1, 1, 160 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, sent + 2);

  SsRtpHeader first = recorded_rtp (&f->subscriber, sent);
  SsRtpHeader second = recorded_rtp (&f->subscriber, sent + 1);
  g_assert_cmpuint (first.ssrc, ==, 3001);
  g_assert_cmpuint (first.sequence, ==, (guint16) (before.sequence + 1));
  g_assert_cmpuint (second.sequence, ==, (guint16) (before.sequence + 2));
  g_assert_cmpuint (first.timestamp - before.timestamp, ==, 4800);
  g_assert_cmpuint (second.timestamp - first.timestamp, ==, 960);
  g_assert_cmpuint (f->audio_consumer->source_switches, ==, 1);
}

static void
test_sources_rebind_same_source_unchanged (Sources *f, gconstpointer data)
{
  start_on_room_a (f);
  guint plis = count_plis (&f->publishers[0]);

  ss_router_set_consumer_source (f->router, f->video_consumer, "room-a",
                                 90 * MS);
  room_send_video (f, 0, 3, FALSE, 99 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 7);
  g_assert_cmpuint (count_plis (&f->publishers[0]), ==, plis);
  g_assert_cmpuint (f->video_consumer->source_switches, ==, 0);

  /* Unbinding makes the slot idle at once. */
  ss_router_set_consumer_source (f->router, f->video_consumer, NULL, 100 * MS);
  room_send_video (f, 0, 4, TRUE, 133 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 7);
  g_assert_null (f->video_consumer->producer);
}

static void
test_sources_republished_source_resumes (Sources *f, gconstpointer data)
{
  start_on_room_a (f);
  SsRtpHeader before = recorded_rtp (&f->subscriber, 4);
  guint16 picture_before = sent_picture_id (f, 4);

  /* Room A's publisher leaves: the slot goes idle but stays bound. */
  unpublish_room (f, 0);
  g_assert_null (f->video_consumer->producer);
  g_assert_null (f->video_consumer->target);
  g_assert_cmpstr (f->video_consumer->source, ==, "room-a");
  room_send_video (f, 1, 0, TRUE, 100 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, 6);

  /* A new transport publishes room A again, with new encoders. */
  Recorder republisher;
  SsEndpoint republisher_endpoint;
  recorder_init (&republisher, &republisher_endpoint);
  SsProducerParams video = {
    .kind = SS_MEDIA_VIDEO,
    .ssrc = 0xA3A3A3A3,
    .payload_type = 96,
    .clock_rate = 90000,
    .feedback = { .nack = TRUE, .nack_pli = TRUE },
  };
  SsProducer *producer = ss_router_add_producer (
      f->router, "room-a", &video, &republisher_endpoint, 1000 * MS);
  g_assert_true (f->video_consumer->target == producer);
  g_assert_cmpuint (last_pli_ssrc (&republisher), ==, 0xA3A3A3A3);

  guint8 packet[128];
  gsize len = make_vp8_picture (packet, 0xA3A3A3A3, 42, 777, 5, TRUE);
  route_rtp (f->router, producer, packet, len, 1066 * MS);
  len = make_vp8_picture (packet, 0xA3A3A3A3, 43, 3777, 6, FALSE);
  route_rtp (f->router, producer, packet, len, 1099 * MS);

  g_assert_cmpuint (f->subscriber.rtp->len, ==, 8);
  SsRtpHeader first = recorded_rtp (&f->subscriber, 6);
  g_assert_cmpuint (first.ssrc, ==, 3002);
  g_assert_cmpuint (first.sequence, ==, (guint16) (before.sequence + 1));
  /* 1 s after the last frame sent before the publisher left. */
  g_assert_cmpuint (first.timestamp - before.timestamp, ==, 90000);
  g_assert_cmpuint (recorded_rtp (&f->subscriber, 7).sequence, ==,
                    (guint16) (before.sequence + 2));
  g_assert_cmpuint (sent_picture_id (f, 6), ==, (picture_before + 1) & 0x7FFF);
  g_assert_cmpuint (f->video_consumer->source_switches, ==, 1);
  recorder_clear (&republisher);
}

static void
test_sources_nack_after_switch_not_from_old (Sources *f, gconstpointer data)
{
  start_on_room_a (f);
  SsRtpHeader last_from_a = recorded_rtp (&f->subscriber, 4);

  ss_router_set_consumer_source (f->router, f->video_consumer, "room-b",
                                 80 * MS);
  /* Room B's delta frame before its key frame is in B's retransmission
   * buffer, under the producer sequence number that A's last packet maps
   * to with the offset of the switch. */
  room_send_video (f, 1, 10, FALSE, 100 * MS);
  room_send_video (f, 1, 11, TRUE, 133 * MS);
  room_send_video (f, 1, 12, FALSE, 166 * MS);
  guint sent = f->subscriber.rtp->len;
  SsRtpHeader from_b = recorded_rtp (&f->subscriber, sent - 1);

  /* Lost before the switch: neither room A's packet (a buffer the
   * consumer left) nor room B's unrelated one goes out. */
  guint64 misses = ss_router_get_counters (f->router)->nack_misses;
  ss_router_on_nack (f->router, f->video_consumer, last_from_a.sequence,
                     170 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, sent);
  g_assert_cmpuint (ss_router_get_counters (f->router)->nack_misses, ==,
                    misses + 1);

  /* Lost after the switch: resent from room B's buffer, renumbered. */
  ss_router_on_nack (f->router, f->video_consumer, from_b.sequence, 170 * MS);
  g_assert_cmpuint (f->subscriber.rtp->len, ==, sent + 1);
  SsRtpHeader resent = last_sent (f);
  g_assert_cmpuint (resent.sequence, ==, from_b.sequence);
  g_assert_cmpuint (resent.timestamp, ==, from_b.timestamp);
  g_assert_cmpuint (sent_picture_id (f, sent), ==, sent_picture_id (f, sent - 1));

  /* The retransmission did not move the numbering a later switch
   * continues from. */
  room_send_video (f, 1, 13, FALSE, 199 * MS);
  g_assert_cmpuint (last_sent (f).sequence, ==, (guint16) (from_b.sequence + 1));
}

static void
test_sources_sender_report_follows_source (Sources *f, gconstpointer data)
{
  start_on_room_a (f);
  ss_router_set_consumer_source (f->router, f->video_consumer, "room-b",
                                 80 * MS);
  room_send_video (f, 1, 11, TRUE, 166 * MS);
  SsRtpHeader first_from_b = last_sent (f);

  SsRtcpSenderReport a_sr = { .ssrc = room_specs[0].video_ssrc,
                              .ntp_timestamp = G_GUINT64_CONSTANT (5) << 32,
                              .rtp_timestamp = room_specs[0].video_timestamp_base };
  ss_router_on_sender_report (f->router, f->video[0], &a_sr, 170 * MS);
  g_assert_cmpuint (f->subscriber.rtcp->len, ==, 0);

  /* B's report names the RTP time of its frame 11: the subscriber gets it
   * mapped to the timestamp that frame went out with. */
  SsRtcpSenderReport b_sr = {
    .ssrc = room_specs[1].video_ssrc,
    .ntp_timestamp = G_GUINT64_CONSTANT (9) << 32,
    .rtp_timestamp = room_specs[1].video_timestamp_base + 11 * 3000,
  };
  ss_router_on_sender_report (f->router, f->video[1], &b_sr, 180 * MS);
  g_assert_cmpuint (f->subscriber.rtcp->len, ==, 1);
  SsRtcpPacket packet = recorded_rtcp (&f->subscriber, 0);
  SsRtcpSenderReport sr;
  g_assert_true (ss_rtcp_parse_sr (&packet, &sr));
  g_assert_cmpuint (sr.ssrc, ==, 3002);
  g_assert_cmpuint (sr.ntp_timestamp, ==, b_sr.ntp_timestamp);
  g_assert_cmpuint (sr.rtp_timestamp, ==, first_from_b.timestamp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/router/fanout-rewrites-per-consumer", test_fanout_rewrites_per_consumer);
  ADD ("/router/video-waits-for-keyframe", test_video_waits_for_keyframe);
  ADD ("/router/audio-starts-at-once", test_audio_starts_at_once);
  ADD ("/router/keyframe-requests-throttled", test_keyframe_requests_throttled);
  ADD ("/router/keyframe-before-connected", test_keyframe_before_connected_is_requested_again);
  ADD ("/router/fir-when-publisher-lacks-pli", test_fir_when_publisher_lacks_pli);
  ADD ("/router/sequence-continues-across-wrap", test_sequence_continues_across_wrap);
  ADD ("/router/sender-report-derived", test_sender_report_derived);
  ADD ("/router/receiver-report-to-publisher", test_receiver_report_to_publisher);
  ADD ("/router/producer-removed-under-consumer", test_producer_removed_under_consumer);
  ADD ("/router/upstream-loss-nacked-until-recovered", test_upstream_loss_nacked_until_recovered);
  ADD ("/router/duplicate-not-forwarded-twice", test_duplicate_not_forwarded_twice);
  ADD ("/router/subscriber-nack-answered", test_subscriber_nack_answered);
  ADD ("/router/subscriber-nack-for-expired-packet", test_subscriber_nack_for_expired_packet);
  ADD ("/router/retransmissions-within-budget", test_retransmissions_within_budget);
  ADD ("/router/nacks-measure-loss-for-estimate", test_nacks_measure_loss_for_estimate);
  ADD ("/router/padding-stripped", test_padding_stripped);

#define ADD_SIMULCAST(path, func) \
  g_test_add (path, Simulcast, NULL, simulcast_set_up, func, simulcast_tear_down)

  ADD_SIMULCAST ("/router/simulcast/starts-on-affordable-layer",
                 test_simulcast_starts_on_affordable_layer);
  ADD_SIMULCAST ("/router/simulcast/switch-is-seamless", test_simulcast_switch_is_seamless);
  ADD_SIMULCAST ("/router/simulcast/sender-report-follows-layer",
                 test_simulcast_sender_report_follows_layer);

#define ADD_SOURCES(path, func) \
  g_test_add (path, Sources, NULL, sources_set_up, func, sources_tear_down)

  ADD_SOURCES ("/router/sources/idle-slot-sends-nothing",
               test_sources_idle_slot_sends_nothing);
  ADD_SOURCES ("/router/sources/bind-before-publish",
               test_sources_bind_before_publish);
  ADD_SOURCES ("/router/sources/video-switch-continuous",
               test_sources_video_switch_continuous);
  ADD_SOURCES ("/router/sources/audio-switch-continuous",
               test_sources_audio_switch_continuous);
  ADD_SOURCES ("/router/sources/rebind-same-source-unchanged",
               test_sources_rebind_same_source_unchanged);
  ADD_SOURCES ("/router/sources/republished-source-resumes",
               test_sources_republished_source_resumes);
  ADD_SOURCES ("/router/sources/nack-after-switch-not-from-old",
               test_sources_nack_after_switch_not_from_old);
  ADD_SOURCES ("/router/sources/sender-report-follows-source",
               test_sources_sender_report_follows_source);

  return g_test_run ();
}
