/* RTCP packets: the compound packet walk and common header (RFC 3550
 * section 6.4), sender and receiver reports (section 6.4.1, 6.4.2), generic
 * NACK and PLI (RFC 4585 section 6.2.1, 6.3.1), FIR (RFC 5104 section
 * 4.3.1) and REMB (draft-alvestrand-rmcat-remb-03).
 *
 * Parsers read only the buffer they are given and allocate nothing.
 * Writers fill a caller's buffer and return the bytes written, or 0 when the
 * packet does not fit in cap. They never set the padding bit. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RTCP packet types (RFC 3550 section 12.1, RFC 4585 section 6.1, RFC
 * 3611). */
typedef enum
{
  SS_RTCP_TYPE_SR = 200,
  SS_RTCP_TYPE_RR = 201,
  SS_RTCP_TYPE_SDES = 202,
  SS_RTCP_TYPE_BYE = 203,
  SS_RTCP_TYPE_APP = 204,
  SS_RTCP_TYPE_RTPFB = 205,
  SS_RTCP_TYPE_PSFB = 206,
  SS_RTCP_TYPE_XR = 207,
} SsRtcpType;

/* Feedback message types, carried in the count field. RTPFB: RFC 4585
 * section 6.2 and, for transport-wide congestion control,
 * draft-holmer-rmcat-transport-wide-cc-extensions-01. PSFB: RFC 4585
 * section 6.3 and RFC 5104 section 4.3; application layer feedback (AFB)
 * carries REMB. */
#define SS_RTCP_RTPFB_NACK 1
#define SS_RTCP_RTPFB_TWCC 15
#define SS_RTCP_PSFB_PLI 1
#define SS_RTCP_PSFB_FIR 4
#define SS_RTCP_PSFB_AFB 15

#define SS_RTCP_HEADER_LEN 4
#define SS_RTCP_REPORT_BLOCK_LEN 24
#define SS_RTCP_MAX_REPORT_BLOCKS 31

/* One packet of a compound RTCP packet. */
typedef struct
{
  guint8 packet_type;
  guint8 count;            /* RC, SC or FMT */
  const guint8 *data;      /* whole packet including the header */
  gsize len;               /* whole packet including header and padding */
  gsize padding_len;       /* trailing padding bytes inside len */
} SsRtcpPacket;

typedef struct
{
  const guint8 *data;
  gsize len;
  gsize offset;
  gboolean malformed;
} SsRtcpIter;

void ss_rtcp_iter_init (SsRtcpIter *iter, const guint8 *data, gsize len);
/* Yield the next packet. Returns FALSE at the end or on malformed input,
 * and iter->malformed is TRUE in the second case. After a malformed packet
 * every later call returns FALSE, because the following packet boundaries
 * are unknown. */
gboolean ss_rtcp_iter_next (SsRtcpIter *iter, SsRtcpPacket *packet);

typedef struct
{
  guint32 ssrc;
  guint8 fraction_lost;     /* 8-bit fixed point, 256 = all lost */
  gint32 cumulative_lost;   /* signed 24-bit on the wire */
  guint32 highest_sequence; /* extended highest sequence number */
  guint32 jitter;           /* RTP timestamp units */
  guint32 lsr;              /* middle 32 bits of the last SR's NTP time */
  guint32 dlsr;             /* 1/65536 s since that SR arrived */
} SsRtcpReportBlock;

typedef struct
{
  guint32 ssrc;
  guint64 ntp_timestamp;
  guint32 rtp_timestamp;
  guint32 packet_count;
  guint32 octet_count;
  guint n_blocks;
  SsRtcpReportBlock blocks[SS_RTCP_MAX_REPORT_BLOCKS];
} SsRtcpSenderReport;

typedef struct
{
  guint32 ssrc;
  guint n_blocks;
  SsRtcpReportBlock blocks[SS_RTCP_MAX_REPORT_BLOCKS];
} SsRtcpReceiverReport;

/* Each parser returns FALSE when the packet has another type or is shorter
 * than its fields and counts require. Bytes past the report blocks
 * (profile-specific extensions) are ignored. */
gboolean ss_rtcp_parse_sr (const SsRtcpPacket *p, SsRtcpSenderReport *out);
gboolean ss_rtcp_parse_rr (const SsRtcpPacket *p, SsRtcpReceiverReport *out);

/* Read the RTPFB or PSFB common header: sender SSRC and media SSRC. The
 * FMT is p->count. */
gboolean ss_rtcp_parse_feedback (const SsRtcpPacket *p, guint32 *sender_ssrc,
                                 guint32 *media_ssrc);

/* Walks the lost sequence numbers of a generic NACK: each FCI entry gives a
 * packet ID (PID) and a bitmask of the 16 following lost packets (BLP). */
typedef struct
{
  const guint8 *fci;
  gsize fci_len;
  gsize next_entry;   /* offset of the FCI entry after the current one */
  guint16 pid;
  guint16 blp;
  guint next_bit;     /* 0: the PID is next; 1-16: BLP bit next_bit - 1 */
  gboolean in_entry;
} SsRtcpNackIter;

/* A packet other than a well-formed RTPFB generic NACK gives an iterator
 * that yields nothing. */
void ss_rtcp_nack_iter_init (SsRtcpNackIter *it, const SsRtcpPacket *p);
gboolean ss_rtcp_nack_iter_next (SsRtcpNackIter *it, guint16 *sequence);

/* Find the FIR entry for media_ssrc and return its command sequence
 * number. */
gboolean ss_rtcp_fir_find (const SsRtcpPacket *p, guint32 media_ssrc,
                           guint8 *sequence);

/* Parse a REMB message. *n_ssrcs is the capacity of ssrcs on input and the
 * number of SSRCs stored on output; SSRCs past the capacity are skipped.
 * A bitrate too large for 64 bits is returned as G_MAXUINT64. */
gboolean ss_rtcp_parse_remb (const SsRtcpPacket *p, guint64 *bitrate_bps,
                             guint32 *ssrcs, guint *n_ssrcs);

gsize ss_rtcp_write_sr (guint8 *buf, gsize cap, const SsRtcpSenderReport *sr);
gsize ss_rtcp_write_rr (guint8 *buf, gsize cap, const SsRtcpReceiverReport *rr);
gsize ss_rtcp_write_pli (guint8 *buf, gsize cap, guint32 sender_ssrc,
                         guint32 media_ssrc);
gsize ss_rtcp_write_fir (guint8 *buf, gsize cap, guint32 sender_ssrc,
                         guint32 media_ssrc, guint8 sequence);
/* Pack the sequence numbers into PID+BLP entries. The list should be in
 * ascending order modulo 2^16 (oldest first): each entry covers its PID and
 * the 16 numbers after it, so an unordered list still yields a correct but
 * longer packet. Duplicates of an entry's PID are dropped. Returns 0 for an
 * empty list. */
gsize ss_rtcp_write_nack (guint8 *buf, gsize cap, guint32 sender_ssrc,
                          guint32 media_ssrc, const guint16 *sequences,
                          guint n_sequences);
/* The written bitrate is rounded down to an 18-bit mantissa times a power of
 * two, so it is exact up to 262,143 bit/s and within 1/131,072 above. At
 * most 255 SSRCs fit. */
gsize ss_rtcp_write_remb (guint8 *buf, gsize cap, guint32 sender_ssrc,
                          guint64 bitrate_bps, const guint32 *ssrcs,
                          guint n_ssrcs);

/* Compute the round-trip time from a report block received about a stream
 * this side sends (RFC 3550 section 6.4.1): the arrival time minus LSR minus
 * DLSR, in microseconds. Returns -1 when LSR is 0 (the peer has received no
 * sender report yet). Returns 0 when the result would be negative, as
 * happens when the peer rounds DLSR up on a very short path. */
gint64 ss_rtcp_rtt_us (const SsRtcpReportBlock *block, gint64 now_unix_us);

G_END_DECLS
