/* Unit tests of sequence number comparison and unwrapping. */
#include "stream/seq.h"

static void
test_is_newer (void)
{
  g_assert_true (ss_seq_is_newer (1, 0));
  g_assert_false (ss_seq_is_newer (0, 1));
  g_assert_false (ss_seq_is_newer (7, 7));
  g_assert_true (ss_seq_is_newer (0, 65535));
  g_assert_false (ss_seq_is_newer (65535, 0));
  g_assert_true (ss_seq_is_newer (0x7FFF, 0));
  g_assert_false (ss_seq_is_newer (0x8001, 0));
  g_assert_true (ss_seq_is_newer (10, 0x800B));

  /* Exactly half the range apart: the numerically larger one is newer. */
  g_assert_true (ss_seq_is_newer (0x8000, 0));
  g_assert_false (ss_seq_is_newer (0, 0x8000));
  g_assert_true (ss_seq_is_newer (0x9000, 0x1000));
  g_assert_false (ss_seq_is_newer (0x1000, 0x9000));
}

static void
test_is_newer_antisymmetric (void)
{
  for (guint a = 0; a < 65536; a += 97)
    for (guint b = 0; b < 65536; b += 89)
      {
        if (a == b)
          continue;
        gboolean forward = ss_seq_is_newer ((guint16) a, (guint16) b);
        gboolean backward = ss_seq_is_newer ((guint16) b, (guint16) a);
        g_assert_true (forward != backward);
      }
}

static void
test_unwrap_across_wrap (void)
{
  SsSeqUnwrapper u;

  ss_seq_unwrapper_init (&u);
  g_assert_cmpint (ss_seq_unwrap (&u, 65534), ==, 65534);
  g_assert_cmpint (ss_seq_unwrap (&u, 65535), ==, 65535);
  g_assert_cmpint (ss_seq_unwrap (&u, 0), ==, 65536);
  g_assert_cmpint (ss_seq_unwrap (&u, 1), ==, 65537);
  g_assert_cmpint (u.highest, ==, 65537);
}

static void
test_unwrap_reordered (void)
{
  SsSeqUnwrapper u;

  ss_seq_unwrapper_init (&u);
  g_assert_cmpint (ss_seq_unwrap (&u, 10), ==, 10);
  g_assert_cmpint (ss_seq_unwrap (&u, 12), ==, 12);
  g_assert_cmpint (ss_seq_unwrap (&u, 11), ==, 11);
  g_assert_cmpint (u.highest, ==, 12);

  /* Reordered across the wrap. */
  ss_seq_unwrapper_init (&u);
  g_assert_cmpint (ss_seq_unwrap (&u, 65535), ==, 65535);
  g_assert_cmpint (ss_seq_unwrap (&u, 1), ==, 65537);
  g_assert_cmpint (ss_seq_unwrap (&u, 0), ==, 65536);
  g_assert_cmpint (ss_seq_unwrap (&u, 65534), ==, 65534);
  g_assert_cmpint (u.highest, ==, 65537);
}

static void
test_unwrap_duplicate (void)
{
  SsSeqUnwrapper u;

  ss_seq_unwrapper_init (&u);
  g_assert_cmpint (ss_seq_unwrap (&u, 500), ==, 500);
  g_assert_cmpint (ss_seq_unwrap (&u, 500), ==, 500);
  g_assert_cmpint (ss_seq_unwrap (&u, 501), ==, 501);
  g_assert_cmpint (ss_seq_unwrap (&u, 500), ==, 500);
  g_assert_cmpint (u.highest, ==, 501);
}

static void
test_unwrap_before_first (void)
{
  SsSeqUnwrapper u;

  ss_seq_unwrapper_init (&u);
  g_assert_cmpint (ss_seq_unwrap (&u, 0), ==, 0);
  g_assert_cmpint (ss_seq_unwrap (&u, 65535), ==, -1);
  g_assert_cmpint (u.highest, ==, 0);
}

static void
test_unwrap_very_late (void)
{
  SsSeqUnwrapper u;

  /* 32767 behind is still behind. */
  ss_seq_unwrapper_init (&u);
  ss_seq_unwrap (&u, 40000);
  g_assert_cmpint (ss_seq_unwrap (&u, 7233), ==, 7233);
  g_assert_cmpint (u.highest, ==, 40000);

  /* Exactly 32768 behind and numerically smaller: behind. */
  g_assert_cmpint (ss_seq_unwrap (&u, 7232), ==, 7232);
  g_assert_cmpint (u.highest, ==, 40000);

  /* 35000 behind looks the same as 30536 ahead, and is taken as ahead. */
  g_assert_cmpint (ss_seq_unwrap (&u, 5000), ==, 70536);
  g_assert_cmpint (u.highest, ==, 70536);
}

static void
test_unwrap_many_cycles (void)
{
  SsSeqUnwrapper u;
  gint64 expected = 1000;

  ss_seq_unwrapper_init (&u);
  g_assert_cmpint (ss_seq_unwrap (&u, (guint16) expected), ==, expected);

  /* Steps just below half the range cross a wrap every third call. */
  for (guint i = 0; i < 100; i++)
    {
      expected += 30000;
      g_assert_cmpint (ss_seq_unwrap (&u, (guint16) expected), ==, expected);
    }
  g_assert_cmpint (u.highest, ==, 3001000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/stream/seq/is-newer", test_is_newer);
  g_test_add_func ("/relay/stream/seq/is-newer-antisymmetric", test_is_newer_antisymmetric);
  g_test_add_func ("/relay/stream/seq/unwrap-across-wrap", test_unwrap_across_wrap);
  g_test_add_func ("/relay/stream/seq/unwrap-reordered", test_unwrap_reordered);
  g_test_add_func ("/relay/stream/seq/unwrap-duplicate", test_unwrap_duplicate);
  g_test_add_func ("/relay/stream/seq/unwrap-before-first", test_unwrap_before_first);
  g_test_add_func ("/relay/stream/seq/unwrap-very-late", test_unwrap_very_late);
  g_test_add_func ("/relay/stream/seq/unwrap-many-cycles", test_unwrap_many_cycles);

  return g_test_run ();
}
