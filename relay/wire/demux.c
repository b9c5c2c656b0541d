/* First-byte demultiplexing of STUN, DTLS, RTP and RTCP arriving on one
 * socket (RFC 7983 section 7), and the RTP/RTCP split of RFC 5761
 * section 4. The relay calls this on every datagram before any parser. */
#include "wire/demux.h"

/* RFC 5761 section 4: the second byte of RTCP is the packet type, and the
 * types in use fall in 192-223. In RTP that byte is the marker bit and the
 * payload type, so payload types 64-95 with the marker set collide with
 * RTCP. RFC 5761 requires senders to avoid those payload types, and such
 * packets are classified as RTCP here. */
#define SS_RTCP_TYPE_MIN 192
#define SS_RTCP_TYPE_MAX 223

static SsPacketKind
classify_rtp_or_rtcp (const guint8 *data, gsize len)
{
  if (len < 2)
    return SS_PACKET_UNKNOWN;

  if (data[1] >= SS_RTCP_TYPE_MIN && data[1] <= SS_RTCP_TYPE_MAX)
    return SS_PACKET_RTCP;

  return SS_PACKET_RTP;
}

SsPacketKind
ss_demux_classify (const guint8 *data, gsize len)
{
  if (data == NULL || len == 0)
    return SS_PACKET_UNKNOWN;

  guint8 first = data[0];

  /* RFC 7983 section 7: 0-3 STUN, 16-19 ZRTP, 20-63 DTLS, 64-79 TURN
   * channel, 128-191 RTP and RTCP. Every other value is dropped. */
  if (first <= 3)
    return SS_PACKET_STUN;
  if (first >= 20 && first <= 63)
    return SS_PACKET_DTLS;
  if (first >= 128 && first <= 191)
    return classify_rtp_or_rtcp (data, len);

  return SS_PACKET_UNKNOWN;
}

const char *
ss_packet_kind_to_string (SsPacketKind kind)
{
  switch (kind)
    {
    case SS_PACKET_STUN:
      return "STUN";
    case SS_PACKET_DTLS:
      return "DTLS";
    case SS_PACKET_RTP:
      return "RTP";
    case SS_PACKET_RTCP:
      return "RTCP";
    case SS_PACKET_UNKNOWN:
      return "unknown";
    }
  return "unknown";
}
