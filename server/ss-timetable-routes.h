/* The admin API routes of the timetable: classrooms, lessons and the CSV
 * import, under /api/v1/. Every route needs an admin token.
 */
#pragma once

#include <glib.h>

#include "ss-admin-api.h"
#include "ss-auth.h"
#include "ss-timetable.h"

G_BEGIN_DECLS

/* Classroom tokens printed by "classroom add" are valid this long: one
 * school year and a little. */
#define SS_TIMETABLE_CLASSROOM_TOKEN_LIFETIME_S (400 * 24 * 3600)

/* Called after each change to the lessons, so the lifecycle timer can be
 * armed again. */
typedef void (*SsTimetableChangedFunc) (gpointer user_data);

typedef struct _SsTimetableRoutes SsTimetableRoutes;

/* @timetable and @auth are borrowed and must outlive the routes. */
SsTimetableRoutes *ss_timetable_routes_new (SsTimetable *timetable,
                                            SsAuth *auth,
                                            SsTimetableChangedFunc changed,
                                            gpointer changed_data);
void ss_timetable_routes_free (SsTimetableRoutes *routes);

void ss_timetable_routes_register (SsTimetableRoutes *routes,
                                   SsAdminApi *api);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsTimetableRoutes, ss_timetable_routes_free)

G_END_DECLS
