/* Rendering of a lesson's interaction log: one table per run, one row per
 * event, in the order the server took them. Chat text is shown whole, with
 * line breaks as "↵" so each event stays on one row, and any control
 * character the server let through is replaced, so a message cannot
 * restyle the technician's terminal.
 */
#include "ss-cli-lesson-log.h"

#include <glib/gi18n.h>

#include "ss-cli-format.h"

#define INDENT "  "

static const char *
string_of (json_t *object, const char *key)
{
  return json_string_value (json_object_get (object, key));
}

static const char *
text_or_dash (json_t *object, const char *key)
{
  const char *value = string_of (object, key);
  return value != NULL ? value : "-";
}

/* "14:05:09" from an ISO 8601 time, in the offset the server wrote. */
static char *
format_clock (const char *iso_time)
{
  g_autoptr (GDateTime) time = iso_time != NULL
                                   ? g_date_time_new_from_iso8601 (iso_time,
                                                                   NULL)
                                   : NULL;
  if (time == NULL)
    return g_strdup (iso_time != NULL ? iso_time : "-");
  return g_date_time_format (time, "%H:%M:%S");
}

/* Replaces line breaks with "↵", tabs with a space and other control
 * characters with U+FFFD. */
static char *
make_printable (const char *text)
{
  GString *out = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '\r' && p[1] == '\n')
        continue;
      if (c == '\n' || c == '\r')
        g_string_append (out, "↵");
      else if (c == '\t')
        g_string_append_c (out, ' ');
      else if (g_unichar_iscntrl (c))
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static const char *
phase_label (const char *phase)
{
  if (g_strcmp0 (phase, "teaching") == 0)
    return _("teaching");
  if (g_strcmp0 (phase, "practice") == 0)
    return _("practice");
  if (g_strcmp0 (phase, "discussion") == 0)
    return _("discussion");
  return phase != NULL ? phase : "-";
}

/* Who sent the request: "town-a (page)", or the server. */
static char *
describe_sender (json_t *event)
{
  const char *by = string_of (event, "by");
  if (by == NULL)
    return g_strdup (_("server"));

  const char *client = string_of (event, "client");
  if (g_strcmp0 (client, "page") == 0)
    return g_strdup_printf (_("%s (page)"), by);
  return g_strdup_printf (_("%s (classroom PC)"), by);
}

/* The action and its details, by kind. */
static void
describe_event (json_t *event, char **action, char **details)
{
  const char *kind = string_of (event, "kind");
  const char *classroom = text_or_dash (event, "classroom");

  if (g_strcmp0 (kind, "chat") == 0)
    {
      gboolean private = string_of (event, "classroom") != NULL;
      *action = private ? g_strdup_printf (_("private message to %s"),
                                           classroom)
                        : g_strdup (_("message to everyone"));
      g_autofree char *text = make_printable (text_or_dash (event, "text"));
      *details = g_strdup_printf ("#%" JSON_INTEGER_FORMAT " %s",
                                  json_integer_value (json_object_get (event,
                                                                       "seq")),
                                  text);
    }
  else if (g_strcmp0 (kind, "hand.raise") == 0)
    {
      *action = g_strdup (_("raised the hand"));
      *details = g_strdup (classroom);
    }
  else if (g_strcmp0 (kind, "hand.lower") == 0)
    {
      *action = g_strdup (_("lowered the hand"));
      *details = g_strdup (classroom);
    }
  else if (g_strcmp0 (kind, "floor.grant") == 0)
    {
      *action = g_strdup (_("gave the floor"));
      *details = g_strdup (classroom);
    }
  else if (g_strcmp0 (kind, "floor.revoke") == 0)
    {
      *action = g_strdup (string_of (event, "by") != NULL
                              ? _("took the floor back")
                              : _("floor returned: its holder left"));
      *details = g_strdup ("");
    }
  else if (g_strcmp0 (kind, "phase") == 0)
    {
      *action = g_strdup (_("set the phase"));
      *details = g_strdup (phase_label (string_of (event, "phase")));
    }
  else if (g_strcmp0 (kind, "attendance") == 0)
    {
      json_t *students = json_object_get (event, "students");
      *action = g_strdup (_("confirmed attendance"));
      *details = json_is_integer (students)
                     ? g_strdup_printf (_("%s: %lld students"), classroom,
                                        (long long) json_integer_value (
                                            students))
                     : g_strdup (classroom);
    }
  else
    {
      /* A kind from a newer server: shown as the server names it. */
      *action = g_strdup (kind != NULL ? kind : "-");
      *details = g_strdup (classroom);
    }
}

static void
render_run (GString *out, json_t *run)
{
  json_t *events = json_object_get (run, "events");
  gboolean timetable = json_is_true (json_object_get (run, "timetable"));
  gsize n_events = json_array_size (events);
  g_string_append_printf (
      out,
      timetable ? ngettext ("Run starting %s (timetable), %zu event:\n",
                            "Run starting %s (timetable), %zu events:\n",
                            n_events)
                : ngettext ("Run starting %s (ad-hoc), %zu event:\n",
                            "Run starting %s (ad-hoc), %zu events:\n",
                            n_events),
      text_or_dash (run, "start"), n_events);
  if (json_array_size (events) == 0)
    return;

  const char *headers[] = { _("TIME"), _("BY"), _("ACTION"), _("DETAILS") };
  g_autoptr (SsCliTable) table = ss_cli_table_new (G_N_ELEMENTS (headers));
  ss_cli_table_add_row (table, headers, FALSE);

  size_t index;
  json_t *event;
  json_array_foreach (events, index, event)
    {
      g_autofree char *time = format_clock (string_of (event, "at"));
      g_autofree char *sender = describe_sender (event);
      g_autofree char *action = NULL;
      g_autofree char *details = NULL;
      describe_event (event, &action, &details);

      const char *cells[] = { time, sender, action, details };
      ss_cli_table_add_row (table, cells, FALSE);
    }

  /* No width limit, because a cut chat message would hide its text. */
  ss_cli_table_render (table, out, INDENT, 0, FALSE);
}

char *
ss_cli_render_lesson_log (json_t *reply, const SsCliScreenOptions *options)
{
  GString *out = g_string_new (NULL);
  json_t *runs = json_object_get (reply, "runs");
  gsize n_runs = json_array_size (runs);
  g_string_append_printf (out,
                          ngettext ("Lesson %s: %zu run\n",
                                    "Lesson %s: %zu runs\n", n_runs),
                          text_or_dash (reply, "lesson"), n_runs);

  size_t index;
  json_t *run;
  json_array_foreach (runs, index, run)
    {
      g_string_append_c (out, '\n');
      render_run (out, run);
    }
  return g_string_free (out, FALSE);
}
