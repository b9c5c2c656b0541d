/* The timetable store: classrooms, lessons, their remote classrooms and the
 * state of each lesson run, in one SQLite database with versioned
 * migrations.
 *
 * The database runs in WAL mode with synchronous=FULL. A lesson changes
 * state only a few times, so an fsync per commit costs nothing that
 * matters. With FULL, a committed "live" or "ended" survives a power cut as
 * well as a kill -9. NORMAL in WAL mode survives a process crash but may
 * lose the last commits on power loss.
 *
 * The time rules (runs, overlap, parsing) are plain functions with no
 * database, so the CSV import and the scheduler share them.
 */
#define G_LOG_DOMAIN "ss-timetable"

#include "ss-timetable.h"

#include <string.h>

#include "ss-message.h"
#include "ss-sqlite.h"

struct _SsTimetable {
  SsSqliteConnection *db;
  int schema_version;
};

G_DEFINE_QUARK (ss-timetable-error-quark, ss_timetable_error)

/* Entry i brings the schema from version i to i + 1. Only append entries,
 * because databases in the field already ran the earlier ones. */
static const char *const migrations[] = {
  "CREATE TABLE classrooms ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  name TEXT NOT NULL,"
  "  school TEXT,"
  "  county TEXT,"
  "  township TEXT);"
  "CREATE TABLE lessons ("
  "  number INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT UNIQUE NOT NULL,"
  "  title TEXT NOT NULL,"
  "  subject TEXT NOT NULL,"
  "  lead TEXT NOT NULL REFERENCES classrooms (id),"
  "  start_unix INTEGER NOT NULL,"
  "  end_unix INTEGER NOT NULL,"
  "  utc_offset INTEGER NOT NULL,"
  "  weekly INTEGER NOT NULL);"
  "CREATE TABLE lesson_remotes ("
  "  lesson_id TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,"
  "  classroom_id TEXT NOT NULL REFERENCES classrooms (id),"
  "  position INTEGER NOT NULL,"
  "  PRIMARY KEY (lesson_id, classroom_id));"
  "CREATE TABLE lesson_runs ("
  "  lesson_id TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,"
  "  run_start INTEGER NOT NULL,"
  "  state TEXT NOT NULL CHECK (state IN ('live', 'ended')),"
  "  changed_unix INTEGER NOT NULL,"
  "  PRIMARY KEY (lesson_id, run_start));",
};

static const SsSqliteSchema schema = {
  .version_table = "schema_migrations",
  .migrations = migrations,
  .n_migrations = G_N_ELEMENTS (migrations),
  .read_version_step = "reading the schema version",
};

static const char *const state_names[] = {
  [SS_LESSON_STATE_SCHEDULED] = "scheduled",
  [SS_LESSON_STATE_LIVE] = "live",
  [SS_LESSON_STATE_ENDED] = "ended",
};

const char *
ss_lesson_state_to_string (SsLessonState state)
{
  g_return_val_if_fail (state <= SS_LESSON_STATE_ENDED, "unknown");
  return state_names[state];
}

/* ---- Records ----------------------------------------------------------- */

void
ss_timetable_classroom_free (SsTimetableClassroom *classroom)
{
  if (classroom == NULL)
    return;

  g_free (classroom->id);
  g_free (classroom->name);
  g_free (classroom->school);
  g_free (classroom->county);
  g_free (classroom->township);
  g_free (classroom);
}

SsTimetableLesson *
ss_timetable_lesson_copy (const SsTimetableLesson *lesson)
{
  SsTimetableLesson *copy = g_new0 (SsTimetableLesson, 1);
  *copy = (SsTimetableLesson){
    .id = g_strdup (lesson->id),
    .title = g_strdup (lesson->title),
    .subject = g_strdup (lesson->subject),
    .lead = g_strdup (lesson->lead),
    .remotes = g_strdupv (lesson->remotes),
    .start_unix = lesson->start_unix,
    .end_unix = lesson->end_unix,
    .utc_offset_s = lesson->utc_offset_s,
    .weekly = lesson->weekly,
  };
  return copy;
}

void
ss_timetable_lesson_free (SsTimetableLesson *lesson)
{
  if (lesson == NULL)
    return;

  g_free (lesson->id);
  g_free (lesson->title);
  g_free (lesson->subject);
  g_free (lesson->lead);
  g_strfreev (lesson->remotes);
  g_free (lesson);
}

void
ss_timetable_run_free (SsTimetableRun *run)
{
  if (run == NULL)
    return;

  g_free (run->lesson_id);
  g_free (run);
}

gboolean
ss_timetable_lesson_has_classroom (const SsTimetableLesson *lesson,
                                   const char *classroom)
{
  if (g_strcmp0 (lesson->lead, classroom) == 0)
    return TRUE;
  return lesson->remotes != NULL
         && g_strv_contains ((const char *const *) lesson->remotes,
                             classroom);
}

/* ---- Time rules -------------------------------------------------------- */

/* Division rounding towards minus infinity, for times before a first run. */
static gint64
floor_div (gint64 numerator, gint64 denominator)
{
  gint64 quotient = numerator / denominator;
  if ((numerator % denominator != 0) && ((numerator < 0) != (denominator < 0)))
    quotient--;
  return quotient;
}

gboolean
ss_timetable_lesson_next_run (const SsTimetableLesson *lesson,
                              gint64 after_unix,
                              gint64 *start_unix,
                              gint64 *end_unix)
{
  gint64 week = 0;
  if (lesson->end_unix <= after_unix)
    {
      if (!lesson->weekly)
        return FALSE;
      week = floor_div (after_unix - lesson->end_unix, SS_TIMETABLE_WEEK_S)
             + 1;
    }

  *start_unix = lesson->start_unix + week * SS_TIMETABLE_WEEK_S;
  *end_unix = lesson->end_unix + week * SS_TIMETABLE_WEEK_S;
  return TRUE;
}

/* Whether a run of the weekly @weekly overlaps the single interval
 * [start, end). Run k covers [s + kW, e + kW) for k >= 0, and it overlaps
 * when s + kW < end and start < e + kW. */
static gboolean
weekly_overlaps_interval (const SsTimetableLesson *weekly,
                          gint64 start,
                          gint64 end)
{
  gint64 first_week = floor_div (start - weekly->end_unix,
                                 SS_TIMETABLE_WEEK_S)
                      + 1;
  if (first_week < 0)
    first_week = 0;
  return weekly->start_unix + first_week * SS_TIMETABLE_WEEK_S < end;
}

/* Two weekly lessons both repeat for ever from the later first run on, so
 * they overlap exactly when their runs overlap within a week. */
static gboolean
weekly_pair_overlaps (const SsTimetableLesson *a, const SsTimetableLesson *b)
{
  gint64 shift = (b->start_unix - a->start_unix) % SS_TIMETABLE_WEEK_S;
  if (shift < 0)
    shift += SS_TIMETABLE_WEEK_S;

  gint64 a_length = a->end_unix - a->start_unix;
  gint64 b_length = b->end_unix - b->start_unix;
  return shift < a_length || shift + b_length > SS_TIMETABLE_WEEK_S;
}

gboolean
ss_timetable_lessons_overlap (const SsTimetableLesson *a,
                              const SsTimetableLesson *b)
{
  if (a->weekly && b->weekly)
    return weekly_pair_overlaps (a, b);
  if (a->weekly)
    return weekly_overlaps_interval (a, b->start_unix, b->end_unix);
  if (b->weekly)
    return weekly_overlaps_interval (b, a->start_unix, a->end_unix);
  return a->start_unix < b->end_unix && b->start_unix < a->end_unix;
}

static GTimeZone *
default_zone (void)
{
  GTimeZone *zone = g_time_zone_new_identifier (SS_TIMETABLE_DEFAULT_ZONE);
  if (zone == NULL)
    zone = g_time_zone_new_offset (SS_TIMETABLE_DEFAULT_OFFSET_S);
  return zone;
}

gboolean
ss_timetable_parse_time (const char *text,
                         gint64 *unix_time,
                         int *utc_offset_s,
                         GError **error)
{
  if (text == NULL || text[0] == '\0')
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "missing time");
      return FALSE;
    }

  g_autoptr (GTimeZone) zone = default_zone ();
  g_autoptr (GDateTime) parsed = g_date_time_new_from_iso8601 (text, zone);
  if (parsed == NULL)
    {
      /* GLib requires seconds; schools write "2025-03-03 08:00". */
      g_autofree char *with_seconds = g_strconcat (text, ":00", NULL);
      parsed = g_date_time_new_from_iso8601 (with_seconds, zone);
    }

  if (parsed == NULL)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "invalid time \"%s\": expected ISO 8601 such as "
                   "2025-03-03T08:00:00+08:00 or 2025-03-03 08:00",
                   text);
      return FALSE;
    }

  *unix_time = g_date_time_to_unix (parsed);
  *utc_offset_s = (int) (g_date_time_get_utc_offset (parsed) / G_USEC_PER_SEC);
  return TRUE;
}

char *
ss_timetable_format_time (gint64 unix_time, int utc_offset_s)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (utc_offset_s);
  if (utc == NULL || zone == NULL)
    return g_strdup ("invalid");

  g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, zone);
  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

/* ---- Database helpers -------------------------------------------------- */

static char *
column_text (sqlite3_stmt *statement, int index)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, index));
}

gboolean
ss_timetable_begin (SsTimetable *timetable, GError **error)
{
  return ss_sqlite_begin (timetable->db, error);
}

gboolean
ss_timetable_commit (SsTimetable *timetable, GError **error)
{
  return ss_sqlite_commit (timetable->db, error);
}

void
ss_timetable_rollback (SsTimetable *timetable)
{
  ss_sqlite_rollback (timetable->db);
}

/* ---- Opening and migrations -------------------------------------------- */

SsTimetable *
ss_timetable_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  const SsSqliteOptions options = {
    .name = "timetable",
    .log_domain = G_LOG_DOMAIN,
    .synchronous = SS_SQLITE_SYNCHRONOUS_FULL,
    .error_domain = SS_TIMETABLE_ERROR,
    .error_code = SS_TIMETABLE_ERROR_DATABASE,
  };
  g_autoptr (SsTimetable) timetable = g_new0 (SsTimetable, 1);
  timetable->db = ss_sqlite_open (path, &options, error);
  if (timetable->db == NULL
      || !ss_sqlite_migrate (timetable->db, &schema, &timetable->schema_version,
                             error))
    return NULL;

  return g_steal_pointer (&timetable);
}

void
ss_timetable_free (SsTimetable *timetable)
{
  if (timetable == NULL)
    return;

  ss_sqlite_close (timetable->db);
  g_free (timetable);
}

int
ss_timetable_get_schema_version (SsTimetable *timetable)
{
  return timetable->schema_version;
}

/* ---- Classrooms -------------------------------------------------------- */

static gboolean
check_identifier (const char *what, const char *value, GError **error)
{
  if (value != NULL && ss_identifier_is_valid (value))
    return TRUE;

  g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
               "invalid %s id \"%s\": use 1 to %d characters of A-Z a-z 0-9 "
               ". _ -",
               what, value != NULL ? value : "", SS_IDENTIFIER_MAX_LENGTH);
  return FALSE;
}

static gboolean
check_text (const char *what, const char *value, gboolean required,
            GError **error)
{
  if (value == NULL && !required)
    return TRUE;

  if (value == NULL || value[0] == '\0')
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "missing %s", what);
      return FALSE;
    }

  if (!g_utf8_validate (value, -1, NULL) || g_utf8_strlen (value, -1) > 200)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "invalid %s: expected UTF-8 text of at most 200 "
                   "characters",
                   what);
      return FALSE;
    }
  return TRUE;
}

gboolean
ss_timetable_add_classroom (SsTimetable *timetable,
                            const SsTimetableClassroom *classroom,
                            GError **error)
{
  if (!check_identifier ("classroom", classroom->id, error)
      || !check_text ("classroom name", classroom->name, TRUE, error)
      || !check_text ("school", classroom->school, FALSE, error)
      || !check_text ("county", classroom->county, FALSE, error)
      || !check_text ("township", classroom->township, FALSE, error))
    return FALSE;

  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "INSERT INTO classrooms (id, name, school, county, township) "
      "VALUES (?, ?, ?, ?, ?)",
      error);
  if (statement == NULL)
    return FALSE;

  ss_sqlite_bind_text (statement, 1, classroom->id);
  ss_sqlite_bind_text (statement, 2, classroom->name);
  ss_sqlite_bind_text (statement, 3, classroom->school);
  ss_sqlite_bind_text (statement, 4, classroom->county);
  ss_sqlite_bind_text (statement, 5, classroom->township);

  int status = sqlite3_step (statement);
  if (status == SQLITE_CONSTRAINT)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_EXISTS,
                   "a classroom with id %s already exists", classroom->id);
      return FALSE;
    }
  if (status != SQLITE_DONE)
    return ss_sqlite_fail (timetable->db, "adding a classroom", error);

  g_message ("classroom=%s: added", classroom->id);
  return TRUE;
}

/* Returns the id of a lesson that names @classroom, or NULL. */
static char *
find_lesson_with_classroom (SsTimetable *timetable, const char *classroom)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "SELECT id FROM lessons WHERE lead = ?1 UNION "
      "SELECT lesson_id FROM lesson_remotes WHERE classroom_id = ?1 LIMIT 1",
      NULL);
  if (statement == NULL)
    return NULL;

  ss_sqlite_bind_text (statement, 1, classroom);
  if (sqlite3_step (statement) != SQLITE_ROW)
    return NULL;
  return column_text (statement, 0);
}

gboolean
ss_timetable_remove_classroom (SsTimetable *timetable,
                               const char *id,
                               GError **error)
{
  g_autofree char *lesson = find_lesson_with_classroom (timetable, id);
  if (lesson != NULL)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_IN_USE,
                   "classroom %s is in lesson %s; remove the lesson first",
                   id, lesson);
      return FALSE;
    }

  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db, "DELETE FROM classrooms WHERE id = ?", error);
  if (statement == NULL)
    return FALSE;

  ss_sqlite_bind_text (statement, 1, id);
  if (sqlite3_step (statement) != SQLITE_DONE)
    return ss_sqlite_fail (timetable->db, "removing a classroom", error);

  if (sqlite3_changes (timetable->db->handle) == 0)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_NOT_FOUND,
                   "no classroom with id %s", id);
      return FALSE;
    }

  g_message ("classroom=%s: removed", id);
  return TRUE;
}

static SsTimetableClassroom *
read_classroom (sqlite3_stmt *statement)
{
  SsTimetableClassroom *classroom = g_new0 (SsTimetableClassroom, 1);
  *classroom = (SsTimetableClassroom){
    .id = column_text (statement, 0),
    .name = column_text (statement, 1),
    .school = column_text (statement, 2),
    .county = column_text (statement, 3),
    .township = column_text (statement, 4),
  };
  return classroom;
}

SsTimetableClassroom *
ss_timetable_get_classroom (SsTimetable *timetable, const char *id)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "SELECT id, name, school, county, township FROM classrooms "
      "WHERE id = ?",
      NULL);
  if (statement == NULL)
    return NULL;

  ss_sqlite_bind_text (statement, 1, id);
  if (sqlite3_step (statement) != SQLITE_ROW)
    return NULL;
  return read_classroom (statement);
}

GPtrArray *
ss_timetable_list_classrooms (SsTimetable *timetable, GError **error)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "SELECT id, name, school, county, township FROM classrooms "
      "ORDER BY id",
      error);
  if (statement == NULL)
    return NULL;

  g_autoptr (GPtrArray) classrooms = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ss_timetable_classroom_free);
  int status;
  while ((status = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (classrooms, read_classroom (statement));

  if (status != SQLITE_DONE)
    {
      ss_sqlite_fail (timetable->db, "listing classrooms", error);
      return NULL;
    }
  return g_steal_pointer (&classrooms);
}

/* ---- Lessons ----------------------------------------------------------- */

static gboolean
check_lesson_times (const SsTimetableLesson *lesson, GError **error)
{
  gint64 length = lesson->end_unix - lesson->start_unix;
  if (length <= 0)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "the lesson ends before it starts");
      return FALSE;
    }

  if (length > SS_TIMETABLE_MAX_LESSON_S)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "the lesson lasts %" G_GINT64_FORMAT " minutes; at most %d "
                   "are allowed",
                   length / 60, SS_TIMETABLE_MAX_LESSON_S / 60);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_lesson_classrooms (SsTimetable *timetable,
                         const SsTimetableLesson *lesson,
                         GError **error)
{
  if (!check_identifier ("lead classroom", lesson->lead, error))
    return FALSE;

  if (lesson->remotes == NULL || lesson->remotes[0] == NULL)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "the lesson has no remote classroom");
      return FALSE;
    }

  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_add (seen, lesson->lead);
  for (guint i = 0; lesson->remotes[i] != NULL; i++)
    {
      const char *remote = lesson->remotes[i];
      if (!check_identifier ("remote classroom", remote, error))
        return FALSE;
      if (!g_hash_table_add (seen, (gpointer) remote))
        {
          g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                       "classroom %s is named twice in the lesson", remote);
          return FALSE;
        }
    }

  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr (SsTimetableClassroom) found =
          ss_timetable_get_classroom (timetable, key);
      if (found == NULL)
        {
          g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_NOT_FOUND,
                       "no classroom with id %s; add it first",
                       (const char *) key);
          return FALSE;
        }
    }
  return TRUE;
}

/* Names the first classroom @a and @b share, or NULL. */
static const char *
find_shared_classroom (const SsTimetableLesson *a, const SsTimetableLesson *b)
{
  if (ss_timetable_lesson_has_classroom (b, a->lead))
    return a->lead;
  for (guint i = 0; a->remotes[i] != NULL; i++)
    if (ss_timetable_lesson_has_classroom (b, a->remotes[i]))
      return a->remotes[i];
  return NULL;
}

static gboolean
check_no_clash (SsTimetable *timetable,
                const SsTimetableLesson *lesson,
                GError **error)
{
  g_autoptr (GPtrArray) lessons = ss_timetable_list_lessons (timetable, error);
  if (lessons == NULL)
    return FALSE;

  for (guint i = 0; i < lessons->len; i++)
    {
      const SsTimetableLesson *other = g_ptr_array_index (lessons, i);
      const char *shared = find_shared_classroom (lesson, other);
      if (shared == NULL || !ss_timetable_lessons_overlap (lesson, other))
        continue;

      g_autofree char *start = ss_timetable_format_time (other->start_unix,
                                                         other->utc_offset_s);
      g_autofree char *end = ss_timetable_format_time (other->end_unix,
                                                       other->utc_offset_s);
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_CLASH,
                   "classroom %s is already in lesson %s (\"%s\", %s to "
                   "%s%s) at an overlapping time",
                   shared, other->id, other->title, start, end,
                   other->weekly ? ", weekly" : "");
      return FALSE;
    }
  return TRUE;
}

static char *
generate_lesson_id (SsTimetable *timetable)
{
  g_autoptr (sqlite3_stmt) statement
      = ss_sqlite_prepare (timetable->db,
                           "SELECT COALESCE ((SELECT seq FROM sqlite_sequence "
                           "WHERE name = 'lessons'), 0) + 1",
                           NULL);
  gint64 number = 1;
  if (statement != NULL && sqlite3_step (statement) == SQLITE_ROW)
    number = sqlite3_column_int64 (statement, 0);

  /* A lesson added by hand may already use the name. */
  for (;; number++)
    {
      g_autofree char *id = g_strdup_printf ("lesson-%" G_GINT64_FORMAT,
                                             number);
      g_autoptr (SsTimetableLesson) taken = ss_timetable_get_lesson (timetable,
                                                                     id);
      if (taken == NULL)
        return g_steal_pointer (&id);
    }
}

static gboolean
insert_lesson (SsTimetable *timetable,
               const SsTimetableLesson *lesson,
               GError **error)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "INSERT INTO lessons (id, title, subject, lead, start_unix, end_unix, "
      "utc_offset, weekly) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      error);
  if (statement == NULL)
    return FALSE;

  ss_sqlite_bind_text (statement, 1, lesson->id);
  ss_sqlite_bind_text (statement, 2, lesson->title);
  ss_sqlite_bind_text (statement, 3, lesson->subject);
  ss_sqlite_bind_text (statement, 4, lesson->lead);
  sqlite3_bind_int64 (statement, 5, lesson->start_unix);
  sqlite3_bind_int64 (statement, 6, lesson->end_unix);
  sqlite3_bind_int (statement, 7, lesson->utc_offset_s);
  sqlite3_bind_int (statement, 8, lesson->weekly ? 1 : 0);

  int status = sqlite3_step (statement);
  if (status == SQLITE_CONSTRAINT)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_EXISTS,
                   "a lesson with id %s already exists", lesson->id);
      return FALSE;
    }
  if (status != SQLITE_DONE)
    return ss_sqlite_fail (timetable->db, "adding a lesson", error);

  g_autoptr (sqlite3_stmt) remote = ss_sqlite_prepare (
      timetable->db,
      "INSERT INTO lesson_remotes (lesson_id, classroom_id, position) "
      "VALUES (?, ?, ?)",
      error);
  if (remote == NULL)
    return FALSE;

  for (guint i = 0; lesson->remotes[i] != NULL; i++)
    {
      sqlite3_reset (remote);
      ss_sqlite_bind_text (remote, 1, lesson->id);
      ss_sqlite_bind_text (remote, 2, lesson->remotes[i]);
      sqlite3_bind_int (remote, 3, (int) i);
      if (sqlite3_step (remote) != SQLITE_DONE)
        return ss_sqlite_fail (timetable->db, "adding a remote classroom",
                               error);
    }
  return TRUE;
}

gboolean
ss_timetable_add_lesson (SsTimetable *timetable,
                         SsTimetableLesson *lesson,
                         GError **error)
{
  if ((lesson->id != NULL && !check_identifier ("lesson", lesson->id, error))
      || !check_text ("title", lesson->title, TRUE, error)
      || !check_text ("subject", lesson->subject, TRUE, error)
      || !check_lesson_times (lesson, error)
      || !check_lesson_classrooms (timetable, lesson, error)
      || !check_no_clash (timetable, lesson, error))
    return FALSE;

  /* The savepoint nests inside a caller's transaction (the CSV import).
   * Alone, it makes the lesson and its remotes one change. */
  if (!ss_sqlite_exec (timetable->db, "SAVEPOINT add_lesson", error))
    return FALSE;

  if (lesson->id == NULL)
    lesson->id = generate_lesson_id (timetable);

  if (!insert_lesson (timetable, lesson, error))
    {
      ss_sqlite_exec (timetable->db,
                      "ROLLBACK TO add_lesson; RELEASE add_lesson", NULL);
      return FALSE;
    }

  if (!ss_sqlite_exec (timetable->db, "RELEASE add_lesson", error))
    return FALSE;

  /* Inside the CSV import's transaction the row may still be rolled back,
   * so the import logs its own count once it commits. */
  if (sqlite3_get_autocommit (timetable->db->handle))
    g_message ("lesson=%s: added, lead %s, remote classrooms: %u%s",
               lesson->id, lesson->lead, g_strv_length (lesson->remotes),
               lesson->weekly ? ", weekly" : "");
  return TRUE;
}

gboolean
ss_timetable_remove_lesson (SsTimetable *timetable,
                            const char *id,
                            GError **error)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db, "DELETE FROM lessons WHERE id = ?", error);
  if (statement == NULL)
    return FALSE;

  ss_sqlite_bind_text (statement, 1, id);
  if (sqlite3_step (statement) != SQLITE_DONE)
    return ss_sqlite_fail (timetable->db, "removing a lesson", error);

  if (sqlite3_changes (timetable->db->handle) == 0)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_NOT_FOUND,
                   "no lesson with id %s", id);
      return FALSE;
    }

  g_message ("lesson=%s: removed", id);
  return TRUE;
}

static GStrv
read_remotes (SsTimetable *timetable, const char *lesson_id)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "SELECT classroom_id FROM lesson_remotes WHERE lesson_id = ? "
      "ORDER BY position",
      NULL);
  if (statement != NULL)
    {
      ss_sqlite_bind_text (statement, 1, lesson_id);
      while (sqlite3_step (statement) == SQLITE_ROW)
        g_strv_builder_add (builder,
                            (const char *) sqlite3_column_text (statement, 0));
    }
  return g_strv_builder_end (builder);
}

#define LESSON_COLUMNS                                                        \
  "id, title, subject, lead, start_unix, end_unix, utc_offset, weekly"

static SsTimetableLesson *
read_lesson (SsTimetable *timetable, sqlite3_stmt *statement)
{
  SsTimetableLesson *lesson = g_new0 (SsTimetableLesson, 1);
  *lesson = (SsTimetableLesson){
    .id = column_text (statement, 0),
    .title = column_text (statement, 1),
    .subject = column_text (statement, 2),
    .lead = column_text (statement, 3),
    .start_unix = sqlite3_column_int64 (statement, 4),
    .end_unix = sqlite3_column_int64 (statement, 5),
    .utc_offset_s = sqlite3_column_int (statement, 6),
    .weekly = sqlite3_column_int (statement, 7) != 0,
  };
  lesson->remotes = read_remotes (timetable, lesson->id);
  return lesson;
}

SsTimetableLesson *
ss_timetable_get_lesson (SsTimetable *timetable, const char *id)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db, "SELECT " LESSON_COLUMNS " FROM lessons WHERE id = ?",
      NULL);
  if (statement == NULL)
    return NULL;

  ss_sqlite_bind_text (statement, 1, id);
  if (sqlite3_step (statement) != SQLITE_ROW)
    return NULL;
  return read_lesson (timetable, statement);
}

GPtrArray *
ss_timetable_list_lessons (SsTimetable *timetable, GError **error)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "SELECT " LESSON_COLUMNS " FROM lessons ORDER BY start_unix, id", error);
  if (statement == NULL)
    return NULL;

  g_autoptr (GPtrArray) lessons = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ss_timetable_lesson_free);
  int status;
  while ((status = sqlite3_step (statement)) == SQLITE_ROW)
    g_ptr_array_add (lessons, read_lesson (timetable, statement));

  if (status != SQLITE_DONE)
    {
      ss_sqlite_fail (timetable->db, "listing lessons", error);
      return NULL;
    }
  return g_steal_pointer (&lessons);
}

/* ---- Lesson runs ------------------------------------------------------- */

gboolean
ss_timetable_set_run_state (SsTimetable *timetable,
                            const char *lesson_id,
                            gint64 run_start,
                            SsLessonState state,
                            gint64 now_unix,
                            GError **error)
{
  g_return_val_if_fail (state != SS_LESSON_STATE_SCHEDULED, FALSE);

  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "INSERT OR REPLACE INTO lesson_runs (lesson_id, run_start, state, "
      "changed_unix) VALUES (?, ?, ?, ?)",
      error);
  if (statement == NULL)
    return FALSE;

  ss_sqlite_bind_text (statement, 1, lesson_id);
  sqlite3_bind_int64 (statement, 2, run_start);
  ss_sqlite_bind_text (statement, 3, state_names[state]);
  sqlite3_bind_int64 (statement, 4, now_unix);
  if (sqlite3_step (statement) != SQLITE_DONE)
    return ss_sqlite_fail (timetable->db, "recording a lesson's state", error);
  return TRUE;
}

SsLessonState
ss_timetable_get_run_state (SsTimetable *timetable,
                            const char *lesson_id,
                            gint64 run_start)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "SELECT state FROM lesson_runs WHERE lesson_id = ? AND run_start = ?",
      NULL);
  if (statement == NULL)
    return SS_LESSON_STATE_SCHEDULED;

  ss_sqlite_bind_text (statement, 1, lesson_id);
  sqlite3_bind_int64 (statement, 2, run_start);
  if (sqlite3_step (statement) != SQLITE_ROW)
    return SS_LESSON_STATE_SCHEDULED;

  const char *state = (const char *) sqlite3_column_text (statement, 0);
  return g_strcmp0 (state, "live") == 0 ? SS_LESSON_STATE_LIVE
                                        : SS_LESSON_STATE_ENDED;
}

GPtrArray *
ss_timetable_list_live_runs (SsTimetable *timetable, GError **error)
{
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      timetable->db,
      "SELECT lesson_id, run_start FROM lesson_runs WHERE state = 'live' "
      "ORDER BY run_start",
      error);
  if (statement == NULL)
    return NULL;

  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ss_timetable_run_free);
  int status;
  while ((status = sqlite3_step (statement)) == SQLITE_ROW)
    {
      SsTimetableRun *run = g_new0 (SsTimetableRun, 1);
      *run = (SsTimetableRun){
        .lesson_id = column_text (statement, 0),
        .run_start = sqlite3_column_int64 (statement, 1),
      };
      g_ptr_array_add (runs, run);
    }

  if (status != SQLITE_DONE)
    {
      ss_sqlite_fail (timetable->db, "listing live lessons", error);
      return NULL;
    }
  return g_steal_pointer (&runs);
}
