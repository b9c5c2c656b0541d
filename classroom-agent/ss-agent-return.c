/* Return feed pipeline: camera (or videotestsrc with the classroom id
 * written on it) and microphone (or a tone) -> VP8 and Opus -> send-only
 * webrtcbin.
 *
 * `auto` looks for a camera with GstDeviceMonitor each time the pipeline
 * is built, so a camera plugged in between lessons is used from the next
 * publish on. With a camera, the microphone is the first audio source the
 * monitor lists, or silence when there is none, so the feed keeps its
 * audio stream either way.
 *
 * Key frames on request work as in the lead pipeline: rtpsession turns a
 * received PLI or FIR into a GstForceKeyUnit event that reaches vp8enc
 * (the unit test /agent/media/return-feed-pli checks it). The relay sends
 * a PLI whenever a subscriber's slot switches to this feed. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-return.h"
#include "ss-agent-error.h"
#include "ss-agent-pipeline.h"

#include <glib/gi18n.h>

struct _SsReturnPipeline {
  SsPipelineShell shell;
  SsAgentStats *stats;
  /* The source the pipeline captures: "test" or "camera". */
  const char *source_name;
};

/* Parses --return-source: "test", "auto", "none" or "v4l2:DEVICE". */
gboolean
ss_return_source_parse (const char *text, SsReturnSourceKind *kind,
                        char **device, GError **error)
{
  *device = NULL;

  if (g_strcmp0 (text, "test") == 0)
    *kind = SS_RETURN_SOURCE_TEST;
  else if (g_strcmp0 (text, "auto") == 0)
    *kind = SS_RETURN_SOURCE_AUTO;
  else if (g_strcmp0 (text, "none") == 0)
    *kind = SS_RETURN_SOURCE_NONE;
  else if (text != NULL && g_str_has_prefix (text, "v4l2:") && text[5] != '\0')
    {
      *kind = SS_RETURN_SOURCE_V4L2;
      *device = g_strdup (text + 5);
    }
  else
    {
      g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_INVALID_SOURCE,
                   _("Invalid return source \"%s\": use test, auto, none or "
                     "v4l2:/dev/videoN"),
                   text != NULL ? text : "");
      return FALSE;
    }
  return TRUE;
}

/* Returns the first device of @device_class (e.g. "Video/Source") that
 * produces raw @caps, or NULL. */
static GstDevice *
find_device (const char *device_class, const char *caps_text)
{
  g_autoptr (GstDeviceMonitor) monitor = gst_device_monitor_new ();
  g_autoptr (GstCaps) caps = gst_caps_from_string (caps_text);

  gst_device_monitor_add_filter (monitor, device_class, caps);
  GList *devices = gst_device_monitor_get_devices (monitor);
  GstDevice *device = devices != NULL ? gst_object_ref (devices->data) : NULL;
  g_list_free_full (devices, gst_object_unref);
  return device;
}

static GstElement *
make_element (const char *factory, const char *name, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL)
    g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_MISSING_ELEMENT,
                 "GStreamer element %s not found; install the GStreamer "
                 "plugin package that has it", factory);
  return element;
}

/* Builds the capture bin with ghost pads "video" (raw, any size) and
 * "audio" (raw). */
static GstElement *
make_source (SsReturnPipeline *feed, const SsReturnConfig *config,
             GError **error)
{
  g_autoptr (GstDevice) camera = NULL;
  GstElement *video = NULL;

  if (config->source == SS_RETURN_SOURCE_AUTO)
    {
      camera = find_device ("Video/Source", "video/x-raw");
      if (camera == NULL)
        g_info ("No camera found; the return feed shows a test picture");
    }

  gboolean test = config->source == SS_RETURN_SOURCE_TEST
                  || (config->source == SS_RETURN_SOURCE_AUTO && camera == NULL);
  GstElement *bin = gst_bin_new ("capture");

  if (test)
    {
      g_autoptr (GstElementFactory) overlay =
          gst_element_factory_find ("textoverlay");
      if (overlay == NULL)
        {
          g_set_error_literal (error, SS_AGENT_ERROR,
                               SS_AGENT_ERROR_MISSING_ELEMENT,
                               "GStreamer element textoverlay not found; "
                               "install gstreamer1.0-x");
          gst_object_unref (gst_object_ref_sink (bin));
          return NULL;
        }

      g_autofree char *description = g_strdup_printf (
          "videotestsrc is-live=true pattern=ball "
          "! video/x-raw,width=%d,height=%d,framerate=%d/1 "
          "! textoverlay name=label font-desc=\"Sans Bold 40\" "
          "valignment=center halignment=center",
          SS_RETURN_WIDTH, SS_RETURN_HEIGHT, SS_RETURN_FRAMERATE);
      /* No automatic ghost pads: textoverlay's unlinked text_sink pad
       * would get one and then wait for text buffers that never come. */
      video = gst_parse_bin_from_description (description, FALSE, error);
      if (video == NULL)
        {
          gst_object_unref (gst_object_ref_sink (bin));
          return NULL;
        }
      g_autoptr (GstElement) label = gst_bin_get_by_name (GST_BIN (video),
                                                          "label");
      g_autoptr (GstPad) label_src = gst_element_get_static_pad (label, "src");
      gst_element_add_pad (video, gst_ghost_pad_new ("src", label_src));
      g_object_set (label, "text", config->classroom, NULL);
      feed->source_name = "test";
    }
  else if (camera != NULL)
    {
      g_autofree char *name = gst_device_get_display_name (camera);
      g_message ("Return feed camera: %s", name);
      video = gst_device_create_element (camera, "camera");
      feed->source_name = "camera";
    }
  else
    {
      video = make_element ("v4l2src", "camera", error);
      if (video != NULL)
        g_object_set (video, "device", config->device, NULL);
      feed->source_name = "camera";
    }

  if (video == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                             "Failed to create the camera element");
      gst_object_unref (gst_object_ref_sink (bin));
      return NULL;
    }

  GstElement *audio = NULL;
  if (test)
    {
      audio = make_element ("audiotestsrc", "microphone", error);
      if (audio != NULL)
        g_object_set (audio, "is-live", TRUE, "volume", 0.1, NULL);
    }
  else
    {
      g_autoptr (GstDevice) microphone = find_device ("Audio/Source",
                                                      "audio/x-raw");
      if (microphone != NULL)
        audio = gst_device_create_element (microphone, "microphone");
      if (audio == NULL)
        {
          g_warning ("No microphone found; the return feed sends silence");
          audio = make_element ("audiotestsrc", "microphone", error);
          if (audio != NULL)
            gst_util_set_object_arg (G_OBJECT (audio), "wave", "silence");
          if (audio != NULL)
            g_object_set (audio, "is-live", TRUE, NULL);
        }
    }
  if (audio == NULL)
    {
      gst_object_unref (gst_object_ref_sink (video));
      gst_object_unref (gst_object_ref_sink (bin));
      return NULL;
    }

  gst_bin_add_many (GST_BIN (bin), video, audio, NULL);
  g_autoptr (GstPad) video_src = gst_element_get_static_pad (video, "src");
  g_autoptr (GstPad) audio_src = gst_element_get_static_pad (audio, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("video", video_src));
  gst_element_add_pad (bin, gst_ghost_pad_new ("audio", audio_src));
  return bin;
}

static GstPadProbeReturn
on_video_encoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SsAgentStats *stats = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  atomic_fetch_add_explicit (&stats->return_frames_encoded, 1,
                             memory_order_relaxed);
  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    atomic_fetch_add_explicit (&stats->return_keyframes_encoded, 1,
                               memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

/* Builds "raw video in -> RTP VP8 out" at the feed's size and rate. The
 * libvpx settings are the lead's real-time ones (see ss-agent-lead.c) with
 * the fastest speed, cpu-used 8, because the picture is small. */
static GstElement *
make_video_branch (GError **error)
{
  g_autofree char *description = g_strdup_printf (
      "queue max-size-buffers=2 leaky=downstream ! videoconvert "
      "! videoscale ! videorate "
      "! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 "
      "! vp8enc name=venc deadline=1 lag-in-frames=0 end-usage=cbr "
      "cpu-used=8 threads=1 keyframe-max-dist=%d target-bitrate=%d "
      "error-resilient=default "
      "! rtpvp8pay pt=%d picture-id-mode=15-bit",
      SS_RETURN_WIDTH, SS_RETURN_HEIGHT, SS_RETURN_FRAMERATE,
      SS_RETURN_KEYFRAME_MAX_DISTANCE, SS_RETURN_VIDEO_BITRATE_BPS,
      SS_WEBRTC_VP8_PAYLOAD_TYPE);

  return gst_parse_bin_from_description (description, TRUE, error);
}

/* Builds "raw audio in -> RTP Opus out": mono, with in-band FEC as the
 * lead's audio has. */
static GstElement *
make_audio_branch (GError **error)
{
  g_autofree char *description = g_strdup_printf (
      "queue max-size-time=200000000 leaky=downstream ! audioconvert "
      "! audioresample ! audio/x-raw,rate=48000,channels=1 "
      "! opusenc bitrate=%d inband-fec=true packet-loss-percentage=10 "
      "! rtpopuspay pt=111",
      SS_RETURN_AUDIO_BITRATE_BPS);

  return gst_parse_bin_from_description (description, TRUE, error);
}

static gboolean
build_pipeline (SsReturnPipeline *feed, const SsReturnConfig *config,
                GError **error)
{
  GstBin *pipeline = GST_BIN (feed->shell.pipeline);
  GstElement *source = make_source (feed, config, error);
  if (source == NULL)
    return FALSE;
  gst_bin_add (pipeline, source);

  GstElement *video = make_video_branch (error);
  if (video == NULL)
    return FALSE;
  gst_bin_add (pipeline, video);

  GstElement *audio = make_audio_branch (error);
  if (audio == NULL)
    return FALSE;
  gst_bin_add (pipeline, audio);

  if (!gst_element_link_pads (source, "video", video, "sink")
      || !gst_element_link_pads (source, "audio", audio, "sink"))
    {
      g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                           "Failed to link the return feed's capture to "
                           "its encoders");
      return FALSE;
    }

  g_autoptr (GstElement) encoder = gst_bin_get_by_name (GST_BIN (video),
                                                        "venc");
  g_autoptr (GstPad) encoded = gst_element_get_static_pad (encoder, "src");
  gst_pad_add_probe (encoded, GST_PAD_PROBE_TYPE_BUFFER, on_video_encoded,
                     feed->stats, NULL);

  g_autoptr (GstCaps) video_caps = ss_webrtc_vp8_caps (SS_WEBRTC_VP8_PAYLOAD_TYPE);
  g_autoptr (GstCaps) audio_caps = ss_webrtc_opus_caps ();
  GstElement *webrtcbin = feed->shell.webrtcbin;
  return ss_webrtc_link_sendonly (webrtcbin, video, video_caps, error)
         && ss_webrtc_link_sendonly (webrtcbin, audio, audio_caps, error);
}

/* Builds the return feed pipeline in the NULL state; see
 * ss_lead_pipeline_new for @stats and @context. @config's source must not
 * be SS_RETURN_SOURCE_NONE. */
SsReturnPipeline *
ss_return_pipeline_new (const SsReturnConfig *config, SsAgentStats *stats,
                        GMainContext *context, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->source != SS_RETURN_SOURCE_NONE, NULL);
  g_return_val_if_fail (stats != NULL, NULL);

  g_autoptr (SsReturnPipeline) feed = g_new0 (SsReturnPipeline, 1);
  feed->stats = stats;
  if (!ss_pipeline_shell_init (&feed->shell, "return feed pipeline",
                               "return-feed", "webrtc-return", 0, context,
                               error)
      || !build_pipeline (feed, config, error))
    return NULL;
  return g_steal_pointer (&feed);
}

/* Stops the pipeline (state NULL) and frees it. */
void
ss_return_pipeline_free (SsReturnPipeline *feed)
{
  if (feed == NULL)
    return;

  ss_pipeline_shell_clear (&feed->shell);
  g_free (feed);
}

void
ss_return_pipeline_set_error_func (SsReturnPipeline *feed,
                                   SsPipelineErrorFunc func,
                                   gpointer user_data)
{
  feed->shell.error_func = func;
  feed->shell.error_data = user_data;
}

gboolean
ss_return_pipeline_start (SsReturnPipeline *feed, GError **error)
{
  return ss_pipeline_shell_start (&feed->shell, error);
}

GstElement *
ss_return_pipeline_get_webrtcbin (SsReturnPipeline *feed)
{
  return feed->shell.webrtcbin;
}

/* Returns "test" or "camera". */
const char *
ss_return_pipeline_get_source_name (SsReturnPipeline *feed)
{
  return feed->source_name;
}
