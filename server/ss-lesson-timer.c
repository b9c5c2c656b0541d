/* Lifecycle timer of shuangshi-server: the I/O side of the lesson policy.
 * It reads the wall clock, steps the policy, and sleeps until the next
 * start or end (at most SS_LESSON_TIMER_MAX_SLEEP_MS).
 */
#define G_LOG_DOMAIN "ss-lesson"

#include "ss-lesson-timer.h"

struct _SsLessonTimer {
  SsLessonPolicy *policy;
  GMainContext *context;
  GSource *source;
};

SsLessonTimer *
ss_lesson_timer_new (SsLessonPolicy *policy, GMainContext *context)
{
  g_return_val_if_fail (policy != NULL, NULL);

  SsLessonTimer *timer = g_new0 (SsLessonTimer, 1);
  *timer = (SsLessonTimer){
    .policy = policy,
    .context = context != NULL ? g_main_context_ref (context)
                               : g_main_context_ref_thread_default (),
  };
  return timer;
}

static void
cancel_source (SsLessonTimer *timer)
{
  if (timer->source == NULL)
    return;

  g_source_destroy (timer->source);
  g_clear_pointer (&timer->source, g_source_unref);
}

void
ss_lesson_timer_free (SsLessonTimer *timer)
{
  if (timer == NULL)
    return;

  cancel_source (timer);
  g_main_context_unref (timer->context);
  g_free (timer);
}

static gboolean
on_timeout (gpointer user_data)
{
  SsLessonTimer *timer = user_data;

  g_clear_pointer (&timer->source, g_source_unref);
  ss_lesson_timer_rearm (timer);
  return G_SOURCE_REMOVE;
}

void
ss_lesson_timer_rearm (SsLessonTimer *timer)
{
  cancel_source (timer);

  gint64 now_ms = g_get_real_time () / 1000;
  gint64 next_unix = ss_lesson_policy_step (timer->policy, now_ms / 1000);

  /* Transitions are due at whole seconds, so waking at next_unix * 1000 ms
   * is enough: the step compares with the second it is called in. */
  gint64 sleep_ms = SS_LESSON_TIMER_MAX_SLEEP_MS;
  if (next_unix != G_MAXINT64 && next_unix < G_MAXINT64 / 1000)
    sleep_ms = CLAMP (next_unix * 1000 - now_ms, 1,
                      SS_LESSON_TIMER_MAX_SLEEP_MS);

  g_debug ("next lifecycle step in %" G_GINT64_FORMAT " ms", sleep_ms);
  timer->source = g_timeout_source_new ((guint) sleep_ms);
  g_source_set_callback (timer->source, on_timeout, timer, NULL);
  g_source_attach (timer->source, timer->context);
}
