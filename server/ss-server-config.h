/* shuangshi-server's settings: defaults, then the configuration file, then
 * the command line, which wins. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_SERVER_CONFIG_ERROR (ss_server_config_error_quark ())
GQuark ss_server_config_error_quark (void);

typedef enum {
  SS_SERVER_CONFIG_ERROR_INVALID,  /* a value has the wrong form or range */
} SsServerConfigError;

#define SS_SERVER_DEFAULT_LISTEN_HOST "127.0.0.1"
#define SS_SERVER_DEFAULT_LISTEN_PORT 8443
#define SS_SERVER_DEFAULT_DATA_DIR "./shuangshi-data"
#define SS_SERVER_DEFAULT_RELAY_BIND "127.0.0.1"
#define SS_SERVER_DEFAULT_RELAY_PORT 40000
#define SS_SERVER_MAX_RELAY_WORKERS 256
/* Default of --lesson-grace: how long a timetable lesson stays live after
 * its end time, so a lead finishing a sentence is not cut off. */
#define SS_SERVER_DEFAULT_LESSON_GRACE_S 120
#define SS_SERVER_MAX_LESSON_GRACE_S 3600

typedef struct {
  /* An IP address literal; the websocket and HTTP port listens on it. */
  char *listen_host;
  guint16 listen_port;
  char *data_dir;
  /* Directory of the teachers' page files (index.html and the rest). */
  char *web_root;
  char *relay_bind;
  /* NULL-terminated; NULL announces relay_bind. */
  char **relay_announce;
  guint16 relay_port;
  /* 0 is one worker per online CPU. */
  guint relay_workers;
  /* Seconds a timetable lesson stays live after its end time. */
  guint lesson_grace_s;
  gboolean verbose;
} SsServerConfig;

SsServerConfig *ss_server_config_new (void);
void ss_server_config_free (SsServerConfig *config);

/* Parses the command line (removing what it used from @argv), reads the
 * file named by --config when given, and fills @config. Errors are in
 * G_OPTION_ERROR, G_KEY_FILE_ERROR, G_FILE_ERROR or SS_SERVER_CONFIG_ERROR,
 * with a message for the person who started the server. */
gboolean ss_server_config_load (SsServerConfig *config,
                                int *argc,
                                char ***argv,
                                GError **error);

/* Splits "ADDR:PORT" or "[IPV6]:PORT" into an IP literal and a port. */
gboolean ss_server_config_parse_listen (const char *text,
                                        char **host,
                                        guint16 *port,
                                        GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsServerConfig, ss_server_config_free)

G_END_DECLS
