/* Helpers shared by the RTCP packet files; not part of the wire API. */
#pragma once

#include "wire/bytes.h"
#include "wire/rtcp.h"

/* Write the common header (RFC 3550 section 6.4.1) of a packet of len
 * bytes, len a multiple of 4, without padding. */
static inline void
ss_rtcp_write_header (guint8 *buf, guint8 count, guint8 packet_type, gsize len)
{
  buf[0] = (guint8) (0x80 | (count & 0x1F));
  buf[1] = packet_type;
  ss_write_u16 (buf + 2, (guint16) (len / 4 - 1));
}

/* The bytes of a packet that carry fields: its length minus the padding. */
static inline gsize
ss_rtcp_content_len (const SsRtcpPacket *p)
{
  if (p->data == NULL || p->padding_len > p->len)
    return 0;
  return p->len - p->padding_len;
}

/* The largest packet the 16-bit length field can describe. */
#define SS_RTCP_MAX_PACKET_LEN ((gsize) (G_MAXUINT16 + 1) * 4)
