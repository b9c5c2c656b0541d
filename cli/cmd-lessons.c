/* `shuangshi lessons`: the lessons the server knows and each classroom's
 * link to the relay. */
#include "ss-cli-command.h"

#include <glib/gi18n.h>

int
ss_cli_cmd_lessons (SsCli *cli, int argc, char **argv)
{
  SsCliScreenOptions options = ss_cli_screen_options_for_terminal ();
  g_autofree char *sort = NULL;
  const GOptionEntry entries[] = {
    { "loss-threshold", 0, 0, G_OPTION_ARG_DOUBLE,
      &options.loss_threshold_percent,
      N_("Packet loss in percent above which a link stands out (default "
         "5)"),
      N_("PERCENT") },
    { "sort", 0, 0, G_OPTION_ARG_STRING, &sort,
      N_("Order of the links: score, loss, rtt or bitrate (default score)"),
      N_("KEY") },
    { NULL },
  };
  if (!ss_cli_parse_options ("lessons", _("live lessons and their links"),
                             entries, &argc, &argv))
    return SS_CLI_EXIT_USAGE;

  if (sort != NULL && !ss_cli_parse_sort_key (sort, &options.sort_key))
    {
      g_printerr (_("shuangshi lessons: invalid --sort \"%s\"; use score, "
                    "loss, rtt or bitrate\n"),
                  sort);
      return SS_CLI_EXIT_USAGE;
    }

  return ss_cli_run_view_command (cli, "/api/v1/live/lessons",
                                  ss_cli_render_lessons, &options);
}
