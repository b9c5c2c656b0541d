/* The recorded stream the benchmark's publisher replays: RTP packets as
 * GStreamer's rtpstreampay writes them, each prefixed by its 16-bit length
 * (RFC 4571 section 2), one file per stream. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_CAPTURE_ERROR (ss_capture_error_quark ())
GQuark ss_capture_error_quark (void);

typedef enum {
  SS_CAPTURE_ERROR_READ,    /* the file cannot be read */
  SS_CAPTURE_ERROR_INVALID, /* truncated framing or a packet that is not RTP */
} SsCaptureError;

typedef struct {
  guint32 offset;    /* into SsCaptureStream.data */
  guint16 len;
  guint32 timestamp; /* RTP timestamp as recorded */
  gboolean marker;
} SsCapturePacket;

typedef struct {
  guint8 *data;
  SsCapturePacket *packets;
  guint n_packets;
  guint clock_rate;
  /* Time from the first packet to one packet interval past the last, in
   * µs; the replay loops after it. */
  gint64 duration_us;
} SsCaptureStream;

/* Reads every packet of path. clock_rate is the stream's RTP clock (90000
 * for VP8, 48000 for Opus), which the file does not record. */
SsCaptureStream *ss_capture_stream_load (const char *path,
                                         guint clock_rate,
                                         GError **error);
void ss_capture_stream_free (SsCaptureStream *stream);

/* Send offset of packet index from the first packet, in µs, derived from
 * the RTP timestamps the encoder wrote. */
gint64 ss_capture_stream_get_offset_us (const SsCaptureStream *stream,
                                        guint index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsCaptureStream, ss_capture_stream_free)

G_END_DECLS
