/* The lesson lifecycle, scheduled -> live -> ended, decided from the
 * timetable and the time passed in. It sends no message. It records the
 * transitions that are due in the timetable and returns them, so the caller
 * can send the events and arm a timer for the next transition.
 */
#pragma once

#include <glib.h>

#include "ss-timetable.h"

G_BEGIN_DECLS

/* A lesson that runs past its end time stays live this long, so a lead
 * finishing a sentence is not cut off. */
#define SS_LIFECYCLE_DEFAULT_GRACE_S 120

typedef enum {
  SS_LIFECYCLE_START,  /* the run became live */
  SS_LIFECYCLE_END,    /* the run ended */
} SsLifecycleKind;

typedef struct {
  SsLifecycleKind kind;
  SsTimetableLesson *lesson;  /* owned copy */
  gint64 run_start;
  gint64 run_end;
} SsLifecycleTransition;

void ss_lifecycle_transition_free (SsLifecycleTransition *transition);

/* Starts each run whose start has come (and whose end has not), ends each
 * live run whose end plus @grace_s has passed, records the new states, and
 * returns the transitions (element type SsLifecycleTransition). A run that
 * ended while the server was down is ended, never started. @next_unix
 * receives the time of the next transition, or G_MAXINT64 when none is
 * scheduled. */
GPtrArray *ss_lifecycle_step (SsTimetable *timetable,
                              gint64 now_unix,
                              gint64 grace_s,
                              gint64 *next_unix,
                              GError **error);

/* Ends the live run of @lesson_id now (the lead ended the lesson). Returns
 * the transition, or NULL with SS_TIMETABLE_ERROR_NOT_FOUND when the lesson
 * has no live run. */
SsLifecycleTransition *ss_lifecycle_end_now (SsTimetable *timetable,
                                             const char *lesson_id,
                                             gint64 now_unix,
                                             GError **error);

/* Finds the live run of @lesson_id, if any. */
gboolean ss_lifecycle_find_live_run (SsTimetable *timetable,
                                     const char *lesson_id,
                                     gint64 *run_start,
                                     gint64 *run_end);

/* The next lesson of @classroom that has not ended by @now_unix, as a copy
 * with start_unix and end_unix set to that run, or NULL. A live run counts
 * until it is ended. */
SsTimetableLesson *ss_lifecycle_next_lesson (SsTimetable *timetable,
                                             const char *classroom,
                                             gint64 now_unix);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLifecycleTransition,
                               ss_lifecycle_transition_free)

G_END_DECLS
