/* Lead and remote pipelines connected to each other in one process over
 * 127.0.0.1, with no server: the lead's offer goes straight to the remote's
 * webrtcbin, which answers, and candidates are handed across. Both sides
 * are full ICE agents, so webrtcbin makes the offerer controlling. */
#include "ss-agent-lead.h"
#include "ss-agent-remote.h"
#include "ss-config.h"

#include "ss-agent-error.h"

#include <glib/gstdio.h>
#include <string.h>

#define CLIP_PATH SS_SOURCE_DIR "/data/lesson-clip.webm"
#define WAIT_LIMIT_US (10 * G_TIME_SPAN_SECOND)

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct {
  GMainContext *context;
  SsAgentStats *lead_stats;
  SsAgentStats *remote_stats;
  SsLeadPipeline *lead;
  SsRemotePipeline *remote;
  GCancellable *cancellable;

  /* Candidates of each side, held until the other side has a remote
   * description. */
  GPtrArray *lead_candidates;
  GPtrArray *remote_candidates;
  gboolean remote_has_offer;
  gboolean lead_has_answer;
  gboolean negotiated;
  char *failure;
} Link;

typedef struct {
  guint mline;
  char *candidate;
} Candidate;

static void
candidate_free (Candidate *candidate)
{
  g_free (candidate->candidate);
  g_free (candidate);
}

static void
fail (Link *link, const char *step, const GError *error)
{
  if (link->failure == NULL)
    link->failure = g_strdup_printf ("%s: %s", step, error->message);
}

static void
add_candidates (GstElement *webrtcbin, GPtrArray *candidates)
{
  for (guint i = 0; i < candidates->len; i++) {
    Candidate *candidate = g_ptr_array_index (candidates, i);
    g_signal_emit_by_name (webrtcbin, "add-ice-candidate", candidate->mline,
                           candidate->candidate);
  }

  g_ptr_array_set_size (candidates, 0);
}

static void
queue_or_add (GPtrArray *queue, gboolean ready, GstElement *peer,
              guint mline, const char *text)
{
  if (*text == '\0')
    return;

  Candidate *candidate = g_new0 (Candidate, 1);
  *candidate = (Candidate) { .mline = mline, .candidate = g_strdup (text) };
  g_ptr_array_add (queue, candidate);
  if (ready)
    add_candidates (peer, queue);
}

static void
on_lead_candidate (guint mline, const char *text, gpointer data)
{
  Link *link = data;

  queue_or_add (link->lead_candidates, link->remote_has_offer,
                ss_remote_pipeline_get_webrtcbin (link->remote), mline, text);
}

static void
on_remote_candidate (guint mline, const char *text, gpointer data)
{
  Link *link = data;

  queue_or_add (link->remote_candidates, link->lead_has_answer,
                ss_lead_pipeline_get_webrtcbin (link->lead), mline, text);
}

static void
on_answer_applied (const GError *error, gpointer data)
{
  Link *link = data;

  if (error != NULL) {
    fail (link, "lead set-remote-description", error);
    return;
  }

  link->lead_has_answer = TRUE;
  link->negotiated = TRUE;
  add_candidates (ss_lead_pipeline_get_webrtcbin (link->lead),
                  link->remote_candidates);
}

static void
on_answer_created (const char *sdp, const GError *error, gpointer data)
{
  Link *link = data;

  if (error != NULL) {
    fail (link, "remote create-answer", error);
    return;
  }

  ss_webrtc_set_remote (ss_lead_pipeline_get_webrtcbin (link->lead),
                        GST_WEBRTC_SDP_TYPE_ANSWER, sdp, link->context,
                        link->cancellable, on_answer_applied, link);
}

static void
on_offer_applied (const GError *error, gpointer data)
{
  Link *link = data;

  if (error != NULL) {
    fail (link, "remote set-remote-description", error);
    return;
  }

  link->remote_has_offer = TRUE;
  GstElement *webrtcbin = ss_remote_pipeline_get_webrtcbin (link->remote);
  add_candidates (webrtcbin, link->lead_candidates);
  ss_webrtc_create_answer (webrtcbin, link->context, link->cancellable,
                           on_answer_created, link);
}

static void
on_offer_created (const char *sdp, const GError *error, gpointer data)
{
  Link *link = data;

  if (error != NULL) {
    fail (link, "lead create-offer", error);
    return;
  }

  g_assert_nonnull (strstr (sdp, "a=sendonly"));
  g_assert_nonnull (strstr (sdp, "VP8/90000"));
  g_assert_nonnull (strstr (sdp, "a=rtcp-fb:96 nack pli"));
  ss_remote_pipeline_mark_subscribe (link->remote, g_get_monotonic_time ());
  ss_webrtc_set_remote (ss_remote_pipeline_get_webrtcbin (link->remote),
                        GST_WEBRTC_SDP_TYPE_OFFER, sdp, link->context,
                        link->cancellable, on_offer_applied, link);
}

static Link *
link_new (const char *clip, guint keyframe_max_distance)
{
  Link *link = g_new0 (Link, 1);
  g_autoptr (GError) error = NULL;
  const SsLeadConfig lead_config = {
    .source = SS_LEAD_SOURCE_FILE,
    .path = clip,
    .keyframe_max_distance = keyframe_max_distance,
    .video_bitrate_bps = SS_LEAD_DEFAULT_VIDEO_BITRATE_BPS,
    /* A direct webrtcbin peer has one video transceiver: no simulcast. */
    .simulcast_layers = 1,
    .video_width = 480,
    .video_height = 270,
  };
  const SsRemoteConfig remote_config = {
    .headless = TRUE,
    .latency_ms = SS_REMOTE_DEFAULT_LATENCY_MS,
  };

  link->context = g_main_context_ref_thread_default ();
  link->cancellable = g_cancellable_new ();
  link->lead_stats = ss_agent_stats_new ();
  link->remote_stats = ss_agent_stats_new ();
  link->lead_candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  link->remote_candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);

  link->lead = ss_lead_pipeline_new (&lead_config, link->lead_stats,
                                     link->context, &error);
  g_assert_no_error (error);
  link->remote = ss_remote_pipeline_new (&remote_config, link->remote_stats,
                                         link->context, &error);
  g_assert_no_error (error);

  GstElement *lead_webrtcbin = ss_lead_pipeline_get_webrtcbin (link->lead);
  GstElement *remote_webrtcbin = ss_remote_pipeline_get_webrtcbin (link->remote);
  g_assert_true (ss_webrtc_configure_ice (lead_webrtcbin, loopback, &error));
  g_assert_true (ss_webrtc_configure_ice (remote_webrtcbin, loopback, &error));
  ss_webrtc_watch_candidates (lead_webrtcbin, link->context, link->cancellable,
                              on_lead_candidate, link);
  ss_webrtc_watch_candidates (remote_webrtcbin, link->context,
                              link->cancellable, on_remote_candidate, link);

  g_assert_true (ss_lead_pipeline_start (link->lead, &error));
  g_assert_true (ss_remote_pipeline_start (link->remote, &error));
  ss_webrtc_create_offer (lead_webrtcbin, link->context, link->cancellable,
                          on_offer_created, link);
  return link;
}

static void
link_free (Link *link)
{
  g_cancellable_cancel (link->cancellable);
  ss_remote_pipeline_free (link->remote);
  ss_lead_pipeline_free (link->lead);
  ss_agent_stats_free (link->lead_stats);
  ss_agent_stats_free (link->remote_stats);
  g_ptr_array_unref (link->lead_candidates);
  g_ptr_array_unref (link->remote_candidates);
  g_object_unref (link->cancellable);
  g_main_context_unref (link->context);
  g_free (link->failure);
  g_free (link);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Link, link_free)

typedef gboolean (*Condition) (Link *link);

static gboolean
keep_waking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until @condition holds, a step failed or
 * @limit_us passed; returns whether the condition holds. The counters are
 * updated from streaming threads without waking the context, so a 20 ms
 * timer makes each blocking iteration return to check them. */
static gboolean
run_until (Link *link, Condition condition, gint64 limit_us)
{
  gint64 deadline = g_get_monotonic_time () + limit_us;
  GSource *wake = g_timeout_source_new (20);

  g_source_set_callback (wake, keep_waking, NULL, NULL);
  g_source_attach (wake, link->context);

  while (!condition (link) && link->failure == NULL
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (link->context, TRUE);

  g_source_destroy (wake);
  g_source_unref (wake);

  if (link->failure != NULL)
    g_test_message ("negotiation failed: %s", link->failure);
  return condition (link);
}

static gboolean
never (Link *link)
{
  return FALSE;
}

static void
run_for (Link *link, gint64 duration_us)
{
  run_until (link, never, duration_us);
}

static guint64
counter (atomic_uint_fast64_t *value)
{
  return atomic_load (value);
}

static gboolean
media_decoded (Link *link)
{
  return counter (&link->remote_stats->video_frames_decoded) >= 15
         && counter (&link->remote_stats->audio_samples_decoded) >= 48000 / 2;
}

static void
test_remote_decodes_clip (void)
{
  g_autoptr (Link) link = link_new (CLIP_PATH, SS_LEAD_DEFAULT_KEYFRAME_MAX_DISTANCE);
  gint64 start_us = g_get_monotonic_time ();

  gboolean decoded = run_until (link, media_decoded, WAIT_LIMIT_US);
  g_test_message ("decoded %" G_GUINT64_FORMAT " video frames, %"
                  G_GUINT64_FORMAT " audio samples in %" G_GINT64_FORMAT " ms",
                  counter (&link->remote_stats->video_frames_decoded),
                  counter (&link->remote_stats->audio_samples_decoded),
                  (g_get_monotonic_time () - start_us) / 1000);

  g_assert_null (link->failure);
  g_assert_true (link->negotiated);
  g_assert_true (decoded);
  g_assert_cmpint (atomic_load (&link->remote_stats->first_frame_ms), >=, 0);
  g_assert_cmpint (atomic_load (&link->remote_stats->first_frame_ms), <,
                   WAIT_LIMIT_US / 1000);
  g_assert_cmpuint (counter (&link->lead_stats->video_frames_encoded), >=, 15);
  g_assert_cmpuint (counter (&link->lead_stats->audio_frames_encoded), >, 0);
  g_assert_cmpuint (counter (&link->lead_stats->keyframes_encoded), >=, 1);
  g_assert_null (ss_lead_pipeline_get_failure (link->lead));
}

static gboolean
stats_polled (Link *link)
{
  return counter (&link->remote_stats->rtp_packets_received) > 0;
}

static void
test_remote_reads_rtp_stats (void)
{
  g_autoptr (Link) link = link_new (CLIP_PATH, SS_LEAD_DEFAULT_KEYFRAME_MAX_DISTANCE);

  g_assert_true (run_until (link, media_decoded, WAIT_LIMIT_US));
  ss_remote_pipeline_poll_stats (link->remote);
  g_assert_true (run_until (link, stats_polled, 2 * G_TIME_SPAN_SECOND));
  g_assert_cmpint (atomic_load (&link->remote_stats->rtp_packets_lost), >=, 0);
}

static guint64 keyframes_before;

static gboolean
keyframe_added (Link *link)
{
  return counter (&link->lead_stats->keyframes_encoded) > keyframes_before;
}

/* With key frames otherwise only every 3,000 frames, a key frame right
 * after the remote's PLI can only come from the PLI. */
static void
test_pli_forces_keyframe (void)
{
  g_autoptr (Link) link = link_new (CLIP_PATH, 3000);

  g_assert_true (run_until (link, media_decoded, WAIT_LIMIT_US));

  /* No key frame arrives by itself within a second. */
  keyframes_before = counter (&link->lead_stats->keyframes_encoded);
  run_for (link, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (counter (&link->lead_stats->keyframes_encoded), ==,
                    keyframes_before);

  g_assert_true (ss_remote_pipeline_request_keyframe (link->remote));
  g_assert_true (run_until (link, keyframe_added, 3 * G_TIME_SPAN_SECOND));
}

/* A 1.5 s clip, so several loops fit in a short test. */
static char *
make_short_clip (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "short.webm", NULL);
  g_autofree char *location = g_strdup_printf ("location=%s", path);
  const char *argv[] = {
    "gst-launch-1.0", "-q",
    "videotestsrc", "num-buffers=45", "!",
    "video/x-raw,width=320,height=180,framerate=30/1", "!", "vp8enc", "!",
    "webmmux", "name=mux", "!", "filesink", location,
    "audiotestsrc", "num-buffers=65", "samplesperbuffer=1024", "!",
    "audio/x-raw,rate=44100,channels=2", "!", "audioconvert", "!",
    "vorbisenc", "!", "mux.",
    NULL,
  };
  g_autoptr (GError) error = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* The demuxer runs ahead of clocksync by up to the branch queues' 2 s, so
 * the loop count leads playback; the encoder's running time is what shows
 * that the loops play seamlessly in real time. */
static gboolean
played_past_two_loops (Link *link)
{
  return ss_lead_pipeline_get_video_running_time (link->lead)
         > 3 * GST_SECOND + GST_SECOND / 2;
}

static void
test_file_source_loops (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ss-agent-media-XXXXXX", NULL);
  g_autofree char *clip = make_short_clip (dir);
  g_autoptr (Link) link = link_new (clip, SS_LEAD_DEFAULT_KEYFRAME_MAX_DISTANCE);

  g_assert_true (run_until (link, media_decoded, WAIT_LIMIT_US));
  guint64 decoded_first = counter (&link->remote_stats->video_frames_decoded);

  /* Running time went on past two lengths of the 1.5 s clip instead of
   * restarting at 0, and the remote kept decoding across the loops. */
  gboolean played = run_until (link, played_past_two_loops, WAIT_LIMIT_US);
  GstClockTime running = ss_lead_pipeline_get_video_running_time (link->lead);
  g_test_message ("running time %" GST_TIME_FORMAT " after %u loops",
                  GST_TIME_ARGS (running), ss_lead_pipeline_get_loops (link->lead));

  g_assert_true (played);
  g_assert_cmpuint (ss_lead_pipeline_get_loops (link->lead), >=, 2);
  g_assert_cmpuint (counter (&link->lead_stats->video_frames_encoded), >, 90);
  g_assert_cmpuint (counter (&link->remote_stats->video_frames_decoded), >,
                    decoded_first + 45);
  g_assert_null (ss_lead_pipeline_get_failure (link->lead));

  g_assert_cmpint (g_remove (clip), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_source_parse (void)
{
  SsLeadSourceKind kind;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (ss_lead_source_parse ("file:/tmp/a b.webm", &kind, &path, NULL));
  g_assert_cmpint (kind, ==, SS_LEAD_SOURCE_FILE);
  g_assert_cmpstr (path, ==, "/tmp/a b.webm");
  g_clear_pointer (&path, g_free);

  g_assert_true (ss_lead_source_parse ("camera", &kind, &path, NULL));
  g_assert_cmpint (kind, ==, SS_LEAD_SOURCE_CAMERA);
  g_assert_null (path);

  g_assert_false (ss_lead_source_parse ("file:", &kind, &path, &error));
  g_assert_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_INVALID_SOURCE);
}

static void
test_missing_file_rejected (void)
{
  g_autoptr (SsAgentStats) stats = ss_agent_stats_new ();
  g_autoptr (GError) error = NULL;
  const SsLeadConfig config = {
    .source = SS_LEAD_SOURCE_FILE,
    .path = "/nonexistent/clip.webm",
    .keyframe_max_distance = 90,
    .video_bitrate_bps = 1000000,
  };

  SsLeadPipeline *lead = ss_lead_pipeline_new (&config, stats,
                                               g_main_context_default (),
                                               &error);
  g_assert_null (lead);
  g_assert_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_INVALID_SOURCE);
}

static void
test_invalid_ice_address_rejected (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) webrtcbin = ss_webrtc_make_bin (NULL, 0, &error);
  const char *const addresses[] = { "127.0.0.1", "not-an-address", NULL };

  g_assert_nonnull (webrtcbin);
  gst_object_ref_sink (webrtcbin);
  g_assert_false (ss_webrtc_configure_ice (webrtcbin, addresses, &error));
  g_assert_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "not-an-address"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/agent/lead/source-parse", test_source_parse);
  g_test_add_func ("/agent/lead/missing-file-rejected", test_missing_file_rejected);
  g_test_add_func ("/agent/webrtc/invalid-ice-address", test_invalid_ice_address_rejected);
  g_test_add_func ("/agent/media/remote-decodes-clip", test_remote_decodes_clip);
  g_test_add_func ("/agent/media/remote-reads-rtp-stats", test_remote_reads_rtp_stats);
  g_test_add_func ("/agent/media/pli-forces-keyframe", test_pli_forces_keyframe);
  g_test_add_func ("/agent/media/file-source-loops", test_file_source_loops);

  return g_test_run ();
}
