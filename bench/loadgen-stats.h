/* Receive-side measurements of the benchmark: per-stream sequence gaps of
 * each subscriber, and the relay-added latency of each packet matched
 * against the time the publisher sent it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- the publisher's send times ---- */

/* One entry per outgoing RTP sequence number of a publisher stream. */
typedef struct {
  gint64 sent_ns;     /* CLOCK_REALTIME, the clock of SO_TIMESTAMPNS */
  guint32 timestamp;  /* RTP timestamp as sent */
  gboolean marker;
  gboolean valid;
} SsSendRecord;

/* Send times indexed by the 16-bit sequence number, so a lookup is one
 * array access. A record is overwritten after 65,536 packets of the stream
 * (about 7 minutes of 1.5 Mbit/s video), long after its copies arrived. */
typedef struct {
  SsSendRecord records[65536];
  guint16 latest_sequence;
  gboolean has_latest;
} SsSendTable;

void ss_send_table_record (SsSendTable *table, guint16 sequence,
                           guint32 timestamp, gboolean marker,
                           gint64 sent_ns);

/* ---- latency histogram ---- */

#define SS_LATENCY_BUCKET_NS 10000 /* 10 µs */
#define SS_LATENCY_N_BUCKETS 20000 /* up to 200 ms */

typedef struct {
  guint64 buckets[SS_LATENCY_N_BUCKETS];
  guint64 over_range; /* samples of 200 ms or more */
  guint64 count;
} SsLatencyHistogram;

void ss_latency_histogram_add (SsLatencyHistogram *histogram,
                               gint64 latency_ns);
/* Returns the q-quantile (0 < q < 1) in ms, with the resolution of one
 * bucket (the bucket's upper edge), or -1 when there is no sample. Samples
 * past the range count as 200 ms. */
double ss_latency_histogram_quantile_ms (const SsLatencyHistogram *histogram,
                                         double q);

/* ---- one received stream ---- */

typedef struct {
  guint32 ssrc;           /* the consumer SSRC from the relay's answer */
  gboolean started;
  guint16 max_sequence;
  guint32 cycles;         /* wraps of the sequence number, times 2^16 */
  guint32 base_sequence;  /* extended number of the first packet */
  guint64 received;       /* packets in sequence order or late, not duplicates */
  guint64 duplicates;
  guint64 received_at_window_start;

  /* The relay rewrites the sequence number as publisher number plus a
   * per-consumer offset (fixed for the consumer's life), learned from the
   * first packet that names one send record without doubt. */
  gboolean offset_known;
  guint16 sequence_offset;
  guint64 latency_unmatched; /* packets whose send record did not match */

  /* For receiver reports (RFC 3550 appendix A.3). */
  guint32 expected_prior;
  guint64 received_prior;
  guint32 lsr;            /* middle 32 bits of the last SR's NTP time */
  gint64 lsr_arrival_us;  /* CLOCK_MONOTONIC */
} SsRecvStream;

/* Extended highest sequence number received (RFC 3550 section 6.4.1). */
guint32 ss_recv_stream_get_extended_max (const SsRecvStream *stream);

/* Counts one packet's sequence number. Returns FALSE for a duplicate or a
 * packet older than the highest by more than half the sequence space. */
gboolean ss_recv_stream_on_packet (SsRecvStream *stream, guint16 sequence);

/* Learns the sequence offset when it is still unknown, then looks up the
 * packet's send time. Returns the send time in ns, or -1 when the packet
 * matches no send record. Audio packets each carry their own timestamp;
 * for video, only a packet with the marker bit names one record (the last
 * of its frame), so the offset is learned from such a packet. */
gint64 ss_recv_stream_match_send_time (SsRecvStream *stream,
                                       const SsSendTable *table,
                                       guint16 sequence,
                                       guint32 timestamp,
                                       gboolean marker,
                                       gboolean is_video);

G_END_DECLS
