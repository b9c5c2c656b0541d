/* Tests of the lesson policy on the signaling core: tokens in hello,
 * timetable joins, lesson.starting, lesson.ended, schedule, lesson.end and
 * the restore after a restart. The clock is a variable and the relay a
 * double that records nothing, so no socket or timer is involved. */
#include <glib/gstdio.h>
#include <string.h>

#include "ss-lesson-policy.h"

#define START 1741000000  /* 2025-03-03T19:06:40+08:00 */
#define LENGTH 2400
#define GRACE 120

/* One client: the messages it was sent and whether it was closed. */
typedef struct {
  GPtrArray *received;  /* json_t *, owned */
  gboolean closed;
  SsSession *session;
} Client;

typedef struct {
  SsTimetable *timetable;
  SsAuth *auth;
  char *data_dir;
  SsLessonPolicy *policy;
  SsSignaling *signaling;
  gint64 now;
  Client clients[4];
} Fixture;

/* ---- Relay double ------------------------------------------------------ */

static void
relay_publish (SsRelay *relay, const char *lesson_id, const char *peer_id,
               const char *source, const char *offer_sdp,
               SsRelayAnswerFunc answer_func, gpointer user_data)
{
}

static void
relay_subscribe (SsRelay *relay, const char *lesson_id, const char *peer_id,
                 const char *offer_sdp, const char *const *sources,
                 guint n_sources, SsRelayAnswerFunc answer_func,
                 gpointer user_data)
{
}

static void
relay_set_sources (SsRelay *relay, const char *lesson_id,
                   const char *peer_id, const char *const *sources,
                   guint n_sources)
{
}

static void
relay_close_peer (SsRelay *relay, const char *lesson_id, const char *peer_id)
{
}

static void
relay_close_lesson (SsRelay *relay, const char *lesson_id)
{
}

static GQuark
relay_error_quark (void)
{
  return g_quark_from_static_string ("test-relay-error");
}

static const SsSignalingRelayOps relay_ops = {
  .publish = relay_publish,
  .subscribe = relay_subscribe,
  .set_sources = relay_set_sources,
  .close_peer = relay_close_peer,
  .close_lesson = relay_close_lesson,
  .error_quark = relay_error_quark,
};

static void
record_message (gpointer connection, json_t *message, gpointer user_data)
{
  Client *client = connection;
  g_ptr_array_add (client->received, json_incref (message));
}

static void
record_close (gpointer connection, gpointer user_data)
{
  ((Client *) connection)->closed = TRUE;
}

static gint64
fixture_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

/* ---- Fixture ----------------------------------------------------------- */

static void
add_classroom (Fixture *fixture, const char *id)
{
  const SsTimetableClassroom classroom = { .id = (char *) id,
                                           .name = (char *) id };
  g_autoptr (GError) error = NULL;
  g_assert_true (ss_timetable_add_classroom (fixture->timetable, &classroom,
                                             &error));
  g_assert_no_error (error);
}

static void
add_lesson (Fixture *fixture, const char *id, gint64 start)
{
  char *remotes[] = { (char *) "town-a", (char *) "town-b", NULL };
  SsTimetableLesson lesson = {
    .id = g_strdup (id),
    .title = (char *) "分数",
    .subject = (char *) "数学",
    .lead = (char *) "lead-1",
    .remotes = remotes,
    .start_unix = start,
    .end_unix = start + LENGTH,
    .utc_offset_s = 8 * 3600,
  };
  g_autoptr (GError) error = NULL;
  g_assert_true (ss_timetable_add_lesson (fixture->timetable, &lesson,
                                          &error));
  g_assert_no_error (error);
  g_free (lesson.id);
}

static void
open_core (Fixture *fixture)
{
  fixture->policy = ss_lesson_policy_new (fixture->timetable, fixture->auth,
                                          GRACE);
  ss_lesson_policy_set_clock (fixture->policy, fixture_clock, fixture);
  const SsSignalingConfig config = {
    .relay_ops = &relay_ops,
    .send_func = record_message,
    .close_func = record_close,
    .policy = ss_lesson_policy_get_hooks (),
    .policy_data = fixture->policy,
  };
  fixture->signaling = ss_signaling_new (&config);
  ss_lesson_policy_set_signaling (fixture->policy, fixture->signaling);

  for (guint i = 0; i < G_N_ELEMENTS (fixture->clients); i++)
    {
      Client *client = &fixture->clients[i];
      client->received = g_ptr_array_new_with_free_func (
          (GDestroyNotify) json_decref);
      client->closed = FALSE;
      client->session = ss_signaling_open_session (fixture->signaling, client,
                                                   0);
    }
}

static void
close_core (Fixture *fixture)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->clients); i++)
    {
      ss_signaling_close_session (fixture->signaling,
                                  fixture->clients[i].session, 0);
      g_clear_pointer (&fixture->clients[i].received, g_ptr_array_unref);
    }
  g_clear_pointer (&fixture->signaling, ss_signaling_free);
  g_clear_pointer (&fixture->policy, ss_lesson_policy_free);
}

static void
fixture_set_up (Fixture *fixture, gconstpointer with_auth)
{
  g_autoptr (GError) error = NULL;
  fixture->timetable = ss_timetable_open (":memory:", &error);
  g_assert_no_error (error);
  if (with_auth != NULL)
    {
      fixture->data_dir = g_dir_make_tmp ("ss-policy-XXXXXX", NULL);
      fixture->auth = ss_auth_new (fixture->data_dir, &error);
      g_assert_no_error (error);
    }
  fixture->now = START - 600;

  add_classroom (fixture, "lead-1");
  add_classroom (fixture, "town-a");
  add_classroom (fixture, "town-b");
  add_classroom (fixture, "town-z");
  add_lesson (fixture, "math-1", START);
  open_core (fixture);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer with_auth)
{
  close_core (fixture);
  g_clear_pointer (&fixture->auth, ss_auth_free);
  g_clear_pointer (&fixture->timetable, ss_timetable_free);
  if (fixture->data_dir != NULL)
    {
      g_autofree char *key = g_build_filename (fixture->data_dir, "jwt.key",
                                               NULL);
      g_autofree char *admin = g_build_filename (fixture->data_dir,
                                                 "admin.token", NULL);
      g_remove (key);
      g_remove (admin);
      g_rmdir (fixture->data_dir);
      g_free (fixture->data_dir);
    }
}

/* ---- Helpers ----------------------------------------------------------- */

static void
send_json (Fixture *fixture, guint client, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  ss_signaling_receive (fixture->signaling, fixture->clients[client].session,
                        text, strlen (text));
}

static void
hello (Fixture *fixture, guint client, const char *role, const char *room)
{
  send_json (fixture, client,
             "{\"v\":1,\"type\":\"hello\",\"id\":1,\"role\":\"%s\","
             "\"classroom\":\"%s\"}", role, room);
}

/* Takes the oldest message the client got; NULL when none is left. */
static json_t *
take (Fixture *fixture, guint client)
{
  GPtrArray *received = fixture->clients[client].received;
  if (received->len == 0)
    return NULL;
  return g_ptr_array_steal_index (received, 0);
}

static const char *
type_of (json_t *message)
{
  return json_string_value (json_object_get (message, "type"));
}

static const char *
member (json_t *message, const char *name)
{
  return json_string_value (json_object_get (message, name));
}

static void
assert_next_type (Fixture *fixture, guint client, const char *type)
{
  g_autoptr (json_t) message = take (fixture, client);
  g_assert_nonnull (message);
  g_assert_cmpstr (type_of (message), ==, type);
}

static void
assert_no_message (Fixture *fixture, guint client)
{
  g_autoptr (json_t) message = take (fixture, client);
  if (message != NULL)
    {
      g_autofree char *text = json_dumps (message, 0);
      g_error ("client %u got an unexpected message: %s", client, text);
    }
}

/* ---- Tests ------------------------------------------------------------- */

static void
test_schedule_after_hello (Fixture *fixture, gconstpointer data)
{
  hello (fixture, 1, "remote", "town-a");
  assert_next_type (fixture, 1, "result");

  g_autoptr (json_t) schedule = take (fixture, 1);
  g_assert_cmpstr (type_of (schedule), ==, "schedule");
  json_t *next = json_object_get (schedule, "next");
  g_assert_cmpstr (member (next, "lesson"), ==, "math-1");
  g_assert_cmpstr (member (next, "subject"), ==, "数学");
  g_assert_cmpstr (member (next, "start"), ==, "2025-03-03T19:06:40+08:00");
  assert_no_message (fixture, 1);

  /* A classroom of no lesson gets next: null. */
  hello (fixture, 2, "remote", "town-z");
  assert_next_type (fixture, 2, "result");
  g_autoptr (json_t) none = take (fixture, 2);
  g_assert_true (json_is_null (json_object_get (none, "next")));
}

static void
test_join_rules_before_start (Fixture *fixture, gconstpointer data)
{
  hello (fixture, 1, "remote", "town-a");
  hello (fixture, 2, "remote", "town-z");
  hello (fixture, 0, "remote", "lead-1");
  g_ptr_array_set_size (fixture->clients[0].received, 0);
  g_ptr_array_set_size (fixture->clients[1].received, 0);
  g_ptr_array_set_size (fixture->clients[2].received, 0);

  send_json (fixture, 1,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"math-1\"}");
  g_autoptr (json_t) early = take (fixture, 1);
  g_assert_cmpstr (member (early, "code"), ==, "not_ready");

  fixture->now = START;
  ss_lesson_policy_step (fixture->policy, fixture->now);
  g_autoptr (json_t) starting = take (fixture, 1);
  g_assert_cmpstr (type_of (starting), ==, "lesson.starting");

  send_json (fixture, 2,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"math-1\"}");
  g_autoptr (json_t) outsider = take (fixture, 2);
  g_assert_cmpstr (member (outsider, "code"), ==, "forbidden");

  /* The lead classroom may not join its lesson as a remote. */
  g_ptr_array_set_size (fixture->clients[0].received, 0);
  send_json (fixture, 0,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"math-1\"}");
  g_autoptr (json_t) wrong_role = take (fixture, 0);
  g_assert_cmpstr (member (wrong_role, "code"), ==, "forbidden");

  send_json (fixture, 1,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":3,\"lesson\":\"math-1\"}");
  g_autoptr (json_t) joined = take (fixture, 1);
  g_assert_cmpstr (type_of (joined), ==, "result");
  g_assert_false (json_is_true (json_object_get (joined, "live")));
}

static void
test_starting_pushed_at_start (Fixture *fixture, gconstpointer data)
{
  hello (fixture, 0, "lead", "lead-1");
  hello (fixture, 1, "remote", "town-a");
  hello (fixture, 2, "remote", "town-z");
  for (guint i = 0; i < 3; i++)
    g_ptr_array_set_size (fixture->clients[i].received, 0);

  gint64 next = ss_lesson_policy_step (fixture->policy, START - 1);
  g_assert_cmpint (next, ==, START);
  assert_no_message (fixture, 1);

  next = ss_lesson_policy_step (fixture->policy, START);
  g_assert_cmpint (next, ==, START + LENGTH + GRACE);
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 1);

  g_autoptr (json_t) to_lead = take (fixture, 0);
  g_assert_cmpstr (type_of (to_lead), ==, "lesson.starting");
  g_autoptr (json_t) to_remote = take (fixture, 1);
  g_assert_cmpstr (type_of (to_remote), ==, "lesson.starting");
  g_assert_cmpstr (member (to_remote, "lesson"), ==, "math-1");
  g_assert_cmpstr (member (to_remote, "title"), ==, "分数");
  g_assert_cmpstr (member (to_remote, "end"), ==, "2025-03-03T19:46:40+08:00");
  assert_no_message (fixture, 2);

  /* A classroom that sends hello while the lesson is live gets
   * lesson.starting after the result and the schedule. */
  hello (fixture, 3, "remote", "town-b");
  assert_next_type (fixture, 3, "result");
  assert_next_type (fixture, 3, "schedule");
  assert_next_type (fixture, 3, "lesson.starting");
}

static void
test_end_by_time (Fixture *fixture, gconstpointer data)
{
  add_lesson (fixture, "math-2", START + 86400);
  ss_lesson_policy_step (fixture->policy, START);
  hello (fixture, 1, "remote", "town-a");
  send_json (fixture, 1,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"math-1\"}");
  g_ptr_array_set_size (fixture->clients[1].received, 0);

  /* Still live within the grace period. */
  ss_lesson_policy_step (fixture->policy, START + LENGTH + GRACE - 1);
  assert_no_message (fixture, 1);

  ss_lesson_policy_step (fixture->policy, START + LENGTH + GRACE);
  g_autoptr (json_t) ended = take (fixture, 1);
  g_assert_cmpstr (type_of (ended), ==, "lesson.ended");
  g_assert_cmpstr (member (ended, "reason"), ==, "time");
  g_autoptr (json_t) schedule = take (fixture, 1);
  g_assert_cmpstr (type_of (schedule), ==, "schedule");
  g_assert_cmpstr (member (json_object_get (schedule, "next"), "lesson"), ==,
                   "math-2");
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 0);
  g_assert_cmpint (ss_timetable_get_run_state (fixture->timetable, "math-1",
                                               START),
                   ==, SS_LESSON_STATE_ENDED);
}

static void
test_lead_ends_lesson (Fixture *fixture, gconstpointer data)
{
  fixture->now = START + 60;
  ss_lesson_policy_step (fixture->policy, fixture->now);
  hello (fixture, 0, "lead", "lead-1");
  hello (fixture, 1, "remote", "town-a");
  send_json (fixture, 0,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"math-1\"}");
  send_json (fixture, 1,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"math-1\"}");
  g_ptr_array_set_size (fixture->clients[0].received, 0);
  g_ptr_array_set_size (fixture->clients[1].received, 0);

  /* A remote may not end the lesson. */
  send_json (fixture, 1, "{\"v\":1,\"type\":\"lesson.end\",\"id\":3}");
  g_autoptr (json_t) refused = take (fixture, 1);
  g_assert_cmpstr (member (refused, "code"), ==, "forbidden");

  send_json (fixture, 0, "{\"v\":1,\"type\":\"lesson.end\",\"id\":3}");
  g_autoptr (json_t) lead_ended = take (fixture, 0);
  g_assert_cmpstr (type_of (lead_ended), ==, "lesson.ended");
  g_assert_cmpstr (member (lead_ended, "reason"), ==, "ended");

  g_autoptr (json_t) remote_ended = take (fixture, 1);
  g_assert_cmpstr (type_of (remote_ended), ==, "lesson.ended");
  g_assert_cmpstr (member (remote_ended, "reason"), ==, "ended");
  assert_next_type (fixture, 1, "schedule");

  /* The lead's result comes after its event and schedule. */
  assert_next_type (fixture, 0, "schedule");
  g_autoptr (json_t) result = take (fixture, 0);
  g_assert_cmpstr (type_of (result), ==, "result");
  g_assert_cmpstr (member (result, "lesson"), ==, "math-1");
  g_assert_cmpint (ss_timetable_get_run_state (fixture->timetable, "math-1",
                                               START),
                   ==, SS_LESSON_STATE_ENDED);

  /* Ended: a remote can no longer join it. */
  send_json (fixture, 1,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":4,\"lesson\":\"math-1\"}");
  g_autoptr (json_t) late = take (fixture, 1);
  g_assert_cmpstr (member (late, "code"), ==, "not_ready");
}

static void
test_restore_after_restart (Fixture *fixture, gconstpointer data)
{
  ss_lesson_policy_step (fixture->policy, START);

  /* The old core is gone, as after kill -9; the timetable stays. */
  close_core (fixture);
  open_core (fixture);
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 0);

  g_autoptr (GError) error = NULL;
  g_assert_cmpint (ss_lesson_policy_restore (fixture->policy, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 1);

  fixture->now = START + 30;
  hello (fixture, 1, "remote", "town-a");
  assert_next_type (fixture, 1, "result");
  assert_next_type (fixture, 1, "schedule");
  assert_next_type (fixture, 1, "lesson.starting");
  send_json (fixture, 1,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"math-1\"}");
  assert_next_type (fixture, 1, "result");
}

static void
test_ad_hoc_lesson_unchanged (Fixture *fixture, gconstpointer data)
{
  hello (fixture, 0, "lead", "lead-1");
  send_json (fixture, 0,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"ad-hoc\"}");
  g_ptr_array_set_size (fixture->clients[0].received, 0);
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 1);

  send_json (fixture, 0, "{\"v\":1,\"type\":\"lesson.end\",\"id\":3}");
  assert_next_type (fixture, 0, "lesson.ended");
  assert_next_type (fixture, 0, "result");
  g_assert_cmpuint (ss_signaling_get_n_lessons (fixture->signaling), ==, 0);
}

/* The policy gives the core a timetable lesson's classrooms and run, so
 * the roster lists the absent ones and the times use the lesson's
 * offset. */
static void
test_timetable_roster_from_plan (Fixture *fixture, gconstpointer data)
{
  fixture->now = START;
  ss_lesson_policy_step (fixture->policy, START);
  hello (fixture, 1, "remote", "town-b");
  g_ptr_array_set_size (fixture->clients[1].received, 0);

  send_json (fixture, 1,
             "{\"v\":1,\"type\":\"lesson.join\",\"id\":2,\"lesson\":\"math-1\"}");
  assert_next_type (fixture, 1, "result");
  g_autoptr (json_t) state = take (fixture, 1);
  g_assert_cmpstr (type_of (state), ==, "lesson.state");
  g_assert_true (g_str_has_suffix (member (state, "since"), "+08:00"));

  json_t *roster = json_object_get (state, "roster");
  g_assert_cmpuint (json_array_size (roster), ==, 3);
  const char *const expected[] = { "lead-1", "town-a", "town-b" };
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      json_t *entry = json_array_get (roster, i);
      g_assert_cmpstr (member (entry, "classroom"), ==, expected[i]);
      g_assert_cmpint (json_is_true (json_object_get (entry, "present")), ==,
                       i == 2);
    }
}

static void
assert_hello_rejected (Fixture *fixture, guint client, const char *token,
                       const char *room)
{
  if (token != NULL)
    send_json (fixture, client,
               "{\"v\":1,\"type\":\"hello\",\"id\":1,\"role\":\"remote\","
               "\"classroom\":\"%s\",\"token\":\"%s\"}", room, token);
  else
    hello (fixture, client, "remote", room);

  g_autoptr (json_t) reply = take (fixture, client);
  g_assert_cmpstr (member (reply, "code"), ==, "unauthorized");
  g_assert_true (token == NULL
                 || strstr (member (reply, "message"), token) == NULL);
  g_assert_true (fixture->clients[client].closed);
  assert_no_message (fixture, client);
}

static void
test_hello_tokens (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  fixture->now = now;
  g_autofree char *town_a = ss_auth_issue (fixture->auth,
                                           SS_AUTH_ROLE_CLASSROOM, "town-a",
                                           now, 3600, &error);
  g_autofree char *expired = ss_auth_issue (fixture->auth,
                                            SS_AUTH_ROLE_CLASSROOM, "town-a",
                                            now - 7200, 3600, &error);
  g_autofree char *admin = ss_auth_issue (fixture->auth, SS_AUTH_ROLE_ADMIN,
                                          NULL, now, 3600, &error);
  g_assert_no_error (error);

  assert_hello_rejected (fixture, 0, NULL, "town-a");
  assert_hello_rejected (fixture, 1, expired, "town-a");
  assert_hello_rejected (fixture, 2, town_a, "town-b");

  send_json (fixture, 3,
             "{\"v\":1,\"type\":\"hello\",\"id\":1,\"role\":\"remote\","
             "\"classroom\":\"town-b\",\"token\":\"%s\"}", admin);
  assert_next_type (fixture, 3, "result");
  g_assert_false (fixture->clients[3].closed);
}

static void
test_hello_own_classroom (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  fixture->now = now;
  g_autofree char *town_a = ss_auth_issue (fixture->auth,
                                           SS_AUTH_ROLE_CLASSROOM, "town-a",
                                           now, 3600, &error);
  g_assert_no_error (error);

  send_json (fixture, 0,
             "{\"v\":1,\"type\":\"hello\",\"id\":1,\"role\":\"remote\","
             "\"classroom\":\"town-a\",\"token\":\"%s\"}", town_a);
  assert_next_type (fixture, 0, "result");
  g_assert_false (fixture->clients[0].closed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, auth)                                                 \
  g_test_add ("/server/lesson-policy/" path, Fixture, auth, fixture_set_up,   \
              func, fixture_tear_down)

  ADD ("schedule-after-hello", test_schedule_after_hello, NULL);
  ADD ("join-rules-before-start", test_join_rules_before_start, NULL);
  ADD ("starting-pushed-at-start", test_starting_pushed_at_start, NULL);
  ADD ("end-by-time", test_end_by_time, NULL);
  ADD ("lead-ends-lesson", test_lead_ends_lesson, NULL);
  ADD ("restore-after-restart", test_restore_after_restart, NULL);
  ADD ("ad-hoc-lesson-unchanged", test_ad_hoc_lesson_unchanged, NULL);
  ADD ("timetable-roster-from-plan", test_timetable_roster_from_plan, NULL);
  ADD ("hello-tokens-rejected", test_hello_tokens, "auth");
  ADD ("hello-own-classroom", test_hello_own_classroom, "auth");

  return g_test_run ();
}
