/* Unit tests of receive statistics: loss, fraction lost per interval,
 * sequence jumps, jitter from synthetic arrival times, and LSR/DLSR. */
#include "stream/recv-stats.h"
#include "wire/ntp.h"

#define SSRC 0x1234ABCDu
#define VIDEO_RATE 90000
#define AUDIO_RATE 48000
#define START_US G_GINT64_CONSTANT (1000000000)

/* Feed packets first..last (inclusive, modulo 2^16), skipping those for
 * which drop returns TRUE, 20 ms of audio apart with constant transit. */
static void
feed_audio (SsRecvStats *s, guint first, guint last, gboolean (*drop) (guint))
{
  for (guint i = first; i <= last; i++)
    {
      if (drop != NULL && drop (i))
        continue;
      ss_recv_stats_on_rtp (s, (guint16) i, i * 960u, START_US + (gint64) i * 20000, 100);
    }
}

static gboolean
drop_one_in_four (guint i)
{
  return i % 4 == 1;
}

static gboolean
drop_even (guint i)
{
  return i % 2 == 0;
}

static void
test_first_packet (void)
{
  SsRecvStats s;
  SsRtcpReportBlock block;

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  ss_recv_stats_on_rtp (&s, 4321, 1000, START_US, 160);

  g_assert_cmpuint (ss_recv_stats_get_packets_received (&s), ==, 1);
  g_assert_cmpuint (ss_recv_stats_get_bytes_received (&s), ==, 160);
  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 0);
  g_assert_cmpuint (ss_recv_stats_get_extended_highest_sequence (&s), ==, 4321);

  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpuint (block.ssrc, ==, SSRC);
  g_assert_cmpuint (block.fraction_lost, ==, 0);
  g_assert_cmpint (block.cumulative_lost, ==, 0);
  g_assert_cmpuint (block.highest_sequence, ==, 4321);
  g_assert_cmpuint (block.jitter, ==, 0);
}

static void
test_new_and_free (void)
{
  g_autoptr (SsRecvStats) s = ss_recv_stats_new (SSRC, VIDEO_RATE);

  g_assert_nonnull (s);
  g_assert_cmpuint (s->ssrc, ==, SSRC);
  g_assert_cmpuint (s->clock_rate, ==, VIDEO_RATE);
  g_assert_cmpuint (ss_recv_stats_get_packets_received (s), ==, 0);
}

static void
test_report_before_packets (void)
{
  SsRecvStats s;
  SsRtcpReportBlock block;

  ss_recv_stats_init (&s, SSRC, VIDEO_RATE);
  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpuint (block.ssrc, ==, SSRC);
  g_assert_cmpuint (block.fraction_lost, ==, 0);
  g_assert_cmpint (block.cumulative_lost, ==, 0);
  g_assert_cmpuint (block.highest_sequence, ==, 0);
  g_assert_cmpuint (block.lsr, ==, 0);
  g_assert_cmpuint (block.dlsr, ==, 0);
}

static void
test_loss_fraction (void)
{
  SsRecvStats s;
  SsRtcpReportBlock block;

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);

  /* 0-99 with 1, 5, ..., 97 dropped: 25 of 100 lost, 64/256. */
  feed_audio (&s, 0, 99, drop_one_in_four);
  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpuint (block.fraction_lost, ==, 64);
  g_assert_cmpint (block.cumulative_lost, ==, 25);
  g_assert_cmpuint (block.highest_sequence, ==, 99);
  g_assert_cmpuint (ss_recv_stats_get_fraction_lost (&s), ==, 64);

  /* A clean interval reports 0 while the cumulative count stays. */
  feed_audio (&s, 100, 199, NULL);
  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpuint (block.fraction_lost, ==, 0);
  g_assert_cmpint (block.cumulative_lost, ==, 25);

  /* Every even number of 200-299 lost: half, 128/256. */
  feed_audio (&s, 200, 299, drop_even);
  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpuint (block.fraction_lost, ==, 128);
  g_assert_cmpint (block.cumulative_lost, ==, 75);
  g_assert_cmpuint (ss_recv_stats_get_packets_received (&s), ==, 225);
  g_assert_cmpuint (ss_recv_stats_get_bytes_received (&s), ==, 22500);

  /* No packets since the last report. */
  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpuint (block.fraction_lost, ==, 0);
  g_assert_cmpint (block.cumulative_lost, ==, 75);
}

static void
test_loss_across_wrap (void)
{
  SsRecvStats s;
  SsRtcpReportBlock block;

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  for (guint i = 65530; i <= 65536 + 10; i++)
    if (i != 65536 + 2)
      ss_recv_stats_on_rtp (&s, (guint16) i, i * 960u, START_US + i * 20000, 100);

  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpuint (block.highest_sequence, ==, 0x0001000A);
  g_assert_cmpint (block.cumulative_lost, ==, 1);
  g_assert_cmpuint (block.fraction_lost, ==, 256 / 17);
}

static void
test_duplicates_make_loss_negative (void)
{
  SsRecvStats s;
  SsRtcpReportBlock block;
  const guint16 sequence[] = { 0, 1, 1, 2, 1 };

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  for (gsize i = 0; i < G_N_ELEMENTS (sequence); i++)
    ss_recv_stats_on_rtp (&s, sequence[i], sequence[i] * 960u, START_US + (gint64) i * 20000, 100);

  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, -2);
  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpint (block.cumulative_lost, ==, -2);
  g_assert_cmpuint (block.fraction_lost, ==, 0);
}

static void
test_reordered (void)
{
  SsRecvStats s;
  const guint16 sequence[] = { 10, 12, 11, 13 };

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  for (gsize i = 0; i < G_N_ELEMENTS (sequence); i++)
    ss_recv_stats_on_rtp (&s, sequence[i], sequence[i] * 960u, START_US + (gint64) i * 20000, 100);

  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 0);
  g_assert_cmpuint (ss_recv_stats_get_extended_highest_sequence (&s), ==, 13);

  /* A packet from before the first one received is expected too. */
  ss_recv_stats_on_rtp (&s, 9, 9 * 960u, START_US + 100000, 100);
  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 0);
  g_assert_cmpuint (ss_recv_stats_get_extended_highest_sequence (&s), ==, 13);
}

static void
test_very_late_packet_discarded (void)
{
  SsRecvStats s;

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  feed_audio (&s, 40000, 40999, NULL);

  /* 36,000 behind: outside the reordering window, so it is discarded. */
  ss_recv_stats_on_rtp (&s, 5000, 5000 * 960u, START_US + 41000 * 20000, 100);
  g_assert_cmpuint (ss_recv_stats_get_packets_discarded (&s), ==, 1);
  g_assert_cmpuint (ss_recv_stats_get_packets_received (&s), ==, 1000);
  g_assert_cmpuint (ss_recv_stats_get_extended_highest_sequence (&s), ==, 40999);
  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 0);

  /* The stream goes on as before. */
  feed_audio (&s, 41000, 41009, NULL);
  g_assert_cmpuint (ss_recv_stats_get_extended_highest_sequence (&s), ==, 41009);
  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 0);
}

static void
test_large_jump_confirmed (void)
{
  SsRecvStats s;

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  feed_audio (&s, 0, 9, NULL);

  /* The first packet after the jump is held back as possibly stray. */
  ss_recv_stats_on_rtp (&s, 20000, 0, START_US + 400000, 100);
  g_assert_cmpuint (ss_recv_stats_get_packets_discarded (&s), ==, 1);
  g_assert_cmpuint (ss_recv_stats_get_extended_highest_sequence (&s), ==, 9);

  /* The next one in sequence confirms it: the run restarts there. */
  ss_recv_stats_on_rtp (&s, 20001, 960, START_US + 420000, 100);
  g_assert_cmpuint (ss_recv_stats_get_extended_highest_sequence (&s), ==, 20001);
  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 0);
  g_assert_cmpuint (ss_recv_stats_get_packets_received (&s), ==, 11);

  feed_audio (&s, 20002, 20010, drop_even);
  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 4);
}

static void
test_large_jump_not_confirmed (void)
{
  SsRecvStats s;

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  feed_audio (&s, 0, 9, NULL);
  ss_recv_stats_on_rtp (&s, 30000, 0, START_US + 200000, 100);
  feed_audio (&s, 10, 19, NULL);

  g_assert_cmpuint (ss_recv_stats_get_packets_discarded (&s), ==, 1);
  g_assert_cmpuint (ss_recv_stats_get_extended_highest_sequence (&s), ==, 19);
  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 0);
}

static void
test_cumulative_lost_clamped (void)
{
  SsRecvStats s;
  SsRtcpReportBlock block;
  guint32 sequence = 0;

  /* Gaps of 2999 stay within the dropout limit and pile up 8,994,000
   * lost packets, more than the 24-bit field holds. */
  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  for (guint i = 0; i <= 3000; i++)
    {
      ss_recv_stats_on_rtp (&s, (guint16) sequence, i * 960u, START_US + (gint64) i * 20000, 100);
      sequence += 2999;
    }

  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 3000 * 2998);
  ss_recv_stats_make_report_block (&s, START_US, &block);
  g_assert_cmpint (block.cumulative_lost, ==, 0x7FFFFF);
  g_assert_cmpuint (block.fraction_lost, ==, 255);
  g_assert_cmpuint (block.highest_sequence, ==, 3000 * 2999);
}

static void
test_jitter_constant_transit (void)
{
  SsRecvStats s;

  /* 20 ms Opus frames arriving exactly 20 ms apart. */
  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  feed_audio (&s, 0, 499, NULL);
  g_assert_cmpuint (ss_recv_stats_get_jitter (&s), ==, 0);
  g_assert_cmpint (ss_recv_stats_get_jitter_us (&s), ==, 0);
  g_assert_cmpint (s.jitter, ==, 0);

  /* 30 fps video: 3000 units per frame, 33,333.3 us, with arrival times
   * rounded to whole microseconds. The rounding stays far below one unit. */
  ss_recv_stats_init (&s, SSRC, VIDEO_RATE);
  for (guint frame = 0; frame < 300; frame++)
    {
      gint64 arrival = START_US + (frame * G_GINT64_CONSTANT (100000) + 1) / 3;
      ss_recv_stats_on_rtp (&s, (guint16) frame, frame * 3000u, arrival, 1200);
    }
  g_assert_cmpuint (ss_recv_stats_get_jitter (&s), ==, 0);
  g_assert_cmpint (ss_recv_stats_get_jitter_us (&s), <=, 1);
}

static void
test_jitter_frame_burst (void)
{
  SsRecvStats s;

  /* Two packets per video frame, the second 1 ms after the first. RFC 3550
   * counts that spread as jitter: |D| is 1 ms within a frame and 1 ms
   * across frames, so J converges to 1 ms, 90 units. */
  ss_recv_stats_init (&s, SSRC, VIDEO_RATE);
  for (guint frame = 0; frame < 300; frame++)
    for (guint part = 0; part < 2; part++)
      {
        gint64 arrival = START_US + (frame * G_GINT64_CONSTANT (100000) + 1) / 3;
        ss_recv_stats_on_rtp (&s, (guint16) (frame * 2 + part), frame * 3000u,
                              arrival + part * 1000, 1200);
      }

  g_assert_cmpuint (ss_recv_stats_get_jitter (&s), >=, 89);
  g_assert_cmpuint (ss_recv_stats_get_jitter (&s), <=, 91);
  g_assert_cmpint (ss_recv_stats_get_jitter_us (&s), >=, 990);
  g_assert_cmpint (ss_recv_stats_get_jitter_us (&s), <=, 1010);
}

static void
test_jitter_known_variation (void)
{
  SsRecvStats s;

  /* Every other packet is 5 ms late: |D| is 5 ms (240 units) each time. */
  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  for (guint i = 0; i < 400; i++)
    {
      gint64 arrival = START_US + (gint64) i * 20000 + (i % 2) * 5000;
      ss_recv_stats_on_rtp (&s, (guint16) i, i * 960u, arrival, 100);

      /* J(n) = 240 * (1 - (15/16)^n) after n differences. */
      if (i == 1)
        g_assert_cmpuint (ss_recv_stats_get_jitter (&s), ==, 15);
      if (i == 2)
        g_assert_cmpuint (ss_recv_stats_get_jitter (&s), ==, 29);
    }

  g_assert_cmpuint (ss_recv_stats_get_jitter (&s), ==, 240);
  g_assert_cmpint (ss_recv_stats_get_jitter_us (&s), ==, 5000);
}

static void
test_jitter_ignores_late_packets (void)
{
  SsRecvStats s;

  ss_recv_stats_init (&s, SSRC, AUDIO_RATE);
  feed_audio (&s, 0, 49, drop_even);

  /* A retransmission of 10 arriving 600 ms late adds no jitter. */
  ss_recv_stats_on_rtp (&s, 10, 10 * 960u, START_US + 49 * 20000 + 600000, 100);
  g_assert_cmpuint (ss_recv_stats_get_jitter (&s), ==, 0);

  /* It does count as received: 24 of 1-49 were lost, 10 came back. */
  g_assert_cmpint (ss_recv_stats_get_cumulative_lost (&s), ==, 23);
}

static void
test_jitter_timestamp_wrap (void)
{
  SsRecvStats s;
  guint32 timestamp = G_MAXUINT32 - 5 * 3000;

  ss_recv_stats_init (&s, SSRC, VIDEO_RATE);
  for (guint i = 0; i < 20; i++)
    {
      ss_recv_stats_on_rtp (&s, (guint16) i, timestamp, START_US + (gint64) i * 100000 / 3, 1000);
      timestamp += 3000;
    }
  g_assert_cmpuint (ss_recv_stats_get_jitter (&s), ==, 0);
}

static void
test_lsr_dlsr (void)
{
  SsRecvStats s;
  SsRtcpReportBlock block;
  guint64 ntp = ss_ntp_from_unix_us (G_GINT64_CONSTANT (1733350000500000));

  ss_recv_stats_init (&s, SSRC, VIDEO_RATE);
  ss_recv_stats_on_rtp (&s, 1, 0, START_US, 1000);
  ss_recv_stats_make_report_block (&s, START_US + 1000, &block);
  g_assert_cmpuint (block.lsr, ==, 0);
  g_assert_cmpuint (block.dlsr, ==, 0);

  ss_recv_stats_on_sr (&s, ntp, START_US + 2000);
  ss_recv_stats_make_report_block (&s, START_US + 2000 + 250000, &block);
  g_assert_cmpuint (block.lsr, ==, ss_ntp_middle32 (ntp));
  g_assert_cmpuint (block.dlsr, ==, 16384);
}

static void
test_rtt_from_own_report (void)
{
  SsRecvStats s;
  SsRtcpReportBlock block;
  gint64 sr_sent = G_GINT64_CONSTANT (1733350000000000);

  /* The sender's SR takes 30 ms to arrive, is held 200 ms, and the report
   * takes 30 ms back: 60 ms round trip. */
  ss_recv_stats_init (&s, SSRC, VIDEO_RATE);
  ss_recv_stats_on_rtp (&s, 1, 0, START_US, 1000);
  ss_recv_stats_on_sr (&s, ss_ntp_from_unix_us (sr_sent), START_US + 30000);
  ss_recv_stats_make_report_block (&s, START_US + 230000, &block);

  gint64 rtt = ss_rtcp_rtt_us (&block, sr_sent + 260000);
  g_assert_cmpint (ABS (rtt - 60000), <=, 31);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/stream/recv-stats/first-packet", test_first_packet);
  g_test_add_func ("/relay/stream/recv-stats/new-and-free", test_new_and_free);
  g_test_add_func ("/relay/stream/recv-stats/report-before-packets", test_report_before_packets);
  g_test_add_func ("/relay/stream/recv-stats/loss-fraction", test_loss_fraction);
  g_test_add_func ("/relay/stream/recv-stats/loss-across-wrap", test_loss_across_wrap);
  g_test_add_func ("/relay/stream/recv-stats/duplicates-negative-loss",
                   test_duplicates_make_loss_negative);
  g_test_add_func ("/relay/stream/recv-stats/reordered", test_reordered);
  g_test_add_func ("/relay/stream/recv-stats/very-late-discarded", test_very_late_packet_discarded);
  g_test_add_func ("/relay/stream/recv-stats/large-jump-confirmed", test_large_jump_confirmed);
  g_test_add_func ("/relay/stream/recv-stats/large-jump-not-confirmed",
                   test_large_jump_not_confirmed);
  g_test_add_func ("/relay/stream/recv-stats/cumulative-lost-clamped", test_cumulative_lost_clamped);
  g_test_add_func ("/relay/stream/recv-stats/jitter-constant-transit", test_jitter_constant_transit);
  g_test_add_func ("/relay/stream/recv-stats/jitter-frame-burst", test_jitter_frame_burst);
  g_test_add_func ("/relay/stream/recv-stats/jitter-known-variation", test_jitter_known_variation);
  g_test_add_func ("/relay/stream/recv-stats/jitter-ignores-late", test_jitter_ignores_late_packets);
  g_test_add_func ("/relay/stream/recv-stats/jitter-timestamp-wrap", test_jitter_timestamp_wrap);
  g_test_add_func ("/relay/stream/recv-stats/lsr-dlsr", test_lsr_dlsr);
  g_test_add_func ("/relay/stream/recv-stats/rtt-from-own-report", test_rtt_from_own_report);

  return g_test_run ();
}
