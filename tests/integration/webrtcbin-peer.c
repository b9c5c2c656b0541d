#include "webrtcbin-peer.h"

#include <agent.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

void
ss_test_webrtcbin_configure_ice (GstElement *webrtcbin)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;
  NiceAddress address;

  g_object_get (webrtcbin, "ice-agent", &ice, NULL);
  g_object_set (ice, "ice-tcp", FALSE, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);

  nice_address_init (&address);
  g_assert_true (nice_address_set_from_string (&address, "127.0.0.1"));
  g_assert_true (nice_agent_add_local_address (NICE_AGENT (agent), &address));
}

/* Blocks until webrtcbin replies from its own thread. gst_promise_wait()
 * has no timeout, so a hang ends at the test's meson timeout. */
static GstStructure *
wait_promise (GstPromise *promise)
{
  GstPromiseResult result = gst_promise_wait (promise);
  g_assert_cmpint (result, ==, GST_PROMISE_RESULT_REPLIED);
  const GstStructure *reply = gst_promise_get_reply (promise);
  g_assert_nonnull (reply);
  return gst_structure_copy (reply);
}

char *
ss_test_webrtcbin_create_offer (GstElement *webrtcbin)
{
  GstPromise *promise = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "create-offer", NULL, promise);
  g_autoptr (GstStructure) reply = wait_promise (promise);
  gst_promise_unref (promise);

  GstWebRTCSessionDescription *offer = NULL;
  gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                     &offer, NULL);
  g_assert_nonnull (offer);

  promise = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "set-local-description", offer, promise);
  gst_promise_wait (promise);
  gst_promise_unref (promise);

  char *text = gst_sdp_message_as_text (offer->sdp);
  gst_webrtc_session_description_free (offer);
  return text;
}

void
ss_test_webrtcbin_set_answer (GstElement *webrtcbin, const char *answer_sdp)
{
  GstSDPMessage *sdp = NULL;
  g_assert_cmpint (gst_sdp_message_new_from_text (answer_sdp, &sdp), ==,
                   GST_SDP_OK);
  GstWebRTCSessionDescription *answer =
      gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);

  GstPromise *promise = gst_promise_new ();
  g_signal_emit_by_name (webrtcbin, "set-remote-description", answer, promise);
  gst_promise_wait (promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (answer);
}
