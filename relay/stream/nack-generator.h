/* Which lost packets of one incoming stream to request from its sender
 * with generic NACKs (RFC 4585 section 6.2.1), and when.
 *
 * A gap in the sequence numbers records the missing numbers. Each is
 * requested once the reordering allowance has passed, then again every
 * retry interval (at least one RTT) until it arrives, it has been requested
 * SS_NACK_MAX_REQUESTS times, or it is older than SS_NACK_MAX_AGE_US. Pure:
 * times are arguments.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Missing numbers tracked at once. A larger gap means the link was down
 * for a while; a key frame serves the decoder better than 256 NACKs. */
#define SS_NACK_MAX_MISSING 256
#define SS_NACK_MAX_REQUESTS 10
/* Beyond a second a retransmission is too late for a live lesson. */
#define SS_NACK_MAX_AGE_US (1000 * 1000)
/* Packets reordered by a few milliseconds are not lost. */
#define SS_NACK_REORDER_ALLOWANCE_US (5 * 1000)
#define SS_NACK_MIN_RETRY_INTERVAL_US (30 * 1000)

typedef struct {
  gint64 extended_sequence;
  gint64 missing_since_us;
  gint64 last_request_us;       /* G_MININT64: never requested */
  guint n_requests;
} SsNackEntry;

typedef struct {
  gboolean started;
  gint64 highest;
  SsNackEntry entries[SS_NACK_MAX_MISSING];
  guint n_entries;

  guint64 requested;            /* sequence numbers put into NACKs */
  guint64 recovered;            /* missing packets that arrived later */
  guint64 given_up;             /* missing packets dropped from the list */
  gboolean gap_too_large;       /* set by on_packet; the caller clears it */
} SsNackGenerator;

void ss_nack_generator_init (SsNackGenerator *generator);

/* Records an arrival. Returns TRUE when the packet was missing and so is a
 * recovery. A gap of more than SS_NACK_MAX_MISSING numbers is not tracked:
 * gap_too_large is set so the caller can ask for a key frame instead. */
gboolean ss_nack_generator_on_packet (SsNackGenerator *generator,
                                      gint64 extended_sequence,
                                      gint64 now_us);

/* Writes up to max 16-bit sequence numbers due for a request at now_us and
 * marks them requested; returns how many. rtt_us < 0 when unknown. */
guint ss_nack_generator_collect (SsNackGenerator *generator, gint64 now_us,
                                 gint64 rtt_us, guint16 *sequences, guint max);

/* When collect next has something to do; G_MAXINT64 when nothing is
 * missing. */
gint64 ss_nack_generator_get_next_timeout (const SsNackGenerator *generator,
                                           gint64 rtt_us);

G_END_DECLS
