/* The lesson policy of shuangshi-server: tokens in hello, which classroom
 * may join which timetable lesson, and the lifecycle events pushed to the
 * classrooms (lesson.starting, lesson.ended, schedule). It plugs into the
 * signaling core through SsSignalingPolicy and reads no clock of its own:
 * the time comes from a clock function that tests replace.
 */
#pragma once

#include <glib.h>

#include "ss-auth.h"
#include "ss-signaling.h"
#include "ss-timetable.h"

G_BEGIN_DECLS

/* Returns the current time in seconds since the epoch. */
typedef gint64 (*SsLessonClockFunc) (gpointer user_data);

typedef struct _SsLessonPolicy SsLessonPolicy;

/* @timetable and @auth are borrowed and must outlive the policy. @auth may
 * be NULL, which accepts every hello (for tests of the timetable side).
 * @grace_s is how long a lesson stays live after its end time. */
SsLessonPolicy *ss_lesson_policy_new (SsTimetable *timetable,
                                      SsAuth *auth,
                                      gint64 grace_s);
void ss_lesson_policy_free (SsLessonPolicy *policy);

/* Replaces the wall clock, g_get_real_time() in seconds. */
void ss_lesson_policy_set_clock (SsLessonPolicy *policy,
                                 SsLessonClockFunc clock_func,
                                 gpointer clock_data);

/* The hooks to put in SsSignalingConfig, with the policy as policy_data. */
const SsSignalingPolicy *ss_lesson_policy_get_hooks (void);

/* Sets the core the policy sends through; borrowed. Call it before the
 * first connection and before ss_lesson_policy_restore(). */
void ss_lesson_policy_set_signaling (SsLessonPolicy *policy,
                                     SsSignaling *signaling);

/* Makes every run the timetable records as live a lesson of the core
 * again, so agents that reconnect after a server restart rejoin it.
 * Returns the number of runs restored, or -1 with @error set. */
int ss_lesson_policy_restore (SsLessonPolicy *policy, GError **error);

/* Starts and ends the runs that are due at @now_unix, sends their events
 * and returns the time of the next transition (G_MAXINT64 when none is
 * scheduled). A timetable failure is logged and retried at the next
 * step. */
gint64 ss_lesson_policy_step (SsLessonPolicy *policy, gint64 now_unix);

/* The policy's clock. */
gint64 ss_lesson_policy_now (SsLessonPolicy *policy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLessonPolicy, ss_lesson_policy_free)

G_END_DECLS
