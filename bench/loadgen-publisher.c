/* Replay of the recorded streams. Each pass through the capture is sent
 * under one SSRC per stream with the sequence numbers and RTP timestamps
 * running on across passes (RFC 3550 section 5.1), so the relay sees one
 * endless stream. Sender reports (RFC 3550 section 6.4.1) go out once a
 * second, because the relay derives its reports to subscribers from them. */

#include "loadgen-publisher.h"

#include <string.h>
#include <time.h>

#include "transport/srtp.h"
#include "wire/ntp.h"
#include "wire/rtcp.h"
#include "wire/rtp.h"

#define SENDER_REPORT_INTERVAL_US G_USEC_PER_SEC
#define PACKET_BUFFER_SIZE 1600

static gint64
realtime_ns (void)
{
  struct timespec now;

  clock_gettime (CLOCK_REALTIME, &now);
  return (gint64) now.tv_sec * 1000000000 + now.tv_nsec;
}

static guint32
random_nonzero (void)
{
  guint32 value;

  do
    value = g_random_int ();
  while (value == 0);
  return value;
}

static void
replay_stream_init (SsReplayStream *stream, const SsCaptureStream *capture,
                    guint8 payload_type)
{
  *stream = (SsReplayStream){
    .capture = capture,
    .ssrc = random_nonzero (),
    .payload_type = payload_type,
    .next_sequence = (guint16) g_random_int (),
    .timestamp_base = g_random_int (),
    .send_table = g_new0 (SsSendTable, 1),
  };
}

SsBenchPublisher *
ss_bench_publisher_new (const SsCaptureStream *video,
                        const SsCaptureStream *audio)
{
  SsBenchPublisher *publisher = g_new0 (SsBenchPublisher, 1);

  replay_stream_init (&publisher->video, video, SS_BENCH_VIDEO_PT);
  replay_stream_init (&publisher->audio, audio, SS_BENCH_AUDIO_PT);
  publisher->loop_duration_us = MAX (video->duration_us, audio->duration_us);
  return publisher;
}

void
ss_bench_publisher_free (SsBenchPublisher *publisher)
{
  if (publisher == NULL)
    return;

  g_free (publisher->video.send_table);
  g_free (publisher->audio.send_table);
  g_free (publisher);
}

void
ss_bench_publisher_start (SsBenchPublisher *publisher, gint64 now_us)
{
  publisher->start_us = now_us;
  publisher->next_sender_report_us = now_us;
}

/* ---- RTP ---- */

static gint64
packet_due_us (const SsBenchPublisher *publisher,
               const SsReplayStream *stream)
{
  return publisher->start_us + (gint64) stream->loop * publisher->loop_duration_us
         + ss_capture_stream_get_offset_us (stream->capture,
                                            stream->next_index);
}

/* The RTP timestamp a packet due at due_us carries: the replay's own clock,
 * so timestamps advance by the loop's length at each new pass. */
static guint32
timestamp_at (const SsBenchPublisher *publisher, const SsReplayStream *stream,
              gint64 due_us)
{
  gint64 elapsed_us = due_us - publisher->start_us;
  guint64 ticks = (guint64) elapsed_us * stream->capture->clock_rate
                  / G_USEC_PER_SEC;

  return stream->timestamp_base + (guint32) ticks;
}

static void
send_next_packet (SsBenchPublisher *publisher, SsReplayStream *stream,
                  gint64 due_us)
{
  const SsCapturePacket *packet = &stream->capture->packets[stream->next_index];
  guint8 buffer[PACKET_BUFFER_SIZE];
  gsize len = MIN (packet->len, sizeof buffer - SS_SRTP_MAX_RTP_OVERHEAD);
  guint16 sequence = stream->next_sequence++;
  guint32 timestamp = timestamp_at (publisher, stream, due_us);

  memcpy (buffer, stream->capture->data + packet->offset, len);
  ss_rtp_write_sequence (buffer, sequence);
  ss_rtp_write_timestamp (buffer, timestamp);
  ss_rtp_write_ssrc (buffer, stream->ssrc);
  ss_rtp_write_payload_type (buffer, stream->payload_type);

  /* The record goes in before the send, so a copy cannot come back before
   * its send time is known. */
  ss_send_table_record (stream->send_table, sequence, timestamp,
                        packet->marker, realtime_ns ());
  if (ss_bench_peer_send_rtp (publisher->peer, buffer, len, sizeof buffer))
    {
      stream->packets_sent++;
      stream->octets_sent += len - SS_RTP_FIXED_HEADER_LEN;
    }

  if (++stream->next_index == stream->capture->n_packets)
    {
      stream->next_index = 0;
      stream->loop++;
    }
}

static gint64
send_stream_due (SsBenchPublisher *publisher, SsReplayStream *stream,
                 gint64 now_us)
{
  /* Bounded, so a stalled process catches up over several calls instead of
   * sending one huge burst. */
  for (guint sent = 0; sent < 256; sent++)
    {
      gint64 due_us = packet_due_us (publisher, stream);
      if (due_us > now_us)
        return due_us;
      send_next_packet (publisher, stream, due_us);
    }
  return now_us;
}

/* ---- RTCP ---- */

static void
send_sender_report (SsBenchPublisher *publisher, SsReplayStream *stream,
                    gint64 now_us)
{
  guint8 buffer[128];
  gint64 unix_us = realtime_ns () / 1000;
  SsRtcpSenderReport sr = {
    .ssrc = stream->ssrc,
    .ntp_timestamp = ss_ntp_from_unix_us (unix_us),
    .rtp_timestamp = timestamp_at (publisher, stream, now_us),
    .packet_count = (guint32) stream->packets_sent,
    .octet_count = (guint32) stream->octets_sent,
  };

  gsize len = ss_rtcp_write_sr (buffer, sizeof buffer, &sr);
  if (len > 0)
    ss_bench_peer_send_rtcp (publisher->peer, buffer, len, sizeof buffer);
}

gint64
ss_bench_publisher_send_due (SsBenchPublisher *publisher, gint64 now_us)
{
  if (publisher->start_us == 0)
    return G_MAXINT64;

  gint64 next_video = send_stream_due (publisher, &publisher->video, now_us);
  gint64 next_audio = send_stream_due (publisher, &publisher->audio, now_us);

  if (now_us >= publisher->next_sender_report_us)
    {
      send_sender_report (publisher, &publisher->video, now_us);
      send_sender_report (publisher, &publisher->audio, now_us);
      publisher->next_sender_report_us = now_us + SENDER_REPORT_INTERVAL_US;
    }

  return MIN (MIN (next_video, next_audio), publisher->next_sender_report_us);
}

void
ss_bench_publisher_on_rtcp (SsBenchPublisher *publisher, const guint8 *packet,
                            gsize len)
{
  SsRtcpIter iter;
  SsRtcpPacket item;

  /* The replay cannot make a key frame on request; the recording has one
   * every 2 s, so new subscribers wait at most that long. The requests are
   * counted to show the relay's key-frame policy at work. */
  ss_rtcp_iter_init (&iter, packet, len);
  while (ss_rtcp_iter_next (&iter, &item))
    if (item.packet_type == SS_RTCP_TYPE_PSFB
        && (item.count == SS_RTCP_PSFB_PLI || item.count == SS_RTCP_PSFB_FIR))
      publisher->keyframe_requests++;
}
