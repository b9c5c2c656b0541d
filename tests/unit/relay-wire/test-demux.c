/* Unit tests of first-byte demultiplexing (RFC 7983) and the RTP/RTCP
 * split (RFC 5761). */
#include "wire/demux.h"

static SsPacketKind
classify_two (guint8 first, guint8 second)
{
  const guint8 packet[2] = { first, second };
  return ss_demux_classify (packet, sizeof packet);
}

static void
test_edges (void)
{
  const struct
  {
    guint8 first;
    SsPacketKind kind;
  } cases[] = {
    { 0, SS_PACKET_STUN },
    { 1, SS_PACKET_STUN },
    { 3, SS_PACKET_STUN },
    { 4, SS_PACKET_UNKNOWN },
    { 16, SS_PACKET_UNKNOWN },  /* ZRTP */
    { 19, SS_PACKET_UNKNOWN },
    { 20, SS_PACKET_DTLS },
    { 22, SS_PACKET_DTLS },     /* DTLS handshake record */
    { 63, SS_PACKET_DTLS },
    { 64, SS_PACKET_UNKNOWN },  /* TURN channel */
    { 79, SS_PACKET_UNKNOWN },
    { 127, SS_PACKET_UNKNOWN },
    { 128, SS_PACKET_RTP },
    { 191, SS_PACKET_RTP },
    { 192, SS_PACKET_UNKNOWN },
    { 255, SS_PACKET_UNKNOWN },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("first byte %u", cases[i].first);
      g_assert_cmpint (classify_two (cases[i].first, 96), ==, cases[i].kind);
    }
}

static void
test_every_first_byte (void)
{
  for (guint first = 0; first < 256; first++)
    {
      SsPacketKind expected = SS_PACKET_UNKNOWN;
      if (first <= 3)
        expected = SS_PACKET_STUN;
      else if (first >= 20 && first <= 63)
        expected = SS_PACKET_DTLS;
      else if (first >= 128 && first <= 191)
        expected = SS_PACKET_RTP;

      g_test_message ("first byte %u", first);
      g_assert_cmpint (classify_two ((guint8) first, 0x60), ==, expected);
    }
}

static void
test_rtp_rtcp_split (void)
{
  /* RTCP SR (200), RR (201), RTPFB (205), PSFB (206), XR (207). */
  g_assert_cmpint (classify_two (0x80, 200), ==, SS_PACKET_RTCP);
  g_assert_cmpint (classify_two (0x81, 201), ==, SS_PACKET_RTCP);
  g_assert_cmpint (classify_two (0x81, 205), ==, SS_PACKET_RTCP);
  g_assert_cmpint (classify_two (0x8F, 206), ==, SS_PACKET_RTCP);
  g_assert_cmpint (classify_two (0x80, 207), ==, SS_PACKET_RTCP);

  /* RTP payload type 96 (VP8) and 111 (Opus), with and without marker. */
  g_assert_cmpint (classify_two (0x80, 96), ==, SS_PACKET_RTP);
  g_assert_cmpint (classify_two (0x80, 0x80 | 96), ==, SS_PACKET_RTP);
  g_assert_cmpint (classify_two (0x90, 111), ==, SS_PACKET_RTP);
  g_assert_cmpint (classify_two (0x80, 0x80 | 111), ==, SS_PACKET_RTP);

  /* PT 72 with the marker is byte 200, the same as RTCP SR, and RFC 5761
   * section 4 resolves it as RTCP. Without the marker it is RTP. */
  g_assert_cmpint (classify_two (0x80, 0x80 | 72), ==, SS_PACKET_RTCP);
  g_assert_cmpint (classify_two (0x80, 72), ==, SS_PACKET_RTP);

  /* The RTCP range edges. */
  g_assert_cmpint (classify_two (0x80, 191), ==, SS_PACKET_RTP);
  g_assert_cmpint (classify_two (0x80, 192), ==, SS_PACKET_RTCP);
  g_assert_cmpint (classify_two (0x80, 223), ==, SS_PACKET_RTCP);
  g_assert_cmpint (classify_two (0x80, 224), ==, SS_PACKET_RTP);
}

static void
test_short_input (void)
{
  const guint8 rtp_first_byte[1] = { 0x80 };
  const guint8 stun_first_byte[1] = { 0x00 };
  const guint8 dtls_first_byte[1] = { 22 };

  g_assert_cmpint (ss_demux_classify (NULL, 0), ==, SS_PACKET_UNKNOWN);
  g_assert_cmpint (ss_demux_classify (rtp_first_byte, 0), ==, SS_PACKET_UNKNOWN);
  g_assert_cmpint (ss_demux_classify (rtp_first_byte, 1), ==, SS_PACKET_UNKNOWN);
  g_assert_cmpint (ss_demux_classify (stun_first_byte, 1), ==, SS_PACKET_STUN);
  g_assert_cmpint (ss_demux_classify (dtls_first_byte, 1), ==, SS_PACKET_DTLS);
}

static void
test_kind_names (void)
{
  g_assert_cmpstr (ss_packet_kind_to_string (SS_PACKET_STUN), ==, "STUN");
  g_assert_cmpstr (ss_packet_kind_to_string (SS_PACKET_RTCP), ==, "RTCP");
  g_assert_cmpstr (ss_packet_kind_to_string (SS_PACKET_UNKNOWN), ==, "unknown");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/wire/demux/edges", test_edges);
  g_test_add_func ("/relay/wire/demux/every-first-byte", test_every_first_byte);
  g_test_add_func ("/relay/wire/demux/rtp-rtcp-split", test_rtp_rtcp_split);
  g_test_add_func ("/relay/wire/demux/short-input", test_short_input);
  g_test_add_func ("/relay/wire/demux/kind-names", test_kind_names);

  return g_test_run ();
}
