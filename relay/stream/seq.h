/* RTP sequence numbers: comparison modulo 2^16 and unwrapping into a
 * monotonic 64-bit space (compare RFC 3550 appendix A.1). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean started;
  gint64 highest;
} SsSeqUnwrapper;

void ss_seq_unwrapper_init (SsSeqUnwrapper *u);

/* Return the extended sequence number: the one of the 2^16-spaced
 * candidates closest to the highest seen so far. The highest moves forward
 * only when sequence is newer. The first number unwraps to itself, so a
 * packet reordered before it may unwrap to a negative value. A packet older
 * than the highest by more than 2^15 looks the same as a newer one, and
 * unwraps forward. */
gint64 ss_seq_unwrap (SsSeqUnwrapper *u, guint16 sequence);

/* Returns TRUE when a comes after b modulo 2^16: less than 2^15 ahead, or
 * exactly 2^15 ahead and numerically larger, so that of two different
 * numbers exactly one is newer. */
gboolean ss_seq_is_newer (guint16 a, guint16 b);

G_END_DECLS
