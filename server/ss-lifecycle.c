/* Lesson lifecycle decisions: which runs of which lessons start or end at a
 * given time. Each decision is written to the timetable before it is
 * returned, so after a crash the server restores exactly the runs it had
 * announced as live.
 */
#define G_LOG_DOMAIN "ss-lifecycle"

#include "ss-lifecycle.h"

#include <string.h>

void
ss_lifecycle_transition_free (SsLifecycleTransition *transition)
{
  if (transition == NULL)
    return;

  ss_timetable_lesson_free (transition->lesson);
  g_free (transition);
}

static SsLifecycleTransition *
transition_new (SsLifecycleKind kind,
                const SsTimetableLesson *lesson,
                gint64 run_start)
{
  SsLifecycleTransition *transition = g_new0 (SsLifecycleTransition, 1);
  *transition = (SsLifecycleTransition){
    .kind = kind,
    .lesson = ss_timetable_lesson_copy (lesson),
    .run_start = run_start,
    .run_end = run_start + (lesson->end_unix - lesson->start_unix),
  };
  return transition;
}

static const SsTimetableLesson *
find_lesson (GPtrArray *lessons, const char *id)
{
  for (guint i = 0; i < lessons->len; i++)
    {
      const SsTimetableLesson *lesson = g_ptr_array_index (lessons, i);
      if (strcmp (lesson->id, id) == 0)
        return lesson;
    }
  return NULL;
}

static void
lower_to (gint64 *next_unix, gint64 candidate)
{
  if (candidate < *next_unix)
    *next_unix = candidate;
}

static gboolean
end_overdue_runs (SsTimetable *timetable, GPtrArray *lessons, gint64 now_unix,
                  gint64 grace_s, GPtrArray *transitions, gint64 *next_unix,
                  GError **error)
{
  g_autoptr (GPtrArray) runs = ss_timetable_list_live_runs (timetable, error);
  if (runs == NULL)
    return FALSE;

  for (guint i = 0; i < runs->len; i++)
    {
      const SsTimetableRun *run = g_ptr_array_index (runs, i);
      const SsTimetableLesson *lesson = find_lesson (lessons, run->lesson_id);
      if (lesson == NULL)
        continue;

      gint64 run_end = run->run_start + (lesson->end_unix - lesson->start_unix);
      if (now_unix < run_end + grace_s)
        {
          lower_to (next_unix, run_end + grace_s);
          continue;
        }

      if (!ss_timetable_set_run_state (timetable, lesson->id, run->run_start,
                                       SS_LESSON_STATE_ENDED, now_unix, error))
        return FALSE;

      g_message ("lesson=%s run=%" G_GINT64_FORMAT
                 ": ended, its end time plus the grace period has passed",
                 lesson->id, run->run_start);
      g_ptr_array_add (transitions, transition_new (SS_LIFECYCLE_END, lesson,
                                                    run->run_start));
    }
  return TRUE;
}

static gboolean
start_due_run (SsTimetable *timetable, const SsTimetableLesson *lesson,
               gint64 now_unix, gint64 grace_s, GPtrArray *transitions,
               gint64 *next_unix, GError **error)
{
  gint64 start, end;
  if (!ss_timetable_lesson_next_run (lesson, now_unix, &start, &end))
    return TRUE;

  if (start > now_unix)
    {
      lower_to (next_unix, start);
      return TRUE;
    }

  /* The run is under way: started once already, or ended early by its
   * lead. Either way the next event is the following week's start. */
  gint64 following_start, following_end;
  if (ss_timetable_lesson_next_run (lesson, end, &following_start,
                                    &following_end))
    lower_to (next_unix, following_start);

  if (ss_timetable_get_run_state (timetable, lesson->id, start)
      != SS_LESSON_STATE_SCHEDULED)
    return TRUE;

  if (!ss_timetable_set_run_state (timetable, lesson->id, start,
                                   SS_LESSON_STATE_LIVE, now_unix, error))
    return FALSE;

  g_message ("lesson=%s run=%" G_GINT64_FORMAT ": live, %" G_GINT64_FORMAT
             " s after its start time",
             lesson->id, start, now_unix - start);
  lower_to (next_unix, end + grace_s);
  g_ptr_array_add (transitions, transition_new (SS_LIFECYCLE_START, lesson,
                                                start));
  return TRUE;
}

GPtrArray *
ss_lifecycle_step (SsTimetable *timetable,
                   gint64 now_unix,
                   gint64 grace_s,
                   gint64 *next_unix,
                   GError **error)
{
  *next_unix = G_MAXINT64;

  g_autoptr (GPtrArray) lessons = ss_timetable_list_lessons (timetable, error);
  if (lessons == NULL)
    return NULL;

  g_autoptr (GPtrArray) transitions = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ss_lifecycle_transition_free);

  /* Ends first, so a classroom leaves one lesson before the next starts. */
  if (!end_overdue_runs (timetable, lessons, now_unix, grace_s, transitions,
                         next_unix, error))
    return NULL;

  for (guint i = 0; i < lessons->len; i++)
    if (!start_due_run (timetable, g_ptr_array_index (lessons, i), now_unix,
                        grace_s, transitions, next_unix, error))
      return NULL;

  return g_steal_pointer (&transitions);
}

gboolean
ss_lifecycle_find_live_run (SsTimetable *timetable,
                            const char *lesson_id,
                            gint64 *run_start,
                            gint64 *run_end)
{
  g_autoptr (SsTimetableLesson) lesson = ss_timetable_get_lesson (timetable,
                                                                  lesson_id);
  g_autoptr (GPtrArray) runs = ss_timetable_list_live_runs (timetable, NULL);
  if (lesson == NULL || runs == NULL)
    return FALSE;

  for (guint i = 0; i < runs->len; i++)
    {
      const SsTimetableRun *run = g_ptr_array_index (runs, i);
      if (strcmp (run->lesson_id, lesson_id) != 0)
        continue;

      *run_start = run->run_start;
      *run_end = run->run_start + (lesson->end_unix - lesson->start_unix);
      return TRUE;
    }
  return FALSE;
}

SsLifecycleTransition *
ss_lifecycle_end_now (SsTimetable *timetable,
                      const char *lesson_id,
                      gint64 now_unix,
                      GError **error)
{
  gint64 run_start, run_end;
  if (!ss_lifecycle_find_live_run (timetable, lesson_id, &run_start, &run_end))
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_NOT_FOUND,
                   "lesson %s is not live", lesson_id);
      return NULL;
    }

  if (!ss_timetable_set_run_state (timetable, lesson_id, run_start,
                                   SS_LESSON_STATE_ENDED, now_unix, error))
    return NULL;

  g_autoptr (SsTimetableLesson) lesson = ss_timetable_get_lesson (timetable,
                                                                  lesson_id);
  g_message ("lesson=%s run=%" G_GINT64_FORMAT ": ended by its lead",
             lesson_id, run_start);
  return transition_new (SS_LIFECYCLE_END, lesson, run_start);
}

/* The run of @lesson a waiting screen shows at @now_unix: a live one, else
 * the next that has not ended. */
static gboolean
upcoming_run (SsTimetable *timetable, const SsTimetableLesson *lesson,
              gint64 now_unix, gint64 *start, gint64 *end)
{
  gint64 live_start, live_end;
  if (ss_lifecycle_find_live_run (timetable, lesson->id, &live_start,
                                  &live_end))
    {
      *start = live_start;
      *end = live_end;
      return TRUE;
    }

  if (!ss_timetable_lesson_next_run (lesson, now_unix, start, end))
    return FALSE;

  if (ss_timetable_get_run_state (timetable, lesson->id, *start)
      != SS_LESSON_STATE_ENDED)
    return TRUE;

  return ss_timetable_lesson_next_run (lesson, *end, start, end);
}

SsTimetableLesson *
ss_lifecycle_next_lesson (SsTimetable *timetable,
                          const char *classroom,
                          gint64 now_unix)
{
  g_autoptr (GPtrArray) lessons = ss_timetable_list_lessons (timetable, NULL);
  if (lessons == NULL)
    return NULL;

  SsTimetableLesson *best = NULL;
  for (guint i = 0; i < lessons->len; i++)
    {
      const SsTimetableLesson *lesson = g_ptr_array_index (lessons, i);
      gint64 start, end;
      if (!ss_timetable_lesson_has_classroom (lesson, classroom)
          || !upcoming_run (timetable, lesson, now_unix, &start, &end))
        continue;

      if (best != NULL && best->start_unix <= start)
        continue;

      ss_timetable_lesson_free (best);
      best = ss_timetable_lesson_copy (lesson);
      best->start_unix = start;
      best->end_unix = end;
    }
  return best;
}
