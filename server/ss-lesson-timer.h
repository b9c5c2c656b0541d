/* The GLib timer that drives the lesson policy's lifecycle steps. */
#pragma once

#include <glib.h>

#include "ss-lesson-policy.h"

G_BEGIN_DECLS

/* Maximum sleep between two steps, so a change of the wall clock (NTP, a
 * technician setting the date) delays a transition by at most this. */
#define SS_LESSON_TIMER_MAX_SLEEP_MS 30000

typedef struct _SsLessonTimer SsLessonTimer;

/* Steps @policy (borrowed) on @context's loop whenever a transition is
 * due. Nothing runs before the first ss_lesson_timer_rearm(). */
SsLessonTimer *ss_lesson_timer_new (SsLessonPolicy *policy,
                                    GMainContext *context);
void ss_lesson_timer_free (SsLessonTimer *timer);

/* Steps the policy now and arms the timer for the next transition; call it
 * after every change to the timetable. */
void ss_lesson_timer_rearm (SsLessonTimer *timer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLessonTimer, ss_lesson_timer_free)

G_END_DECLS
