/* `shuangshi timetable import FILE.csv`: adds the lessons of a school's
 * spreadsheet, exported as UTF-8 CSV, through POST
 * /api/v1/timetable/import. The server imports all rows or none; a bad row
 * is reported with its line number. */
#include "ss-cli-command.h"

#include <glib/gi18n.h>

#include "ss-cli-args.h"

/* The server takes at most this much (SS_ADMIN_MAX_BODY_SIZE), so a larger
 * file is rejected here with a clearer message. */
#define MAX_CSV_SIZE (1024 * 1024)

static int
import_timetable (SsCli *cli, int argc, char **argv)
{
  const char *path = NULL;
  if (!ss_cli_parse_action ("timetable import",
                            _("import lessons from a UTF-8 CSV file"),
                            "FILE.csv", NULL, argc, argv, 1, &path))
    return SS_CLI_EXIT_USAGE;

  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_printerr ("shuangshi timetable import: %s\n", error->message);
      return SS_CLI_EXIT_USAGE;
    }

  if (length > MAX_CSV_SIZE || !g_utf8_validate (contents, length, NULL))
    {
      g_printerr (_("shuangshi timetable import: %s is not UTF-8 text of at "
                    "most %d bytes; save the spreadsheet as \"CSV UTF-8\"\n"),
                  path, MAX_CSV_SIZE);
      return SS_CLI_EXIT_USAGE;
    }

  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_send_text (cli, "POST", "/api/v1/timetable/import",
                                 "text/csv; charset=utf-8", contents, &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    {
      ss_cli_print_json (reply);
      return SS_CLI_EXIT_OK;
    }

  json_t *imported = json_object_get (reply, "imported");
  g_print (_("Imported %ld lessons from %s.\n"),
           (long) json_integer_value (imported), path);
  return SS_CLI_EXIT_OK;
}

int
ss_cli_cmd_timetable (SsCli *cli, int argc, char **argv)
{
  const char *action = argc > 1 ? argv[1] : NULL;
  if (g_strcmp0 (action, "import") == 0)
    return import_timetable (cli, argc - 1, argv + 1);

  if (ss_cli_is_help (action))
    {
      ss_cli_print_actions ("timetable", "import");
      return SS_CLI_EXIT_OK;
    }

  ss_cli_report_bad_action ("timetable", action, "import");
  return SS_CLI_EXIT_USAGE;
}
