/* Tests of the interaction log (ss-interaction-log.h) on a database in a
 * temporary directory, and of its admin API route. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "ss-admin-api.h"
#include "ss-auth.h"
#include "ss-interaction-log.h"
#include "ss-interaction-routes.h"
#include "ss-timetable.h"

#define SECOND G_USEC_PER_SEC
/* 2025-03-03T14:00:00+08:00 */
#define RUN_START G_GINT64_CONSTANT (1740981600)

typedef struct {
  char *directory;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  fixture->directory = g_dir_make_tmp ("ss-interaction-log-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->directory, "timetable.db", NULL);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  const char *const suffixes[] = { "", "-wal", "-shm" };
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (fixture->path, suffixes[i], NULL);
      g_remove (path);
    }
  g_rmdir (fixture->directory);
  g_free (fixture->path);
  g_free (fixture->directory);
}

static SsInteractionLog *
open_log (Fixture *fixture)
{
  g_autoptr (GError) error = NULL;
  SsInteractionLog *log = ss_interaction_log_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (log);
  return log;
}

static void
add_run (SsInteractionLog *log, const char *lesson_id, gint64 run_start,
         gboolean expect_added)
{
  const SsLogRun run = {
    .run_start = run_start,
    .utc_offset_s = 8 * 3600,
    .timetable = TRUE,
  };
  g_autoptr (GError) error = NULL;
  gboolean added = !expect_added;
  g_assert_true (ss_interaction_log_add_run (log, lesson_id, &run, &added,
                                             &error));
  g_assert_no_error (error);
  g_assert_cmpint (added, ==, expect_added);
}

static void
append (SsInteractionLog *log, gint64 run_start, const SsLogEvent *event)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ss_interaction_log_append (log, "math", run_start, event,
                                            &error));
  g_assert_no_error (error);
}

static void
append_chat (SsInteractionLog *log, gint64 run_start, gint64 seq,
             const char *from, const char *to, const char *text)
{
  const SsLogEvent event = {
    .kind = SS_LOG_EVENT_CHAT,
    .at_us = (RUN_START + seq) * SECOND,
    .actor = from,
    .actor_role = g_strcmp0 (from, "city") == 0 ? SS_ROLE_LEAD
                                                : SS_ROLE_REMOTE,
    .actor_client = SS_CLIENT_PAGE,
    .classroom = to,
    .seq = seq,
    .text = text,
    .students = -1,
  };
  append (log, run_start, &event);
}

static char *
texts_of (SsLogEventList *list)
{
  GString *text = g_string_new (NULL);
  for (guint i = 0; i < list->events->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "|" : "",
                            g_array_index (list->events, SsLogEvent, i).text);
  return g_string_free (text, FALSE);
}

static void
test_events_round_trip (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsInteractionLog) log = open_log (fixture);
  add_run (log, "math", RUN_START, TRUE);
  add_run (log, "math", RUN_START, FALSE);

  append_chat (log, RUN_START, 1, "city", NULL, "上课");
  const SsLogEvent events[] = {
    { .kind = SS_LOG_EVENT_HAND_RAISE, .at_us = 5, .actor = "town-a",
      .actor_role = SS_ROLE_REMOTE, .actor_client = SS_CLIENT_AGENT,
      .classroom = "town-a", .students = -1 },
    { .kind = SS_LOG_EVENT_PHASE, .at_us = 6, .actor = "city",
      .actor_role = SS_ROLE_LEAD, .phase = SS_CLASS_PHASE_DISCUSSION,
      .students = -1 },
    { .kind = SS_LOG_EVENT_FLOOR_REVOKE, .at_us = 7, .students = -1 },
    { .kind = SS_LOG_EVENT_ATTENDANCE, .at_us = 8, .actor = "town-a",
      .actor_role = SS_ROLE_REMOTE, .classroom = "town-a", .students = 0 },
    { .kind = SS_LOG_EVENT_ATTENDANCE, .at_us = 9, .actor = "town-b",
      .actor_role = SS_ROLE_REMOTE, .classroom = "town-b", .students = -1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    append (log, RUN_START, &events[i]);

  g_autoptr (GError) error = NULL;
  g_autoptr (SsLogEventList) list = ss_interaction_log_list_events (
      log, "math", RUN_START, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->events->len, ==, 6);

  SsLogEvent *chat = &g_array_index (list->events, SsLogEvent, 0);
  g_assert_cmpint (chat->kind, ==, SS_LOG_EVENT_CHAT);
  g_assert_cmpint (chat->at_us, ==, (RUN_START + 1) * SECOND);
  g_assert_cmpstr (chat->actor, ==, "city");
  g_assert_cmpint (chat->actor_role, ==, SS_ROLE_LEAD);
  g_assert_cmpint (chat->actor_client, ==, SS_CLIENT_PAGE);
  g_assert_null (chat->classroom);
  g_assert_cmpint (chat->seq, ==, 1);
  g_assert_cmpstr (chat->text, ==, "上课");

  SsLogEvent *hand = &g_array_index (list->events, SsLogEvent, 1);
  g_assert_cmpint (hand->kind, ==, SS_LOG_EVENT_HAND_RAISE);
  g_assert_cmpstr (hand->classroom, ==, "town-a");
  g_assert_cmpint (hand->actor_client, ==, SS_CLIENT_AGENT);
  g_assert_null (hand->text);

  SsLogEvent *phase = &g_array_index (list->events, SsLogEvent, 2);
  g_assert_cmpint (phase->phase, ==, SS_CLASS_PHASE_DISCUSSION);

  SsLogEvent *revoke = &g_array_index (list->events, SsLogEvent, 3);
  g_assert_cmpint (revoke->kind, ==, SS_LOG_EVENT_FLOOR_REVOKE);
  g_assert_null (revoke->actor);

  g_assert_cmpint (g_array_index (list->events, SsLogEvent, 4).students, ==,
                   0);
  g_assert_cmpint (g_array_index (list->events, SsLogEvent, 5).students, ==,
                   -1);
}

static void
test_chat_visible_to_classroom (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsInteractionLog) log = open_log (fixture);
  add_run (log, "math", RUN_START, TRUE);

  append_chat (log, RUN_START, 1, "city", NULL, "all-1");
  append_chat (log, RUN_START, 2, "city", "town-a", "lead-to-a");
  append_chat (log, RUN_START, 3, "town-b", "city", "b-to-lead");
  append_chat (log, RUN_START, 4, "town-a", NULL, "all-2");

  const struct {
    const char *classroom;
    const char *texts;
  } cases[] = {
    { "city", "all-1|lead-to-a|b-to-lead|all-2" },
    { "town-a", "all-1|lead-to-a|all-2" },
    { "town-b", "all-1|b-to-lead|all-2" },
    { "town-c", "all-1|all-2" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SsLogEventList) chat = ss_interaction_log_list_chat (
          log, "math", RUN_START, cases[i].classroom, 200, &error);
      g_assert_no_error (error);
      g_autofree char *texts = texts_of (chat);
      g_assert_cmpstr (texts, ==, cases[i].texts);
    }

  /* The limit keeps the newest, still oldest first. */
  g_autoptr (GError) error = NULL;
  g_autoptr (SsLogEventList) last_two = ss_interaction_log_list_chat (
      log, "math", RUN_START, "town-a", 2, &error);
  g_assert_no_error (error);
  g_autofree char *texts = texts_of (last_two);
  g_assert_cmpstr (texts, ==, "lead-to-a|all-2");
}

static void
test_runs_kept_apart (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsInteractionLog) log = open_log (fixture);
  gint64 next_week = RUN_START + 7 * 24 * 3600;
  add_run (log, "math", RUN_START, TRUE);
  add_run (log, "math", next_week, TRUE);

  append_chat (log, RUN_START, 1, "city", NULL, "week-1");
  append_chat (log, next_week, 1, "city", NULL, "week-2");

  g_autoptr (GError) error = NULL;
  g_autoptr (SsLogEventList) second = ss_interaction_log_list_chat (
      log, "math", next_week, "city", 200, &error);
  g_assert_no_error (error);
  g_autofree char *texts = texts_of (second);
  g_assert_cmpstr (texts, ==, "week-2");

  g_autoptr (GArray) runs = ss_interaction_log_list_runs (log, "math",
                                                          &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpint (g_array_index (runs, SsLogRun, 0).run_start, ==,
                   RUN_START);
  g_assert_cmpint (g_array_index (runs, SsLogRun, 1).run_start, ==,
                   next_week);
  g_assert_true (g_array_index (runs, SsLogRun, 1).timetable);

  g_autoptr (GArray) none = ss_interaction_log_list_runs (log, "art",
                                                          &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_survives_reopen (Fixture *fixture, gconstpointer data)
{
  {
    g_autoptr (SsInteractionLog) log = open_log (fixture);
    add_run (log, "math", RUN_START, TRUE);
    append_chat (log, RUN_START, 1, "city", NULL, "before the restart");
  }

  /* The timetable shares the file and keeps its own schema. */
  g_autoptr (GError) error = NULL;
  g_autoptr (SsTimetable) timetable = ss_timetable_open (fixture->path,
                                                         &error);
  g_assert_no_error (error);
  g_assert_cmpint (ss_timetable_get_schema_version (timetable), >=, 1);

  g_autoptr (SsInteractionLog) log = open_log (fixture);
  add_run (log, "math", RUN_START, FALSE);
  g_autoptr (SsLogEventList) chat = ss_interaction_log_list_chat (
      log, "math", RUN_START, "town-a", 200, &error);
  g_assert_no_error (error);
  g_autofree char *texts = texts_of (chat);
  g_assert_cmpstr (texts, ==, "before the restart");
}

static void
test_newer_schema_refused (Fixture *fixture, gconstpointer data)
{
  {
    g_autoptr (SsInteractionLog) log = open_log (fixture);
  }

  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO interaction_log_migrations "
                                 "VALUES (99, 0)",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  g_autoptr (GError) error = NULL;
  g_autoptr (SsInteractionLog) log = ss_interaction_log_open (fixture->path,
                                                              &error);
  g_assert_null (log);
  g_assert_error (error, SS_INTERACTION_LOG_ERROR,
                  SS_INTERACTION_LOG_ERROR_DATABASE);
  g_assert_nonnull (strstr (error->message, "newer"));
}

static void
test_unknown_row_refused (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsInteractionLog) log = open_log (fixture);
  add_run (log, "math", RUN_START, TRUE);
  append_chat (log, RUN_START, 1, "city", NULL, "ok");

  /* A row from a newer server with a role this one does not know. */
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "PRAGMA ignore_check_constraints = ON;"
                                 "UPDATE interaction_events "
                                 "SET actor_role = 'guest'",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  g_autoptr (GError) error = NULL;
  g_autoptr (SsLogEventList) list = ss_interaction_log_list_events (
      log, "math", RUN_START, &error);
  g_assert_null (list);
  g_assert_error (error, SS_INTERACTION_LOG_ERROR,
                  SS_INTERACTION_LOG_ERROR_CORRUPT);
}

/* ---- Admin API route --------------------------------------------------- */

static SsAdminResponse *
get (SsAdminApi *api, const char *path, const char *token)
{
  g_autoptr (GBytes) body = g_bytes_new_static ("", 0);
  const SsAdminRequest request = {
    .method = SS_HTTP_METHOD_GET,
    .path = path,
    .query = "",
    .body = body,
    .bearer_token = token,
    .now_unix = RUN_START,
  };
  SsAdminResponse *response = ss_admin_response_new ();
  ss_admin_api_dispatch (api, &request, response);
  return response;
}

static json_t *
body_of (SsAdminResponse *response)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (
      ss_admin_response_get_body (response), &size);
  json_error_t error;
  json_t *body = json_loadb (data, size, 0, &error);
  g_assert_nonnull (body);
  return body;
}

static void
assert_error_response (SsAdminResponse *response, guint status,
                       const char *code)
{
  g_assert_cmpuint (ss_admin_response_get_status (response), ==, status);
  g_autoptr (json_t) body = body_of (response);
  g_assert_cmpstr (json_string_value (json_object_get (
                       json_object_get (body, "error"), "code")),
                   ==, code);
}

static void
test_route_lists_runs (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsInteractionLog) log = open_log (fixture);
  add_run (log, "math", RUN_START, TRUE);
  append_chat (log, RUN_START, 1, "town-a", "city", "私信");
  const SsLogEvent phase = {
    .kind = SS_LOG_EVENT_PHASE, .at_us = (RUN_START + 60) * SECOND,
    .actor = "city", .actor_role = SS_ROLE_LEAD,
    .phase = SS_CLASS_PHASE_PRACTICE, .students = -1,
  };
  append (log, RUN_START, &phase);
  const SsLogEvent revoke = {
    .kind = SS_LOG_EVENT_FLOOR_REVOKE, .at_us = (RUN_START + 61) * SECOND,
    .students = -1,
  };
  append (log, RUN_START, &revoke);

  g_autoptr (GError) error = NULL;
  g_autofree char *auth_dir = g_build_filename (fixture->directory, "auth",
                                                NULL);
  g_assert_cmpint (g_mkdir (auth_dir, 0700), ==, 0);
  g_autoptr (SsAuth) auth = ss_auth_new (auth_dir, &error);
  g_assert_no_error (error);
  g_autofree char *token = ss_auth_issue (auth, SS_AUTH_ROLE_ADMIN, NULL,
                                          RUN_START, 3600, &error);
  g_assert_no_error (error);

  g_autoptr (SsAdminApi) api = ss_admin_api_new (auth);
  ss_interaction_routes_register (log, api);

  g_autoptr (SsAdminResponse) no_token = get (api, "/api/v1/lessons/math/log",
                                              NULL);
  g_assert_cmpuint (ss_admin_response_get_status (no_token), ==, 401);

  g_autoptr (SsAdminResponse) found = get (api, "/api/v1/lessons/math/log",
                                           token);
  g_assert_cmpuint (ss_admin_response_get_status (found), ==, 200);
  g_autoptr (json_t) body = body_of (found);
  g_assert_cmpstr (json_string_value (json_object_get (body, "lesson")), ==,
                   "math");
  json_t *runs = json_object_get (body, "runs");
  g_assert_cmpuint (json_array_size (runs), ==, 1);
  json_t *run = json_array_get (runs, 0);
  g_assert_cmpstr (json_string_value (json_object_get (run, "start")), ==,
                   "2025-03-03T14:00:00+08:00");
  g_assert_true (json_is_true (json_object_get (run, "timetable")));

  json_t *events = json_object_get (run, "events");
  g_assert_cmpuint (json_array_size (events), ==, 3);
  json_t *chat = json_array_get (events, 0);
  g_assert_cmpstr (json_string_value (json_object_get (chat, "kind")), ==,
                   "chat");
  g_assert_cmpstr (json_string_value (json_object_get (chat, "at")), ==,
                   "2025-03-03T14:00:01+08:00");
  g_assert_cmpstr (json_string_value (json_object_get (chat, "by")), ==,
                   "town-a");
  g_assert_cmpstr (json_string_value (json_object_get (chat, "classroom")),
                   ==, "city");
  g_assert_cmpstr (json_string_value (json_object_get (chat, "text")), ==,
                   "私信");
  g_assert_cmpint (json_integer_value (json_object_get (chat, "seq")), ==, 1);
  json_t *phase_json = json_array_get (events, 1);
  g_assert_cmpstr (json_string_value (json_object_get (phase_json,
                                                       "phase")),
                   ==, "practice");
  json_t *revoke_json = json_array_get (events, 2);
  g_assert_true (json_is_null (json_object_get (revoke_json, "by")));
  g_assert_true (json_is_null (json_object_get (revoke_json, "role")));

  g_autoptr (SsAdminResponse) unknown = get (api, "/api/v1/lessons/art/log",
                                             token);
  assert_error_response (unknown, 404, "not_found");

  g_autoptr (SsAdminResponse) bad_id = get (api,
                                            "/api/v1/lessons/a b/log",
                                            token);
  assert_error_response (bad_id, 400, "invalid");

  g_autoptr (SsAdminResponse) other = get (api, "/api/v1/lessons/math",
                                           token);
  assert_error_response (other, 404, "not_found");

  const char *const auth_files[] = { "jwt.key", "admin.token" };
  for (guint i = 0; i < G_N_ELEMENTS (auth_files); i++)
    {
      g_autofree char *path = g_build_filename (auth_dir, auth_files[i],
                                                NULL);
      g_remove (path);
    }
  g_rmdir (auth_dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, function)                                                   \
  g_test_add ("/server/interaction-log/" path, Fixture, NULL,                 \
              fixture_set_up, function, fixture_tear_down)

  ADD ("events-round-trip", test_events_round_trip);
  ADD ("chat-visible-to-classroom", test_chat_visible_to_classroom);
  ADD ("runs-kept-apart", test_runs_kept_apart);
  ADD ("survives-reopen", test_survives_reopen);
  ADD ("newer-schema-refused", test_newer_schema_refused);
  ADD ("unknown-row-refused", test_unknown_row_refused);
  ADD ("route-lists-runs", test_route_lists_runs);

#undef ADD
  return g_test_run ();
}
