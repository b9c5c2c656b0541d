/* A media transport's offer/answer exchange with the server.
 *
 * An attempt builds a fresh pipeline, creates the offer, sends it in
 * `publish` or `subscribe` and applies the relay's answer. Any failure
 * tears the pipeline down and starts a new attempt after
 * SS_MEDIA_LINK_RETRY_MS, unless the owner's refused callback takes a
 * server error over. Each attempt has its own request id and GCancellable,
 * so replies to an attempt that was abandoned are ignored.
 *
 * Local candidates gathered before the offer went out wait for it, because
 * the server knows no transport for this client until then. A `candidate`
 * message names only an m-line, not the transport, so a client with two
 * transports sends the server candidates it cannot tell apart; the relay
 * is ICE-lite and learns each address from the connectivity checks, so it
 * only checks them for syntax (protocol/README.md, `candidate`). */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-link.h"
#include "ss-agent-webrtc.h"

struct _SsMediaLink {
  char *request_type;
  char *description;
  SsSignaling *signaling;
  GMainContext *context;
  SsMediaLinkCallbacks callbacks;
  gpointer user_data;

  /* The current attempt. */
  GstElement *webrtcbin;
  GCancellable *cancellable;
  guint64 request_id;
  gboolean offer_sent;
  gboolean answered;
  GPtrArray *pending_candidates;
  GSource *retry_source;
};

typedef struct {
  guint mline;
  char *candidate;
} SsQueuedCandidate;

static void
ss_queued_candidate_free (SsQueuedCandidate *queued)
{
  g_free (queued->candidate);
  g_free (queued);
}

/* @request_type is "publish" or "subscribe"; @description names the
 * transport in logs ("lesson subscription", "return feed"). */
SsMediaLink *
ss_media_link_new (const char *request_type, const char *description,
                   SsSignaling *signaling, GMainContext *context,
                   const SsMediaLinkCallbacks *callbacks, gpointer user_data)
{
  g_return_val_if_fail (callbacks != NULL, NULL);
  g_return_val_if_fail (callbacks->start_pipeline != NULL, NULL);
  g_return_val_if_fail (callbacks->stop_pipeline != NULL, NULL);
  g_return_val_if_fail (callbacks->ice_addresses != NULL, NULL);

  SsMediaLink *link = g_new0 (SsMediaLink, 1);
  *link = (SsMediaLink) {
    .request_type = g_strdup (request_type),
    .description = g_strdup (description),
    .signaling = signaling,
    .context = g_main_context_ref (context),
    .callbacks = *callbacks,
    .user_data = user_data,
    .pending_candidates = g_ptr_array_new_with_free_func (
        (GDestroyNotify) ss_queued_candidate_free),
  };
  return link;
}

void
ss_media_link_free (SsMediaLink *link)
{
  if (link == NULL)
    return;

  ss_media_link_stop (link);
  g_ptr_array_unref (link->pending_candidates);
  g_main_context_unref (link->context);
  g_free (link->request_type);
  g_free (link->description);
  g_free (link);
}

static void
cancel_retry (SsMediaLink *link)
{
  if (link->retry_source == NULL)
    return;

  g_source_destroy (link->retry_source);
  g_clear_pointer (&link->retry_source, g_source_unref);
}

static void
teardown (SsMediaLink *link)
{
  if (link->cancellable != NULL)
    {
      g_cancellable_cancel (link->cancellable);
      g_clear_object (&link->cancellable);
    }

  if (link->webrtcbin != NULL)
    {
      g_message ("Stopping the %s", link->description);
      link->webrtcbin = NULL;
      link->callbacks.stop_pipeline (link->user_data);
    }

  link->request_id = 0;
  link->offer_sent = FALSE;
  link->answered = FALSE;
  g_ptr_array_set_size (link->pending_candidates, 0);
}

/* Stops the pipeline and any pending retry. Replies to the attempt that
 * are still on their way are ignored. */
void
ss_media_link_stop (SsMediaLink *link)
{
  cancel_retry (link);
  teardown (link);
}

static gboolean
on_retry_timeout (gpointer data)
{
  SsMediaLink *link = data;

  g_clear_pointer (&link->retry_source, g_source_unref);
  ss_media_link_start (link);
  return G_SOURCE_REMOVE;
}

/* Tears the attempt down after a failure in @step and schedules the next
 * one. */
void
ss_media_link_fail (SsMediaLink *link, const char *step, const GError *error)
{
  g_warning ("The %s failed at %s: %s; retrying in %d ms", link->description,
             step, error->message, SS_MEDIA_LINK_RETRY_MS);
  teardown (link);

  if (link->retry_source != NULL)
    return;
  link->retry_source = g_timeout_source_new (SS_MEDIA_LINK_RETRY_MS);
  g_source_set_callback (link->retry_source, on_retry_timeout, link, NULL);
  g_source_attach (link->retry_source, link->context);
}

static void
send_candidate (SsMediaLink *link, guint mline, const char *candidate)
{
  json_t *payload = json_object ();

  json_object_set_new (payload, "candidate", json_string (candidate));
  json_object_set_new (payload, "mline", json_integer (mline));
  ss_signaling_notify (link->signaling, "candidate", payload);
}

static void
on_local_candidate (guint mline, const char *candidate, gpointer data)
{
  SsMediaLink *link = data;

  if (link->offer_sent)
    {
      send_candidate (link, mline, candidate);
      return;
    }

  SsQueuedCandidate *queued = g_new0 (SsQueuedCandidate, 1);
  *queued = (SsQueuedCandidate) {
    .mline = mline,
    .candidate = g_strdup (candidate),
  };
  g_ptr_array_add (link->pending_candidates, queued);
}

static void
flush_candidates (SsMediaLink *link)
{
  for (guint i = 0; i < link->pending_candidates->len; i++)
    {
      SsQueuedCandidate *queued = g_ptr_array_index (link->pending_candidates,
                                                     i);
      send_candidate (link, queued->mline, queued->candidate);
    }

  g_ptr_array_set_size (link->pending_candidates, 0);
}

static void
on_answer_applied (const GError *error, gpointer data)
{
  SsMediaLink *link = data;

  if (error != NULL)
    {
      ss_media_link_fail (link, "applying the relay's answer", error);
      return;
    }

  g_message ("The %s is negotiated", link->description);
}

static void
on_reply (guint64 id, json_t *result, const GError *error, gpointer data)
{
  SsMediaLink *link = data;

  if (id != link->request_id)
    return;

  link->request_id = 0;
  if (g_error_matches (error, SS_SIGNALING_ERROR,
                       SS_SIGNALING_ERROR_DISCONNECTED))
    return;

  if (error != NULL)
    {
      if (link->callbacks.refused != NULL
          && link->callbacks.refused (error, link->user_data))
        {
          ss_media_link_stop (link);
          return;
        }
      ss_media_link_fail (link, link->request_type, error);
      return;
    }

  link->answered = TRUE;
  const char *sdp = json_string_value (json_object_get (result, "sdp"));
  GstElement *webrtcbin = link->webrtcbin;
  GCancellable *cancellable = link->cancellable;

  /* The owner may react by stopping this link, so everything the answer
   * needs was read first; the cancellable then drops the answer. */
  g_object_ref (cancellable);
  gst_object_ref (webrtcbin);
  if (link->callbacks.answered != NULL)
    link->callbacks.answered (result, link->user_data);
  if (!g_cancellable_is_cancelled (cancellable))
    ss_webrtc_set_remote (webrtcbin, GST_WEBRTC_SDP_TYPE_ANSWER, sdp,
                          link->context, cancellable, on_answer_applied,
                          link);
  gst_object_unref (webrtcbin);
  g_object_unref (cancellable);
}

static void
on_offer_created (const char *sdp, const GError *error, gpointer data)
{
  SsMediaLink *link = data;

  if (error != NULL)
    {
      ss_media_link_fail (link, "creating the offer", error);
      return;
    }

  json_t *payload = json_object ();
  json_object_set_new (payload, "sdp", json_string (sdp));

  gint64 now_us = g_get_monotonic_time ();
  if (link->callbacks.offer_sending != NULL)
    link->callbacks.offer_sending (now_us, link->user_data);

  link->request_id = ss_signaling_request (link->signaling,
                                           link->request_type, payload,
                                           now_us, on_reply, link);
  link->offer_sent = TRUE;
  flush_candidates (link);
}

/* Starts a new attempt: builds the pipeline and sends its offer. A
 * running attempt is dropped first. */
void
ss_media_link_start (SsMediaLink *link)
{
  g_autoptr (GError) error = NULL;

  cancel_retry (link);
  teardown (link);

  g_message ("Starting the %s", link->description);
  link->cancellable = g_cancellable_new ();

  g_auto (GStrv) addresses = link->callbacks.ice_addresses (link->user_data,
                                                            &error);
  if (addresses == NULL)
    {
      ss_media_link_fail (link, "finding the local ICE address", error);
      return;
    }

  link->webrtcbin = link->callbacks.start_pipeline (link->user_data, &error);
  if (link->webrtcbin == NULL
      || !ss_webrtc_configure_ice (link->webrtcbin,
                                   (const char *const *) addresses, &error))
    {
      ss_media_link_fail (link, "starting the media pipeline", error);
      return;
    }

  ss_webrtc_watch_candidates (link->webrtcbin, link->context,
                              link->cancellable, on_local_candidate, link);
  ss_webrtc_create_offer (link->webrtcbin, link->context, link->cancellable,
                          on_offer_created, link);
}

/* Whether an attempt is under way or a retry is pending. */
gboolean
ss_media_link_is_running (SsMediaLink *link)
{
  return link->webrtcbin != NULL || link->retry_source != NULL;
}

/* Whether the server answered the current attempt's offer. */
gboolean
ss_media_link_is_answered (SsMediaLink *link)
{
  return link->answered;
}

const char *
ss_media_link_get_description (SsMediaLink *link)
{
  return link->description;
}
