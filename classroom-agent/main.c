/* shuangshi-agent: command line, signals and the main loop around SsAgent. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent.h"
#include "ss-agent-config-file.h"
#include "ss-config.h"
#include "ss-i18n.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <signal.h>
#include <stdio.h>

typedef struct {
  char *role;
  char *server;
  char *classroom;
  char *lesson;
  char *source;
  gboolean headless;
  char *stats_file;
  char **ice_addresses;
  int duration_s;
  int simulcast_layers;
  char *video_size;
  char *config_path;
  char *token;
  char *token_file;
  gboolean auto_start;
  char *return_source;
  /* G_MININT until the command line or the configuration file sets it. */
  int return_slots;
  gboolean console;
} SsAgentOptions;

static void
ss_agent_options_clear (SsAgentOptions *options)
{
  g_free (options->role);
  g_free (options->server);
  g_free (options->classroom);
  g_free (options->lesson);
  g_free (options->source);
  g_free (options->stats_file);
  g_strfreev (options->ice_addresses);
  g_free (options->video_size);
  g_free (options->config_path);
  g_free (options->token);
  g_free (options->token_file);
  g_free (options->return_source);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SsAgentOptions, ss_agent_options_clear)

static gboolean
parse_options (int *argc, char ***argv, SsAgentOptions *options,
               GError **error)
{
  const GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &options->config_path,
      N_("Configuration file with an [agent] group; the other options "
         "override its values"), "FILE" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &options->token,
      N_("The classroom's token, as \"shuangshi classroom add\" prints it"),
      "TOKEN" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &options->token_file,
      N_("File whose first line is the classroom's token"), "PATH" },
    { "auto-start", 0, 0, G_OPTION_ARG_NONE, &options->auto_start,
      N_("Lead: publish when the server announces the lesson's start"),
      NULL },
    { "role", 0, 0, G_OPTION_ARG_STRING, &options->role,
      N_("Classroom role: lead or remote (default: remote)"), "ROLE" },
    { "server", 0, 0, G_OPTION_ARG_STRING, &options->server,
      N_("Signaling server URL, for example ws://127.0.0.1:8443/ws"), "URL" },
    { "classroom", 0, 0, G_OPTION_ARG_STRING, &options->classroom,
      N_("Classroom ID"), "ID" },
    { "lesson", 0, 0, G_OPTION_ARG_STRING, &options->lesson,
      N_("Lesson ID"), "ID" },
    { "source", 0, 0, G_OPTION_ARG_STRING, &options->source,
      N_("Lead media source: file:PATH, test or camera (default: test)"),
      "SOURCE" },
    { "headless", 0, 0, G_OPTION_ARG_NONE, &options->headless,
      N_("Decode without showing video or playing audio"), NULL },
    { "stats-file", 0, 0, G_OPTION_ARG_FILENAME, &options->stats_file,
      N_("Write statistics as JSON to this file every second"), "PATH" },
    { "ice-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->ice_addresses,
      N_("Local IP address for media (repeatable; default: the address "
         "used to reach the server)"), "ADDR" },
    { "simulcast-layers", 0, 0, G_OPTION_ARG_INT, &options->simulcast_layers,
      N_("Lead: video layers to send, 1 to 3, each half the size of the one "
         "above (default: 3)"),
      "N" },
    { "video-size", 0, 0, G_OPTION_ARG_STRING, &options->video_size,
      N_("Lead: size of the top video layer, which the source is scaled to "
         "(default: 1280x720)"),
      "WxH" },
    { "return-source", 0, 0, G_OPTION_ARG_STRING, &options->return_source,
      N_("Remote: the classroom's return feed to the lead: test (a test "
         "picture and tone), auto (the camera if there is one, otherwise "
         "test), none, or v4l2:/dev/videoN (default: auto)"),
      "SOURCE" },
    { "return-slots", 0, 0, G_OPTION_ARG_INT, &options->return_slots,
      N_("Lead: how many remote classrooms' return feeds to receive at "
         "once, 0 to 8; 0 receives none (default: 4)"),
      "N" },
    { "console", 0, 0, G_OPTION_ARG_NONE, &options->console,
      N_("Read interaction commands (chat, call, phase, ...) from standard "
         "input, one per line; type help for the list"),
      NULL },
    { "duration", 0, 0, G_OPTION_ARG_INT, &options->duration_s,
      N_("Stop after this many seconds (default: run until stopped)"),
      "SECONDS" },
    { NULL },
  };

  g_autoptr (GOptionContext) context =
      g_option_context_new (_("- classroom agent for live two-teacher lessons"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (context, gst_init_get_option_group ());

  return g_option_context_parse (context, argc, argv, error);
}

static void
take_string (char **option, char **file_value)
{
  if (*option == NULL)
    *option = g_steal_pointer (file_value);
}

/* Fills the options the command line left unset from the configuration
 * file, and reads the token file. */
static gboolean
apply_config_file (SsAgentOptions *options, GError **error)
{
  g_auto (SsAgentConfigFile) file = { 0 };
  if (options->config_path != NULL
      && !ss_agent_config_file_load (options->config_path, &file, error))
    return FALSE;

  take_string (&options->server, &file.server);
  take_string (&options->classroom, &file.classroom);
  take_string (&options->role, &file.role);
  take_string (&options->lesson, &file.lesson);
  take_string (&options->source, &file.source);
  take_string (&options->stats_file, &file.stats_file);
  take_string (&options->return_source, &file.return_source);
  if (options->return_slots == G_MININT && file.has_return_slots)
    options->return_slots = file.return_slots;
  if (options->ice_addresses == NULL)
    options->ice_addresses = g_steal_pointer (&file.ice_addresses);
  if (!options->headless && file.has_headless)
    options->headless = file.headless;
  if (!options->auto_start && file.has_auto_start)
    options->auto_start = file.auto_start;

  /* A token on the command line wins over any token in the file. */
  if (options->token == NULL && options->token_file == NULL) {
    take_string (&options->token, &file.token);
    take_string (&options->token_file, &file.token_file);
  }
  if (options->token == NULL && options->token_file != NULL) {
    options->token = ss_agent_read_token_file (options->token_file, error);
    if (options->token == NULL)
      return FALSE;
  }

  /* An agent is a remote unless the command line or the file says lead,
   * as most classroom PCs are remotes. */
  if (options->role == NULL)
    options->role = g_strdup ("remote");
  return TRUE;
}

static gboolean
fill_config (const SsAgentOptions *options, SsAgentConfig *config,
             char **source_path, char **return_device, GError **error)
{
  if (g_strcmp0 (options->role, "lead") == 0) {
    config->role = SS_AGENT_ROLE_LEAD;
  } else if (g_strcmp0 (options->role, "remote") == 0) {
    config->role = SS_AGENT_ROLE_REMOTE;
  } else {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("Invalid --role \"%s\": use lead or remote"),
                 options->role);
    return FALSE;
  }

  if (options->server == NULL || options->classroom == NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         _("Missing option: --server and --classroom are "
                           "required, on the command line or in the "
                           "--config file"));
    return FALSE;
  }

  if (config->role == SS_AGENT_ROLE_LEAD && options->lesson == NULL
      && !options->auto_start) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         _("Missing option: a lead needs --lesson, "
                           "--auto-start, or both"));
    return FALSE;
  }

  if (options->token == NULL) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         _("Missing token: give --token, --token-file, or "
                           "token or token_file in the --config file"));
    return FALSE;
  }

  if (options->duration_s < 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("Invalid --duration %d: expected 0 or more seconds"),
                 options->duration_s);
    return FALSE;
  }

  if (options->simulcast_layers < 1 || options->simulcast_layers > SS_LEAD_MAX_LAYERS) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("Invalid --simulcast-layers %d: expected 1 to %d"),
                 options->simulcast_layers, SS_LEAD_MAX_LAYERS);
    return FALSE;
  }

  gint width = 0, height = 0;
  if (options->video_size != NULL) {
    char *end = NULL;
    gint64 w = g_ascii_strtoll (options->video_size, &end, 10);
    gint64 h = (end != NULL && *end == 'x') ? g_ascii_strtoll (end + 1, &end, 10) : 0;
    if (w < 16 || h < 16 || w > 3840 || h > 2160 || end == NULL || *end != '\0') {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Invalid --video-size \"%s\": expected WIDTHxHEIGHT, "
                     "for example 1280x720"),
                   options->video_size);
      return FALSE;
    }
    width = (gint) w;
    height = (gint) h;
  }

  int return_slots = options->return_slots == G_MININT
                     ? SS_AGENT_DEFAULT_RETURN_SLOTS : options->return_slots;
  if (return_slots < 0 || return_slots > SS_AGENT_MAX_SLOTS) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("Invalid --return-slots %d: expected 0 to %d"),
                 return_slots, SS_AGENT_MAX_SLOTS);
    return FALSE;
  }

  SsLeadSourceKind kind = SS_LEAD_SOURCE_TEST;
  if (!ss_lead_source_parse (options->source != NULL ? options->source : "test",
                             &kind, source_path, error))
    return FALSE;

  SsReturnSourceKind return_kind = SS_RETURN_SOURCE_AUTO;
  if (!ss_return_source_parse (options->return_source != NULL
                               ? options->return_source : "auto",
                               &return_kind, return_device, error))
    return FALSE;

  *config = (SsAgentConfig) {
    .role = config->role,
    .server_url = options->server,
    .classroom = options->classroom,
    .lesson = options->lesson,
    .token = options->token,
    .auto_start = options->auto_start,
    .lead = {
      .source = kind,
      .path = *source_path,
      .keyframe_max_distance = SS_LEAD_DEFAULT_KEYFRAME_MAX_DISTANCE,
      .video_bitrate_bps = SS_LEAD_DEFAULT_VIDEO_BITRATE_BPS,
      .simulcast_layers = (guint) options->simulcast_layers,
      .video_width = width,
      .video_height = height,
    },
    .remote = {
      .headless = options->headless,
      .latency_ms = SS_REMOTE_DEFAULT_LATENCY_MS,
    },
    .return_feed = {
      .source = return_kind,
      .device = *return_device,
    },
    .return_slots = (guint) return_slots,
    .console = options->console,
    .ice_addresses = (const char *const *) options->ice_addresses,
    .stats_path = options->stats_file,
  };
  return TRUE;
}

static gboolean
on_stop_signal (gpointer data)
{
  g_message ("Stopping on signal");
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

/* SIGUSR1 on a lead ends its lesson for every classroom (lesson.end). */
static gboolean
on_end_signal (gpointer data)
{
  ss_agent_end_lesson (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration_over (gpointer data)
{
  g_message ("Stopping: --duration elapsed");
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_auto (SsAgentOptions) options = {
    .simulcast_layers = SS_LEAD_MAX_LAYERS,
    .return_slots = G_MININT,
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *source_path = NULL;
  g_autofree char *return_device = NULL;
  SsAgentConfig config = { 0 };

  ss_i18n_init ();

  if (!parse_options (&argc, &argv, &options, &error)
      || !apply_config_file (&options, &error)
      || !fill_config (&options, &config, &source_path, &return_device,
                       &error)) {
    fprintf (stderr, "%s\n", error->message);
    fprintf (stderr, _("Run \"%s --help\" to see the options.\n"), argv[0]);
    return 2;
  }

  gst_init (NULL, NULL);

  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (SsAgent) agent = ss_agent_new (&config, loop, &error);
  if (agent == NULL) {
    fprintf (stderr, _("Failed to start the agent: %s\n"), error->message);
    return 1;
  }

  guint sigint = g_unix_signal_add (SIGINT, on_stop_signal, loop);
  guint sigterm = g_unix_signal_add (SIGTERM, on_stop_signal, loop);
  guint sigusr1 = g_unix_signal_add (SIGUSR1, on_end_signal, agent);
  guint duration = options.duration_s > 0
                   ? g_timeout_add_seconds ((guint) options.duration_s,
                                            on_duration_over, loop)
                   : 0;

  g_message ("Classroom %s starting as %s for lesson %s, server %s",
             config.classroom, ss_agent_role_to_string (config.role),
             config.lesson != NULL ? config.lesson : "(from the timetable)",
             config.server_url);
  ss_agent_start (agent);
  g_main_loop_run (loop);

  ss_agent_stop (agent);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_source_remove (sigusr1);
  if (duration != 0)
    g_source_remove (duration);
  g_message ("Classroom %s stopped", config.classroom);
  return 0;
}
