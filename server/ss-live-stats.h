/* The live figures of shuangshi-server for technicians: a timer on the
 * main loop asks the relay for a statistics snapshot every
 * SS_LIVE_STATS_INTERVAL_MS, keeps the latest two, and serves the merged
 * view (ss-live-view.h) on these admin routes:
 *
 *   GET /api/v1/status            the whole view (admin token)
 *   GET /api/v1/relays            {"relays": [...], "process": {...}}
 *   GET /api/v1/live/lessons      {"lessons": [...], "links": [...]}
 *   GET /api/v1/live/classrooms   {"classrooms": [...]} from the core
 *   GET /metrics                  Prometheus text, no token
 *
 * Requests read the cached snapshots, so an admin request never waits for
 * the relay workers, and the workers are asked at the timer's pace however
 * often the API is read.
 */
#pragma once

#include <glib.h>

#include "ss-admin-api.h"
#include "ss-relay.h"
#include "ss-signaling.h"

G_BEGIN_DECLS

#define SS_LIVE_STATS_INTERVAL_MS 2000

/* ss_relay_get_stats, or a test double. */
typedef void (*SsLiveStatsFetchFunc) (SsRelay *relay,
                                      SsRelayStatsFunc func,
                                      gpointer user_data);

typedef struct _SsLiveStats SsLiveStats;

/* Starts the timer on the thread-default main context and asks for the
 * first snapshot at once. @signaling and @relay are borrowed and must
 * outlive the object; @relay may be NULL (no relay figures). */
SsLiveStats *ss_live_stats_new (SsSignaling *signaling,
                                SsRelay *relay,
                                SsLiveStatsFetchFunc fetch_func,
                                const char *server_name);
void ss_live_stats_free (SsLiveStats *stats);

void ss_live_stats_add_routes (SsLiveStats *stats, SsAdminApi *api);

/* Returns (transfer full) the current view. */
json_t *ss_live_stats_build_view (SsLiveStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLiveStats, ss_live_stats_free)

G_END_DECLS
