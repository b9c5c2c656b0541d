/* shuangshi: the technician CLI. It reads shuangshi-server's admin API and
 * shows which lessons are live, which classrooms are connected and how
 * well, and how loaded each relay is.
 *
 * main() parses the options every subcommand shares (anywhere on the
 * command line), looks the subcommand up in `commands` and hands it the
 * remaining arguments.
 */
#include "ss-config.h"

#include <curl/curl.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ss-cli.h"
#include "ss-cli-format.h"
#include "ss-i18n.h"

typedef struct {
  const char *name;
  SsCliCommandFunc func;
  /* One line for --help; marked with N_() and translated when shown. */
  const char *summary;
} SsCliCommand;

/* One line per subcommand. */
static const SsCliCommand commands[] = {
  { "status", ss_cli_cmd_status, N_("one-screen summary of the server") },
  { "top", ss_cli_cmd_top,
    N_("refreshing view of relays, lessons and the worst links") },
  { "lessons", ss_cli_cmd_lessons, N_("live lessons and their links") },
  { "relays", ss_cli_cmd_relays, N_("load of each relay worker") },
  { "classrooms", ss_cli_cmd_classrooms,
    N_("classrooms online and recently seen, with agent versions") },
  { "classroom", ss_cli_cmd_classroom,
    N_("add, list or remove timetable classrooms; link teachers' pages") },
  { "lesson", ss_cli_cmd_lesson,
    N_("add, list or remove timetable lessons; review a lesson's log") },
  { "timetable", ss_cli_cmd_timetable,
    N_("import lessons from a CSV file") },
};

static char *
describe_commands (void)
{
  GString *text = g_string_new (_("Commands:"));
  g_string_append_c (text, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-12s %s\n", commands[i].name,
                            _(commands[i].summary));
  g_string_append (text, _("Run \"shuangshi COMMAND --help\" for the "
                           "options of one command."));
  return g_string_free (text, FALSE);
}

static const SsCliCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* Removes a trailing '/' so paths can be appended. */
static void
normalise_server_url (SsCli *cli)
{
  gsize length = strlen (cli->server_url);
  while (length > 0 && cli->server_url[length - 1] == '/')
    cli->server_url[--length] = '\0';
}

static void
ss_cli_clear (SsCli *cli)
{
  g_free (cli->server_url);
  g_free (cli->token_file);
  g_free (cli->data_dir);
}

int
main (int argc, char **argv)
{
  ss_i18n_init ();

  SsCli cli = {
    .timeout_s = 5,
  };
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &cli.server_url,
      N_("Base URL of shuangshi-server (default http://127.0.0.1:8443)"),
      N_("URL") },
    { "token-file", 't', 0, G_OPTION_ARG_FILENAME, &cli.token_file,
      N_("File with the admin token (default: $SHUANGSHI_TOKEN, else "
         "DATA_DIR/admin.token)"),
      N_("FILE") },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &cli.data_dir,
      N_("The server's data directory, where admin.token is (default "
         "./shuangshi-data)"),
      N_("DIR") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &cli.json,
      N_("Print the server's JSON instead of text, for scripts"), NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &cli.timeout_s,
      N_("Seconds to wait for the server (default 5)"), N_("SECONDS") },
    { NULL },
  };

  g_autoptr (GOptionContext) context = g_option_context_new (
      _("COMMAND [OPTION…] - the Shuangshi technician tool"));
  g_autofree char *description = describe_commands ();
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_description (context, description);
  /* The subcommand's own options stay in argv for it to parse; its
   * --help too, so only a bare "shuangshi --help" shows this text. */
  g_option_context_set_ignore_unknown_options (context, TRUE);
  g_option_context_set_help_enabled (context, argc < 3);

  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("shuangshi: %s\n", error->message);
      return SS_CLI_EXIT_USAGE;
    }

  if (argc < 2)
    {
      g_printerr (_("shuangshi: a command is missing; run \"shuangshi "
                    "--help\" for the list\n"));
      return SS_CLI_EXIT_USAGE;
    }

  const SsCliCommand *command = find_command (argv[1]);
  if (command == NULL)
    {
      g_printerr (_("shuangshi: unknown command \"%s\"; run \"shuangshi "
                    "--help\" for the list\n"),
                  argv[1]);
      return SS_CLI_EXIT_USAGE;
    }

  if (cli.server_url == NULL)
    cli.server_url = g_strdup (SS_CLI_DEFAULT_SERVER);
  if (cli.data_dir == NULL)
    cli.data_dir = g_strdup (SS_CLI_DEFAULT_DATA_DIR);
  normalise_server_url (&cli);
  cli.timeout_s = CLAMP (cli.timeout_s, 1, 600);

  curl_global_init (CURL_GLOBAL_DEFAULT);
  int status = command->func (&cli, argc - 1, argv + 1);
  curl_global_cleanup ();

  ss_cli_clear (&cli);
  return status;
}
