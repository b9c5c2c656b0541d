/* Unit tests of the RTCP compound walk, report and feedback parsers, and
 * the writers, each checked by parsing its output back. */
#include <string.h>

#include "wire/ntp.h"
#include "wire/rtcp.h"

#define SENDER_SSRC 0x5EED0001u
#define MEDIA_SSRC 0x0BADCAFEu

/* An SDES packet with one chunk: SSRC, CNAME "relay-1", end, padding to a
 * word boundary. */
static const guint8 sdes_packet[20] = {
  0x81, 202, 0x00, 0x04,
  0x5E, 0xED, 0x00, 0x01,
  0x01, 0x07, 'r', 'e', 'l', 'a', 'y', '-', '1', 0x00, 0x00, 0x00,
};

static SsRtcpReportBlock
make_block (guint32 ssrc, gint32 cumulative_lost)
{
  return (SsRtcpReportBlock) {
    .ssrc = ssrc,
    .fraction_lost = 25,
    .cumulative_lost = cumulative_lost,
    .highest_sequence = 0x0001FFF0,
    .jitter = 370,
    .lsr = 0x12345678,
    .dlsr = 0x00010000,
  };
}

static void
assert_blocks_equal (const SsRtcpReportBlock *a, const SsRtcpReportBlock *b)
{
  g_assert_cmpuint (a->ssrc, ==, b->ssrc);
  g_assert_cmpuint (a->fraction_lost, ==, b->fraction_lost);
  g_assert_cmpint (a->cumulative_lost, ==, b->cumulative_lost);
  g_assert_cmpuint (a->highest_sequence, ==, b->highest_sequence);
  g_assert_cmpuint (a->jitter, ==, b->jitter);
  g_assert_cmpuint (a->lsr, ==, b->lsr);
  g_assert_cmpuint (a->dlsr, ==, b->dlsr);
}

/* Parse buf as a compound packet holding exactly one packet. */
static SsRtcpPacket
single_packet (const guint8 *buf, gsize len)
{
  SsRtcpIter iter;
  SsRtcpPacket packet = { 0 };

  ss_rtcp_iter_init (&iter, buf, len);
  g_assert_true (ss_rtcp_iter_next (&iter, &packet));
  g_assert_cmpuint (packet.len, ==, len);
  g_assert_false (ss_rtcp_iter_next (&iter, &(SsRtcpPacket) { 0 }));
  g_assert_false (iter.malformed);
  return packet;
}

static void
test_compound_sr_sdes_pli (void)
{
  guint8 buf[256];
  SsRtcpSenderReport sr = {
    .ssrc = SENDER_SSRC,
    .ntp_timestamp = G_GUINT64_CONSTANT (0xE8F0A1B2C3D4E5F6),
    .rtp_timestamp = 90000,
    .packet_count = 1000,
    .octet_count = 1200000,
    .n_blocks = 1,
    .blocks = { make_block (MEDIA_SSRC, 3) },
  };
  gsize len = ss_rtcp_write_sr (buf, sizeof buf, &sr);
  g_assert_cmpuint (len, ==, 52);

  memcpy (buf + len, sdes_packet, sizeof sdes_packet);
  len += sizeof sdes_packet;
  gsize pli_len = ss_rtcp_write_pli (buf + len, sizeof buf - len, SENDER_SSRC, MEDIA_SSRC);
  g_assert_cmpuint (pli_len, ==, 12);
  len += pli_len;

  SsRtcpIter iter;
  SsRtcpPacket packet;
  ss_rtcp_iter_init (&iter, buf, len);

  g_assert_true (ss_rtcp_iter_next (&iter, &packet));
  g_assert_cmpuint (packet.packet_type, ==, SS_RTCP_TYPE_SR);
  g_assert_cmpuint (packet.count, ==, 1);
  g_assert_cmpuint (packet.len, ==, 52);
  g_assert_true (packet.data == buf);

  SsRtcpSenderReport parsed;
  g_assert_true (ss_rtcp_parse_sr (&packet, &parsed));
  g_assert_cmpuint (parsed.ssrc, ==, SENDER_SSRC);
  g_assert_cmpuint (parsed.n_blocks, ==, 1);

  g_assert_true (ss_rtcp_iter_next (&iter, &packet));
  g_assert_cmpuint (packet.packet_type, ==, SS_RTCP_TYPE_SDES);
  g_assert_cmpuint (packet.count, ==, 1);
  g_assert_cmpuint (packet.len, ==, sizeof sdes_packet);
  g_assert_true (packet.data == buf + 52);

  g_assert_true (ss_rtcp_iter_next (&iter, &packet));
  g_assert_cmpuint (packet.packet_type, ==, SS_RTCP_TYPE_PSFB);
  g_assert_cmpuint (packet.count, ==, SS_RTCP_PSFB_PLI);
  g_assert_cmpuint (packet.len, ==, 12);

  guint32 sender = 0, media = 0;
  g_assert_true (ss_rtcp_parse_feedback (&packet, &sender, &media));
  g_assert_cmpuint (sender, ==, SENDER_SSRC);
  g_assert_cmpuint (media, ==, MEDIA_SSRC);

  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_false (iter.malformed);
}

static void
test_length_past_end (void)
{
  guint8 buf[64];
  gsize len = ss_rtcp_write_pli (buf, sizeof buf, SENDER_SSRC, MEDIA_SSRC);
  SsRtcpIter iter;
  SsRtcpPacket packet;

  /* Claim 4 words instead of 3 after the header. */
  buf[3] = 3;
  ss_rtcp_iter_init (&iter, buf, len);
  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_true (iter.malformed);

  /* Later calls keep failing instead of resynchronising mid-packet. */
  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_true (iter.malformed);
}

static void
test_second_packet_malformed (void)
{
  guint8 buf[64];
  gsize len = ss_rtcp_write_pli (buf, sizeof buf, SENDER_SSRC, MEDIA_SSRC);
  SsRtcpIter iter;
  SsRtcpPacket packet;

  /* A PLI followed by 3 stray bytes. */
  buf[len] = 0x80;
  buf[len + 1] = 201;
  buf[len + 2] = 0;
  ss_rtcp_iter_init (&iter, buf, len + 3);

  g_assert_true (ss_rtcp_iter_next (&iter, &packet));
  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_true (iter.malformed);
}

static void
test_bad_version_and_empty (void)
{
  guint8 buf[8] = { 0x40, 201, 0x00, 0x01, 0, 0, 0, 1 };
  SsRtcpIter iter;
  SsRtcpPacket packet;

  ss_rtcp_iter_init (&iter, buf, sizeof buf);
  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_true (iter.malformed);

  ss_rtcp_iter_init (&iter, buf, 0);
  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_false (iter.malformed);

  ss_rtcp_iter_init (&iter, NULL, 40);
  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_false (iter.malformed);
}

static void
test_padding (void)
{
  /* An RR without blocks and 4 bytes of padding. */
  guint8 buf[12] = { 0xA0, 201, 0x00, 0x02, 0x5E, 0xED, 0x00, 0x01, 0, 0, 0, 4 };
  SsRtcpIter iter;
  SsRtcpPacket packet;
  SsRtcpReceiverReport rr;

  packet = single_packet (buf, sizeof buf);
  g_assert_cmpuint (packet.padding_len, ==, 4);
  g_assert_true (ss_rtcp_parse_rr (&packet, &rr));
  g_assert_cmpuint (rr.ssrc, ==, SENDER_SSRC);
  g_assert_cmpuint (rr.n_blocks, ==, 0);

  /* The padding count includes itself, so 0 is invalid. */
  buf[11] = 0;
  ss_rtcp_iter_init (&iter, buf, sizeof buf);
  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_true (iter.malformed);

  /* 9 bytes of padding would reach into the header. */
  buf[11] = 9;
  ss_rtcp_iter_init (&iter, buf, sizeof buf);
  g_assert_false (ss_rtcp_iter_next (&iter, &packet));
  g_assert_true (iter.malformed);

  /* 8 bytes of padding leave the RR without its SSRC. */
  buf[11] = 8;
  packet = single_packet (buf, sizeof buf);
  g_assert_false (ss_rtcp_parse_rr (&packet, &rr));
}

static void
test_sr_round_trip (void)
{
  guint8 buf[256];
  SsRtcpSenderReport sr = {
    .ssrc = SENDER_SSRC,
    .ntp_timestamp = ss_ntp_from_unix_us (G_GINT64_CONSTANT (1733350000123456)),
    .rtp_timestamp = 0xFFFFFF00,
    .packet_count = 12345,
    .octet_count = 0xFEDCBA98,
    .n_blocks = 2,
    .blocks = { make_block (1, -5), make_block (2, 0x7FFFFF) },
  };
  SsRtcpSenderReport parsed;

  gsize len = ss_rtcp_write_sr (buf, sizeof buf, &sr);
  g_assert_cmpuint (len, ==, 28 + 2 * 24);
  g_assert_cmpuint (buf[0], ==, 0x82);
  g_assert_cmpuint (buf[3], ==, len / 4 - 1);

  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_true (ss_rtcp_parse_sr (&packet, &parsed));
  g_assert_cmpuint (parsed.ssrc, ==, sr.ssrc);
  g_assert_cmpuint (parsed.ntp_timestamp, ==, sr.ntp_timestamp);
  g_assert_cmpuint (parsed.rtp_timestamp, ==, sr.rtp_timestamp);
  g_assert_cmpuint (parsed.packet_count, ==, sr.packet_count);
  g_assert_cmpuint (parsed.octet_count, ==, sr.octet_count);
  g_assert_cmpuint (parsed.n_blocks, ==, 2);
  assert_blocks_equal (&parsed.blocks[0], &sr.blocks[0]);
  assert_blocks_equal (&parsed.blocks[1], &sr.blocks[1]);

  g_assert_false (ss_rtcp_parse_rr (&packet, &(SsRtcpReceiverReport) { 0 }));
}

static void
test_rr_round_trip (void)
{
  guint8 buf[1024];
  SsRtcpReceiverReport rr = { .ssrc = SENDER_SSRC, .n_blocks = 0 };
  SsRtcpReceiverReport parsed;

  gsize len = ss_rtcp_write_rr (buf, sizeof buf, &rr);
  g_assert_cmpuint (len, ==, 8);
  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_true (ss_rtcp_parse_rr (&packet, &parsed));
  g_assert_cmpuint (parsed.ssrc, ==, SENDER_SSRC);
  g_assert_cmpuint (parsed.n_blocks, ==, 0);

  rr.n_blocks = SS_RTCP_MAX_REPORT_BLOCKS;
  for (guint i = 0; i < rr.n_blocks; i++)
    rr.blocks[i] = make_block (100 + i, (gint32) i * 1000 - 15000);

  len = ss_rtcp_write_rr (buf, sizeof buf, &rr);
  g_assert_cmpuint (len, ==, 8 + 31 * 24);
  packet = single_packet (buf, len);
  g_assert_cmpuint (packet.count, ==, 31);
  g_assert_true (ss_rtcp_parse_rr (&packet, &parsed));
  g_assert_cmpuint (parsed.n_blocks, ==, 31);
  for (guint i = 0; i < rr.n_blocks; i++)
    assert_blocks_equal (&parsed.blocks[i], &rr.blocks[i]);
}

static void
test_cumulative_lost_clamped (void)
{
  guint8 buf[64];
  SsRtcpReceiverReport rr = {
    .ssrc = SENDER_SSRC,
    .n_blocks = 2,
    .blocks = { make_block (1, 0x1000000), make_block (2, -0x1000000) },
  };
  SsRtcpReceiverReport parsed;

  gsize len = ss_rtcp_write_rr (buf, sizeof buf, &rr);
  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_true (ss_rtcp_parse_rr (&packet, &parsed));
  g_assert_cmpint (parsed.blocks[0].cumulative_lost, ==, 0x7FFFFF);
  g_assert_cmpint (parsed.blocks[1].cumulative_lost, ==, -0x800000);
}

static void
test_report_blocks_truncated (void)
{
  guint8 buf[64];
  SsRtcpReceiverReport rr = { .ssrc = 1, .n_blocks = 1, .blocks = { make_block (2, 0) } };
  SsRtcpReceiverReport parsed;

  gsize len = ss_rtcp_write_rr (buf, sizeof buf, &rr);

  /* RC is 2 blocks, but the length only covers one. */
  buf[0] = 0x82;
  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_false (ss_rtcp_parse_rr (&packet, &parsed));

  /* An SR too short for its sender info. */
  guint8 short_sr[8] = { 0x80, 200, 0x00, 0x01, 0, 0, 0, 1 };
  packet = single_packet (short_sr, sizeof short_sr);
  g_assert_false (ss_rtcp_parse_sr (&packet, &(SsRtcpSenderReport) { 0 }));
}

static void
test_writers_need_capacity (void)
{
  guint8 buf[64];
  const guint16 sequences[] = { 1, 50 };
  const guint32 ssrcs[] = { 7, 8 };
  SsRtcpSenderReport sr = { .ssrc = 1 };
  SsRtcpReceiverReport rr = { .ssrc = 1, .n_blocks = 1 };

  g_assert_cmpuint (ss_rtcp_write_sr (buf, 27, &sr), ==, 0);
  g_assert_cmpuint (ss_rtcp_write_sr (buf, 28, &sr), ==, 28);
  g_assert_cmpuint (ss_rtcp_write_rr (buf, 31, &rr), ==, 0);
  g_assert_cmpuint (ss_rtcp_write_rr (buf, 32, &rr), ==, 32);
  g_assert_cmpuint (ss_rtcp_write_pli (buf, 11, 1, 2), ==, 0);
  g_assert_cmpuint (ss_rtcp_write_fir (buf, 19, 1, 2, 3), ==, 0);
  g_assert_cmpuint (ss_rtcp_write_fir (buf, 20, 1, 2, 3), ==, 20);
  g_assert_cmpuint (ss_rtcp_write_nack (buf, 19, 1, 2, sequences, 2), ==, 0);
  g_assert_cmpuint (ss_rtcp_write_nack (buf, 20, 1, 2, sequences, 2), ==, 20);
  g_assert_cmpuint (ss_rtcp_write_remb (buf, 27, 1, 1000, ssrcs, 2), ==, 0);
  g_assert_cmpuint (ss_rtcp_write_remb (buf, 28, 1, 1000, ssrcs, 2), ==, 28);
}

static void
test_pli_round_trip (void)
{
  guint8 buf[16];
  gsize len = ss_rtcp_write_pli (buf, sizeof buf, SENDER_SSRC, MEDIA_SSRC);
  guint32 sender = 0, media = 0;

  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_cmpuint (packet.packet_type, ==, SS_RTCP_TYPE_PSFB);
  g_assert_cmpuint (packet.count, ==, SS_RTCP_PSFB_PLI);
  g_assert_true (ss_rtcp_parse_feedback (&packet, &sender, &media));
  g_assert_cmpuint (sender, ==, SENDER_SSRC);
  g_assert_cmpuint (media, ==, MEDIA_SSRC);

  /* Not feedback, or too short for the two SSRCs. */
  SsRtcpPacket sdes = single_packet (sdes_packet, sizeof sdes_packet);
  g_assert_false (ss_rtcp_parse_feedback (&sdes, &sender, &media));
  guint8 short_fb[8] = { 0x81, 206, 0x00, 0x01, 0, 0, 0, 1 };
  packet = single_packet (short_fb, sizeof short_fb);
  g_assert_false (ss_rtcp_parse_feedback (&packet, &sender, &media));
}

static void
test_fir_find (void)
{
  guint8 buf[32];
  guint8 sequence = 0;
  guint32 media = 1;

  gsize len = ss_rtcp_write_fir (buf, sizeof buf, SENDER_SSRC, MEDIA_SSRC, 42);
  g_assert_cmpuint (len, ==, 20);
  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_cmpuint (packet.count, ==, SS_RTCP_PSFB_FIR);
  g_assert_true (ss_rtcp_parse_feedback (&packet, NULL, &media));
  g_assert_cmpuint (media, ==, 0);

  g_assert_true (ss_rtcp_fir_find (&packet, MEDIA_SSRC, &sequence));
  g_assert_cmpuint (sequence, ==, 42);
  g_assert_false (ss_rtcp_fir_find (&packet, MEDIA_SSRC + 1, &sequence));

  /* A second entry appended by hand. */
  const guint8 second[8] = { 0x00, 0x00, 0x00, 0x07, 9, 0, 0, 0 };
  memcpy (buf + len, second, sizeof second);
  buf[3] = (len + sizeof second) / 4 - 1;
  packet = single_packet (buf, len + sizeof second);
  g_assert_true (ss_rtcp_fir_find (&packet, 7, &sequence));
  g_assert_cmpuint (sequence, ==, 9);
  g_assert_true (ss_rtcp_fir_find (&packet, MEDIA_SSRC, &sequence));
  g_assert_cmpuint (sequence, ==, 42);

  /* A PLI carries no FIR entries. */
  len = ss_rtcp_write_pli (buf, sizeof buf, SENDER_SSRC, MEDIA_SSRC);
  packet = single_packet (buf, len);
  g_assert_false (ss_rtcp_fir_find (&packet, MEDIA_SSRC, &sequence));
}

static guint
collect_nack (const SsRtcpPacket *packet, guint16 *out, guint capacity)
{
  SsRtcpNackIter it;
  guint16 sequence;
  guint n = 0;

  ss_rtcp_nack_iter_init (&it, packet);
  while (ss_rtcp_nack_iter_next (&it, &sequence))
    {
      g_assert_cmpuint (n, <, capacity);
      out[n++] = sequence;
    }
  return n;
}

static void
test_nack_packing (void)
{
  const guint16 lost[] = { 100, 101, 116, 117, 200 };
  guint8 buf[64];
  guint16 back[16];

  gsize len = ss_rtcp_write_nack (buf, sizeof buf, SENDER_SSRC, MEDIA_SSRC,
                                  lost, G_N_ELEMENTS (lost));

  /* 101 and 116 are bits 0 and 15 of PID 100; 117 is 17 after it. */
  const guint8 expected_fci[] = {
    0x00, 100, 0x80, 0x01,
    0x00, 117, 0x00, 0x00,
    0x00, 200, 0x00, 0x00,
  };
  g_assert_cmpuint (len, ==, 12 + sizeof expected_fci);
  g_assert_cmpmem (buf + 12, len - 12, expected_fci, sizeof expected_fci);

  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_cmpuint (packet.packet_type, ==, SS_RTCP_TYPE_RTPFB);
  g_assert_cmpuint (packet.count, ==, SS_RTCP_RTPFB_NACK);
  guint32 sender = 0, media = 0;
  g_assert_true (ss_rtcp_parse_feedback (&packet, &sender, &media));
  g_assert_cmpuint (sender, ==, SENDER_SSRC);
  g_assert_cmpuint (media, ==, MEDIA_SSRC);

  guint n = collect_nack (&packet, back, G_N_ELEMENTS (back));
  g_assert_cmpmem (back, n * sizeof (guint16), lost, sizeof lost);
}

static void
test_nack_wrap (void)
{
  const guint16 lost[] = { 65534, 65535, 0, 1 };
  guint8 buf[64];
  guint16 back[16];

  gsize len = ss_rtcp_write_nack (buf, sizeof buf, SENDER_SSRC, MEDIA_SSRC,
                                  lost, G_N_ELEMENTS (lost));
  g_assert_cmpuint (len, ==, 16);
  g_assert_cmpmem (buf + 12, 4, "\xFF\xFE\x00\x07", 4);

  SsRtcpPacket packet = single_packet (buf, len);
  guint n = collect_nack (&packet, back, G_N_ELEMENTS (back));
  g_assert_cmpmem (back, n * sizeof (guint16), lost, sizeof lost);
}

static void
test_nack_full_mask (void)
{
  guint16 lost[18];
  guint8 buf[64];
  guint16 back[32];

  for (guint i = 0; i < G_N_ELEMENTS (lost); i++)
    lost[i] = (guint16) (1000 + i);

  /* 17 numbers fill one entry; the 18th opens a second. */
  gsize len = ss_rtcp_write_nack (buf, sizeof buf, 1, 2, lost, 17);
  g_assert_cmpuint (len, ==, 16);
  g_assert_cmpmem (buf + 12, 4, "\x03\xE8\xFF\xFF", 4);

  len = ss_rtcp_write_nack (buf, sizeof buf, 1, 2, lost, 18);
  g_assert_cmpuint (len, ==, 20);

  SsRtcpPacket packet = single_packet (buf, len);
  guint n = collect_nack (&packet, back, G_N_ELEMENTS (back));
  g_assert_cmpmem (back, n * sizeof (guint16), lost, sizeof lost);
}

static void
test_nack_duplicates_and_empty (void)
{
  const guint16 lost[] = { 5, 5, 6, 6 };
  guint8 buf[64];
  guint16 back[8];

  g_assert_cmpuint (ss_rtcp_write_nack (buf, sizeof buf, 1, 2, lost, 0), ==, 0);
  g_assert_cmpuint (ss_rtcp_write_nack (buf, sizeof buf, 1, 2, NULL, 3), ==, 0);

  gsize len = ss_rtcp_write_nack (buf, sizeof buf, 1, 2, lost, G_N_ELEMENTS (lost));
  g_assert_cmpuint (len, ==, 16);
  SsRtcpPacket packet = single_packet (buf, len);
  guint n = collect_nack (&packet, back, G_N_ELEMENTS (back));
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (back[0], ==, 5);
  g_assert_cmpuint (back[1], ==, 6);
}

static void
test_nack_iter_other_packets (void)
{
  guint8 buf[32];
  guint16 back[4];

  gsize len = ss_rtcp_write_pli (buf, sizeof buf, 1, 2);
  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_cmpuint (collect_nack (&packet, back, G_N_ELEMENTS (back)), ==, 0);

  /* A NACK header without any FCI entry. */
  buf[0] = 0x81;
  buf[1] = SS_RTCP_TYPE_RTPFB;
  packet = single_packet (buf, len);
  g_assert_cmpuint (collect_nack (&packet, back, G_N_ELEMENTS (back)), ==, 0);
}

static void
assert_remb_round_trip (guint64 bitrate, guint64 expected)
{
  const guint32 ssrcs[] = { 0x1111, 0x2222, 0x3333 };
  guint32 back[3] = { 0 };
  guint n_back = G_N_ELEMENTS (back);
  guint64 parsed = 0;
  guint8 buf[64];

  gsize len = ss_rtcp_write_remb (buf, sizeof buf, SENDER_SSRC, bitrate, ssrcs,
                                  G_N_ELEMENTS (ssrcs));
  g_assert_cmpuint (len, ==, 20 + 3 * 4);

  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_cmpuint (packet.count, ==, SS_RTCP_PSFB_AFB);
  g_assert_true (ss_rtcp_parse_remb (&packet, &parsed, back, &n_back));
  g_assert_cmpuint (parsed, ==, expected);
  g_assert_cmpuint (n_back, ==, 3);
  g_assert_cmpmem (back, sizeof back, ssrcs, sizeof ssrcs);
}

static void
test_remb_round_trip (void)
{
  guint8 buf[64];

  /* 150 kbit/s fits the mantissa: exponent 0. */
  assert_remb_round_trip (150000, 150000);
  ss_rtcp_write_remb (buf, sizeof buf, 1, 150000, NULL, 0);
  g_assert_cmpuint (buf[17] >> 2, ==, 0);

  /* 1.5 Mbit/s is 187500 * 2^3. */
  assert_remb_round_trip (1500000, 1500000);
  ss_rtcp_write_remb (buf, sizeof buf, 1, 1500000, NULL, 0);
  g_assert_cmpuint (buf[17] >> 2, ==, 3);

  /* 1,000,003 needs exponent 2 and loses its low 2 bits. */
  assert_remb_round_trip (1000003, 1000000);
  assert_remb_round_trip (0, 0);
  assert_remb_round_trip (262143, 262143);
  assert_remb_round_trip (262144, 262144);
}

static void
test_remb_precision (void)
{
  guint8 buf[32];
  guint64 parsed = 0;

  for (guint64 bitrate = 1; bitrate < G_GUINT64_CONSTANT (1) << 40; bitrate = bitrate * 3 + 1)
    {
      gsize len = ss_rtcp_write_remb (buf, sizeof buf, 1, bitrate, NULL, 0);
      SsRtcpPacket packet = single_packet (buf, len);
      g_assert_true (ss_rtcp_parse_remb (&packet, &parsed, NULL, NULL));
      g_assert_cmpuint (parsed, <=, bitrate);
      g_assert_cmpuint (bitrate - parsed, <=, bitrate / 131072);
    }
}

static void
test_remb_malformed (void)
{
  const guint32 ssrcs[] = { 1, 2, 3 };
  guint32 back[2];
  guint n_back = G_N_ELEMENTS (back);
  guint64 bitrate = 0;
  guint8 buf[64];

  /* A capacity of 2 keeps the first two SSRCs. */
  gsize len = ss_rtcp_write_remb (buf, sizeof buf, 1, 64000, ssrcs, 3);
  SsRtcpPacket packet = single_packet (buf, len);
  g_assert_true (ss_rtcp_parse_remb (&packet, &bitrate, back, &n_back));
  g_assert_cmpuint (n_back, ==, 2);
  g_assert_cmpuint (back[0], ==, 1);
  g_assert_cmpuint (back[1], ==, 2);

  /* More SSRCs claimed than the packet holds. */
  buf[16] = 4;
  g_assert_false (ss_rtcp_parse_remb (&packet, &bitrate, NULL, NULL));
  buf[16] = 3;

  /* Another application-layer message. */
  buf[12] = 'X';
  g_assert_false (ss_rtcp_parse_remb (&packet, &bitrate, NULL, NULL));
  buf[12] = 'R';

  /* Exponent 63 with a full mantissa does not fit 64 bits. */
  buf[17] = 0xFF;
  buf[18] = 0xFF;
  buf[19] = 0xFF;
  g_assert_true (ss_rtcp_parse_remb (&packet, &bitrate, NULL, NULL));
  g_assert_cmpuint (bitrate, ==, G_MAXUINT64);

  /* Exponent 46 with a full mantissa is the largest exact value. */
  buf[17] = 46 << 2 | 0x03;
  g_assert_true (ss_rtcp_parse_remb (&packet, &bitrate, NULL, NULL));
  g_assert_cmpuint (bitrate, ==, G_GUINT64_CONSTANT (0x3FFFF) << 46);

  g_assert_cmpuint (ss_rtcp_write_remb (buf, sizeof buf, 1, 1, NULL, 256), ==, 0);
  g_assert_cmpuint (ss_rtcp_write_remb (buf, sizeof buf, 1, 1, NULL, 1), ==, 0);
}

static void
test_rtt (void)
{
  gint64 sr_sent_us = G_GINT64_CONSTANT (1733350000000000);
  gint64 hold_us = 50000;
  gint64 rtt_us = 120000;
  SsRtcpReportBlock block = {
    .lsr = ss_ntp_middle32 (ss_ntp_from_unix_us (sr_sent_us)),
    .dlsr = ss_ntp_short_from_us (hold_us),
  };

  /* LSR and the arrival time are truncated to 1/65536 s and DLSR is
   * rounded to it, so the error stays below 1.5 units (23 us). */
  gint64 measured = ss_rtcp_rtt_us (&block, sr_sent_us + hold_us + rtt_us);
  g_assert_cmpint (ABS (measured - rtt_us), <=, 31);

  /* DLSR larger than the elapsed time gives 0, not a negative RTT. */
  block.dlsr = ss_ntp_short_from_us (hold_us + rtt_us + 1000);
  g_assert_cmpint (ss_rtcp_rtt_us (&block, sr_sent_us + hold_us + rtt_us), ==, 0);

  block.lsr = 0;
  g_assert_cmpint (ss_rtcp_rtt_us (&block, sr_sent_us + hold_us + rtt_us), ==, -1);
}

static void
test_rtt_across_wrap (void)
{
  /* The middle 32 bits wrap every 65536 s; pick an SR just before that. */
  gint64 wrap_us = ss_ntp_to_unix_us (G_GUINT64_CONSTANT (0xE8F10000) << 32);
  gint64 sr_sent_us = wrap_us - 10000;
  SsRtcpReportBlock block = {
    .lsr = ss_ntp_middle32 (ss_ntp_from_unix_us (sr_sent_us)),
    .dlsr = ss_ntp_short_from_us (20000),
  };

  g_assert_cmpuint (block.lsr, >, 0xFFFF0000u);
  gint64 measured = ss_rtcp_rtt_us (&block, sr_sent_us + 20000 + 80000);
  g_assert_cmpint (ABS (measured - 80000), <=, 31);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/wire/rtcp/compound-sr-sdes-pli", test_compound_sr_sdes_pli);
  g_test_add_func ("/relay/wire/rtcp/length-past-end", test_length_past_end);
  g_test_add_func ("/relay/wire/rtcp/second-packet-malformed", test_second_packet_malformed);
  g_test_add_func ("/relay/wire/rtcp/bad-version-and-empty", test_bad_version_and_empty);
  g_test_add_func ("/relay/wire/rtcp/padding", test_padding);
  g_test_add_func ("/relay/wire/rtcp/sr-round-trip", test_sr_round_trip);
  g_test_add_func ("/relay/wire/rtcp/rr-round-trip", test_rr_round_trip);
  g_test_add_func ("/relay/wire/rtcp/cumulative-lost-clamped", test_cumulative_lost_clamped);
  g_test_add_func ("/relay/wire/rtcp/report-blocks-truncated", test_report_blocks_truncated);
  g_test_add_func ("/relay/wire/rtcp/writers-need-capacity", test_writers_need_capacity);
  g_test_add_func ("/relay/wire/rtcp/pli-round-trip", test_pli_round_trip);
  g_test_add_func ("/relay/wire/rtcp/fir-find", test_fir_find);
  g_test_add_func ("/relay/wire/rtcp/nack-packing", test_nack_packing);
  g_test_add_func ("/relay/wire/rtcp/nack-wrap", test_nack_wrap);
  g_test_add_func ("/relay/wire/rtcp/nack-full-mask", test_nack_full_mask);
  g_test_add_func ("/relay/wire/rtcp/nack-duplicates-and-empty", test_nack_duplicates_and_empty);
  g_test_add_func ("/relay/wire/rtcp/nack-iter-other-packets", test_nack_iter_other_packets);
  g_test_add_func ("/relay/wire/rtcp/remb-round-trip", test_remb_round_trip);
  g_test_add_func ("/relay/wire/rtcp/remb-precision", test_remb_precision);
  g_test_add_func ("/relay/wire/rtcp/remb-malformed", test_remb_malformed);
  g_test_add_func ("/relay/wire/rtcp/rtt", test_rtt);
  g_test_add_func ("/relay/wire/rtcp/rtt-across-wrap", test_rtt_across_wrap);

  return g_test_run ();
}
