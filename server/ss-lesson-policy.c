/* Lesson policy: credentials and the timetable on top of the signaling
 * core.
 *
 * A timetable lesson runs scheduled -> live -> ended (ss-lifecycle.h).
 * When a run starts, the core keeps the lesson even while it has no
 * member, and every connected classroom of the lesson gets
 * lesson.starting. A classroom that sends hello while the run is live gets
 * it right after the hello result. When the run ends (the lead's
 * lesson.end, or the end time plus the grace period), every member gets
 * lesson.ended and leaves, and every classroom of the lesson gets a new
 * schedule for its waiting screen. A lesson id that is not in the timetable
 * is an ad-hoc lesson and keeps the protocol's plain rules.
 */
#define G_LOG_DOMAIN "ss-lesson"

#include "ss-lesson-policy.h"

#include "ss-hello-auth.h"
#include "ss-lifecycle.h"

struct _SsLessonPolicy {
  SsTimetable *timetable;
  SsAuth *auth;
  SsSignaling *signaling;
  gint64 grace_s;
  SsLessonClockFunc clock_func;
  gpointer clock_data;
};

static gint64
real_clock (gpointer user_data)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

SsLessonPolicy *
ss_lesson_policy_new (SsTimetable *timetable, SsAuth *auth, gint64 grace_s)
{
  g_return_val_if_fail (timetable != NULL, NULL);
  g_return_val_if_fail (grace_s >= 0, NULL);

  SsLessonPolicy *policy = g_new0 (SsLessonPolicy, 1);
  *policy = (SsLessonPolicy){
    .timetable = timetable,
    .auth = auth,
    .grace_s = grace_s,
    .clock_func = real_clock,
  };
  return policy;
}

void
ss_lesson_policy_free (SsLessonPolicy *policy)
{
  g_free (policy);
}

void
ss_lesson_policy_set_clock (SsLessonPolicy *policy,
                            SsLessonClockFunc clock_func,
                            gpointer clock_data)
{
  policy->clock_func = clock_func != NULL ? clock_func : real_clock;
  policy->clock_data = clock_data;
}

void
ss_lesson_policy_set_signaling (SsLessonPolicy *policy,
                                SsSignaling *signaling)
{
  policy->signaling = signaling;
}

gint64
ss_lesson_policy_now (SsLessonPolicy *policy)
{
  return policy->clock_func (policy->clock_data);
}

/* ---- Messages ---------------------------------------------------------- */

/* Builds lesson.starting or schedule for one run of @lesson. */
static json_t *
build_lesson_message (const SsTimetableLesson *lesson,
                      gint64 run_start,
                      gint64 run_end,
                      gboolean starting)
{
  g_autofree char *start = ss_timetable_format_time (run_start,
                                                     lesson->utc_offset_s);
  g_autofree char *end = ss_timetable_format_time (run_end,
                                                   lesson->utc_offset_s);
  const SsLessonInfo info = {
    .lesson = lesson->id,
    .title = lesson->title,
    .subject = lesson->subject,
    .start = start,
    .end = end,
  };
  return starting ? ss_message_build_lesson_starting (&info)
                  : ss_message_build_schedule (&info);
}

static void
send_to_lesson_classrooms (SsLessonPolicy *policy,
                           const SsTimetableLesson *lesson,
                           const json_t *message)
{
  ss_signaling_send_to_classroom (policy->signaling, lesson->lead, message);
  for (guint i = 0; lesson->remotes[i] != NULL; i++)
    ss_signaling_send_to_classroom (policy->signaling, lesson->remotes[i],
                                    message);
}

static json_t *
build_schedule (SsLessonPolicy *policy, const char *classroom, gint64 now)
{
  g_autoptr (SsTimetableLesson) next =
      ss_lifecycle_next_lesson (policy->timetable, classroom, now);
  if (next == NULL)
    return ss_message_build_schedule (NULL);

  return build_lesson_message (next, next->start_unix, next->end_unix, FALSE);
}

static void
send_schedules (SsLessonPolicy *policy,
                const SsTimetableLesson *lesson,
                gint64 now)
{
  g_autoptr (json_t) lead_schedule = build_schedule (policy, lesson->lead,
                                                     now);
  ss_signaling_send_to_classroom (policy->signaling, lesson->lead,
                                  lead_schedule);

  for (guint i = 0; lesson->remotes[i] != NULL; i++)
    {
      g_autoptr (json_t) schedule = build_schedule (policy, lesson->remotes[i],
                                                    now);
      ss_signaling_send_to_classroom (policy->signaling, lesson->remotes[i],
                                      schedule);
    }
}

/* ---- Transitions ------------------------------------------------------- */

static void
start_run (SsLessonPolicy *policy, const SsLifecycleTransition *transition)
{
  const SsTimetableLesson *lesson = transition->lesson;

  g_message ("lesson=%s: run of %" G_GINT64_FORMAT " is live, %u remote "
             "classrooms", lesson->id, transition->run_start,
             g_strv_length (lesson->remotes));
  ss_signaling_keep_lesson (policy->signaling, lesson->id);

  g_autoptr (json_t) starting = build_lesson_message (
      lesson, transition->run_start, transition->run_end, TRUE);
  send_to_lesson_classrooms (policy, lesson, starting);
}

static void
end_run (SsLessonPolicy *policy,
         const SsTimetableLesson *lesson,
         SsEndedReason reason,
         gint64 now)
{
  guint n_members = ss_signaling_end_lesson (policy->signaling, lesson->id,
                                             reason);
  g_message ("lesson=%s: run ended (%s), %u members left", lesson->id,
             ss_ended_reason_to_string (reason), n_members);
  send_schedules (policy, lesson, now);
}

gint64
ss_lesson_policy_step (SsLessonPolicy *policy, gint64 now_unix)
{
  g_return_val_if_fail (policy->signaling != NULL, G_MAXINT64);

  g_autoptr (GError) error = NULL;
  gint64 next_unix = G_MAXINT64;
  g_autoptr (GPtrArray) transitions = ss_lifecycle_step (
      policy->timetable, now_unix, policy->grace_s, &next_unix, &error);
  if (transitions == NULL)
    {
      g_warning ("lesson lifecycle step failed, retried at the next one: %s",
                 error->message);
      return next_unix;
    }

  for (guint i = 0; i < transitions->len; i++)
    {
      SsLifecycleTransition *transition = g_ptr_array_index (transitions, i);
      if (transition->kind == SS_LIFECYCLE_START)
        start_run (policy, transition);
      else
        end_run (policy, transition->lesson, SS_ENDED_REASON_TIME, now_unix);
    }
  return next_unix;
}

int
ss_lesson_policy_restore (SsLessonPolicy *policy, GError **error)
{
  g_return_val_if_fail (policy->signaling != NULL, -1);

  g_autoptr (GPtrArray) runs = ss_timetable_list_live_runs (policy->timetable,
                                                            error);
  if (runs == NULL)
    return -1;

  for (guint i = 0; i < runs->len; i++)
    {
      SsTimetableRun *run = g_ptr_array_index (runs, i);
      ss_signaling_keep_lesson (policy->signaling, run->lesson_id);
      g_message ("lesson=%s: live run of %" G_GINT64_FORMAT " restored",
                 run->lesson_id, run->run_start);
    }
  return (int) runs->len;
}

/* ---- Hooks ------------------------------------------------------------- */

static gboolean
authorize_hello (gpointer policy_data, const SsMessage *hello, GError **error)
{
  SsLessonPolicy *policy = policy_data;
  if (policy->auth == NULL)
    return TRUE;

  return ss_hello_auth_check (policy->auth, hello,
                              ss_lesson_policy_now (policy), error);
}

static gboolean
classroom_has_role (const SsTimetableLesson *lesson,
                    const char *classroom,
                    SsRole role)
{
  if (role == SS_ROLE_LEAD)
    return g_strcmp0 (lesson->lead, classroom) == 0;

  return classroom != NULL
         && g_strv_contains ((const char *const *) lesson->remotes,
                             classroom);
}

/* A timetable lesson is for its own classrooms, in their roles, while a
 * run is live. */
static gboolean
authorize_join (gpointer policy_data,
                SsSession *session,
                const char *lesson_id,
                GError **error)
{
  SsLessonPolicy *policy = policy_data;
  g_autoptr (SsTimetableLesson) lesson =
      ss_timetable_get_lesson (policy->timetable, lesson_id);
  if (lesson == NULL)
    return TRUE;

  const char *classroom = ss_session_get_classroom (session);
  SsRole role = ss_session_get_role (session);
  if (!classroom_has_role (lesson, classroom, role))
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_FORBIDDEN,
                   "classroom %s is not a %s classroom of lesson %s",
                   classroom, ss_role_to_string (role), lesson_id);
      return FALSE;
    }

  gint64 run_start, run_end;
  if (ss_lifecycle_find_live_run (policy->timetable, lesson_id, &run_start,
                                  &run_end))
    return TRUE;

  gint64 now = ss_lesson_policy_now (policy);
  if (ss_timetable_lesson_next_run (lesson, now, &run_start, &run_end))
    {
      g_autofree char *start = ss_timetable_format_time (run_start,
                                                         lesson->utc_offset_s);
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_NOT_READY,
                   "lesson %s is not live; its next run starts at %s, "
                   "announced by lesson.starting", lesson_id, start);
    }
  else
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_NOT_READY,
                   "lesson %s has ended and has no later run", lesson_id);
    }
  return FALSE;
}

/* Finds the live run that @classroom belongs to, if any. */
static SsTimetableLesson *
find_live_lesson_of (SsLessonPolicy *policy,
                     const char *classroom,
                     gint64 *run_start,
                     gint64 *run_end)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) runs = ss_timetable_list_live_runs (policy->timetable,
                                                            &error);
  if (runs == NULL)
    {
      g_warning ("classroom=%s: live runs not readable: %s", classroom,
                 error->message);
      return NULL;
    }

  for (guint i = 0; i < runs->len; i++)
    {
      SsTimetableRun *run = g_ptr_array_index (runs, i);
      g_autoptr (SsTimetableLesson) lesson =
          ss_timetable_get_lesson (policy->timetable, run->lesson_id);
      if (lesson == NULL
          || !ss_timetable_lesson_has_classroom (lesson, classroom))
        continue;

      *run_start = run->run_start;
      *run_end = run->run_start + (lesson->end_unix - lesson->start_unix);
      return g_steal_pointer (&lesson);
    }
  return NULL;
}

static void
greeted (gpointer policy_data, SsSession *session)
{
  SsLessonPolicy *policy = policy_data;
  const char *classroom = ss_session_get_classroom (session);
  gint64 now = ss_lesson_policy_now (policy);

  g_autoptr (json_t) schedule = build_schedule (policy, classroom, now);
  ss_signaling_send (policy->signaling, session, schedule);

  gint64 run_start, run_end;
  g_autoptr (SsTimetableLesson) live =
      find_live_lesson_of (policy, classroom, &run_start, &run_end);
  if (live == NULL)
    return;

  g_autoptr (json_t) starting = build_lesson_message (live, run_start,
                                                      run_end, TRUE);
  ss_signaling_send (policy->signaling, session, starting);
}

static gboolean
end_lesson (gpointer policy_data,
            SsSession *session,
            const char *lesson_id,
            GError **error)
{
  SsLessonPolicy *policy = policy_data;
  g_autoptr (SsTimetableLesson) lesson =
      ss_timetable_get_lesson (policy->timetable, lesson_id);
  if (lesson == NULL)
    {
      ss_signaling_end_lesson (policy->signaling, lesson_id,
                               SS_ENDED_REASON_ENDED);
      return TRUE;
    }

  gint64 now = ss_lesson_policy_now (policy);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (SsLifecycleTransition) transition =
      ss_lifecycle_end_now (policy->timetable, lesson_id, now, &local_error);
  if (transition == NULL)
    {
      gboolean not_live = g_error_matches (local_error, SS_TIMETABLE_ERROR,
                                           SS_TIMETABLE_ERROR_NOT_FOUND);
      g_set_error (error, SS_PROTOCOL_ERROR,
                   not_live ? SS_PROTOCOL_ERROR_NOT_READY
                            : SS_PROTOCOL_ERROR_INTERNAL,
                   "lesson %s could not be ended: %s", lesson_id,
                   local_error->message);
      return FALSE;
    }

  end_run (policy, transition->lesson, SS_ENDED_REASON_ENDED, now);
  return TRUE;
}

/* The run is the live one. Outside a live run (the core creates timetable
 * lessons only while one is live) it is the next run, so the roster and
 * the log still name the right classrooms. */
static gboolean
plan_lesson (gpointer policy_data,
             const char *lesson_id,
             SsSignalingLessonPlan *plan)
{
  SsLessonPolicy *policy = policy_data;
  g_autoptr (SsTimetableLesson) lesson =
      ss_timetable_get_lesson (policy->timetable, lesson_id);
  if (lesson == NULL)
    return FALSE;

  gint64 run_start, run_end;
  if (!ss_lifecycle_find_live_run (policy->timetable, lesson_id, &run_start,
                                   &run_end)
      && !ss_timetable_lesson_next_run (lesson, ss_lesson_policy_now (policy),
                                        &run_start, &run_end))
    run_start = lesson->start_unix;

  *plan = (SsSignalingLessonPlan){
    .lead = g_strdup (lesson->lead),
    .remotes = g_strdupv (lesson->remotes),
    .run_start = run_start,
    .utc_offset_s = lesson->utc_offset_s,
  };
  return TRUE;
}

static const SsSignalingPolicy hooks = {
  .authorize_hello = authorize_hello,
  .authorize_join = authorize_join,
  .greeted = greeted,
  .end_lesson = end_lesson,
  .plan_lesson = plan_lesson,
};

const SsSignalingPolicy *
ss_lesson_policy_get_hooks (void)
{
  return &hooks;
}
