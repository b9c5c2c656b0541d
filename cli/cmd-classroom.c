/* `shuangshi classroom add|list|remove|link`: the classrooms of the
 * timetable (POST, GET /api/v1/classrooms, DELETE /api/v1/classrooms/ID).
 * Adding a classroom prints its token, which goes into the agent's
 * configuration file on that classroom's PC. Linking prints the address of
 * the classroom's teachers' page with a teacher token in it (POST
 * /api/v1/teacher-tokens). */
#include "ss-cli-command.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ss-cli-args.h"

#define ACTIONS N_("add, list, remove or link")

static const char *
text_or_dash (json_t *object, const char *member)
{
  const char *text = json_string_value (json_object_get (object, member));
  return text != NULL ? text : "-";
}

static int
add_classroom (SsCli *cli, int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *school = NULL;
  g_autofree char *county = NULL;
  g_autofree char *township = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name,
      N_("Name shown to people, e.g. 三年级一班 (required)"), N_("NAME") },
    { "school", 0, 0, G_OPTION_ARG_STRING, &school, N_("School"),
      N_("SCHOOL") },
    { "county", 0, 0, G_OPTION_ARG_STRING, &county, N_("County"),
      N_("COUNTY") },
    { "township", 0, 0, G_OPTION_ARG_STRING, &township, N_("Township"),
      N_("TOWNSHIP") },
    { NULL },
  };
  const char *id = NULL;
  if (!ss_cli_parse_action ("classroom add",
                            _("register a classroom and print its token"),
                            "ID", entries, argc, argv, 1, &id))
    return SS_CLI_EXIT_USAGE;

  if (name == NULL)
    {
      g_printerr (_("shuangshi classroom add: --name is required\n"));
      return SS_CLI_EXIT_USAGE;
    }

  g_autoptr (json_t) body = json_pack ("{s:s,s:s}", "id", id, "name", name);
  if (school != NULL)
    json_object_set_new (body, "school", json_string (school));
  if (county != NULL)
    json_object_set_new (body, "county", json_string (county));
  if (township != NULL)
    json_object_set_new (body, "township", json_string (township));

  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_send_json (cli, "POST", "/api/v1/classrooms", body,
                                 &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    {
      ss_cli_print_json (reply);
      return SS_CLI_EXIT_OK;
    }

  json_t *expires = json_object_get (reply, "token_expires");
  g_autoptr (GDateTime) expiry = g_date_time_new_from_unix_local (
      json_is_integer (expires) ? json_integer_value (expires) : 0);
  g_autofree char *expiry_text = g_date_time_format (expiry, "%Y-%m-%d");
  g_print (_("Classroom %s added. Its token, valid until %s, goes into the "
             "agent's configuration file as token=:\n"),
           id, expiry_text);
  g_print ("%s\n", text_or_dash (reply, "token"));
  return SS_CLI_EXIT_OK;
}

static int
list_classrooms (SsCli *cli, int argc, char **argv)
{
  if (!ss_cli_parse_action ("classroom list", _("list the classrooms"), NULL,
                            NULL, argc, argv, 0, NULL))
    return SS_CLI_EXIT_USAGE;

  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_get_json (cli, "/api/v1/classrooms", &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    {
      ss_cli_print_json (reply);
      return SS_CLI_EXIT_OK;
    }

  json_t *classrooms = json_object_get (reply, "classrooms");
  if (json_array_size (classrooms) == 0)
    {
      g_print (_("No classrooms yet; add one with \"shuangshi classroom "
                 "add\".\n"));
      return SS_CLI_EXIT_OK;
    }

  const char *headers[] = {
    _("ID"), _("NAME"), _("SCHOOL"), _("COUNTY"), _("TOWNSHIP"),
  };
  g_autoptr (SsCliTable) table = ss_cli_table_new (G_N_ELEMENTS (headers));
  ss_cli_table_add_row (table, headers, FALSE);

  size_t index;
  json_t *classroom;
  json_array_foreach (classrooms, index, classroom)
    {
      const char *cells[] = {
        text_or_dash (classroom, "id"), text_or_dash (classroom, "name"),
        text_or_dash (classroom, "school"), text_or_dash (classroom, "county"),
        text_or_dash (classroom, "township"),
      };
      ss_cli_table_add_row (table, cells, FALSE);
    }

  g_autoptr (GString) out = g_string_new (NULL);
  ss_cli_table_render (table, out, "", 0, FALSE);
  g_print ("%s", out->str);
  return SS_CLI_EXIT_OK;
}

static int
remove_classroom (SsCli *cli, int argc, char **argv)
{
  const char *id = NULL;
  if (!ss_cli_parse_action ("classroom remove", _("remove a classroom"),
                            "ID", NULL, argc, argv, 1, &id))
    return SS_CLI_EXIT_USAGE;

  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_delete_resource (cli, "/api/v1/classrooms/", id, &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  if (cli->json)
    ss_cli_print_json (reply);
  else
    g_print (_("Classroom %s removed.\n"), id);
  return SS_CLI_EXIT_OK;
}

/* The protocol's id syntax: 1 to 64 of A-Z a-z 0-9 . _ - */
static gboolean
is_identifier (const char *text)
{
  gsize length = strlen (text);
  if (length == 0 || length > 64)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (text[i]) && strchr ("._-", text[i]) == NULL)
      return FALSE;
  return TRUE;
}

/* Returns BASE/?token=...&role=...[&lesson=...], the query percent-encoded
 * (RFC 3986 section 3.4). @base has no trailing slash. */
static char *
build_page_url (const char *base,
                const char *token,
                const char *role,
                const char *lesson)
{
  g_autofree char *token_part = g_uri_escape_string (token, NULL, FALSE);
  GString *url = g_string_new (base);
  g_string_append_printf (url, "/?token=%s&role=%s", token_part, role);
  if (lesson != NULL)
    {
      g_autofree char *lesson_part = g_uri_escape_string (lesson, NULL,
                                                          FALSE);
      g_string_append_printf (url, "&lesson=%s", lesson_part);
    }
  return g_string_free (url, FALSE);
}

static int
link_classroom (SsCli *cli, int argc, char **argv)
{
  g_autofree char *role = NULL;
  g_autofree char *lesson = NULL;
  g_autofree char *base_url = NULL;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role,
      N_("Teacher's role on the page: lead or remote (default remote)"),
      N_("ROLE") },
    { "lesson", 0, 0, G_OPTION_ARG_STRING, &lesson,
      N_("Lesson the page joins (default: the timetable lesson that starts)"),
      N_("ID") },
    { "base-url", 0, 0, G_OPTION_ARG_STRING, &base_url,
      N_("Server address as the teacher's browser reaches it (default: the "
         "--server URL)"),
      N_("URL") },
    { NULL },
  };
  const char *id = NULL;
  if (!ss_cli_parse_action ("classroom link",
                            _("print the address of a classroom's teachers' "
                              "page"),
                            "CLASSROOM", entries, argc, argv, 1, &id))
    return SS_CLI_EXIT_USAGE;

  if (role == NULL)
    role = g_strdup ("remote");
  if (strcmp (role, "lead") != 0 && strcmp (role, "remote") != 0)
    {
      g_printerr (_("shuangshi classroom link: invalid role \"%s\"; use lead "
                    "or remote\n"),
                  role);
      return SS_CLI_EXIT_USAGE;
    }

  if (lesson != NULL && !is_identifier (lesson))
    {
      g_printerr (_("shuangshi classroom link: invalid lesson id \"%s\"; use "
                    "1 to 64 characters of A-Z a-z 0-9 . _ -\n"),
                  lesson);
      return SS_CLI_EXIT_USAGE;
    }

  if (base_url == NULL)
    base_url = g_strdup (cli->server_url);
  if (!g_str_has_prefix (base_url, "http://")
      && !g_str_has_prefix (base_url, "https://"))
    {
      g_printerr (_("shuangshi classroom link: invalid --base-url \"%s\"; "
                    "give an http:// or https:// address\n"),
                  base_url);
      return SS_CLI_EXIT_USAGE;
    }
  gsize length = strlen (base_url);
  while (length > 0 && base_url[length - 1] == '/')
    base_url[--length] = '\0';

  g_autoptr (json_t) body = json_pack ("{s:s}", "classroom", id);
  g_autoptr (json_t) reply = NULL;
  int status = ss_cli_send_json (cli, "POST", "/api/v1/teacher-tokens", body,
                                 &reply);
  if (status != SS_CLI_EXIT_OK)
    return status;

  const char *token = json_string_value (json_object_get (reply, "token"));
  if (token == NULL)
    {
      g_printerr (_("shuangshi classroom link: the server's reply has no "
                    "token\n"));
      return SS_CLI_EXIT_FAILED;
    }

  g_autofree char *url = build_page_url (base_url, token, role, lesson);
  if (cli->json)
    {
      json_object_set_new (reply, "url", json_string (url));
      ss_cli_print_json (reply);
      return SS_CLI_EXIT_OK;
    }

  json_t *expires = json_object_get (reply, "token_expires");
  g_autoptr (GDateTime) expiry = g_date_time_new_from_unix_local (
      json_is_integer (expires) ? json_integer_value (expires) : 0);
  g_autofree char *expiry_text = g_date_time_format (expiry, "%Y-%m-%d");
  if (strcmp (role, "lead") == 0)
    g_print (_("Lead teacher's page of classroom %s, valid until %s; open it "
               "in a browser:\n"),
             id, expiry_text);
  else
    g_print (_("Remote teacher's page of classroom %s, valid until %s; open "
               "it in a browser:\n"),
             id, expiry_text);
  g_print ("%s\n", url);
  return SS_CLI_EXIT_OK;
}

int
ss_cli_cmd_classroom (SsCli *cli, int argc, char **argv)
{
  const char *action = argc > 1 ? argv[1] : NULL;
  if (g_strcmp0 (action, "add") == 0)
    return add_classroom (cli, argc - 1, argv + 1);
  if (g_strcmp0 (action, "list") == 0)
    return list_classrooms (cli, argc - 1, argv + 1);
  if (g_strcmp0 (action, "remove") == 0)
    return remove_classroom (cli, argc - 1, argv + 1);
  if (g_strcmp0 (action, "link") == 0)
    return link_classroom (cli, argc - 1, argv + 1);

  if (ss_cli_is_help (action))
    {
      ss_cli_print_actions ("classroom", _(ACTIONS));
      return SS_CLI_EXIT_OK;
    }

  ss_cli_report_bad_action ("classroom", action, _(ACTIONS));
  return SS_CLI_EXIT_USAGE;
}
