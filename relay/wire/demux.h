/* Telling apart the protocols that share one UDP 5-tuple in WebRTC. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SS_PACKET_STUN,
  SS_PACKET_DTLS,
  SS_PACKET_RTP,
  SS_PACKET_RTCP,
  SS_PACKET_UNKNOWN,
} SsPacketKind;

/* Classify a datagram by its first byte (RFC 7983 section 7) and, for RTP
 * and RTCP, by its second byte (RFC 5761 section 4). Only the bytes needed
 * for that are checked: the parser of the returned kind validates the
 * rest. ZRTP and TURN channel data, which this relay does not handle, are
 * SS_PACKET_UNKNOWN. */
SsPacketKind ss_demux_classify (const guint8 *data, gsize len);

const char *ss_packet_kind_to_string (SsPacketKind kind);

G_END_DECLS
