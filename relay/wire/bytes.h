/* Big-endian (network order) reads and writes on byte buffers, shared by the
 * wire parsers and writers. Callers check bounds before they call these. */
#pragma once

#include <glib.h>

static inline guint16
ss_read_u16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
ss_read_u24 (const guint8 *p)
{
  return ((guint32) p[0] << 16) | ((guint32) p[1] << 8) | p[2];
}

static inline guint32
ss_read_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) |
         ((guint32) p[2] << 8) | p[3];
}

static inline guint64
ss_read_u64 (const guint8 *p)
{
  return ((guint64) ss_read_u32 (p) << 32) | ss_read_u32 (p + 4);
}

static inline void
ss_write_u16 (guint8 *p, guint16 value)
{
  p[0] = (guint8) (value >> 8);
  p[1] = (guint8) value;
}

static inline void
ss_write_u24 (guint8 *p, guint32 value)
{
  p[0] = (guint8) (value >> 16);
  p[1] = (guint8) (value >> 8);
  p[2] = (guint8) value;
}

static inline void
ss_write_u32 (guint8 *p, guint32 value)
{
  p[0] = (guint8) (value >> 24);
  p[1] = (guint8) (value >> 16);
  p[2] = (guint8) (value >> 8);
  p[3] = (guint8) value;
}

static inline void
ss_write_u64 (guint8 *p, guint64 value)
{
  ss_write_u32 (p, (guint32) (value >> 32));
  ss_write_u32 (p + 4, (guint32) value);
}
