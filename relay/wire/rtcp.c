/* The walk over a compound RTCP packet and the common header of every RTCP
 * packet (RFC 3550 section 6.1 and 6.4.1), and the common header of the
 * RTPFB and PSFB feedback messages (RFC 4585 section 6.1). Each packet type
 * has its own file: rtcp-report.c, rtcp-nack.c, rtcp-psfb.c, rtcp-remb.c. */
#include "wire/rtcp.h"

#include "wire/rtcp-private.h"

void
ss_rtcp_iter_init (SsRtcpIter *iter, const guint8 *data, gsize len)
{
  g_return_if_fail (iter != NULL);

  *iter = (SsRtcpIter) {
    .data = data,
    .len = data != NULL ? len : 0,
    .offset = 0,
    .malformed = FALSE,
  };
}

static gboolean
iter_fail (SsRtcpIter *iter)
{
  iter->malformed = TRUE;
  iter->offset = iter->len;
  return FALSE;
}

gboolean
ss_rtcp_iter_next (SsRtcpIter *iter, SsRtcpPacket *packet)
{
  g_return_val_if_fail (iter != NULL && packet != NULL, FALSE);

  gsize remaining = iter->len - iter->offset;
  if (remaining == 0)
    return FALSE;
  if (remaining < SS_RTCP_HEADER_LEN)
    return iter_fail (iter);

  const guint8 *header = iter->data + iter->offset;
  if ((header[0] >> 6) != 2)
    return iter_fail (iter);

  /* The length field counts 32-bit words minus one, header included. */
  gsize packet_len = ((gsize) ss_read_u16 (header + 2) + 1) * 4;
  if (packet_len > remaining)
    return iter_fail (iter);

  /* RFC 3550 section 6.4.1: with the P bit set, the last byte counts the
   * padding bytes, itself included. They cannot reach into the header. */
  gsize padding_len = 0;
  if ((header[0] & 0x20) != 0)
    {
      padding_len = header[packet_len - 1];
      if (padding_len == 0 || padding_len > packet_len - SS_RTCP_HEADER_LEN)
        return iter_fail (iter);
    }

  *packet = (SsRtcpPacket) {
    .packet_type = header[1],
    .count = header[0] & 0x1F,
    .data = header,
    .len = packet_len,
    .padding_len = padding_len,
  };
  iter->offset += packet_len;
  return TRUE;
}

gboolean
ss_rtcp_parse_feedback (const SsRtcpPacket *p, guint32 *sender_ssrc,
                        guint32 *media_ssrc)
{
  g_return_val_if_fail (p != NULL, FALSE);

  if (p->packet_type != SS_RTCP_TYPE_RTPFB &&
      p->packet_type != SS_RTCP_TYPE_PSFB)
    return FALSE;
  if (ss_rtcp_content_len (p) < 12)
    return FALSE;

  if (sender_ssrc != NULL)
    *sender_ssrc = ss_read_u32 (p->data + 4);
  if (media_ssrc != NULL)
    *media_ssrc = ss_read_u32 (p->data + 8);
  return TRUE;
}
