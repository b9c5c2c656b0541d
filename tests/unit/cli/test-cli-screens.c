/* Unit tests of the CLI's screens from a canned live view, in English and
 * (when the zh_CN.UTF-8 locale exists) in Chinese. */
#include <locale.h>
#include <string.h>

#include "ss-cli-format.h"
#include "ss-cli-screens.h"
#include "ss-i18n.h"

static json_t *
load_view (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "view.json",
                                                 NULL);
  json_t *view = json_load_file (path, 0, NULL);
  g_assert_nonnull (view);
  return view;
}

static const SsCliScreenOptions plain = {
  .sort_key = SS_CLI_SORT_SCORE,
  .loss_threshold_percent = 5.0,
};

static char *
render_top_in (const char *locale, const SsCliScreenOptions *options)
{
  if (setlocale (LC_ALL, locale) == NULL)
    return NULL;

  g_autoptr (json_t) view = load_view ();
  return ss_cli_render_top (view, options);
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

/* Returns the first line containing both @first and @second, or NULL. */
static char *
find_line_with (const char *text, const char *first, const char *second)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], first) != NULL && strstr (lines[i], second) != NULL)
      return g_strdup (lines[i]);
  return NULL;
}

static void
test_top_english_sections (void)
{
  g_autofree char *frame = render_top_in ("C.UTF-8", &plain);
  g_assert_nonnull (frame);
  g_autofree char *relay_row = find_line (frame, "embedded");
  g_autofree char *lesson_row = find_line (frame, "lead-1  embedded/0");

  g_assert_nonnull (strstr (frame, "\nRelays\n"));
  g_assert_nonnull (strstr (frame, "\nLessons\n"));
  g_assert_nonnull (relay_row);
  g_assert_nonnull (strstr (relay_row, "2.73 Mbit/s"));
  g_assert_nonnull (strstr (relay_row, "2.5 %"));
  g_assert_nonnull (lesson_row);
  g_assert_nonnull (strstr (lesson_row, "live"));
}

static void
test_top_worst_link_first (void)
{
  g_autofree char *frame = render_top_in ("C.UTF-8", &plain);
  const char *links = strstr (frame, "Links, worst first by score");
  g_assert_nonnull (links);
  const char *village = strstr (links, "village");
  const char *town = strstr (links, "town-1");
  const char *lead = strstr (links, "  lead-1");

  g_assert_nonnull (village);
  g_assert_nonnull (town);
  g_assert_nonnull (lead);
  g_assert_true (village < town);
  g_assert_true (town < lead);
}

static void
test_top_sort_by_rtt (void)
{
  SsCliScreenOptions options = plain;
  options.sort_key = SS_CLI_SORT_RTT;
  g_autofree char *frame = render_top_in ("C.UTF-8", &options);
  const char *links = strstr (frame, "Links, worst first by RTT");
  g_assert_nonnull (links);

  g_assert_true (strstr (links, "town-1") < strstr (links, "village"));
}

static void
test_top_lossy_link_marked (void)
{
  g_autofree char *frame = render_top_in ("C.UTF-8", &plain);
  g_autofree char *village = find_line (frame, "village");
  g_autofree char *town = find_line (frame, "town-1");

  g_assert_true (village[0] == '!');
  g_assert_true (town[0] == ' ');
}

static void
test_top_lossy_link_colored (void)
{
  SsCliScreenOptions options = plain;
  options.color = TRUE;
  g_autofree char *frame = render_top_in ("C.UTF-8", &options);
  g_autofree char *village = find_line (frame, "village");

  g_assert_true (g_str_has_prefix (village, "\033[1;31m"));
}

static void
test_top_threshold_option (void)
{
  SsCliScreenOptions options = plain;
  options.loss_threshold_percent = 10.0;
  g_autofree char *frame = render_top_in ("C.UTF-8", &options);
  g_autofree char *village = find_line (frame, "village");

  g_assert_true (village[0] == ' ');
}

static void
test_top_cut_to_height (void)
{
  SsCliScreenOptions options = plain;
  options.height = 6;
  g_autofree char *frame = render_top_in ("C.UTF-8", &options);
  g_auto (GStrv) lines = g_strsplit (frame, "\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 7);
}

static void
test_top_keys_line_kept (void)
{
  SsCliScreenOptions options = plain;
  options.height = 8;
  options.show_keys = TRUE;
  g_autofree char *frame = render_top_in ("C.UTF-8", &options);

  g_assert_true (g_str_has_suffix (frame, "b by bitrate"));
}

static void
test_top_chinese (void)
{
  g_autofree char *frame = render_top_in ("zh_CN.UTF-8", &plain);
  if (frame == NULL)
    {
      g_test_skip ("the zh_CN.UTF-8 locale is not installed");
      return;
    }
  g_autofree char *relay_row = find_line (frame, "  内置  0");
  g_autofree char *lesson_row = find_line (frame, "math-7  直播中");

  g_assert_nonnull (strstr (frame, "\n中继\n"));
  g_assert_nonnull (relay_row);
  g_assert_nonnull (lesson_row);
  g_assert_nonnull (strstr (lesson_row, "内置/0"));
  g_assert_nonnull (strstr (frame, "已运行 1 小时 2 分"));
  setlocale (LC_ALL, "C.UTF-8");
}

/* A classroom with a return feed has a publish and a subscribe link, and
 * each row shows which one it is. */
static void
test_links_transport_english (void)
{
  g_autofree char *frame = render_top_in ("C.UTF-8", &plain);
  g_autofree char *header = find_line_with (frame, "CLASSROOM", "ROLE");
  g_autofree char *return_feed = find_line_with (frame, "town-1", "publish");
  g_autofree char *town_subscribe = find_line_with (frame, "town-1",
                                                    "subscribe");
  g_autofree char *lead_publish = find_line_with (frame, "lead-1", "publish");
  g_autofree char *lead_feeds = find_line_with (frame, "lead-1", "subscribe");

  g_assert_nonnull (header);
  g_assert_nonnull (strstr (header, "TRANSPORT"));
  g_assert_nonnull (return_feed);
  g_assert_nonnull (strstr (return_feed, "400.0 kbit/s"));
  g_assert_nonnull (town_subscribe);
  g_assert_nonnull (strstr (town_subscribe, "630.0 kbit/s"));
  g_assert_nonnull (lead_publish);
  g_assert_nonnull (lead_feeds);
}

static void
test_links_transport_chinese (void)
{
  g_autofree char *frame = render_top_in ("zh_CN.UTF-8", &plain);
  if (frame == NULL)
    {
      g_test_skip ("the zh_CN.UTF-8 locale is not installed");
      return;
    }
  g_autofree char *header = find_line_with (frame, "教室", "角色");
  g_autofree char *return_feed = find_line_with (frame, "town-1", "推流");
  g_autofree char *lead_feeds = find_line_with (frame, "lead-1", "拉流");
  setlocale (LC_ALL, "C.UTF-8");

  g_assert_nonnull (header);
  g_assert_nonnull (strstr (header, "传输"));
  g_assert_nonnull (return_feed);
  g_assert_nonnull (strstr (return_feed, "听课"));
  g_assert_nonnull (lead_feeds);
  g_assert_nonnull (strstr (lead_feeds, "主讲"));
}

/* REMOTES counts classrooms: town-1 has two links but is one remote. */
static void
test_lessons_remotes_count (void)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_autoptr (json_t) view = load_view ();
  g_autofree char *text = ss_cli_render_lessons (view, &plain);
  g_autofree char *lesson_row = find_line_with (text, "math-7", "embedded/0");

  g_assert_nonnull (lesson_row);
  g_assert_nonnull (strstr (lesson_row, "embedded/0  2  "));
  g_assert_nonnull (strstr (lesson_row, "1.5 s"));
}

static void
test_table_aligns_wide_characters (void)
{
  g_autoptr (SsCliTable) table = ss_cli_table_new (2);
  const char *header[] = { "中继", "X" };
  const char *row[] = { "ab", "Y" };
  ss_cli_table_add_row (table, header, FALSE);
  ss_cli_table_add_row (table, row, FALSE);
  g_autoptr (GString) out = g_string_new (NULL);
  ss_cli_table_render (table, out, "", 0, FALSE);

  /* "中继" takes four columns, so "ab" gets two more spaces. */
  g_assert_cmpstr (out->str, ==, "中继  X\nab    Y\n");
}

static void
test_table_clipped_to_width (void)
{
  g_autoptr (SsCliTable) table = ss_cli_table_new (2);
  const char *row[] = { "中继中继", "tail" };
  ss_cli_table_add_row (table, row, FALSE);
  g_autoptr (GString) out = g_string_new (NULL);
  ss_cli_table_render (table, out, "", 5, FALSE);

  /* A wide character that would pass column 5 is left out whole. */
  g_assert_cmpstr (out->str, ==, "中继\n");
}

static void
test_format_units (void)
{
  g_autoptr (json_t) kbit = json_integer (96000);
  g_autoptr (json_t) mbit = json_integer (2410000);
  g_autoptr (json_t) bytes = json_integer (27262976);
  g_autoptr (json_t) null = json_null ();
  g_autofree char *kbit_text = ss_cli_format_bitrate (kbit);
  g_autofree char *mbit_text = ss_cli_format_bitrate (mbit);
  g_autofree char *bytes_text = ss_cli_format_bytes (bytes);
  g_autofree char *null_text = ss_cli_format_ms (null);

  g_assert_cmpstr (kbit_text, ==, "96.0 kbit/s");
  g_assert_cmpstr (mbit_text, ==, "2.41 Mbit/s");
  g_assert_cmpstr (bytes_text, ==, "26.0 MiB");
  g_assert_cmpstr (null_text, ==, "-");
}

static void
test_format_duration (void)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_autofree char *seconds = ss_cli_format_duration (59);
  g_autofree char *minutes = ss_cli_format_duration (61);
  g_autofree char *hours = ss_cli_format_duration (3725);
  g_autofree char *days = ss_cli_format_duration (90000);
  g_autofree char *negative = ss_cli_format_duration (-5);

  g_assert_cmpstr (seconds, ==, "59 s");
  g_assert_cmpstr (minutes, ==, "1 min 1 s");
  g_assert_cmpstr (hours, ==, "1 h 2 min");
  g_assert_cmpstr (days, ==, "1 d 1 h");
  g_assert_cmpstr (negative, ==, "0 s");
}

static void
test_classrooms_screen (void)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_autoptr (json_t) reply = json_loads (
      "{\"classrooms\":[{\"classroom\":\"r1\",\"role\":\"remote\","
      "\"agent\":\"shuangshi-agent/0.1.0\",\"lesson\":\"L\",\"online\":true,"
      "\"seconds_since_seen\":0},{\"classroom\":\"r2\",\"role\":\"lead\","
      "\"agent\":null,\"lesson\":null,\"online\":false,"
      "\"seconds_since_seen\":125}]}", 0, NULL);
  g_autofree char *text = ss_cli_render_classrooms (reply, &plain);
  g_autofree char *online = find_line (text, "r1");
  g_autofree char *offline = find_line (text, "r2");

  g_assert_nonnull (strstr (online, "online"));
  g_assert_nonnull (strstr (online, "shuangshi-agent/0.1.0"));
  g_assert_nonnull (strstr (offline, "offline"));
  g_assert_nonnull (strstr (offline, "2 min 5 s ago"));
}

int
main (int argc, char **argv)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  ss_i18n_init ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli-screens/top-english", test_top_english_sections);
  g_test_add_func ("/cli-screens/top-worst-first", test_top_worst_link_first);
  g_test_add_func ("/cli-screens/top-sort-rtt", test_top_sort_by_rtt);
  g_test_add_func ("/cli-screens/top-lossy-marked",
                   test_top_lossy_link_marked);
  g_test_add_func ("/cli-screens/top-lossy-colored",
                   test_top_lossy_link_colored);
  g_test_add_func ("/cli-screens/top-threshold", test_top_threshold_option);
  g_test_add_func ("/cli-screens/top-height", test_top_cut_to_height);
  g_test_add_func ("/cli-screens/top-keys-line", test_top_keys_line_kept);
  g_test_add_func ("/cli-screens/top-chinese", test_top_chinese);
  g_test_add_func ("/cli-screens/links-transport-english",
                   test_links_transport_english);
  g_test_add_func ("/cli-screens/links-transport-chinese",
                   test_links_transport_chinese);
  g_test_add_func ("/cli-screens/lessons-remotes", test_lessons_remotes_count);
  g_test_add_func ("/cli-screens/table-wide-chars",
                   test_table_aligns_wide_characters);
  g_test_add_func ("/cli-screens/table-clipped", test_table_clipped_to_width);
  g_test_add_func ("/cli-screens/format-units", test_format_units);
  g_test_add_func ("/cli-screens/format-duration", test_format_duration);
  g_test_add_func ("/cli-screens/classrooms", test_classrooms_screen);
  return g_test_run ();
}
