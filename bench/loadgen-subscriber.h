/* One simulated remote classroom: its signaling connection, its WebRTC
 * peer, and what it counts about the two streams it receives. */
#pragma once

#include <glib.h>

#include "loadgen-peer.h"
#include "loadgen-stats.h"
#include "loadgen-ws.h"

G_BEGIN_DECLS

/* What all subscribers share: the publisher's send times, the latency
 * histogram, and the switches of the current run. */
typedef struct {
  const SsSendTable *video_sends;
  const SsSendTable *audio_sends;
  SsLatencyHistogram *latency;
  gboolean measuring;       /* latency samples only count in the window */
  gboolean decrypt;         /* unprotect every RTP packet */
  gint64 packet_received_ns; /* kernel receive time of the current datagram */
} SsBenchReceiveContext;

typedef struct {
  guint index;
  SsBenchReceiveContext *context;
  SsBenchWs *ws;
  SsBenchPeer *peer;
  SsRecvStream video;
  SsRecvStream audio;
  guint32 rtcp_ssrc;          /* sender SSRC of its receiver reports */
  gint64 next_report_us;
  gint64 created_us;
  gboolean failed;
  char *close_reason;

  guint64 datagrams_received; /* everything the relay sent to it */
  guint64 rtp_received;
  guint64 rtcp_received;
  guint64 rtp_malformed;
  guint64 reports_sent;
  /* The socket's drop count (SO_RXQ_OVFL) as of the latest datagram:
   * datagrams the kernel dropped because this process read too slowly. */
  guint32 socket_drops;
} SsBenchSubscriber;

SsBenchSubscriber *ss_bench_subscriber_new (guint index,
                                            SsBenchReceiveContext *context,
                                            int receive_buffer_bytes,
                                            GError **error);
void ss_bench_subscriber_free (SsBenchSubscriber *subscriber);

/* Takes the relay's answer: creates the transport and starts ICE. */
gboolean ss_bench_subscriber_start (SsBenchSubscriber *subscriber,
                                    const char *answer_sdp,
                                    SsDtlsCertificate *certificate,
                                    const char *srtp_profiles,
                                    gint64 now_us,
                                    GError **error);

/* One datagram from the relay. context->packet_received_ns is set. */
void ss_bench_subscriber_receive (SsBenchSubscriber *subscriber,
                                  gint64 now_us,
                                  guint8 *data,
                                  gsize len,
                                  const struct sockaddr *from,
                                  socklen_t from_len);

/* Timers: consent, DTLS, and a receiver report each second. */
void ss_bench_subscriber_handle_timeout (SsBenchSubscriber *subscriber,
                                         gint64 now_us);

/* Both streams have delivered at least one packet. */
gboolean ss_bench_subscriber_is_receiving (const SsBenchSubscriber *subscriber);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsBenchSubscriber, ss_bench_subscriber_free)

G_END_DECLS
