/* The relay against real WebRTC peers: GStreamer webrtcbin publishers and
 * subscribers in this process, talking ICE, DTLS and SRTP to an in-process
 * relay over 127.0.0.1. No server and no agent: this checks the media
 * plane on its own, including its handling of bad peers. */
#include "ss-relay.h"
#include "webrtcbin-peer.h"

#include <jansson.h>

#include <gio/gio.h>
#include <gst/gst.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <string.h>

#define LESSON "lesson-it"
#define MAX_SLOTS 2

/* A subscriber's decoded output per slot, counted by pad probes on the
 * decoders (atomics: probes run on streaming threads). */
typedef struct {
  gint video_frames;
  gint audio_buffers;
  gint last_width;       /* of the last decoded frame */
} SlotCounters;

typedef struct {
  const char *name;
  GstElement *pipeline;
  GstElement *webrtcbin;
  SlotCounters slots[MAX_SLOTS];   /* subscriber */
  gint keyframes;        /* atomic: encoded (publisher) */
  gboolean answered;
  guint n_slots;         /* from the relay's answer */
  GQuark error_domain;
  gint error_code;
  char *relay_error;
  char *closed_reason;
} Peer;

typedef struct {
  SsRelay *relay;
  GMainLoop *loop;
  GPtrArray *peers;
} World;

static World world;

static Peer *
find_peer (const char *name)
{
  for (guint i = 0; i < world.peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (world.peers, i);
      if (g_strcmp0 (peer->name, name) == 0)
        return peer;
    }
  return NULL;
}

static void
on_relay_event (SsRelay *relay, const char *lesson_id, const char *peer_id,
                SsRelayPeerEvent event, const char *reason, gpointer user_data)
{
  Peer *peer = find_peer (peer_id);
  g_test_message ("relay event for %s: %s %s", peer_id,
                  event == SS_RELAY_PEER_CONNECTED ? "connected" : "closed",
                  reason != NULL ? reason : "");
  if (peer != NULL && event == SS_RELAY_PEER_CLOSED)
    peer->closed_reason = g_strdup (reason);
}

/* ---- webrtcbin set-up ---- */

static void
on_answer (SsRelay *relay, const char *lesson_id, const char *peer_id,
           const char *answer_sdp, guint n_slots, const GError *error,
           gpointer user_data)
{
  Peer *peer = user_data;

  peer->answered = TRUE;
  peer->n_slots = n_slots;
  if (error != NULL)
    {
      peer->error_domain = error->domain;
      peer->error_code = error->code;
      peer->relay_error = g_strdup (error->message);
      return;
    }

  ss_test_webrtcbin_set_answer (peer->webrtcbin, answer_sdp);
}

static gboolean
quit_after (gpointer data)
{
  g_main_loop_quit (world.loop);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until cond returns TRUE or timeout_ms pass. */
static gboolean
run_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  while (!cond (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (5000), TRUE);
  return cond (data);
}

static gboolean
peer_answered (gpointer data)
{
  return ((Peer *) data)->answered;
}

static void
run_for (guint ms)
{
  g_timeout_add (ms, quit_after, NULL);
  g_main_loop_run (world.loop);
}

/* ---- publisher ---- */

static GstPadProbeReturn
count_keyframes (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Peer *peer = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    g_atomic_int_inc (&peer->keyframes);
  return GST_PAD_PROBE_OK;
}

static void
set_sendonly (Peer *peer)
{
  GArray *transceivers = NULL;
  g_signal_emit_by_name (peer->webrtcbin, "get-transceivers", &transceivers);
  for (guint i = 0; i < transceivers->len; i++)
    g_object_set (g_array_index (transceivers, GstWebRTCRTPTransceiver *, i),
                  "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                  NULL);
  g_array_unref (transceivers);
}

/* Three VP8 encoders of one camera, highest layer linked first so its
 * m-line comes first, as protocol/README.md orders simulcast layers. Each
 * layer has its own payload type: webrtcbin's offer carries no a=ssrc
 * before the payloaders have run, and the relay then distinguishes bundled
 * streams by payload type. */
static Peer *
start_simulcast_publisher (const char *name)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr (GError) error = NULL;
  GString *description = g_string_new (
      "webrtcbin name=w bundle-policy=max-bundle "
      "videotestsrc is-live=true pattern=snow "
      "! video/x-raw,width=960,height=540,framerate=30/1 ! tee name=t ");
  /* Noise fills each encoder's target bitrate, so the layers' measured
   * rates are the targets; a test pattern would fit any budget. */
  const guint widths[] = { 960, 480, 240 };
  const guint bitrates[] = { 1500000, 500000, 150000 };
  const guint payload_types[] = { 96, 97, 98 };

  peer->name = name;
  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    g_string_append_printf (
        description,
        "t. ! queue ! videoscale ! video/x-raw,width=%u,height=%u "
        "! vp8enc deadline=1 keyframe-max-dist=100000 target-bitrate=%u "
        "! rtpvp8pay pt=%u picture-id-mode=15-bit "
        "! application/x-rtp,media=video,encoding-name=VP8,payload=%u,"
        "clock-rate=90000 ! w. ",
        widths[i], widths[i] * 9 / 16, bitrates[i], payload_types[i],
        payload_types[i]);

  peer->pipeline = gst_parse_launch (description->str, &error);
  g_string_free (description, TRUE);
  g_assert_no_error (error);
  peer->webrtcbin = gst_bin_get_by_name (GST_BIN (peer->pipeline), "w");
  ss_test_webrtcbin_configure_ice (peer->webrtcbin);
  gst_element_set_state (peer->pipeline, GST_STATE_PLAYING);
  set_sendonly (peer);
  g_ptr_array_add (world.peers, peer);
  return peer;
}

/* A classroom's camera (a width x 3/4 width test pattern) and microphone. */
static Peer *
start_publisher (const char *name, guint width)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr (GError) error = NULL;

  peer->name = name;
  /* No periodic key frames: the subscribers' first picture depends on the
   * relay's PLI reaching the encoder. */
  g_autofree char *description = g_strdup_printf (
      "webrtcbin name=w bundle-policy=max-bundle "
      "videotestsrc is-live=true pattern=ball "
      "! video/x-raw,width=%u,height=%u,framerate=30/1 "
      "! vp8enc name=enc deadline=1 keyframe-max-dist=100000 "
      "! rtpvp8pay pt=96 picture-id-mode=15-bit "
      "! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 "
      "! w. "
      "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample "
      "! opusenc ! rtpopuspay pt=111 "
      "! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 "
      "! w.",
      width, width * 3 / 4);
  peer->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  peer->webrtcbin = gst_bin_get_by_name (GST_BIN (peer->pipeline), "w");
  ss_test_webrtcbin_configure_ice (peer->webrtcbin);

  g_autoptr (GstElement) encoder =
      gst_bin_get_by_name (GST_BIN (peer->pipeline), "enc");
  g_autoptr (GstPad) src = gst_element_get_static_pad (encoder, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, count_keyframes, peer,
                     NULL);

  gst_element_set_state (peer->pipeline, GST_STATE_PLAYING);
  set_sendonly (peer);
  g_ptr_array_add (world.peers, peer);
  return peer;
}

/* ---- subscriber ---- */

static GstPadProbeReturn
count_buffers (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
record_width (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SlotCounters *slot = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  gint width = 0;
  if (caps != NULL &&
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width))
    g_atomic_int_set (&slot->last_width, width);
  return GST_PAD_PROBE_OK;
}

/* The slot a webrtcbin source pad belongs to: its transceivers were added
 * video then audio for each slot, so m-lines 2i and 2i+1 are slot i. */
static guint
pad_slot (GstPad *pad)
{
  g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;
  guint mline = 0;
  g_object_get (pad, "transceiver", &transceiver, NULL);
  g_assert_nonnull (transceiver);
  g_object_get (transceiver, "mlineindex", &mline, NULL);
  g_assert_cmpuint (mline / 2, <, MAX_SLOTS);
  return mline / 2;
}

static void
on_subscriber_pad (GstElement *webrtcbin, GstPad *pad, Peer *peer)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;

  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  gboolean video = g_strcmp0 (gst_structure_get_string (s, "media"), "video") == 0;
  SlotCounters *slot = &peer->slots[pad_slot (pad)];

  GstElement *bin = gst_parse_bin_from_description (
      video ? "queue ! rtpvp8depay ! vp8dec name=dec ! fakesink sync=false"
            : "queue ! rtpopusdepay ! opusdec name=dec ! fakesink sync=false",
      TRUE, NULL);
  gst_bin_add (GST_BIN (peer->pipeline), bin);

  g_autoptr (GstElement) decoder = gst_bin_get_by_name (GST_BIN (bin), "dec");
  g_autoptr (GstPad) decoder_src = gst_element_get_static_pad (decoder, "src");
  gst_pad_add_probe (decoder_src, GST_PAD_PROBE_TYPE_BUFFER, count_buffers,
                     video ? &slot->video_frames : &slot->audio_buffers, NULL);
  if (video)
    gst_pad_add_probe (decoder_src, GST_PAD_PROBE_TYPE_BUFFER, record_width,
                       slot, NULL);

  g_autoptr (GstPad) sink = gst_element_get_static_pad (bin, "sink");
  gst_element_sync_state_with_parent (bin);
  g_assert_cmpint (gst_pad_link (pad, sink), ==, GST_PAD_LINK_OK);
}

/* A receive-only peer with n_slots slots: a video and an audio
 * transceiver for each. */
static Peer *
start_subscriber (const char *name, guint n_slots)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->name = name;
  peer->pipeline = gst_pipeline_new (name);
  peer->webrtcbin = gst_element_factory_make ("webrtcbin", "w");
  g_object_set (peer->webrtcbin, "bundle-policy",
                GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  gst_bin_add (GST_BIN (peer->pipeline), peer->webrtcbin);
  gst_object_ref (peer->webrtcbin);
  ss_test_webrtcbin_configure_ice (peer->webrtcbin);
  g_signal_connect (peer->webrtcbin, "pad-added",
                    G_CALLBACK (on_subscriber_pad), peer);

  const char *caps_text[] = {
    "application/x-rtp,media=video,encoding-name=VP8,payload=96,"
    "clock-rate=90000,rtcp-fb-nack-pli=true,rtcp-fb-ccm-fir=true",
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
    "clock-rate=48000",
  };
  for (guint i = 0; i < n_slots * G_N_ELEMENTS (caps_text); i++)
    {
      g_autoptr (GstCaps) caps =
          gst_caps_from_string (caps_text[i % G_N_ELEMENTS (caps_text)]);
      GstWebRTCRTPTransceiver *transceiver = NULL;
      g_signal_emit_by_name (peer->webrtcbin, "add-transceiver",
                             GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                             caps, &transceiver);
      gst_object_unref (transceiver);
    }

  gst_element_set_state (peer->pipeline, GST_STATE_PLAYING);
  g_ptr_array_add (world.peers, peer);
  return peer;
}

static void
stop_peer (Peer *peer)
{
  gst_element_set_state (peer->pipeline, GST_STATE_NULL);
  gst_object_unref (peer->webrtcbin);
  gst_object_unref (peer->pipeline);
  peer->pipeline = NULL;
}

/* Publishes the peer's camera and microphone as the source named like the
 * peer. */
static void
publish (Peer *peer)
{
  g_autofree char *offer = ss_test_webrtcbin_create_offer (peer->webrtcbin);
  if (g_getenv ("SS_TEST_PRINT_SDP") != NULL)
    g_printerr ("%s offer:\n%s\n", peer->name, offer);
  ss_relay_publish (world.relay, LESSON, peer->name, peer->name, offer,
                    on_answer, peer);
  g_assert_true (run_until (peer_answered, peer, 5000));
  g_assert_null (peer->relay_error);
}

static void
subscribe_to (Peer *peer, const char *const *sources, guint n_sources)
{
  g_autofree char *offer = ss_test_webrtcbin_create_offer (peer->webrtcbin);
  ss_relay_subscribe (world.relay, LESSON, peer->name, offer, sources,
                      n_sources, on_answer, peer);
  g_assert_true (run_until (peer_answered, peer, 5000));
  g_assert_null (peer->relay_error);
}

/* Subscribes slot 0 to the lead's source. */
static void
subscribe (Peer *peer)
{
  const char *sources[] = { "lead" };
  subscribe_to (peer, sources, G_N_ELEMENTS (sources));
  g_assert_cmpuint (peer->n_slots, ==, 1);
}

static void
world_set_up (void)
{
  SsRelayConfig config = {
    .bind_address = "127.0.0.1",
    .port_base = 0,
    .n_workers = 2,
  };
  g_autoptr (GError) error = NULL;

  world.loop = g_main_loop_new (NULL, FALSE);
  world.peers = g_ptr_array_new ();
  world.relay = ss_relay_new (&config, on_relay_event, NULL, &error);
  g_assert_no_error (error);
}

static void
world_tear_down (void)
{
  for (guint i = 0; i < world.peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (world.peers, i);
      if (peer->pipeline != NULL)
        stop_peer (peer);
      g_free (peer->relay_error);
      g_free (peer->closed_reason);
      g_free (peer);
    }
  g_ptr_array_unref (world.peers);
  g_clear_pointer (&world.relay, ss_relay_free);
  g_main_loop_unref (world.loop);
}

/* ---- tests ---- */

static void
test_lesson_reaches_subscribers (void)
{
  world_set_up ();
  Peer *lead = start_publisher ("lead", 320);
  publish (lead);

  Peer *a = start_subscriber ("remote-a", 1);
  subscribe (a);
  Peer *b = start_subscriber ("remote-b", 1);
  subscribe (b);

  run_for (4000);

  gint frames_a = g_atomic_int_get (&a->slots[0].video_frames);
  gint frames_b = g_atomic_int_get (&b->slots[0].video_frames);
  g_test_message ("after 4 s: remote-a %d frames %d audio buffers, remote-b "
                  "%d frames %d audio buffers, lead %d key frames",
                  frames_a, g_atomic_int_get (&a->slots[0].audio_buffers), frames_b,
                  g_atomic_int_get (&b->slots[0].audio_buffers),
                  g_atomic_int_get (&lead->keyframes));

  /* 30 fps for 4 s is 120 frames; ICE and DTLS take well under a second
   * on loopback, so at least 60 decoded frames is a wide margin. */
  g_assert_cmpint (frames_a, >=, 60);
  g_assert_cmpint (frames_b, >=, 60);
  /* Opus packets of 20 ms: at least 2 s worth. */
  g_assert_cmpint (g_atomic_int_get (&a->slots[0].audio_buffers), >=, 100);
  g_assert_cmpint (g_atomic_int_get (&b->slots[0].audio_buffers), >=, 100);
  /* The encoder's only key frames are the first one and those the relay's
   * PLIs asked for. */
  g_assert_cmpint (g_atomic_int_get (&lead->keyframes), >=, 2);

  world_tear_down ();
}

static void
test_late_subscriber_and_vanished_one (void)
{
  world_set_up ();
  Peer *lead = start_publisher ("lead", 320);
  publish (lead);
  Peer *a = start_subscriber ("remote-a", 1);
  subscribe (a);
  Peer *b = start_subscriber ("remote-b", 1);
  subscribe (b);
  run_for (2000);

  /* remote-b vanishes without a word: its pipeline just stops. */
  stop_peer (b);
  gint before = g_atomic_int_get (&a->slots[0].video_frames);

  Peer *late = start_subscriber ("remote-late", 1);
  gint64 subscribed_at = g_get_monotonic_time ();
  subscribe (late);
  while (g_atomic_int_get (&late->slots[0].video_frames) == 0 &&
         g_get_monotonic_time () - subscribed_at < 5 * G_USEC_PER_SEC)
    run_for (50);
  gint64 first_frame_ms = (g_get_monotonic_time () - subscribed_at) / 1000;
  run_for (1500);

  gint after = g_atomic_int_get (&a->slots[0].video_frames);
  g_test_message ("late subscriber's first frame after %" G_GINT64_FORMAT
                  " ms; remote-a decoded %d frames meanwhile",
                  first_frame_ms, after - before);
  g_assert_cmpint (g_atomic_int_get (&late->slots[0].video_frames), >, 0);
  g_assert_cmpint (first_frame_ms, <, 3000);
  g_assert_cmpint (after - before, >=, 30);

  world_tear_down ();
}

static void
test_wrong_fingerprint_fails_alone (void)
{
  world_set_up ();
  Peer *lead = start_publisher ("lead", 320);
  publish (lead);
  Peer *good = start_subscriber ("remote-good", 1);
  subscribe (good);

  /* An offer whose fingerprint does not match the certificate its DTLS
   * handshake will present. */
  Peer *bad = start_subscriber ("remote-bad", 1);
  g_autofree char *offer = ss_test_webrtcbin_create_offer (bad->webrtcbin);
  char *fingerprint = strstr (offer, "a=fingerprint:sha-256 ");
  g_assert_nonnull (fingerprint);
  char *hex = fingerprint + strlen ("a=fingerprint:sha-256 ");
  hex[0] = hex[0] == '0' ? '1' : '0';
  const char *sources[] = { "lead" };
  ss_relay_subscribe (world.relay, LESSON, bad->name, offer, sources, 1,
                      on_answer, bad);
  g_assert_true (run_until (peer_answered, bad, 5000));

  run_for (3000);
  g_assert_cmpstr (bad->closed_reason, ==, "dtls_failed");
  g_assert_cmpint (g_atomic_int_get (&bad->slots[0].video_frames), ==, 0);
  g_assert_null (good->closed_reason);
  g_assert_cmpint (g_atomic_int_get (&good->slots[0].video_frames), >=, 45);

  world_tear_down ();
}

static void
test_garbage_datagrams_ignored (void)
{
  world_set_up ();
  Peer *lead = start_publisher ("lead", 320);
  publish (lead);
  Peer *a = start_subscriber ("remote-a", 1);
  subscribe (a);
  run_for (1500);
  gint before = g_atomic_int_get (&a->slots[0].video_frames);

  /* Datagrams of every first-byte class, from an address no transport has
   * registered, to every worker's port. */
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4,
                                             G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_nonnull (socket);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  guint8 datagram[200];
  for (guint w = 0; w < ss_relay_get_n_workers (world.relay); w++)
    {
      g_autoptr (GSocketAddress) target = g_inet_socket_address_new (
          loopback, ss_relay_get_port (world.relay, w));
      for (guint i = 0; i < 256; i++)
        {
          memset (datagram, (int) (i * 37), sizeof datagram);
          datagram[0] = (guint8) i;
          g_socket_send_to (socket, target, (const char *) datagram,
                            1 + (i % sizeof datagram), NULL, NULL);
        }
    }

  run_for (1500);
  gint after = g_atomic_int_get (&a->slots[0].video_frames);
  g_test_message ("remote-a decoded %d frames while garbage arrived",
                  after - before);
  g_assert_cmpint (after - before, >=, 25);
  g_assert_null (a->closed_reason);

  world_tear_down ();
}

static void
on_stats (SsRelay *relay, json_t *stats, gpointer user_data)
{
  *(json_t **) user_data = stats;
}

static gboolean
stats_arrived (gpointer data)
{
  return *(json_t **) data != NULL;
}

/* The peer's first stream of that kind in a statistics snapshot. */
static json_t *
find_stream (json_t *stats, const char *peer_id, const char *kind,
             guint layer_wanted, gboolean by_layer)
{
  json_t *lesson = json_array_get (json_object_get (stats, "lessons"), 0);
  json_t *peers = json_object_get (lesson, "peers");
  for (size_t i = 0; i < json_array_size (peers); i++)
    {
      json_t *peer = json_array_get (peers, i);
      if (g_strcmp0 (json_string_value (json_object_get (peer, "peer")), peer_id) != 0)
        continue;
      json_t *streams = json_object_get (peer, "streams");
      for (size_t j = 0; j < json_array_size (streams); j++)
        {
          json_t *stream = json_array_get (streams, j);
          if (g_strcmp0 (json_string_value (json_object_get (stream, "kind")), kind) != 0)
            continue;
          if (by_layer &&
              json_integer_value (json_object_get (stream, "layer")) != layer_wanted)
            continue;
          return stream;
        }
    }
  return NULL;
}

static void
test_simulcast_layer_by_estimate (void)
{
  world_set_up ();
  Peer *lead = start_simulcast_publisher ("lead");
  publish (lead);
  /* Let every layer flow long enough for the relay to measure it. */
  run_for (1500);

  Peer *a = start_subscriber ("remote-a", 1);
  subscribe (a);
  run_for (3000);

  json_t *stats = NULL;
  ss_relay_get_stats (world.relay, on_stats, &stats);
  g_assert_true (run_until (stats_arrived, &stats, 5000));

  json_t *consumer = find_stream (stats, "remote-a", "video", 0, FALSE);
  g_assert_nonnull (consumer);
  gint64 layer = json_integer_value (json_object_get (consumer, "layer"));
  gint64 estimate =
      json_integer_value (json_object_get (consumer, "bandwidth_estimate_bps"));
  json_t *producer = find_stream (stats, "lead", "video", (guint) layer, TRUE);
  g_assert_nonnull (producer);
  gint64 layer_bitrate = json_integer_value (json_object_get (producer, "bitrate_bps"));

  gint frames = g_atomic_int_get (&a->slots[0].video_frames);
  gint width = g_atomic_int_get (&a->slots[0].last_width);
  g_test_message ("simulcast subscriber decoded %d frames on layer %" G_GINT64_FORMAT
                  " (%" G_GINT64_FORMAT " bit/s) with an estimate of %" G_GINT64_FORMAT
                  " bit/s, last frame %d wide",
                  frames, layer, layer_bitrate, estimate, width);
  g_assert_cmpint (frames, >=, 45);

  /* A new subscriber starts on the highest layer its initial estimate
   * (800 kbit/s) affords. The noise fills each encoder's target, so that is
   * not the 1.5 Mbit/s top layer, and the layer it is on fits the estimate.
   * The decoded width is that layer's. */
  g_assert_cmpint (layer, <, 2);
  g_assert_cmpint (layer_bitrate, <=, estimate);
  g_assert_cmpint (width, ==, 960 >> (2 - layer));

  json_decref (stats);
  world_tear_down ();
}

static void
test_bad_offers_rejected (void)
{
  world_set_up ();
  const char *sources[] = { "lead" };

  /* Nothing is published yet, which a subscription may wait for, but an
   * offer without m-lines cannot be answered. */
  Peer early = { .name = "early" };
  ss_relay_subscribe (world.relay, LESSON, "early",
                      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
                      sources, 1, on_answer, &early);
  g_assert_true (run_until (peer_answered, &early, 5000));
  g_assert_nonnull (early.relay_error);
  g_assert_true (early.error_domain == SS_RELAY_ERROR);
  g_assert_cmpint (early.error_code, ==, SS_RELAY_ERROR_BAD_SDP);
  g_free (early.relay_error);

  Peer garbage = { .name = "garbage" };
  ss_relay_publish (world.relay, LESSON, "garbage", "garbage",
                    "not sdp at all", on_answer, &garbage);
  g_assert_true (run_until (peer_answered, &garbage, 5000));
  g_assert_nonnull (garbage.relay_error);
  g_assert_true (garbage.error_domain == SS_RELAY_ERROR);
  g_assert_cmpint (garbage.error_code, ==, SS_RELAY_ERROR_BAD_SDP);
  g_test_message ("garbage offer: %s", garbage.relay_error);
  g_free (garbage.relay_error);

  /* A send-only offer given as a subscription receives nothing. */
  Peer *sender = start_publisher ("sender", 160);
  g_autofree char *offer = ss_test_webrtcbin_create_offer (sender->webrtcbin);
  ss_relay_subscribe (world.relay, LESSON, sender->name, offer, sources, 1,
                      on_answer, sender);
  g_assert_true (run_until (peer_answered, sender, 5000));
  g_assert_nonnull (sender->relay_error);
  g_assert_true (sender->error_domain == SS_RELAY_ERROR);
  g_assert_cmpint (sender->error_code, ==, SS_RELAY_ERROR_NOT_PUBLISHED);
  g_assert_cmpuint (sender->n_slots, ==, 0);
  g_test_message ("send-only subscription: %s", sender->relay_error);

  world_tear_down ();
}

/* The consumer of that slot and kind in a statistics snapshot. */
static json_t *
find_slot_stream (json_t *stats, const char *peer_id, guint slot,
                  const char *kind)
{
  json_t *lesson = json_array_get (json_object_get (stats, "lessons"), 0);
  json_t *peers = json_object_get (lesson, "peers");
  for (size_t i = 0; i < json_array_size (peers); i++)
    {
      json_t *peer = json_array_get (peers, i);
      if (g_strcmp0 (json_string_value (json_object_get (peer, "peer")), peer_id) != 0)
        continue;
      json_t *streams = json_object_get (peer, "streams");
      for (size_t j = 0; j < json_array_size (streams); j++)
        {
          json_t *stream = json_array_get (streams, j);
          if (g_strcmp0 (json_string_value (json_object_get (stream, "kind")), kind) == 0 &&
              json_integer_value (json_object_get (stream, "slot")) == slot)
            return stream;
        }
    }
  return NULL;
}

static json_t *
find_peer_stats (json_t *stats, const char *peer_id)
{
  json_t *lesson = json_array_get (json_object_get (stats, "lessons"), 0);
  json_t *peers = json_object_get (lesson, "peers");
  for (size_t i = 0; i < json_array_size (peers); i++)
    {
      json_t *peer = json_array_get (peers, i);
      if (g_strcmp0 (json_string_value (json_object_get (peer, "peer")), peer_id) == 0)
        return peer;
    }
  return NULL;
}

static json_t *
take_stats (void)
{
  json_t *stats = NULL;
  ss_relay_get_stats (world.relay, on_stats, &stats);
  g_assert_true (run_until (stats_arrived, &stats, 5000));
  return stats;
}

typedef struct {
  SlotCounters *slot;
  gint width;
} WidthWait;

static gboolean
slot_shows_width (gpointer data)
{
  WidthWait *wait = data;
  return g_atomic_int_get (&wait->slot->last_width) == wait->width;
}

static void
test_slots_follow_sources (void)
{
  world_set_up ();

  /* Two classrooms publish, with different picture sizes to tell them apart. */
  Peer *room_a = start_publisher ("room-a", 320);
  publish (room_a);
  Peer *room_b = start_publisher ("room-b", 160);
  publish (room_b);

  /* A second publisher of room-a's source is busy; another source is
   * not. */
  Peer *intruder = start_publisher ("intruder", 160);
  g_autofree char *intruder_offer =
      ss_test_webrtcbin_create_offer (intruder->webrtcbin);
  ss_relay_publish (world.relay, LESSON, intruder->name, "room-a",
                    intruder_offer, on_answer, intruder);
  g_assert_true (run_until (peer_answered, intruder, 5000));
  g_assert_nonnull (intruder->relay_error);
  g_assert_cmpint (intruder->error_code, ==, SS_RELAY_ERROR_BUSY);
  g_test_message ("second publisher of room-a: %s", intruder->relay_error);
  g_clear_pointer (&intruder->relay_error, g_free);
  intruder->error_code = 0;
  intruder->answered = FALSE;
  ss_relay_publish (world.relay, LESSON, intruder->name, "room-c",
                    intruder_offer, on_answer, intruder);
  g_assert_true (run_until (peer_answered, intruder, 5000));
  g_assert_null (intruder->relay_error);

  /* The lead watches both rooms, one per slot. */
  Peer *lead = start_subscriber ("lead", 2);
  const char *both[] = { "room-a", "room-b" };
  subscribe_to (lead, both, G_N_ELEMENTS (both));
  g_assert_cmpuint (lead->n_slots, ==, 2);

  WidthWait slot0_a = { &lead->slots[0], 320 };
  WidthWait slot1_b = { &lead->slots[1], 160 };
  g_assert_true (run_until (slot_shows_width, &slot0_a, 5000));
  g_assert_true (run_until (slot_shows_width, &slot1_b, 5000));
  run_for (1500);

  gint slot1_before = g_atomic_int_get (&lead->slots[1].video_frames);
  gint slot1_audio_before = g_atomic_int_get (&lead->slots[1].audio_buffers);
  gint slot0_before = g_atomic_int_get (&lead->slots[0].video_frames);
  g_test_message ("before the switch: slot 0 %d frames %d audio buffers, "
                  "slot 1 %d frames %d audio buffers",
                  slot0_before, g_atomic_int_get (&lead->slots[0].audio_buffers),
                  slot1_before, slot1_audio_before);
  g_assert_cmpint (slot0_before, >=, 30);
  g_assert_cmpint (slot1_before, >=, 30);
  g_assert_cmpint (slot1_audio_before, >=, 50);

  /* Slot 1 moves from room-b to room-a: its decoder gets room-a's
   * pictures, under the slot's SSRC, without a new negotiation. */
  const char *a_twice[] = { "room-a", "room-a" };
  ss_relay_set_sources (world.relay, LESSON, "lead", a_twice,
                        G_N_ELEMENTS (a_twice));
  gint64 switched_at = g_get_monotonic_time ();
  WidthWait slot1_a = { &lead->slots[1], 320 };
  g_assert_true (run_until (slot_shows_width, &slot1_a, 5000));
  gint64 first_frame_ms = (g_get_monotonic_time () - switched_at) / 1000;
  gint slot1_at_switch = g_atomic_int_get (&lead->slots[1].video_frames);
  run_for (2000);

  gint slot1_after = g_atomic_int_get (&lead->slots[1].video_frames);
  gint slot1_audio_after = g_atomic_int_get (&lead->slots[1].audio_buffers);
  gint slot0_after = g_atomic_int_get (&lead->slots[0].video_frames);
  g_test_message ("slot 1 showed room-a %" G_GINT64_FORMAT " ms after the "
                  "switch, then decoded %d frames and %d audio buffers in "
                  "2 s; slot 0 decoded %d frames meanwhile",
                  first_frame_ms, slot1_after - slot1_at_switch,
                  slot1_audio_after - slot1_audio_before,
                  slot0_after - slot0_before);
  g_assert_cmpint (slot1_after - slot1_at_switch, >=, 30);
  g_assert_cmpint (g_atomic_int_get (&lead->slots[1].last_width), ==, 320);
  g_assert_cmpint (slot1_audio_after - slot1_audio_before, >=, 50);
  g_assert_cmpint (slot0_after - slot0_before, >=, 60);
  g_assert_null (lead->closed_reason);

  json_t *stats = take_stats ();
  json_t *video1 = find_slot_stream (stats, "lead", 1, "video");
  g_assert_nonnull (video1);
  g_assert_cmpstr (json_string_value (json_object_get (video1, "source")), ==,
                   "room-a");
  g_assert_cmpint (json_integer_value (json_object_get (video1, "source_switches")),
                   ==, 1);
  json_t *audio1 = find_slot_stream (stats, "lead", 1, "audio");
  g_assert_nonnull (audio1);
  g_assert_cmpstr (json_string_value (json_object_get (audio1, "source")), ==,
                   "room-a");
  json_t *publisher = find_peer_stats (stats, "room-b");
  g_assert_nonnull (publisher);
  g_assert_cmpstr (json_string_value (json_object_get (publisher, "source")), ==,
                   "room-b");
  json_decref (stats);

  world_tear_down ();
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay-webrtcbin/lesson-reaches-subscribers",
                   test_lesson_reaches_subscribers);
  g_test_add_func ("/relay-webrtcbin/late-subscriber-and-vanished-one",
                   test_late_subscriber_and_vanished_one);
  g_test_add_func ("/relay-webrtcbin/wrong-fingerprint-fails-alone",
                   test_wrong_fingerprint_fails_alone);
  g_test_add_func ("/relay-webrtcbin/garbage-datagrams-ignored",
                   test_garbage_datagrams_ignored);
  g_test_add_func ("/relay-webrtcbin/simulcast-layer-by-estimate",
                   test_simulcast_layer_by_estimate);
  g_test_add_func ("/relay-webrtcbin/bad-offers-rejected",
                   test_bad_offers_rejected);
  g_test_add_func ("/relay-webrtcbin/slots-follow-sources",
                   test_slots_follow_sources);

  return g_test_run ();
}
