/* Unit tests of the stats file, and of the agent program writing it when
 * it stops by itself (--duration) with no server to reach. */
#include "ss-agent-stats.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

static const char *const lead_fields[] = {
  "video_frames_encoded", "audio_frames_encoded", "keyframes_encoded",
};

static const char *const remote_fields[] = {
  "video_frames_decoded", "first_frame_ms", "audio_samples_decoded",
  "rtp_packets_received", "rtp_packets_lost", "subscribes",
  "floor_frames_decoded", "floor_audio_samples_decoded",
  "return_frames_encoded", "return_keyframes_encoded",
};

static json_t *
load_json_file (const char *path)
{
  json_error_t error;
  json_t *object = json_load_file (path, 0, &error);

  if (object == NULL)
    g_test_message ("%s: %s (line %d)", path, error.text, error.line);
  g_assert_nonnull (object);
  g_assert_true (json_is_object (object));
  return object;
}

static void
assert_integer_member (json_t *object, const char *name, json_int_t expected)
{
  json_t *member = json_object_get (object, name);

  g_test_message ("member %s", name);
  g_assert_true (json_is_integer (member));
  g_assert_cmpint (json_integer_value (member), ==, expected);
}

static void
test_remote_file_fields (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ss-agent-stats-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "stats.json", NULL);
  g_autoptr (SsAgentStats) stats = ss_agent_stats_new ();
  g_autoptr (GError) error = NULL;

  atomic_store (&stats->video_frames_decoded, 42);
  atomic_store (&stats->audio_samples_decoded, 96000);
  atomic_store (&stats->rtp_packets_received, 1234);
  atomic_store (&stats->rtp_packets_lost, -2);
  atomic_store (&stats->subscribes, 3);
  atomic_store (&stats->slot_frames_decoded[0], 42);
  atomic_store (&stats->slot_frames_decoded[1], 17);
  atomic_store (&stats->slot_audio_samples_decoded[0], 96000);
  atomic_store (&stats->slot_audio_samples_decoded[1], 48000);
  atomic_store (&stats->return_frames_encoded, 150);
  atomic_store (&stats->return_keyframes_encoded, 2);

  g_assert_true (ss_agent_stats_write_file (stats, SS_AGENT_ROLE_REMOTE,
                                            "room-7", "math.1", path, &error));
  g_assert_no_error (error);

  json_t *object = load_json_file (path);
  g_assert_cmpstr (json_string_value (json_object_get (object, "role")), ==,
                   "remote");
  g_assert_cmpstr (json_string_value (json_object_get (object, "classroom")),
                   ==, "room-7");
  g_assert_cmpstr (json_string_value (json_object_get (object, "lesson")), ==,
                   "math.1");
  assert_integer_member (object, "video_frames_decoded", 42);
  assert_integer_member (object, "first_frame_ms", -1);
  assert_integer_member (object, "audio_samples_decoded", 96000);
  assert_integer_member (object, "rtp_packets_received", 1234);
  assert_integer_member (object, "rtp_packets_lost", -2);
  assert_integer_member (object, "subscribes", 3);
  assert_integer_member (object, "floor_frames_decoded", 17);
  assert_integer_member (object, "floor_audio_samples_decoded", 48000);
  assert_integer_member (object, "return_frames_encoded", 150);
  assert_integer_member (object, "return_keyframes_encoded", 2);
  for (gsize i = 0; i < G_N_ELEMENTS (lead_fields); i++)
    g_assert_null (json_object_get (object, lead_fields[i]));
  json_decref (object);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_lead_file_fields (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ss-agent-stats-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "stats.json", NULL);
  g_autoptr (SsAgentStats) stats = ss_agent_stats_new ();
  g_autoptr (GError) error = NULL;

  atomic_store (&stats->video_frames_encoded, 300);
  atomic_store (&stats->audio_frames_encoded, 500);
  atomic_store (&stats->keyframes_encoded, 4);

  /* Overwriting an existing file replaces it whole. */
  g_assert_true (g_file_set_contents (path, "not json", -1, NULL));
  g_assert_true (ss_agent_stats_write_file (stats, SS_AGENT_ROLE_LEAD, "lead-1",
                                            "math.1", path, &error));
  g_assert_no_error (error);

  json_t *object = load_json_file (path);
  g_assert_cmpstr (json_string_value (json_object_get (object, "role")), ==,
                   "lead");
  assert_integer_member (object, "video_frames_encoded", 300);
  assert_integer_member (object, "audio_frames_encoded", 500);
  assert_integer_member (object, "keyframes_encoded", 4);
  for (gsize i = 0; i < G_N_ELEMENTS (remote_fields); i++)
    g_assert_null (json_object_get (object, remote_fields[i]));
  json_decref (object);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_return_feeds_json (void)
{
  g_autoptr (SsAgentStats) stats = ss_agent_stats_new ();
  const char *classrooms[] = { "R2", NULL, "R1" };

  atomic_store (&stats->slot_frames_decoded[0], 90);
  atomic_store (&stats->slot_frames_decoded[2], 12);
  atomic_store (&stats->slot_audio_samples_decoded[0], 144000);
  atomic_store (&stats->slot_audio_samples_decoded[2], 960);
  json_t *feeds = ss_agent_stats_return_feeds_to_json (stats, 3, classrooms);
  g_autofree char *text = json_dumps (feeds, JSON_COMPACT | JSON_SORT_KEYS);

  g_assert_cmpstr (text, ==,
                   "[{\"audio_samples_decoded\":144000,\"classroom\":\"R2\","
                   "\"frames_decoded\":90,\"slot\":0},"
                   "{\"audio_samples_decoded\":0,\"classroom\":null,"
                   "\"frames_decoded\":0,\"slot\":1},"
                   "{\"audio_samples_decoded\":960,\"classroom\":\"R1\","
                   "\"frames_decoded\":12,\"slot\":2}]");
  json_decref (feeds);

  json_t *none = ss_agent_stats_return_feeds_to_json (stats, 0, NULL);
  g_assert_cmpuint (json_array_size (none), ==, 0);
  json_decref (none);
}

static void
test_unwritable_path_fails (void)
{
  g_autoptr (SsAgentStats) stats = ss_agent_stats_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (ss_agent_stats_write_file (stats, SS_AGENT_ROLE_LEAD, "c",
                                             "l", "/nonexistent-dir/stats.json",
                                             &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* Runs the real program against a port where nothing listens: it must keep
 * retrying, stop after --duration, exit 0 and leave a complete file. */
static void
test_agent_duration_writes_file (void)
{
  const char *program = g_getenv ("SS_AGENT_PROGRAM");
  if (program == NULL) {
    g_test_skip ("SS_AGENT_PROGRAM is not set; run through meson test");
    return;
  }

  g_autofree char *dir = g_dir_make_tmp ("ss-agent-stats-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "stats.json", NULL);
  const char *argv[] = {
    program, "--role", "remote", "--server", "ws://127.0.0.1:9/ws",
    "--classroom", "room-9", "--lesson", "l-1", "--token", "unused",
    "--headless",
    "--stats-file", path, "--duration", "2", NULL,
  };
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  g_autoptr (GError) error = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                               NULL, NULL, &output, &errors, &status, &error));
  g_assert_no_error (error);
  g_test_message ("agent output: %s", errors);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);

  json_t *object = load_json_file (path);
  g_assert_cmpstr (json_string_value (json_object_get (object, "role")), ==,
                   "remote");
  g_assert_cmpstr (json_string_value (json_object_get (object, "classroom")),
                   ==, "room-9");
  g_assert_cmpstr (json_string_value (json_object_get (object, "lesson")), ==,
                   "l-1");
  for (gsize i = 0; i < G_N_ELEMENTS (remote_fields); i++) {
    g_test_message ("member %s", remote_fields[i]);
    g_assert_true (json_is_integer (json_object_get (object, remote_fields[i])));
  }
  assert_integer_member (object, "subscribes", 0);
  assert_integer_member (object, "first_frame_ms", -1);
  json_decref (object);

  /* Reconnect attempts are logged, so the backoff ran. */
  g_assert_nonnull (strstr (errors, "Reconnecting to ws://127.0.0.1:9/ws"));

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Without --role on the command line or a configuration file, the agent
 * runs as a remote, as a file without role does. */
static void
test_agent_role_defaults_to_remote (void)
{
  const char *program = g_getenv ("SS_AGENT_PROGRAM");
  if (program == NULL) {
    g_test_skip ("SS_AGENT_PROGRAM is not set; run through meson test");
    return;
  }

  g_autofree char *dir = g_dir_make_tmp ("ss-agent-role-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "stats.json", NULL);
  const char *argv[] = {
    program, "--server", "ws://127.0.0.1:9/ws", "--classroom", "room-9",
    "--lesson", "l-1", "--token", "unused", "--headless", "--return-source",
    "none", "--stats-file", path, "--duration", "1", NULL,
  };
  g_autofree char *errors = NULL;
  g_autoptr (GError) error = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                               NULL, NULL, NULL, &errors, &status, &error));
  g_assert_no_error (error);
  g_test_message ("agent output: %s", errors);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (errors, "starting as remote"));

  json_t *object = load_json_file (path);
  g_assert_cmpstr (json_string_value (json_object_get (object, "role")), ==,
                   "remote");
  json_decref (object);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_agent_rejects_bad_role (void)
{
  const char *program = g_getenv ("SS_AGENT_PROGRAM");
  if (program == NULL) {
    g_test_skip ("SS_AGENT_PROGRAM is not set; run through meson test");
    return;
  }

  const char *argv[] = {
    program, "--role", "teacher", "--server", "ws://127.0.0.1:9/ws",
    "--classroom", "c", "--lesson", "l", NULL,
  };
  g_autofree char *errors = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                               NULL, NULL, NULL, &errors, &status, NULL));
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_nonnull (strstr (errors, "teacher"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/agent/stats/remote-file-fields", test_remote_file_fields);
  g_test_add_func ("/agent/stats/lead-file-fields", test_lead_file_fields);
  g_test_add_func ("/agent/stats/return-feeds-json", test_return_feeds_json);
  g_test_add_func ("/agent/stats/unwritable-path-fails", test_unwritable_path_fails);
  g_test_add_func ("/agent/program/duration-writes-stats", test_agent_duration_writes_file);
  g_test_add_func ("/agent/program/role-defaults-to-remote",
                   test_agent_role_defaults_to_remote);
  g_test_add_func ("/agent/program/rejects-bad-role", test_agent_rejects_bad_role);

  return g_test_run ();
}
