/* The benchmark's publisher: replays the recorded VP8 and Opus streams in
 * a loop at their recorded pace, SRTP-protected, as the lead classroom's
 * agent would send them, and records each packet's send time. */
#pragma once

#include <glib.h>

#include "loadgen-capture.h"
#include "loadgen-peer.h"
#include "loadgen-stats.h"

G_BEGIN_DECLS

typedef struct {
  const SsCaptureStream *capture;
  guint32 ssrc;
  guint8 payload_type;
  guint16 next_sequence;
  guint32 timestamp_base;   /* RTP timestamp of the replay's start */
  guint next_index;         /* next packet of the capture */
  guint loop;               /* completed passes through the capture */
  guint64 packets_sent;
  guint64 octets_sent;      /* payload octets, as the SR counts them */
  SsSendTable *send_table;  /* owned */
} SsReplayStream;

typedef struct {
  SsBenchPeer *peer;
  SsReplayStream video;
  SsReplayStream audio;
  gint64 loop_duration_us;  /* both streams loop together */
  gint64 start_us;          /* CLOCK_MONOTONIC; 0 until started */
  gint64 next_sender_report_us;
  guint64 keyframe_requests;
} SsBenchPublisher;

SsBenchPublisher *ss_bench_publisher_new (const SsCaptureStream *video,
                                          const SsCaptureStream *audio);
void ss_bench_publisher_free (SsBenchPublisher *publisher);

/* Starts the replay clock. */
void ss_bench_publisher_start (SsBenchPublisher *publisher, gint64 now_us);

/* Sends every packet due at now_us, and the sender reports once a second.
 * Returns the time the next packet is due. */
gint64 ss_bench_publisher_send_due (SsBenchPublisher *publisher,
                                    gint64 now_us);

/* RTCP from the relay: receiver reports, PLI and FIR. */
void ss_bench_publisher_on_rtcp (SsBenchPublisher *publisher,
                                 const guint8 *packet,
                                 gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsBenchPublisher, ss_bench_publisher_free)

G_END_DECLS
