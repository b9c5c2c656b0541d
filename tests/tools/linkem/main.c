/* ss-linkem: a userspace link emulator for impaired-link tests. It bridges
 * two network interfaces with packet sockets and applies loss, delay,
 * jitter, reordering and a rate limit to each direction, because the test
 * machines' kernels have no netem. This file is the I/O shell: it owns the
 * sockets, the clock and the signals, and feeds the sans-I/O model in
 * linkem-path.c. */
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "linkem-options.h"
#include "linkem-path.h"
#include "linkem-pool.h"
#include "linkem-report.h"
#include "linkem-socket.h"
#include "ss-config.h"
#include "ss-i18n.h"

/* Exit status for invalid options and for setup failures such as a
 * missing interface or missing privileges. */
#define EXIT_SETUP_FAILED 2

#define DEFAULT_POOL_SLOTS 4096
#define MAX_POOL_SLOTS (1024 * 1024)
/* Frames read from one socket per wake-up, so that a flood on one side
 * does not delay the other side or the releases. */
#define RECEIVE_BATCH 64
/* Smallest slot: a virtio-net header, an Ethernet header with a VLAN tag
 * and a 1500-byte payload, rounded up. */
#define MIN_SLOT_SIZE 2048
#define VLAN_ETH_HEADER_LEN 18
/* SCHED_FIFO priority with --realtime: above every normal task and low in
 * the real-time range of 1 to 99. */
#define REALTIME_PRIORITY 10

enum
{
  SIDE_A,
  SIDE_B,
  N_SIDES,
};

/* Direction d reads from side d and writes to the other side, so the
 * a-to-b direction is SS_LINKEM_DIRECTION_A_TO_B == SIDE_A. */
G_STATIC_ASSERT ((int) SS_LINKEM_DIRECTION_A_TO_B == (int) SIDE_A);
G_STATIC_ASSERT ((int) SS_LINKEM_DIRECTION_B_TO_A == (int) SIDE_B);

typedef struct
{
  SsLinkemSocket *sockets[N_SIDES];
  SsLinkemPath *paths[N_SIDES];
  SsLinkemPool *pool;
  /* Frames read while the pool is empty land here and are dropped. */
  guint8 *scratch;
  int signal_fd;
  gboolean quit;
  /* First receive and send error per direction, logged once each. */
  gboolean receive_error_logged[N_SIDES];
  gboolean send_error_logged[N_SIDES];
  gboolean oversize_logged[N_SIDES];
} Linkem;

static const char *const direction_names[N_SIDES] = { "a-to-b", "b-to-a" };

static void
linkem_clear (Linkem *linkem)
{
  for (guint side = 0; side < N_SIDES; side++)
    {
      g_clear_pointer (&linkem->paths[side], ss_linkem_path_free);
      g_clear_pointer (&linkem->sockets[side], ss_linkem_socket_free);
    }
  g_clear_pointer (&linkem->pool, ss_linkem_pool_free);
  g_clear_pointer (&linkem->scratch, g_free);
  if (linkem->signal_fd >= 0)
    close (linkem->signal_fd);
  linkem->signal_fd = -1;
}

static void
print_report (Linkem *linkem, gboolean final)
{
  for (guint side = 0; side < N_SIDES; side++)
    {
      SsLinkemCounters *counters = ss_linkem_path_get_counters (linkem->paths[side]);
      counters->dropped_socket += ss_linkem_socket_take_kernel_drops (linkem->sockets[side]);
    }

  g_autofree char *line = ss_linkem_report_format (linkem->paths[SIDE_A], linkem->paths[SIDE_B],
                                                   final);
  if (line == NULL)
    {
      g_warning ("Formatting the counter report failed");
      return;
    }

  printf ("%s\n", line);
  fflush (stdout);
}

static void
send_due_frames (Linkem *linkem, guint direction, gint64 now_us)
{
  SsLinkemPath *path = linkem->paths[direction];
  SsLinkemSocket *output = linkem->sockets[1 - direction];
  SsLinkemCounters *counters = ss_linkem_path_get_counters (path);
  SsLinkemSlot *slot;

  while ((slot = ss_linkem_path_pop_ready (path, now_us)) != NULL)
    {
      gint64 lateness_us = now_us - slot->release_us;
      counters->max_lateness_us = MAX (counters->max_lateness_us, lateness_us);
      if (lateness_us > SS_LINKEM_LATE_US)
        counters->late_releases++;

      int error_number = ss_linkem_socket_send (output, slot->data, slot->length);
      if (error_number == 0)
        {
          counters->forwarded++;
          counters->forwarded_bytes += slot->frame_length;
        }
      else
        {
          counters->send_errors++;
          if (!linkem->send_error_logged[direction])
            g_warning ("Sending a frame on %s failed (%s direction): %s; further send "
                       "errors are only counted",
                       ss_linkem_socket_get_name (output), direction_names[direction],
                       g_strerror (error_number));
          linkem->send_error_logged[direction] = TRUE;
        }

      ss_linkem_pool_release (linkem->pool, slot);
    }
}

static void
count_receive_problem (Linkem *linkem, guint direction, SsLinkemReceiveResult result,
                       int error_number)
{
  SsLinkemCounters *counters = ss_linkem_path_get_counters (linkem->paths[direction]);
  const char *name = ss_linkem_socket_get_name (linkem->sockets[direction]);

  if (result == SS_LINKEM_RECEIVE_OVERSIZE)
    {
      counters->dropped_oversize++;
      if (!linkem->oversize_logged[direction])
        g_warning ("Dropped a frame on %s longer than the %" G_GSIZE_FORMAT "-byte buffers, "
                   "probably a GSO super-frame. Limit GSO on the sending veth with "
                   "'ip link set DEV gso_max_segs 1'. Further cases are only counted.",
                   name, ss_linkem_pool_get_slot_size (linkem->pool));
      linkem->oversize_logged[direction] = TRUE;
    }
  else if (result == SS_LINKEM_RECEIVE_RUNT)
    {
      counters->dropped_malformed++;
    }
  else if (result == SS_LINKEM_RECEIVE_ERROR)
    {
      if (!linkem->receive_error_logged[direction])
        g_warning ("Reading from %s failed: %s; further read errors are not logged",
                   name, g_strerror (error_number));
      linkem->receive_error_logged[direction] = TRUE;
    }
}

/* Read and submit up to RECEIVE_BATCH frames from one side, stopping early
 * when the socket has nothing more to read. */
static void
receive_frames (Linkem *linkem, guint direction, gint64 now_us)
{
  SsLinkemSocket *input = linkem->sockets[direction];
  SsLinkemPath *path = linkem->paths[direction];
  SsLinkemCounters *counters = ss_linkem_path_get_counters (path);
  gsize slot_size = ss_linkem_pool_get_slot_size (linkem->pool);

  for (guint i = 0; i < RECEIVE_BATCH; i++)
    {
      SsLinkemSlot *slot = ss_linkem_pool_acquire (linkem->pool);
      guint8 *buffer = slot != NULL ? slot->data : linkem->scratch;
      gsize length = 0;
      int error_number = 0;

      SsLinkemReceiveResult result = ss_linkem_socket_receive (input, buffer, slot_size,
                                                               &length, &error_number);
      if (result != SS_LINKEM_RECEIVE_FRAME)
        {
          if (slot != NULL)
            ss_linkem_pool_release (linkem->pool, slot);
          count_receive_problem (linkem, direction, result, error_number);
          if (result == SS_LINKEM_RECEIVE_EMPTY || result == SS_LINKEM_RECEIVE_ERROR)
            return;
          continue;
        }

      if (slot == NULL)
        {
          counters->received++;
          counters->dropped_no_buffer++;
          continue;
        }

      slot->length = length;
      SsLinkemVerdict verdict = ss_linkem_path_submit (path, slot,
                                                       length - SS_LINKEM_VNET_HEADER_LEN,
                                                       now_us);
      if (verdict == SS_LINKEM_VERDICT_DROP_LOSS || verdict == SS_LINKEM_VERDICT_DROP_QUEUE)
        ss_linkem_pool_release (linkem->pool, slot);
    }
}

static void
handle_signals (Linkem *linkem)
{
  struct signalfd_siginfo info;

  while (read (linkem->signal_fd, &info, sizeof info) == (ssize_t) sizeof info)
    {
      if (info.ssi_signo == SIGUSR1)
        print_report (linkem, FALSE);
      else
        linkem->quit = TRUE;
    }
}

/* Wait for frames, signals or the next release time. Returns FALSE when
 * ppoll() itself failed. */
static gboolean
wait_for_events (Linkem *linkem, struct pollfd *fds, gsize n_fds)
{
  gint64 next_us = MIN (ss_linkem_path_next_release_us (linkem->paths[SIDE_A]),
                        ss_linkem_path_next_release_us (linkem->paths[SIDE_B]));
  struct timespec timeout = { .tv_sec = 0, .tv_nsec = 0 };
  struct timespec *timeout_pointer = NULL;

  if (next_us != SS_LINKEM_NEVER)
    {
      gint64 wait_us = MAX (next_us - g_get_monotonic_time (), 0);
      timeout.tv_sec = (time_t) (wait_us / G_USEC_PER_SEC);
      timeout.tv_nsec = (long) (wait_us % G_USEC_PER_SEC) * 1000;
      timeout_pointer = &timeout;
    }

  if (ppoll (fds, n_fds, timeout_pointer, NULL) < 0 && errno != EINTR)
    {
      g_warning ("Waiting for frames failed: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static int
run (Linkem *linkem)
{
  struct pollfd fds[] = {
    { .fd = ss_linkem_socket_get_fd (linkem->sockets[SIDE_A]), .events = POLLIN },
    { .fd = ss_linkem_socket_get_fd (linkem->sockets[SIDE_B]), .events = POLLIN },
    { .fd = linkem->signal_fd, .events = POLLIN },
  };

  while (!linkem->quit)
    {
      gint64 now_us = g_get_monotonic_time ();
      send_due_frames (linkem, SS_LINKEM_DIRECTION_A_TO_B, now_us);
      send_due_frames (linkem, SS_LINKEM_DIRECTION_B_TO_A, now_us);

      if (!wait_for_events (linkem, fds, G_N_ELEMENTS (fds)))
        return EXIT_FAILURE;

      now_us = g_get_monotonic_time ();
      for (guint side = 0; side < N_SIDES; side++)
        if (fds[side].revents != 0)
          receive_frames (linkem, side, now_us);

      if (fds[2].revents != 0)
        handle_signals (linkem);
    }

  return EXIT_SUCCESS;
}

static int
open_signal_fd (void)
{
  sigset_t signals;

  sigemptyset (&signals);
  sigaddset (&signals, SIGUSR1);
  sigaddset (&signals, SIGTERM);
  sigaddset (&signals, SIGINT);
  sigaddset (&signals, SIGHUP);

  if (sigprocmask (SIG_BLOCK, &signals, NULL) != 0)
    return -1;
  return signalfd (-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
}

static gboolean
open_sides (Linkem *linkem, const char *a, const char *b, GError **error)
{
  const char *names[N_SIDES] = { a, b };

  for (guint side = 0; side < N_SIDES; side++)
    {
      linkem->sockets[side] = ss_linkem_socket_open (names[side], error);
      if (linkem->sockets[side] == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
create_paths (Linkem *linkem, const SsLinkemOptions *options, guint64 seed, guint pool_slots)
{
  guint mtu = MAX (ss_linkem_socket_get_mtu (linkem->sockets[SIDE_A]),
                   ss_linkem_socket_get_mtu (linkem->sockets[SIDE_B]));
  gsize slot_size = MAX ((gsize) MIN_SLOT_SIZE,
                         SS_LINKEM_VNET_HEADER_LEN + VLAN_ETH_HEADER_LEN + mtu);

  linkem->pool = ss_linkem_pool_new (pool_slots, slot_size);
  linkem->scratch = g_malloc (slot_size);

  for (guint direction = 0; direction < N_SIDES; direction++)
    {
      SsLinkemParams params;
      ss_linkem_options_resolve (options, direction, &params);
      linkem->paths[direction] = ss_linkem_path_new (&params, seed, direction, pool_slots);

      g_autofree char *description = ss_linkem_params_describe (&params);
      g_message ("%s: %s", direction_names[direction], description);
    }
}

/* Run ahead of normal tasks, so that a busy host does not delay releases.
 * The kernel's real-time throttling (sched_rt_runtime_us, 950000 us of
 * every second by default) still leaves other tasks CPU time during a
 * flood. */
static void
enter_realtime (void)
{
  struct sched_param param = { .sched_priority = REALTIME_PRIORITY };

  if (sched_setscheduler (0, SCHED_FIFO, &param) != 0)
    g_warning ("Switching to SCHED_FIFO priority %d failed: %s; running with normal "
               "priority, so releases may be late on a busy host",
               REALTIME_PRIORITY, g_strerror (errno));
}

static gboolean
parse_seed (const char *text, guint64 *seed, GError **error)
{
  if (text == NULL)
    {
      /* Without --seed each run differs. The start-up log shows the seed,
       * so that a run can be repeated. */
      *seed = ((guint64) g_random_int () << 32) | g_random_int ();
      return TRUE;
    }

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, seed, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Invalid value \"%s\" for --seed: expected an unsigned decimal integer."),
                   text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_command_line (int *argc, char ***argv, SsLinkemOptions *options, char **a, char **b,
                    guint64 *seed, guint *pool_slots, gboolean *realtime, GError **error)
{
  g_autofree char *seed_text = NULL;
  int slots = DEFAULT_POOL_SLOTS;

  const GOptionEntry entries[] = {
    { .long_name = "a", .arg = G_OPTION_ARG_STRING, .arg_data = a,
      .description = N_("Network interface of side A"), .arg_description = N_("IFACE") },
    { .long_name = "b", .arg = G_OPTION_ARG_STRING, .arg_data = b,
      .description = N_("Network interface of side B"), .arg_description = N_("IFACE") },
    { .long_name = "seed", .arg = G_OPTION_ARG_STRING, .arg_data = &seed_text,
      .description = N_("Seed of the random choices, for a repeatable run (default: random)"),
      .arg_description = N_("N") },
    { .long_name = "realtime", .arg = G_OPTION_ARG_NONE, .arg_data = realtime,
      .description = N_("Run with real-time priority (SCHED_FIFO) so that a busy host "
                        "delays frames less; needs root or CAP_SYS_NICE") },
    { .long_name = "pool", .arg = G_OPTION_ARG_INT, .arg_data = &slots,
      .description = N_("Frames the link can hold at once, both directions together "
                        "(default 4096)"),
      .arg_description = N_("FRAMES") },
    { .long_name = NULL },
  };

  g_autoptr (GOptionContext) context = g_option_context_new (_("- emulate an impaired link "
                                                               "between two interfaces"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_description (
    context,
    _("Every impairment option also exists as --a-to-b-NAME and --b-to-a-NAME, which set "
      "one direction and take precedence over --NAME (for example --b-to-a-loss 2).\n"
      "Counters are printed as one JSON line on standard output on SIGUSR1 and at exit "
      "(SIGTERM, SIGINT).\n"));

  GOptionGroup *group = ss_linkem_options_create_group (options);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);

  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (!parse_seed (seed_text, seed, error))
    return FALSE;

  if (*a == NULL || *b == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("Both --a and --b are required."));
      return FALSE;
    }
  if (g_str_equal (*a, *b))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--a and --b name the same interface \"%s\"; give two interfaces."), *a);
      return FALSE;
    }
  if (slots < 1 || slots > MAX_POOL_SLOTS)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Invalid value %d for --pool: expected 1 to %d frames."), slots,
                   MAX_POOL_SLOTS);
      return FALSE;
    }

  *pool_slots = (guint) slots;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SsLinkemOptions) options = ss_linkem_options_new ();
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  guint64 seed = 0;
  guint pool_slots = 0;
  gboolean realtime = FALSE;

  ss_i18n_init ();

  if (!parse_command_line (&argc, &argv, options, &a, &b, &seed, &pool_slots, &realtime,
                           &error))
    {
      g_printerr ("ss-linkem: %s\n", error->message);
      return EXIT_SETUP_FAILED;
    }

  Linkem linkem = { .signal_fd = -1 };

  if (!open_sides (&linkem, a, b, &error))
    {
      g_printerr ("ss-linkem: %s\n", error->message);
      linkem_clear (&linkem);
      return EXIT_SETUP_FAILED;
    }

  linkem.signal_fd = open_signal_fd ();
  if (linkem.signal_fd < 0)
    {
      g_printerr ("ss-linkem: %s: %s\n", _("Setting up signal handling failed"),
                  g_strerror (errno));
      linkem_clear (&linkem);
      return EXIT_SETUP_FAILED;
    }

  /* Wake-ups within microseconds of a release time keep the delay exact,
   * where the default timer slack of 50 us (prctl(2)) would add to every
   * frame's delay. */
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  if (realtime)
    enter_realtime ();

  create_paths (&linkem, options, seed, pool_slots);
  g_message ("Bridging %s (side A) and %s (side B), seed %" G_GUINT64_FORMAT
             ", %u frame buffers of %" G_GSIZE_FORMAT " bytes",
             a, b, seed, pool_slots, ss_linkem_pool_get_slot_size (linkem.pool));

  int status = run (&linkem);

  print_report (&linkem, TRUE);
  g_message ("Stopped");

  /* Frames still waiting for release are discarded. The "queued"
   * counter in the report above counts them. */
  for (guint side = 0; side < N_SIDES; side++)
    {
      SsLinkemSlot *slot;
      while ((slot = ss_linkem_path_pop_ready (linkem.paths[side], SS_LINKEM_NEVER)) != NULL)
        ss_linkem_pool_release (linkem.pool, slot);
    }

  linkem_clear (&linkem);
  return status;
}
