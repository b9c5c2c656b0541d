/* Unit tests of `shuangshi lesson log`'s text from a canned reply of
 * GET /api/v1/lessons/ID/log, in English and (when the zh_CN.UTF-8 locale
 * exists) in Chinese. */
#include <locale.h>
#include <string.h>

#include "ss-cli-format.h"
#include "ss-cli-lesson-log.h"
#include "ss-i18n.h"

static const SsCliScreenOptions plain = { 0 };

static const char *const reply_text =
    "{\"lesson\":\"math\",\"runs\":["
    "{\"start\":\"2025-03-03T14:00:00+08:00\",\"timetable\":true,"
    "\"events\":["
    "{\"at\":\"2025-03-03T14:00:05+08:00\",\"kind\":\"chat\","
    "\"by\":\"town-a\",\"role\":\"remote\",\"client\":\"page\","
    "\"classroom\":\"city\",\"seq\":1,"
    "\"text\":\"第一行\\n第二行\\u001b[2J\"},"
    "{\"at\":\"2025-03-03T14:01:00+08:00\",\"kind\":\"hand.raise\","
    "\"by\":\"town-b\",\"role\":\"remote\",\"client\":\"agent\","
    "\"classroom\":\"town-b\"},"
    "{\"at\":\"2025-03-03T14:02:00+08:00\",\"kind\":\"phase\","
    "\"by\":\"city\",\"role\":\"lead\",\"client\":\"agent\","
    "\"classroom\":null,\"phase\":\"practice\"},"
    "{\"at\":\"2025-03-03T14:03:00+08:00\",\"kind\":\"floor.revoke\","
    "\"by\":null,\"role\":null,\"client\":null,\"classroom\":null},"
    "{\"at\":\"2025-03-03T14:04:00+08:00\",\"kind\":\"attendance\","
    "\"by\":\"town-b\",\"role\":\"remote\",\"client\":\"page\","
    "\"classroom\":\"town-b\",\"students\":28}]},"
    "{\"start\":\"2025-03-10T14:00:00+08:00\",\"timetable\":true,"
    "\"events\":[]}]}";

static char *
render_in (const char *locale)
{
  if (setlocale (LC_ALL, locale) == NULL)
    return NULL;

  g_autoptr (json_t) reply = json_loads (reply_text, 0, NULL);
  g_assert_nonnull (reply);
  char *text = ss_cli_render_lesson_log (reply, &plain);
  setlocale (LC_ALL, "C.UTF-8");
  return text;
}

/* Returns the first line containing @needle, or NULL. */
static char *
find_line (const char *text, const char *needle)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      return g_strdup (lines[i]);
  return NULL;
}

static void
test_lesson_log_english (void)
{
  g_autofree char *text = render_in ("C.UTF-8");

  g_assert_true (g_str_has_prefix (text, "Lesson math: 2 runs\n"));
  g_assert_nonnull (strstr (text, "Run starting 2025-03-03T14:00:00+08:00 "
                                  "(timetable), 5 events:\n"));
  g_assert_nonnull (strstr (text, "Run starting 2025-03-10T14:00:00+08:00 "
                                  "(timetable), 0 events:\n"));

  g_autofree char *chat = find_line (text, "14:00:05");
  g_assert_nonnull (chat);
  g_assert_nonnull (strstr (chat, "town-a (page)"));
  g_assert_nonnull (strstr (chat, "private message to city"));
  /* One row per message: the line break shows as a mark, and the escape
   * character is replaced. */
  g_assert_nonnull (strstr (chat, "#1 第一行↵第二行\xEF\xBF\xBD[2J"));
  g_assert_null (strchr (text, '\x1b'));

  g_autofree char *hand = find_line (text, "14:01:00");
  g_assert_nonnull (strstr (hand, "town-b (classroom PC)"));
  g_assert_nonnull (strstr (hand, "raised the hand"));

  g_autofree char *phase = find_line (text, "14:02:00");
  g_assert_nonnull (strstr (phase, "set the phase"));
  g_assert_nonnull (strstr (phase, "practice"));

  g_autofree char *revoke = find_line (text, "14:03:00");
  g_assert_nonnull (strstr (revoke, "server"));
  g_assert_nonnull (strstr (revoke, "floor returned: its holder left"));

  g_autofree char *attendance = find_line (text, "14:04:00");
  g_assert_nonnull (strstr (attendance, "town-b: 28 students"));
}

static void
test_lesson_log_chinese (void)
{
  g_autofree char *text = render_in ("zh_CN.UTF-8");
  if (text == NULL)
    {
      g_test_skip ("the zh_CN.UTF-8 locale is not installed");
      return;
    }

  g_assert_true (g_str_has_prefix (text, "课程 math：共 2 次\n"));
  g_autofree char *chat = find_line (text, "14:00:05");
  g_assert_nonnull (strstr (chat, "town-a（网页）"));
  g_assert_nonnull (strstr (chat, "发给 city 的私信"));
  g_autofree char *phase = find_line (text, "14:02:00");
  g_assert_nonnull (strstr (phase, "练习"));
  g_autofree char *attendance = find_line (text, "14:04:00");
  g_assert_nonnull (strstr (attendance, "town-b：28 名学生"));
}

static void
test_lesson_log_unknown_kind (void)
{
  g_autoptr (json_t) reply = json_loads (
      "{\"lesson\":\"math\",\"runs\":[{\"start\":\"x\",\"timetable\":false,"
      "\"events\":[{\"at\":\"bad time\",\"kind\":\"poll\",\"by\":\"city\","
      "\"client\":\"agent\",\"classroom\":null}]}]}",
      0, NULL);
  g_autofree char *text = ss_cli_render_lesson_log (reply, &plain);

  g_assert_nonnull (strstr (text, "(ad-hoc), 1 event:"));
  g_autofree char *row = find_line (text, "poll");
  g_assert_nonnull (row);
  g_assert_nonnull (strstr (row, "bad time"));
}

int
main (int argc, char **argv)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  ss_i18n_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli-lesson-log/english", test_lesson_log_english);
  g_test_add_func ("/cli-lesson-log/chinese", test_lesson_log_chinese);
  g_test_add_func ("/cli-lesson-log/unknown-kind",
                   test_lesson_log_unknown_kind);

  return g_test_run ();
}
