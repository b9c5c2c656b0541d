/* Unit tests of the VP8 payload descriptor parser, key frame detection and
 * in-place picture ID and TL0PICIDX rewriting. */
#include <string.h>

#include "wire/vp8.h"

/* The start of a key frame as a WebRTC sender packs it: X=1 S=1 PID=0,
 * I=1 with a 15-bit picture ID 0x1234, then the VP8 frame tag (P=0,
 * version 0, show_frame=1), the start code 9d 01 2a and 640x480. */
static const guint8 keyframe_start[] = {
  0x90, 0x80, 0x92, 0x34,
  0x50, 0x42, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01,
};

/* The first packet of an inter frame: same descriptor, frame tag P=1. */
static const guint8 interframe_start[] = {
  0x90, 0x80, 0x92, 0x35,
  0x31, 0x0B, 0x00, 0x11, 0x22,
};

static void
test_minimal_descriptor (void)
{
  const guint8 payload[] = { 0x10, 0x50 };
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_true (d.start_of_partition);
  g_assert_cmpuint (d.partition_id, ==, 0);
  g_assert_false (d.non_reference);
  g_assert_false (d.has_picture_id);
  g_assert_false (d.has_tl0picidx);
  g_assert_false (d.has_tid);
  g_assert_false (d.has_keyidx);
  g_assert_cmpuint (d.descriptor_len, ==, 1);
}

static void
test_continuation_descriptor (void)
{
  /* N=1, S=0, PID=3. */
  const guint8 payload[] = { 0x23, 0xAB };
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_false (d.start_of_partition);
  g_assert_true (d.non_reference);
  g_assert_cmpuint (d.partition_id, ==, 3);
  g_assert_cmpuint (d.descriptor_len, ==, 1);
}

static void
test_all_fields (void)
{
  /* X=1 S=1; I L T K; M=1 picture ID 0x7FFF; TL0PICIDX 200; TID=2 Y=1
   * KEYIDX=17. */
  const guint8 payload[] = { 0x90, 0xF0, 0xFF, 0xFF, 200, 0xB1, 0x50 };
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_true (d.has_picture_id);
  g_assert_true (d.picture_id_15bit);
  g_assert_cmpuint (d.picture_id, ==, 0x7FFF);
  g_assert_true (d.has_tl0picidx);
  g_assert_cmpuint (d.tl0picidx, ==, 200);
  g_assert_true (d.has_tid);
  g_assert_cmpuint (d.tid, ==, 2);
  g_assert_true (d.layer_sync);
  g_assert_true (d.has_keyidx);
  g_assert_cmpuint (d.keyidx, ==, 17);
  g_assert_cmpuint (d.descriptor_len, ==, 6);
}

static void
test_seven_bit_picture_id (void)
{
  /* I only, M=0, picture ID 0x55. */
  const guint8 payload[] = { 0x90, 0x80, 0x55, 0x50 };
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_true (d.has_picture_id);
  g_assert_false (d.picture_id_15bit);
  g_assert_cmpuint (d.picture_id, ==, 0x55);
  g_assert_cmpuint (d.descriptor_len, ==, 3);
}

static void
test_tid_without_keyidx (void)
{
  /* T only: TID=1, Y=0, and the KEYIDX bits are ignored. */
  const guint8 payload[] = { 0x80, 0x20, 0x5F, 0x00 };
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_true (d.has_tid);
  g_assert_cmpuint (d.tid, ==, 1);
  g_assert_false (d.layer_sync);
  g_assert_false (d.has_keyidx);
  g_assert_cmpuint (d.keyidx, ==, 0);
  g_assert_cmpuint (d.descriptor_len, ==, 3);
}

static void
test_keyidx_without_tid (void)
{
  /* K only: the TID and Y bits are ignored. */
  const guint8 payload[] = { 0x80, 0x10, 0xE9, 0x00 };
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_false (d.has_tid);
  g_assert_cmpuint (d.tid, ==, 0);
  g_assert_false (d.layer_sync);
  g_assert_true (d.has_keyidx);
  g_assert_cmpuint (d.keyidx, ==, 9);
  g_assert_cmpuint (d.descriptor_len, ==, 3);
}

static void
test_extension_without_fields (void)
{
  /* X=1 with an all-zero extension byte is two bytes long. */
  const guint8 payload[] = { 0x90, 0x00, 0x50 };
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_false (d.has_picture_id);
  g_assert_cmpuint (d.descriptor_len, ==, 2);
}

static void
test_truncated (void)
{
  const guint8 payload[] = { 0x90, 0xF0, 0xFF, 0xFF, 200, 0xB1 };
  SsVp8Descriptor d;

  for (gsize len = 0; len < sizeof payload; len++)
    {
      g_test_message ("prefix of %" G_GSIZE_FORMAT " bytes", len);
      g_assert_false (ss_vp8_parse_descriptor (payload, len, &d));
    }

  /* The descriptor alone, with an empty VP8 payload, still parses. */
  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_cmpuint (d.descriptor_len, ==, sizeof payload);
  g_assert_false (ss_vp8_parse_descriptor (NULL, 4, &d));
}

static void
test_keyframe_detection (void)
{
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_parse_descriptor (keyframe_start, sizeof keyframe_start, &d));
  g_assert_cmpuint (d.picture_id, ==, 0x1234);
  g_assert_true (ss_vp8_is_keyframe (keyframe_start, sizeof keyframe_start));
  g_assert_false (ss_vp8_is_keyframe (interframe_start, sizeof interframe_start));

  /* The P bit alone decides: one byte of payload header is enough. */
  g_assert_true (ss_vp8_is_keyframe (keyframe_start, 5));
  g_assert_false (ss_vp8_is_keyframe (keyframe_start, 4));

  /* Minimal descriptor as some senders use it. */
  const guint8 minimal_key[] = { 0x10, 0x50, 0x42, 0x00, 0x9D, 0x01, 0x2A };
  g_assert_true (ss_vp8_is_keyframe (minimal_key, sizeof minimal_key));
}

static void
test_keyframe_needs_partition_start (void)
{
  guint8 payload[sizeof keyframe_start];

  /* S=0: a continuation packet whose first byte happens to have P=0. */
  memcpy (payload, keyframe_start, sizeof payload);
  payload[0] = 0x80;
  g_assert_false (ss_vp8_is_keyframe (payload, sizeof payload));

  /* S=1 but partition 1. */
  payload[0] = 0x91;
  g_assert_false (ss_vp8_is_keyframe (payload, sizeof payload));
}

static void
test_write_picture_id (void)
{
  guint8 wide[sizeof keyframe_start];
  guint8 narrow[] = { 0x90, 0x80, 0x55, 0x50 };
  SsVp8Descriptor d;

  memcpy (wide, keyframe_start, sizeof wide);
  g_assert_true (ss_vp8_write_picture_id (wide, sizeof wide, 0x0ABC));
  g_assert_true (ss_vp8_parse_descriptor (wide, sizeof wide, &d));
  g_assert_true (d.picture_id_15bit);
  g_assert_cmpuint (d.picture_id, ==, 0x0ABC);
  g_assert_cmpmem (wide + 4, sizeof wide - 4, keyframe_start + 4, sizeof wide - 4);

  /* 15 bits keep the width and drop the top bit. */
  g_assert_true (ss_vp8_write_picture_id (wide, sizeof wide, 0xFFFF));
  g_assert_true (ss_vp8_parse_descriptor (wide, sizeof wide, &d));
  g_assert_cmpuint (d.picture_id, ==, 0x7FFF);

  g_assert_true (ss_vp8_write_picture_id (narrow, sizeof narrow, 0x1FF));
  g_assert_true (ss_vp8_parse_descriptor (narrow, sizeof narrow, &d));
  g_assert_false (d.picture_id_15bit);
  g_assert_cmpuint (d.picture_id, ==, 0x7F);
  g_assert_cmpuint (narrow[3], ==, 0x50);

  guint8 no_id[] = { 0x10, 0x50 };
  g_assert_false (ss_vp8_write_picture_id (no_id, sizeof no_id, 1));
  g_assert_false (ss_vp8_write_picture_id (wide, 3, 1));
}

static void
test_write_tl0picidx (void)
{
  guint8 payload[] = { 0x90, 0xE0, 0x81, 0x00, 7, 0x40, 0x50 };
  SsVp8Descriptor d;

  g_assert_true (ss_vp8_write_tl0picidx (payload, sizeof payload, 250));
  g_assert_true (ss_vp8_parse_descriptor (payload, sizeof payload, &d));
  g_assert_cmpuint (d.tl0picidx, ==, 250);
  g_assert_cmpuint (d.picture_id, ==, 0x0100);
  g_assert_cmpuint (d.tid, ==, 1);

  g_assert_false (ss_vp8_write_tl0picidx ((guint8 *) keyframe_start, 0, 1));
  guint8 no_tl0[] = { 0x90, 0x80, 0x12, 0x50 };
  g_assert_false (ss_vp8_write_tl0picidx (no_tl0, sizeof no_tl0, 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/wire/vp8/minimal-descriptor", test_minimal_descriptor);
  g_test_add_func ("/relay/wire/vp8/continuation-descriptor", test_continuation_descriptor);
  g_test_add_func ("/relay/wire/vp8/all-fields", test_all_fields);
  g_test_add_func ("/relay/wire/vp8/seven-bit-picture-id", test_seven_bit_picture_id);
  g_test_add_func ("/relay/wire/vp8/tid-without-keyidx", test_tid_without_keyidx);
  g_test_add_func ("/relay/wire/vp8/keyidx-without-tid", test_keyidx_without_tid);
  g_test_add_func ("/relay/wire/vp8/extension-without-fields", test_extension_without_fields);
  g_test_add_func ("/relay/wire/vp8/truncated", test_truncated);
  g_test_add_func ("/relay/wire/vp8/keyframe-detection", test_keyframe_detection);
  g_test_add_func ("/relay/wire/vp8/keyframe-needs-partition-start",
                   test_keyframe_needs_partition_start);
  g_test_add_func ("/relay/wire/vp8/write-picture-id", test_write_picture_id);
  g_test_add_func ("/relay/wire/vp8/write-tl0picidx", test_write_tl0picidx);

  return g_test_run ();
}
