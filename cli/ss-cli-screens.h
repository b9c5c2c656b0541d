/* The CLI's screens, rendered from the admin API's JSON (the live view of
 * GET /api/v1/status and the classroom list of /api/v1/live/classrooms)
 * into text. Pure: no I/O, no clock, so tests render canned snapshots.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

typedef enum {
  SS_CLI_SORT_SCORE,    /* worst first by ss_cli_link_score() */
  SS_CLI_SORT_LOSS,     /* highest loss_percent first */
  SS_CLI_SORT_RTT,      /* highest rtt_ms first */
  SS_CLI_SORT_BITRATE,  /* lowest media bitrate first */
} SsCliSortKey;

/* A link's badness, higher is worse: 10 per percent of loss, 1 per 10 ms of
 * RTT, 1 per ms of jitter, and 1000 when the transport is not connected,
 * so a dead link always comes first. */
double ss_cli_link_score (json_t *link);

/* Sorts the array of links in place, worst first for @key; ties keep the
 * lesson and classroom order. */
void ss_cli_sort_links (json_t *links, SsCliSortKey key);

const char *ss_cli_sort_key_to_string (SsCliSortKey key);

typedef struct {
  SsCliSortKey sort_key;
  /* Links whose loss_percent exceeds this are highlighted. */
  double loss_threshold_percent;
  /* Terminal columns and rows; 0 for no limit. */
  guint width;
  guint height;
  gboolean color;
  /* Shows the key help line (interactive top only). */
  gboolean show_keys;
} SsCliScreenOptions;

/* One frame of `shuangshi top`: header, relays, lessons, then the links
 * worst first, cut to options->height lines. */
char *ss_cli_render_top (json_t *view, const SsCliScreenOptions *options);

/* The one-screen summary of `shuangshi status`. */
char *ss_cli_render_status (json_t *view, const SsCliScreenOptions *options);

char *ss_cli_render_relays (json_t *view, const SsCliScreenOptions *options);
char *ss_cli_render_lessons (json_t *view, const SsCliScreenOptions *options);

/* @reply is GET /api/v1/live/classrooms: {"classrooms": [...]}. */
char *ss_cli_render_classrooms (json_t *reply,
                                const SsCliScreenOptions *options);

G_END_DECLS
