/* shuangshi-server: the lesson server with its embedded relay.
 *
 * Reads the settings, creates the data directory, starts the relay workers,
 * the signaling core and the HTTP/websocket listener on one GLib main loop,
 * and on SIGINT or SIGTERM closes every connection, frees the relay and
 * exits 0.
 */
#define G_LOG_DOMAIN "ss-server"

#include "ss-config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "ss-auth.h"
#include "ss-i18n.h"
#include "ss-interaction-routes.h"
#include "ss-lesson-policy.h"
#include "ss-lesson-timer.h"
#include "ss-live-stats.h"
#include "ss-relay.h"
#include "ss-server-config.h"
#include "ss-signaling-interaction.h"
#include "ss-signaling.h"
#include "ss-timetable-routes.h"
#include "ss-ws-server.h"

#define EXIT_USAGE 2

static const SsSignalingRelayOps relay_ops = {
  .publish = ss_relay_publish,
  .subscribe = ss_relay_subscribe,
  .set_sources = ss_relay_set_sources,
  .close_peer = ss_relay_close_peer,
  .close_lesson = ss_relay_close_lesson,
  .error_quark = ss_relay_error_quark,
};

static void
on_relay_peer_event (SsRelay *relay,
                     const char *lesson_id,
                     const char *peer_id,
                     SsRelayPeerEvent event,
                     const char *reason,
                     gpointer user_data)
{
  SsSignaling **signaling = user_data;
  if (*signaling != NULL)
    ss_signaling_handle_peer_event (*signaling, lesson_id, peer_id, event,
                                    reason);
}

static void
on_timetable_changed (gpointer user_data)
{
  ss_lesson_timer_rearm (user_data);
}

static gboolean
on_stop_signal (gpointer user_data)
{
  g_message ("stop signal received, closing every connection");
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static SsRelay *
start_relay (const SsServerConfig *config,
             SsSignaling **signaling,
             GError **error)
{
  const SsRelayConfig relay_config = {
    .bind_address = config->relay_bind,
    .announced_addresses = (const char *const *) config->relay_announce,
    .port_base = config->relay_port,
    .n_workers = config->relay_workers,
  };
  return ss_relay_new (&relay_config, on_relay_peer_event, signaling, error);
}

int
main (int argc, char **argv)
{
  ss_i18n_init ();

  g_autoptr (SsServerConfig) config = ss_server_config_new ();
  g_autoptr (GError) error = NULL;
  if (!ss_server_config_load (config, &argc, &argv, &error))
    {
      g_printerr ("shuangshi-server: %s\n", error->message);
      return EXIT_USAGE;
    }

  if (config->verbose)
    g_log_set_debug_enabled (TRUE);

  if (g_mkdir_with_parents (config->data_dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_printerr (_("shuangshi-server: cannot create the data directory %s: "
                    "%s\n"),
                  config->data_dir, g_strerror (saved_errno));
      return EXIT_FAILURE;
    }

  g_autoptr (SsAuth) auth = ss_auth_new (config->data_dir, &error);
  if (auth == NULL)
    {
      g_printerr (_("shuangshi-server: cannot load the token key: %s\n"),
                  error->message);
      return EXIT_FAILURE;
    }

  g_autofree char *timetable_path = g_build_filename (config->data_dir,
                                                     "timetable.db", NULL);
  g_autoptr (SsTimetable) timetable = ss_timetable_open (timetable_path,
                                                         &error);
  if (timetable == NULL)
    {
      g_printerr (_("shuangshi-server: cannot open the timetable: %s\n"),
                  error->message);
      return EXIT_FAILURE;
    }

  /* The log keeps its own tables in the timetable's file; the core owns
   * it once created, and the admin API borrows it. */
  g_autoptr (SsInteractionLog) interaction_log =
      ss_interaction_log_open (timetable_path, &error);
  if (interaction_log == NULL)
    {
      g_printerr (_("shuangshi-server: cannot open the interaction log: "
                    "%s\n"),
                  error->message);
      return EXIT_FAILURE;
    }
  SsInteractionLog *interaction_log_view = interaction_log;

  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (SsWsServer) ws_server = ss_ws_server_new (
      config->listen_host, config->listen_port, loop, &error);
  if (ws_server == NULL)
    {
      g_printerr ("shuangshi-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* The relay reports peer events through this slot. It contains the core
   * once the core exists, because the core needs the relay first. */
  SsSignaling *signaling = NULL;
  g_autoptr (SsRelay) relay = start_relay (config, &signaling, &error);
  if (relay == NULL)
    {
      g_printerr (_("shuangshi-server: cannot start the relay: %s\n"),
                  error->message);
      return EXIT_FAILURE;
    }

  g_autoptr (SsLessonPolicy) lesson_policy = ss_lesson_policy_new (
      timetable, auth, config->lesson_grace_s);
  g_autofree char *server_name = g_strdup ("shuangshi-server/" SS_VERSION);
  const SsSignalingConfig signaling_config = {
    .relay_ops = &relay_ops,
    .relay = relay,
    .send_func = ss_ws_server_send_message,
    .send_data = ws_server,
    .close_func = ss_ws_server_close_connection,
    .policy = ss_lesson_policy_get_hooks (),
    .policy_data = lesson_policy,
    .server_name = server_name,
  };
  signaling = ss_signaling_new (&signaling_config);
  ss_signaling_set_interaction_log (signaling,
                                    g_steal_pointer (&interaction_log));
  ss_ws_server_set_signaling (ws_server, signaling);
  ss_ws_server_set_web_root (ws_server, config->web_root);

  /* Lessons that were live when the server stopped are live again before
   * the first agent reconnects. The first step then ends those whose time
   * passed while the server was down. */
  ss_lesson_policy_set_signaling (lesson_policy, signaling);
  if (ss_lesson_policy_restore (lesson_policy, &error) < 0)
    {
      g_printerr (_("shuangshi-server: cannot read the live lessons: %s\n"),
                  error->message);
      return EXIT_FAILURE;
    }
  g_autoptr (SsLessonTimer) lesson_timer =
      ss_lesson_timer_new (lesson_policy, g_main_loop_get_context (loop));
  ss_lesson_timer_rearm (lesson_timer);

  SsAdminApi *admin_api = ss_ws_server_get_admin_api (ws_server);
  ss_admin_api_set_auth (admin_api, auth);
  g_autoptr (SsLiveStats) live_stats = ss_live_stats_new (
      signaling, relay, ss_relay_get_stats, server_name);
  ss_live_stats_add_routes (live_stats, admin_api);
  g_autoptr (SsTimetableRoutes) timetable_routes =
      ss_timetable_routes_new (timetable, auth, on_timetable_changed,
                               lesson_timer);
  ss_timetable_routes_register (timetable_routes, admin_api);
  ss_interaction_routes_register (interaction_log_view, admin_api);

  guint sigint_id = g_unix_signal_add (SIGINT, on_stop_signal, loop);
  guint sigterm_id = g_unix_signal_add (SIGTERM, on_stop_signal, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  /* Connections first, so each session closes its relay peer; then the
   * relay, so no answer reaches a freed core. */
  g_clear_pointer (&ws_server, ss_ws_server_free);
  g_clear_pointer (&live_stats, ss_live_stats_free);
  g_clear_pointer (&relay, ss_relay_free);
  g_clear_pointer (&lesson_timer, ss_lesson_timer_free);
  g_clear_pointer (&signaling, ss_signaling_free);
  g_message ("stopped");
  return EXIT_SUCCESS;
}
