/* Argument parsing for subcommands with actions and positional ids, such
 * as `shuangshi classroom remove ID`. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses @argv (argv[0] is the action's full name, e.g. "classroom add")
 * with @entries and requires exactly @n_ids positional arguments, which
 * are returned in @ids (borrowed from @argv). Prints a one-line error and
 * returns FALSE on a bad command line. */
gboolean ss_cli_parse_action (const char *command,
                              const char *summary,
                              const char *ids_name,
                              const GOptionEntry *entries,
                              int argc,
                              char **argv,
                              guint n_ids,
                              const char **ids);

/* Prints the one-line error for a missing or unknown action of @command,
 * whose actions are listed in @actions (e.g. "add, list or remove"). */
/* TRUE for --help, -h or help in the place of a command's action. */
gboolean ss_cli_is_help (const char *argument);

/* Prints a command's actions and how to get one action's options. */
void ss_cli_print_actions (const char *command, const char *actions);

void ss_cli_report_bad_action (const char *command,
                               const char *action,
                               const char *actions);

G_END_DECLS
