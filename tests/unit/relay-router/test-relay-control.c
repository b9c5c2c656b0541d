/* The relay's control API on its own: publish, subscribe and slot binding
 * requests with real offers (captured from Chromium 156), answered by a
 * relay on 127.0.0.1 that no client ever connects to. Covers what the
 * workers decide before any packet flows: which source is busy, how a
 * subscription's m-lines become slots, and what the statistics report. */
#include "ss-relay.h"

#include <gst/sdp/sdp.h>
#include <string.h>

#define LESSON "chemistry-5"

typedef struct {
  gboolean answered;
  char *answer_sdp;
  guint n_slots;
  GError *error;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_free (reply->answer_sdp);
  g_clear_error (&reply->error);
  memset (reply, 0, sizeof *reply);
}

static void
on_answer (SsRelay *relay, const char *lesson_id, const char *peer_id,
           const char *answer_sdp, guint n_slots, const GError *error,
           gpointer user_data)
{
  Reply *reply = user_data;

  reply->answered = TRUE;
  reply->answer_sdp = g_strdup (answer_sdp);
  reply->n_slots = n_slots;
  reply->error = error != NULL ? g_error_copy (error) : NULL;
}

static void
on_stats (SsRelay *relay, json_t *stats, gpointer user_data)
{
  *(json_t **) user_data = stats;
}

typedef struct {
  SsRelay *relay;
  char *publish_offer;
  char *subscribe_offer;
} Fixture;

static char *
read_fixture (const char *name)
{
  g_autofree char *path = g_build_filename (SDP_FIXTURE_DIR, name, NULL);
  g_autoptr (GError) error = NULL;
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("cannot read fixture %s: %s", path, error->message);
  return text;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  SsRelayConfig config = {
    .bind_address = "127.0.0.1",
    .port_base = 0,
    .n_workers = 1,
  };
  g_autoptr (GError) error = NULL;

  f->relay = ss_relay_new (&config, NULL, NULL, &error);
  g_assert_no_error (error);
  f->publish_offer = read_fixture ("chromium-publish-offer.sdp");
  f->subscribe_offer = read_fixture ("chromium-subscribe-offer.sdp");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  ss_relay_free (f->relay);
  g_free (f->publish_offer);
  g_free (f->subscribe_offer);
}

/* Replies arrive on this thread's default context. */
static void
wait_reply (Reply *reply)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!reply->answered && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (reply->answered);
}

static void
publish (Fixture *f, const char *peer_id, const char *source, Reply *reply)
{
  reply_clear (reply);
  ss_relay_publish (f->relay, LESSON, peer_id, source, f->publish_offer,
                    on_answer, reply);
  wait_reply (reply);
}

static void
subscribe (Fixture *f, const char *peer_id, const char *offer,
           const char *const *sources, guint n_sources, Reply *reply)
{
  reply_clear (reply);
  ss_relay_subscribe (f->relay, LESSON, peer_id, offer, sources, n_sources,
                      on_answer, reply);
  wait_reply (reply);
}

static json_t *
take_stats (Fixture *f)
{
  json_t *stats = NULL;
  ss_relay_get_stats (f->relay, on_stats, &stats);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (stats == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (stats);
  return stats;
}

static json_t *
find_peer (json_t *stats, const char *peer_id)
{
  json_t *lessons = json_object_get (stats, "lessons");
  for (size_t i = 0; i < json_array_size (lessons); i++)
    {
      json_t *peers = json_object_get (json_array_get (lessons, i), "peers");
      for (size_t j = 0; j < json_array_size (peers); j++)
        {
          json_t *peer = json_array_get (peers, j);
          if (g_strcmp0 (json_string_value (json_object_get (peer, "peer")),
                         peer_id) == 0)
            return peer;
        }
    }
  return NULL;
}

/* The source a subscriber's slot is bound to in the statistics, checked
 * to be the same for the slot's audio and video; NULL when idle. */
static const char *
slot_source (json_t *peer, guint slot)
{
  json_t *streams = json_object_get (peer, "streams");
  const char *source = NULL;
  guint n_found = 0;
  for (size_t i = 0; i < json_array_size (streams); i++)
    {
      json_t *stream = json_array_get (streams, i);
      if (json_integer_value (json_object_get (stream, "slot")) != slot)
        continue;
      const char *value = json_string_value (json_object_get (stream, "source"));
      if (n_found++ > 0)
        g_assert_cmpstr (value, ==, source);
      source = value;
    }
  g_assert_cmpuint (n_found, ==, 2);
  return source;
}

static void
test_busy_only_for_same_source (Fixture *f, gconstpointer data)
{
  Reply reply = { 0 };

  publish (f, "conn-1", "room-a", &reply);
  g_assert_no_error (reply.error);
  g_assert_nonnull (reply.answer_sdp);
  g_assert_cmpuint (reply.n_slots, ==, 0);

  publish (f, "conn-2", "room-a", &reply);
  g_assert_error (reply.error, SS_RELAY_ERROR, SS_RELAY_ERROR_BUSY);
  g_assert_null (reply.answer_sdp);
  g_assert_nonnull (strstr (reply.error->message, "room-a"));

  publish (f, "conn-2", "room-b", &reply);
  g_assert_no_error (reply.error);

  /* The same peer publishing again replaces its own transport. */
  publish (f, "conn-1", "room-a", &reply);
  g_assert_no_error (reply.error);

  /* Once room-a's publisher has gone, another peer may publish it. */
  ss_relay_close_peer (f->relay, LESSON, "conn-1");
  publish (f, "conn-3", "room-a", &reply);
  g_assert_no_error (reply.error);

  json_t *stats = take_stats (f);
  json_t *peer = find_peer (stats, "conn-3");
  g_assert_nonnull (peer);
  g_assert_cmpstr (json_string_value (json_object_get (peer, "role")), ==,
                   "publisher");
  g_assert_cmpstr (json_string_value (json_object_get (peer, "source")), ==,
                   "room-a");
  g_assert_null (find_peer (stats, "conn-1"));
  json_decref (stats);
  reply_clear (&reply);
}

static void
test_subscription_slots (Fixture *f, gconstpointer data)
{
  Reply reply = { 0 };

  /* Before anything is published: the slots wait for their sources. */
  const char *sources[] = { "room-a", NULL };
  subscribe (f, "lead-page", f->subscribe_offer, sources,
             G_N_ELEMENTS (sources), &reply);
  g_assert_no_error (reply.error);
  g_assert_cmpuint (reply.n_slots, ==, 2);

  /* Every receive m-line sends under its own SSRC, idle or not, and each
   * slot is one media stream. */
  GstSDPMessage *answer = NULL;
  g_assert_cmpint (gst_sdp_message_new_from_text (reply.answer_sdp, &answer),
                   ==, GST_SDP_OK);
  g_assert_cmpuint (gst_sdp_message_medias_len (answer), ==, 4);
  g_autoptr (GHashTable) ssrcs = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < 4; i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (answer, i);
      const char *ssrc = gst_sdp_media_get_attribute_val (m, "ssrc");
      g_assert_nonnull (ssrc);
      g_assert_nonnull (gst_sdp_media_get_attribute_val (m, "sendonly"));
      g_hash_table_add (ssrcs, (gpointer) ssrc);

      g_autofree char *msid = g_strdup_printf (
          "%s-slot%u %s", LESSON, i / 2, i % 2 == 0 ? "audio" : "video");
      g_assert_cmpstr (gst_sdp_media_get_attribute_val (m, "msid"), ==, msid);
    }
  g_assert_cmpuint (g_hash_table_size (ssrcs), ==, 4);

  json_t *stats = take_stats (f);
  json_t *peer = find_peer (stats, "lead-page");
  g_assert_nonnull (peer);
  g_assert_cmpstr (slot_source (peer, 0), ==, "room-a");
  g_assert_null (slot_source (peer, 1));
  json_t *streams = json_object_get (peer, "streams");
  for (size_t i = 0; i < json_array_size (streams); i++)
    {
      json_t *stream = json_array_get (streams, i);
      g_assert_cmpint (json_integer_value (json_object_get (stream, "layers")), ==, 0);
      g_assert_cmpint (json_integer_value (json_object_get (stream, "packets_sent")), ==, 0);
    }
  json_decref (stats);

  /* Rebinding: slot 1 takes room-b, slot 0 (past n_sources) goes idle. */
  publish (f, "conn-b", "room-b", &reply);
  g_assert_no_error (reply.error);
  const char *rebound[] = { NULL, "room-b" };
  ss_relay_set_sources (f->relay, LESSON, "lead-page", rebound,
                        G_N_ELEMENTS (rebound));
  stats = take_stats (f);
  peer = find_peer (stats, "lead-page");
  g_assert_null (slot_source (peer, 0));
  g_assert_cmpstr (slot_source (peer, 1), ==, "room-b");
  /* Room-b's producers are there: slot 1 now waits for its key frame. */
  for (size_t i = 0; i < json_array_size (json_object_get (peer, "streams")); i++)
    {
      json_t *stream = json_array_get (json_object_get (peer, "streams"), i);
      gboolean video = g_strcmp0 (json_string_value (json_object_get (stream, "kind")),
                                  "video") == 0;
      gint64 slot = json_integer_value (json_object_get (stream, "slot"));
      g_assert_cmpint (json_integer_value (json_object_get (stream, "layers")), ==,
                       slot == 1 ? 1 : 0);
      g_assert_true (json_boolean_value (json_object_get (stream, "waiting_keyframe")) ==
                     (slot == 1 && video));
    }
  json_decref (stats);

  /* Unknown peers are ignored. */
  ss_relay_set_sources (f->relay, LESSON, "nobody", rebound, 2);
  ss_relay_set_sources (f->relay, "no-such-lesson", "lead-page", rebound, 2);

  gst_sdp_message_free (answer);
  reply_clear (&reply);
}

/* A receive-only offer with n audio and n video m-lines, alternating. */
static char *
make_receive_offer (guint n)
{
  GString *sdp = g_string_new ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                               "a=group:BUNDLE");
  for (guint i = 0; i < 2 * n; i++)
    g_string_append_printf (sdp, " %u", i);
  g_string_append (sdp, "\r\n");
  for (guint i = 0; i < 2 * n; i++)
    {
      gboolean video = i % 2 == 1;
      g_string_append_printf (
          sdp,
          "m=%s 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\n"
          "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijklmn\r\n"
          "a=fingerprint:sha-256 "
          "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF\r\n"
          "a=setup:actpass\r\na=mid:%u\r\na=recvonly\r\na=rtcp-mux\r\n%s",
          video ? "video" : "audio", video ? "96" : "111", i,
          video ? "a=rtpmap:96 VP8/90000\r\n" : "a=rtpmap:111 opus/48000/2\r\n");
    }
  return g_string_free (sdp, FALSE);
}

static void
test_slots_capped (Fixture *f, gconstpointer data)
{
  Reply reply = { 0 };
  g_autofree char *offer = make_receive_offer (SS_RELAY_MAX_SLOTS + 1);

  subscribe (f, "many", offer, NULL, 0, &reply);
  g_assert_no_error (reply.error);
  g_assert_cmpuint (reply.n_slots, ==, SS_RELAY_MAX_SLOTS);

  GstSDPMessage *answer = NULL;
  g_assert_cmpint (gst_sdp_message_new_from_text (reply.answer_sdp, &answer),
                   ==, GST_SDP_OK);
  g_assert_cmpuint (gst_sdp_message_medias_len (answer), ==,
                    2 * (SS_RELAY_MAX_SLOTS + 1));
  for (guint i = 0; i < gst_sdp_message_medias_len (answer); i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (answer, i);
      gboolean in_slot = i / 2 < SS_RELAY_MAX_SLOTS;
      g_assert_true ((gst_sdp_media_get_attribute_val (m, "ssrc") != NULL) == in_slot);
      g_assert_true ((gst_sdp_media_get_attribute_val (m, "inactive") != NULL) == !in_slot);
    }
  gst_sdp_message_free (answer);
  reply_clear (&reply);
}

static void
test_subscription_receiving_nothing (Fixture *f, gconstpointer data)
{
  Reply reply = { 0 };
  const char *sources[] = { "room-a" };

  /* A send-only offer as a subscription has no slot. */
  subscribe (f, "confused", f->publish_offer, sources, 1, &reply);
  g_assert_error (reply.error, SS_RELAY_ERROR, SS_RELAY_ERROR_NOT_PUBLISHED);
  g_assert_cmpuint (reply.n_slots, ==, 0);
  g_assert_null (reply.answer_sdp);

  subscribe (f, "confused", "v=0\r\n", sources, 1, &reply);
  g_assert_error (reply.error, SS_RELAY_ERROR, SS_RELAY_ERROR_BAD_SDP);

  json_t *stats = take_stats (f);
  g_assert_null (find_peer (stats, "confused"));
  json_decref (stats);
  reply_clear (&reply);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/relay-control/busy-only-for-same-source", test_busy_only_for_same_source);
  ADD ("/relay-control/subscription-slots", test_subscription_slots);
  ADD ("/relay-control/slots-capped", test_slots_capped);
  ADD ("/relay-control/subscription-receiving-nothing",
       test_subscription_receiving_nothing);

  return g_test_run ();
}
