/* Receive statistics of one RTP stream (RFC 3550 appendix A.1, A.3, A.8 and
 * section 6.4.1). Each incoming packet updates the sequence state and the
 * jitter estimate; each outgoing receiver report takes one report block,
 * which closes a reporting interval. Source validation by probation
 * (appendix A.1) is left out: the SSRC is known from signaling and SRTP has
 * authenticated the packet before it gets here. */
#include "stream/recv-stats.h"

#include "wire/ntp.h"

/* RFC 3550 appendix A.1: the largest forward gap and backward reordering
 * that are taken as the same run of sequence numbers. */
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define SEQ_MODULUS 0x10000
#define NO_BAD_SEQUENCE (SEQ_MODULUS + 1)

/* Jitter units per RTP timestamp unit. */
#define JITTER_SCALE G_GINT64_CONSTANT (1000000)

/* Arrival gaps above this are not used as jitter samples, which also keeps
 * gap * clock_rate within 64 bits for any 32-bit clock rate. */
#define MAX_JITTER_GAP_US G_GINT64_CONSTANT (1000000000)

/* Cumulative lost is a signed 24-bit field in the report block. */
#define CUMULATIVE_LOST_MAX 0x7FFFFF
#define CUMULATIVE_LOST_MIN (-0x800000)

void
ss_recv_stats_init (SsRecvStats *s, guint32 ssrc, guint32 clock_rate)
{
  g_return_if_fail (s != NULL);
  g_return_if_fail (clock_rate > 0);

  *s = (SsRecvStats) {
    .ssrc = ssrc,
    .clock_rate = clock_rate,
    .bad_sequence = NO_BAD_SEQUENCE,
  };
}

SsRecvStats *
ss_recv_stats_new (guint32 ssrc, guint32 clock_rate)
{
  g_return_val_if_fail (clock_rate > 0, NULL);

  SsRecvStats *s = g_new (SsRecvStats, 1);
  ss_recv_stats_init (s, ssrc, clock_rate);
  return s;
}

void
ss_recv_stats_free (SsRecvStats *s)
{
  g_free (s);
}

static void
restart_sequence (SsRecvStats *s, guint16 sequence)
{
  s->base_sequence = sequence;
  s->max_sequence = sequence;
  s->bad_sequence = NO_BAD_SEQUENCE;
  s->received = 0;
  s->expected_prior = 0;
  s->received_prior = 0;
  s->has_transit = FALSE;
  s->started = TRUE;
}

/* Appendix A.8: J += (|D| - J) / 16, where D is the difference in transit
 * time between this packet and the previous one. D is computed as arrival
 * gap * clock_rate - timestamp gap * 1e6, in 1e-6 timestamp units, so no
 * rounding from microseconds to timestamp units enters it. */
static void
update_jitter (SsRecvStats *s, guint32 rtp_timestamp, gint64 arrival_us)
{
  gint64 arrival_gap_us = arrival_us - s->last_arrival_us;
  gint32 timestamp_gap = (gint32) (rtp_timestamp - s->last_rtp_timestamp);
  gboolean usable = s->has_transit && ABS (arrival_gap_us) <= MAX_JITTER_GAP_US;

  s->has_transit = TRUE;
  s->last_arrival_us = arrival_us;
  s->last_rtp_timestamp = rtp_timestamp;
  if (!usable)
    return;

  gint64 difference = arrival_gap_us * s->clock_rate - (gint64) timestamp_gap * JITTER_SCALE;
  s->jitter += (ABS (difference) - s->jitter) / 16;
}

/* Returns FALSE when the packet is discarded. */
static gboolean
update_sequence (SsRecvStats *s, guint16 sequence, guint32 rtp_timestamp,
                 gint64 arrival_us)
{
  guint16 max_low = (guint16) s->max_sequence;
  guint16 ahead = (guint16) (sequence - max_low);

  if (ahead == 0)
    return TRUE;

  /* In order, possibly after a gap. Only these packets feed the jitter,
   * because a late packet, such as a retransmission, would add its delay.
   * NOTE: packets of one video frame share a timestamp, so the sender's
   * pacing between them counts as jitter, as RFC 3550 defines it. */
  if (ahead < MAX_DROPOUT)
    {
      s->max_sequence += ahead;
      update_jitter (s, rtp_timestamp, arrival_us);
      return TRUE;
    }

  /* A large jump either way. Two packets in sequence confirm it. */
  if (ahead <= SEQ_MODULUS - MAX_MISORDER)
    {
      if (sequence != s->bad_sequence)
        {
          s->bad_sequence = (sequence + 1u) % SEQ_MODULUS;
          return FALSE;
        }
      restart_sequence (s, sequence);
      update_jitter (s, rtp_timestamp, arrival_us);
      return TRUE;
    }

  /* Reordered by fewer than MAX_MISORDER. A packet from before the first one
   * received extends the run backwards, so it is expected as well. */
  gint64 extended = s->max_sequence - (guint16) (max_low - sequence);
  if (extended < s->base_sequence)
    s->base_sequence = extended;
  return TRUE;
}

void
ss_recv_stats_on_rtp (SsRecvStats *s, guint16 sequence, guint32 rtp_timestamp,
                      gint64 arrival_us, gsize bytes)
{
  g_return_if_fail (s != NULL);

  if (!s->started)
    {
      restart_sequence (s, sequence);
      update_jitter (s, rtp_timestamp, arrival_us);
    }
  else if (!update_sequence (s, sequence, rtp_timestamp, arrival_us))
    {
      s->packets_discarded++;
      return;
    }

  s->received++;
  s->packets_received++;
  s->bytes_received += bytes;
}

void
ss_recv_stats_on_sr (SsRecvStats *s, guint64 ntp_timestamp, gint64 arrival_us)
{
  g_return_if_fail (s != NULL);

  s->has_sr = TRUE;
  s->last_sr_middle = ss_ntp_middle32 (ntp_timestamp);
  s->last_sr_arrival_us = arrival_us;
}

static gint64
expected_packets (const SsRecvStats *s)
{
  if (!s->started)
    return 0;
  return s->max_sequence - s->base_sequence + 1;
}

/* Appendix A.3: the fraction of the packets expected in this interval that
 * did not arrive, 0 when duplicates make up for the losses. */
static guint8
compute_fraction_lost (const SsRecvStats *s, gint64 expected)
{
  gint64 expected_interval = expected - s->expected_prior;
  gint64 received_interval = (gint64) (s->received - s->received_prior);
  gint64 lost_interval = expected_interval - received_interval;

  if (expected_interval <= 0 || lost_interval <= 0)
    return 0;
  return (guint8) MIN ((lost_interval << 8) / expected_interval, 255);
}

void
ss_recv_stats_make_report_block (SsRecvStats *s, gint64 now_us,
                                 SsRtcpReportBlock *block)
{
  g_return_if_fail (s != NULL && block != NULL);

  gint64 expected = expected_packets (s);
  gint64 lost = ss_recv_stats_get_cumulative_lost (s);
  guint8 fraction = compute_fraction_lost (s, expected);

  *block = (SsRtcpReportBlock) {
    .ssrc = s->ssrc,
    .fraction_lost = fraction,
    .cumulative_lost = (gint32) CLAMP (lost, CUMULATIVE_LOST_MIN, CUMULATIVE_LOST_MAX),
    .highest_sequence = ss_recv_stats_get_extended_highest_sequence (s),
    .jitter = ss_recv_stats_get_jitter (s),
    .lsr = s->has_sr ? s->last_sr_middle : 0,
    .dlsr = s->has_sr ? ss_ntp_short_from_us (now_us - s->last_sr_arrival_us) : 0,
  };

  s->expected_prior = expected;
  s->received_prior = s->received;
  s->last_fraction_lost = fraction;
}

guint64
ss_recv_stats_get_packets_received (const SsRecvStats *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return s->packets_received;
}

guint64
ss_recv_stats_get_bytes_received (const SsRecvStats *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return s->bytes_received;
}

guint64
ss_recv_stats_get_packets_discarded (const SsRecvStats *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return s->packets_discarded;
}

gint64
ss_recv_stats_get_cumulative_lost (const SsRecvStats *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return expected_packets (s) - (gint64) s->received;
}

guint8
ss_recv_stats_get_fraction_lost (const SsRecvStats *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return s->last_fraction_lost;
}

guint32
ss_recv_stats_get_extended_highest_sequence (const SsRecvStats *s)
{
  g_return_val_if_fail (s != NULL, 0);

  /* The report block field is the low 32 bits: 16 bits of cycles and the
   * highest sequence number. */
  return (guint32) s->max_sequence;
}

guint32
ss_recv_stats_get_jitter (const SsRecvStats *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return (guint32) ((s->jitter + JITTER_SCALE / 2) / JITTER_SCALE);
}

gint64
ss_recv_stats_get_jitter_us (const SsRecvStats *s)
{
  g_return_val_if_fail (s != NULL, 0);

  if (s->clock_rate == 0)
    return 0;

  /* 1e-6 timestamp units divided by units per second gives microseconds. */
  return (s->jitter + s->clock_rate / 2) / s->clock_rate;
}
