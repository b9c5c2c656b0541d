/* Helpers the subcommands share (cli/cmd-*.c). */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "ss-cli-format.h"
#include "ss-cli-screens.h"
#include "ss-cli.h"

G_BEGIN_DECLS

/* Links losing more than this share of packets are highlighted. */
#define SS_CLI_DEFAULT_LOSS_THRESHOLD 5.0

/* "score", "loss", "rtt" or "bitrate". */
gboolean ss_cli_parse_sort_key (const char *text, SsCliSortKey *key);

/* Columns and rows of the terminal on stdout, 0 when it is not one. */
void ss_cli_get_terminal_size (guint *width, guint *height);

/* Defaults, with the width and color of the terminal on stdout. */
SsCliScreenOptions ss_cli_screen_options_for_terminal (void);

typedef char *(*SsCliRenderFunc) (json_t *reply,
                                  const SsCliScreenOptions *options);

/* GETs @path and prints it with --json, else through @render. */
int ss_cli_run_view_command (SsCli *cli,
                             const char *path,
                             SsCliRenderFunc render,
                             const SsCliScreenOptions *options);

G_END_DECLS
