/* Unit tests of NTP timestamp conversion. */
#include "wire/ntp.h"

#define US_PER_SECOND G_GINT64_CONSTANT (1000000)

static void
test_unix_epoch (void)
{
  guint64 ntp = ss_ntp_from_unix_us (0);

  g_assert_cmpuint (ntp >> 32, ==, 2208988800u);
  g_assert_cmpuint (ntp & G_MAXUINT32, ==, 0);
  g_assert_cmpint (ss_ntp_to_unix_us (ntp), ==, 0);
}

static void
test_half_second (void)
{
  guint64 ntp = ss_ntp_from_unix_us (1700000000 * US_PER_SECOND + 500000);

  g_assert_cmpuint (ntp >> 32, ==, 1700000000u + 2208988800u);
  g_assert_cmpuint (ntp & G_MAXUINT32, ==, 0x80000000u);
}

static void
test_round_trip (void)
{
  const gint64 times[] = {
    0,
    1,
    999999,
    1700000000 * US_PER_SECOND + 123456,
    1733350000 * US_PER_SECOND + 999999,
    -1,                                  /* 1969 */
    2085978495 * US_PER_SECOND + 999999, /* last second of NTP era 0 */
    2085978496 * US_PER_SECOND,          /* first of era 1, in 2036 */
    3000000000 * US_PER_SECOND + 7,      /* 2065 */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_test_message ("unix time %" G_GINT64_FORMAT " us", times[i]);
      g_assert_cmpint (ss_ntp_to_unix_us (ss_ntp_from_unix_us (times[i])), ==, times[i]);
    }
}

static void
test_era_wrap (void)
{
  /* 2036-02-07T06:28:16Z is NTP second 2^32, which wraps to 0. */
  guint64 ntp = ss_ntp_from_unix_us (2085978496 * US_PER_SECOND);

  g_assert_cmpuint (ntp, ==, 0);
}

static void
test_middle32 (void)
{
  g_assert_cmpuint (ss_ntp_middle32 (G_GUINT64_CONSTANT (0x1122334455667788)), ==,
                    0x33445566u);
}

static void
test_short_format (void)
{
  g_assert_cmpint (ss_ntp_short_to_us (65536), ==, US_PER_SECOND);
  g_assert_cmpint (ss_ntp_short_to_us (32768), ==, 500000);
  g_assert_cmpint (ss_ntp_short_to_us (0), ==, 0);

  g_assert_cmpuint (ss_ntp_short_from_us (US_PER_SECOND), ==, 65536);
  g_assert_cmpuint (ss_ntp_short_from_us (250000), ==, 16384);
  g_assert_cmpuint (ss_ntp_short_from_us (-5), ==, 0);
  g_assert_cmpuint (ss_ntp_short_from_us (G_MAXINT64), ==, G_MAXUINT32);

  /* One unit is about 15.26 us, so a round trip is within 8 us. */
  for (gint64 us = 0; us < 3 * US_PER_SECOND; us += 12347)
    g_assert_cmpint (ABS (ss_ntp_short_to_us (ss_ntp_short_from_us (us)) - us), <=, 8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/wire/ntp/unix-epoch", test_unix_epoch);
  g_test_add_func ("/relay/wire/ntp/half-second", test_half_second);
  g_test_add_func ("/relay/wire/ntp/round-trip", test_round_trip);
  g_test_add_func ("/relay/wire/ntp/era-wrap", test_era_wrap);
  g_test_add_func ("/relay/wire/ntp/middle32", test_middle32);
  g_test_add_func ("/relay/wire/ntp/short-format", test_short_format);

  return g_test_run ();
}
