/* Tests of the agent's configuration file, token file and waiting screen
 * text. */
#include <glib/gstdio.h>
#include <string.h>

#include "ss-agent-config-file.h"
#include "ss-agent-waiting.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  fixture->dir = g_dir_make_tmp ("ss-agent-config-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->path = g_build_filename (fixture->dir, "agent.conf", NULL);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static void
write_file (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static void
test_config_all_keys (Fixture *fixture, gconstpointer data)
{
  write_file (fixture->path,
              "[agent]\n"
              "server=ws://127.0.0.1:8443/ws\n"
              "classroom=town-3\n"
              "role=lead\n"
              "lesson=math-7\n"
              "token_file=town-3.token\n"
              "auto_start=true\n"
              "source=test\n"
              "headless=true\n"
              "stats_file=/tmp/s.json\n"
              "ice_address=127.0.0.1;127.0.0.2\n"
              "return_source=v4l2:/dev/video1\n"
              "return_slots=6\n");

  g_auto (SsAgentConfigFile) file = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (ss_agent_config_file_load (fixture->path, &file, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (file.server, ==, "ws://127.0.0.1:8443/ws");
  g_assert_cmpstr (file.classroom, ==, "town-3");
  g_assert_cmpstr (file.role, ==, "lead");
  g_assert_cmpstr (file.lesson, ==, "math-7");
  g_assert_null (file.token);
  g_assert_cmpstr (file.source, ==, "test");
  g_assert_cmpstr (file.stats_file, ==, "/tmp/s.json");
  g_assert_true (file.has_headless);
  g_assert_true (file.headless);
  g_assert_true (file.has_auto_start);
  g_assert_true (file.auto_start);
  g_assert_cmpuint (g_strv_length (file.ice_addresses), ==, 2);
  g_assert_cmpstr (file.ice_addresses[1], ==, "127.0.0.2");
  g_assert_cmpstr (file.return_source, ==, "v4l2:/dev/video1");
  g_assert_true (file.has_return_slots);
  g_assert_cmpint (file.return_slots, ==, 6);

  /* A relative token file is next to the configuration file. */
  g_autofree char *expected = g_build_filename (fixture->dir, "town-3.token",
                                                NULL);
  g_assert_cmpstr (file.token_file, ==, expected);
}

static void
test_config_minimal (Fixture *fixture, gconstpointer data)
{
  write_file (fixture->path,
              "[agent]\nserver=ws://127.0.0.1:1/ws\nclassroom=c\n"
              "token=abc\n");

  g_auto (SsAgentConfigFile) file = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (ss_agent_config_file_load (fixture->path, &file, &error));
  g_assert_cmpstr (file.token, ==, "abc");
  g_assert_null (file.role);
  g_assert_null (file.lesson);
  g_assert_false (file.has_headless);
  g_assert_false (file.has_auto_start);
  g_assert_null (file.ice_addresses);
  g_assert_null (file.return_source);
  g_assert_false (file.has_return_slots);
}

static void
test_config_unknown_key (Fixture *fixture, gconstpointer data)
{
  write_file (fixture->path, "[agent]\nserver=x\nclasroom=c\n");

  g_auto (SsAgentConfigFile) file = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (ss_agent_config_file_load (fixture->path, &file, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "clasroom"));
}

static void
test_config_errors (Fixture *fixture, gconstpointer data)
{
  g_auto (SsAgentConfigFile) no_group = { 0 };
  g_autoptr (GError) group_error = NULL;
  write_file (fixture->path, "[server]\nlisten=x\n");
  g_assert_false (ss_agent_config_file_load (fixture->path, &no_group,
                                             &group_error));
  g_assert_error (group_error, G_KEY_FILE_ERROR,
                  G_KEY_FILE_ERROR_GROUP_NOT_FOUND);

  g_auto (SsAgentConfigFile) bad_boolean = { 0 };
  g_autoptr (GError) boolean_error = NULL;
  write_file (fixture->path, "[agent]\nheadless=maybe\n");
  g_assert_false (ss_agent_config_file_load (fixture->path, &bad_boolean,
                                             &boolean_error));
  g_assert_error (boolean_error, G_KEY_FILE_ERROR,
                  G_KEY_FILE_ERROR_INVALID_VALUE);

  static const char *const bad_slots[] = { "9", "-1", "four", "" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad_slots); i++)
    {
      g_auto (SsAgentConfigFile) file = { 0 };
      g_autoptr (GError) slots_error = NULL;
      g_autofree char *text = g_strdup_printf ("[agent]\nreturn_slots=%s\n",
                                               bad_slots[i]);
      write_file (fixture->path, text);
      g_assert_false (ss_agent_config_file_load (fixture->path, &file,
                                                 &slots_error));
      g_assert_error (slots_error, G_KEY_FILE_ERROR,
                      G_KEY_FILE_ERROR_INVALID_VALUE);
      g_assert_nonnull (strstr (slots_error->message, "return_slots"));
    }

  g_auto (SsAgentConfigFile) missing = { 0 };
  g_autoptr (GError) missing_error = NULL;
  g_autofree char *nowhere = g_build_filename (fixture->dir, "none.conf",
                                               NULL);
  g_assert_false (ss_agent_config_file_load (nowhere, &missing,
                                             &missing_error));
  g_assert_error (missing_error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_token_file (Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "t.token", NULL);
  g_autoptr (GError) error = NULL;

  write_file (path, "  eyJ.abc.def \nsecond line\n");
  g_autofree char *token = ss_agent_read_token_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "eyJ.abc.def");

  write_file (path, " \n");
  g_autofree char *empty = ss_agent_read_token_file (path, &error);
  g_assert_null (empty);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
}

static void
test_waiting_text (void)
{
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (8 * 3600);
  g_autoptr (GDateTime) morning = g_date_time_new (zone, 2025, 3, 3, 9, 0, 0);

  /* LC_ALL=C: the English source strings. */
  g_autofree char *same_day = ss_waiting_screen_format (
      "Math", "2025-03-03T14:00:00+08:00", morning);
  g_assert_cmpstr (same_day, ==, "Next lesson: Math 14:00");

  g_autofree char *next_day = ss_waiting_screen_format (
      "Math", "2025-03-04T08:00:00+08:00", morning);
  g_assert_cmpstr (next_day, ==, "Next lesson: Math 03-04 08:00");

  g_autofree char *none = ss_waiting_screen_format (NULL, NULL, morning);
  g_assert_cmpstr (none, ==, "No lesson is scheduled");

  /* The time stays in the lesson's offset when this PC is in UTC. */
  g_autoptr (GDateTime) utc_morning = g_date_time_new_utc (2025, 3, 3, 1, 0, 0);
  g_autofree char *from_utc = ss_waiting_screen_format (
      "Math", "2025-03-03T14:00:00+08:00", utc_morning);
  g_assert_cmpstr (from_utc, ==, "Next lesson: Math 14:00");

  g_autoptr (GDateTime) afternoon =
      g_date_time_new (zone, 2025, 3, 3, 14, 10, 0);
  g_autofree char *running = ss_waiting_screen_format (
      "Math", "2025-03-03T14:00:00+08:00", afternoon);
  g_assert_cmpstr (running, ==, "Lesson in progress: Math since 14:00");

  g_autofree char *bad_time = ss_waiting_screen_format ("Math", "14:00",
                                                        morning);
  g_assert_cmpstr (bad_time, ==, "Next lesson: Math");
}

static void
test_waiting_headless (void)
{
  g_autoptr (SsWaitingScreen) screen = ss_waiting_screen_new (TRUE);
  g_assert_false (ss_waiting_screen_is_shown (screen));
  g_assert_null (ss_waiting_screen_get_text (screen));

  ss_waiting_screen_show (screen, "Next lesson: Math 14:00");
  g_assert_true (ss_waiting_screen_is_shown (screen));
  g_assert_cmpstr (ss_waiting_screen_get_text (screen), ==,
                   "Next lesson: Math 14:00");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/agent/config/all-keys", Fixture, NULL, fixture_set_up,
              test_config_all_keys, fixture_tear_down);
  g_test_add ("/agent/config/minimal", Fixture, NULL, fixture_set_up,
              test_config_minimal, fixture_tear_down);
  g_test_add ("/agent/config/unknown-key", Fixture, NULL, fixture_set_up,
              test_config_unknown_key, fixture_tear_down);
  g_test_add ("/agent/config/errors", Fixture, NULL, fixture_set_up,
              test_config_errors, fixture_tear_down);
  g_test_add ("/agent/config/token-file", Fixture, NULL, fixture_set_up,
              test_token_file, fixture_tear_down);
  g_test_add_func ("/agent/waiting/text", test_waiting_text);
  g_test_add_func ("/agent/waiting/headless", test_waiting_headless);

  return g_test_run ();
}
