/* `shuangshi lesson add|list|remove|log`: the lessons of the timetable
 * (POST, GET /api/v1/lessons, DELETE /api/v1/lessons/ID) and the
 * interaction log of a lesson's runs (GET /api/v1/lessons/ID/log). Times
 * are ISO 8601, such as 2025-03-03T14:00:00+08:00 or "2025-03-03 14:00",
 * which the server reads in China Standard Time. */
#include "ss-cli-command.h"

#include <glib/gi18n.h>

#include "ss-cli-args.h"
#include "ss-cli-lesson-log.h"

#define ACTIONS N_("add, list, remove or log")

static const char *
text_or_dash (json_t *object, const char *member)
{
  const char *text = json_string_value (json_object_get (object, member));
  return text != NULL ? text : "-";
}

/* Splits "a,b,,c" into the non-empty ids. */
static json_t *
split_remotes (const char *text)
{
  json_t *remotes = json_array ();
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        json_array_append_new (remotes, json_string (parts[i]));
    }
  return remotes;
}

typedef struct {
  char *id;
  char *title;
  char *subject;
  char *lead;
  char *remotes;
  char *start;
  char *end;
  gboolean weekly;
} SsLessonOptions;

static void
ss_lesson_options_clear (SsLessonOptions *options)
{
  g_free (options->id);
  g_free (options->title);
  g_free (options->subject);
  g_free (options->lead);
  g_free (options->remotes);
  g_free (options->start);
  g_free (options->end);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SsLessonOptions, ss_lesson_options_clear)

static gboolean
check_required (const SsLessonOptions *options)
{
  const struct {
    const char *value;
    const char *option;
  } required[] = {
    { options->title, "--title" },     { options->subject, "--subject" },
    { options->lead, "--lead" },       { options->remotes, "--remote" },
    { options->start, "--start" },     { options->end, "--end" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      if (required[i].value == NULL)
        {
          g_printerr (_("shuangshi lesson add: %s is required\n"),
                      required[i].option);
          return FALSE;
        }
    }
  return TRUE;
}

static json_t *
build_lesson_body (const SsLessonOptions *options)
{
  json_t *body = json_pack ("{s:s,s:s,s:s,s:o,s:s,s:s,s:b}", "title",
                            options->title, "subject", options->subject,
                            "lead", options->lead, "remotes",
                            split_remotes (options->remotes), "start",
                            options->start, "end", options->end, "weekly",
                            options->weekly);
  if (options->id != NULL)
    json_object_set_new (body, "id", json_string (options->id));
  return body;
}

static int
add_lesson (SsCli *cli, int argc, char **argv)
{
  g_auto (SsLessonOptions) options = { 0 };
  const GOptionEntry entries[] = {
    { "title", 0, 0, G_OPTION_ARG_STRING, &options.title,
      N_("Title of the lesson (required)"), N_("T") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &options.subject,
      N_("Subject, shown on the remote classrooms' waiting screen "
         "(required)"), N_("S") },
    { "lead", 0, 0, G_OPTION_ARG_STRING, &options.lead,
      N_("Classroom ID of the lead classroom (required)"), N_("ID") },
    { "remote", 0, 0, G_OPTION_ARG_STRING, &options.remotes,
      N_("Classroom IDs of the remote classrooms, separated by commas "
         "(required)"), N_("ID[,ID…]") },
    { "start", 0, 0, G_OPTION_ARG_STRING, &options.start,
      N_("Start, e.g. 2025-03-03T14:00:00+08:00 or \"2025-03-03 14:00\" "
         "(China Standard Time) (required)"), N_("TIME") },
    { "end", 0, 0, G_OPTION_ARG_STRING, &options.end,
      N_("End, in the same form as --start (required)"), N_("TIME") },
    { "weekly", 0, 0, G_OPTION_ARG_NONE, &options.weekly,
      N_("Repeat every week from the first run"), NULL },
    { "id", 0, 0, G_OPTION_ARG_STRING, &options.id,
      N_("Lesson ID (default: one the server generates)"), N_("ID") },
    { NULL },
  };
  if (!ss_cli_parse_action ("lesson add", _("schedule a lesson"), NULL,
                            entries, argc, argv, 0, NULL)
      || !check_required (&options))
    return SS_CLI_EXIT_USAGE;

  g_autoptr (json_t) body = build_lesson_body (&options);
  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_send_json (cli, "POST", "/api/v1/lessons", body, &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    {
      ss_cli_print_json (reply);
      return SS_CLI_EXIT_OK;
    }

  json_t *lesson = json_object_get (reply, "lesson");
  g_print (_("Lesson %s scheduled: %s to %s.\n"), text_or_dash (lesson, "id"),
           text_or_dash (lesson, "start"), text_or_dash (lesson, "end"));

  /* A one-off lesson whose end has passed never starts; times without an
   * offset are China Standard Time, so on a machine in another zone a
   * "now" typed in local time can land in the past. */
  const char *end_text = json_string_value (json_object_get (lesson, "end"));
  g_autoptr (GDateTime) end = end_text != NULL
                                  ? g_date_time_new_from_iso8601 (end_text, NULL)
                                  : NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  if (end != NULL && !json_is_true (json_object_get (lesson, "weekly"))
      && g_date_time_compare (end, now) <= 0)
    g_printerr (_("Warning: lesson %s ends at %s, which has already passed, so "
                  "it will not start. Times without an offset are China "
                  "Standard Time (UTC+8).\n"),
                text_or_dash (lesson, "id"), end_text);
  return SS_CLI_EXIT_OK;
}

static char *
join_remotes (json_t *lesson)
{
  g_autoptr (GString) text = g_string_new (NULL);
  size_t index;
  json_t *remote;
  json_array_foreach (json_object_get (lesson, "remotes"), index, remote)
    {
      if (index > 0)
        g_string_append_c (text, ',');
      g_string_append (text, json_string_value (remote));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
add_lesson_row (SsCliTable *table, json_t *lesson)
{
  g_autofree char *remotes = join_remotes (lesson);
  const char *cells[] = {
    text_or_dash (lesson, "id"),
    text_or_dash (lesson, "state"),
    text_or_dash (lesson, "start"),
    text_or_dash (lesson, "end"),
    json_is_true (json_object_get (lesson, "weekly")) ? _("weekly") : "",
    text_or_dash (lesson, "subject"),
    text_or_dash (lesson, "lead"),
    remotes,
    text_or_dash (lesson, "title"),
  };
  ss_cli_table_add_row (table, cells, FALSE);
}

static int
list_lessons (SsCli *cli, int argc, char **argv)
{
  if (!ss_cli_parse_action ("lesson list", _("list the timetable's lessons"),
                            NULL, NULL, argc, argv, 0, NULL))
    return SS_CLI_EXIT_USAGE;

  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_get_json (cli, "/api/v1/lessons", &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    {
      ss_cli_print_json (reply);
      return SS_CLI_EXIT_OK;
    }

  json_t *lessons = json_object_get (reply, "lessons");
  if (json_array_size (lessons) == 0)
    {
      g_print (_("No lessons scheduled.\n"));
      return SS_CLI_EXIT_OK;
    }

  const char *headers[] = {
    _("ID"), _("STATE"), _("START"), _("END"), _("REPEAT"), _("SUBJECT"),
    _("LEAD"), _("REMOTES"), _("TITLE"),
  };
  g_autoptr (SsCliTable) table = ss_cli_table_new (G_N_ELEMENTS (headers));
  ss_cli_table_add_row (table, headers, FALSE);

  size_t index;
  json_t *lesson;
  json_array_foreach (lessons, index, lesson)
    add_lesson_row (table, lesson);

  g_autoptr (GString) out = g_string_new (NULL);
  ss_cli_table_render (table, out, "", 0, FALSE);
  g_print ("%s", out->str);
  return SS_CLI_EXIT_OK;
}

static int
remove_lesson (SsCli *cli, int argc, char **argv)
{
  const char *id = NULL;
  if (!ss_cli_parse_action ("lesson remove", _("remove a lesson"), "ID",
                            NULL, argc, argv, 1, &id))
    return SS_CLI_EXIT_USAGE;

  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_delete_resource (cli, "/api/v1/lessons/", id, &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    ss_cli_print_json (reply);
  else
    g_print (_("Lesson %s removed.\n"), id);
  return SS_CLI_EXIT_OK;
}

static int
show_lesson_log (SsCli *cli, int argc, char **argv)
{
  const char *id = NULL;
  if (!ss_cli_parse_action ("lesson log",
                            _("show a lesson's chat, hands, floor, phases "
                              "and attendance, run by run"),
                            "ID", NULL, argc, argv, 1, &id))
    return SS_CLI_EXIT_USAGE;

  g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/lessons/%s/log",
                                           escaped);
  SsCliScreenOptions options = ss_cli_screen_options_for_terminal ();
  return ss_cli_run_view_command (cli, path, ss_cli_render_lesson_log,
                                  &options);
}

int
ss_cli_cmd_lesson (SsCli *cli, int argc, char **argv)
{
  const char *action = argc > 1 ? argv[1] : NULL;
  if (g_strcmp0 (action, "add") == 0)
    return add_lesson (cli, argc - 1, argv + 1);
  if (g_strcmp0 (action, "list") == 0)
    return list_lessons (cli, argc - 1, argv + 1);
  if (g_strcmp0 (action, "remove") == 0)
    return remove_lesson (cli, argc - 1, argv + 1);
  if (g_strcmp0 (action, "log") == 0)
    return show_lesson_log (cli, argc - 1, argv + 1);

  if (ss_cli_is_help (action))
    {
      ss_cli_print_actions ("lesson", _(ACTIONS));
      return SS_CLI_EXIT_OK;
    }

  ss_cli_report_bad_action ("lesson", action, _(ACTIONS));
  return SS_CLI_EXIT_USAGE;
}
