/* Receive statistics of one incoming RTP stream, for the report blocks the
 * relay sends back to the sender and for monitoring. They cover packet
 * counts and loss (RFC 3550 appendix A.1 and A.3), interarrival jitter
 * (appendix A.8), and LSR/DLSR from the last sender report (section
 * 6.4.1). Every time is a microsecond value passed in by the caller. */
#pragma once

#include <glib.h>

#include "wire/rtcp.h"

G_BEGIN_DECLS

typedef struct
{
  guint32 ssrc;
  guint32 clock_rate;   /* RTP timestamp units per second */
  gboolean started;

  /* Sequence state (appendix A.1). Sequence numbers are extended to 64
   * bits: base is the first of the current run, max the highest. */
  gint64 base_sequence;
  gint64 max_sequence;
  guint32 bad_sequence; /* expected next number after a large jump */
  guint64 received;     /* packets since base_sequence, duplicates too */
  gint64 expected_prior;
  guint64 received_prior;

  /* Jitter (appendix A.8), in units of 1e-6 RTP timestamp units, so that
   * the transit differences are exact integers. */
  gboolean has_transit;
  gint64 last_arrival_us;
  guint32 last_rtp_timestamp;
  gint64 jitter;

  /* Last sender report received. */
  gboolean has_sr;
  guint32 last_sr_middle;
  gint64 last_sr_arrival_us;

  /* Lifetime counters, kept across sequence restarts. */
  guint64 packets_received;
  guint64 bytes_received;
  guint64 packets_discarded;
  guint8 last_fraction_lost;
} SsRecvStats;

/* Initialise stats embedded in another object. clock_rate must not be 0. */
void ss_recv_stats_init (SsRecvStats *s, guint32 ssrc, guint32 clock_rate);
SsRecvStats *ss_recv_stats_new (guint32 ssrc, guint32 clock_rate);
void ss_recv_stats_free (SsRecvStats *s);

/* Count one RTP packet of the stream. bytes is whatever size the caller
 * counts (the whole packet, or the payload). A packet 3000 or more ahead of
 * the highest sequence number, or 100 or more behind it, is discarded and
 * counted in packets_discarded. If the next packet follows it in sequence,
 * the sequence state restarts there, as RFC 3550 appendix A.1 does for a
 * source that restarted. */
void ss_recv_stats_on_rtp (SsRecvStats *s, guint16 sequence,
                           guint32 rtp_timestamp, gint64 arrival_us,
                           gsize bytes);

/* Record the sender report of this stream that arrived at arrival_us. */
void ss_recv_stats_on_sr (SsRecvStats *s, guint64 ntp_timestamp,
                          gint64 arrival_us);

/* Fill one report block and start the next reporting interval: the fraction
 * lost covers the packets since the previous call. Before the first packet
 * the block carries the SSRC and zeros. */
void ss_recv_stats_make_report_block (SsRecvStats *s, gint64 now_us,
                                      SsRtcpReportBlock *block);

/* All packets counted, duplicates included, discarded ones excluded. */
guint64 ss_recv_stats_get_packets_received (const SsRecvStats *s);
guint64 ss_recv_stats_get_bytes_received (const SsRecvStats *s);
guint64 ss_recv_stats_get_packets_discarded (const SsRecvStats *s);
/* Expected minus received since the sequence (re)started, unclamped. It is
 * negative when duplicates outnumber losses. */
gint64 ss_recv_stats_get_cumulative_lost (const SsRecvStats *s);
/* The fraction lost of the last report block, 8-bit fixed point. */
guint8 ss_recv_stats_get_fraction_lost (const SsRecvStats *s);
guint32 ss_recv_stats_get_extended_highest_sequence (const SsRecvStats *s);
/* Interarrival jitter in RTP timestamp units and in microseconds. */
guint32 ss_recv_stats_get_jitter (const SsRecvStats *s);
gint64 ss_recv_stats_get_jitter_us (const SsRecvStats *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsRecvStats, ss_recv_stats_free)

G_END_DECLS
