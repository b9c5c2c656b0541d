/* Unit tests of the timetable store, the overlap rule, weekly runs, the CSV
 * import and the lesson lifecycle, on in-memory or temporary databases. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ss-lifecycle.h"
#include "ss-timetable-csv.h"
#include "ss-timetable.h"

/* 2025-03-03T08:00:00+08:00, a Monday. */
#define MONDAY_8H 1740960000
#define HOUR 3600
#define WEEK SS_TIMETABLE_WEEK_S

static SsTimetable *
open_with_classrooms (void)
{
  g_autoptr (GError) error = NULL;
  SsTimetable *timetable = ss_timetable_open (":memory:", &error);
  g_assert_no_error (error);

  const char *ids[] = { "lead-1", "lead-2", "r1", "r2", "r3" };
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      SsTimetableClassroom classroom = {
        .id = (char *) ids[i],
        .name = (char *) "三年级二班",
        .school = (char *) "城关小学",
      };
      g_assert_true (ss_timetable_add_classroom (timetable, &classroom,
                                                 &error));
      g_assert_no_error (error);
    }
  return timetable;
}

static gboolean
add_lesson (SsTimetable *timetable, const char *id, const char *lead,
            const char *remotes, gint64 start, gint64 end, gboolean weekly,
            GError **error)
{
  g_auto (GStrv) remote_list = g_strsplit (remotes, ",", -1);
  SsTimetableLesson lesson = {
    .id = g_strdup (id),
    .title = (char *) "分数的初步认识",
    .subject = (char *) "数学",
    .lead = (char *) lead,
    .remotes = remote_list,
    .start_unix = start,
    .end_unix = end,
    .utc_offset_s = 8 * HOUR,
    .weekly = weekly,
  };
  gboolean ok = ss_timetable_add_lesson (timetable, &lesson, error);
  g_free (lesson.id);
  return ok;
}

/* ---- Time rules -------------------------------------------------------- */

static void
test_parse_time_forms (void)
{
  struct {
    const char *text;
    gint64 unix_time;
    int offset;
  } cases[] = {
    { "2025-03-03T08:00:00+08:00", MONDAY_8H, 8 * HOUR },
    { "2025-03-03T00:00:00Z", MONDAY_8H, 0 },
    { "2025-03-03 08:00", MONDAY_8H, 8 * HOUR },
    { "2025-03-03 08:00:00", MONDAY_8H, 8 * HOUR },
    { "2025-03-03T09:00:00+09:00", MONDAY_8H, 9 * HOUR },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 unix_time = 0;
      int offset = -1;
      g_assert_true (ss_timetable_parse_time (cases[i].text, &unix_time,
                                              &offset, &error));
      g_assert_no_error (error);
      g_assert_cmpint (unix_time, ==, cases[i].unix_time);
      g_assert_cmpint (offset, ==, cases[i].offset);
    }
}

static void
test_parse_time_invalid (void)
{
  const char *inputs[] = { "", "tomorrow", "2025-13-01 08:00", "08:00",
                           "2025-03-03T25:00:00+08:00" };
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 unix_time;
      int offset;
      g_assert_false (ss_timetable_parse_time (inputs[i], &unix_time, &offset,
                                               &error));
      g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
    }
}

static void
test_format_time_offset (void)
{
  g_autofree char *text = ss_timetable_format_time (MONDAY_8H, 8 * HOUR);
  g_assert_cmpstr (text, ==, "2025-03-03T08:00:00+08:00");
}

static void
test_next_run_weekly (void)
{
  SsTimetableLesson lesson = {
    .start_unix = MONDAY_8H,
    .end_unix = MONDAY_8H + HOUR,
    .weekly = TRUE,
  };
  gint64 start, end;

  g_assert_true (ss_timetable_lesson_next_run (&lesson, 0, &start, &end));
  g_assert_cmpint (start, ==, MONDAY_8H);

  g_assert_true (ss_timetable_lesson_next_run (&lesson, MONDAY_8H + 10,
                                               &start, &end));
  g_assert_cmpint (start, ==, MONDAY_8H);

  /* The end second belongs to the next run already. */
  g_assert_true (ss_timetable_lesson_next_run (&lesson, MONDAY_8H + HOUR,
                                               &start, &end));
  g_assert_cmpint (start, ==, MONDAY_8H + WEEK);

  g_assert_true (ss_timetable_lesson_next_run (
      &lesson, MONDAY_8H + 10 * WEEK + 2 * HOUR, &start, &end));
  g_assert_cmpint (start, ==, MONDAY_8H + 11 * WEEK);
  g_assert_cmpint (end, ==, MONDAY_8H + 11 * WEEK + HOUR);

  lesson.weekly = FALSE;
  g_assert_false (ss_timetable_lesson_next_run (&lesson, MONDAY_8H + HOUR,
                                                &start, &end));
}

static void
test_overlap_rules (void)
{
  struct {
    gint64 a_start, a_end;
    gboolean a_weekly;
    gint64 b_start, b_end;
    gboolean b_weekly;
    gboolean overlap;
  } cases[] = {
    /* One-off pairs: overlapping, touching, apart. */
    { 0, 100, FALSE, 50, 150, FALSE, TRUE },
    { 0, 100, FALSE, 100, 200, FALSE, FALSE },
    { 0, 100, FALSE, 200, 300, FALSE, FALSE },
    { 0, 100, FALSE, 10, 20, FALSE, TRUE },
    /* Weekly against a one-off run three weeks later, same hour. */
    { 0, 100, TRUE, 3 * WEEK + 50, 3 * WEEK + 60, FALSE, TRUE },
    /* ... a one-off before the weekly lesson's first run. */
    { 3 * WEEK, 3 * WEEK + 100, TRUE, 50, 60, FALSE, FALSE },
    /* ... a one-off at another hour. */
    { 0, 100, TRUE, 5 * WEEK + 200, 5 * WEEK + 300, FALSE, FALSE },
    /* ... a one-off spanning a week boundary run. */
    { WEEK - 50, WEEK, TRUE, 2 * WEEK - 10, 2 * WEEK + 10, FALSE, TRUE },
    /* Weekly pairs: same slot in different weeks, other slot, wrapping. */
    { 0, 100, TRUE, 4 * WEEK + 50, 4 * WEEK + 150, TRUE, TRUE },
    { 0, 100, TRUE, 4 * WEEK + 100, 4 * WEEK + 200, TRUE, FALSE },
    { 50, 150, TRUE, WEEK - 10, WEEK + 60, TRUE, TRUE },
    { 50, 150, TRUE, WEEK - 10, WEEK + 50, TRUE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SsTimetableLesson a = {
        .start_unix = cases[i].a_start,
        .end_unix = cases[i].a_end,
        .weekly = cases[i].a_weekly,
      };
      SsTimetableLesson b = {
        .start_unix = cases[i].b_start,
        .end_unix = cases[i].b_end,
        .weekly = cases[i].b_weekly,
      };
      g_test_message ("case %u", i);
      g_assert_cmpint (ss_timetable_lessons_overlap (&a, &b), ==,
                       cases[i].overlap);
      g_assert_cmpint (ss_timetable_lessons_overlap (&b, &a), ==,
                       cases[i].overlap);
    }
}

/* ---- Store ------------------------------------------------------------- */

static void
test_store_schema_version (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_assert_cmpint (ss_timetable_get_schema_version (timetable), ==, 1);
}

static void
test_store_classroom_round_trip (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (SsTimetableClassroom) found =
      ss_timetable_get_classroom (timetable, "r1");
  g_assert_nonnull (found);
  g_assert_cmpstr (found->name, ==, "三年级二班");
  g_assert_cmpstr (found->school, ==, "城关小学");
  g_assert_null (found->county);

  g_autoptr (GError) error = NULL;
  SsTimetableClassroom duplicate = { .id = (char *) "r1",
                                     .name = (char *) "x" };
  g_assert_false (ss_timetable_add_classroom (timetable, &duplicate, &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_EXISTS);
  g_clear_error (&error);

  SsTimetableClassroom bad_id = { .id = (char *) "r 1",
                                  .name = (char *) "x" };
  g_assert_false (ss_timetable_add_classroom (timetable, &bad_id, &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
  g_clear_error (&error);

  g_autoptr (GPtrArray) all = ss_timetable_list_classrooms (timetable, &error);
  g_assert_cmpuint (all->len, ==, 5);
}

static void
test_store_lesson_round_trip (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  g_assert_true (add_lesson (timetable, NULL, "lead-1", "r2,r1",
                             MONDAY_8H, MONDAY_8H + HOUR, TRUE, &error));
  g_assert_no_error (error);

  g_autoptr (GPtrArray) lessons = ss_timetable_list_lessons (timetable,
                                                             &error);
  g_assert_cmpuint (lessons->len, ==, 1);
  const SsTimetableLesson *lesson = g_ptr_array_index (lessons, 0);
  g_assert_cmpstr (lesson->id, ==, "lesson-1");
  g_assert_cmpstr (lesson->subject, ==, "数学");
  g_assert_cmpstr (lesson->remotes[0], ==, "r2");
  g_assert_cmpstr (lesson->remotes[1], ==, "r1");
  g_assert_null (lesson->remotes[2]);
  g_assert_true (lesson->weekly);
  g_assert_cmpint (lesson->utc_offset_s, ==, 8 * HOUR);
}

static void
test_store_overlap_rejected (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  g_assert_true (add_lesson (timetable, "math", "lead-1", "r1,r2", MONDAY_8H,
                             MONDAY_8H + HOUR, TRUE, &error));

  /* r2 is a remote of math, a weekly lesson, two weeks later. */
  g_assert_false (add_lesson (timetable, "chinese", "lead-2", "r2,r3",
                              MONDAY_8H + 2 * WEEK + 1800,
                              MONDAY_8H + 2 * WEEK + 2 * HOUR, FALSE,
                              &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_CLASH);
  g_assert_nonnull (strstr (error->message, "classroom r2"));
  g_assert_nonnull (strstr (error->message, "lesson math"));
  g_clear_error (&error);

  /* A lead in two lessons at once clashes as well. */
  g_assert_false (add_lesson (timetable, "art", "r3", "lead-1",
                              MONDAY_8H + 600, MONDAY_8H + 1200, FALSE,
                              &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_CLASH);
  g_clear_error (&error);

  /* Right after it, or with other classrooms, is fine. */
  g_assert_true (add_lesson (timetable, "chinese", "lead-2", "r2,r3",
                             MONDAY_8H + HOUR, MONDAY_8H + 2 * HOUR, TRUE,
                             &error));
  g_assert_no_error (error);
  g_assert_true (add_lesson (timetable, "music", "lead-2", "r3",
                             MONDAY_8H, MONDAY_8H + HOUR, FALSE, &error));
  g_assert_no_error (error);
}

static void
test_store_lesson_checks (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;

  g_assert_false (add_lesson (timetable, NULL, "lead-1", "nowhere",
                              MONDAY_8H, MONDAY_8H + HOUR, FALSE, &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (add_lesson (timetable, NULL, "lead-1", "r1",
                              MONDAY_8H, MONDAY_8H, FALSE, &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (add_lesson (timetable, NULL, "lead-1", "r1,r1",
                              MONDAY_8H, MONDAY_8H + HOUR, FALSE, &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (add_lesson (timetable, NULL, "lead-1", "lead-1",
                              MONDAY_8H, MONDAY_8H + HOUR, FALSE, &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (add_lesson (timetable, NULL, "lead-1", "r1", MONDAY_8H,
                              MONDAY_8H + 13 * HOUR, FALSE, &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
  g_clear_error (&error);

  g_autoptr (GPtrArray) lessons = ss_timetable_list_lessons (timetable, NULL);
  g_assert_cmpuint (lessons->len, ==, 0);
}

static void
test_store_remove_rules (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  g_assert_true (add_lesson (timetable, "math", "lead-1", "r1", MONDAY_8H,
                             MONDAY_8H + HOUR, FALSE, &error));

  g_assert_false (ss_timetable_remove_classroom (timetable, "r1", &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "math"));
  g_clear_error (&error);

  g_assert_true (ss_timetable_set_run_state (timetable, "math", MONDAY_8H,
                                             SS_LESSON_STATE_LIVE, MONDAY_8H,
                                             &error));
  g_assert_true (ss_timetable_remove_lesson (timetable, "math", &error));
  g_assert_no_error (error);
  g_assert_true (ss_timetable_remove_classroom (timetable, "r1", &error));
  g_assert_no_error (error);

  g_autoptr (GPtrArray) runs = ss_timetable_list_live_runs (timetable, NULL);
  g_assert_cmpuint (runs->len, ==, 0);

  g_assert_false (ss_timetable_remove_lesson (timetable, "math", &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_NOT_FOUND);
}

/* A file database keeps lessons and run states across a reopen, which is
 * what a restarted server sees. */
static void
test_store_survives_reopen (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ss-timetable-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "timetable.db", NULL);

  {
    g_autoptr (SsTimetable) timetable = ss_timetable_open (path, &error);
    g_assert_no_error (error);
    SsTimetableClassroom lead = { .id = (char *) "a", .name = (char *) "A" };
    SsTimetableClassroom remote = { .id = (char *) "b", .name = (char *) "B" };
    g_assert_true (ss_timetable_add_classroom (timetable, &lead, &error));
    g_assert_true (ss_timetable_add_classroom (timetable, &remote, &error));
    g_assert_true (add_lesson (timetable, "x", "a", "b", MONDAY_8H,
                               MONDAY_8H + HOUR, FALSE, &error));
    g_assert_true (ss_timetable_set_run_state (timetable, "x", MONDAY_8H,
                                               SS_LESSON_STATE_LIVE,
                                               MONDAY_8H, &error));
  }

  g_autoptr (SsTimetable) reopened = ss_timetable_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ss_timetable_get_schema_version (reopened), ==, 1);
  g_autoptr (SsTimetableLesson) lesson = ss_timetable_get_lesson (reopened,
                                                                  "x");
  g_assert_nonnull (lesson);
  g_assert_cmpint (ss_timetable_get_run_state (reopened, "x", MONDAY_8H), ==,
                   SS_LESSON_STATE_LIVE);

  g_clear_pointer (&reopened, ss_timetable_free);
  const char *suffixes[] = { "", "-wal", "-shm" };
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
}

/* ---- CSV --------------------------------------------------------------- */

static void
test_csv_quoting (void)
{
  const char text[] = "\xEF\xBB\xBF" "a,\"b,1\",\"say \"\"hi\"\"\"\r\n"
                      "\r\n"
                      "\"multi\nline\",,x\n"
                      "last,row,\"\"";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = ss_csv_parse (text, sizeof text - 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 3);

  SsCsvRecord *first = g_ptr_array_index (records, 0);
  g_assert_cmpuint (first->line, ==, 1);
  g_assert_cmpstr (first->fields[0], ==, "a");
  g_assert_cmpstr (first->fields[1], ==, "b,1");
  g_assert_cmpstr (first->fields[2], ==, "say \"hi\"");

  SsCsvRecord *second = g_ptr_array_index (records, 1);
  g_assert_cmpuint (second->line, ==, 3);
  g_assert_cmpstr (second->fields[0], ==, "multi\nline");
  g_assert_cmpstr (second->fields[1], ==, "");

  SsCsvRecord *third = g_ptr_array_index (records, 2);
  g_assert_cmpuint (third->line, ==, 5);
  g_assert_cmpstr (third->fields[2], ==, "");
}

static void
test_csv_malformed (void)
{
  struct {
    const char *text;
    const char *line;
  } cases[] = {
    { "a,b\n\"open,c\n", "line 2:" },
    { "a,b\nx\"y,z\n", "line 2:" },
    { "a,b\n\"q\"x,z\n", "line 2:" },
    { "a,b\nok,\xff\n", "line 2:" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) records = ss_csv_parse (
          cases[i].text, strlen (cases[i].text), &error);
      g_assert_null (records);
      g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, cases[i].line));
    }
}

static const char good_csv[] =
    "编号,课题,学科,主讲教室,听课教室,开始时间,结束时间,每周,备注\n"
    "m1,分数的初步认识,数学,lead-1,r1;r2,2025-03-03 08:00,2025-03-03 08:45,"
    "是,\n"
    "c1,静夜思,语文,lead-2,\"r3,r1\",2025-03-03 09:00,2025-03-03 09:45,否,"
    "第二节\n";

static void
test_import_chinese_header (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  guint n_added = 0;
  g_assert_true (ss_timetable_import_csv (timetable, good_csv,
                                          strlen (good_csv), &n_added,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_added, ==, 2);

  g_autoptr (SsTimetableLesson) math = ss_timetable_get_lesson (timetable,
                                                                "m1");
  g_assert_nonnull (math);
  g_assert_cmpstr (math->title, ==, "分数的初步认识");
  g_assert_cmpint (math->start_unix, ==, MONDAY_8H);
  g_assert_true (math->weekly);
  g_assert_cmpstr (math->remotes[1], ==, "r2");

  g_autoptr (SsTimetableLesson) chinese = ss_timetable_get_lesson (timetable,
                                                                   "c1");
  g_assert_cmpstr (chinese->remotes[0], ==, "r3");
  g_assert_cmpstr (chinese->remotes[1], ==, "r1");
  g_assert_false (chinese->weekly);
}

/* Row 3 has an invalid time and row 4 clashes with row 2: nothing is
 * imported and both lines are named. */
static void
test_import_bad_row_imports_nothing (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  const char csv[] =
      "title,subject,lead,remote,start,end\n"
      "Fractions,math,lead-1,r1,2025-03-03 08:00,2025-03-03 08:45\n"
      "Poems,chinese,lead-2,r2,2025-03-03 8 o'clock,2025-03-03 09:45\n"
      "Songs,music,lead-2,r1,2025-03-03 08:30,2025-03-03 09:00\n";

  g_autoptr (GError) error = NULL;
  guint n_added = 99;
  g_assert_false (ss_timetable_import_csv (timetable, csv, strlen (csv),
                                           &n_added, &error));
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
  g_assert_cmpuint (n_added, ==, 0);
  g_assert_nonnull (strstr (error->message, "line 3: invalid time"));
  g_assert_nonnull (strstr (error->message, "line 4: classroom r1"));
  g_assert_null (strstr (error->message, "line 2"));

  g_autoptr (GPtrArray) lessons = ss_timetable_list_lessons (timetable, NULL);
  g_assert_cmpuint (lessons->len, ==, 0);
}

static void
test_import_header_checks (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  const char *inputs[] = {
    "",
    "title,subject,lead,remote,start,end\n",
    "title,subject,lead,start,end\nx,y,lead-1,2025-03-03 08:00,"
    "2025-03-03 09:00\n",
    "title,title,subject,lead,remote,start,end\n",
    "title,subject,lead,remote,start,end\nx,y,lead-1,r1\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GError) error = NULL;
      guint n_added;
      g_test_message ("input %u", i);
      g_assert_false (ss_timetable_import_csv (timetable, inputs[i],
                                               strlen (inputs[i]), &n_added,
                                               &error));
      g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID);
    }
}

/* ---- Lifecycle --------------------------------------------------------- */

static void
test_lifecycle_start_and_end (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  g_assert_true (add_lesson (timetable, "math", "lead-1", "r1,r2", MONDAY_8H,
                             MONDAY_8H + HOUR, TRUE, &error));
  gint64 next;

  g_autoptr (GPtrArray) before = ss_lifecycle_step (timetable, MONDAY_8H - 5,
                                                    60, &next, &error);
  g_assert_cmpuint (before->len, ==, 0);
  g_assert_cmpint (next, ==, MONDAY_8H);

  g_autoptr (GPtrArray) at_start = ss_lifecycle_step (timetable, MONDAY_8H,
                                                      60, &next, &error);
  g_assert_cmpuint (at_start->len, ==, 1);
  SsLifecycleTransition *start = g_ptr_array_index (at_start, 0);
  g_assert_cmpint (start->kind, ==, SS_LIFECYCLE_START);
  g_assert_cmpstr (start->lesson->id, ==, "math");
  g_assert_cmpint (start->run_end, ==, MONDAY_8H + HOUR);
  g_assert_cmpint (next, ==, MONDAY_8H + HOUR + 60);

  /* A second step at the same time starts nothing again. */
  g_autoptr (GPtrArray) again = ss_lifecycle_step (timetable, MONDAY_8H + 1,
                                                   60, &next, &error);
  g_assert_cmpuint (again->len, ==, 0);

  /* Within the grace period the lesson is still live. */
  g_autoptr (GPtrArray) in_grace = ss_lifecycle_step (
      timetable, MONDAY_8H + HOUR + 30, 60, &next, &error);
  g_assert_cmpuint (in_grace->len, ==, 0);

  g_autoptr (GPtrArray) at_end = ss_lifecycle_step (
      timetable, MONDAY_8H + HOUR + 60, 60, &next, &error);
  g_assert_cmpuint (at_end->len, ==, 1);
  SsLifecycleTransition *end = g_ptr_array_index (at_end, 0);
  g_assert_cmpint (end->kind, ==, SS_LIFECYCLE_END);
  g_assert_cmpint (next, ==, MONDAY_8H + WEEK);
  g_assert_cmpint (ss_timetable_get_run_state (timetable, "math", MONDAY_8H),
                   ==, SS_LESSON_STATE_ENDED);
}

static void
test_lifecycle_missed_run_not_started (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  g_assert_true (add_lesson (timetable, "math", "lead-1", "r1", MONDAY_8H,
                             MONDAY_8H + HOUR, FALSE, &error));
  gint64 next;

  g_autoptr (GPtrArray) late = ss_lifecycle_step (
      timetable, MONDAY_8H + 2 * HOUR, 60, &next, &error);
  g_assert_cmpuint (late->len, ==, 0);
  g_assert_cmpint (next, ==, G_MAXINT64);
}

/* The server was down across the end: the run still recorded live is
 * ended at the first step. */
static void
test_lifecycle_ends_overdue_run (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  g_assert_true (add_lesson (timetable, "math", "lead-1", "r1", MONDAY_8H,
                             MONDAY_8H + HOUR, FALSE, &error));
  g_assert_true (ss_timetable_set_run_state (timetable, "math", MONDAY_8H,
                                             SS_LESSON_STATE_LIVE, MONDAY_8H,
                                             &error));
  gint64 next;

  g_autoptr (GPtrArray) after = ss_lifecycle_step (
      timetable, MONDAY_8H + 3 * HOUR, 60, &next, &error);
  g_assert_cmpuint (after->len, ==, 1);
  SsLifecycleTransition *end = g_ptr_array_index (after, 0);
  g_assert_cmpint (end->kind, ==, SS_LIFECYCLE_END);
}

static void
test_lifecycle_lead_ends_early (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  g_assert_true (add_lesson (timetable, "math", "lead-1", "r1", MONDAY_8H,
                             MONDAY_8H + HOUR, TRUE, &error));
  gint64 next;
  g_autoptr (GPtrArray) started = ss_lifecycle_step (timetable, MONDAY_8H, 60,
                                                     &next, &error);
  g_assert_cmpuint (started->len, ==, 1);

  g_autoptr (SsLifecycleTransition) ended = ss_lifecycle_end_now (
      timetable, "math", MONDAY_8H + 600, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ended);
  g_assert_cmpint (ended->kind, ==, SS_LIFECYCLE_END);

  /* Not restarted within its window; the next week's run is next. */
  g_autoptr (GPtrArray) later = ss_lifecycle_step (timetable, MONDAY_8H + 700,
                                                   60, &next, &error);
  g_assert_cmpuint (later->len, ==, 0);
  g_assert_cmpint (next, ==, MONDAY_8H + WEEK);

  g_autoptr (SsLifecycleTransition) twice = ss_lifecycle_end_now (
      timetable, "math", MONDAY_8H + 800, &error);
  g_assert_null (twice);
  g_assert_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_NOT_FOUND);
}

static void
test_lifecycle_next_lesson (void)
{
  g_autoptr (SsTimetable) timetable = open_with_classrooms ();
  g_autoptr (GError) error = NULL;
  g_assert_true (add_lesson (timetable, "math", "lead-1", "r1", MONDAY_8H,
                             MONDAY_8H + HOUR, TRUE, &error));
  g_assert_true (add_lesson (timetable, "art", "lead-2", "r1",
                             MONDAY_8H + 2 * HOUR, MONDAY_8H + 3 * HOUR,
                             FALSE, &error));

  g_autoptr (SsTimetableLesson) first = ss_lifecycle_next_lesson (
      timetable, "r1", MONDAY_8H - 100);
  g_assert_cmpstr (first->id, ==, "math");

  g_autoptr (SsTimetableLesson) second = ss_lifecycle_next_lesson (
      timetable, "r1", MONDAY_8H + HOUR);
  g_assert_cmpstr (second->id, ==, "art");

  g_autoptr (SsTimetableLesson) third = ss_lifecycle_next_lesson (
      timetable, "r1", MONDAY_8H + 4 * HOUR);
  g_assert_cmpstr (third->id, ==, "math");
  g_assert_cmpint (third->start_unix, ==, MONDAY_8H + WEEK);

  g_autoptr (SsTimetableLesson) none = ss_lifecycle_next_lesson (
      timetable, "r3", MONDAY_8H);
  g_assert_null (none);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/timetable/parse-time/forms", test_parse_time_forms);
  g_test_add_func ("/timetable/parse-time/invalid", test_parse_time_invalid);
  g_test_add_func ("/timetable/format-time", test_format_time_offset);
  g_test_add_func ("/timetable/next-run/weekly", test_next_run_weekly);
  g_test_add_func ("/timetable/overlap", test_overlap_rules);
  g_test_add_func ("/timetable/store/schema-version",
                   test_store_schema_version);
  g_test_add_func ("/timetable/store/classroom", test_store_classroom_round_trip);
  g_test_add_func ("/timetable/store/lesson", test_store_lesson_round_trip);
  g_test_add_func ("/timetable/store/overlap-rejected",
                   test_store_overlap_rejected);
  g_test_add_func ("/timetable/store/lesson-checks", test_store_lesson_checks);
  g_test_add_func ("/timetable/store/remove", test_store_remove_rules);
  g_test_add_func ("/timetable/store/reopen", test_store_survives_reopen);
  g_test_add_func ("/timetable/csv/quoting", test_csv_quoting);
  g_test_add_func ("/timetable/csv/malformed", test_csv_malformed);
  g_test_add_func ("/timetable/import/chinese-header",
                   test_import_chinese_header);
  g_test_add_func ("/timetable/import/bad-row",
                   test_import_bad_row_imports_nothing);
  g_test_add_func ("/timetable/import/header", test_import_header_checks);
  g_test_add_func ("/timetable/lifecycle/start-end",
                   test_lifecycle_start_and_end);
  g_test_add_func ("/timetable/lifecycle/missed-run",
                   test_lifecycle_missed_run_not_started);
  g_test_add_func ("/timetable/lifecycle/overdue-run",
                   test_lifecycle_ends_overdue_run);
  g_test_add_func ("/timetable/lifecycle/lead-ends-early",
                   test_lifecycle_lead_ends_early);
  g_test_add_func ("/timetable/lifecycle/next-lesson",
                   test_lifecycle_next_lesson);

  return g_test_run ();
}
