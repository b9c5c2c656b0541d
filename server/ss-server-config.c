/* shuangshi-server's command line (GOption) and configuration file
 * (GKeyFile, groups [server] and [relay]).
 *
 * Both are read into "unset or value" slots first, so a value given on the
 * command line replaces the file's value. A value set in neither keeps the
 * default, and the defaults let one machine run a lesson on loopback.
 */
#define G_LOG_DOMAIN "ss-server"

#include "ss-config.h"
#include "ss-server-config.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK (ss-server-config-error-quark, ss_server_config_error)

/* No valid port or worker count, so a negative value typed by a person is
 * still reported as invalid. */
#define UNSET_INTEGER G_MININT

/* Values as read from one source; NULL or UNSET_INTEGER means not given
 * there. */
typedef struct {
  char *listen;
  char *data_dir;
  char *web_root;
  char *relay_bind;
  char **relay_announce;
  gint relay_port;
  gint relay_workers;
  gint lesson_grace;
} SsConfigSource;

static void
ss_config_source_clear (SsConfigSource *source)
{
  g_clear_pointer (&source->listen, g_free);
  g_clear_pointer (&source->data_dir, g_free);
  g_clear_pointer (&source->web_root, g_free);
  g_clear_pointer (&source->relay_bind, g_free);
  g_clear_pointer (&source->relay_announce, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SsConfigSource, ss_config_source_clear)

SsServerConfig *
ss_server_config_new (void)
{
  SsServerConfig *config = g_new0 (SsServerConfig, 1);
  *config = (SsServerConfig){
    .listen_host = g_strdup (SS_SERVER_DEFAULT_LISTEN_HOST),
    .listen_port = SS_SERVER_DEFAULT_LISTEN_PORT,
    .data_dir = g_strdup (SS_SERVER_DEFAULT_DATA_DIR),
    .web_root = g_strdup (SS_WEB_ROOT),
    .relay_bind = g_strdup (SS_SERVER_DEFAULT_RELAY_BIND),
    .relay_port = SS_SERVER_DEFAULT_RELAY_PORT,
    .relay_workers = 0,
    .lesson_grace_s = SS_SERVER_DEFAULT_LESSON_GRACE_S,
  };
  return config;
}

void
ss_server_config_free (SsServerConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->listen_host);
  g_free (config->data_dir);
  g_free (config->web_root);
  g_free (config->relay_bind);
  g_strfreev (config->relay_announce);
  g_free (config);
}

/* ---- Value checks ------------------------------------------------------ */

static gboolean
parse_port (const char *text, guint16 *port)
{
  guint64 number = 0;
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &number, NULL))
    return FALSE;

  *port = (guint16) number;
  return TRUE;
}

gboolean
ss_server_config_parse_listen (const char *text,
                               char **host,
                               guint16 *port,
                               GError **error)
{
  g_autofree char *host_part = NULL;
  const char *port_part = NULL;

  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');
      if (end != NULL && end[1] == ':')
        {
          host_part = g_strndup (text + 1, end - text - 1);
          port_part = end + 2;
        }
    }
  else
    {
      const char *colon = strrchr (text, ':');
      if (colon != NULL && memchr (text, ':', colon - text) == NULL)
        {
          host_part = g_strndup (text, colon - text);
          port_part = colon + 1;
        }
    }

  if (host_part == NULL || !g_hostname_is_ip_address (host_part)
      || !parse_port (port_part, port))
    {
      g_set_error (error, SS_SERVER_CONFIG_ERROR,
                   SS_SERVER_CONFIG_ERROR_INVALID,
                   _("Invalid listen address “%s”: expected ADDRESS:PORT "
                     "with an IP address, such as 127.0.0.1:8443 or "
                     "[::1]:8443"),
                   text);
      return FALSE;
    }

  *host = g_steal_pointer (&host_part);
  return TRUE;
}

static gboolean
check_ip_address (const char *what, const char *value, GError **error)
{
  if (g_hostname_is_ip_address (value))
    return TRUE;

  g_set_error (error, SS_SERVER_CONFIG_ERROR, SS_SERVER_CONFIG_ERROR_INVALID,
               _("Invalid %s “%s”: expected an IP address"), what, value);
  return FALSE;
}

/* ---- Sources ----------------------------------------------------------- */

static gboolean
read_key_file (const char *path, SsConfigSource *source, GError **error)
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

  source->listen = g_key_file_get_string (key_file, "server", "listen", NULL);
  source->data_dir =
      g_key_file_get_string (key_file, "server", "data_dir", NULL);
  source->web_root =
      g_key_file_get_string (key_file, "server", "web_root", NULL);
  source->relay_bind = g_key_file_get_string (key_file, "relay", "bind", NULL);
  source->relay_announce =
      g_key_file_get_string_list (key_file, "relay", "announce", NULL, NULL);

  const struct {
    const char *group;
    const char *key;
    gint *slot;
  } integers[] = {
    { "relay", "port", &source->relay_port },
    { "relay", "workers", &source->relay_workers },
    { "server", "lesson_grace", &source->lesson_grace },
  };
  for (guint i = 0; i < G_N_ELEMENTS (integers); i++)
    {
      if (!g_key_file_has_key (key_file, integers[i].group, integers[i].key,
                               NULL))
        continue;

      *integers[i].slot = g_key_file_get_integer (key_file,
                                                  integers[i].group,
                                                  integers[i].key,
                                                  &local_error);
      if (local_error != NULL)
        {
          g_set_error (error, local_error->domain, local_error->code,
                       _("Invalid configuration file %s: %s"), path,
                       local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* Copies the values @source gives over those already in @config. */
static gboolean
apply_source (SsServerConfig *config,
              const SsConfigSource *source,
              GError **error)
{
  if (source->listen != NULL)
    {
      g_free (config->listen_host);
      config->listen_host = NULL;
      if (!ss_server_config_parse_listen (source->listen, &config->listen_host,
                                          &config->listen_port, error))
        return FALSE;
    }

  if (source->data_dir != NULL)
    {
      if (source->data_dir[0] == '\0')
        {
          g_set_error_literal (error, SS_SERVER_CONFIG_ERROR,
                               SS_SERVER_CONFIG_ERROR_INVALID,
                               _("The data directory must not be empty"));
          return FALSE;
        }
      g_free (config->data_dir);
      config->data_dir = g_strdup (source->data_dir);
    }

  if (source->web_root != NULL)
    {
      if (source->web_root[0] == '\0')
        {
          g_set_error_literal (error, SS_SERVER_CONFIG_ERROR,
                               SS_SERVER_CONFIG_ERROR_INVALID,
                               _("The web root must not be empty"));
          return FALSE;
        }
      g_free (config->web_root);
      config->web_root = g_strdup (source->web_root);
    }

  if (source->relay_bind != NULL)
    {
      if (!check_ip_address (_("relay bind address"), source->relay_bind,
                             error))
        return FALSE;
      g_free (config->relay_bind);
      config->relay_bind = g_strdup (source->relay_bind);
    }

  if (source->relay_announce != NULL)
    {
      for (char **address = source->relay_announce; *address != NULL;
           address++)
        {
          if (!check_ip_address (_("relay announced address"), *address,
                                 error))
            return FALSE;
        }
      g_strfreev (config->relay_announce);
      config->relay_announce = g_strdupv (source->relay_announce);
    }

  if (source->relay_port != UNSET_INTEGER)
    {
      if (source->relay_port < 1 || source->relay_port > G_MAXUINT16)
        {
          g_set_error (error, SS_SERVER_CONFIG_ERROR,
                       SS_SERVER_CONFIG_ERROR_INVALID,
                       _("Invalid relay port %d: expected 1 to 65535"),
                       source->relay_port);
          return FALSE;
        }
      config->relay_port = (guint16) source->relay_port;
    }

  if (source->relay_workers != UNSET_INTEGER)
    {
      if (source->relay_workers < 0
          || source->relay_workers > SS_SERVER_MAX_RELAY_WORKERS)
        {
          g_set_error (error, SS_SERVER_CONFIG_ERROR,
                       SS_SERVER_CONFIG_ERROR_INVALID,
                       _("Invalid number of relay workers %d: expected 0 "
                         "(one per CPU) to %d"),
                       source->relay_workers, SS_SERVER_MAX_RELAY_WORKERS);
          return FALSE;
        }
      config->relay_workers = (guint) source->relay_workers;
    }

  if (source->lesson_grace != UNSET_INTEGER)
    {
      if (source->lesson_grace < 0
          || source->lesson_grace > SS_SERVER_MAX_LESSON_GRACE_S)
        {
          g_set_error (error, SS_SERVER_CONFIG_ERROR,
                       SS_SERVER_CONFIG_ERROR_INVALID,
                       _("Invalid lesson grace period %d s: expected 0 to "
                         "%d seconds"),
                       source->lesson_grace, SS_SERVER_MAX_LESSON_GRACE_S);
          return FALSE;
        }
      config->lesson_grace_s = (guint) source->lesson_grace;
    }
  return TRUE;
}

/* A wildcard bind address cannot be written into SDP answers. */
static gboolean
check_announce (const SsServerConfig *config, GError **error)
{
  gboolean wildcard = g_str_equal (config->relay_bind, "0.0.0.0")
                      || g_str_equal (config->relay_bind, "::");
  if (!wildcard || config->relay_announce != NULL)
    return TRUE;

  g_set_error (error, SS_SERVER_CONFIG_ERROR, SS_SERVER_CONFIG_ERROR_INVALID,
               _("The relay binds to the wildcard address %s, so give the "
                 "addresses clients reach it on with --relay-announce"),
               config->relay_bind);
  return FALSE;
}

gboolean
ss_server_config_load (SsServerConfig *config,
                       int *argc,
                       char ***argv,
                       GError **error)
{
  g_auto (SsConfigSource) command_line = {
    .relay_port = UNSET_INTEGER,
    .relay_workers = UNSET_INTEGER,
    .lesson_grace = UNSET_INTEGER,
  };
  g_auto (SsConfigSource) file = {
    .relay_port = UNSET_INTEGER,
    .relay_workers = UNSET_INTEGER,
    .lesson_grace = UNSET_INTEGER,
  };
  g_autofree char *config_path = NULL;

  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &command_line.listen,
      N_("Address and TCP port for HTTP and the websocket (default "
         "127.0.0.1:8443)"), N_("ADDR:PORT") },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &command_line.data_dir,
      N_("Directory for the server's data, created with mode 0700 (default "
         "./shuangshi-data)"), N_("DIR") },
    { "web-root", 0, 0, G_OPTION_ARG_FILENAME, &command_line.web_root,
      N_("Directory of the teachers' web page, served at / (default: the "
         "page installed with the server)"), N_("DIR") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Configuration file; the command line overrides its values"),
      N_("FILE") },
    { "relay-bind", 0, 0, G_OPTION_ARG_STRING, &command_line.relay_bind,
      N_("IP address the relay's UDP sockets bind to (default 127.0.0.1)"),
      N_("ADDR") },
    { "relay-announce", 0, 0, G_OPTION_ARG_STRING_ARRAY,
      &command_line.relay_announce,
      N_("IP address put in ICE candidates; repeat for several (default: "
         "the bind address)"), N_("ADDR") },
    { "relay-port", 0, 0, G_OPTION_ARG_INT, &command_line.relay_port,
      N_("UDP port of the first relay worker; worker N uses PORT+N (default "
         "40000)"), N_("PORT") },
    { "relay-workers", 0, 0, G_OPTION_ARG_INT, &command_line.relay_workers,
      N_("Number of relay worker threads, 0 for one per CPU (default 0)"),
      N_("N") },
    { "lesson-grace", 0, 0, G_OPTION_ARG_INT, &command_line.lesson_grace,
      N_("Seconds a timetable lesson stays live after its end time "
         "(default 120)"), N_("SECONDS") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &config->verbose,
      N_("Log debug messages"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  g_autoptr (GOptionContext) context =
      g_option_context_new (_("- the Shuangshi lesson server"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("Unexpected argument “%s”; see --help"), (*argv)[1]);
      return FALSE;
    }

  if (config_path != NULL && !read_key_file (config_path, &file, error))
    return FALSE;

  return apply_source (config, &file, error)
         && apply_source (config, &command_line, error)
         && check_announce (config, error);
}
