/* Generic NACK (RFC 4585 section 6.2.1): a transport-layer feedback message
 * whose FCI entries each name a lost packet ID (PID) and, in a bitmask of
 * following lost packets (BLP), which of the 16 sequence numbers after it
 * were lost too. Bit i of BLP (least significant first) stands for
 * PID + i + 1, modulo 2^16. */
#include "wire/rtcp.h"

#include "wire/rtcp-private.h"

#define FEEDBACK_HEADER_LEN 12
#define NACK_ENTRY_LEN 4

void
ss_rtcp_nack_iter_init (SsRtcpNackIter *it, const SsRtcpPacket *p)
{
  g_return_if_fail (it != NULL && p != NULL);

  *it = (SsRtcpNackIter) { 0 };
  if (p->packet_type != SS_RTCP_TYPE_RTPFB || p->count != SS_RTCP_RTPFB_NACK)
    return;

  gsize content_len = ss_rtcp_content_len (p);
  if (content_len < FEEDBACK_HEADER_LEN)
    return;

  /* A trailing partial entry can only come from bad padding: skip it. */
  gsize fci_len = content_len - FEEDBACK_HEADER_LEN;
  it->fci = p->data + FEEDBACK_HEADER_LEN;
  it->fci_len = fci_len - fci_len % NACK_ENTRY_LEN;
}

gboolean
ss_rtcp_nack_iter_next (SsRtcpNackIter *it, guint16 *sequence)
{
  g_return_val_if_fail (it != NULL && sequence != NULL, FALSE);

  for (;;)
    {
      if (!it->in_entry)
        {
          if (it->fci == NULL || it->fci_len - it->next_entry < NACK_ENTRY_LEN)
            return FALSE;

          it->pid = ss_read_u16 (it->fci + it->next_entry);
          it->blp = ss_read_u16 (it->fci + it->next_entry + 2);
          it->next_entry += NACK_ENTRY_LEN;
          it->next_bit = 0;
          it->in_entry = TRUE;
        }

      if (it->next_bit == 0)
        {
          it->next_bit = 1;
          *sequence = it->pid;
          return TRUE;
        }

      while (it->next_bit <= 16)
        {
          guint bit = it->next_bit - 1;
          it->next_bit++;
          if ((it->blp & (1u << bit)) != 0)
            {
              *sequence = (guint16) (it->pid + bit + 1);
              return TRUE;
            }
        }

      it->in_entry = FALSE;
    }
}

gsize
ss_rtcp_write_nack (guint8 *buf, gsize cap, guint32 sender_ssrc,
                    guint32 media_ssrc, const guint16 *sequences,
                    guint n_sequences)
{
  if (buf == NULL || sequences == NULL || n_sequences == 0)
    return 0;
  if (cap < FEEDBACK_HEADER_LEN)
    return 0;

  gsize len = FEEDBACK_HEADER_LEN;
  guint16 pid = sequences[0];
  guint16 blp = 0;

  for (guint i = 1; i <= n_sequences; i++)
    {
      /* Extend the open entry while the number is within 16 after its PID. */
      if (i < n_sequences)
        {
          guint16 distance = (guint16) (sequences[i] - pid);
          if (distance == 0)
            continue;
          if (distance <= 16)
            {
              blp |= (guint16) (1u << (distance - 1));
              continue;
            }
        }

      if (cap - len < NACK_ENTRY_LEN || len + NACK_ENTRY_LEN > SS_RTCP_MAX_PACKET_LEN)
        return 0;
      ss_write_u16 (buf + len, pid);
      ss_write_u16 (buf + len + 2, blp);
      len += NACK_ENTRY_LEN;

      if (i < n_sequences)
        {
          pid = sequences[i];
          blp = 0;
        }
    }

  ss_rtcp_write_header (buf, SS_RTCP_RTPFB_NACK, SS_RTCP_TYPE_RTPFB, len);
  ss_write_u32 (buf + 4, sender_ssrc);
  ss_write_u32 (buf + 8, media_ssrc);
  return len;
}
