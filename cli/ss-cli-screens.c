/* Screens of the technician CLI: the `top` frame, the `status` summary and
 * the relay, lesson and classroom tables. Every word a person reads goes
 * through gettext; the figures keep their standard units.
 */
#include "ss-cli-screens.h"

#include <glib/gi18n.h>

#include "ss-cli-format.h"

#define INDENT "  "

/* ---- Links: score and order ------------------------------------------- */

static double
number_of (json_t *object, const char *key)
{
  json_t *value = json_object_get (object, key);
  return json_is_number (value) ? json_number_value (value) : 0.0;
}

static const char *
string_of (json_t *object, const char *key)
{
  const char *value = json_string_value (json_object_get (object, key));
  return value != NULL ? value : "";
}

double
ss_cli_link_score (json_t *link)
{
  double score = number_of (link, "loss_percent") * 10.0
                 + number_of (link, "rtt_ms") / 10.0
                 + number_of (link, "jitter_ms");
  if (g_strcmp0 (string_of (link, "state"), "connected") != 0)
    score += 1000.0;
  return score;
}

/* Higher is worse for every key. */
static double
badness (json_t *link, SsCliSortKey key)
{
  switch (key)
    {
    case SS_CLI_SORT_LOSS:
      return number_of (link, "loss_percent");
    case SS_CLI_SORT_RTT:
      return number_of (link, "rtt_ms");
    case SS_CLI_SORT_BITRATE:
      return -(number_of (link, "bitrate_in_bps")
               + number_of (link, "bitrate_out_bps"));
    case SS_CLI_SORT_SCORE:
    default:
      return ss_cli_link_score (link);
    }
}

static gint
compare_links (gconstpointer a, gconstpointer b, gpointer user_data)
{
  json_t *first = *(json_t *const *) a;
  json_t *second = *(json_t *const *) b;
  SsCliSortKey key = GPOINTER_TO_INT (user_data);

  double difference = badness (second, key) - badness (first, key);
  if (difference != 0.0)
    return difference > 0.0 ? 1 : -1;

  int by_lesson = g_strcmp0 (string_of (first, "lesson"),
                             string_of (second, "lesson"));
  if (by_lesson != 0)
    return by_lesson;
  int by_classroom = g_strcmp0 (string_of (first, "classroom"),
                                string_of (second, "classroom"));
  if (by_classroom != 0)
    return by_classroom;
  return g_strcmp0 (string_of (first, "transport"),
                    string_of (second, "transport"));
}

void
ss_cli_sort_links (json_t *links, SsCliSortKey key)
{
  if (!json_is_array (links))
    return;

  gsize n = json_array_size (links);
  g_autofree json_t **items = g_new0 (json_t *, n + 1);
  for (gsize i = 0; i < n; i++)
    items[i] = json_incref (json_array_get (links, i));

  g_qsort_with_data (items, n, sizeof (json_t *), compare_links,
                     GINT_TO_POINTER (key));

  json_array_clear (links);
  for (gsize i = 0; i < n; i++)
    json_array_append_new (links, items[i]);
}

const char *
ss_cli_sort_key_to_string (SsCliSortKey key)
{
  switch (key)
    {
    case SS_CLI_SORT_LOSS:
      return _("loss");
    case SS_CLI_SORT_RTT:
      return _("RTT");
    case SS_CLI_SORT_BITRATE:
      return _("bitrate");
    case SS_CLI_SORT_SCORE:
    default:
      return _("score");
    }
}

/* ---- Words ------------------------------------------------------------- */

static const char *
translate_relay (const char *relay)
{
  return g_strcmp0 (relay, "embedded") == 0 ? _("embedded") : relay;
}

static const char *
translate_role (const char *role)
{
  if (g_strcmp0 (role, "lead") == 0)
    return _("lead");
  if (g_strcmp0 (role, "remote") == 0)
    return _("remote");
  return role;
}

/* The protocol's names of a classroom's two media transports: what it
 * publishes (the lead's lesson, a remote's return feed) and what it
 * subscribes to. */
static const char *
translate_transport (const char *transport)
{
  if (g_strcmp0 (transport, "publish") == 0)
    return _("publish");
  if (g_strcmp0 (transport, "subscribe") == 0)
    return _("subscribe");
  return transport[0] != '\0' ? transport : "-";
}

static const char *
translate_state (const char *state)
{
  if (g_strcmp0 (state, "connected") == 0)
    return _("connected");
  if (g_strcmp0 (state, "connecting") == 0)
    return _("connecting");
  return state;
}

/* ---- Tables ------------------------------------------------------------ */

static void
render_relays_table (json_t *view, GString *out,
                     const SsCliScreenOptions *options)
{
  const char *headers[] = {
    _("RELAY"), _("WORKER"), _("LESSONS"), _("TRANSPORTS"), _("IN"),
    _("OUT"), _("PACKETS/S IN"), _("PACKETS/S OUT"), _("CPU"),
  };
  g_autoptr (SsCliTable) table = ss_cli_table_new (G_N_ELEMENTS (headers));
  ss_cli_table_add_row (table, headers, FALSE);

  gsize i;
  json_t *relay;
  json_array_foreach (json_object_get (view, "relays"), i, relay)
    {
      g_autofree char *worker = ss_cli_format_count (
          json_object_get (relay, "worker"));
      g_autofree char *lessons = ss_cli_format_count (
          json_object_get (relay, "lessons"));
      g_autofree char *transports = ss_cli_format_count (
          json_object_get (relay, "transports"));
      g_autofree char *in = ss_cli_format_bitrate (
          json_object_get (relay, "bitrate_in_bps"));
      g_autofree char *out_rate = ss_cli_format_bitrate (
          json_object_get (relay, "bitrate_out_bps"));
      g_autofree char *pps_in = ss_cli_format_count (
          json_object_get (relay, "packets_received_per_second"));
      g_autofree char *pps_out = ss_cli_format_count (
          json_object_get (relay, "packets_sent_per_second"));
      g_autofree char *cpu = ss_cli_format_percent (
          json_object_get (relay, "cpu_percent"));
      const char *cells[] = {
        translate_relay (string_of (relay, "relay")), worker, lessons,
        transports, in, out_rate, pps_in, pps_out, cpu,
      };
      ss_cli_table_add_row (table, cells, FALSE);
    }
  ss_cli_table_render (table, out, INDENT, options->width, options->color);
}

static void
render_lessons_table (json_t *view, GString *out,
                      const SsCliScreenOptions *options)
{
  const char *headers[] = {
    _("LESSON"), _("STATE"), _("LEAD"), _("RELAY"), _("REMOTES"), _("IN"),
    _("OUT"), _("KEYFRAME AGE"),
  };
  g_autoptr (SsCliTable) table = ss_cli_table_new (G_N_ELEMENTS (headers));
  ss_cli_table_add_row (table, headers, FALSE);

  gsize i;
  json_t *lesson;
  json_array_foreach (json_object_get (view, "lessons"), i, lesson)
    {
      gboolean live = json_is_true (json_object_get (lesson, "live"));
      json_t *worker = json_object_get (lesson, "worker");
      g_autofree char *relay = json_is_integer (worker)
          ? g_strdup_printf ("%s/%" JSON_INTEGER_FORMAT,
                             translate_relay (string_of (lesson, "relay")),
                             json_integer_value (worker))
          : g_strdup ("-");
      g_autofree char *remotes = ss_cli_format_count (
          json_object_get (lesson, "remotes"));
      g_autofree char *in = ss_cli_format_bitrate (
          json_object_get (lesson, "bitrate_in_bps"));
      g_autofree char *out_rate = ss_cli_format_bitrate (
          json_object_get (lesson, "bitrate_out_bps"));
      g_autofree char *keyframe = ss_cli_format_seconds (
          json_object_get (lesson, "keyframe_age_seconds"));
      const char *lead = string_of (lesson, "lead");
      const char *cells[] = {
        string_of (lesson, "lesson"), live ? _("live") : _("waiting"),
        lead[0] != '\0' ? lead : "-", relay, remotes, in, out_rate, keyframe,
      };
      ss_cli_table_add_row (table, cells, FALSE);
    }
  ss_cli_table_render (table, out, INDENT, options->width, options->color);
}

static gboolean
link_is_lossy (json_t *link, const SsCliScreenOptions *options)
{
  return number_of (link, "loss_percent") > options->loss_threshold_percent;
}

/* Renders up to @max_rows links (0 for all) of the sorted array. */
static void
render_links_table (json_t *links, GString *out,
                    const SsCliScreenOptions *options, guint max_rows)
{
  const char *headers[] = {
    _("LESSON"), _("CLASSROOM"), _("ROLE"), _("TRANSPORT"), _("STATE"),
    _("IN"), _("OUT"), _("LOSS"), _("JITTER"), _("RTT"), _("NACK S/R"),
    _("PLI S/R"), _("LAYER"),
  };
  g_autoptr (SsCliTable) table = ss_cli_table_new (G_N_ELEMENTS (headers));
  ss_cli_table_add_row (table, headers, FALSE);

  gsize i;
  json_t *link;
  json_array_foreach (links, i, link)
    {
      if (max_rows > 0 && i >= max_rows)
        break;

      g_autofree char *in = ss_cli_format_bitrate (
          json_object_get (link, "bitrate_in_bps"));
      g_autofree char *out_rate = ss_cli_format_bitrate (
          json_object_get (link, "bitrate_out_bps"));
      g_autofree char *loss = ss_cli_format_percent (
          json_object_get (link, "loss_percent"));
      g_autofree char *jitter = ss_cli_format_ms (
          json_object_get (link, "jitter_ms"));
      g_autofree char *rtt = ss_cli_format_ms (
          json_object_get (link, "rtt_ms"));
      g_autofree char *nacks = g_strdup_printf (
          "%.0f/%.0f", number_of (link, "nacks_sent"),
          number_of (link, "nacks_received"));
      g_autofree char *plis = g_strdup_printf (
          "%.0f/%.0f", number_of (link, "keyframe_requests_sent"),
          number_of (link, "keyframe_requests_received"));
      g_autofree char *layer = ss_cli_format_count (
          json_object_get (link, "layer"));
      const char *cells[] = {
        string_of (link, "lesson"), string_of (link, "classroom"),
        translate_role (string_of (link, "role")),
        translate_transport (string_of (link, "transport")),
        translate_state (string_of (link, "state")), in, out_rate, loss,
        jitter, rtt, nacks, plis, layer,
      };
      ss_cli_table_add_row (table, cells, link_is_lossy (link, options));
    }
  ss_cli_table_render (table, out, INDENT, options->width, options->color);
}

/* ---- Screens ----------------------------------------------------------- */

static guint
count_live (json_t *view)
{
  guint live = 0;
  gsize i;
  json_t *lesson;
  json_array_foreach (json_object_get (view, "lessons"), i, lesson)
    if (json_is_true (json_object_get (lesson, "live")))
      live++;
  return live;
}

static guint
count_lossy (json_t *links, const SsCliScreenOptions *options)
{
  guint lossy = 0;
  gsize i;
  json_t *link;
  json_array_foreach (links, i, link)
    if (link_is_lossy (link, options))
      lossy++;
  return lossy;
}

static void
append_summary (json_t *view, GString *out,
                const SsCliScreenOptions *options)
{
  json_t *server = json_object_get (view, "server");
  json_t *process = json_object_get (view, "process");
  json_t *classrooms = json_object_get (view, "classrooms");
  json_t *links = json_object_get (view, "links");

  g_autofree char *uptime = ss_cli_format_duration (
      (gint64) number_of (server, "uptime_seconds"));
  g_autofree char *memory = ss_cli_format_bytes (
      json_object_get (process, "resident_memory_bytes"));
  g_autofree char *cpu = ss_cli_format_percent (
      json_object_get (process, "cpu_percent"));

  g_string_append_printf (out, _("Server %s, up %s, memory %s, CPU %s\n"),
                          string_of (server, "name"), uptime, memory, cpu);
  g_string_append_printf (
      out, _("Lessons: %u live of %u. Classrooms: %.0f online, %.0f "
             "offline. Links: %u, %u above %.1f %% loss.\n"),
      count_live (view),
      (guint) json_array_size (json_object_get (view, "lessons")),
      number_of (classrooms, "online"), number_of (classrooms, "offline"),
      (guint) json_array_size (links), count_lossy (links, options),
      options->loss_threshold_percent);
}

/* Keeps the first @max_lines lines of @text (0 keeps all). */
static void
truncate_lines (GString *text, guint max_lines)
{
  if (max_lines == 0)
    return;

  guint lines = 0;
  for (gsize i = 0; i < text->len; i++)
    if (text->str[i] == '\n' && ++lines == max_lines)
      {
        g_string_truncate (text, i + 1);
        return;
      }
}

char *
ss_cli_render_top (json_t *view, const SsCliScreenOptions *options)
{
  g_autoptr (json_t) links = json_deep_copy (json_object_get (view,
                                                              "links"));
  if (links == NULL)
    links = json_array ();
  ss_cli_sort_links (links, options->sort_key);

  GString *out = g_string_new (NULL);
  append_summary (view, out, options);

  g_string_append_printf (out, "\n%s\n", _("Relays"));
  render_relays_table (view, out, options);
  g_string_append_printf (out, "\n%s\n", _("Lessons"));
  render_lessons_table (view, out, options);
  g_string_append_printf (out, "\n");
  g_string_append_printf (out, _("Links, worst first by %s\n"),
                          ss_cli_sort_key_to_string (options->sort_key));
  render_links_table (links, out, options, 0);

  if (options->show_keys)
    {
      /* The key line stays visible at the bottom when the frame is cut. */
      truncate_lines (out, options->height > 2 ? options->height - 2 : 0);
      g_string_append_printf (
          out, "\n%s", _("q quit, s sort by score, l by loss, r by RTT, b "
                         "by bitrate"));
      return g_string_free (out, FALSE);
    }

  truncate_lines (out, options->height);
  return g_string_free (out, FALSE);
}

char *
ss_cli_render_status (json_t *view, const SsCliScreenOptions *options)
{
  GString *out = g_string_new (NULL);
  append_summary (view, out, options);

  g_autoptr (json_t) links = json_deep_copy (json_object_get (view,
                                                              "links"));
  guint lossy = count_lossy (links, options);
  if (lossy > 0)
    {
      ss_cli_sort_links (links, SS_CLI_SORT_LOSS);
      g_string_append_printf (out, "\n%s\n", _("Links above the loss "
                                               "threshold"));
      render_links_table (links, out, options, lossy);
    }

  g_string_append_printf (out, "\n%s\n", _("Lessons"));
  render_lessons_table (view, out, options);
  return g_string_free (out, FALSE);
}

char *
ss_cli_render_relays (json_t *view, const SsCliScreenOptions *options)
{
  GString *out = g_string_new (NULL);
  json_t *process = json_object_get (view, "process");
  g_autofree char *memory = ss_cli_format_bytes (
      json_object_get (process, "resident_memory_bytes"));
  g_autofree char *cpu = ss_cli_format_percent (
      json_object_get (process, "cpu_percent"));

  render_relays_table (view, out, options);
  g_string_append_printf (out, _("Server process: memory %s, CPU %s\n"),
                          memory, cpu);
  return g_string_free (out, FALSE);
}

char *
ss_cli_render_lessons (json_t *view, const SsCliScreenOptions *options)
{
  g_autoptr (json_t) links = json_deep_copy (json_object_get (view,
                                                              "links"));
  if (links == NULL)
    links = json_array ();
  ss_cli_sort_links (links, options->sort_key);

  GString *out = g_string_new (NULL);
  render_lessons_table (view, out, options);
  g_string_append_printf (out, "\n%s\n", _("Links"));
  render_links_table (links, out, options, 0);
  return g_string_free (out, FALSE);
}

char *
ss_cli_render_classrooms (json_t *reply, const SsCliScreenOptions *options)
{
  const char *headers[] = {
    _("CLASSROOM"), _("STATUS"), _("LAST SEEN"), _("ROLE"), _("LESSON"),
    _("AGENT"),
  };
  g_autoptr (SsCliTable) table = ss_cli_table_new (G_N_ELEMENTS (headers));
  ss_cli_table_add_row (table, headers, FALSE);

  gsize i;
  json_t *classroom;
  json_array_foreach (json_object_get (reply, "classrooms"), i, classroom)
    {
      gboolean online = json_is_true (json_object_get (classroom, "online"));
      json_t *since = json_object_get (classroom, "seconds_since_seen");
      g_autofree char *ago = ss_cli_format_duration (
          (gint64) number_of (classroom, "seconds_since_seen"));
      g_autofree char *last_seen
          = online ? g_strdup (_("now"))
            : json_is_number (since) ? g_strdup_printf (_("%s ago"), ago)
                                     : g_strdup (_("never"));
      const char *lesson = string_of (classroom, "lesson");
      const char *agent = string_of (classroom, "agent");
      const char *cells[] = {
        string_of (classroom, "classroom"),
        online ? _("online") : _("offline"), last_seen,
        translate_role (string_of (classroom, "role")),
        lesson[0] != '\0' ? lesson : "-", agent[0] != '\0' ? agent : "-",
      };
      ss_cli_table_add_row (table, cells, FALSE);
    }

  GString *out = g_string_new (NULL);
  ss_cli_table_render (table, out, INDENT, options->width, options->color);
  return g_string_free (out, FALSE);
}
