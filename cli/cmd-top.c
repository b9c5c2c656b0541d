/* `shuangshi top`: a view that refreshes every two seconds, like top(1):
 * the relays, then the lessons, then every classroom link worst first.
 * Plain ANSI escapes, with the terminal in non-canonical mode so single
 * keys act at once. It stays on the main screen, so an error line printed
 * when the server goes away remains visible after top exits. Keys:
 *
 *   q  quit            s  sort links by score (the default)
 *   l  sort by loss    r  sort by RTT           b  sort by bitrate
 *
 * --once prints one frame (or its JSON with --json) and exits.
 */
#include "ss-cli-command.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#define REFRESH_MS 2000

#define ANSI_HOME_AND_CLEAR "\033[H\033[2J"
#define ANSI_HIDE_CURSOR "\033[?25l"
#define ANSI_SHOW_CURSOR "\033[?25h"

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal (int signum)
{
  stop_requested = 1;
}

static int
fetch_view (SsCli *cli, SsCliSortKey key, json_t **view)
{
  int status = ss_cli_get_json (cli, "/api/v1/status", view);
  if (status == SS_CLI_EXIT_OK)
    ss_cli_sort_links (json_object_get (*view, "links"), key);
  return status;
}

static int
print_once (SsCli *cli, SsCliScreenOptions *options)
{
  g_autoptr (json_t) view = NULL;
  int status = fetch_view (cli, options->sort_key, &view);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    {
      ss_cli_print_json (view);
      return SS_CLI_EXIT_OK;
    }

  g_autofree char *frame = ss_cli_render_top (view, options);
  g_print ("%s", frame);
  return SS_CLI_EXIT_OK;
}

/* Returns TRUE when the key means quit; otherwise applies it. */
static gboolean
apply_key (char key, SsCliScreenOptions *options)
{
  switch (key)
    {
    case 'q':
    case 'Q':
      return TRUE;
    case 's':
      options->sort_key = SS_CLI_SORT_SCORE;
      break;
    case 'l':
      options->sort_key = SS_CLI_SORT_LOSS;
      break;
    case 'r':
      options->sort_key = SS_CLI_SORT_RTT;
      break;
    case 'b':
      options->sort_key = SS_CLI_SORT_BITRATE;
      break;
    default:
      break;
    }
  return FALSE;
}

/* Waits up to REFRESH_MS for a key. Returns TRUE when top should quit; sets
 * @redraw when a key changed the order so the frame is drawn at once. */
static gboolean
wait_for_key (SsCliScreenOptions *options, gboolean *redraw)
{
  struct pollfd input = { .fd = STDIN_FILENO, .events = POLLIN };
  gint64 deadline_us = g_get_monotonic_time () + REFRESH_MS * 1000;

  *redraw = FALSE;
  while (!stop_requested)
    {
      int timeout_ms = (deadline_us - g_get_monotonic_time ()) / 1000;
      if (timeout_ms <= 0)
        return FALSE;

      int ready = poll (&input, 1, timeout_ms);
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready <= 0)
        return FALSE;

      char key = 0;
      if (read (STDIN_FILENO, &key, 1) != 1)
        {
          /* End of input: keep refreshing until a signal ends top. */
          input.fd = -1;
          continue;
        }
      if (apply_key (key, options))
        return TRUE;
      *redraw = TRUE;
      return FALSE;
    }
  return TRUE;
}

static int
run_interactive (SsCli *cli, SsCliScreenOptions *options)
{
  struct termios saved;
  gboolean is_terminal = isatty (STDIN_FILENO)
                         && tcgetattr (STDIN_FILENO, &saved) == 0;
  if (is_terminal)
    {
      struct termios raw = saved;
      raw.c_lflag &= ~(ICANON | ECHO);
      raw.c_cc[VMIN] = 1;
      raw.c_cc[VTIME] = 0;
      tcsetattr (STDIN_FILENO, TCSANOW, &raw);
    }

  struct sigaction action = { .sa_handler = on_stop_signal };
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);

  g_print (ANSI_HIDE_CURSOR);
  options->show_keys = TRUE;

  int status = SS_CLI_EXIT_OK;
  gboolean quit = FALSE;
  while (!quit && !stop_requested)
    {
      g_autoptr (json_t) view = NULL;
      status = fetch_view (cli, options->sort_key, &view);
      if (status != SS_CLI_EXIT_OK)
        break;

      ss_cli_get_terminal_size (&options->width, &options->height);
      g_autofree char *frame = ss_cli_render_top (view, options);
      g_print (ANSI_HOME_AND_CLEAR "%s", frame);
      fflush (stdout);

      gboolean redraw = TRUE;
      while (redraw && !quit)
        quit = wait_for_key (options, &redraw);
    }

  g_print (ANSI_SHOW_CURSOR "\n");
  fflush (stdout);
  if (is_terminal)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  return status;
}

int
ss_cli_cmd_top (SsCli *cli, int argc, char **argv)
{
  SsCliScreenOptions options = ss_cli_screen_options_for_terminal ();
  gboolean once = FALSE;
  g_autofree char *sort = NULL;
  const GOptionEntry entries[] = {
    { "once", '1', 0, G_OPTION_ARG_NONE, &once,
      N_("Print one frame and exit"), NULL },
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
  if (!ss_cli_parse_options (
          "top", _("refreshing view of relays, lessons and the worst links"),
          entries, &argc, &argv))
    return SS_CLI_EXIT_USAGE;

  if (sort != NULL && !ss_cli_parse_sort_key (sort, &options.sort_key))
    {
      g_printerr (_("shuangshi top: invalid --sort \"%s\"; use score, loss, "
                    "rtt or bitrate\n"),
                  sort);
      return SS_CLI_EXIT_USAGE;
    }

  if (once || cli->json)
    return print_once (cli, &options);
  return run_interactive (cli, &options);
}
