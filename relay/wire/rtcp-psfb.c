/* Keyframe requests: Picture Loss Indication (RFC 4585 section 6.3.1) and
 * Full Intra Request (RFC 5104 section 4.3.1). Both are payload-specific
 * feedback messages. */
#include "wire/rtcp.h"

#include "wire/rtcp-private.h"

#define FEEDBACK_HEADER_LEN 12
#define FIR_ENTRY_LEN 8

gsize
ss_rtcp_write_pli (guint8 *buf, gsize cap, guint32 sender_ssrc,
                   guint32 media_ssrc)
{
  if (buf == NULL || cap < FEEDBACK_HEADER_LEN)
    return 0;

  ss_rtcp_write_header (buf, SS_RTCP_PSFB_PLI, SS_RTCP_TYPE_PSFB,
                        FEEDBACK_HEADER_LEN);
  ss_write_u32 (buf + 4, sender_ssrc);
  ss_write_u32 (buf + 8, media_ssrc);
  return FEEDBACK_HEADER_LEN;
}

gsize
ss_rtcp_write_fir (guint8 *buf, gsize cap, guint32 sender_ssrc,
                   guint32 media_ssrc, guint8 sequence)
{
  gsize len = FEEDBACK_HEADER_LEN + FIR_ENTRY_LEN;
  if (buf == NULL || cap < len)
    return 0;

  /* RFC 5104 section 4.3.1.2: the header's media source SSRC is 0, and the
   * media sender is named in the FCI entry, followed by the command
   * sequence number and 24 reserved bits. */
  ss_rtcp_write_header (buf, SS_RTCP_PSFB_FIR, SS_RTCP_TYPE_PSFB, len);
  ss_write_u32 (buf + 4, sender_ssrc);
  ss_write_u32 (buf + 8, 0);
  ss_write_u32 (buf + 12, media_ssrc);
  buf[16] = sequence;
  ss_write_u24 (buf + 17, 0);
  return len;
}

gboolean
ss_rtcp_fir_find (const SsRtcpPacket *p, guint32 media_ssrc, guint8 *sequence)
{
  g_return_val_if_fail (p != NULL, FALSE);

  if (p->packet_type != SS_RTCP_TYPE_PSFB || p->count != SS_RTCP_PSFB_FIR)
    return FALSE;

  gsize content_len = ss_rtcp_content_len (p);
  for (gsize offset = FEEDBACK_HEADER_LEN;
       content_len >= FIR_ENTRY_LEN && offset <= content_len - FIR_ENTRY_LEN;
       offset += FIR_ENTRY_LEN)
    {
      if (ss_read_u32 (p->data + offset) != media_ssrc)
        continue;

      if (sequence != NULL)
        *sequence = p->data[offset + 4];
      return TRUE;
    }

  return FALSE;
}
