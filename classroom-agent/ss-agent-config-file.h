/* The agent's configuration file, so a classroom PC starts with
 * `shuangshi-agent --config FILE` and nothing else. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Values read from group [agent]; NULL (or has_* FALSE) when absent. */
typedef struct {
  char *server;
  char *classroom;
  char *role;
  char *lesson;
  char *token;
  /* Made absolute against the file's folder when relative. */
  char *token_file;
  char *source;
  char *stats_file;
  char *return_source;
  char **ice_addresses;
  gboolean headless;
  gboolean has_headless;
  gboolean auto_start;
  gboolean has_auto_start;
  int return_slots;
  gboolean has_return_slots;
} SsAgentConfigFile;

void ss_agent_config_file_clear (SsAgentConfigFile *file);

/* Reads @path (GKeyFile syntax). Keys: server, classroom, token or
 * token_file, role (lead or remote), lesson, auto_start, source, headless,
 * stats_file, ice_address (a list separated by ;), return_source,
 * return_slots. An unknown key is an
 * error, because a misspelt key would otherwise be ignored silently. */
gboolean ss_agent_config_file_load (const char *path,
                                    SsAgentConfigFile *file,
                                    GError **error);

/* Reads a token from @path: the first line, without surrounding white
 * space. Fails when the file is empty. */
char *ss_agent_read_token_file (const char *path, GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SsAgentConfigFile,
                                  ss_agent_config_file_clear)

G_END_DECLS
