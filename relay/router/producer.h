/* A producer: one incoming RTP stream of a lesson's publisher (the lead's
 * camera or microphone), with the receive state the relay keeps for it. */
#pragma once

#include "router/endpoint.h"
#include "sdp/sdp-offer.h"
#include "stream/recv-stats.h"
#include "wire/rtp.h"

G_BEGIN_DECLS

typedef struct _SsConsumer SsConsumer;

typedef struct {
  SsMediaKind kind;
  guint32 ssrc;                 /* 0 until bound from the first packet */
  guint8 payload_type;
  guint clock_rate;
  SsSdpFeedback feedback;       /* what the publisher accepts from us */
  SsEndpoint endpoint;          /* the publisher's transport */

  SsRecvStats stats;

  /* The publisher's last sender report, the NTP/RTP pair consumers'
   * reports are derived from (RFC 3550 section 6.4.1). */
  gboolean has_sender_report;
  guint64 sr_ntp_timestamp;
  guint32 sr_rtp_timestamp;

  gint64 last_keyframe_us;      /* G_MININT64 before the first */
  gint64 last_keyframe_request_us;
  guint8 fir_sequence;

  GPtrArray *consumers;         /* SsConsumer, not owned */

  guint64 keyframes_received;
  guint64 keyframe_requests_sent;
} SsProducer;

SsProducer *ss_producer_new (SsMediaKind kind, guint32 ssrc,
                             guint8 payload_type, guint clock_rate,
                             const SsSdpFeedback *feedback,
                             const SsEndpoint *endpoint);
void ss_producer_free (SsProducer *producer);

/* Updates receive statistics; returns whether this packet starts a key
 * frame (always FALSE for audio). */
gboolean ss_producer_on_rtp (SsProducer *producer, const SsRtpHeader *header,
                             gsize len, gint64 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsProducer, ss_producer_free)

G_END_DECLS
