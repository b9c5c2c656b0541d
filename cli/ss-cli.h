/* The technician CLI `shuangshi`: the subcommand table, the options every
 * subcommand shares, and the admin API client they read through.
 *
 * How to add a subcommand: write cli/cmd-NAME.c with one function of type
 * SsCliCommandFunc, declare it below next to the others, and add one line
 * to the `commands` table in cli/main.c and one file name to
 * cli/meson.build. The function parses its own options from argv (argv[0]
 * is the subcommand's name) and returns the process exit status.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* Exit statuses; the one-line errors are printed where they are returned. */
enum {
  SS_CLI_EXIT_OK = 0,
  SS_CLI_EXIT_FAILED = 1,       /* the server answered with an error */
  SS_CLI_EXIT_USAGE = 2,        /* bad command line */
  SS_CLI_EXIT_UNREACHABLE = 3,  /* no HTTP answer from the server */
  SS_CLI_EXIT_AUTH = 4,         /* no token, or the server rejected it */
};

#define SS_CLI_DEFAULT_SERVER "http://127.0.0.1:8443"
#define SS_CLI_DEFAULT_DATA_DIR "./shuangshi-data"

typedef struct {
  /* Base URL without a trailing slash. */
  char *server_url;
  char *token_file;
  char *data_dir;
  gboolean json;
  /* Seconds before an HTTP request is abandoned. */
  int timeout_s;
} SsCli;

typedef int (*SsCliCommandFunc) (SsCli *cli, int argc, char **argv);

/* GETs @path from the admin API with the admin token and parses the JSON
 * reply into @reply. On failure prints one line to stderr and returns the
 * exit status; returns SS_CLI_EXIT_OK on success. */
int ss_cli_get_json (SsCli *cli, const char *path, json_t **reply);

/* Like ss_cli_get_json, for a body that is not JSON (GET /metrics). */
int ss_cli_get_text (SsCli *cli, const char *path, gboolean with_token,
                     char **text);

/* Sends a request with a JSON body (for subcommands that change state). */
int ss_cli_send_json (SsCli *cli, const char *method, const char *path,
                      json_t *body, json_t **reply);

/* Sends DELETE for collection_path + id (the id percent-encoded), e.g.
 * "/api/v1/lessons/" and "math-1"; the reply and exit status are as for
 * ss_cli_send_json. */
int ss_cli_delete_resource (SsCli *cli, const char *collection_path,
                            const char *id, json_t **reply);

/* Sends a request whose body is text of @content_type (a CSV file) and
 * parses the JSON reply. */
int ss_cli_send_text (SsCli *cli, const char *method, const char *path,
                      const char *content_type, const char *body,
                      json_t **reply);

/* Prints @value as indented JSON on stdout. */
void ss_cli_print_json (json_t *value);

/* Parses @argv with @entries after the subcommand name; prints a one-line
 * error and returns FALSE on a bad option. */
gboolean ss_cli_parse_options (const char *command,
                               const char *summary,
                               const GOptionEntry *entries,
                               int *argc,
                               char ***argv);

/* The subcommands; one line each in main.c's table. */
int ss_cli_cmd_status (SsCli *cli, int argc, char **argv);
int ss_cli_cmd_top (SsCli *cli, int argc, char **argv);
int ss_cli_cmd_lessons (SsCli *cli, int argc, char **argv);
int ss_cli_cmd_relays (SsCli *cli, int argc, char **argv);
int ss_cli_cmd_classrooms (SsCli *cli, int argc, char **argv);
int ss_cli_cmd_classroom (SsCli *cli, int argc, char **argv);
int ss_cli_cmd_lesson (SsCli *cli, int argc, char **argv);
int ss_cli_cmd_timetable (SsCli *cli, int argc, char **argv);

G_END_DECLS
