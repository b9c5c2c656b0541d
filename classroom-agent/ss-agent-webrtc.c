/* webrtcbin helpers for both agent roles.
 *
 * ICE: the agent gathers host candidates only on the addresses it is given
 * (libnice's automatic list skips loopback and would announce every
 * interface), with UPnP and ICE-TCP off and no STUN or TURN server.
 *
 * Promises: webrtcbin replies to create-offer, set-local-description and
 * the like from its own thread. Each step here copies the reply and hands
 * it to the caller's GMainContext. If no reply came within
 * SS_WEBRTC_PROMISE_TIMEOUT_MS, the step interrupts the promise and fails,
 * because a missing reply would stall the agent. webrtcbin 1.22 has been
 * seen to reply without an SDP, which fails the step too. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-webrtc.h"
#include "ss-agent-error.h"

#include <gst/sdp/sdp.h>
#include <nice/agent.h>

G_DEFINE_QUARK (ss-agent-error-quark, ss_agent_error)

/* Receiver reports once a second rather than rtpsession's default of about
 * five: the relay's bandwidth estimate for this link is driven by the
 * loss they report. */
#define SS_WEBRTC_RTCP_MIN_INTERVAL_NS (1 * GST_SECOND)
#define SS_WEBRTC_RTX_MIN_DELAY_MS 40

/* Whether @ssrc is one of the remote description's audio streams. The
 * relay names every stream it sends with a=ssrc (RFC 5576). */
static gboolean
is_remote_audio_ssrc (GstElement *webrtcbin, guint ssrc)
{
  GstWebRTCSessionDescription *description = NULL;
  gboolean audio = FALSE;

  g_object_get (webrtcbin, "remote-description", &description, NULL);
  if (description == NULL)
    return FALSE;

  for (guint m = 0; m < gst_sdp_message_medias_len (description->sdp); m++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (description->sdp, m);
    if (g_strcmp0 (gst_sdp_media_get_media (media), "audio") != 0)
      continue;
    for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++) {
      const GstSDPAttribute *attribute = gst_sdp_media_get_attribute (media, a);
      if (g_strcmp0 (attribute->key, "ssrc") == 0 && attribute->value != NULL
          && g_ascii_strtoull (attribute->value, NULL, 10) == ssrc)
        audio = TRUE;
    }
  }

  gst_webrtc_session_description_free (description);
  return audio;
}

/* Sets each new jitterbuffer's retransmission requests by the kind of its
 * stream: on for video, off for audio. The relay resends no audio, because
 * Opus carries its own redundancy (in-band FEC), and waiting for a
 * retransmission would only delay the sound.
 *
 * webrtcbin (GStreamer 1.22) cannot be left to do this. Its own handler
 * runs first and sets do-retransmission once for every SSRC the remote
 * description names, from the do-nack of that SSRC's transceiver,
 * whichever stream the jitterbuffer holds. So the last m-line decides for
 * every stream: off with video then audio, on with the receive pipeline's
 * audio, video, ... order. Audio that requests retransmissions drew about
 * 25 NACKs a second per stream in a lesson on loopback, for packets later
 * than the jitterbuffer expected. rtpsession sends NACKs in early RTCP
 * packets, which carry no report blocks, and while NACKs keep coming
 * nearly every packet is an early one, so the relay got no loss or RTT
 * figures. */
static void
on_new_jitterbuffer (GstElement *rtpbin, GstElement *jitterbuffer,
                     guint session, guint ssrc, gpointer data)
{
  GstElement *webrtcbin = data;

  /* The first request waits at least SS_WEBRTC_RTX_MIN_DELAY_MS past the
   * time the jitterbuffer expected the packet. A video frame's packets come
   * in a burst, and the jitterbuffer's guess of the next packet's time is
   * often early. Without the wait, a clean link gave a NACK for one packet
   * in twenty, and the relay takes NACKs as its measure of loss. */
  if (is_remote_audio_ssrc (webrtcbin, ssrc))
    g_object_set (jitterbuffer, "do-retransmission", FALSE, NULL);
  else
    g_object_set (jitterbuffer, "do-retransmission", TRUE, "rtx-min-delay",
                  (guint) SS_WEBRTC_RTX_MIN_DELAY_MS, NULL);

  GstElement *rtp_session = NULL;
  g_signal_emit_by_name (rtpbin, "get-session", session, &rtp_session);
  if (rtp_session != NULL) {
    g_object_set (rtp_session, "rtcp-min-interval",
                  (guint64) SS_WEBRTC_RTCP_MIN_INTERVAL_NS, NULL);
    gst_object_unref (rtp_session);
  }
}

/* Builds webrtcbin with one transport for every stream (BUNDLE) and the
 * given jitterbuffer latency in milliseconds. */
GstElement *
ss_webrtc_make_bin (const char *name, guint latency_ms, GError **error)
{
  GstElement *webrtcbin = gst_element_factory_make ("webrtcbin", name);

  if (webrtcbin == NULL) {
    g_set_error_literal (error, SS_AGENT_ERROR,
                         SS_AGENT_ERROR_MISSING_ELEMENT,
                         "GStreamer element webrtcbin not found; install gstreamer1.0-plugins-bad and gstreamer1.0-nice");
    return NULL;
  }

  gst_util_set_object_arg (G_OBJECT (webrtcbin), "bundle-policy",
                           "max-bundle");
  g_object_set (webrtcbin, "latency", latency_ms, NULL);

  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (webrtcbin),
                                                       "rtpbin");
  if (rtpbin != NULL)
    g_signal_connect_after (rtpbin, "new-jitterbuffer",
                            G_CALLBACK (on_new_jitterbuffer), webrtcbin);
  else
    g_warning ("webrtcbin has no child named rtpbin; lost packets will not "
               "be requested again");
  return webrtcbin;
}

/* Turns UPnP and ICE-TCP off and adds each of @addresses as a local host
 * address. Must run before set-local-description starts the gathering. */
gboolean
ss_webrtc_configure_ice (GstElement *webrtcbin, const char *const *addresses,
                         GError **error)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent_object = NULL;

  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  if (ice == NULL
      || g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") == NULL) {
    g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                         "webrtcbin has no libnice ICE agent");
    return FALSE;
  }

  g_object_set (ice, "ice-tcp", FALSE, NULL);
  g_object_get (ice, "agent", &agent_object, NULL);
  NiceAgent *agent = NICE_AGENT (agent_object);
  g_object_set (agent, "upnp", FALSE, NULL);

  if (addresses == NULL || addresses[0] == NULL) {
    g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                         "No local ICE address given");
    return FALSE;
  }

  for (gsize i = 0; addresses[i] != NULL; i++) {
    NiceAddress address;

    nice_address_init (&address);
    if (!nice_address_set_from_string (&address, addresses[i])) {
      g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                   "Invalid ICE address \"%s\": expected an IPv4 or IPv6 address",
                   addresses[i]);
      return FALSE;
    }

    if (!nice_agent_add_local_address (agent, &address)) {
      g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                   "libnice rejected the local ICE address %s", addresses[i]);
      return FALSE;
    }

    g_debug ("ICE local address %s", addresses[i]);
  }

  return TRUE;
}

/* RTP caps for VP8 on @payload_type, with the feedback the relay
 * implements: generic NACK and PLI (RFC 4585) and FIR (RFC 5104). Both
 * roles use them, the lead as codec preferences of each simulcast layer,
 * which has a payload type of its own. */
GstCaps *
ss_webrtc_vp8_caps (guint payload_type)
{
  GstCaps *caps = gst_caps_from_string ("application/x-rtp, media=video, "
                                        "encoding-name=VP8, "
                                        "clock-rate=90000, rtcp-fb-nack=true, "
                                        "rtcp-fb-nack-pli=true, "
                                        "rtcp-fb-ccm-fir=true");
  gst_caps_set_simple (caps, "payload", G_TYPE_INT, (gint) payload_type, NULL);
  return caps;
}

GstCaps *
ss_webrtc_opus_caps (void)
{
  return gst_caps_from_string ("application/x-rtp, media=audio, "
                               "encoding-name=OPUS, payload=111, "
                               "clock-rate=48000");
}

/* One webrtcbin call and its continuation. */
typedef struct _SsWebrtcStep SsWebrtcStep;
typedef void (*SsWebrtcStepFunc) (SsWebrtcStep *step,
                                  const GstStructure *reply,
                                  const GError *error);

struct _SsWebrtcStep {
  GstElement *webrtcbin;
  GMainContext *context;
  GCancellable *cancellable;
  SsWebrtcStepFunc step_func;
  const char *step_name;

  /* The caller's function, one of which is set, and its data. */
  SsWebrtcSdpFunc sdp_func;
  SsWebrtcDoneFunc done_func;
  SsWebrtcStatsFunc stats_func;
  gpointer user_data;
  GstWebRTCSDPType sdp_type;

  GstPromise *promise;
  GSource *timeout_source;
  /* 0 until the reply or the timeout claims the step; whichever sets it
   * first delivers. */
  gint claimed;
  GstStructure *reply;
  GError *error;
  char *sdp;
};

static void
ss_webrtc_step_clear (SsWebrtcStep *step)
{
  gst_clear_object (&step->webrtcbin);
  g_main_context_unref (step->context);
  g_clear_object (&step->cancellable);
  g_clear_pointer (&step->promise, gst_promise_unref);
  if (step->timeout_source != NULL) {
    g_source_destroy (step->timeout_source);
    g_source_unref (step->timeout_source);
  }
  g_clear_pointer (&step->reply, gst_structure_free);
  g_clear_error (&step->error);
  g_free (step->sdp);
}

static SsWebrtcStep *
ss_webrtc_step_ref (SsWebrtcStep *step)
{
  return g_atomic_rc_box_acquire (step);
}

static void
ss_webrtc_step_unref (SsWebrtcStep *step)
{
  g_atomic_rc_box_release_full (step, (GDestroyNotify) ss_webrtc_step_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsWebrtcStep, ss_webrtc_step_unref)

static SsWebrtcStep *
ss_webrtc_step_new (GstElement *webrtcbin, GMainContext *context,
                    GCancellable *cancellable, const char *step_name)
{
  SsWebrtcStep *step = g_atomic_rc_box_new0 (SsWebrtcStep);

  step->webrtcbin = gst_object_ref (webrtcbin);
  step->context = g_main_context_ref (context);
  step->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  step->step_name = step_name;
  return step;
}

static gboolean
deliver_step (gpointer data)
{
  SsWebrtcStep *step = data;

  /* The promise keeps a reference to the step through its change function.
   * Dropping the step's reference to the promise once it has served breaks
   * that cycle, so both are freed. */
  g_clear_pointer (&step->promise, gst_promise_unref);

  if (step->timeout_source != NULL) {
    g_source_destroy (step->timeout_source);
    g_clear_pointer (&step->timeout_source, g_source_unref);
  }

  if (g_cancellable_is_cancelled (step->cancellable))
    return G_SOURCE_REMOVE;

  step->step_func (step, step->reply, step->error);
  return G_SOURCE_REMOVE;
}

/* Always through an idle source, so the reply never runs inside the
 * g_signal_emit that started the step, even when webrtcbin replies at once. */
static void
schedule_delivery (SsWebrtcStep *step)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, deliver_step, ss_webrtc_step_ref (step),
                         (GDestroyNotify) ss_webrtc_step_unref);
  g_source_attach (idle, step->context);
  g_source_unref (idle);
}

/* Runs on webrtcbin's thread when the promise is replied or interrupted. */
static void
on_promise_changed (GstPromise *promise, gpointer data)
{
  SsWebrtcStep *step = data;

  if (!g_atomic_int_compare_and_exchange (&step->claimed, 0, 1))
    return;

  GstPromiseResult result = gst_promise_wait (promise);
  const GstStructure *reply = result == GST_PROMISE_RESULT_REPLIED
                              ? gst_promise_get_reply (promise) : NULL;
  GError *reply_error = NULL;

  if (reply != NULL && gst_structure_has_field (reply, "error"))
    gst_structure_get (reply, "error", G_TYPE_ERROR, &reply_error, NULL);

  if (reply_error != NULL) {
    step->error = g_error_new (SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                               "webrtcbin %s failed: %s", step->step_name,
                               reply_error->message);
    g_error_free (reply_error);
  } else if (result != GST_PROMISE_RESULT_REPLIED) {
    step->error = g_error_new (SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                               "webrtcbin %s ended without a reply (promise result %d)",
                               step->step_name, result);
  } else if (reply != NULL) {
    step->reply = gst_structure_copy (reply);
  }

  schedule_delivery (step);
}

static gboolean
on_step_timeout (gpointer data)
{
  SsWebrtcStep *step = data;

  if (!g_atomic_int_compare_and_exchange (&step->claimed, 0, 1))
    return G_SOURCE_REMOVE;

  step->error = g_error_new (SS_AGENT_ERROR, SS_AGENT_ERROR_TIMED_OUT,
                             "webrtcbin %s got no reply within %d ms",
                             step->step_name, SS_WEBRTC_PROMISE_TIMEOUT_MS);
  gst_promise_interrupt (step->promise);
  schedule_delivery (step);
  return G_SOURCE_REMOVE;
}

/* Arms the timeout and returns the promise to pass to the signal. */
static GstPromise *
start_step (SsWebrtcStep *step, SsWebrtcStepFunc step_func)
{
  step->step_func = step_func;
  step->promise = gst_promise_new_with_change_func (on_promise_changed,
                                                    ss_webrtc_step_ref (step),
                                                    (GDestroyNotify) ss_webrtc_step_unref);

  step->timeout_source = g_timeout_source_new (SS_WEBRTC_PROMISE_TIMEOUT_MS);
  g_source_set_callback (step->timeout_source, on_step_timeout,
                         ss_webrtc_step_ref (step),
                         (GDestroyNotify) ss_webrtc_step_unref);
  g_source_attach (step->timeout_source, step->context);
  return step->promise;
}

static void
finish_sdp_step (SsWebrtcStep *step, const GstStructure *reply,
                 const GError *error)
{
  if (error != NULL) {
    step->sdp_func (NULL, error, step->user_data);
    return;
  }

  step->sdp_func (step->sdp, NULL, step->user_data);
}

/* Continues after create-offer or create-answer: checks the reply for a
 * description, then sets it as the local description. */
static void
on_description_created (SsWebrtcStep *step, const GstStructure *reply,
                        const GError *error)
{
  const char *field = step->sdp_type == GST_WEBRTC_SDP_TYPE_OFFER
                      ? "offer" : "answer";
  GstWebRTCSessionDescription *description = NULL;

  if (error != NULL) {
    step->sdp_func (NULL, error, step->user_data);
    return;
  }

  if (reply != NULL)
    gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                       &description, NULL);

  if (description == NULL || description->sdp == NULL) {
    g_autoptr (GError) missing = g_error_new (SS_AGENT_ERROR,
                                              SS_AGENT_ERROR_INVALID_SDP,
                                              "webrtcbin %s replied without an SDP",
                                              step->step_name);
    if (description != NULL)
      gst_webrtc_session_description_free (description);
    step->sdp_func (NULL, missing, step->user_data);
    return;
  }

  g_autoptr (SsWebrtcStep) next = ss_webrtc_step_new (step->webrtcbin,
                                                      step->context,
                                                      step->cancellable,
                                                      "set-local-description");
  next->sdp_func = step->sdp_func;
  next->user_data = step->user_data;
  next->sdp = gst_sdp_message_as_text (description->sdp);

  GstPromise *promise = start_step (next, finish_sdp_step);
  g_signal_emit_by_name (step->webrtcbin, "set-local-description",
                         description, promise);
  gst_webrtc_session_description_free (description);
}

static void
create_description (GstElement *webrtcbin, GstWebRTCSDPType type,
                    GMainContext *context, GCancellable *cancellable,
                    SsWebrtcSdpFunc func, gpointer user_data)
{
  gboolean offer = type == GST_WEBRTC_SDP_TYPE_OFFER;
  g_autoptr (SsWebrtcStep) step = ss_webrtc_step_new (webrtcbin, context,
                                                      cancellable,
                                                      offer ? "create-offer"
                                                      : "create-answer");
  step->sdp_func = func;
  step->user_data = user_data;
  step->sdp_type = type;

  GstPromise *promise = start_step (step, on_description_created);
  g_signal_emit_by_name (webrtcbin, offer ? "create-offer" : "create-answer",
                         NULL, promise);
}

/* Creates an offer and sets it as the local description. */
void
ss_webrtc_create_offer (GstElement *webrtcbin, GMainContext *context,
                        GCancellable *cancellable, SsWebrtcSdpFunc func,
                        gpointer user_data)
{
  create_description (webrtcbin, GST_WEBRTC_SDP_TYPE_OFFER, context,
                      cancellable, func, user_data);
}

/* Creates an answer to the remote offer and sets it as the local
 * description. */
void
ss_webrtc_create_answer (GstElement *webrtcbin, GMainContext *context,
                         GCancellable *cancellable, SsWebrtcSdpFunc func,
                         gpointer user_data)
{
  create_description (webrtcbin, GST_WEBRTC_SDP_TYPE_ANSWER, context,
                      cancellable, func, user_data);
}

static void
finish_done_step (SsWebrtcStep *step, const GstStructure *reply,
                  const GError *error)
{
  step->done_func (error, step->user_data);
}

/* Parses @sdp and sets it as the remote description. An SDP that does not
 * parse is reported through @func, like any other failure. */
void
ss_webrtc_set_remote (GstElement *webrtcbin, GstWebRTCSDPType type,
                      const char *sdp, GMainContext *context,
                      GCancellable *cancellable, SsWebrtcDoneFunc func,
                      gpointer user_data)
{
  g_autoptr (SsWebrtcStep) step = ss_webrtc_step_new (webrtcbin, context,
                                                      cancellable,
                                                      "set-remote-description");
  GstSDPMessage *message = NULL;

  step->done_func = func;
  step->user_data = user_data;

  if (sdp == NULL || gst_sdp_message_new_from_text (sdp, &message) != GST_SDP_OK) {
    step->step_func = finish_done_step;
    step->claimed = 1;
    step->error = g_error_new_literal (SS_AGENT_ERROR,
                                       SS_AGENT_ERROR_INVALID_SDP,
                                       "Remote description is not valid SDP");
    schedule_delivery (step);
    return;
  }

  GstWebRTCSessionDescription *description =
      gst_webrtc_session_description_new (type, message);
  GstPromise *promise = start_step (step, finish_done_step);
  g_signal_emit_by_name (webrtcbin, "set-remote-description", description,
                         promise);
  gst_webrtc_session_description_free (description);
}

static void
finish_stats_step (SsWebrtcStep *step, const GstStructure *reply,
                   const GError *error)
{
  if (error == NULL && reply == NULL) {
    g_autoptr (GError) missing = g_error_new_literal (SS_AGENT_ERROR,
                                                      SS_AGENT_ERROR_FAILED,
                                                      "webrtcbin get-stats replied without statistics");
    step->stats_func (NULL, missing, step->user_data);
    return;
  }

  step->stats_func (reply, error, step->user_data);
}

/* Requests the statistics of every stream (the W3C webrtc-stats
 * dictionaries, as GstStructures). */
void
ss_webrtc_get_stats (GstElement *webrtcbin, GMainContext *context,
                     GCancellable *cancellable, SsWebrtcStatsFunc func,
                     gpointer user_data)
{
  g_autoptr (SsWebrtcStep) step = ss_webrtc_step_new (webrtcbin, context,
                                                      cancellable, "get-stats");
  step->stats_func = func;
  step->user_data = user_data;

  GstPromise *promise = start_step (step, finish_stats_step);
  g_signal_emit_by_name (webrtcbin, "get-stats", NULL, promise);
}

static gboolean
sum_inbound_field (GQuark field, const GValue *value, gpointer data)
{
  guint64 *totals = data;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;

  const GstStructure *entry = gst_value_get_structure (value);
  GstWebRTCStatsType type = 0;
  if (!gst_structure_get (entry, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type,
                          NULL)
      || type != GST_WEBRTC_STATS_INBOUND_RTP)
    return TRUE;

  guint64 received = 0;
  gint64 lost = 0;
  if (gst_structure_get_uint64 (entry, "packets-received", &received))
    totals[0] += received;
  if (gst_structure_get_int64 (entry, "packets-lost", &lost))
    totals[1] += (guint64) lost;
  return TRUE;
}

/* Adds up packets-received and packets-lost over the inbound-rtp entries
 * of a get-stats reply. */
void
ss_webrtc_sum_inbound_rtp (const GstStructure *stats,
                           guint64 *packets_received, gint64 *packets_lost)
{
  guint64 totals[2] = { 0, 0 };

  gst_structure_foreach (stats, sum_inbound_field, totals);
  *packets_received = totals[0];
  *packets_lost = (gint64) totals[1];
}

typedef struct {
  GMainContext *context;
  GCancellable *cancellable;
  SsWebrtcCandidateFunc func;
  gpointer user_data;
} SsCandidateWatch;

typedef struct {
  SsCandidateWatch *watch;
  guint mline;
  char *candidate;
} SsCandidateEvent;

static void
ss_candidate_watch_clear (SsCandidateWatch *watch)
{
  g_main_context_unref (watch->context);
  g_clear_object (&watch->cancellable);
}

static SsCandidateWatch *
ss_candidate_watch_ref (SsCandidateWatch *watch)
{
  return g_atomic_rc_box_acquire (watch);
}

static void
ss_candidate_watch_unref (SsCandidateWatch *watch)
{
  g_atomic_rc_box_release_full (watch,
                                (GDestroyNotify) ss_candidate_watch_clear);
}

static void
release_watch_closure (gpointer data, GClosure *closure)
{
  ss_candidate_watch_unref (data);
}

static void
ss_candidate_event_free (SsCandidateEvent *event)
{
  ss_candidate_watch_unref (event->watch);
  g_free (event->candidate);
  g_free (event);
}

static gboolean
deliver_candidate (gpointer data)
{
  SsCandidateEvent *event = data;

  if (!g_cancellable_is_cancelled (event->watch->cancellable))
    event->watch->func (event->mline, event->candidate,
                        event->watch->user_data);
  return G_SOURCE_REMOVE;
}

/* Runs on webrtcbin's thread; the candidate goes to the watch's context. */
static void
queue_candidate (SsCandidateWatch *watch, guint mline, const char *candidate)
{
  SsCandidateEvent *event = g_new0 (SsCandidateEvent, 1);
  GSource *idle = g_idle_source_new ();

  *event = (SsCandidateEvent) {
    .watch = ss_candidate_watch_ref (watch),
    .mline = mline,
    .candidate = g_strdup (candidate),
  };
  g_source_set_callback (idle, deliver_candidate, event,
                         (GDestroyNotify) ss_candidate_event_free);
  g_source_attach (idle, watch->context);
  g_source_unref (idle);
}

static void
on_ice_candidate (GstElement *webrtcbin, guint mline, const char *candidate,
                  gpointer data)
{
  queue_candidate (data, mline, candidate);
}

static void
on_gathering_state (GstElement *webrtcbin, GParamSpec *pspec, gpointer data)
{
  GstWebRTCICEGatheringState state;

  g_object_get (webrtcbin, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    queue_candidate (data, 0, "");
}

/* Calls @func on @context for each local candidate and once with "" when
 * gathering completes. */
void
ss_webrtc_watch_candidates (GstElement *webrtcbin, GMainContext *context,
                            GCancellable *cancellable,
                            SsWebrtcCandidateFunc func, gpointer user_data)
{
  SsCandidateWatch *watch = g_atomic_rc_box_new0 (SsCandidateWatch);

  *watch = (SsCandidateWatch) {
    .context = g_main_context_ref (context),
    .cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL,
    .func = func,
    .user_data = user_data,
  };

  g_signal_connect_data (webrtcbin, "on-ice-candidate",
                         G_CALLBACK (on_ice_candidate), watch,
                         release_watch_closure, 0);
  g_signal_connect_data (webrtcbin, "notify::ice-gathering-state",
                         G_CALLBACK (on_gathering_state),
                         ss_candidate_watch_ref (watch),
                         release_watch_closure, 0);
}

/* Links @payloader to a new webrtcbin sink pad and makes the pad's
 * transceiver send-only with @codec_preferences, which fixes the payload
 * type and RTCP feedback that the offer lists. */
gboolean
ss_webrtc_link_sendonly (GstElement *webrtcbin, GstElement *payloader,
                         GstCaps *codec_preferences, GError **error)
{
  g_autoptr (GstPad) sink = gst_element_request_pad_simple (webrtcbin,
                                                            "sink_%u");
  g_autoptr (GstPad) src = gst_element_get_static_pad (payloader, "src");

  if (sink == NULL || src == NULL) {
    g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                         "Failed to get a webrtcbin sink pad");
    return FALSE;
  }

  GstPadLinkReturn link = gst_pad_link (src, sink);
  if (link != GST_PAD_LINK_OK) {
    g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                 "Failed to link %s to webrtcbin: %s",
                 GST_ELEMENT_NAME (payloader), gst_pad_link_get_name (link));
    return FALSE;
  }

  g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;
  g_object_get (sink, "transceiver", &transceiver, NULL);
  if (transceiver == NULL) {
    g_set_error_literal (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                         "webrtcbin sink pad has no transceiver");
    return FALSE;
  }

  /* do-nack keeps sent packets for the relay's NACKs and offers RTX
   * (RFC 4588) to carry the retransmissions. */
  g_object_set (transceiver,
                "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                "codec-preferences", codec_preferences,
                "do-nack", TRUE,
                NULL);
  return TRUE;
}
