/* Sender reports, receiver reports and their report blocks (RFC 3550
 * section 6.4.1 and 6.4.2), and the round-trip time a sender derives from a
 * report block. */
#include "wire/rtcp.h"

#include "wire/ntp.h"
#include "wire/rtcp-private.h"

#define SR_SENDER_INFO_END 28
#define RR_HEADER_END 8

/* Cumulative lost is a signed 24-bit field. */
#define CUMULATIVE_LOST_MAX 0x7FFFFF
#define CUMULATIVE_LOST_MIN (-0x800000)

static void
parse_report_block (const guint8 *p, SsRtcpReportBlock *block)
{
  guint32 lost = ss_read_u24 (p + 5);
  if ((lost & 0x800000) != 0)
    lost |= 0xFF000000;

  *block = (SsRtcpReportBlock) {
    .ssrc = ss_read_u32 (p),
    .fraction_lost = p[4],
    .cumulative_lost = (gint32) lost,
    .highest_sequence = ss_read_u32 (p + 8),
    .jitter = ss_read_u32 (p + 12),
    .lsr = ss_read_u32 (p + 16),
    .dlsr = ss_read_u32 (p + 20),
  };
}

static void
write_report_block (guint8 *p, const SsRtcpReportBlock *block)
{
  gint32 lost = CLAMP (block->cumulative_lost, CUMULATIVE_LOST_MIN,
                       CUMULATIVE_LOST_MAX);

  ss_write_u32 (p, block->ssrc);
  p[4] = block->fraction_lost;
  ss_write_u24 (p + 5, (guint32) lost & 0xFFFFFF);
  ss_write_u32 (p + 8, block->highest_sequence);
  ss_write_u32 (p + 12, block->jitter);
  ss_write_u32 (p + 16, block->lsr);
  ss_write_u32 (p + 20, block->dlsr);
}

/* Read p->count report blocks starting at offset, or fail when the packet
 * is too short for them. */
static gboolean
parse_report_blocks (const SsRtcpPacket *p, gsize offset,
                     SsRtcpReportBlock *blocks, guint *n_blocks)
{
  gsize needed = offset + (gsize) p->count * SS_RTCP_REPORT_BLOCK_LEN;
  if (ss_rtcp_content_len (p) < needed)
    return FALSE;

  for (guint i = 0; i < p->count; i++)
    parse_report_block (p->data + offset + (gsize) i * SS_RTCP_REPORT_BLOCK_LEN,
                        &blocks[i]);
  *n_blocks = p->count;
  return TRUE;
}

gboolean
ss_rtcp_parse_sr (const SsRtcpPacket *p, SsRtcpSenderReport *out)
{
  g_return_val_if_fail (p != NULL && out != NULL, FALSE);

  if (p->packet_type != SS_RTCP_TYPE_SR)
    return FALSE;
  if (ss_rtcp_content_len (p) < SR_SENDER_INFO_END)
    return FALSE;

  out->ssrc = ss_read_u32 (p->data + 4);
  out->ntp_timestamp = ss_read_u64 (p->data + 8);
  out->rtp_timestamp = ss_read_u32 (p->data + 16);
  out->packet_count = ss_read_u32 (p->data + 20);
  out->octet_count = ss_read_u32 (p->data + 24);
  out->n_blocks = 0;

  return parse_report_blocks (p, SR_SENDER_INFO_END, out->blocks,
                              &out->n_blocks);
}

gboolean
ss_rtcp_parse_rr (const SsRtcpPacket *p, SsRtcpReceiverReport *out)
{
  g_return_val_if_fail (p != NULL && out != NULL, FALSE);

  if (p->packet_type != SS_RTCP_TYPE_RR)
    return FALSE;
  if (ss_rtcp_content_len (p) < RR_HEADER_END)
    return FALSE;

  out->ssrc = ss_read_u32 (p->data + 4);
  out->n_blocks = 0;

  return parse_report_blocks (p, RR_HEADER_END, out->blocks, &out->n_blocks);
}

gsize
ss_rtcp_write_sr (guint8 *buf, gsize cap, const SsRtcpSenderReport *sr)
{
  g_return_val_if_fail (sr != NULL, 0);
  g_return_val_if_fail (sr->n_blocks <= SS_RTCP_MAX_REPORT_BLOCKS, 0);

  gsize len = SR_SENDER_INFO_END + (gsize) sr->n_blocks * SS_RTCP_REPORT_BLOCK_LEN;
  if (buf == NULL || cap < len)
    return 0;

  ss_rtcp_write_header (buf, (guint8) sr->n_blocks, SS_RTCP_TYPE_SR, len);
  ss_write_u32 (buf + 4, sr->ssrc);
  ss_write_u64 (buf + 8, sr->ntp_timestamp);
  ss_write_u32 (buf + 16, sr->rtp_timestamp);
  ss_write_u32 (buf + 20, sr->packet_count);
  ss_write_u32 (buf + 24, sr->octet_count);

  for (guint i = 0; i < sr->n_blocks; i++)
    write_report_block (buf + SR_SENDER_INFO_END + (gsize) i * SS_RTCP_REPORT_BLOCK_LEN,
                        &sr->blocks[i]);
  return len;
}

gsize
ss_rtcp_write_rr (guint8 *buf, gsize cap, const SsRtcpReceiverReport *rr)
{
  g_return_val_if_fail (rr != NULL, 0);
  g_return_val_if_fail (rr->n_blocks <= SS_RTCP_MAX_REPORT_BLOCKS, 0);

  gsize len = RR_HEADER_END + (gsize) rr->n_blocks * SS_RTCP_REPORT_BLOCK_LEN;
  if (buf == NULL || cap < len)
    return 0;

  ss_rtcp_write_header (buf, (guint8) rr->n_blocks, SS_RTCP_TYPE_RR, len);
  ss_write_u32 (buf + 4, rr->ssrc);

  for (guint i = 0; i < rr->n_blocks; i++)
    write_report_block (buf + RR_HEADER_END + (gsize) i * SS_RTCP_REPORT_BLOCK_LEN,
                        &rr->blocks[i]);
  return len;
}

gint64
ss_rtcp_rtt_us (const SsRtcpReportBlock *block, gint64 now_unix_us)
{
  g_return_val_if_fail (block != NULL, -1);

  if (block->lsr == 0)
    return -1;

  /* All three values are 16.16 fixed point seconds that wrap every 2^16 s,
   * so the subtraction is done modulo 2^32 and read as signed. */
  guint32 now = ss_ntp_middle32 (ss_ntp_from_unix_us (now_unix_us));
  gint32 rtt = (gint32) (now - block->lsr - block->dlsr);
  if (rtt < 0)
    return 0;

  return ss_ntp_short_to_us ((guint32) rtt);
}
