/* Unit tests of RTP parsing, header rewriting and header extension
 * lookup. */
#include <string.h>

#include "wire/rtp.h"

/* V=2 X=1 CC=2, M=1 PT=96, two CSRCs, a one-byte extension of two words
 * holding ID 1 (1 byte) and ID 3 (3 bytes) plus two padding bytes, then a
 * 5-byte payload. */
static const guint8 packet_with_extension[] = {
  0x92, 0xE0, 0x12, 0x34,
  0xDE, 0xAD, 0xBE, 0xEF,
  0x11, 0x22, 0x33, 0x44,
  0xAA, 0xAA, 0xAA, 0xAA,
  0xBB, 0xBB, 0xBB, 0xBB,
  0xBE, 0xDE, 0x00, 0x02,
  0x10, 0x55, 0x32, 0x01,
  0x02, 0x03, 0x00, 0x00,
  0x01, 0x02, 0x03, 0x04, 0x05,
};
#define EXTENSION_HEADER_LEN 32

/* V=2 P=1, PT=111, 3 payload bytes and 3 padding bytes. */
static const guint8 packet_with_padding[] = {
  0xA0, 0x6F, 0xFF, 0xFF,
  0x00, 0x00, 0x03, 0xC0,
  0x01, 0x02, 0x03, 0x04,
  0xF8, 0xFF, 0xFE,
  0x00, 0x00, 0x03,
};

static void
test_parse_minimal (void)
{
  const guint8 packet[12] = { 0x80, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 9 };
  SsRtpHeader h;

  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_OK);
  g_assert_false (h.marker);
  g_assert_cmpuint (h.payload_type, ==, 96);
  g_assert_cmpuint (h.sequence, ==, 1);
  g_assert_cmpuint (h.ssrc, ==, 9);
  g_assert_cmpuint (h.header_len, ==, 12);
  g_assert_cmpuint (h.payload_len, ==, 0);
  g_assert_true (h.payload == packet + 12);
  g_assert_null (h.extension);
  g_assert_cmpuint (h.extension_profile, ==, 0);
}

static void
test_parse_csrc_extension (void)
{
  SsRtpHeader h;

  g_assert_cmpint (ss_rtp_parse (packet_with_extension, sizeof packet_with_extension, &h),
                   ==, SS_RTP_OK);
  g_assert_true (h.marker);
  g_assert_cmpuint (h.payload_type, ==, 96);
  g_assert_cmpuint (h.sequence, ==, 0x1234);
  g_assert_cmpuint (h.timestamp, ==, 0xDEADBEEF);
  g_assert_cmpuint (h.ssrc, ==, 0x11223344);
  g_assert_cmpuint (h.csrc_count, ==, 2);
  g_assert_cmpuint (ss_rtp_get_csrc (&h, 0), ==, 0xAAAAAAAA);
  g_assert_cmpuint (ss_rtp_get_csrc (&h, 1), ==, 0xBBBBBBBB);
  g_assert_cmpuint (h.extension_profile, ==, 0xBEDE);
  g_assert_true (h.extension == packet_with_extension + 24);
  g_assert_cmpuint (h.extension_len, ==, 8);
  g_assert_cmpuint (h.header_len, ==, EXTENSION_HEADER_LEN);
  g_assert_true (h.payload == packet_with_extension + EXTENSION_HEADER_LEN);
  g_assert_cmpuint (h.payload_len, ==, 5);
  g_assert_cmpuint (h.padding_len, ==, 0);
}

static void
test_parse_padding (void)
{
  SsRtpHeader h;

  g_assert_cmpint (ss_rtp_parse (packet_with_padding, sizeof packet_with_padding, &h),
                   ==, SS_RTP_OK);
  g_assert_cmpuint (h.payload_type, ==, 111);
  g_assert_cmpuint (h.sequence, ==, 0xFFFF);
  g_assert_cmpuint (h.timestamp, ==, 960);
  g_assert_cmpuint (h.padding_len, ==, 3);
  g_assert_cmpuint (h.payload_len, ==, 3);
  g_assert_cmpmem (h.payload, h.payload_len, "\xF8\xFF\xFE", 3);
}

static void
test_parse_padding_only (void)
{
  /* Bandwidth probes carry only padding. */
  const guint8 packet[16] = { 0xA0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4 };
  SsRtpHeader h;

  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_OK);
  g_assert_cmpuint (h.payload_len, ==, 0);
  g_assert_cmpuint (h.padding_len, ==, 4);
}

static void
test_truncated_prefixes (void)
{
  SsRtpHeader h;

  for (gsize len = 0; len < EXTENSION_HEADER_LEN; len++)
    {
      g_test_message ("prefix of %" G_GSIZE_FORMAT " bytes", len);
      g_assert_cmpint (ss_rtp_parse (packet_with_extension, len, &h), ==, SS_RTP_TOO_SHORT);
    }

  /* Past the header only the payload gets shorter. */
  for (gsize len = EXTENSION_HEADER_LEN; len <= sizeof packet_with_extension; len++)
    {
      g_assert_cmpint (ss_rtp_parse (packet_with_extension, len, &h), ==, SS_RTP_OK);
      g_assert_cmpuint (h.payload_len, ==, len - EXTENSION_HEADER_LEN);
    }

  for (gsize len = 0; len < 12; len++)
    g_assert_cmpint (ss_rtp_parse (packet_with_padding, len, &h), ==, SS_RTP_TOO_SHORT);
}

static void
test_null_buffer (void)
{
  SsRtpHeader h;

  g_assert_cmpint (ss_rtp_parse (NULL, 12, &h), ==, SS_RTP_TOO_SHORT);
}

static void
test_bad_version (void)
{
  guint8 packet[12] = { 0x80, 0x60 };
  SsRtpHeader h;

  for (guint version = 0; version < 4; version++)
    {
      if (version == 2)
        continue;
      packet[0] = (guint8) (version << 6);
      g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_BAD_VERSION);
    }
}

static void
test_bad_padding (void)
{
  guint8 packet[sizeof packet_with_padding];
  SsRtpHeader h;

  /* A count of 0 cannot include itself. */
  memcpy (packet, packet_with_padding, sizeof packet);
  packet[sizeof packet - 1] = 0;
  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_BAD_LENGTH);

  /* 6 bytes follow the header: 7 reaches into it. */
  packet[sizeof packet - 1] = 7;
  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_BAD_LENGTH);

  packet[sizeof packet - 1] = 6;
  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_OK);
  g_assert_cmpuint (h.payload_len, ==, 0);

  /* P set with nothing after the header. */
  g_assert_cmpint (ss_rtp_parse (packet, 12, &h), ==, SS_RTP_BAD_LENGTH);
}

static void
test_extension_length_past_end (void)
{
  guint8 packet[sizeof packet_with_extension];
  SsRtpHeader h;

  /* 9 words of extension body cannot fit in the 13 bytes that follow. */
  memcpy (packet, packet_with_extension, sizeof packet);
  packet[23] = 9;
  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_TOO_SHORT);

  /* 3 words fill the packet exactly and leave an empty payload. */
  packet[23] = 3;
  g_assert_cmpint (ss_rtp_parse (packet, 36, &h), ==, SS_RTP_OK);
  g_assert_cmpuint (h.payload_len, ==, 0);
}

static void
test_write_fields (void)
{
  guint8 packet[sizeof packet_with_extension];
  SsRtpHeader h;

  memcpy (packet, packet_with_extension, sizeof packet);
  ss_rtp_write_sequence (packet, 0xFFFE);
  ss_rtp_write_timestamp (packet, 0x01020304);
  ss_rtp_write_ssrc (packet, 0xCAFEBABE);
  ss_rtp_write_payload_type (packet, 100);

  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_OK);
  g_assert_cmpuint (h.sequence, ==, 0xFFFE);
  g_assert_cmpuint (h.timestamp, ==, 0x01020304);
  g_assert_cmpuint (h.ssrc, ==, 0xCAFEBABE);
  g_assert_cmpuint (h.payload_type, ==, 100);
  g_assert_true (h.marker);
  g_assert_cmpuint (h.csrc_count, ==, 2);
  g_assert_cmpuint (h.payload_len, ==, 5);

  ss_rtp_write_marker (packet, FALSE);
  ss_rtp_write_payload_type (packet, 0xFF);
  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_OK);
  g_assert_false (h.marker);
  g_assert_cmpuint (h.payload_type, ==, 127);
}

static void
test_extension_one_byte (void)
{
  SsRtpHeader h;
  const guint8 *data = NULL;
  gsize len = 0;

  g_assert_cmpint (ss_rtp_parse (packet_with_extension, sizeof packet_with_extension, &h),
                   ==, SS_RTP_OK);

  g_assert_true (ss_rtp_find_extension (&h, 1, &data, &len));
  g_assert_cmpuint (len, ==, 1);
  g_assert_cmpuint (data[0], ==, 0x55);

  g_assert_true (ss_rtp_find_extension (&h, 3, &data, &len));
  g_assert_cmpmem (data, len, "\x01\x02\x03", 3);

  g_assert_false (ss_rtp_find_extension (&h, 2, &data, &len));
  g_assert_false (ss_rtp_find_extension (&h, 0, &data, &len));
  g_assert_false (ss_rtp_find_extension (&h, 15, &data, &len));
}

static void
test_extension_one_byte_malformed (void)
{
  /* ID 2 claims 4 value bytes but only 3 are left; ID 15 stops the walk
   * before ID 4. */
  const guint8 overrun[4] = { 0x23, 0xAA, 0xBB, 0xCC };
  const guint8 terminated[4] = { 0xF0, 0x40, 0x01, 0x00 };
  SsRtpHeader h = {
    .extension_profile = SS_RTP_EXTENSION_ONE_BYTE,
    .extension = overrun,
    .extension_len = sizeof overrun,
  };
  const guint8 *data = NULL;
  gsize len = 0;

  g_assert_false (ss_rtp_find_extension (&h, 2, &data, &len));

  h.extension = terminated;
  g_assert_false (ss_rtp_find_extension (&h, 4, &data, &len));
}

static void
test_extension_two_byte (void)
{
  /* Profile 0x1000 with application bits 0x3: an empty element ID 5, a
   * padding byte, then ID 200 with 3 bytes. */
  const guint8 packet[] = {
    0x90, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1,
    0x10, 0x03, 0x00, 0x02,
    0x05, 0x00, 0x00, 0xC8,
    0x03, 0x0A, 0x0B, 0x0C,
    0x99,
  };
  SsRtpHeader h;
  const guint8 *data = NULL;
  gsize len = 99;

  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_OK);
  g_assert_cmpuint (h.extension_profile, ==, 0x1003);
  g_assert_cmpuint (h.payload_len, ==, 1);

  g_assert_true (ss_rtp_find_extension (&h, 5, &data, &len));
  g_assert_cmpuint (len, ==, 0);

  g_assert_true (ss_rtp_find_extension (&h, 200, &data, &len));
  g_assert_cmpmem (data, len, "\x0A\x0B\x0C", 3);

  g_assert_false (ss_rtp_find_extension (&h, 6, &data, &len));
}

static void
test_extension_other_profile (void)
{
  guint8 packet[sizeof packet_with_extension];
  SsRtpHeader h;
  const guint8 *data = NULL;
  gsize len = 0;

  memcpy (packet, packet_with_extension, sizeof packet);
  packet[20] = 0x12;
  packet[21] = 0x34;
  g_assert_cmpint (ss_rtp_parse (packet, sizeof packet, &h), ==, SS_RTP_OK);
  g_assert_cmpuint (h.extension_profile, ==, 0x1234);
  g_assert_false (ss_rtp_find_extension (&h, 1, &data, &len));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/wire/rtp/parse-minimal", test_parse_minimal);
  g_test_add_func ("/relay/wire/rtp/parse-csrc-extension", test_parse_csrc_extension);
  g_test_add_func ("/relay/wire/rtp/parse-padding", test_parse_padding);
  g_test_add_func ("/relay/wire/rtp/parse-padding-only", test_parse_padding_only);
  g_test_add_func ("/relay/wire/rtp/truncated-prefixes", test_truncated_prefixes);
  g_test_add_func ("/relay/wire/rtp/null-buffer", test_null_buffer);
  g_test_add_func ("/relay/wire/rtp/bad-version", test_bad_version);
  g_test_add_func ("/relay/wire/rtp/bad-padding", test_bad_padding);
  g_test_add_func ("/relay/wire/rtp/extension-past-end", test_extension_length_past_end);
  g_test_add_func ("/relay/wire/rtp/write-fields", test_write_fields);
  g_test_add_func ("/relay/wire/rtp/extension-one-byte", test_extension_one_byte);
  g_test_add_func ("/relay/wire/rtp/extension-one-byte-malformed",
                   test_extension_one_byte_malformed);
  g_test_add_func ("/relay/wire/rtp/extension-two-byte", test_extension_two_byte);
  g_test_add_func ("/relay/wire/rtp/extension-other-profile", test_extension_other_profile);

  return g_test_run ();
}
