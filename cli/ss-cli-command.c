/* Helpers the subcommands share: option parsing with one-line errors and
 * the screen settings taken from the terminal. */
#include "ss-cli-command.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ss-config.h"

gboolean
ss_cli_parse_options (const char *command,
                      const char *summary,
                      const GOptionEntry *entries,
                      int *argc,
                      char ***argv)
{
  g_autofree char *parameter = g_strdup_printf ("%s - %s", command, summary);
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("shuangshi %s: %s\n", command, error->message);
      return FALSE;
    }

  if (*argc > 1)
    {
      g_printerr (_("shuangshi %s: unexpected argument \"%s\"\n"), command,
                  (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

gboolean
ss_cli_parse_sort_key (const char *text, SsCliSortKey *key)
{
  static const struct {
    const char *name;
    SsCliSortKey key;
  } names[] = {
    { "score", SS_CLI_SORT_SCORE },
    { "loss", SS_CLI_SORT_LOSS },
    { "rtt", SS_CLI_SORT_RTT },
    { "bitrate", SS_CLI_SORT_BITRATE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i].name) == 0)
      {
        *key = names[i].key;
        return TRUE;
      }
  return FALSE;
}

void
ss_cli_get_terminal_size (guint *width, guint *height)
{
  struct winsize size = { 0 };
  if (isatty (STDOUT_FILENO) && ioctl (STDOUT_FILENO, TIOCGWINSZ, &size) == 0)
    {
      *width = size.ws_col;
      *height = size.ws_row;
      return;
    }
  *width = 0;
  *height = 0;
}

SsCliScreenOptions
ss_cli_screen_options_for_terminal (void)
{
  SsCliScreenOptions options = {
    .sort_key = SS_CLI_SORT_SCORE,
    .loss_threshold_percent = SS_CLI_DEFAULT_LOSS_THRESHOLD,
    /* The NO_COLOR convention: any value turns color off. */
    .color = isatty (STDOUT_FILENO) && g_getenv ("NO_COLOR") == NULL,
  };
  guint height = 0;
  ss_cli_get_terminal_size (&options.width, &height);
  return options;
}

int
ss_cli_run_view_command (SsCli *cli,
                         const char *path,
                         SsCliRenderFunc render,
                         const SsCliScreenOptions *options)
{
  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_get_json (cli, path, &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    {
      ss_cli_print_json (reply);
      return SS_CLI_EXIT_OK;
    }

  g_autofree char *text = render (reply, options);
  g_print ("%s", text);
  return SS_CLI_EXIT_OK;
}
