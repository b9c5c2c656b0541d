/* 64-bit NTP timestamps as RTCP carries them (RFC 3550 section 4): seconds
 * since 1900-01-01 in the high 32 bits, the fraction of a second in the low
 * 32 bits. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
#define SS_NTP_UNIX_OFFSET_SECONDS G_GUINT64_CONSTANT (2208988800)

/* Convert microseconds since the Unix epoch to an NTP timestamp. The
 * fraction is rounded down, and the seconds wrap every 2^32 s as in NTP
 * itself (next in February 2036). */
guint64 ss_ntp_from_unix_us (gint64 unix_us);

/* Convert an NTP timestamp to microseconds since the Unix epoch, rounded to
 * the nearest microsecond. Seconds values with the top bit clear are read as
 * the NTP era that starts in 2036 (RFC 4330 section 3), so the result covers
 * 1968 to 2104. */
gint64 ss_ntp_to_unix_us (guint64 ntp);

/* The middle 32 bits (16.16 fixed point seconds), as used in the LSR field
 * of report blocks (RFC 3550 section 6.4.1). */
guint32 ss_ntp_middle32 (guint64 ntp);

/* Convert a duration in units of 1/65536 s, as the DLSR field and the
 * middle 32 bits measure time, to microseconds and back. */
gint64 ss_ntp_short_to_us (guint32 units);
guint32 ss_ntp_short_from_us (gint64 us);

G_END_DECLS
