/* `shuangshi status`: one screen with the server, the lessons and the
 * links above the loss threshold. */
#include "ss-cli-command.h"

#include <glib/gi18n.h>

int
ss_cli_cmd_status (SsCli *cli, int argc, char **argv)
{
  SsCliScreenOptions options = ss_cli_screen_options_for_terminal ();
  const GOptionEntry entries[] = {
    { "loss-threshold", 0, 0, G_OPTION_ARG_DOUBLE,
      &options.loss_threshold_percent,
      N_("Packet loss in percent above which a link stands out (default "
         "5)"),
      N_("PERCENT") },
    { NULL },
  };
  if (!ss_cli_parse_options ("status", _("one-screen summary of the server"),
                             entries, &argc, &argv))
    return SS_CLI_EXIT_USAGE;

  return ss_cli_run_view_command (cli, "/api/v1/status", ss_cli_render_status,
                                  &options);
}
