/* `shuangshi classrooms`: classrooms online and recently seen, with the
 * agent version each one reported in its hello. */
#include "ss-cli-command.h"

#include <glib/gi18n.h>

int
ss_cli_cmd_classrooms (SsCli *cli, int argc, char **argv)
{
  if (!ss_cli_parse_options (
          "classrooms",
          _("classrooms online and recently seen, with agent versions"),
          NULL, &argc, &argv))
    return SS_CLI_EXIT_USAGE;

  SsCliScreenOptions options = ss_cli_screen_options_for_terminal ();
  return ss_cli_run_view_command (cli, "/api/v1/live/classrooms",
                                  ss_cli_render_classrooms, &options);
}
