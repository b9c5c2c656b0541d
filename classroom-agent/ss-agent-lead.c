/* Lead pipeline: source -> VP8 (libvpx) and Opus encoders -> RTP payloaders
 * -> send-only webrtcbin.
 *
 * A file source is decoded with uridecodebin and looped with segment seeks
 * (a flushing SEGMENT seek at start, then a non-flushing SEGMENT seek back
 * to 0 at each SEGMENT_DONE). The running time therefore keeps growing
 * across loops, and so do the RTP timestamps, which rtpbasepayload derives
 * from the running time. clocksync paces the decoded file in real time, as
 * a camera would deliver it.
 *
 * Simulcast: a tee splits the raw video into up to three layers, each
 * scaled to half the width and height of the one above and encoded on its
 * own. Each layer goes to its own send-only transceiver with its own
 * payload type, highest layer first, which is how the relay recognises the
 * layers of one camera (protocol/README.md).
 *
 * Key frames on request: in GStreamer 1.22, rtpsession responds to a received
 * PLI or FIR (RFC 4585 section 6.3.1, RFC 5104 section 4.3.1) by sending a
 * GstForceKeyUnit event upstream from its send_rtp_sink pad, which travels
 * through rtpvp8pay to vp8enc. The unit test
 * /agent/media/pli-forces-keyframe checks this path end to end, so the
 * agent adds no handler of its own. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-lead.h"
#include "ss-agent-error.h"
#include "ss-agent-pipeline.h"
#include "ss-agent-webrtc.h"

#include <glib/gi18n.h>

/* Sizes the built-in sources capture at, before scaling to the top layer. */
#define SS_LEAD_TEST_WIDTH 640
#define SS_LEAD_TEST_HEIGHT 360
#define SS_LEAD_CAMERA_WIDTH 1280
#define SS_LEAD_CAMERA_HEIGHT 720

struct _SsLeadPipeline {
  SsPipelineShell shell;
  SsAgentStats *stats;
  SsLeadSourceKind source;

  GstElement *video_branch;
  GstElement *layer_caps[SS_LEAD_MAX_LAYERS];
  guint n_layers;
  /* Size of the top layer, which the source is scaled to. */
  gint width;
  gint height;
  GstElement *audio_branch;

  /* File source only: the decoder's pad that seeks are sent to. */
  GstPad *seek_pad;
  GSource *seek_source;
  guint loops;

  /* Written by the encoder's streaming thread. */
  GstSegment video_segment;
  atomic_uint_fast64_t video_running_time;
};

/* Parses --source: "file:PATH", "test" or "camera". */
gboolean
ss_lead_source_parse (const char *text, SsLeadSourceKind *kind, char **path,
                      GError **error)
{
  *path = NULL;

  if (g_strcmp0 (text, "test") == 0) {
    *kind = SS_LEAD_SOURCE_TEST;
    return TRUE;
  }

  if (g_strcmp0 (text, "camera") == 0) {
    *kind = SS_LEAD_SOURCE_CAMERA;
    return TRUE;
  }

  if (text != NULL && g_str_has_prefix (text, "file:") && text[5] != '\0') {
    *kind = SS_LEAD_SOURCE_FILE;
    *path = g_strdup (text + 5);
    return TRUE;
  }

  g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_INVALID_SOURCE,
               _("Invalid source \"%s\": use file:PATH, test or camera"),
               text != NULL ? text : "");
  return FALSE;
}

static GstPadProbeReturn
on_video_encoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SsLeadPipeline *lead = data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
      gst_event_copy_segment (event, &lead->video_segment);
    return GST_PAD_PROBE_OK;
  }

  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  atomic_fetch_add_explicit (&lead->stats->video_frames_encoded, 1,
                             memory_order_relaxed);
  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    atomic_fetch_add_explicit (&lead->stats->keyframes_encoded, 1,
                               memory_order_relaxed);

  GstClockTime running = gst_segment_to_running_time (&lead->video_segment,
                                                      GST_FORMAT_TIME,
                                                      GST_BUFFER_PTS (buffer));
  if (GST_CLOCK_TIME_IS_VALID (running))
    atomic_store_explicit (&lead->video_running_time, running,
                           memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

/* Counts the RTP bytes a payloader hands to webrtcbin, which come as
 * single buffers or, for a video frame's packets, as a buffer list. */
static GstPadProbeReturn
count_rtp_bytes (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SsLeadPipeline *lead = data;
  gsize bytes = 0;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    bytes = gst_buffer_list_calculate_size (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  else
    bytes = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));

  atomic_fetch_add_explicit (&lead->stats->rtp_bytes, bytes,
                             memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_audio_encoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SsLeadPipeline *lead = data;

  atomic_fetch_add_explicit (&lead->stats->audio_frames_encoded, 1,
                             memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

static void
add_probe (GstElement *bin, const char *element_name, GstPadProbeType type,
           GstPadProbeCallback callback, gpointer data)
{
  g_autoptr (GstElement) element = gst_bin_get_by_name (GST_BIN (bin),
                                                        element_name);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (element, "src");

  gst_pad_add_probe (pad, type, callback, data, NULL);
}

/* Builds "raw video in -> tee" as a bin with a sink ghost pad. The source
 * is scaled to the top layer's size, and the simulcast layers hang off the
 * tee. */
static GstElement *
make_video_branch (SsLeadPipeline *lead, gboolean pace, GError **error)
{
  g_autofree char *description = g_strdup_printf (
      "queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 "
      "! videoconvert ! videoscale ! video/x-raw,format=I420,width=%d,height=%d "
      "%s ! tee name=vtee",
      lead->width, lead->height, pace ? "! clocksync" : "");

  return gst_parse_bin_from_description (description, TRUE, error);
}

/* Builds one simulcast layer, "raw video in -> RTP VP8 out". The libvpx
 * settings are its real-time ones: deadline 1 us (fastest), no frame lag,
 * CBR, and error-resilient mode so a lost packet damages only the frames
 * until the next key frame. */
static GstElement *
make_layer_branch (const SsLeadConfig *config, guint layer, GError **error)
{
  guint bitrate = config->video_bitrate_bps;
  for (guint i = 0; i < layer; i++)
    bitrate /= 3;

  g_autofree char *description = g_strdup_printf (
      "queue max-size-buffers=2 leaky=downstream ! videoscale "
      "! capsfilter name=lcaps "
      "! vp8enc name=venc deadline=1 lag-in-frames=0 end-usage=cbr "
      "cpu-used=4 keyframe-max-dist=%u target-bitrate=%u "
      "error-resilient=default "
      "! rtpvp8pay name=vpay pt=%u picture-id-mode=15-bit",
      config->keyframe_max_distance, bitrate,
      SS_WEBRTC_VP8_PAYLOAD_TYPE + layer);

  return gst_parse_bin_from_description (description, TRUE, error);
}

/* Gives each lower layer half the width and height of the one above.
 * Sizes stay even for I420. */
static void
set_layer_sizes (SsLeadPipeline *lead, gint width, gint height)
{
  for (guint layer = 1; layer < lead->n_layers; layer++)
    {
      gint layer_width = MAX (2, (width >> layer) & ~1);
      gint layer_height = MAX (2, (height >> layer) & ~1);
      g_autoptr (GstCaps) caps = gst_caps_new_simple (
          "video/x-raw", "width", G_TYPE_INT, layer_width, "height",
          G_TYPE_INT, layer_height, NULL);
      g_object_set (lead->layer_caps[layer], "caps", caps, NULL);
      g_debug ("Simulcast layer %u: %dx%d", layer, layer_width, layer_height);
    }
}

/* Builds "raw audio in -> RTP Opus out". In-band FEC with an expected loss
 * of 10 % lets the receiver rebuild a lost 20 ms frame from the next one. */
static GstElement *
make_audio_branch (gboolean pace, GError **error)
{
  g_autofree char *description = g_strdup_printf (
      "queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 "
      "! audioconvert ! audioresample ! audio/x-raw,rate=48000 %s "
      "! opusenc name=aenc inband-fec=true packet-loss-percentage=10 "
      "! rtpopuspay name=apay pt=111",
      pace ? "! clocksync" : "");

  return gst_parse_bin_from_description (description, TRUE, error);
}

/* The flush of the initial seek reaches webrtcbin too. It must: before
 * negotiation webrtcbin blocks its sink pads, and only a flush releases the
 * branch's streaming thread so the seek can complete. */
static gboolean
link_branch (SsLeadPipeline *lead, GstElement *branch, GstCaps *caps,
             GError **error)
{
  return ss_webrtc_link_sendonly (lead->shell.webrtcbin, branch, caps, error);
}

static gboolean
do_initial_seek (gpointer data)
{
  SsLeadPipeline *lead = data;

  g_clear_pointer (&lead->seek_source, g_source_unref);
  if (lead->seek_pad == NULL)
    return G_SOURCE_REMOVE;

  GstEvent *seek = gst_event_new_seek (1.0, GST_FORMAT_TIME,
                                       GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_SEGMENT,
                                       GST_SEEK_TYPE_SET, 0,
                                       GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);
  if (!gst_pad_send_event (lead->seek_pad, seek))
    g_warning ("Initial segment seek failed; the file will play once and stop");
  return G_SOURCE_REMOVE;
}

static void
on_decoded_pad (GstElement *decodebin, GstPad *pad, gpointer data)
{
  SsLeadPipeline *lead = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);

  const char *media = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  GstElement *branch = NULL;

  if (g_str_has_prefix (media, "video/"))
    branch = lead->video_branch;
  else if (g_str_has_prefix (media, "audio/"))
    branch = lead->audio_branch;

  if (branch == NULL) {
    g_info ("Ignored decoded stream %s", media);
    return;
  }

  g_autoptr (GstPad) sink = gst_element_get_static_pad (branch, "sink");
  if (gst_pad_is_linked (sink)) {
    g_info ("Ignored a second %s stream in the source file", media);
    return;
  }

  GstPadLinkReturn link = gst_pad_link (pad, sink);
  if (link != GST_PAD_LINK_OK) {
    g_warning ("Failed to link the decoded %s stream: %s", media,
               gst_pad_link_get_name (link));
    return;
  }

  if (lead->seek_pad == NULL)
    lead->seek_pad = gst_object_ref (pad);
}

/* Runs on the demuxer's streaming thread, where a flushing seek could
 * deadlock, so the seek is sent from the main context. */
static void
on_no_more_pads (GstElement *decodebin, gpointer data)
{
  SsLeadPipeline *lead = data;

  /* no-more-pads fires once per decoder run; the pipeline is never
   * restarted, so one seek source at a time is enough. */
  if (lead->seek_source != NULL)
    return;

  lead->seek_source = g_idle_source_new ();
  g_source_set_callback (lead->seek_source, do_initial_seek, lead, NULL);
  g_source_attach (lead->seek_source, lead->shell.context);
}

static void
loop_file (SsLeadPipeline *lead)
{
  if (lead->seek_pad == NULL)
    return;

  lead->loops++;
  g_debug ("Source file reached its end; loop %u", lead->loops);

  GstEvent *seek = gst_event_new_seek (1.0, GST_FORMAT_TIME,
                                       GST_SEEK_FLAG_SEGMENT,
                                       GST_SEEK_TYPE_SET, 0,
                                       GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);
  if (!gst_pad_send_event (lead->seek_pad, seek))
    g_warning ("Segment seek to loop the source file failed");
}

/* Bus messages other than errors, which the shell reports. */
static void
on_bus_message (GstMessage *message, gpointer data)
{
  SsLeadPipeline *lead = data;

  switch (GST_MESSAGE_TYPE (message)) {
  case GST_MESSAGE_SEGMENT_DONE:
    loop_file (lead);
    break;
  case GST_MESSAGE_EOS: {
    g_autoptr (GError) error = g_error_new_literal (SS_AGENT_ERROR,
                                                    SS_AGENT_ERROR_FAILED,
                                                    "Lead source ended");
    g_warning ("Lead pipeline reached end of stream");
    ss_pipeline_shell_fail (&lead->shell, error);
    break;
  }
  default:
    break;
  }
}

static GstElement *
make_source (const SsLeadConfig *config, GError **error)
{
  if (config->source == SS_LEAD_SOURCE_FILE) {
    g_autofree char *uri = gst_uri_is_valid (config->path)
                           ? g_strdup (config->path)
                           : gst_filename_to_uri (config->path, error);
    if (uri == NULL)
      return NULL;

    if (!gst_uri_is_valid (config->path)
        && !g_file_test (config->path, G_FILE_TEST_IS_REGULAR)) {
      g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_INVALID_SOURCE,
                   _("Source file %s not found"), config->path);
      return NULL;
    }

    GstElement *decoder = gst_element_factory_make ("uridecodebin", "source");
    if (decoder != NULL)
      g_object_set (decoder, "uri", uri, NULL);
    return decoder;
  }

  const char *description = config->source == SS_LEAD_SOURCE_TEST
      ? "videotestsrc is-live=true pattern=ball "
        "! video/x-raw,width=" G_STRINGIFY (SS_LEAD_TEST_WIDTH)
        ",height=" G_STRINGIFY (SS_LEAD_TEST_HEIGHT) ",framerate=30/1 "
        "! queue name=vout "
        "audiotestsrc is-live=true wave=sine volume=0.2 ! queue name=aout"
      : "v4l2src ! videoconvert ! videoscale ! videorate "
        "! video/x-raw,width=" G_STRINGIFY (SS_LEAD_CAMERA_WIDTH)
        ",height=" G_STRINGIFY (SS_LEAD_CAMERA_HEIGHT) ",framerate=30/1 "
        "! queue name=vout "
        "pulsesrc ! queue name=aout";
  return gst_parse_bin_from_description_full (description, FALSE, NULL,
                                              GST_PARSE_FLAG_NONE, error);
}

static gboolean
link_live_source (SsLeadPipeline *lead, GstElement *source, GError **error)
{
  g_autoptr (GstElement) video_out = gst_bin_get_by_name (GST_BIN (source),
                                                          "vout");
  g_autoptr (GstElement) audio_out = gst_bin_get_by_name (GST_BIN (source),
                                                          "aout");
  g_autoptr (GstPad) video_src = gst_element_get_static_pad (video_out, "src");
  g_autoptr (GstPad) audio_src = gst_element_get_static_pad (audio_out, "src");

  gst_element_add_pad (source, gst_ghost_pad_new ("video", video_src));
  gst_element_add_pad (source, gst_ghost_pad_new ("audio", audio_src));

  if (!gst_element_link_pads (source, "video", lead->video_branch, "sink")
      || !gst_element_link_pads (source, "audio", lead->audio_branch, "sink")) {
    g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                         "Failed to link the live source to the encoders");
    return FALSE;
  }

  return TRUE;
}

/* Adds the simulcast layers after the video branch's tee and links each to
 * its own send-only transceiver, highest layer first. Frames and key frames
 * are counted on the top layer, which has the source's frame rate as every
 * layer has. */
static gboolean
add_layers (SsLeadPipeline *lead, const SsLeadConfig *config, GError **error)
{
  g_autoptr (GstElement) tee = gst_bin_get_by_name (GST_BIN (lead->video_branch),
                                                    "vtee");

  for (guint layer = 0; layer < lead->n_layers; layer++)
    {
      GstElement *branch = make_layer_branch (config, layer, error);
      if (branch == NULL)
        return FALSE;
      gst_bin_add (GST_BIN (lead->shell.pipeline), branch);
      lead->layer_caps[layer] = gst_bin_get_by_name (GST_BIN (branch), "lcaps");
      /* The pipeline keeps the capsfilter alive. */
      gst_object_unref (lead->layer_caps[layer]);

      g_autofree char *tee_src = g_strdup_printf ("tee_src_%u", layer);
      g_autoptr (GstPad) tee_pad =
          gst_element_request_pad_simple (tee, "src_%u");
      /* The bin takes the new pad's floating reference. */
      GstPad *ghost = gst_ghost_pad_new (tee_src, tee_pad);
      gst_pad_set_active (ghost, TRUE);
      gst_element_add_pad (lead->video_branch, ghost);
      if (!gst_element_link_pads (lead->video_branch, tee_src, branch, "sink"))
        {
          g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                       "Failed to link simulcast layer %u", layer);
          return FALSE;
        }

      add_probe (branch, "vpay",
                 GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                 count_rtp_bytes, lead);
      if (layer == 0)
        add_probe (branch, "venc",
                   GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                   on_video_encoded, lead);

      g_autoptr (GstCaps) caps = ss_webrtc_vp8_caps (SS_WEBRTC_VP8_PAYLOAD_TYPE + layer);
      if (!link_branch (lead, branch, caps, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
build_pipeline (SsLeadPipeline *lead, const SsLeadConfig *config,
                GError **error)
{
  gboolean from_file = config->source == SS_LEAD_SOURCE_FILE;
  GstElement *source = make_source (config, error);

  if (source == NULL)
    return FALSE;

  gst_bin_add (GST_BIN (lead->shell.pipeline), source);

  lead->n_layers = CLAMP (config->simulcast_layers, 1, SS_LEAD_MAX_LAYERS);
  lead->width = config->video_width > 0 ? config->video_width
                                        : SS_LEAD_DEFAULT_VIDEO_WIDTH;
  lead->height = config->video_height > 0 ? config->video_height
                                          : SS_LEAD_DEFAULT_VIDEO_HEIGHT;
  lead->video_branch = make_video_branch (lead, from_file, error);
  if (lead->video_branch == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (lead->shell.pipeline), lead->video_branch);
  if (!add_layers (lead, config, error))
    return FALSE;
  set_layer_sizes (lead, lead->width, lead->height);

  lead->audio_branch = make_audio_branch (from_file, error);
  if (lead->audio_branch == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (lead->shell.pipeline), lead->audio_branch);

  add_probe (lead->audio_branch, "aenc", GST_PAD_PROBE_TYPE_BUFFER,
             on_audio_encoded, lead);
  add_probe (lead->audio_branch, "apay",
             GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
             count_rtp_bytes, lead);

  g_autoptr (GstCaps) audio_caps = ss_webrtc_opus_caps ();
  if (!link_branch (lead, lead->audio_branch, audio_caps, error))
    return FALSE;

  if (!from_file)
    return link_live_source (lead, source, error);

  g_signal_connect (source, "pad-added", G_CALLBACK (on_decoded_pad), lead);
  g_signal_connect (source, "no-more-pads", G_CALLBACK (on_no_more_pads),
                    lead);
  return TRUE;
}

/* Builds the lead pipeline in the NULL state. The counters in @stats,
 * which must outlive the pipeline, accumulate across pipelines. Bus
 * messages are handled on @context. */
SsLeadPipeline *
ss_lead_pipeline_new (const SsLeadConfig *config, SsAgentStats *stats,
                      GMainContext *context, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (stats != NULL, NULL);

  g_autoptr (SsLeadPipeline) lead = g_new0 (SsLeadPipeline, 1);
  lead->stats = stats;
  lead->source = config->source;
  gst_segment_init (&lead->video_segment, GST_FORMAT_TIME);
  lead->shell.message_func = on_bus_message;
  lead->shell.message_data = lead;

  if (!ss_pipeline_shell_init (&lead->shell, "lead pipeline", "lead", "webrtc",
                               0, context, error)
      || !build_pipeline (lead, config, error))
    return NULL;
  return g_steal_pointer (&lead);
}

/* Stops the pipeline (state NULL) and frees it. */
void
ss_lead_pipeline_free (SsLeadPipeline *lead)
{
  if (lead == NULL)
    return;

  ss_pipeline_shell_clear (&lead->shell);

  if (lead->seek_source != NULL) {
    g_source_destroy (lead->seek_source);
    g_source_unref (lead->seek_source);
  }

  gst_clear_object (&lead->seek_pad);
  g_free (lead);
}

void
ss_lead_pipeline_set_error_func (SsLeadPipeline *lead,
                                 SsPipelineErrorFunc func, gpointer user_data)
{
  lead->shell.error_func = func;
  lead->shell.error_data = user_data;
}

gboolean
ss_lead_pipeline_start (SsLeadPipeline *lead, GError **error)
{
  return ss_pipeline_shell_start (&lead->shell, error);
}

GstElement *
ss_lead_pipeline_get_webrtcbin (SsLeadPipeline *lead)
{
  return lead->shell.webrtcbin;
}

GstElement *
ss_lead_pipeline_get_pipeline (SsLeadPipeline *lead)
{
  return lead->shell.pipeline;
}

/* Returns how many times the file source wrapped back to its start. */
guint
ss_lead_pipeline_get_loops (SsLeadPipeline *lead)
{
  return lead->loops;
}

/* Returns the running time of the last encoded video frame. */
GstClockTime
ss_lead_pipeline_get_video_running_time (SsLeadPipeline *lead)
{
  return atomic_load_explicit (&lead->video_running_time,
                               memory_order_relaxed);
}

/* Returns the message of the last bus error, or NULL. */
const char *
ss_lead_pipeline_get_failure (SsLeadPipeline *lead)
{
  return lead->shell.failure;
}
