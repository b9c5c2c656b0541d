/* Tests of the signaling core with a recording relay double: no sockets, no
 * clock, every relay answer given by hand. */
#include <string.h>

#include "ss-signaling.h"

/* The test double of the relay: SsRelay is opaque to the core, so the test
 * supplies its own definition. */
typedef struct {
  char *call;  /* "publish", "subscribe", "close_peer", "close_lesson" */
  char *lesson_id;
  char *peer_id;
  /* publish: the source; subscribe and set_sources: the slots' sources
   * joined by ",", an idle slot as "-". */
  char *sources;
  SsRelayAnswerFunc answer_func;
  gpointer user_data;
} RelayCall;

struct _SsRelay {
  GPtrArray *calls;  /* RelayCall * */
};

G_DEFINE_QUARK (test-relay-error-quark, test_relay_error)

static void
relay_call_free (RelayCall *call)
{
  g_free (call->call);
  g_free (call->lesson_id);
  g_free (call->peer_id);
  g_free (call->sources);
  g_free (call);
}

static RelayCall *
record (SsRelay *relay,
        const char *call,
        const char *lesson_id,
        const char *peer_id,
        SsRelayAnswerFunc answer_func,
        gpointer user_data)
{
  RelayCall *entry = g_new0 (RelayCall, 1);
  *entry = (RelayCall){
    .call = g_strdup (call),
    .lesson_id = g_strdup (lesson_id),
    .peer_id = g_strdup (peer_id),
    .answer_func = answer_func,
    .user_data = user_data,
  };
  g_ptr_array_add (relay->calls, entry);
  return entry;
}

static char *
join_sources (const char *const *sources, guint n_sources)
{
  GString *joined = g_string_new (NULL);
  for (guint i = 0; i < n_sources; i++)
    g_string_append_printf (joined, "%s%s", i > 0 ? "," : "",
                            sources[i] != NULL ? sources[i] : "-");
  return g_string_free (joined, FALSE);
}

static void
double_publish (SsRelay *relay, const char *lesson_id, const char *peer_id,
                const char *source, const char *offer_sdp,
                SsRelayAnswerFunc answer_func, gpointer user_data)
{
  RelayCall *entry =
      record (relay, "publish", lesson_id, peer_id, answer_func, user_data);
  entry->sources = g_strdup (source);
}

static void
double_subscribe (SsRelay *relay, const char *lesson_id, const char *peer_id,
                  const char *offer_sdp, const char *const *sources,
                  guint n_sources, SsRelayAnswerFunc answer_func,
                  gpointer user_data)
{
  RelayCall *entry =
      record (relay, "subscribe", lesson_id, peer_id, answer_func, user_data);
  entry->sources = join_sources (sources, n_sources);
}

static void
double_set_sources (SsRelay *relay, const char *lesson_id,
                    const char *peer_id, const char *const *sources,
                    guint n_sources)
{
  RelayCall *entry =
      record (relay, "set_sources", lesson_id, peer_id, NULL, NULL);
  entry->sources = join_sources (sources, n_sources);
}

static void
double_close_peer (SsRelay *relay, const char *lesson_id, const char *peer_id)
{
  record (relay, "close_peer", lesson_id, peer_id, NULL, NULL);
}

static void
double_close_lesson (SsRelay *relay, const char *lesson_id)
{
  record (relay, "close_lesson", lesson_id, NULL, NULL, NULL);
}

static const SsSignalingRelayOps double_ops = {
  .publish = double_publish,
  .subscribe = double_subscribe,
  .set_sources = double_set_sources,
  .close_peer = double_close_peer,
  .close_lesson = double_close_lesson,
  .error_quark = test_relay_error_quark,
};

/* One fake connection: the messages the core sent to it, as text. */
typedef struct {
  GPtrArray *sent;
} Client;

typedef struct {
  struct _SsRelay relay;
  SsSignaling *signaling;
  Client clients[4];
  SsSession *sessions[4];
  gint64 now_us;
} Fixture;

static void
record_sent (gpointer connection, json_t *message, gpointer user_data)
{
  Client *client = connection;

  /* Every join and departure also sends lesson.state and roster, which
   * test-signaling-interaction.c checks; these tests leave them out. */
  const char *type = json_string_value (json_object_get (message, "type"));
  if (g_strcmp0 (type, "lesson.state") == 0
      || g_strcmp0 (type, "roster") == 0)
    return;

  g_ptr_array_add (client->sent, json_dumps (message, JSON_COMPACT
                                                          | JSON_SORT_KEYS));
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  fixture->relay.calls = g_ptr_array_new_with_free_func (
      (GDestroyNotify) relay_call_free);

  const SsSignalingConfig config = {
    .relay_ops = &double_ops,
    .relay = &fixture->relay,
    .send_func = record_sent,
    .send_data = fixture,
    .server_name = "shuangshi-server/test",
  };
  fixture->signaling = ss_signaling_new (&config);

  for (guint i = 0; i < G_N_ELEMENTS (fixture->clients); i++)
    {
      fixture->clients[i].sent = g_ptr_array_new_with_free_func (g_free);
      fixture->sessions[i] = ss_signaling_open_session (
          fixture->signaling, &fixture->clients[i], fixture->now_us);
    }
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->clients); i++)
    {
      if (fixture->sessions[i] != NULL)
        ss_signaling_close_session (fixture->signaling, fixture->sessions[i],
                                    fixture->now_us);
      g_ptr_array_unref (fixture->clients[i].sent);
    }

  g_assert_cmpuint (ss_signaling_get_n_sessions (fixture->signaling), ==, 0);
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 0);
  ss_signaling_free (fixture->signaling);
  g_ptr_array_unref (fixture->relay.calls);
}

static void
send_text (Fixture *fixture, guint client, const char *text)
{
  ss_signaling_receive (fixture->signaling, fixture->sessions[client], text,
                        strlen (text));
}

/* Removes and returns the oldest message sent to @client. */
static char *
take_sent (Fixture *fixture, guint client)
{
  GPtrArray *sent = fixture->clients[client].sent;
  if (sent->len == 0)
    g_error ("client %u was sent nothing", client);
  return g_ptr_array_steal_index (sent, 0);
}

static void
assert_sent (Fixture *fixture, guint client, const char *expected)
{
  g_autofree char *actual = take_sent (fixture, client);
  g_assert_cmpstr (actual, ==, expected);
}

static void
assert_nothing_sent (Fixture *fixture, guint client)
{
  g_assert_cmpuint (fixture->clients[client].sent->len, ==, 0);
}

static RelayCall *
relay_call (Fixture *fixture, guint index)
{
  g_assert_cmpuint (index, <, fixture->relay.calls->len);
  return g_ptr_array_index (fixture->relay.calls, index);
}

static void
assert_relay_call (Fixture *fixture,
                   guint index,
                   const char *call,
                   const char *lesson_id,
                   guint client)
{
  RelayCall *entry = relay_call (fixture, index);
  g_assert_cmpstr (entry->call, ==, call);
  g_assert_cmpstr (entry->lesson_id, ==, lesson_id);
  if (client != G_MAXUINT)
    g_assert_cmpstr (entry->peer_id, ==,
                     ss_session_get_id (fixture->sessions[client]));
}

static void
answer (Fixture *fixture, guint index, const char *sdp, const GError *error)
{
  RelayCall *entry = relay_call (fixture, index);
  /* The double's subscribers offer two slots, as remote agents do. */
  guint n_slots = strcmp (entry->call, "subscribe") == 0 && error == NULL ? 2
                                                                          : 0;
  entry->answer_func (&fixture->relay, entry->lesson_id, entry->peer_id, sdp,
                      n_slots, error, entry->user_data);
}

/* hello as @classroom and lesson.join, checking both results. */
static void
join_as (Fixture *fixture, guint client, const char *role,
         const char *classroom, const char *lesson, gboolean expect_live)
{
  g_autofree char *hello = g_strdup_printf (
      "{\"v\":1,\"type\":\"hello\",\"id\":1,\"role\":\"%s\","
      "\"classroom\":\"%s\"}", role, classroom);
  send_text (fixture, client, hello);
  g_autofree char *hello_result = g_strdup_printf (
      "{\"id\":1,\"server\":\"shuangshi-server/test\",\"session\":\"%s\","
      "\"type\":\"result\",\"v\":1}",
      ss_session_get_id (fixture->sessions[client]));
  assert_sent (fixture, client, hello_result);

  g_autofree char *join = g_strdup_printf (
      "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"%s\"}", lesson);
  send_text (fixture, client, join);
  g_autofree char *join_result = g_strdup_printf (
      "{\"id\":2,\"lesson\":\"%s\",\"live\":%s,\"type\":\"result\",\"v\":1}",
      lesson, expect_live ? "true" : "false");
  assert_sent (fixture, client, join_result);
}

/* hello as classroom "room<client>" and lesson.join. */
static void
join (Fixture *fixture, guint client, const char *role, const char *lesson,
      gboolean expect_live)
{
  g_autofree char *classroom = g_strdup_printf ("room%u", client);
  join_as (fixture, client, role, classroom, lesson, expect_live);
}

#define PUBLISH "{\"v\":1,\"type\":\"publish\",\"id\":3,\"sdp\":\"offer\"}"
#define SUBSCRIBE "{\"v\":1,\"type\":\"subscribe\",\"id\":3,\"sdp\":\"offer\"}"
#define ANSWER_RESULT "{\"id\":3,\"sdp\":\"answer\",\"type\":\"result\",\"v\":1}"
#define LIVE_L1 "{\"lesson\":\"L1\",\"type\":\"lesson.live\",\"v\":1}"
/* A remote's subscription: slot 0 the lead (room0), slot 1 the floor. */
#define SUBSCRIBE_RESULT                                                      \
  "{\"id\":3,\"sdp\":\"answer\",\"slots\":[\"room0\",null],"                \
  "\"type\":\"result\",\"v\":1}"

/* Lead 0 joins L1 and publishes; the relay answers; remotes get live. */
static void
make_live (Fixture *fixture)
{
  join (fixture, 0, "lead", "L1", FALSE);
  send_text (fixture, 0, PUBLISH);
  assert_nothing_sent (fixture, 0);
  assert_relay_call (fixture, 0, "publish", "L1", 0);

  answer (fixture, 0, "answer", NULL);
  assert_sent (fixture, 0, ANSWER_RESULT);
}

static void
test_publish_then_subscribe (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);

  join (fixture, 1, "remote", "L1", TRUE);
  assert_sent (fixture, 1, LIVE_L1);

  send_text (fixture, 1, SUBSCRIBE);
  assert_relay_call (fixture, 1, "subscribe", "L1", 1);
  g_assert_cmpstr (relay_call (fixture, 1)->sources, ==, "room0,-");
  assert_nothing_sent (fixture, 1);

  answer (fixture, 1, "answer", NULL);
  assert_sent (fixture, 1, SUBSCRIBE_RESULT);
  assert_nothing_sent (fixture, 0);
  assert_nothing_sent (fixture, 1);
  g_assert_cmpuint (fixture->relay.calls->len, ==, 2);
}

static void
test_remote_before_live (Fixture *fixture, gconstpointer data)
{
  join (fixture, 0, "lead", "L1", FALSE);
  join (fixture, 1, "remote", "L1", FALSE);

  send_text (fixture, 1, SUBSCRIBE);
  assert_sent (fixture, 1, "{\"code\":\"not_live\",\"id\":3,\"message\":"
               "\"no lead publishes to the lesson yet; wait for "
               "lesson.live\",\"type\":\"error\",\"v\":1}");
  g_assert_cmpuint (fixture->relay.calls->len, ==, 0);

  /* Still not live while the lead's publish waits for the relay. */
  send_text (fixture, 0, PUBLISH);
  send_text (fixture, 1, SUBSCRIBE);
  g_autofree char *early = take_sent (fixture, 1);
  g_assert_true (strstr (early, "\"not_live\"") != NULL);
  assert_nothing_sent (fixture, 1);

  answer (fixture, 0, "answer", NULL);
  assert_sent (fixture, 0, ANSWER_RESULT);
  assert_sent (fixture, 1, LIVE_L1);
  assert_nothing_sent (fixture, 1);
}

/* A second connection of the lead's classroom (the lead teacher's page)
 * joins as lead but cannot publish a second main stream. */
static void
test_second_lead_busy (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);
  join_as (fixture, 2, "lead", "room0", "L1", TRUE);

  send_text (fixture, 2, PUBLISH);
  g_autofree char *reply = take_sent (fixture, 2);
  g_assert_true (g_str_has_prefix (reply, "{\"code\":\"lesson_busy\",\"id\":3"));
  g_assert_cmpuint (fixture->relay.calls->len, ==, 1);

  /* A lead is not a remote: lesson.live is not sent to it. */
  assert_nothing_sent (fixture, 2);
}

static void
test_busy_while_first_publish_pending (Fixture *fixture, gconstpointer data)
{
  join (fixture, 0, "lead", "L1", FALSE);
  join_as (fixture, 2, "lead", "room0", "L1", FALSE);
  send_text (fixture, 0, PUBLISH);

  send_text (fixture, 2, PUBLISH);
  g_autofree char *reply = take_sent (fixture, 2);
  g_assert_true (strstr (reply, "\"lesson_busy\"") != NULL);
  g_assert_cmpuint (fixture->relay.calls->len, ==, 1);
}

/* An ad-hoc lesson belongs to the classroom whose lead created it: another
 * classroom may not join it as lead (a remote teacher's page asking for
 * the lead's controls), nor the lead's classroom as remote. */
static void
test_one_lead_classroom (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);

  send_text (fixture, 2, "{\"v\":1,\"type\":\"hello\",\"id\":1,"
             "\"role\":\"lead\",\"classroom\":\"room2\"}");
  g_free (take_sent (fixture, 2));
  send_text (fixture, 2, "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,"
             "\"lesson\":\"L1\"}");
  assert_sent (fixture, 2, "{\"code\":\"forbidden\",\"id\":2,\"message\":"
               "\"lesson L1 is led by classroom room0; other classrooms join "
               "it as remote\",\"type\":\"error\",\"v\":1}");
  assert_nothing_sent (fixture, 2);

  send_text (fixture, 3, "{\"v\":1,\"type\":\"hello\",\"id\":1,"
             "\"role\":\"remote\",\"classroom\":\"room0\"}");
  g_free (take_sent (fixture, 3));
  send_text (fixture, 3, "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,"
             "\"lesson\":\"L1\"}");
  assert_sent (fixture, 3, "{\"code\":\"forbidden\",\"id\":2,\"message\":"
               "\"classroom room0 leads lesson L1; join it as lead\","
               "\"type\":\"error\",\"v\":1}");

  /* Refused joins leave the lesson as it was. */
  g_assert_cmpuint (fixture->relay.calls->len, ==, 1);
  assert_nothing_sent (fixture, 0);
}

/* Remotes publish return feeds; the lead's subscription carries them in
 * the order they started, and loses one when its classroom goes. */
static void
test_return_feeds (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);
  join (fixture, 1, "remote", "L1", TRUE);
  assert_sent (fixture, 1, LIVE_L1);
  join (fixture, 2, "remote", "L1", TRUE);
  assert_sent (fixture, 2, LIVE_L1);

  send_text (fixture, 1, PUBLISH);
  assert_relay_call (fixture, 1, "publish", "L1", G_MAXUINT);
  g_autofree char *return_1 = g_strconcat (
      ss_session_get_id (fixture->sessions[1]), "/return", NULL);
  g_assert_cmpstr (relay_call (fixture, 1)->peer_id, ==, return_1);
  g_assert_cmpstr (relay_call (fixture, 1)->sources, ==, "room1");
  answer (fixture, 1, "answer", NULL);
  assert_sent (fixture, 1, ANSWER_RESULT);

  send_text (fixture, 2, PUBLISH);
  answer (fixture, 2, "answer", NULL);
  assert_sent (fixture, 2, ANSWER_RESULT);

  /* The lead subscribes to the return feeds; no lesson.live is needed. */
  send_text (fixture, 0, SUBSCRIBE);
  assert_relay_call (fixture, 3, "subscribe", "L1", G_MAXUINT);
  g_autofree char *feeds_0 = g_strconcat (
      ss_session_get_id (fixture->sessions[0]), "/feeds", NULL);
  g_assert_cmpstr (relay_call (fixture, 3)->peer_id, ==, feeds_0);
  g_assert_cmpstr (relay_call (fixture, 3)->sources, ==, "room1,room2");
  answer (fixture, 3, "answer", NULL);
  assert_sent (fixture, 0, "{\"id\":3,\"sdp\":\"answer\",\"slots\":"
               "[\"room1\",\"room2\"],\"type\":\"result\",\"v\":1}");
  g_assert_cmpuint (fixture->relay.calls->len, ==, 4);

  /* A second connection of room1 (its teacher's page) is refused. */
  send_text (fixture, 3, "{\"v\":1,\"type\":\"hello\",\"id\":1,"
             "\"role\":\"remote\",\"classroom\":\"room1\"}");
  g_free (take_sent (fixture, 3));
  send_text (fixture, 3, "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,"
             "\"lesson\":\"L1\"}");
  g_free (take_sent (fixture, 3));
  while (fixture->clients[3].sent->len > 0)
    g_free (take_sent (fixture, 3));
  send_text (fixture, 3, PUBLISH);
  g_autofree char *busy = take_sent (fixture, 3);
  g_assert_nonnull (strstr (busy, "\"lesson_busy\""));
  g_assert_cmpuint (fixture->relay.calls->len, ==, 4);

  /* room1 goes: its return feed is closed and the lead's slots move up. */
  while (fixture->clients[0].sent->len > 0)
    g_free (take_sent (fixture, 0));
  ss_signaling_close_session (fixture->signaling, fixture->sessions[1], 0);
  fixture->sessions[1] = NULL;
  gboolean closed_return = FALSE;
  gboolean rebound = FALSE;
  for (guint i = 4; i < fixture->relay.calls->len; i++)
    {
      RelayCall *call = relay_call (fixture, i);
      if (strcmp (call->call, "close_peer") == 0
          && strcmp (call->peer_id, return_1) == 0)
        closed_return = TRUE;
      if (strcmp (call->call, "set_sources") == 0)
        {
          g_assert_cmpstr (call->peer_id, ==, feeds_0);
          g_assert_cmpstr (call->sources, ==, "room2");
          rebound = TRUE;
        }
    }
  g_assert_true (closed_return);
  g_assert_true (rebound);

  g_autofree char *feeds = NULL;
  while (fixture->clients[0].sent->len > 0)
    {
      g_autofree char *message = take_sent (fixture, 0);
      if (strstr (message, "\"feeds\"") != NULL)
        feeds = g_steal_pointer (&message);
    }
  g_assert_cmpstr (feeds, ==, "{\"slots\":[\"room2\",null],\"type\":"
                   "\"feeds\",\"v\":1}");
}

/* A remote's return feed that fails on the relay frees its place. */
static void
test_return_feed_closed_by_relay (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);
  join (fixture, 1, "remote", "L1", TRUE);
  assert_sent (fixture, 1, LIVE_L1);
  send_text (fixture, 1, PUBLISH);
  answer (fixture, 1, "answer", NULL);
  assert_sent (fixture, 1, ANSWER_RESULT);

  g_autofree char *return_1 = g_strdup (relay_call (fixture, 1)->peer_id);
  ss_signaling_handle_peer_event (fixture->signaling, "L1", return_1,
                                  SS_RELAY_PEER_CLOSED, "ice_timeout");
  assert_sent (fixture, 1, "{\"reason\":\"ice_timeout\",\"transport\":"
               "\"publish\",\"type\":\"transport.closed\",\"v\":1}");
  assert_nothing_sent (fixture, 0);

  /* It may publish again, and is no longer busy with itself. */
  send_text (fixture, 1, PUBLISH);
  assert_relay_call (fixture, 2, "publish", "L1", G_MAXUINT);
}

static void
test_requests_before_hello (Fixture *fixture, gconstpointer data)
{
  const char *const requests[] = {
    "{\"v\":1,\"type\":\"lesson.join\",\"id\":5,\"lesson\":\"L1\"}",
    "{\"v\":1,\"type\":\"lesson.leave\",\"id\":5}",
    "{\"v\":1,\"type\":\"publish\",\"id\":5,\"sdp\":\"offer\"}",
    "{\"v\":1,\"type\":\"subscribe\",\"id\":5,\"sdp\":\"offer\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      send_text (fixture, 0, requests[i]);
      assert_sent (fixture, 0, "{\"code\":\"not_ready\",\"id\":5,\"message\":"
                   "\"send hello first\",\"type\":\"error\",\"v\":1}");
    }

  send_text (fixture, 0, "{\"v\":1,\"type\":\"candidate\",\"mline\":0,"
             "\"candidate\":\"\"}");
  assert_sent (fixture, 0, "{\"code\":\"not_ready\",\"message\":"
               "\"send hello first\",\"type\":\"error\",\"v\":1}");
  g_assert_cmpuint (fixture->relay.calls->len, ==, 0);
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 0);
}

static void
test_request_before_join (Fixture *fixture, gconstpointer data)
{
  send_text (fixture, 0, "{\"v\":1,\"type\":\"hello\",\"id\":1,"
             "\"role\":\"lead\",\"classroom\":\"c\"}");
  g_free (take_sent (fixture, 0));

  send_text (fixture, 0, PUBLISH);
  assert_sent (fixture, 0, "{\"code\":\"not_ready\",\"id\":3,\"message\":"
               "\"send lesson.join first\",\"type\":\"error\",\"v\":1}");

  send_text (fixture, 0, "{\"v\":1,\"type\":\"hello\",\"id\":4,"
             "\"role\":\"lead\",\"classroom\":\"c\"}");
  g_autofree char *second_hello = take_sent (fixture, 0);
  g_assert_true (strstr (second_hello, "\"bad_message\"") != NULL);
  g_assert_true (strstr (second_hello, "\"id\":4") != NULL);
}

static void
test_remote_unknown_lesson (Fixture *fixture, gconstpointer data)
{
  send_text (fixture, 1, "{\"v\":1,\"type\":\"hello\",\"id\":1,"
             "\"role\":\"remote\",\"classroom\":\"c\"}");
  g_free (take_sent (fixture, 1));

  send_text (fixture, 1, "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,"
             "\"lesson\":\"nope\"}");
  assert_sent (fixture, 1, "{\"code\":\"unknown_lesson\",\"id\":2,\"message\":"
               "\"no lesson with id nope\",\"type\":\"error\",\"v\":1}");
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 0);
}

static void
test_lead_disconnect (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);
  join (fixture, 1, "remote", "L1", TRUE);
  assert_sent (fixture, 1, LIVE_L1);
  join (fixture, 2, "remote", "L1", TRUE);
  assert_sent (fixture, 2, LIVE_L1);

  const char *lead_id = ss_session_get_id (fixture->sessions[0]);
  g_autofree char *lead_peer = g_strdup (lead_id);
  ss_signaling_close_session (fixture->signaling, fixture->sessions[0],
                              fixture->now_us + 5000000);
  fixture->sessions[0] = NULL;

  const char *offline = "{\"lesson\":\"L1\",\"reason\":\"disconnected\","
                        "\"type\":\"lesson.offline\",\"v\":1}";
  assert_sent (fixture, 1, offline);
  assert_sent (fixture, 2, offline);

  RelayCall *close = relay_call (fixture, 1);
  g_assert_cmpstr (close->call, ==, "close_peer");
  g_assert_cmpstr (close->lesson_id, ==, "L1");
  g_assert_cmpstr (close->peer_id, ==, lead_peer);

  /* The remotes keep the lesson; it goes with the last of them. */
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 1);
  ss_signaling_close_session (fixture->signaling, fixture->sessions[1], 0);
  fixture->sessions[1] = NULL;
  ss_signaling_close_session (fixture->signaling, fixture->sessions[2], 0);
  fixture->sessions[2] = NULL;
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 0);
  assert_relay_call (fixture, fixture->relay.calls->len - 1, "close_lesson",
                     "L1", G_MAXUINT);
}

static void
test_lead_leave_then_republish (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);
  join (fixture, 1, "remote", "L1", TRUE);
  assert_sent (fixture, 1, LIVE_L1);

  send_text (fixture, 0, "{\"v\":1,\"type\":\"lesson.leave\",\"id\":4}");
  assert_sent (fixture, 0, "{\"id\":4,\"type\":\"result\",\"v\":1}");
  assert_sent (fixture, 1, "{\"lesson\":\"L1\",\"reason\":\"left\","
               "\"type\":\"lesson.offline\",\"v\":1}");
  assert_relay_call (fixture, 1, "close_peer", "L1", 0);

  send_text (fixture, 0, "{\"v\":1,\"type\":\"lesson.join\",\"id\":5,"
             "\"lesson\":\"L1\"}");
  assert_sent (fixture, 0, "{\"id\":5,\"lesson\":\"L1\",\"live\":false,"
               "\"type\":\"result\",\"v\":1}");
  send_text (fixture, 0, PUBLISH);
  answer (fixture, 2, "answer", NULL);
  assert_sent (fixture, 0, ANSWER_RESULT);
  assert_sent (fixture, 1, LIVE_L1);
}

static void
test_answer_after_session_left (Fixture *fixture, gconstpointer data)
{
  join (fixture, 0, "lead", "L1", FALSE);
  join (fixture, 1, "remote", "L1", FALSE);
  send_text (fixture, 0, PUBLISH);

  ss_signaling_close_session (fixture->signaling, fixture->sessions[0], 0);
  fixture->sessions[0] = NULL;
  assert_relay_call (fixture, 1, "close_peer", "L1", G_MAXUINT);

  /* Never live, so the remote hears nothing of the lead's going. */
  assert_nothing_sent (fixture, 1);

  answer (fixture, 0, "answer", NULL);
  assert_nothing_sent (fixture, 0);
  assert_nothing_sent (fixture, 1);

  send_text (fixture, 1, SUBSCRIBE);
  g_autofree char *reply = take_sent (fixture, 1);
  g_assert_true (strstr (reply, "\"not_live\"") != NULL);
}

static void
test_relay_errors_mapped (Fixture *fixture, gconstpointer data)
{
  join (fixture, 0, "lead", "L1", FALSE);

  send_text (fixture, 0, PUBLISH);
  g_autoptr (GError) bad_sdp = g_error_new_literal (
      test_relay_error_quark (), SS_RELAY_ERROR_BAD_SDP, "no fingerprint");
  answer (fixture, 0, NULL, bad_sdp);
  assert_sent (fixture, 0, "{\"code\":\"bad_sdp\",\"id\":3,\"message\":"
               "\"no fingerprint\",\"type\":\"error\",\"v\":1}");

  /* The failed publish does not hold the lesson. */
  send_text (fixture, 0, PUBLISH);
  g_autoptr (GError) failed = g_error_new_literal (
      test_relay_error_quark (), SS_RELAY_ERROR_FAILED, "socket");
  g_test_expect_message ("ss-signaling", G_LOG_LEVEL_WARNING,
                         "*relay rejected publish (internal): socket");
  answer (fixture, 1, NULL, failed);
  g_test_assert_expected_messages ();
  g_autofree char *internal = take_sent (fixture, 0);
  g_assert_true (strstr (internal, "\"internal\"") != NULL);

  send_text (fixture, 0, PUBLISH);
  g_autoptr (GError) busy = g_error_new_literal (
      test_relay_error_quark (), SS_RELAY_ERROR_BUSY, "busy");
  answer (fixture, 2, NULL, busy);
  g_autofree char *busy_reply = take_sent (fixture, 0);
  g_assert_true (strstr (busy_reply, "\"lesson_busy\"") != NULL);

  /* An error of another domain is internal whatever its code. */
  send_text (fixture, 0, PUBLISH);
  g_autoptr (GError) foreign = g_error_new_literal (
      G_FILE_ERROR, SS_RELAY_ERROR_BAD_SDP, "foreign");
  g_test_expect_message ("ss-signaling", G_LOG_LEVEL_WARNING,
                         "*relay rejected publish (internal): foreign");
  answer (fixture, 3, NULL, foreign);
  g_test_assert_expected_messages ();
  g_autofree char *foreign_reply = take_sent (fixture, 0);
  g_assert_true (strstr (foreign_reply, "\"internal\"") != NULL);

  send_text (fixture, 0, PUBLISH);
  answer (fixture, 4, "answer", NULL);
  assert_sent (fixture, 0, ANSWER_RESULT);
}

static void
test_replies_keep_request_order (Fixture *fixture, gconstpointer data)
{
  join (fixture, 0, "lead", "L1", FALSE);
  send_text (fixture, 0, PUBLISH);

  /* The leave is handled at once but its reply waits for the publish's. */
  send_text (fixture, 0, "{\"v\":1,\"type\":\"lesson.leave\",\"id\":4}");
  assert_nothing_sent (fixture, 0);

  answer (fixture, 0, "answer", NULL);
  assert_sent (fixture, 0, ANSWER_RESULT);
  assert_sent (fixture, 0, "{\"id\":4,\"type\":\"result\",\"v\":1}");
  assert_nothing_sent (fixture, 0);
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 0);
}

static void
test_transport_failure (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);
  join (fixture, 1, "remote", "L1", TRUE);
  assert_sent (fixture, 1, LIVE_L1);

  const char *lead_id = ss_session_get_id (fixture->sessions[0]);
  ss_signaling_handle_peer_event (fixture->signaling, "L1", lead_id,
                                  SS_RELAY_PEER_CONNECTED, NULL);
  assert_nothing_sent (fixture, 0);

  ss_signaling_handle_peer_event (fixture->signaling, "L1", lead_id,
                                  SS_RELAY_PEER_CLOSED, "ice_timeout");
  assert_sent (fixture, 0, "{\"reason\":\"ice_timeout\",\"transport\":"
               "\"publish\",\"type\":\"transport.closed\",\"v\":1}");
  assert_sent (fixture, 1, "{\"lesson\":\"L1\",\"reason\":\"failed\","
               "\"type\":\"lesson.offline\",\"v\":1}");

  /* A peer event for an unknown peer changes nothing. */
  ss_signaling_handle_peer_event (fixture->signaling, "L1", "s999",
                                  SS_RELAY_PEER_CLOSED, "closed");
  assert_nothing_sent (fixture, 0);
  assert_nothing_sent (fixture, 1);

  /* The lead may publish again after the failure. */
  send_text (fixture, 0, PUBLISH);
  assert_relay_call (fixture, 1, "publish", "L1", 0);
}

static void
test_candidate_passed (Fixture *fixture, gconstpointer data)
{
  join (fixture, 0, "lead", "L1", FALSE);
  const char *candidate = "{\"v\":1,\"type\":\"candidate\",\"mline\":0,"
                          "\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 9 "
                          "typ host\"}";

  send_text (fixture, 0, candidate);
  g_autofree char *early = take_sent (fixture, 0);
  g_assert_true (strstr (early, "\"not_ready\"") != NULL);
  g_assert_null (strstr (early, "\"id\""));

  send_text (fixture, 0, PUBLISH);
  answer (fixture, 0, "answer", NULL);
  assert_sent (fixture, 0, ANSWER_RESULT);

  send_text (fixture, 0, candidate);
  assert_nothing_sent (fixture, 0);
  send_text (fixture, 0, "{\"v\":1,\"type\":\"candidate\",\"mline\":0,"
             "\"candidate\":\"x\"}");
  g_autofree char *invalid = take_sent (fixture, 0);
  g_assert_true (strstr (invalid, "\"bad_message\"") != NULL);
  assert_nothing_sent (fixture, 0);
}

static void
test_malformed_input_answered (Fixture *fixture, gconstpointer data)
{
  send_text (fixture, 0, "{not json");
  g_autofree char *bad_json = take_sent (fixture, 0);
  g_assert_true (g_str_has_prefix (bad_json, "{\"code\":\"bad_json\","
                                              "\"message\":"));

  send_text (fixture, 0, "{\"v\":1,\"type\":\"lesson.pause\",\"id\":9}");
  g_autofree char *unknown = take_sent (fixture, 0);
  g_assert_true (g_str_has_prefix (unknown, "{\"code\":\"unknown_type\","
                                             "\"id\":9,"));

  send_text (fixture, 0, "{\"v\":3,\"type\":\"hello\",\"id\":10}");
  g_autofree char *version = take_sent (fixture, 0);
  g_assert_true (g_str_has_prefix (version,
                                   "{\"code\":\"unsupported_version\","
                                   "\"id\":10,"));
}

static void
test_join_other_lesson_leaves_first (Fixture *fixture, gconstpointer data)
{
  make_live (fixture);
  join (fixture, 1, "remote", "L1", TRUE);
  assert_sent (fixture, 1, LIVE_L1);

  send_text (fixture, 0, "{\"v\":1,\"type\":\"lesson.join\",\"id\":6,"
             "\"lesson\":\"L2\"}");
  assert_sent (fixture, 0, "{\"id\":6,\"lesson\":\"L2\",\"live\":false,"
               "\"type\":\"result\",\"v\":1}");
  assert_sent (fixture, 1, "{\"lesson\":\"L1\",\"reason\":\"left\","
               "\"type\":\"lesson.offline\",\"v\":1}");
  assert_relay_call (fixture, 1, "close_peer", "L1", 0);
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 2);
}

#define ADD_TEST(path, function)                                              \
  g_test_add (path, Fixture, NULL, fixture_set_up, function,                  \
              fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD_TEST ("/server/signaling/publish-then-subscribe",
            test_publish_then_subscribe);
  ADD_TEST ("/server/signaling/remote-before-live", test_remote_before_live);
  ADD_TEST ("/server/signaling/second-lead-busy", test_second_lead_busy);
  ADD_TEST ("/server/signaling/busy-while-publish-pending",
            test_busy_while_first_publish_pending);
  ADD_TEST ("/server/signaling/one-lead-classroom", test_one_lead_classroom);
  ADD_TEST ("/server/signaling/return-feeds", test_return_feeds);
  ADD_TEST ("/server/signaling/return-feed-closed-by-relay",
            test_return_feed_closed_by_relay);
  ADD_TEST ("/server/signaling/requests-before-hello",
            test_requests_before_hello);
  ADD_TEST ("/server/signaling/request-before-join",
            test_request_before_join);
  ADD_TEST ("/server/signaling/remote-unknown-lesson",
            test_remote_unknown_lesson);
  ADD_TEST ("/server/signaling/lead-disconnect", test_lead_disconnect);
  ADD_TEST ("/server/signaling/lead-leave-then-republish",
            test_lead_leave_then_republish);
  ADD_TEST ("/server/signaling/answer-after-session-left",
            test_answer_after_session_left);
  ADD_TEST ("/server/signaling/relay-errors-mapped",
            test_relay_errors_mapped);
  ADD_TEST ("/server/signaling/replies-keep-request-order",
            test_replies_keep_request_order);
  ADD_TEST ("/server/signaling/transport-failure", test_transport_failure);
  ADD_TEST ("/server/signaling/candidate-passed", test_candidate_passed);
  ADD_TEST ("/server/signaling/malformed-input-answered",
            test_malformed_input_answered);
  ADD_TEST ("/server/signaling/join-other-lesson-leaves-first",
            test_join_other_lesson_leaves_first);

  return g_test_run ();
}
