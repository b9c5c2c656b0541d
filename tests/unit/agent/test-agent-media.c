/* The agent's media pipelines connected to each other in one process over
 * 127.0.0.1, with no server: one side's offer goes straight to the other
 * side's webrtcbin, which answers, and candidates are handed across. Both
 * sides are full ICE agents, so webrtcbin makes the offerer controlling.
 *
 * Pairs: the lead's pipeline and a remote's receive pipeline; a remote's
 * return feed and the lead's return feed receiver; and a receive pipeline
 * with two slots against a stand-in for the relay, a webrtcbin that sends
 * test streams on chosen m-lines of the receiver's offer. */
#include "ss-agent-lead.h"
#include "ss-agent-remote.h"
#include "ss-agent-return.h"
#include "ss-config.h"

#include "ss-agent-error.h"

#include <glib/gstdio.h>
#include <string.h>

#define CLIP_PATH SS_SOURCE_DIR "/data/lesson-clip.webm"
#define WAIT_LIMIT_US (10 * G_TIME_SPAN_SECOND)

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct _Link Link;

/* Runs on the answering side after it applied the offer and before it
 * answers. */
typedef void (*PrepareAnswerFunc) (Link *link);

struct _Link {
  GMainContext *context;
  GCancellable *cancellable;

  /* The two webrtcbins, owned by the pipelines below. */
  GstElement *offerer;
  GstElement *answerer;
  /* The sides add their transceivers in opposite orders (video, audio and
   * audio, video), so the SDP is passed across with its m-lines reversed;
   * see reverse_media(). */
  gboolean reverse_media;
  PrepareAnswerFunc prepare_answer;

  /* At most one of each side is set. */
  SsLeadPipeline *lead;
  SsReturnPipeline *feed;
  GstElement *stand_in;
  /* The media of each stream the stand-in sends ("audio" or "video"),
   * keyed by SSRC. */
  GHashTable *stand_in_media;
  SsRemotePipeline *receiver;
  SsAgentStats *sender_stats;
  SsAgentStats *receiver_stats;

  /* Candidates of each side, held until the other side has a remote
   * description. */
  GPtrArray *offerer_candidates;
  GPtrArray *answerer_candidates;
  gboolean answerer_has_offer;
  gboolean offerer_has_answer;
  gboolean negotiated;
  char *failure;
};

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

/* webrtcbin 1.22, answering, pairs the offer's m-lines with its own
 * transceivers by position and not by media kind, so an offer of video
 * then audio given to a receive pipeline (audio, then video) would feed
 * Opus to the VP8 decoder. Between the agent and the relay this cannot
 * happen: the relay answers whatever order it is offered. Here the SDP
 * crosses with its media sections in reverse order, and so does the
 * BUNDLE group, whose first mid names the transport. */
static char *
reverse_media (const char *sdp)
{
  g_auto (GStrv) parts = g_strsplit (sdp, "\r\nm=", -1);
  guint n_parts = g_strv_length (parts);
  g_assert_cmpuint (n_parts, >=, 2);

  /* The split took each section's "\r\n" but the last one's. */
  char *last = parts[n_parts - 1];
  g_assert_true (g_str_has_suffix (last, "\r\n"));
  last[strlen (last) - 2] = '\0';

  GString *text = g_string_new (NULL);
  g_auto (GStrv) header_lines = g_strsplit (parts[0], "\r\n", -1);
  for (guint i = 0; header_lines[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (text, "\r\n");
      if (!g_str_has_prefix (header_lines[i], "a=group:BUNDLE "))
        {
          g_string_append (text, header_lines[i]);
          continue;
        }

      g_auto (GStrv) mids = g_strsplit (header_lines[i] + strlen ("a=group:BUNDLE "),
                                        " ", -1);
      g_string_append (text, "a=group:BUNDLE");
      for (gint m = (gint) g_strv_length (mids) - 1; m >= 0; m--)
        g_string_append_printf (text, " %s", mids[m]);
    }

  for (guint i = n_parts - 1; i >= 1; i--)
    g_string_append_printf (text, "\r\nm=%s", parts[i]);
  g_string_append (text, "\r\n");
  return g_string_free (text, FALSE);
}

/* Both sides bundle every stream on the transport of their first m-line
 * (the reversed BUNDLE group keeps it first), where all candidates are, so
 * a candidate's m-line index needs no mapping. */
static void
add_candidates (GstElement *to, GPtrArray *candidates)
{
  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *candidate = g_ptr_array_index (candidates, i);
      g_signal_emit_by_name (to, "add-ice-candidate", candidate->mline,
                             candidate->candidate);
    }

  g_ptr_array_set_size (candidates, 0);
}

static void
queue_candidate (GPtrArray *queue, guint mline, const char *text)
{
  if (*text == '\0')
    return;

  Candidate *candidate = g_new0 (Candidate, 1);
  *candidate = (Candidate) { .mline = mline, .candidate = g_strdup (text) };
  g_ptr_array_add (queue, candidate);
}

static void
on_offerer_candidate (guint mline, const char *text, gpointer data)
{
  Link *link = data;

  queue_candidate (link->offerer_candidates, mline, text);
  if (link->answerer_has_offer)
    add_candidates (link->answerer, link->offerer_candidates);
}

static void
on_answerer_candidate (guint mline, const char *text, gpointer data)
{
  Link *link = data;

  queue_candidate (link->answerer_candidates, mline, text);
  if (link->offerer_has_answer)
    add_candidates (link->offerer, link->answerer_candidates);
}

static void
on_answer_applied (const GError *error, gpointer data)
{
  Link *link = data;

  if (error != NULL)
    {
      fail (link, "offerer set-remote-description", error);
      return;
    }

  link->offerer_has_answer = TRUE;
  link->negotiated = TRUE;
  add_candidates (link->offerer, link->answerer_candidates);
}

static void
on_answer_created (const char *sdp, const GError *error, gpointer data)
{
  Link *link = data;

  if (error != NULL)
    {
      fail (link, "answerer create-answer", error);
      return;
    }

  g_autofree char *crossed = link->reverse_media ? reverse_media (sdp)
                                                 : g_strdup (sdp);
  ss_webrtc_set_remote (link->offerer, GST_WEBRTC_SDP_TYPE_ANSWER, crossed,
                        link->context, link->cancellable, on_answer_applied,
                        link);
}

static void
on_offer_applied (const GError *error, gpointer data)
{
  Link *link = data;

  if (error != NULL)
    {
      fail (link, "answerer set-remote-description", error);
      return;
    }

  link->answerer_has_offer = TRUE;
  add_candidates (link->answerer, link->offerer_candidates);
  if (link->prepare_answer != NULL)
    link->prepare_answer (link);
  ss_webrtc_create_answer (link->answerer, link->context, link->cancellable,
                           on_answer_created, link);
}

static void
on_offer_created (const char *sdp, const GError *error, gpointer data)
{
  Link *link = data;

  if (error != NULL)
    {
      fail (link, "offerer create-offer", error);
      return;
    }

  if (link->lead != NULL)
    {
      g_assert_nonnull (strstr (sdp, "a=sendonly"));
      g_assert_nonnull (strstr (sdp, "VP8/90000"));
      g_assert_nonnull (strstr (sdp, "a=rtcp-fb:96 nack pli"));
    }
  if (link->receiver != NULL && link->offerer == ss_remote_pipeline_get_webrtcbin (link->receiver))
    g_assert_null (strstr (sdp, "a=sendonly"));

  if (link->receiver != NULL)
    ss_remote_pipeline_mark_subscribe (link->receiver, g_get_monotonic_time ());
  g_autofree char *crossed = link->reverse_media ? reverse_media (sdp)
                                                 : g_strdup (sdp);
  ss_webrtc_set_remote (link->answerer, GST_WEBRTC_SDP_TYPE_OFFER, crossed,
                        link->context, link->cancellable, on_offer_applied,
                        link);
}

static Link *
link_alloc (void)
{
  Link *link = g_new0 (Link, 1);

  link->context = g_main_context_ref_thread_default ();
  link->cancellable = g_cancellable_new ();
  link->sender_stats = ss_agent_stats_new ();
  link->receiver_stats = ss_agent_stats_new ();
  link->offerer_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  link->answerer_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  return link;
}

/* Configures ICE on both sides and sends the offer; the pipelines must be
 * playing. */
static void
link_negotiate (Link *link)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ss_webrtc_configure_ice (link->offerer, loopback, &error));
  g_assert_true (ss_webrtc_configure_ice (link->answerer, loopback, &error));
  ss_webrtc_watch_candidates (link->offerer, link->context, link->cancellable,
                              on_offerer_candidate, link);
  ss_webrtc_watch_candidates (link->answerer, link->context,
                              link->cancellable, on_answerer_candidate, link);
  ss_webrtc_create_offer (link->offerer, link->context, link->cancellable,
                          on_offer_created, link);
}

static SsRemotePipeline *
receiver_new (Link *link, const SsRemoteConfig *config)
{
  g_autoptr (GError) error = NULL;
  SsRemotePipeline *receiver = ss_remote_pipeline_new (config,
                                                       link->receiver_stats,
                                                       link->context, &error);
  g_assert_no_error (error);
  g_assert_true (ss_remote_pipeline_start (receiver, &error));
  return receiver;
}

/* Offers from @sender (a started send-only webrtcbin) to a new receive
 * pipeline built from @config. */
static void
link_to_receiver (Link *link, GstElement *sender, const SsRemoteConfig *config)
{
  link->receiver = receiver_new (link, config);
  link->offerer = sender;
  link->answerer = ss_remote_pipeline_get_webrtcbin (link->receiver);
  link->reverse_media = TRUE;
  link_negotiate (link);
}

/* The lead's pipeline playing @clip offers to a remote's receive pipeline
 * with one slot. */
static Link *
link_new (const char *clip, guint keyframe_max_distance)
{
  Link *link = link_alloc ();
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

  link->lead = ss_lead_pipeline_new (&lead_config, link->sender_stats,
                                     link->context, &error);
  g_assert_no_error (error);
  g_assert_true (ss_lead_pipeline_start (link->lead, &error));
  link_to_receiver (link, ss_lead_pipeline_get_webrtcbin (link->lead),
                    &remote_config);
  return link;
}

static void
link_free (Link *link)
{
  g_cancellable_cancel (link->cancellable);
  g_clear_pointer (&link->receiver, ss_remote_pipeline_free);
  g_clear_pointer (&link->lead, ss_lead_pipeline_free);
  g_clear_pointer (&link->feed, ss_return_pipeline_free);
  if (link->stand_in != NULL)
    {
      gst_element_set_state (link->stand_in, GST_STATE_NULL);
      gst_object_unref (link->stand_in);
    }
  g_clear_pointer (&link->stand_in_media, g_hash_table_unref);
  ss_agent_stats_free (link->sender_stats);
  ss_agent_stats_free (link->receiver_stats);
  g_ptr_array_unref (link->offerer_candidates);
  g_ptr_array_unref (link->answerer_candidates);
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
  return counter (&link->receiver_stats->video_frames_decoded) >= 15
         && counter (&link->receiver_stats->audio_samples_decoded) >= 48000 / 2;
}

static void
test_remote_decodes_clip (void)
{
  g_autoptr (Link) link = link_new (CLIP_PATH, SS_LEAD_DEFAULT_KEYFRAME_MAX_DISTANCE);
  gint64 start_us = g_get_monotonic_time ();

  gboolean decoded = run_until (link, media_decoded, WAIT_LIMIT_US);
  g_test_message ("decoded %" G_GUINT64_FORMAT " video frames, %"
                  G_GUINT64_FORMAT " audio samples in %" G_GINT64_FORMAT " ms",
                  counter (&link->receiver_stats->video_frames_decoded),
                  counter (&link->receiver_stats->audio_samples_decoded),
                  (g_get_monotonic_time () - start_us) / 1000);

  g_assert_null (link->failure);
  g_assert_true (link->negotiated);
  g_assert_true (decoded);
  g_assert_cmpint (atomic_load (&link->receiver_stats->first_frame_ms), >=, 0);
  g_assert_cmpint (atomic_load (&link->receiver_stats->first_frame_ms), <,
                   WAIT_LIMIT_US / 1000);
  g_assert_cmpuint (counter (&link->sender_stats->video_frames_encoded), >=, 15);
  g_assert_cmpuint (counter (&link->sender_stats->audio_frames_encoded), >, 0);
  g_assert_cmpuint (counter (&link->sender_stats->keyframes_encoded), >=, 1);
  g_assert_null (ss_lead_pipeline_get_failure (link->lead));
}

static gboolean
stats_polled (Link *link)
{
  return counter (&link->receiver_stats->rtp_packets_received) > 0;
}

static void
test_remote_reads_rtp_stats (void)
{
  g_autoptr (Link) link = link_new (CLIP_PATH, SS_LEAD_DEFAULT_KEYFRAME_MAX_DISTANCE);

  g_assert_true (run_until (link, media_decoded, WAIT_LIMIT_US));
  ss_remote_pipeline_poll_stats (link->receiver);
  g_assert_true (run_until (link, stats_polled, 2 * G_TIME_SPAN_SECOND));
  g_assert_cmpint (atomic_load (&link->receiver_stats->rtp_packets_lost), >=, 0);
}

static guint64 keyframes_before;

static gboolean
keyframe_added (Link *link)
{
  return counter (&link->sender_stats->keyframes_encoded) > keyframes_before;
}

/* With key frames otherwise only every 3,000 frames, a key frame right
 * after the remote's PLI can only come from the PLI. */
static void
test_pli_forces_keyframe (void)
{
  g_autoptr (Link) link = link_new (CLIP_PATH, 3000);

  g_assert_true (run_until (link, media_decoded, WAIT_LIMIT_US));

  /* No key frame arrives by itself within a second. */
  keyframes_before = counter (&link->sender_stats->keyframes_encoded);
  run_for (link, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (counter (&link->sender_stats->keyframes_encoded), ==,
                    keyframes_before);

  g_assert_true (ss_remote_pipeline_request_keyframe (link->receiver));
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
  guint64 decoded_first = counter (&link->receiver_stats->video_frames_decoded);

  /* Running time went on past two lengths of the 1.5 s clip instead of
   * restarting at 0, and the remote kept decoding across the loops. */
  gboolean played = run_until (link, played_past_two_loops, WAIT_LIMIT_US);
  GstClockTime running = ss_lead_pipeline_get_video_running_time (link->lead);
  g_test_message ("running time %" GST_TIME_FORMAT " after %u loops",
                  GST_TIME_ARGS (running), ss_lead_pipeline_get_loops (link->lead));

  g_assert_true (played);
  g_assert_cmpuint (ss_lead_pipeline_get_loops (link->lead), >=, 2);
  g_assert_cmpuint (counter (&link->sender_stats->video_frames_encoded), >, 90);
  g_assert_cmpuint (counter (&link->receiver_stats->video_frames_decoded), >,
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
on_lead_error (const GError *error, gpointer data)
{
  char **message = data;

  g_free (*message);
  *message = g_strdup (error->message);
}

/* An error on the lead pipeline's bus is logged, passed to the error
 * callback and kept as the pipeline's failure. */
static void
test_lead_bus_error_reported (void)
{
  g_autoptr (SsAgentStats) stats = ss_agent_stats_new ();
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *reported = NULL;
  const SsLeadConfig config = {
    .source = SS_LEAD_SOURCE_TEST,
    .keyframe_max_distance = 90,
    .video_bitrate_bps = 1000000,
  };

  g_autoptr (SsLeadPipeline) lead = ss_lead_pipeline_new (&config, stats,
                                                          context, &error);
  g_assert_no_error (error);
  ss_lead_pipeline_set_error_func (lead, on_lead_error, &reported);
  g_assert_null (ss_lead_pipeline_get_failure (lead));

  GstElement *webrtcbin = ss_lead_pipeline_get_webrtcbin (lead);
  g_autoptr (GError) posted = g_error_new_literal (GST_CORE_ERROR,
                                                   GST_CORE_ERROR_FAILED,
                                                   "test failure");
  g_test_expect_message ("shuangshi-agent", G_LOG_LEVEL_WARNING,
                         "Lead pipeline error from * test failure (*)");
  g_assert_true (gst_element_post_message (
      webrtcbin, gst_message_new_error (GST_OBJECT (webrtcbin), posted,
                                        "test details")));

  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  while (reported == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, FALSE);

  g_test_assert_expected_messages ();
  g_assert_cmpstr (reported, ==, "test failure");
  g_assert_cmpstr (ss_lead_pipeline_get_failure (lead), ==, "test failure");
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

/* A remote's return feed with the test picture offers to the lead's
 * return feed receiver with one slot. */
static Link *
return_link_new (void)
{
  Link *link = link_alloc ();
  g_autoptr (GError) error = NULL;
  const SsReturnConfig feed_config = {
    .source = SS_RETURN_SOURCE_TEST,
    .classroom = "R1",
  };
  const SsRemoteConfig receiver_config = {
    .headless = TRUE,
    .latency_ms = SS_REMOTE_DEFAULT_LATENCY_MS,
    .slots = 1,
    .return_feeds = TRUE,
  };

  link->feed = ss_return_pipeline_new (&feed_config, link->sender_stats,
                                       link->context, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ss_return_pipeline_get_source_name (link->feed), ==,
                   "test");
  g_assert_true (ss_return_pipeline_start (link->feed, &error));
  link_to_receiver (link, ss_return_pipeline_get_webrtcbin (link->feed),
                    &receiver_config);
  return link;
}

static gboolean
return_feed_decoded (Link *link)
{
  return counter (&link->receiver_stats->slot_frames_decoded[0]) >= 15;
}

static gboolean
return_feed_audio_decoded (Link *link)
{
  return counter (&link->receiver_stats->slot_audio_samples_decoded[0]) > 0;
}

static void
test_return_feed_decoded (void)
{
  g_autoptr (Link) link = return_link_new ();

  gboolean decoded = run_until (link, return_feed_decoded, WAIT_LIMIT_US);
  g_test_message ("return feed: %" G_GUINT64_FORMAT " frames encoded, %"
                  G_GUINT64_FORMAT " decoded",
                  counter (&link->sender_stats->return_frames_encoded),
                  counter (&link->receiver_stats->slot_frames_decoded[0]));

  g_assert_null (link->failure);
  g_assert_true (decoded);
  g_assert_cmpuint (counter (&link->sender_stats->return_frames_encoded), >=,
                    15);
  g_assert_cmpuint (counter (&link->sender_stats->return_keyframes_encoded),
                    >=, 1);
  /* The lead's receiver is no lesson subscription: the lesson counters
   * stay at zero. */
  g_assert_cmpuint (counter (&link->receiver_stats->video_frames_decoded), ==,
                    0);
  g_assert_cmpuint (counter (&link->receiver_stats->rtp_bytes), ==, 0);
  g_assert_cmpuint (counter (&link->receiver_stats->audio_samples_decoded), ==,
                    0);
  g_assert_true (run_until (link, return_feed_audio_decoded, WAIT_LIMIT_US));
}

static gboolean
return_keyframe_added (Link *link)
{
  return counter (&link->sender_stats->return_keyframes_encoded)
         > keyframes_before;
}

/* The relay asks a return feed for a key frame whenever a slot switches to
 * it; the feed's periodic key frames are 10 s apart, so one within a
 * second or two of the PLI comes from the PLI. */
static void
test_return_feed_pli (void)
{
  g_autoptr (Link) link = return_link_new ();

  g_assert_true (run_until (link, return_feed_decoded, WAIT_LIMIT_US));
  keyframes_before = counter (&link->sender_stats->return_keyframes_encoded);
  run_for (link, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (counter (&link->sender_stats->return_keyframes_encoded),
                    ==, keyframes_before);

  g_assert_true (ss_remote_pipeline_request_slot_keyframe (link->receiver,
                                                           0));
  g_assert_true (run_until (link, return_keyframe_added,
                            3 * G_TIME_SPAN_SECOND));
}

/* A stream the relay stand-in sends on m-line @mline of the offer. */
typedef struct {
  guint mline;
  gboolean video;
  gint width;
  gint height;
} StandInStream;

static const StandInStream *stand_in_streams;
static gsize n_stand_in_streams;

static GstElement *
make_stand_in_branch (const StandInStream *stream)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *description = stream->video
      ? g_strdup_printf ("videotestsrc is-live=true "
                         "! video/x-raw,width=%d,height=%d,framerate=15/1 "
                         "! vp8enc deadline=1 keyframe-max-dist=15 "
                         "! rtpvp8pay pt=96", stream->width, stream->height)
      : g_strdup ("audiotestsrc is-live=true ! opusenc ! rtpopuspay pt=111");
  GstElement *branch = gst_parse_bin_from_description (description, TRUE,
                                                       &error);

  g_assert_no_error (error);
  return branch;
}

/* Links each stand-in stream to the transceiver the offer made for its
 * m-line, as the relay binds a slot's streams to its m-lines. webrtcbin
 * 1.22 answers with its transceivers in the order they were created, so
 * the streams must cover the m-lines from the first on. The answer
 * is made once every stream's caps, which carry its SSRC, reached
 * webrtcbin: then the answer names each stream with a=ssrc, as the
 * relay's answers do, and the receiver can tell the slots apart. */
static void
link_stand_in_streams (Link *link)
{
  g_autoptr (GPtrArray) sinks = g_ptr_array_new_with_free_func (gst_object_unref);

  for (gsize i = 0; i < n_stand_in_streams; i++)
    {
      const StandInStream *stream = &stand_in_streams[i];
      g_autoptr (GError) error = NULL;
      GstElement *branch = make_stand_in_branch (stream);
      g_autofree char *pad_name = g_strdup_printf ("sink_%u", stream->mline);
      g_autoptr (GstCaps) caps = stream->video
                                     ? ss_webrtc_vp8_caps (SS_WEBRTC_VP8_PAYLOAD_TYPE)
                                     : ss_webrtc_opus_caps ();

      gst_bin_add (GST_BIN (link->stand_in), branch);
      g_autoptr (GstPad) sink = gst_element_request_pad_simple (link->answerer,
                                                                pad_name);
      g_assert_nonnull (sink);
      g_autoptr (GstPad) src = gst_element_get_static_pad (branch, "src");
      g_assert_cmpint (gst_pad_link (src, sink), ==, GST_PAD_LINK_OK);

      g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;
      g_object_get (sink, "transceiver", &transceiver, NULL);
      g_assert_nonnull (transceiver);
      guint mline = G_MAXUINT;
      g_object_get (transceiver, "mlineindex", &mline, NULL);
      g_assert_cmpuint (mline, ==, stream->mline);
      g_object_set (transceiver, "direction",
                    GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                    "codec-preferences", caps, NULL);
      gst_element_sync_state_with_parent (branch);
      g_ptr_array_add (sinks, gst_object_ref (sink));
    }

  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  for (guint i = 0; i < sinks->len; i++)
    {
      GstPad *sink = g_ptr_array_index (sinks, i);
      while (!gst_pad_has_current_caps (sink)
             && g_get_monotonic_time () < deadline)
        g_usleep (10 * G_TIME_SPAN_MILLISECOND);
      g_assert_true (gst_pad_has_current_caps (sink));

      g_autoptr (GstCaps) caps = gst_pad_get_current_caps (sink);
      guint ssrc = 0;
      g_assert_true (gst_structure_get_uint (gst_caps_get_structure (caps, 0),
                                             "ssrc", &ssrc));
      g_hash_table_insert (link->stand_in_media, GUINT_TO_POINTER (ssrc),
                           stand_in_streams[i].video ? "video" : "audio");
    }
}

/* A receive pipeline with two slots offers (audio, video, audio, video)
 * to the relay stand-in, which sends @streams. */
static Link *
slots_link_new (const SsRemoteConfig *config, const StandInStream *streams,
                gsize n_streams)
{
  Link *link = link_alloc ();
  g_autoptr (GError) error = NULL;

  stand_in_streams = streams;
  n_stand_in_streams = n_streams;
  link->receiver = receiver_new (link, config);
  link->stand_in = gst_pipeline_new ("relay-stand-in");
  link->stand_in_media = g_hash_table_new (NULL, NULL);
  link->answerer = ss_webrtc_make_bin ("stand-in", 0, &error);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (link->stand_in), link->answerer);
  g_assert_cmpint (gst_element_set_state (link->stand_in, GST_STATE_PLAYING),
                   !=, GST_STATE_CHANGE_FAILURE);

  link->offerer = ss_remote_pipeline_get_webrtcbin (link->receiver);
  link->prepare_answer = link_stand_in_streams;
  link_negotiate (link);
  return link;
}

static const SsRemoteConfig two_slots_headless = {
  .headless = TRUE,
  .latency_ms = SS_REMOTE_DEFAULT_LATENCY_MS,
  .slots = 2,
};

static gboolean
both_slots_decoded (Link *link)
{
  return counter (&link->receiver_stats->slot_frames_decoded[0]) >= 15
         && counter (&link->receiver_stats->slot_frames_decoded[1]) >= 15
         && counter (&link->receiver_stats->slot_audio_samples_decoded[0]) > 0
         && counter (&link->receiver_stats->slot_audio_samples_decoded[1]) > 0;
}

/* Slot 0 (the lesson) and slot 1 (the floor) carry sources of different
 * sizes on the same payload types. Each is decoded in its own slot, and
 * only slot 0 counts as the lesson. */
static void
test_slots_decode_own_source (void)
{
  static const StandInStream streams[] = {
    { .mline = 0, .video = FALSE },
    { .mline = 1, .video = TRUE, .width = 320, .height = 240 },
    { .mline = 2, .video = FALSE },
    { .mline = 3, .video = TRUE, .width = 160, .height = 120 },
  };
  g_autoptr (Link) link = slots_link_new (&two_slots_headless, streams,
                                          G_N_ELEMENTS (streams));

  gboolean decoded = run_until (link, both_slots_decoded, WAIT_LIMIT_US);
  g_test_message ("slot 0: %" G_GUINT64_FORMAT " frames, slot 1: %"
                  G_GUINT64_FORMAT " frames",
                  counter (&link->receiver_stats->slot_frames_decoded[0]),
                  counter (&link->receiver_stats->slot_frames_decoded[1]));

  g_assert_null (link->failure);
  g_assert_true (decoded);
  /* The lesson's frame size comes from slot 0 only. */
  g_assert_cmpint (atomic_load (&link->receiver_stats->video_width), ==, 320);
  g_assert_cmpint (atomic_load (&link->receiver_stats->video_height), ==, 240);
  g_assert_cmpuint (counter (&link->receiver_stats->video_frames_decoded), <=,
                    counter (&link->receiver_stats->slot_frames_decoded[0]));
  /* The lesson's audio is slot 0's, without the floor's. */
  g_assert_cmpuint (counter (&link->receiver_stats->audio_samples_decoded), <=,
                    counter (&link->receiver_stats->slot_audio_samples_decoded[0]));
  g_assert_cmpuint (counter (&link->receiver_stats->audio_samples_decoded), <,
                    counter (&link->receiver_stats->slot_audio_samples_decoded[0])
                    + counter (&link->receiver_stats->slot_audio_samples_decoded[1]));
  g_assert_cmpint (atomic_load (&link->receiver_stats->first_frame_ms), >=, 0);
}

/* Counts the jitterbuffers in the receiver's webrtcbin that hold a
 * stream the stand-in sends as @media ("audio" or "video"), and in
 * @retransmitting those of them that request retransmissions. A
 * jitterbuffer's caps carry only the SSRC of its stream. */
static guint
count_jitterbuffers (Link *link, const char *media, guint *retransmitting)
{
  GstElement *webrtcbin = ss_remote_pipeline_get_webrtcbin (link->receiver);
  g_autoptr (GstIterator) iterator = gst_bin_iterate_recurse (GST_BIN (webrtcbin));
  GValue item = G_VALUE_INIT;
  guint found = 0;

  *retransmitting = 0;
  while (gst_iterator_next (iterator, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);
      if (factory == NULL
          || g_strcmp0 (GST_OBJECT_NAME (factory), "rtpjitterbuffer") != 0)
        {
          g_value_reset (&item);
          continue;
        }

      g_autoptr (GstPad) src = gst_element_get_static_pad (element, "src");
      g_autoptr (GstCaps) caps = gst_pad_get_current_caps (src);
      guint ssrc = 0;
      g_assert_nonnull (caps);
      g_assert_true (gst_structure_get_uint (gst_caps_get_structure (caps, 0),
                                             "ssrc", &ssrc));

      const char *stream_media = g_hash_table_lookup (link->stand_in_media,
                                                      GUINT_TO_POINTER (ssrc));
      g_assert_nonnull (stream_media);
      if (g_strcmp0 (stream_media, media) == 0)
        {
          gboolean retransmission = FALSE;
          g_object_get (element, "do-retransmission", &retransmission, NULL);
          found++;
          if (retransmission)
            (*retransmitting)++;
        }
      g_value_reset (&item);
    }

  g_value_unset (&item);
  return found;
}

/* Video jitterbuffers request retransmissions and audio ones do not, in
 * every slot. webrtcbin 1.22 sets each new jitterbuffer's
 * do-retransmission from its transceivers' do-nack, whichever m-line the
 * stream belongs to, so with a video m-line last in the offer it turned
 * retransmission on for audio too. */
static void
test_slots_nack_video_only (void)
{
  static const StandInStream streams[] = {
    { .mline = 0, .video = FALSE },
    { .mline = 1, .video = TRUE, .width = 320, .height = 240 },
    { .mline = 2, .video = FALSE },
    { .mline = 3, .video = TRUE, .width = 160, .height = 120 },
  };
  g_autoptr (Link) link = slots_link_new (&two_slots_headless, streams,
                                          G_N_ELEMENTS (streams));
  guint retransmitting = 0;

  g_assert_true (run_until (link, both_slots_decoded, WAIT_LIMIT_US));
  g_assert_null (link->failure);

  g_assert_cmpuint (count_jitterbuffers (link, "audio", &retransmitting),
                    ==, 2);
  g_assert_cmpuint (retransmitting, ==, 0);
  g_assert_cmpuint (count_jitterbuffers (link, "video", &retransmitting),
                    ==, 2);
  g_assert_cmpuint (retransmitting, ==, 2);
}

/* With a display, the slots go through the compositor and the status
 * line into the video sink. Fakesinks stand in for the screen and the
 * loudspeaker. */
static void
test_slots_on_display (void)
{
  static const StandInStream streams[] = {
    { .mline = 0, .video = FALSE },
    { .mline = 1, .video = TRUE, .width = 320, .height = 240 },
    { .mline = 2, .video = FALSE },
    { .mline = 3, .video = TRUE, .width = 160, .height = 120 },
  };
  const SsRemoteConfig config = {
    .headless = FALSE,
    .latency_ms = SS_REMOTE_DEFAULT_LATENCY_MS,
    .slots = 2,
    .video_sink = "fakesink name=screen sync=true",
    .audio_sink = "fakesink sync=true",
  };
  g_autoptr (Link) link = slots_link_new (&config, streams,
                                          G_N_ELEMENTS (streams));

  ss_remote_pipeline_set_status_text (link->receiver, "Phase: Practice");
  ss_remote_pipeline_set_slot_visible (link->receiver, 1, FALSE);
  ss_remote_pipeline_set_slot_audible (link->receiver, 1, FALSE);
  g_assert_true (run_until (link, both_slots_decoded, WAIT_LIMIT_US));
  ss_remote_pipeline_set_slot_visible (link->receiver, 1, TRUE);
  ss_remote_pipeline_set_slot_audible (link->receiver, 1, TRUE);
  run_for (link, G_TIME_SPAN_SECOND / 2);
  g_assert_null (link->failure);
}

static void
test_slot_layout (void)
{
  SsSlotRect rect;

  ss_remote_slot_layout (0, 2, FALSE, 1280, 720, &rect);
  g_assert_cmpint (rect.x, ==, 0);
  g_assert_cmpint (rect.width, ==, 1280);
  g_assert_cmpint (rect.height, ==, 720);

  /* The floor: a quarter of the width, inside the bottom right corner. */
  ss_remote_slot_layout (1, 2, FALSE, 1280, 720, &rect);
  g_assert_cmpint (rect.width, ==, 320);
  g_assert_cmpint (rect.height, ==, 180);
  g_assert_cmpint (rect.x + rect.width, <, 1280);
  g_assert_cmpint (rect.y + rect.height, <, 720);
  g_assert_cmpint (rect.x, >, 640);

  ss_remote_slot_layout (2, 3, FALSE, 1280, 720, &rect);
  g_assert_cmpint (rect.width, ==, 0);

  /* Four return feeds: a 2 x 2 grid. */
  ss_remote_slot_layout (3, 4, TRUE, 1280, 720, &rect);
  g_assert_cmpint (rect.x, ==, 640);
  g_assert_cmpint (rect.y, ==, 360);
  g_assert_cmpint (rect.width, ==, 640);
  g_assert_cmpint (rect.height, ==, 360);

  /* Five: a 3 x 2 grid, filled row by row. */
  ss_remote_slot_layout (4, 5, TRUE, 1200, 720, &rect);
  g_assert_cmpint (rect.x, ==, 400);
  g_assert_cmpint (rect.y, ==, 360);
  g_assert_cmpint (rect.width, ==, 400);

  ss_remote_slot_layout (0, 1, TRUE, 1280, 720, &rect);
  g_assert_cmpint (rect.width, ==, 1280);
  g_assert_cmpint (rect.height, ==, 720);
}

static void
test_return_source_parse (void)
{
  SsReturnSourceKind kind;
  g_autofree char *device = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (ss_return_source_parse ("test", &kind, &device, NULL));
  g_assert_cmpint (kind, ==, SS_RETURN_SOURCE_TEST);
  g_assert_true (ss_return_source_parse ("auto", &kind, &device, NULL));
  g_assert_cmpint (kind, ==, SS_RETURN_SOURCE_AUTO);
  g_assert_true (ss_return_source_parse ("none", &kind, &device, NULL));
  g_assert_cmpint (kind, ==, SS_RETURN_SOURCE_NONE);
  g_assert_null (device);

  g_assert_true (ss_return_source_parse ("v4l2:/dev/video2", &kind, &device,
                                         NULL));
  g_assert_cmpint (kind, ==, SS_RETURN_SOURCE_V4L2);
  g_assert_cmpstr (device, ==, "/dev/video2");
  g_clear_pointer (&device, g_free);

  g_assert_false (ss_return_source_parse ("v4l2:", &kind, &device, &error));
  g_assert_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_INVALID_SOURCE);
  g_clear_error (&error);
  g_assert_false (ss_return_source_parse ("camera", &kind, &device, &error));
  g_assert_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_INVALID_SOURCE);
  g_assert_nonnull (strstr (error->message, "\"camera\""));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/agent/lead/source-parse", test_source_parse);
  g_test_add_func ("/agent/lead/missing-file-rejected", test_missing_file_rejected);
  g_test_add_func ("/agent/lead/bus-error-reported",
                   test_lead_bus_error_reported);
  g_test_add_func ("/agent/webrtc/invalid-ice-address", test_invalid_ice_address_rejected);
  g_test_add_func ("/agent/media/remote-decodes-clip", test_remote_decodes_clip);
  g_test_add_func ("/agent/media/remote-reads-rtp-stats", test_remote_reads_rtp_stats);
  g_test_add_func ("/agent/media/pli-forces-keyframe", test_pli_forces_keyframe);
  g_test_add_func ("/agent/media/file-source-loops", test_file_source_loops);
  g_test_add_func ("/agent/return/source-parse", test_return_source_parse);
  g_test_add_func ("/agent/media/return-feed-decoded", test_return_feed_decoded);
  g_test_add_func ("/agent/media/return-feed-pli", test_return_feed_pli);
  g_test_add_func ("/agent/receive/slot-layout", test_slot_layout);
  g_test_add_func ("/agent/media/slots-decode-own-source",
                   test_slots_decode_own_source);
  g_test_add_func ("/agent/media/slots-nack-video-only",
                   test_slots_nack_video_only);
  g_test_add_func ("/agent/media/slots-on-display", test_slots_on_display);

  return g_test_run ();
}
