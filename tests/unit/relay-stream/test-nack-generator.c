/* NACK scheduling on simulated time: gaps, reordering, retries, bounds. */
#include "stream/nack-generator.h"

#define MS 1000

static guint
collect (SsNackGenerator *generator, gint64 now_us, gint64 rtt_us,
         guint16 *out)
{
  return ss_nack_generator_collect (generator, now_us, rtt_us, out, 64);
}

static void
test_gap_requested_after_allowance (void)
{
  SsNackGenerator generator;
  guint16 out[64];
  ss_nack_generator_init (&generator);

  ss_nack_generator_on_packet (&generator, 100, 0);
  ss_nack_generator_on_packet (&generator, 103, 10 * MS);

  /* Within the reordering allowance nothing is asked yet. */
  g_assert_cmpuint (collect (&generator, 12 * MS, -1, out), ==, 0);
  g_assert_cmpint (ss_nack_generator_get_next_timeout (&generator, -1), ==,
                   15 * MS);

  g_assert_cmpuint (collect (&generator, 15 * MS, -1, out), ==, 2);
  g_assert_cmpuint (out[0], ==, 101);
  g_assert_cmpuint (out[1], ==, 102);
  g_assert_cmpuint (generator.requested, ==, 2);
}

static void
test_reordered_packet_not_requested (void)
{
  SsNackGenerator generator;
  guint16 out[64];
  ss_nack_generator_init (&generator);

  ss_nack_generator_on_packet (&generator, 1, 0);
  ss_nack_generator_on_packet (&generator, 3, 1 * MS);
  g_assert_true (ss_nack_generator_on_packet (&generator, 2, 2 * MS));

  g_assert_cmpuint (collect (&generator, 50 * MS, -1, out), ==, 0);
  g_assert_cmpuint (generator.recovered, ==, 1);
  g_assert_cmpint (ss_nack_generator_get_next_timeout (&generator, -1), ==,
                   G_MAXINT64);
}

static void
test_retry_waits_for_rtt (void)
{
  SsNackGenerator generator;
  guint16 out[64];
  ss_nack_generator_init (&generator);

  ss_nack_generator_on_packet (&generator, 10, 0);
  ss_nack_generator_on_packet (&generator, 12, 0);
  g_assert_cmpuint (collect (&generator, 5 * MS, 80 * MS, out), ==, 1);

  /* The retransmission cannot be back before one RTT. */
  g_assert_cmpuint (collect (&generator, 60 * MS, 80 * MS, out), ==, 0);
  g_assert_cmpuint (collect (&generator, 85 * MS, 80 * MS, out), ==, 1);

  /* Unknown RTT: the minimum interval applies. */
  SsNackGenerator other;
  ss_nack_generator_init (&other);
  ss_nack_generator_on_packet (&other, 10, 0);
  ss_nack_generator_on_packet (&other, 12, 0);
  g_assert_cmpuint (collect (&other, 5 * MS, -1, out), ==, 1);
  g_assert_cmpuint (collect (&other, 34 * MS, -1, out), ==, 0);
  g_assert_cmpuint (collect (&other, 35 * MS, -1, out), ==, 1);
}

static void
test_bounded_requests (void)
{
  SsNackGenerator generator;
  guint16 out[64];
  ss_nack_generator_init (&generator);

  ss_nack_generator_on_packet (&generator, 0, 0);
  ss_nack_generator_on_packet (&generator, 2, 0);

  guint total = 0;
  for (gint64 t = 0; t <= 900 * MS; t += 10 * MS)
    total += collect (&generator, t, 20 * MS, out);

  g_assert_cmpuint (total, ==, SS_NACK_MAX_REQUESTS);
  g_assert_cmpuint (generator.n_entries, ==, 0);
  g_assert_cmpuint (generator.given_up, ==, 1);
}

static void
test_given_up_after_max_age (void)
{
  SsNackGenerator generator;
  guint16 out[64];
  ss_nack_generator_init (&generator);

  ss_nack_generator_on_packet (&generator, 0, 0);
  ss_nack_generator_on_packet (&generator, 2, 0);
  g_assert_cmpuint (collect (&generator, 10 * MS, 900 * MS, out), ==, 1);
  g_assert_cmpuint (collect (&generator, SS_NACK_MAX_AGE_US + 1, 900 * MS, out),
                    ==, 0);
  g_assert_cmpuint (generator.given_up, ==, 1);

  /* Arriving after being given up is not a recovery. */
  g_assert_false (ss_nack_generator_on_packet (&generator, 1, 2000 * MS));
}

static void
test_wraparound_numbers (void)
{
  SsNackGenerator generator;
  guint16 out[64];
  ss_nack_generator_init (&generator);

  /* Extended numbers across a 16-bit wrap: 65534, (65535, 65536 lost), 65537. */
  ss_nack_generator_on_packet (&generator, 65534, 0);
  ss_nack_generator_on_packet (&generator, 65537, 0);
  g_assert_cmpuint (collect (&generator, 10 * MS, -1, out), ==, 2);
  g_assert_cmpuint (out[0], ==, 65535);
  g_assert_cmpuint (out[1], ==, 0);
}

static void
test_huge_gap_not_tracked (void)
{
  SsNackGenerator generator;
  guint16 out[64];
  ss_nack_generator_init (&generator);

  ss_nack_generator_on_packet (&generator, 0, 0);
  ss_nack_generator_on_packet (&generator, 3, 0);
  ss_nack_generator_on_packet (&generator, 3 + SS_NACK_MAX_MISSING + 2, 0);

  g_assert_true (generator.gap_too_large);
  g_assert_cmpuint (generator.n_entries, ==, 0);
  g_assert_cmpuint (collect (&generator, 10 * MS, -1, out), ==, 0);
}

static void
test_list_full_drops_oldest (void)
{
  SsNackGenerator generator;
  guint16 out[64];
  ss_nack_generator_init (&generator);

  ss_nack_generator_on_packet (&generator, 0, 0);
  /* Two gaps of 200: the second pushes 144 of the first out. */
  ss_nack_generator_on_packet (&generator, 201, 0);
  ss_nack_generator_on_packet (&generator, 402, 0);

  g_assert_cmpuint (generator.n_entries, ==, SS_NACK_MAX_MISSING);
  g_assert_cmpuint (generator.given_up, ==, 400 - SS_NACK_MAX_MISSING);
  g_assert_cmpuint (collect (&generator, 10 * MS, -1, out), ==, 64);
  g_assert_cmpuint (out[0], ==, 1 + 400 - SS_NACK_MAX_MISSING);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nack-generator/gap-requested-after-allowance",
                   test_gap_requested_after_allowance);
  g_test_add_func ("/nack-generator/reordered-not-requested",
                   test_reordered_packet_not_requested);
  g_test_add_func ("/nack-generator/retry-waits-for-rtt", test_retry_waits_for_rtt);
  g_test_add_func ("/nack-generator/bounded-requests", test_bounded_requests);
  g_test_add_func ("/nack-generator/given-up-after-max-age", test_given_up_after_max_age);
  g_test_add_func ("/nack-generator/wraparound-numbers", test_wraparound_numbers);
  g_test_add_func ("/nack-generator/huge-gap-not-tracked", test_huge_gap_not_tracked);
  g_test_add_func ("/nack-generator/list-full-drops-oldest", test_list_full_drops_oldest);

  return g_test_run ();
}
