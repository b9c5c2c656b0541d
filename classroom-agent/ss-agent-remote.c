/* Remote pipeline: receive-only webrtcbin -> RTP depayloaders -> vp8dec
 * and opusdec -> display, or fakesink sync=true when headless so frames are
 * still consumed at their presentation time.
 *
 * webrtcbin creates a src pad per received stream once media flows; the
 * decoding branch for it is added from that (streaming) thread. The video
 * transceiver has NACK on, so the jitterbuffer requests lost packets
 * (RFC 4585 section 6.2.1). After a loss that retransmission did not
 * repair, rtpvp8depay requests a key frame (PLI) but keeps passing frames:
 * the lead encodes VP8 in error-resilient mode, so a damaged frame blurs
 * part of the picture until the key frame, where waiting for it would
 * freeze the whole picture for a round trip and more. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-remote.h"
#include "ss-agent-error.h"

#include <gst/audio/audio.h>
#include <gst/video/video.h>

struct _SsRemotePipeline {
  SsRemoteConfig config;
  SsAgentStats *stats;
  GMainContext *context;
  GCancellable *cancellable;

  GstElement *pipeline;
  GstElement *webrtcbin;
  GSource *bus_source;
  /* The video depayloader, once its stream arrived; guarded by the
   * object lock of the pipeline. */
  GstElement *video_depayloader;

  SsPipelineErrorFunc error_func;
  gpointer error_data;

  /* Packets counted by earlier pipelines, added to this one's get-stats. */
  guint64 base_packets_received;
  gint64 base_packets_lost;
  gboolean stats_pending;

  /* Read and written on the streaming threads. */
  atomic_int_fast64_t subscribe_sent_us;
  atomic_bool first_frame_seen;
  gint64 last_frame_us;         /* the video decoder's thread only */
  atomic_int audio_bytes_per_frame;
};

/* Records the gap since the previous decoded frame and the frame's size. */
static void
track_frame_timing (SsRemotePipeline *remote, GstPad *pad)
{
  SsAgentStats *stats = remote->stats;
  gint64 now_us = g_get_monotonic_time ();

  if (remote->last_frame_us > 0)
    {
      gint64 gap_ms = (now_us - remote->last_frame_us) / 1000;
      if (gap_ms > SS_AGENT_FREEZE_THRESHOLD_MS)
        atomic_fetch_add_explicit (&stats->freezes, 1, memory_order_relaxed);
      if (gap_ms > atomic_load (&stats->longest_frame_gap_ms))
        atomic_store (&stats->longest_frame_gap_ms, gap_ms);
    }
  remote->last_frame_us = now_us;

  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  gint width = 0, height = 0;
  if (caps != NULL
      && gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width)
      && gst_structure_get_int (gst_caps_get_structure (caps, 0), "height", &height)) {
    atomic_store (&stats->video_width, width);
    atomic_store (&stats->video_height, height);
  }
}

static GstPadProbeReturn
on_video_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SsRemotePipeline *remote = data;

  atomic_fetch_add_explicit (&remote->stats->video_frames_decoded, 1,
                             memory_order_relaxed);
  track_frame_timing (remote, pad);

  if (atomic_exchange (&remote->first_frame_seen, TRUE))
    return GST_PAD_PROBE_OK;

  gint64 sent_us = atomic_load (&remote->subscribe_sent_us);
  gint64 elapsed_ms = sent_us > 0
                      ? (g_get_monotonic_time () - sent_us) / 1000 : 0;
  atomic_store (&remote->stats->first_frame_ms, elapsed_ms);
  g_info ("First video frame decoded %" G_GINT64_FORMAT " ms after subscribe",
          elapsed_ms);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_audio_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SsRemotePipeline *remote = data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    GstCaps *caps = NULL;
    GstAudioInfo audio_info;

    if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
      return GST_PAD_PROBE_OK;

    gst_event_parse_caps (event, &caps);
    if (gst_audio_info_from_caps (&audio_info, caps))
      atomic_store (&remote->audio_bytes_per_frame,
                    GST_AUDIO_INFO_BPF (&audio_info));
    return GST_PAD_PROBE_OK;
  }

  int bytes_per_frame = atomic_load (&remote->audio_bytes_per_frame);
  if (bytes_per_frame <= 0)
    return GST_PAD_PROBE_OK;

  gsize size = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  atomic_fetch_add_explicit (&remote->stats->audio_samples_decoded,
                             size / (gsize) bytes_per_frame,
                             memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_decode_branch (SsRemotePipeline *remote, gboolean video, GError **error)
{
  const char *sink = NULL;

  if (remote->config.headless)
    sink = "fakesink sync=true";
  else
    sink = video ? "autovideosink" : "autoaudiosink";

  g_autofree char *description = video
      ? g_strdup_printf ("queue ! rtpvp8depay name=depay request-keyframe=true "
                         "wait-for-keyframe=false ! vp8dec name=dec "
                         "! videoconvert ! %s", sink)
      : g_strdup_printf ("queue ! rtpopusdepay ! opusdec name=dec "
                         "! audioconvert ! audioresample ! %s", sink);
  return gst_parse_bin_from_description (description, TRUE, error);
}

static void
add_decoder_probe (SsRemotePipeline *remote, GstElement *branch,
                   gboolean video)
{
  g_autoptr (GstElement) decoder = gst_bin_get_by_name (GST_BIN (branch),
                                                        "dec");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (decoder, "src");

  if (video)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_video_decoded,
                       remote, NULL);
  else
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER
                       | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                       on_audio_decoded, remote, NULL);
}

static GstPadProbeReturn
count_rtp_bytes (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SsAgentStats *stats = data;

  atomic_fetch_add_explicit (&stats->rtp_bytes,
                             gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)),
                             memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

/* Runs on a webrtcbin streaming thread for each received stream. */
static void
on_pad_added (GstElement *webrtcbin, GstPad *pad, gpointer data)
{
  SsRemotePipeline *remote = data;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_rtp_bytes,
                     remote->stats, NULL);

  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);

  const char *media = gst_structure_get_string (gst_caps_get_structure (caps, 0),
                                                "media");
  gboolean video = g_strcmp0 (media, "video") == 0;
  if (!video && g_strcmp0 (media, "audio") != 0) {
    g_info ("Ignored received stream with media %s", media);
    return;
  }

  g_autoptr (GError) error = NULL;
  GstElement *branch = make_decode_branch (remote, video, &error);
  if (branch == NULL) {
    g_warning ("Failed to build the %s decoder: %s", media, error->message);
    return;
  }

  add_decoder_probe (remote, branch, video);
  gst_bin_add (GST_BIN (remote->pipeline), branch);
  gst_element_sync_state_with_parent (branch);

  g_autoptr (GstPad) sink = gst_element_get_static_pad (branch, "sink");
  GstPadLinkReturn link = gst_pad_link (pad, sink);
  if (link != GST_PAD_LINK_OK) {
    g_warning ("Failed to link the received %s stream: %s", media,
               gst_pad_link_get_name (link));
    return;
  }

  if (video) {
    GST_OBJECT_LOCK (remote->pipeline);
    gst_clear_object (&remote->video_depayloader);
    remote->video_depayloader = gst_bin_get_by_name (GST_BIN (branch),
                                                     "depay");
    GST_OBJECT_UNLOCK (remote->pipeline);
  }

  g_info ("Receiving %s", media);
}

static void
add_recvonly_transceiver (GstElement *webrtcbin, GstCaps *caps,
                          gboolean nack)
{
  GstWebRTCRTPTransceiver *transceiver = NULL;

  g_signal_emit_by_name (webrtcbin, "add-transceiver",
                         GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps,
                         &transceiver);
  if (transceiver == NULL)
    return;

  if (nack)
    g_object_set (transceiver, "do-nack", TRUE, NULL);
  gst_object_unref (transceiver);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer data)
{
  SsRemotePipeline *remote = data;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;

  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  gst_message_parse_error (message, &error, &debug);
  g_warning ("Remote pipeline error from %s: %s (%s)",
             GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message,
             debug != NULL ? debug : "no details");

  if (remote->error_func != NULL)
    remote->error_func (error, remote->error_data);
  return G_SOURCE_CONTINUE;
}

/* Builds the remote pipeline in the NULL state; see ss_lead_pipeline_new
 * for @stats and @context. */
SsRemotePipeline *
ss_remote_pipeline_new (const SsRemoteConfig *config, SsAgentStats *stats,
                        GMainContext *context, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (stats != NULL, NULL);

  g_autoptr (SsRemotePipeline) remote = g_new0 (SsRemotePipeline, 1);
  remote->config = *config;
  remote->stats = stats;
  remote->context = g_main_context_ref (context);
  remote->cancellable = g_cancellable_new ();
  remote->pipeline = gst_pipeline_new ("remote");
  remote->base_packets_received = atomic_load (&stats->rtp_packets_received);
  remote->base_packets_lost = atomic_load (&stats->rtp_packets_lost);

  remote->webrtcbin = ss_webrtc_make_bin ("webrtc", config->latency_ms,
                                          error);
  if (remote->webrtcbin == NULL)
    return NULL;
  gst_bin_add (GST_BIN (remote->pipeline), remote->webrtcbin);

  g_autoptr (GstCaps) video_caps = ss_webrtc_vp8_caps (SS_WEBRTC_VP8_PAYLOAD_TYPE);
  g_autoptr (GstCaps) audio_caps = ss_webrtc_opus_caps ();
  add_recvonly_transceiver (remote->webrtcbin, video_caps, TRUE);
  add_recvonly_transceiver (remote->webrtcbin, audio_caps, FALSE);
  g_signal_connect (remote->webrtcbin, "pad-added", G_CALLBACK (on_pad_added),
                    remote);

  g_autoptr (GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (remote->pipeline));
  remote->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (remote->bus_source, G_SOURCE_FUNC (on_bus_message),
                         remote, NULL);
  g_source_attach (remote->bus_source, context);
  return g_steal_pointer (&remote);
}

/* Stops the pipeline (state NULL) and frees it; pending get-stats replies
 * are dropped. */
void
ss_remote_pipeline_free (SsRemotePipeline *remote)
{
  if (remote == NULL)
    return;

  g_cancellable_cancel (remote->cancellable);

  if (remote->bus_source != NULL) {
    g_source_destroy (remote->bus_source);
    g_source_unref (remote->bus_source);
  }

  gst_element_set_state (remote->pipeline, GST_STATE_NULL);
  gst_clear_object (&remote->video_depayloader);
  gst_clear_object (&remote->pipeline);
  g_clear_object (&remote->cancellable);
  g_main_context_unref (remote->context);
  g_free (remote);
}

void
ss_remote_pipeline_set_error_func (SsRemotePipeline *remote,
                                   SsPipelineErrorFunc func,
                                   gpointer user_data)
{
  remote->error_func = func;
  remote->error_data = user_data;
}

gboolean
ss_remote_pipeline_start (SsRemotePipeline *remote, GError **error)
{
  if (gst_element_set_state (remote->pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                         "Failed to start the remote pipeline");
    return FALSE;
  }

  return TRUE;
}

GstElement *
ss_remote_pipeline_get_webrtcbin (SsRemotePipeline *remote)
{
  return remote->webrtcbin;
}

/* Records when `subscribe` was sent (monotonic clock, us), the start of
 * the first_frame_ms interval. */
void
ss_remote_pipeline_mark_subscribe (SsRemotePipeline *remote, gint64 now_us)
{
  atomic_store (&remote->subscribe_sent_us, now_us);
}

/* Asks the sender for a key frame: the GstForceKeyUnit event goes up to
 * webrtcbin's RTP session, which sends a PLI (RFC 4585 section 6.3.1).
 * Returns FALSE before the video stream has arrived. */
gboolean
ss_remote_pipeline_request_keyframe (SsRemotePipeline *remote)
{
  GST_OBJECT_LOCK (remote->pipeline);
  GstElement *depayloader = remote->video_depayloader != NULL
                            ? gst_object_ref (remote->video_depayloader) : NULL;
  GST_OBJECT_UNLOCK (remote->pipeline);

  if (depayloader == NULL)
    return FALSE;

  g_autoptr (GstPad) pad = gst_element_get_static_pad (depayloader, "src");
  GstEvent *event = gst_video_event_new_upstream_force_key_unit (
      GST_CLOCK_TIME_NONE, TRUE, 0);
  gboolean sent = gst_pad_send_event (pad, event);
  gst_object_unref (depayloader);
  return sent;
}

static void
on_stats (const GstStructure *reply, const GError *error, gpointer data)
{
  SsRemotePipeline *remote = data;

  remote->stats_pending = FALSE;
  if (error != NULL) {
    g_info ("Failed to read webrtcbin statistics: %s", error->message);
    return;
  }

  guint64 received = 0;
  gint64 lost = 0;
  ss_webrtc_sum_inbound_rtp (reply, &received, &lost);
  atomic_store (&remote->stats->rtp_packets_received,
                remote->base_packets_received + received);
  atomic_store (&remote->stats->rtp_packets_lost,
                remote->base_packets_lost + lost);
}

/* Refreshes rtp_packets_received and rtp_packets_lost from webrtcbin's
 * inbound-rtp statistics; at most one request is in flight. */
void
ss_remote_pipeline_poll_stats (SsRemotePipeline *remote)
{
  if (remote->stats_pending)
    return;

  remote->stats_pending = TRUE;
  ss_webrtc_get_stats (remote->webrtcbin, remote->context,
                       remote->cancellable, on_stats, remote);
}
