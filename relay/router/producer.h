/* A producer: one incoming RTP stream of a lesson's publisher (a
 * classroom's camera or microphone), with the receive state the relay keeps
 * for it. */
#pragma once

#include "router/endpoint.h"
#include "sdp/sdp-offer.h"
#include "stream/nack-generator.h"
#include "stream/recv-stats.h"
#include "stream/retransmission-buffer.h"
#include "stream/seq.h"
#include "wire/rtp.h"
#include "wire/vp8.h"

G_BEGIN_DECLS

typedef struct _SsConsumer SsConsumer;

/* What the publisher's offer says about one of its streams. */
typedef struct {
  SsMediaKind kind;
  guint32 ssrc;                 /* 0 when the offer did not signal it */
  guint8 payload_type;
  guint clock_rate;
  SsSdpFeedback feedback;       /* what the publisher accepts from us */
  guint8 rtx_payload_type;      /* 0: no RTX (RFC 4588) */
  guint32 rtx_ssrc;
  /* Simulcast layer of the source, 0 the lowest; 0 without simulcast. */
  guint layer;
} SsProducerParams;

/* Video packets kept for retransmission: at 1.5 Mbit/s and ~1,100-byte
 * packets a second of video is about 170 packets, so 512 slots cover the
 * age limit with room for bursts (key frames). */
#define SS_PRODUCER_RETRANSMISSION_SLOTS 512
#define SS_PRODUCER_RETRANSMISSION_AGE_US (1000 * 1000)
#define SS_PRODUCER_PEAK_WINDOWS 8

typedef struct {
  char *source;                 /* the classroom whose stream this is */
  SsMediaKind kind;
  guint32 ssrc;                 /* 0 until bound from the first packet */
  guint8 payload_type;
  guint clock_rate;
  SsSdpFeedback feedback;
  guint8 rtx_payload_type;
  guint32 rtx_ssrc;
  guint layer;
  SsEndpoint endpoint;          /* the publisher's transport */

  /* Received bitrate, measured over windows of about half a second and
   * averaged over about four seconds, which the layer choice compares with
   * subscribers' estimates. */
  guint64 bitrate_bps;
  guint64 window_bytes;
  gint64 window_start_us;
  /* The highest half-second rate of the last SS_PRODUCER_PEAK_WINDOWS
   * windows: a step up to this layer must afford its peaks, not only its
   * average. */
  guint64 peak_bitrate_bps;
  guint64 window_samples[8];
  guint n_window_samples;

  SsRecvStats stats;
  SsSeqUnwrapper unwrapper;

  /* Loss recovery, video only: packets kept for subscribers' NACKs, and
   * the NACKs the relay sends the publisher when the publisher negotiated
   * them. */
  SsRetransmissionBuffer *retransmissions;
  SsNackGenerator nack;
  gboolean nack_enabled;

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
  guint64 duplicates_dropped;
  guint64 rtx_received;
} SsProducer;

SsProducer *ss_producer_new (const char *source,
                             const SsProducerParams *params,
                             const SsEndpoint *endpoint);
void ss_producer_free (SsProducer *producer);

/* Updates receive statistics; returns whether this packet starts a key
 * frame. descriptor is the packet's parsed VP8 payload descriptor, NULL for
 * audio or a payload too short to hold one. */
gboolean ss_producer_on_rtp (SsProducer *producer, const SsRtpHeader *header,
                             const SsVp8Descriptor *descriptor, gsize len,
                             gint64 now_us);

/* Closes the bitrate window when it is at least window_us long. */
void ss_producer_update_bitrate (SsProducer *producer, gint64 now_us,
                                 gint64 window_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsProducer, ss_producer_free)

G_END_DECLS
