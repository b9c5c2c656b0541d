/* Conversion between Unix time in microseconds and NTP timestamps, for the
 * sender report's NTP field and the LSR/DLSR round-trip computation
 * (RFC 3550 sections 4 and 6.4.1). */
#include "wire/ntp.h"

#define US_PER_SECOND G_GINT64_CONSTANT (1000000)

guint64
ss_ntp_from_unix_us (gint64 unix_us)
{
  /* Floor division, so times before 1970 still get a fraction in [0, 1). */
  gint64 seconds = unix_us / US_PER_SECOND;
  gint64 remainder_us = unix_us % US_PER_SECOND;
  if (remainder_us < 0)
    {
      seconds -= 1;
      remainder_us += US_PER_SECOND;
    }

  guint32 ntp_seconds = (guint32) ((guint64) seconds + SS_NTP_UNIX_OFFSET_SECONDS);
  guint64 fraction = ((guint64) remainder_us << 32) / US_PER_SECOND;

  return ((guint64) ntp_seconds << 32) | fraction;
}

gint64
ss_ntp_to_unix_us (guint64 ntp)
{
  guint64 ntp_seconds = ntp >> 32;
  guint64 fraction = ntp & G_MAXUINT32;

  if ((ntp_seconds & 0x80000000) == 0)
    ntp_seconds += G_GUINT64_CONSTANT (1) << 32;

  gint64 seconds = (gint64) ntp_seconds - (gint64) SS_NTP_UNIX_OFFSET_SECONDS;
  gint64 micros = (gint64) ((fraction * US_PER_SECOND + (G_GUINT64_CONSTANT (1) << 31)) >> 32);

  return seconds * US_PER_SECOND + micros;
}

guint32
ss_ntp_middle32 (guint64 ntp)
{
  return (guint32) (ntp >> 16);
}

gint64
ss_ntp_short_to_us (guint32 units)
{
  return (gint64) (((guint64) units * US_PER_SECOND + 0x8000) >> 16);
}

guint32
ss_ntp_short_from_us (gint64 us)
{
  if (us <= 0)
    return 0;
  if (us >= 65536 * US_PER_SECOND)
    return G_MAXUINT32;

  guint64 units = (((guint64) us << 16) + US_PER_SECOND / 2) / US_PER_SECOND;
  return (guint32) MIN (units, G_MAXUINT32);
}
