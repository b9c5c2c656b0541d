/* Loading the recorded RTP streams that the publisher replays. The file
 * contains no send times: each packet's offset comes from its RTP timestamp
 * (RFC 3550 section 5.1), so the packets of one video frame leave together
 * at the frame's time, as a sender without a pacer sends them. */

#include "loadgen-capture.h"

#include "wire/rtp.h"

G_DEFINE_QUARK (ss-capture-error-quark, ss_capture_error)

static gboolean
parse_packets (SsCaptureStream *stream, gsize len, const char *path,
               GError **error)
{
  GArray *packets = g_array_new (FALSE, FALSE, sizeof (SsCapturePacket));
  gsize offset = 0;

  while (offset < len)
    {
      if (len - offset < 2)
        break;

      gsize packet_len = ((gsize) stream->data[offset] << 8)
                         | stream->data[offset + 1];
      offset += 2;
      if (packet_len > len - offset)
        break;

      SsRtpHeader header;
      if (ss_rtp_parse (stream->data + offset, packet_len, &header)
          != SS_RTP_OK)
        break;

      SsCapturePacket packet = {
        .offset = (guint32) offset,
        .len = (guint16) packet_len,
        .timestamp = header.timestamp,
        .marker = header.marker,
      };
      g_array_append_val (packets, packet);
      offset += packet_len;
    }

  if (offset != len || packets->len < 2)
    {
      g_set_error (error, SS_CAPTURE_ERROR, SS_CAPTURE_ERROR_INVALID,
                   "%s: invalid capture at byte %" G_GSIZE_FORMAT
                   ": expected 16-bit length-prefixed RTP packets, at least "
                   "two of them",
                   path, offset);
      g_array_unref (packets);
      return FALSE;
    }

  stream->n_packets = packets->len;
  stream->packets = (SsCapturePacket *) g_array_free (packets, FALSE);
  return TRUE;
}

SsCaptureStream *
ss_capture_stream_load (const char *path, guint clock_rate, GError **error)
{
  g_return_val_if_fail (path != NULL && clock_rate > 0, NULL);

  g_autoptr (SsCaptureStream) stream = g_new0 (SsCaptureStream, 1);
  gsize len = 0;
  g_autoptr (GError) read_error = NULL;

  stream->clock_rate = clock_rate;
  if (!g_file_get_contents (path, (char **) &stream->data, &len, &read_error))
    {
      g_set_error (error, SS_CAPTURE_ERROR, SS_CAPTURE_ERROR_READ,
                   "cannot read the capture: %s", read_error->message);
      return NULL;
    }

  if (!parse_packets (stream, len, path, error))
    return NULL;

  /* One mean packet interval past the last packet, so the first packet of
   * the next loop does not land on the last one of this loop. */
  gint64 last_us = ss_capture_stream_get_offset_us (stream,
                                                    stream->n_packets - 1);
  stream->duration_us = last_us + last_us / (stream->n_packets - 1);
  return g_steal_pointer (&stream);
}

void
ss_capture_stream_free (SsCaptureStream *stream)
{
  if (stream == NULL)
    return;

  g_free (stream->packets);
  g_free (stream->data);
  g_free (stream);
}

gint64
ss_capture_stream_get_offset_us (const SsCaptureStream *stream, guint index)
{
  /* Unsigned subtraction handles a timestamp that wrapped during the
   * recording. */
  guint32 ticks = stream->packets[index].timestamp
                  - stream->packets[0].timestamp;

  return (gint64) ticks * G_USEC_PER_SEC / stream->clock_rate;
}
