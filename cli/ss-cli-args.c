/* Command-line parsing of the timetable subcommands (classroom, lesson,
 * timetable), whose actions take positional ids as well as options. */
#include "ss-config.h"

#include "ss-cli-args.h"

#include <glib/gi18n.h>

gboolean
ss_cli_parse_action (const char *command,
                     const char *summary,
                     const char *ids_name,
                     const GOptionEntry *entries,
                     int argc,
                     char **argv,
                     guint n_ids,
                     const char **ids)
{
  g_autofree char *parameter = g_strdup_printf (
      "%s%s%s - %s", command, ids_name != NULL ? " " : "",
      ids_name != NULL ? ids_name : "", summary);
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("shuangshi %s: %s\n", command, error->message);
      return FALSE;
    }

  guint n_positional = argc > 0 ? (guint) argc - 1 : 0;
  if (n_positional < n_ids)
    {
      g_printerr (_("shuangshi %s: %s is missing\n"), command, ids_name);
      return FALSE;
    }
  if (n_positional > n_ids)
    {
      g_printerr (_("shuangshi %s: unexpected argument \"%s\"\n"), command,
                  argv[n_ids + 1]);
      return FALSE;
    }

  for (guint i = 0; i < n_ids; i++)
    ids[i] = argv[i + 1];
  return TRUE;
}

gboolean
ss_cli_is_help (const char *argument)
{
  return g_strcmp0 (argument, "--help") == 0 || g_strcmp0 (argument, "-h") == 0
         || g_strcmp0 (argument, "help") == 0;
}

void
ss_cli_print_actions (const char *command, const char *actions)
{
  g_print (_("Usage: shuangshi %s ACTION [OPTION…]\n"), command);
  g_print (_("Actions: %s\n"), actions);
  g_print (_("Run \"shuangshi %s ACTION --help\" for the options of one "
             "action.\n"),
           command);
}

void
ss_cli_report_bad_action (const char *command,
                          const char *action,
                          const char *actions)
{
  if (action == NULL)
    g_printerr (_("shuangshi %s: an action is missing; use %s\n"), command,
                actions);
  else
    g_printerr (_("shuangshi %s: unknown action \"%s\"; use %s\n"), command,
                action, actions);
}
