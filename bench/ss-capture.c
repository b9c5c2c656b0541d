/* ss-capture: records the benchmark's stream once. Decodes a clip,
 * encodes it to VP8 and Opus as the lead agent does, packetises it to RTP
 * and writes each stream's packets to a file, each packet prefixed by its
 * 16-bit length (RFC 4571 section 2), which ss-loadgen replays. */
#include "ss-config.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <errno.h>
#include <stdio.h>

typedef struct {
  FILE *file;
  char *path;                   /* from the command line; freed by main */
  guint64 packets;
  guint64 bytes;
  gboolean failed;
} SsCaptureOutput;

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  SsCaptureOutput *output = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = sample != NULL ? gst_sample_get_buffer (sample) : NULL;

  if (buffer == NULL)
    return GST_FLOW_OK;

  gsize len = gst_buffer_get_size (buffer);
  g_autofree guint8 *data = g_malloc (len + 2);
  data[0] = (guint8) (len >> 8);
  data[1] = (guint8) len;
  gst_buffer_extract (buffer, 0, data + 2, len);

  if (len > G_MAXUINT16 || fwrite (data, 1, len + 2, output->file) != len + 2)
    {
      output->failed = TRUE;
      return GST_FLOW_ERROR;
    }

  output->packets++;
  output->bytes += len;
  return GST_FLOW_OK;
}

static gboolean
attach_output (GstElement *pipeline, const char *name, SsCaptureOutput *output)
{
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };

  output->file = fopen (output->path, "wb");
  if (output->file == NULL)
    {
      g_printerr ("ss-capture: cannot write %s: %s\n", output->path,
                  g_strerror (errno));
      return FALSE;
    }

  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, output, NULL);
  return TRUE;
}

/* Runs the pipeline to its end; FALSE on an error message. */
static gboolean
run_to_end (GstElement *pipeline)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  gboolean ok = TRUE;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_autoptr (GstMessage) message = gst_bus_timed_pop_filtered (
    bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      gst_message_parse_error (message, &error, NULL);
      g_printerr ("ss-capture: the encoding pipeline failed: %s\n",
                  error->message);
      ok = FALSE;
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

int
main (int argc, char **argv)
{
  g_autofree char *input = NULL;
  SsCaptureOutput video = { 0 };
  SsCaptureOutput audio = { 0 };
  g_autofree char *video_path = NULL;
  g_autofree char *audio_path = NULL;
  gint bitrate = 1500000;
  gint width = 1280;
  gint height = 720;
  const GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
      "Clip to encode (WebM with one video and one audio track)", "FILE" },
    { "video", 0, 0, G_OPTION_ARG_FILENAME, &video.path,
      "Output file of the VP8 RTP stream", "FILE" },
    { "audio", 0, 0, G_OPTION_ARG_FILENAME, &audio.path,
      "Output file of the Opus RTP stream", "FILE" },
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &bitrate,
      "VP8 target bitrate in bit/s (default 1500000)", "BPS" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width,
      "Video width in pixels (default 1280)", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height,
      "Video height in pixels (default 720)", "PX" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "- record the benchmark's RTP streams from a clip");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  gboolean parsed = g_option_context_parse (context, &argc, &argv, &error);
  video_path = video.path;
  audio_path = audio.path;
  if (!parsed || input == NULL || video.path == NULL || audio.path == NULL)
    {
      g_printerr ("ss-capture: %s\n",
                  error != NULL ? error->message
                                : "--input, --video and --audio are required");
      return 2;
    }

  /* The lead agent's encoder settings: real-time VP8 with a key frame at
   * least every 2 s, Opus in 20 ms frames. */
  g_autofree char *description = g_strdup_printf (
    "filesrc location=\"%s\" ! matroskademux name=demux "
    "demux.video_0 ! queue ! decodebin ! videoconvert ! videoscale "
    "! video/x-raw,width=%d,height=%d ! vp8enc target-bitrate=%d deadline=1 "
    "cpu-used=4 end-usage=cbr keyframe-max-dist=60 "
    "! rtpvp8pay mtu=1200 pt=96 ! appsink name=video sync=false "
    "demux.audio_0 ! queue ! decodebin ! audioconvert ! audioresample "
    "! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=64000 "
    "frame-size=20 ! rtpopuspay pt=111 ! appsink name=audio sync=false",
    input, width, height, bitrate);
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, &error);
  if (pipeline == NULL)
    {
      g_printerr ("ss-capture: cannot build the encoding pipeline: %s\n",
                  error->message);
      return 1;
    }

  gboolean ok = attach_output (pipeline, "video", &video)
                && attach_output (pipeline, "audio", &audio)
                && run_to_end (pipeline);

  if (video.file != NULL && fclose (video.file) != 0)
    ok = FALSE;
  if (audio.file != NULL && fclose (audio.file) != 0)
    ok = FALSE;
  if (!ok || video.failed || audio.failed)
    return 1;

  g_printerr ("ss-capture: %" G_GUINT64_FORMAT " video packets (%"
              G_GUINT64_FORMAT " bytes), %" G_GUINT64_FORMAT
              " audio packets (%" G_GUINT64_FORMAT " bytes)\n",
              video.packets, video.bytes, audio.packets, audio.bytes);
  return 0;
}
