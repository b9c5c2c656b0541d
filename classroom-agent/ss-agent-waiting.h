/* The waiting screen a remote classroom shows between lessons: the next
 * lesson's subject and time in large text on black. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The font of the screen; Chinese text needs a CJK font (Debian's
 * fonts-noto-cjk). */
#define SS_WAITING_FONT "Noto Sans CJK SC 40"

typedef struct _SsWaitingScreen SsWaitingScreen;

/* With @headless no window opens: the text only goes to the log and to
 * ss_waiting_screen_get_text(). */
SsWaitingScreen *ss_waiting_screen_new (gboolean headless);
void ss_waiting_screen_free (SsWaitingScreen *screen);

/* Shows @text, opening the window when it is not shown yet. A failure to
 * open it is logged once per attempt and leaves the text readable. */
void ss_waiting_screen_show (SsWaitingScreen *screen, const char *text);

/* Closes the window (a lesson is starting); the text is kept. */
void ss_waiting_screen_hide (SsWaitingScreen *screen);

/* The text last shown, or NULL before any. */
const char *ss_waiting_screen_get_text (SsWaitingScreen *screen);
gboolean ss_waiting_screen_is_shown (SsWaitingScreen *screen);

/* Formats the screen's text for the next lesson (the members of a schedule
 * event), e.g. "下一节课：数学 14:00" in a zh_CN locale; the date is added
 * when the lesson is not on the day of @now, and a lesson that has begun
 * by @now is shown as in progress. @subject NULL means no lesson is
 * scheduled. Returns a new string. */
char *ss_waiting_screen_format (const char *subject,
                                const char *start_iso8601,
                                GDateTime *now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsWaitingScreen, ss_waiting_screen_free)

G_END_DECLS
