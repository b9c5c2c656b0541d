/* The retransmission buffer: lookups by extended sequence number within
 * the capacity and the age limit. */
#include "stream/retransmission-buffer.h"

#include <string.h>

#define MS 1000

static void
fill (guint8 *packet, gsize len, guint8 value)
{
  memset (packet, value, len);
}

static void
test_store_and_lookup (void)
{
  g_autoptr (SsRetransmissionBuffer) buffer =
      ss_retransmission_buffer_new (8, 1000 * MS);
  guint8 packet[100];
  gsize len = 0;

  for (gint64 seq = 100; seq < 104; seq++)
    {
      fill (packet, sizeof packet, (guint8) seq);
      g_assert_cmpint (ss_retransmission_buffer_store (buffer, seq, packet,
                                                       50 + (gsize) seq - 100,
                                                       0),
                       ==, SS_RETRANSMISSION_STORED);
    }

  const guint8 *found = ss_retransmission_buffer_lookup (buffer, 102, 10 * MS, &len);
  g_assert_nonnull (found);
  g_assert_cmpuint (len, ==, 52);
  g_assert_cmpuint (found[0], ==, 102);
  g_assert_null (ss_retransmission_buffer_lookup (buffer, 99, 10 * MS, &len));
  g_assert_null (ss_retransmission_buffer_lookup (buffer, 104, 10 * MS, &len));
}

static void
test_duplicate_detected (void)
{
  g_autoptr (SsRetransmissionBuffer) buffer =
      ss_retransmission_buffer_new (8, 1000 * MS);
  guint8 packet[10] = { 0 };

  g_assert_cmpint (ss_retransmission_buffer_store (buffer, 5, packet, 10, 0), ==,
                   SS_RETRANSMISSION_STORED);
  g_assert_cmpint (ss_retransmission_buffer_store (buffer, 5, packet, 10, 0), ==,
                   SS_RETRANSMISSION_DUPLICATE);
}

static void
test_overwritten_after_capacity (void)
{
  g_autoptr (SsRetransmissionBuffer) buffer =
      ss_retransmission_buffer_new (4, 1000 * MS);
  guint8 packet[10] = { 0 };
  gsize len;

  for (gint64 seq = 0; seq < 6; seq++)
    ss_retransmission_buffer_store (buffer, seq, packet, 10, 0);

  /* Slots 0 and 1 now hold 4 and 5. */
  g_assert_null (ss_retransmission_buffer_lookup (buffer, 0, 0, &len));
  g_assert_null (ss_retransmission_buffer_lookup (buffer, 1, 0, &len));
  g_assert_nonnull (ss_retransmission_buffer_lookup (buffer, 2, 0, &len));
  g_assert_nonnull (ss_retransmission_buffer_lookup (buffer, 5, 0, &len));

  /* A late arrival older than the window cannot evict a newer packet. */
  g_assert_cmpint (ss_retransmission_buffer_store (buffer, 1, packet, 10, 0), ==,
                   SS_RETRANSMISSION_TOO_OLD);
  g_assert_nonnull (ss_retransmission_buffer_lookup (buffer, 5, 0, &len));
}

static void
test_late_packet_within_window_stored (void)
{
  g_autoptr (SsRetransmissionBuffer) buffer =
      ss_retransmission_buffer_new (16, 1000 * MS);
  guint8 packet[10] = { 7 };
  gsize len;

  ss_retransmission_buffer_store (buffer, 10, packet, 10, 0);
  ss_retransmission_buffer_store (buffer, 12, packet, 10, 0);
  /* 11 arrives late (a retransmission from the publisher). */
  g_assert_cmpint (ss_retransmission_buffer_store (buffer, 11, packet, 10, 5 * MS),
                   ==, SS_RETRANSMISSION_STORED);
  g_assert_nonnull (ss_retransmission_buffer_lookup (buffer, 11, 6 * MS, &len));
}

static void
test_expired_by_age (void)
{
  g_autoptr (SsRetransmissionBuffer) buffer =
      ss_retransmission_buffer_new (64, 1000 * MS);
  guint8 packet[10] = { 0 };
  gsize len;

  ss_retransmission_buffer_store (buffer, 1, packet, 10, 0);
  g_assert_nonnull (ss_retransmission_buffer_lookup (buffer, 1, 1000 * MS, &len));
  g_assert_null (ss_retransmission_buffer_lookup (buffer, 1, 1001 * MS, &len));
}

static void
test_oversized_and_negative_rejected (void)
{
  g_autoptr (SsRetransmissionBuffer) buffer =
      ss_retransmission_buffer_new (4, 1000 * MS);
  guint8 big[SS_RETRANSMISSION_SLOT_SIZE + 1] = { 0 };
  gsize len;

  g_assert_cmpint (ss_retransmission_buffer_store (buffer, 1, big, sizeof big, 0),
                   ==, SS_RETRANSMISSION_TOO_LARGE);
  g_assert_cmpint (ss_retransmission_buffer_store (buffer, -3, big, 10, 0), ==,
                   SS_RETRANSMISSION_TOO_OLD);
  g_assert_null (ss_retransmission_buffer_lookup (buffer, -3, 0, &len));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/retransmission-buffer/store-and-lookup", test_store_and_lookup);
  g_test_add_func ("/retransmission-buffer/duplicate-detected", test_duplicate_detected);
  g_test_add_func ("/retransmission-buffer/overwritten-after-capacity",
                   test_overwritten_after_capacity);
  g_test_add_func ("/retransmission-buffer/late-packet-within-window",
                   test_late_packet_within_window_stored);
  g_test_add_func ("/retransmission-buffer/expired-by-age", test_expired_by_age);
  g_test_add_func ("/retransmission-buffer/oversized-and-negative-rejected",
                   test_oversized_and_negative_rejected);

  return g_test_run ();
}
