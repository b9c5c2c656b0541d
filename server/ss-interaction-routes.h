/* The admin API route that reads a lesson's interaction log:
 * GET /api/v1/lessons/ID/log, with an admin token, for `shuangshi lesson
 * log`.
 */
#pragma once

#include <glib.h>

#include "ss-admin-api.h"
#include "ss-interaction-log.h"

G_BEGIN_DECLS

/* Adds the route; @log is borrowed and must outlive @api. */
void ss_interaction_routes_register (SsInteractionLog *log, SsAdminApi *api);

G_END_DECLS
