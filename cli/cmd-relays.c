/* `shuangshi relays`: the load of each relay worker and of the server
 * process. */
#include "ss-cli-command.h"

#include <glib/gi18n.h>

int
ss_cli_cmd_relays (SsCli *cli, int argc, char **argv)
{
  if (!ss_cli_parse_options ("relays", _("load of each relay worker"), NULL,
                             &argc, &argv))
    return SS_CLI_EXIT_USAGE;

  SsCliScreenOptions options = ss_cli_screen_options_for_terminal ();
  return ss_cli_run_view_command (cli, "/api/v1/relays", ss_cli_render_relays,
                                  &options);
}
