/* Waiting screen of the remote classroom agent.
 *
 * Between lessons the classroom's screen shows when the next lesson starts,
 * without anyone touching the PC. The window is a small pipeline of its
 * own, videotestsrc (black) into textoverlay into autovideosink, built
 * when the screen is shown and dropped when a lesson starts, so it never
 * competes with the lesson's decoder. Headless agents keep only the text,
 * which the agent writes to its stats file as screen_text.
 */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-waiting.h"

#include <glib/gi18n.h>
#include <gst/gst.h>

struct _SsWaitingScreen {
  gboolean headless;
  char *text;
  /* Between show and hide; the text outlives hide for the log only. */
  gboolean shown;
  GstElement *pipeline;
  GstElement *overlay;
};

SsWaitingScreen *
ss_waiting_screen_new (gboolean headless)
{
  SsWaitingScreen *screen = g_new0 (SsWaitingScreen, 1);
  screen->headless = headless;
  return screen;
}

void
ss_waiting_screen_free (SsWaitingScreen *screen)
{
  if (screen == NULL)
    return;

  ss_waiting_screen_hide (screen);
  g_free (screen->text);
  g_free (screen);
}

static GstElement *
build_pipeline (GstElement **overlay, GError **error)
{
  g_autofree char *description = g_strdup_printf (
      "videotestsrc pattern=black is-live=true "
      "! video/x-raw,width=1280,height=720,framerate=5/1 "
      "! textoverlay name=text font-desc=\"%s\" valignment=center "
      "halignment=center shaded-background=false "
      "! videoconvert ! autovideosink sync=false",
      SS_WAITING_FONT);

  GstElement *pipeline = gst_parse_launch (description, error);
  if (pipeline == NULL)
    return NULL;

  *overlay = gst_bin_get_by_name (GST_BIN (pipeline), "text");
  return pipeline;
}

void
ss_waiting_screen_show (SsWaitingScreen *screen, const char *text)
{
  g_return_if_fail (text != NULL);

  if (g_strcmp0 (screen->text, text) != 0)
    g_message ("Waiting screen: %s", text);
  g_free (screen->text);
  screen->text = g_strdup (text);
  screen->shown = TRUE;

  if (screen->headless)
    return;

  if (screen->pipeline == NULL)
    {
      g_autoptr (GError) error = NULL;
      screen->pipeline = build_pipeline (&screen->overlay, &error);
      if (screen->pipeline == NULL)
        {
          g_warning ("The waiting screen could not be opened: %s",
                     error->message);
          return;
        }
      gst_element_set_state (screen->pipeline, GST_STATE_PLAYING);
    }

  if (screen->overlay != NULL)
    g_object_set (screen->overlay, "text", text, NULL);
}

void
ss_waiting_screen_hide (SsWaitingScreen *screen)
{
  screen->shown = FALSE;
  if (screen->pipeline == NULL)
    return;

  gst_element_set_state (screen->pipeline, GST_STATE_NULL);
  g_clear_object (&screen->overlay);
  g_clear_object (&screen->pipeline);
}

const char *
ss_waiting_screen_get_text (SsWaitingScreen *screen)
{
  return screen->text;
}

gboolean
ss_waiting_screen_is_shown (SsWaitingScreen *screen)
{
  return screen->shown && screen->text != NULL
         && (screen->headless || screen->pipeline != NULL);
}

char *
ss_waiting_screen_format (const char *subject,
                          const char *start_iso8601,
                          GDateTime *now)
{
  if (subject == NULL || start_iso8601 == NULL)
    return g_strdup (_("No lesson is scheduled"));

  /* The time is shown in the offset the timetable gave it, the school's
   * own clock, whatever the zone of this PC. */
  g_autoptr (GDateTime) start = g_date_time_new_from_iso8601 (start_iso8601,
                                                              NULL);
  if (start == NULL)
    return g_strdup_printf (_("Next lesson: %s"), subject);

  g_autoptr (GDateTime) local_now =
      g_date_time_to_timezone (now, g_date_time_get_timezone (start));
  gboolean same_day =
      g_date_time_get_year (local_now) == g_date_time_get_year (start)
      && g_date_time_get_day_of_year (local_now)
             == g_date_time_get_day_of_year (start);

  g_autofree char *clock = g_date_time_format (start, "%H:%M");

  /* The schedule names a run as next until it ends, and a PC that starts
   * or reconnects mid-lesson shows it before it has joined. */
  if (g_date_time_compare (now, start) >= 0)
    /* TRANSLATORS: the waiting screen; %1$s is the subject, %2$s the time
     * the lesson began (14:00). */
    return g_strdup_printf (_("Lesson in progress: %1$s since %2$s"), subject,
                            clock);

  if (same_day)
    /* TRANSLATORS: the waiting screen; %1$s is the subject, %2$s the start
     * time (14:00). */
    return g_strdup_printf (_("Next lesson: %1$s %2$s"), subject, clock);

  g_autofree char *date = g_date_time_format (start, "%m-%d");
  /* TRANSLATORS: the waiting screen; %1$s is the subject, %2$s the date
   * (03-04), %3$s the start time (08:00). */
  return g_strdup_printf (_("Next lesson: %1$s %2$s %3$s"), subject, date,
                          clock);
}
