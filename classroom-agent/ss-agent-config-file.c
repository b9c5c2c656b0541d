/* Agent configuration file (GKeyFile, group [agent]).
 *
 * A classroom PC keeps the server URL, its classroom id and its token in
 * one file the technician writes once. The command line overrides each
 * value, which main.c applies after loading the file.
 */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-config-file.h"
#include "ss-agent-stats.h"

#include <glib/gi18n.h>
#include <string.h>

#define GROUP "agent"

static const char *const known_keys[] = {
  "server", "classroom", "role", "lesson", "token", "token_file",
  "auto_start", "source", "headless", "stats_file", "ice_address",
  "return_source", "return_slots", NULL,
};

void
ss_agent_config_file_clear (SsAgentConfigFile *file)
{
  g_clear_pointer (&file->server, g_free);
  g_clear_pointer (&file->classroom, g_free);
  g_clear_pointer (&file->role, g_free);
  g_clear_pointer (&file->lesson, g_free);
  g_clear_pointer (&file->token, g_free);
  g_clear_pointer (&file->token_file, g_free);
  g_clear_pointer (&file->source, g_free);
  g_clear_pointer (&file->stats_file, g_free);
  g_clear_pointer (&file->return_source, g_free);
  g_clear_pointer (&file->ice_addresses, g_strfreev);
}

static gboolean
check_keys (GKeyFile *key_file, const char *path, GError **error)
{
  if (!g_key_file_has_group (key_file, GROUP))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                   _("Configuration file %s has no [agent] group"), path);
      return FALSE;
    }

  g_auto (GStrv) keys = g_key_file_get_keys (key_file, GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      if (!g_strv_contains (known_keys, keys[i]))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                       _("Unknown key \"%s\" in [agent] of %s"), keys[i],
                       path);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_boolean (GKeyFile *key_file, const char *key, const char *path,
              gboolean *value, gboolean *present, GError **error)
{
  if (!g_key_file_has_key (key_file, GROUP, key, NULL))
    return TRUE;

  g_autoptr (GError) local_error = NULL;
  *value = g_key_file_get_boolean (key_file, GROUP, key, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("Invalid %s in %s: expected true or false"), key, path);
      return FALSE;
    }
  *present = TRUE;
  return TRUE;
}

/* Reads a whole number from 0 to @max; a missing key leaves *@present
 * FALSE. */
static gboolean
read_count (GKeyFile *key_file, const char *key, const char *path, int max,
            int *value, gboolean *present, GError **error)
{
  if (!g_key_file_has_key (key_file, GROUP, key, NULL))
    return TRUE;

  g_autofree char *text = g_key_file_get_string (key_file, GROUP, key, NULL);
  guint64 number = 0;
  if (text == NULL
      || !g_ascii_string_to_unsigned (g_strstrip (text), 10, 0, (guint64) max,
                                      &number, NULL))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("Invalid %s in %s: expected a whole number from 0 to %d"),
                   key, path, max);
      return FALSE;
    }
  *value = (int) number;
  *present = TRUE;
  return TRUE;
}

static char *
read_string (GKeyFile *key_file, const char *key)
{
  return g_key_file_get_string (key_file, GROUP, key, NULL);
}

/* A relative token_file is read from the configuration file's folder, so
 * the two files can be moved together. */
static char *
resolve_path (const char *config_path, char *value)
{
  if (value == NULL || g_path_is_absolute (value))
    return value;

  g_autofree char *folder = g_path_get_dirname (config_path);
  char *absolute = g_build_filename (folder, value, NULL);
  g_free (value);
  return absolute;
}

gboolean
ss_agent_config_file_load (const char *path,
                           SsAgentConfigFile *file,
                           GError **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE,
                                  &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot read configuration file %s: %s"), path,
                   local_error->message);
      return FALSE;
    }

  if (!check_keys (key_file, path, error))
    return FALSE;

  file->server = read_string (key_file, "server");
  file->classroom = read_string (key_file, "classroom");
  file->role = read_string (key_file, "role");
  file->lesson = read_string (key_file, "lesson");
  file->token = read_string (key_file, "token");
  file->token_file = resolve_path (path, read_string (key_file, "token_file"));
  file->source = read_string (key_file, "source");
  file->stats_file = read_string (key_file, "stats_file");
  file->return_source = read_string (key_file, "return_source");
  file->ice_addresses = g_key_file_get_string_list (key_file, GROUP,
                                                    "ice_address", NULL, NULL);

  return read_boolean (key_file, "headless", path, &file->headless,
                       &file->has_headless, error)
         && read_boolean (key_file, "auto_start", path, &file->auto_start,
                          &file->has_auto_start, error)
         && read_count (key_file, "return_slots", path, SS_AGENT_MAX_SLOTS,
                        &file->return_slots, &file->has_return_slots, error);
}

char *
ss_agent_read_token_file (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Cannot read the token file %s: %s"), path,
                   local_error->message);
      return NULL;
    }

  char *newline = strchr (contents, '\n');
  if (newline != NULL)
    *newline = '\0';
  g_strstrip (contents);

  if (contents[0] == '\0')
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("The token file %s is empty"), path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}
