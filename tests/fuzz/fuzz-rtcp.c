/* Fuzz target for the RTCP compound walk and every RTCP parser. Reports
 * that parse are written back and parsed again, and must come out equal;
 * NACK lists are re-packed and must iterate back to the same set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/rtcp.h"

static void
check_report_blocks (const SsRtcpReportBlock *a, const SsRtcpReportBlock *b, guint n)
{
  for (guint i = 0; i < n; i++)
    if (memcmp (&a[i], &b[i], sizeof a[i]) != 0)
      abort ();
}

static const SsRtcpPacket *
reparse (const guint8 *buf, gsize len, SsRtcpPacket *packet)
{
  SsRtcpIter iter;

  ss_rtcp_iter_init (&iter, buf, len);
  if (!ss_rtcp_iter_next (&iter, packet) || packet->len != len)
    abort ();
  return packet;
}

static void
check_sr (const SsRtcpPacket *p)
{
  static SsRtcpSenderReport sr, again;
  static guint8 buf[1024];
  SsRtcpPacket packet;

  memset (&sr, 0, sizeof sr);
  memset (&again, 0, sizeof again);
  if (!ss_rtcp_parse_sr (p, &sr))
    return;

  gsize len = ss_rtcp_write_sr (buf, sizeof buf, &sr);
  if (len == 0 || !ss_rtcp_parse_sr (reparse (buf, len, &packet), &again))
    abort ();
  if (again.ssrc != sr.ssrc || again.ntp_timestamp != sr.ntp_timestamp ||
      again.rtp_timestamp != sr.rtp_timestamp ||
      again.packet_count != sr.packet_count ||
      again.octet_count != sr.octet_count || again.n_blocks != sr.n_blocks)
    abort ();
  check_report_blocks (sr.blocks, again.blocks, sr.n_blocks);
}

static void
check_rr (const SsRtcpPacket *p)
{
  static SsRtcpReceiverReport rr, again;
  static guint8 buf[1024];
  SsRtcpPacket packet;

  memset (&rr, 0, sizeof rr);
  memset (&again, 0, sizeof again);
  if (!ss_rtcp_parse_rr (p, &rr))
    return;

  gsize len = ss_rtcp_write_rr (buf, sizeof buf, &rr);
  if (len == 0 || !ss_rtcp_parse_rr (reparse (buf, len, &packet), &again))
    abort ();
  if (again.ssrc != rr.ssrc || again.n_blocks != rr.n_blocks)
    abort ();
  check_report_blocks (rr.blocks, again.blocks, rr.n_blocks);
}

/* Collect the lost sequence numbers of p as a set; returns how many the
 * iterator yielded, repeats included. */
static guint
collect_nack_set (const SsRtcpPacket *p, guint8 *set, guint16 *list, guint capacity)
{
  SsRtcpNackIter it;
  guint16 sequence;
  guint n = 0;

  memset (set, 0, 65536 / 8);
  ss_rtcp_nack_iter_init (&it, p);
  while (ss_rtcp_nack_iter_next (&it, &sequence))
    {
      if (n == capacity)
        abort ();
      set[sequence / 8] |= (guint8) (1u << (sequence % 8));
      if (list != NULL)
        list[n] = sequence;
      n++;
    }
  return n;
}

static void
check_nack (const SsRtcpPacket *p)
{
  /* A packet of at most 2^18 bytes contains fewer than 65536 FCI entries
   * of at most 17 numbers each. Repacking never needs more entries than the
   * input had, so buf fits any repacked list. */
  static guint16 lost[17 * 65536];
  static guint8 set[65536 / 8], set_again[65536 / 8];
  static guint8 buf[SS_RTCP_HEADER_LEN + 65536 * 4];
  SsRtcpPacket packet;

  guint n = collect_nack_set (p, set, lost, G_N_ELEMENTS (lost));
  if (n == 0)
    return;

  /* Packing may merge and drop repeats, but the set of numbers stays. */
  gsize len = ss_rtcp_write_nack (buf, sizeof buf, 1, 2, lost, n);
  if (len == 0)
    abort ();
  guint n_again = collect_nack_set (reparse (buf, len, &packet), set_again, NULL,
                                    G_N_ELEMENTS (lost));
  if (n_again > n || memcmp (set, set_again, sizeof set) != 0)
    abort ();
}

static void
check_feedback (const SsRtcpPacket *p)
{
  guint32 sender, media, ssrcs[4];
  guint n_ssrcs = G_N_ELEMENTS (ssrcs);
  guint64 bitrate;
  guint8 fir_sequence;

  if (!ss_rtcp_parse_feedback (p, &sender, &media))
    return;

  ss_rtcp_fir_find (p, media, &fir_sequence);
  ss_rtcp_fir_find (p, sender, NULL);
  if (ss_rtcp_parse_remb (p, &bitrate, ssrcs, &n_ssrcs) && n_ssrcs > G_N_ELEMENTS (ssrcs))
    abort ();
  check_nack (p);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  SsRtcpIter iter;
  SsRtcpPacket packet;
  gsize total = 0;

  ss_rtcp_iter_init (&iter, data, size);
  while (ss_rtcp_iter_next (&iter, &packet))
    {
      if (packet.data < data || packet.len > (gsize) (data + size - packet.data) ||
          packet.padding_len > packet.len)
        abort ();
      total += packet.len;

      check_sr (&packet);
      check_rr (&packet);
      check_feedback (&packet);
      ss_rtcp_rtt_us (&(SsRtcpReportBlock) { .lsr = packet.len, .dlsr = packet.count }, 0);
    }

  if (!iter.malformed && total != size)
    abort ();
  return 0;
}
