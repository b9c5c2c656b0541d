/* Offer parsing and answer writing, on offers shaped like the ones
 * GStreamer's webrtcbin and Chromium send. */
#include "sdp/sdp-answer.h"
#include "sdp/sdp-offer.h"

#include <gst/sdp/sdp.h>
#include <string.h>

/* A publisher's offer as webrtcbin writes it: send-only VP8 and Opus,
 * bundled, session-less ICE attributes on each m-line. */
static const char *lead_offer =
    "v=0\r\n"
    "o=- 1234567890 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=ice-options:trickle\r\n"
    "a=group:BUNDLE video0 audio1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:Xy7Q\r\n"
    "a=ice-pwd:KxwM0q4bN9a1c2d3e4f5g6h7\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendonly\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=ssrc:2222 msid:user1/video0 lead\r\n"
    "a=ssrc:2222 cname:user1@host\r\n"
    "a=mid:video0\r\n"
    "a=fingerprint:sha-256 "
    "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99\r\n"
    "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=bundle-only\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:Xy7Q\r\n"
    "a=ice-pwd:KxwM0q4bN9a1c2d3e4f5g6h7\r\n"
    "a=rtcp-mux\r\n"
    "a=sendonly\r\n"
    "a=rtpmap:111 OPUS/48000/2\r\n"
    "a=fmtp:111 useinbandfec=1\r\n"
    "a=ssrc:3333 cname:user1@host\r\n"
    "a=mid:audio1\r\n"
    "a=fingerprint:sha-256 "
    "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99\r\n";

/* A receive-only offer as Chromium writes it: several video codecs with
 * VP8 not first, an FID group for RTX, session-level fingerprint. */
static const char *browser_offer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=fingerprint:sha-256 "
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:0123456789abcdefghijklmn\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102 103 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:0123456789abcdefghijklmn\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n";

static char *
replace (const char *text, const char *from, const char *to)
{
  g_auto (GStrv) parts = g_strsplit (text, from, -1);
  return g_strjoinv (to, parts);
}

static void
test_offer_lead (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (lead_offer, &error);

  g_assert_no_error (error);
  g_assert_nonnull (offer);
  g_assert_cmpstr (offer->ice_ufrag, ==, "Xy7Q");
  g_assert_cmpstr (offer->ice_pwd, ==, "KxwM0q4bN9a1c2d3e4f5g6h7");
  g_assert_true (g_str_has_prefix (offer->fingerprint, "AA:BB:CC"));
  g_assert_cmpuint (offer->media->len, ==, 2);

  const SsSdpMedia *video = ss_sdp_offer_find_media (offer, SS_MEDIA_VIDEO);
  g_assert_nonnull (video);
  g_assert_cmpuint (video->payload_type, ==, 96);
  g_assert_cmpuint (video->clock_rate, ==, 90000);
  g_assert_cmpuint (video->ssrc, ==, 2222);
  g_assert_cmpint (video->direction, ==, SS_DIRECTION_SENDONLY);
  g_assert_true (video->feedback.nack_pli);
  g_assert_true (video->feedback.ccm_fir);
  g_assert_cmpstr (video->cname, ==, "user1@host");

  /* bundle-only with port 0 is still accepted (RFC 8843 section 6). */
  const SsSdpMedia *audio = ss_sdp_offer_find_media (offer, SS_MEDIA_AUDIO);
  g_assert_nonnull (audio);
  g_assert_cmpuint (audio->payload_type, ==, 111);
  g_assert_cmpuint (audio->channels, ==, 2);
  g_assert_cmpstr (audio->fmtp, ==, "useinbandfec=1");
  g_assert_cmpuint (audio->ssrc, ==, 3333);
}

static void
test_offer_browser_picks_vp8 (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (browser_offer, &error);

  g_assert_no_error (error);
  const SsSdpMedia *video = ss_sdp_offer_find_media (offer, SS_MEDIA_VIDEO);
  g_assert_nonnull (video);
  g_assert_cmpuint (video->payload_type, ==, 96);
  g_assert_true (video->feedback.nack);
  g_assert_true (video->feedback.nack_pli);
  g_assert_false (video->feedback.ccm_fir);
  g_assert_cmpint (video->direction, ==, SS_DIRECTION_RECVONLY);
  g_assert_cmpuint (video->ssrc, ==, 0);
  /* 97 is the RTX of 96; 103 belongs to H264 and is not taken. */
  g_assert_cmpuint (video->rtx_payload_type, ==, 97);

  const SsSdpMedia *audio = ss_sdp_offer_find_media (offer, SS_MEDIA_AUDIO);
  g_assert_cmpuint (audio->payload_type, ==, 111);
  g_assert_cmpstr (audio->fmtp, ==, "minptime=10;useinbandfec=1");
  /* Session-level fingerprint, upper-cased. */
  g_assert_true (g_str_has_prefix (offer->fingerprint, "01:23:45"));
}

typedef struct {
  const char *from;
  const char *to;
  const char *expected_message;
} OfferDefect;

static void
test_offer_defects_rejected (void)
{
  const OfferDefect defects[] = {
    { "a=ice-ufrag:Xy7Q\r\n", "", "ice-ufrag" },
    { "a=fingerprint:sha-256", "a=fingerprint:sha-1", "SHA-256" },
    { "a=rtcp-mux\r\n", "", "rtcp-mux" },
    { "a=group:BUNDLE video0 audio1\r\n", "", "BUNDLE" },
    { "a=setup:actpass", "a=setup:passive", "DTLS server" },
    { "VP8/90000", "H264/90000", NULL },
    { "KxwM0q4bN9a1c2d3e4f5g6h7", "short", "length" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (defects); i++)
    {
      g_autofree char *text =
          replace (lead_offer, defects[i].from, defects[i].to);
      g_autoptr (GError) error = NULL;
      g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (text, &error);

      if (defects[i].expected_message == NULL)
        {
          /* Only the video m-line is lost: the audio still carries it. */
          g_assert_no_error (error);
          g_assert_null (ss_sdp_offer_find_media (offer, SS_MEDIA_VIDEO));
          continue;
        }
      g_assert_null (offer);
      g_assert_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED);
      if (strstr (error->message, defects[i].expected_message) == NULL)
        g_error ("defect %u: message '%s' does not mention '%s'", i,
                 error->message, defects[i].expected_message);
    }
}

static void
test_offer_garbage_rejected (void)
{
  const char *inputs[] = { "", "hello", "v=0\r\n", "m=video\r\n",
                           "v=0\r\nm=audio 9 RTP/AVP\r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (inputs[i], &error);
      g_assert_null (offer);
      g_assert_nonnull (error);
    }
}

static const char *const relay_addresses[] = { "127.0.0.1", "10.1.2.3", NULL };

static const SsSdpAnswerTransport relay_transport = {
  .ice_ufrag = "rlyufrag",
  .ice_pwd = "relaypasswordrelaypassword123456",
  .fingerprint = "12:34",
  .addresses = relay_addresses,
  .port = 40000,
};

static GstSDPMessage *
parse_answer (const char *text)
{
  GstSDPMessage *msg = NULL;
  g_assert_cmpint (gst_sdp_message_new_from_text (text, &msg), ==, GST_SDP_OK);
  return msg;
}

static void
test_answer_publisher (void)
{
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (lead_offer, NULL);
  g_autofree char *text =
      ss_sdp_answer_build (offer, &relay_transport, NULL, 0, TRUE);
  GstSDPMessage *msg = parse_answer (text);

  g_assert_nonnull (gst_sdp_message_get_attribute_val (msg, "ice-lite"));
  g_assert_cmpstr (gst_sdp_message_get_attribute_val (msg, "group"), ==,
                   "BUNDLE video0 audio1");
  g_assert_cmpuint (gst_sdp_message_medias_len (msg), ==, 2);

  const GstSDPMedia *video = gst_sdp_message_get_media (msg, 0);
  g_assert_cmpstr (gst_sdp_media_get_media (video), ==, "video");
  g_assert_cmpuint (gst_sdp_media_get_port (video), ==, 40000);
  g_assert_cmpstr (gst_sdp_media_get_format (video, 0), ==, "96");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (video, "setup"), ==, "passive");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (video, "mid"), ==, "video0");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (video, "fingerprint"), ==,
                   "sha-256 12:34");
  g_assert_nonnull (gst_sdp_media_get_attribute_val (video, "recvonly"));
  g_assert_nonnull (gst_sdp_media_get_attribute_val (video, "rtcp-mux"));
  g_assert_nonnull (gst_sdp_media_get_attribute_val (video, "end-of-candidates"));
  g_assert_null (gst_sdp_media_get_attribute_val (video, "ssrc"));
  g_assert_cmpstr (gst_sdp_media_get_attribute_val_n (video, "candidate", 0), ==,
                   "1 1 udp 2130706431 127.0.0.1 40000 typ host");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val_n (video, "candidate", 1), ==,
                   "2 1 udp 2130706175 10.1.2.3 40000 typ host");

  /* Only the feedback the relay acts on is accepted. */
  g_assert_cmpstr (gst_sdp_media_get_attribute_val_n (video, "rtcp-fb", 0), ==,
                   "96 nack");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val_n (video, "rtcp-fb", 1), ==,
                   "96 nack pli");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val_n (video, "rtcp-fb", 2), ==,
                   "96 ccm fir");
  g_assert_null (gst_sdp_media_get_attribute_val_n (video, "rtcp-fb", 3));
  /* The lead offered no RTX, so none is answered. */
  g_assert_cmpuint (gst_sdp_media_formats_len (video), ==, 1);

  const GstSDPMedia *audio = gst_sdp_message_get_media (msg, 1);
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (audio, "rtpmap"), ==,
                   "111 OPUS/48000/2");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (audio, "fmtp"), ==,
                   "111 useinbandfec=1");
  gst_sdp_message_free (msg);
}

static void
test_answer_subscriber (void)
{
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (browser_offer, NULL);
  /* m-line 0 (audio) gets no stream: nothing published for it. */
  SsSdpSendStream streams[2] = {
    { .ssrc = 0 },
    { .ssrc = 987654, .cname = "relay", .msid_stream = "math-1",
      .msid_track = "video" },
  };
  g_autofree char *text =
      ss_sdp_answer_build (offer, &relay_transport, streams, 2, FALSE);
  GstSDPMessage *msg = parse_answer (text);

  const GstSDPMedia *audio = gst_sdp_message_get_media (msg, 0);
  g_assert_nonnull (gst_sdp_media_get_attribute_val (audio, "inactive"));

  const GstSDPMedia *video = gst_sdp_message_get_media (msg, 1);
  g_assert_cmpstr (gst_sdp_media_get_format (video, 0), ==, "96");
  g_assert_cmpuint (gst_sdp_media_formats_len (video), ==, 1);
  g_assert_nonnull (gst_sdp_media_get_attribute_val (video, "sendonly"));
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (video, "ssrc"), ==,
                   "987654 cname:relay");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (video, "msid"), ==,
                   "math-1 video");
  gst_sdp_message_free (msg);
}

static void
test_rtx_from_publisher (void)
{
  g_autofree char *with_rtx = replace (
      lead_offer, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:97 rtx/90000\r\n"
      "a=fmtp:97 apt=96\r\na=ssrc-group:FID 2222 4444\r\n"
      "a=ssrc:4444 cname:user1@host\r\n");
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (with_rtx, NULL);
  const SsSdpMedia *video = ss_sdp_offer_find_media (offer, SS_MEDIA_VIDEO);

  g_assert_cmpuint (video->rtx_payload_type, ==, 97);
  g_assert_cmpuint (video->ssrc, ==, 2222);
  g_assert_cmpuint (video->rtx_ssrc, ==, 4444);

  g_autofree char *text =
      ss_sdp_answer_build (offer, &relay_transport, NULL, 0, TRUE);
  GstSDPMessage *msg = parse_answer (text);
  const GstSDPMedia *m = gst_sdp_message_get_media (msg, 0);
  g_assert_cmpuint (gst_sdp_media_formats_len (m), ==, 2);
  g_assert_cmpstr (gst_sdp_media_get_format (m, 1), ==, "97");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val_n (m, "rtpmap", 1), ==,
                   "97 rtx/90000");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (m, "fmtp"), ==,
                   "97 apt=96");
  gst_sdp_message_free (msg);
}

static void
test_answer_rejected_mline (void)
{
  g_autofree char *text = replace (lead_offer, "VP8/90000", "H264/90000");
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (text, NULL);
  g_autofree char *answer =
      ss_sdp_answer_build (offer, &relay_transport, NULL, 0, TRUE);
  GstSDPMessage *msg = parse_answer (answer);

  g_assert_cmpstr (gst_sdp_message_get_attribute_val (msg, "group"), ==,
                   "BUNDLE audio1");
  const GstSDPMedia *video = gst_sdp_message_get_media (msg, 0);
  g_assert_cmpuint (gst_sdp_media_get_port (video), ==, 0);
  gst_sdp_message_free (msg);
}

/* ---- offers captured from Chromium 156 ---- */

/* Real offers from a teacher's page in headless Chromium 156 with a fake
 * camera and microphone, kept in the SDP fuzz corpus. The publish offer has
 * one send-only audio and one send-only video transceiver. The subscribe
 * offer has receive-only audio, video, audio, video transceivers. */
static char *
read_fixture (const char *name)
{
  g_autofree char *path = g_build_filename (SDP_FIXTURE_DIR, name, NULL);
  g_autoptr (GError) error = NULL;
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("cannot read fixture %s: %s", path, error->message);
  return text;
}

static SsSdpOffer *
parse_fixture (const char *name)
{
  g_autofree char *text = read_fixture (name);
  g_autoptr (GError) error = NULL;
  SsSdpOffer *offer = ss_sdp_offer_parse (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (offer);
  return offer;
}

static const SsSdpMedia *
offer_media (const SsSdpOffer *offer, guint index)
{
  g_assert_cmpuint (index, <, offer->media->len);
  return g_ptr_array_index (offer->media, index);
}

/* The answer carries nothing the relay does not do: no header extensions
 * (it drops them when forwarding), no transport-wide congestion control or
 * REMB feedback, no RED, FEC or other codecs. */
static void
assert_only_supported (const GstSDPMedia *m, guint8 payload_type,
                       guint8 rtx_payload_type)
{
  g_assert_null (gst_sdp_media_get_attribute_val (m, "extmap"));
  g_assert_null (gst_sdp_media_get_attribute_val (m, "rtcp-xr"));
  for (guint i = 0; i < gst_sdp_media_formats_len (m); i++)
    {
      guint64 format = g_ascii_strtoull (gst_sdp_media_get_format (m, i), NULL, 10);
      g_assert_true (format == payload_type ||
                     (rtx_payload_type != 0 && format == rtx_payload_type));
    }
  for (guint i = 0; gst_sdp_media_get_attribute_val_n (m, "rtcp-fb", i) != NULL; i++)
    {
      const char *fb = gst_sdp_media_get_attribute_val_n (m, "rtcp-fb", i);
      g_assert_null (strstr (fb, "transport-cc"));
      g_assert_null (strstr (fb, "goog-remb"));
    }
}

static void
test_chromium_publish_offer (void)
{
  g_autoptr (SsSdpOffer) offer = parse_fixture ("chromium-publish-offer.sdp");

  g_assert_cmpstr (offer->ice_ufrag, ==, "KIo1");
  g_assert_cmpstr (offer->setup, ==, "actpass");
  g_assert_true (g_str_has_prefix (offer->fingerprint, "83:DB:CB:3F"));
  g_assert_cmpuint (offer->media->len, ==, 2);

  const SsSdpMedia *audio = offer_media (offer, 0);
  g_assert_true (audio->accepted);
  g_assert_cmpint (audio->kind, ==, SS_MEDIA_AUDIO);
  g_assert_cmpint (audio->direction, ==, SS_DIRECTION_SENDONLY);
  g_assert_cmpstr (audio->mid, ==, "0");
  g_assert_cmpuint (audio->payload_type, ==, 111);
  g_assert_cmpstr (audio->encoding_name, ==, "opus");
  g_assert_cmpuint (audio->clock_rate, ==, 48000);
  g_assert_cmpuint (audio->channels, ==, 2);
  g_assert_cmpstr (audio->fmtp, ==, "minptime=10;useinbandfec=1");
  g_assert_cmpuint (audio->rtx_payload_type, ==, 0);
  g_assert_cmpuint (audio->ssrc, ==, 2224218594u);
  g_assert_cmpstr (audio->cname, ==, "qKCQa30/aF7wJSNs");

  /* VP8 is Chromium's first video codec, with RTX in an FID group. */
  const SsSdpMedia *video = offer_media (offer, 1);
  g_assert_true (video->accepted);
  g_assert_cmpint (video->kind, ==, SS_MEDIA_VIDEO);
  g_assert_cmpint (video->direction, ==, SS_DIRECTION_SENDONLY);
  g_assert_cmpuint (video->payload_type, ==, 96);
  g_assert_cmpstr (video->encoding_name, ==, "VP8");
  g_assert_cmpuint (video->rtx_payload_type, ==, 97);
  g_assert_cmpuint (video->ssrc, ==, 3145544553u);
  g_assert_cmpuint (video->rtx_ssrc, ==, 1169658032u);
  g_assert_true (video->feedback.nack);
  g_assert_true (video->feedback.nack_pli);
  g_assert_true (video->feedback.ccm_fir);

  g_autofree char *text =
      ss_sdp_answer_build (offer, &relay_transport, NULL, 0, TRUE);
  GstSDPMessage *msg = parse_answer (text);
  g_assert_cmpstr (gst_sdp_message_get_attribute_val (msg, "group"), ==,
                   "BUNDLE 0 1");
  g_assert_cmpuint (gst_sdp_message_medias_len (msg), ==, 2);

  const GstSDPMedia *m_audio = gst_sdp_message_get_media (msg, 0);
  g_assert_cmpstr (gst_sdp_media_get_media (m_audio), ==, "audio");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (m_audio, "mid"), ==, "0");
  g_assert_nonnull (gst_sdp_media_get_attribute_val (m_audio, "recvonly"));
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (m_audio, "rtpmap"), ==,
                   "111 opus/48000/2");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (m_audio, "fmtp"), ==,
                   "111 minptime=10;useinbandfec=1");
  assert_only_supported (m_audio, 111, 0);

  const GstSDPMedia *m_video = gst_sdp_message_get_media (msg, 1);
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (m_video, "mid"), ==, "1");
  g_assert_cmpuint (gst_sdp_media_formats_len (m_video), ==, 2);
  g_assert_cmpstr (gst_sdp_media_get_format (m_video, 0), ==, "96");
  g_assert_cmpstr (gst_sdp_media_get_format (m_video, 1), ==, "97");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val_n (m_video, "rtpmap", 0), ==,
                   "96 VP8/90000");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val_n (m_video, "rtpmap", 1), ==,
                   "97 rtx/90000");
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (m_video, "fmtp"), ==,
                   "97 apt=96");
  assert_only_supported (m_video, 96, 97);
  g_assert_null (gst_sdp_media_get_attribute_val (m_video, "ssrc"));
  gst_sdp_message_free (msg);
}

static void
test_chromium_subscribe_offer (void)
{
  g_autoptr (SsSdpOffer) offer = parse_fixture ("chromium-subscribe-offer.sdp");

  g_assert_cmpuint (offer->media->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      const SsSdpMedia *media = offer_media (offer, i);
      g_autofree char *mid = g_strdup_printf ("%u", i);
      g_assert_true (media->accepted);
      g_assert_cmpstr (media->mid, ==, mid);
      g_assert_cmpint (media->direction, ==, SS_DIRECTION_RECVONLY);
      /* A receive-only transceiver announces no SSRC of its own. */
      g_assert_cmpuint (media->ssrc, ==, 0);
      if (i % 2 == 0)
        {
          g_assert_cmpint (media->kind, ==, SS_MEDIA_AUDIO);
          g_assert_cmpuint (media->payload_type, ==, 111);
        }
      else
        {
          g_assert_cmpint (media->kind, ==, SS_MEDIA_VIDEO);
          g_assert_cmpuint (media->payload_type, ==, 96);
          g_assert_cmpuint (media->rtx_payload_type, ==, 97);
          g_assert_true (media->feedback.nack);
          g_assert_true (media->feedback.nack_pli);
        }
    }

  SsSdpSendStream streams[4];
  for (guint i = 0; i < 4; i++)
    streams[i] = (SsSdpSendStream){
      .ssrc = 5000 + i,
      .cname = i < 2 ? "relay-slot0" : "relay-slot1",
      .msid_stream = i < 2 ? "physics-4-slot0" : "physics-4-slot1",
      .msid_track = i % 2 == 0 ? "audio" : "video",
    };
  g_autofree char *text =
      ss_sdp_answer_build (offer, &relay_transport, streams, 4, FALSE);
  GstSDPMessage *msg = parse_answer (text);
  g_assert_cmpstr (gst_sdp_message_get_attribute_val (msg, "group"), ==,
                   "BUNDLE 0 1 2 3");
  g_assert_cmpuint (gst_sdp_message_medias_len (msg), ==, 4);

  for (guint i = 0; i < 4; i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (msg, i);
      guint8 payload_type = i % 2 == 0 ? 111 : 96;
      g_autofree char *format = g_strdup_printf ("%u", payload_type);
      g_autofree char *ssrc = g_strdup_printf ("%u cname:%s", 5000 + i,
                                               streams[i].cname);
      g_autofree char *msid = g_strdup_printf ("%s %s", streams[i].msid_stream,
                                               streams[i].msid_track);

      g_assert_nonnull (gst_sdp_media_get_attribute_val (m, "sendonly"));
      /* Retransmissions go on the original SSRC, so no RTX is answered. */
      g_assert_cmpuint (gst_sdp_media_formats_len (m), ==, 1);
      g_assert_cmpstr (gst_sdp_media_get_format (m, 0), ==, format);
      g_assert_cmpstr (gst_sdp_media_get_attribute_val (m, "ssrc"), ==, ssrc);
      g_assert_cmpstr (gst_sdp_media_get_attribute_val (m, "msid"), ==, msid);
      assert_only_supported (m, payload_type, 0);
    }

  /* The answer text is SDP a WebRTC stack reads back the same: per m-line
   * transport attributes identical, candidates and end-of-candidates. */
  for (guint i = 0; i < 4; i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (msg, i);
      g_assert_cmpstr (gst_sdp_media_get_attribute_val (m, "ice-ufrag"), ==,
                       relay_transport.ice_ufrag);
      g_assert_cmpstr (gst_sdp_media_get_attribute_val (m, "setup"), ==,
                       "passive");
      g_assert_nonnull (gst_sdp_media_get_attribute_val (m, "rtcp-mux"));
      g_assert_nonnull (gst_sdp_media_get_attribute_val (m, "end-of-candidates"));
    }
  gst_sdp_message_free (msg);
}

static void
test_chromium_unsupported_codecs_rejected (void)
{
  g_autofree char *original = read_fixture ("chromium-publish-offer.sdp");

  /* VP8 taken out: the video m-line offers only H264, VP9 and AV1, so the
   * answer rejects it with port 0 and leaves it out of BUNDLE, and the
   * audio still goes through. */
  g_autofree char *no_vp8 = replace (original, "a=rtpmap:96 VP8/90000",
                                     "a=rtpmap:96 VP7/90000");
  g_autoptr (GError) error = NULL;
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (no_vp8, &error);
  g_assert_no_error (error);
  g_assert_false (offer_media (offer, 1)->accepted);
  g_autofree char *text =
      ss_sdp_answer_build (offer, &relay_transport, NULL, 0, TRUE);
  GstSDPMessage *msg = parse_answer (text);
  g_assert_cmpstr (gst_sdp_message_get_attribute_val (msg, "group"), ==,
                   "BUNDLE 0");
  const GstSDPMedia *video = gst_sdp_message_get_media (msg, 1);
  g_assert_cmpuint (gst_sdp_media_get_port (video), ==, 0);
  g_assert_cmpstr (gst_sdp_media_get_attribute_val (video, "mid"), ==, "1");
  gst_sdp_message_free (msg);

  /* Neither Opus nor VP8: nothing the relay could forward. */
  g_autofree char *no_opus = replace (no_vp8, "a=rtpmap:111 opus/48000/2",
                                      "a=rtpmap:111 speex/48000/2");
  g_autoptr (GError) nothing_error = NULL;
  g_autoptr (SsSdpOffer) nothing = ss_sdp_offer_parse (no_opus, &nothing_error);
  g_assert_null (nothing);
  g_assert_error (nothing_error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (nothing_error->message, "VP8 or Opus"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sdp/offer/lead", test_offer_lead);
  g_test_add_func ("/sdp/offer/browser-picks-vp8", test_offer_browser_picks_vp8);
  g_test_add_func ("/sdp/offer/defects-rejected", test_offer_defects_rejected);
  g_test_add_func ("/sdp/offer/garbage-rejected", test_offer_garbage_rejected);
  g_test_add_func ("/sdp/answer/publisher", test_answer_publisher);
  g_test_add_func ("/sdp/answer/subscriber", test_answer_subscriber);
  g_test_add_func ("/sdp/answer/rejected-mline", test_answer_rejected_mline);
  g_test_add_func ("/sdp/answer/rtx-from-publisher", test_rtx_from_publisher);
  g_test_add_func ("/sdp/chromium/publish-offer", test_chromium_publish_offer);
  g_test_add_func ("/sdp/chromium/subscribe-offer", test_chromium_subscribe_offer);
  g_test_add_func ("/sdp/chromium/unsupported-codecs-rejected",
                   test_chromium_unsupported_codecs_rejected);

  return g_test_run ();
}
