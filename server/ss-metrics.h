/* Prometheus metrics of shuangshi-server in the text exposition format
 * 0.0.4, built from the live view (ss-live-view.h). Pure: no clock, no I/O.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

#define SS_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Renders @view (borrowed) as the body of GET /metrics. Every family has
 * # HELP and # TYPE lines, also when it has no sample. */
char *ss_metrics_render (json_t *view);

G_END_DECLS
