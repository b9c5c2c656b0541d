/* Tests of the server's socket-free helpers: the outgoing queue, message
 * reassembly and the settings. */
#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>

#include "ss-message-assembler.h"
#include "ss-send-queue.h"
#include "ss-server-config.h"

static void
test_send_queue_order_and_headroom (void)
{
  g_autoptr (SsSendQueue) queue = ss_send_queue_new (16, 4, 100);

  g_assert_true (ss_send_queue_push (queue, "first", 5));
  g_assert_true (ss_send_queue_push (queue, "second", 6));
  g_assert_cmpuint (ss_send_queue_get_length (queue), ==, 2);
  g_assert_cmpuint (ss_send_queue_get_bytes (queue), ==, 11);

  gsize length = 0;
  guint8 *payload = ss_send_queue_peek (queue, &length);
  g_assert_cmpmem (payload, length, "first", 5);
  /* The headroom in front of the payload is writable. */
  memset (payload - 16, 0xAA, 16);

  ss_send_queue_pop (queue);
  payload = ss_send_queue_peek (queue, &length);
  g_assert_cmpmem (payload, length, "second", 6);

  ss_send_queue_pop (queue);
  g_assert_null (ss_send_queue_peek (queue, &length));
  g_assert_cmpuint (length, ==, 0);
  g_assert_cmpuint (ss_send_queue_get_bytes (queue), ==, 0);
}

static void
test_send_queue_limits (void)
{
  g_autoptr (SsSendQueue) by_count = ss_send_queue_new (0, 2, 1000);
  g_assert_true (ss_send_queue_push (by_count, "a", 1));
  g_assert_true (ss_send_queue_push (by_count, "b", 1));
  g_assert_false (ss_send_queue_push (by_count, "c", 1));
  g_assert_cmpuint (ss_send_queue_get_length (by_count), ==, 2);

  g_autoptr (SsSendQueue) by_bytes = ss_send_queue_new (0, 100, 10);
  g_assert_true (ss_send_queue_push (by_bytes, "0123456", 7));
  g_assert_false (ss_send_queue_push (by_bytes, "0123", 4));
  g_assert_true (ss_send_queue_push (by_bytes, "012", 3));
  g_assert_false (ss_send_queue_push (by_bytes, "", 1));
  g_assert_cmpuint (ss_send_queue_get_bytes (by_bytes), ==, 10);
}

static void
test_assembler_fragments (void)
{
  g_autoptr (SsMessageAssembler) assembler = ss_message_assembler_new (10);
  g_assert_true (ss_message_assembler_is_empty (assembler));

  g_assert_cmpint (ss_message_assembler_add (assembler, "{\"a\"", 4, FALSE),
                   ==, SS_ASSEMBLE_INCOMPLETE);
  g_assert_false (ss_message_assembler_is_empty (assembler));
  g_assert_cmpint (ss_message_assembler_add (assembler, "", 0, FALSE), ==,
                   SS_ASSEMBLE_INCOMPLETE);
  g_assert_cmpint (ss_message_assembler_add (assembler, ":1}", 3, TRUE), ==,
                   SS_ASSEMBLE_COMPLETE);

  gsize length = 0;
  const char *data = ss_message_assembler_get_data (assembler, &length);
  g_assert_cmpuint (length, ==, 7);
  g_assert_cmpstr (data, ==, "{\"a\":1}");

  ss_message_assembler_reset (assembler);
  g_assert_true (ss_message_assembler_is_empty (assembler));
  g_assert_cmpint (ss_message_assembler_add (assembler, "{}", 2, TRUE), ==,
                   SS_ASSEMBLE_COMPLETE);
  data = ss_message_assembler_get_data (assembler, &length);
  g_assert_cmpstr (data, ==, "{}");
}

static void
test_assembler_limit (void)
{
  g_autoptr (SsMessageAssembler) assembler = ss_message_assembler_new (10);

  /* Exactly the limit is accepted. */
  g_assert_cmpint (ss_message_assembler_add (assembler, "01234", 5, FALSE),
                   ==, SS_ASSEMBLE_INCOMPLETE);
  g_assert_cmpint (ss_message_assembler_add (assembler, "56789", 5, TRUE),
                   ==, SS_ASSEMBLE_COMPLETE);
  ss_message_assembler_reset (assembler);

  g_assert_cmpint (ss_message_assembler_add (assembler, "0123456789", 10,
                                             FALSE),
                   ==, SS_ASSEMBLE_INCOMPLETE);
  g_assert_cmpint (ss_message_assembler_add (assembler, "x", 1, FALSE), ==,
                   SS_ASSEMBLE_TOO_LARGE);
  /* The rest of an oversized message stays rejected, even its last bytes. */
  g_assert_cmpint (ss_message_assembler_add (assembler, "", 0, TRUE), ==,
                   SS_ASSEMBLE_TOO_LARGE);

  ss_message_assembler_reset (assembler);
  g_assert_cmpint (ss_message_assembler_add (assembler, "{}", 2, TRUE), ==,
                   SS_ASSEMBLE_COMPLETE);
}

/* Runs the option parser over @arguments (without the program name). */
static gboolean
load_config (SsServerConfig *config, const char *const *arguments,
             GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_strv_builder_add (builder, "shuangshi-server");
  g_strv_builder_addv (builder, (const char **) arguments);
  g_auto (GStrv) argv = g_strv_builder_end (builder);

  /* GOption takes entries out of argv; keep the array to free it whole. */
  g_autofree char **view = g_memdup2 (argv, sizeof (char *)
                                                * (g_strv_length (argv) + 1));
  int argc = g_strv_length (argv);
  return ss_server_config_load (config, &argc, &view, error);
}

static void
test_config_defaults (void)
{
  g_autoptr (SsServerConfig) config = ss_server_config_new ();
  g_autoptr (GError) error = NULL;
  const char *const none[] = { NULL };

  g_assert_true (load_config (config, none, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen_host, ==, "127.0.0.1");
  g_assert_cmpuint (config->listen_port, ==, 8443);
  g_assert_cmpstr (config->data_dir, ==, "./shuangshi-data");
  g_assert_true (g_str_has_suffix (config->web_root, "/shuangshi/web"));
  g_assert_cmpstr (config->relay_bind, ==, "127.0.0.1");
  g_assert_null (config->relay_announce);
  g_assert_cmpuint (config->relay_port, ==, 40000);
  g_assert_cmpuint (config->relay_workers, ==, 0);
  g_assert_false (config->verbose);
}

static void
test_config_command_line_wins (void)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("ss-server-XXXXXX.conf", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path,
      "[server]\nlisten=127.0.0.2:9000\ndata_dir=/tmp/from-file\n"
      "web_root=/srv/page-from-file\n"
      "[relay]\nbind=0.0.0.0\nannounce=10.0.0.1;10.0.0.2\nport=41000\n"
      "workers=3\n", -1, NULL));

  g_autoptr (SsServerConfig) config = ss_server_config_new ();
  g_autoptr (GError) error = NULL;
  const char *const arguments[] = {
    "--config", path, "--listen", "[::1]:9443", "--relay-workers", "2",
    "--relay-announce", "192.0.2.1", "--verbose", "--web-root",
    "/srv/page", NULL,
  };

  g_assert_true (load_config (config, arguments, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen_host, ==, "::1");
  g_assert_cmpuint (config->listen_port, ==, 9443);
  g_assert_cmpstr (config->data_dir, ==, "/tmp/from-file");
  g_assert_cmpstr (config->web_root, ==, "/srv/page");
  g_assert_cmpstr (config->relay_bind, ==, "0.0.0.0");
  g_assert_cmpuint (g_strv_length (config->relay_announce), ==, 1);
  g_assert_cmpstr (config->relay_announce[0], ==, "192.0.2.1");
  g_assert_cmpuint (config->relay_port, ==, 41000);
  g_assert_cmpuint (config->relay_workers, ==, 2);
  g_assert_true (config->verbose);

  g_unlink (path);
}

static void
test_config_rejects_bad_values (void)
{
  const char *const bad[][3] = {
    { "--listen", "localhost:8443", NULL },
    { "--listen", "127.0.0.1", NULL },
    { "--listen", "127.0.0.1:0", NULL },
    { "--listen", "127.0.0.1:65536", NULL },
    { "--listen", "::1:8443", NULL },
    { "--relay-port", "0", NULL },
    { "--relay-port", "70000", NULL },
    { "--relay-workers", "-1", NULL },
    { "--relay-bind", "eth0", NULL },
    { "--relay-bind", "0.0.0.0", NULL },
    { "--relay-announce", "example.org", NULL },
    { "--data-dir", "", NULL },
    { "--web-root", "", NULL },
    { "--no-such-option", NULL, NULL },
    { "stray-argument", NULL, NULL },
    { "--config", "/nonexistent/shuangshi.conf", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (SsServerConfig) config = ss_server_config_new ();
      g_autoptr (GError) error = NULL;

      if (load_config (config, bad[i], &error))
        g_error ("accepted %s %s", bad[i][0], bad[i][1]);
      g_assert_nonnull (error);
    }
}

static void
test_config_bad_file (void)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("ss-server-XXXXXX.conf", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path, "[relay]\nport=many\n", -1,
                                      NULL));

  g_autoptr (SsServerConfig) config = ss_server_config_new ();
  g_autoptr (GError) error = NULL;
  const char *const arguments[] = { "--config", path, NULL };

  g_assert_false (load_config (config, arguments, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/send-queue/order-and-headroom",
                   test_send_queue_order_and_headroom);
  g_test_add_func ("/server/send-queue/limits", test_send_queue_limits);
  g_test_add_func ("/server/assembler/fragments", test_assembler_fragments);
  g_test_add_func ("/server/assembler/limit", test_assembler_limit);
  g_test_add_func ("/server/config/defaults", test_config_defaults);
  g_test_add_func ("/server/config/command-line-wins",
                   test_config_command_line_wins);
  g_test_add_func ("/server/config/rejects-bad-values",
                   test_config_rejects_bad_values);
  g_test_add_func ("/server/config/bad-file", test_config_bad_file);

  return g_test_run ();
}
