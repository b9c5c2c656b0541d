/* The timetable: classrooms, lessons and the state of each lesson run, in
 * SQLite. The functions work on the database handle alone and take the
 * current time as an argument where they need it, so tests run them on
 * ":memory:".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_TIMETABLE_ERROR (ss_timetable_error_quark ())
GQuark ss_timetable_error_quark (void);

typedef enum {
  SS_TIMETABLE_ERROR_INVALID,    /* a field is missing or malformed */
  SS_TIMETABLE_ERROR_NOT_FOUND,  /* no classroom or lesson with that id */
  SS_TIMETABLE_ERROR_EXISTS,     /* the id is already taken */
  SS_TIMETABLE_ERROR_CLASH,      /* a classroom would be in two lessons at once */
  SS_TIMETABLE_ERROR_IN_USE,     /* the classroom is named by a lesson */
  SS_TIMETABLE_ERROR_DATABASE,   /* SQLite failed */
} SsTimetableError;

/* Times without an offset are read in this zone. China has kept UTC+8 all
 * year since 1991, so a fixed offset is used when tzdata is missing. */
#define SS_TIMETABLE_DEFAULT_ZONE "Asia/Shanghai"
#define SS_TIMETABLE_DEFAULT_OFFSET_S (8 * 3600)

#define SS_TIMETABLE_WEEK_S (7 * 24 * 3600)

/* Lessons last at most this long, so weekly runs never overlap
 * themselves. */
#define SS_TIMETABLE_MAX_LESSON_S (12 * 3600)

typedef struct {
  char *id;
  char *name;
  char *school;    /* NULL when not given */
  char *county;
  char *township;
} SsTimetableClassroom;

void ss_timetable_classroom_free (SsTimetableClassroom *classroom);

typedef struct {
  char *id;
  char *title;
  char *subject;
  char *lead;
  GStrv remotes;       /* classroom ids, at least one */
  gint64 start_unix;   /* the first run */
  gint64 end_unix;
  int utc_offset_s;    /* the offset the times are shown with */
  gboolean weekly;     /* repeats every 7 days from the first run */
} SsTimetableLesson;

SsTimetableLesson *ss_timetable_lesson_copy (const SsTimetableLesson *lesson);
void ss_timetable_lesson_free (SsTimetableLesson *lesson);

/* Whether @classroom is the lead or one of the remotes. */
gboolean ss_timetable_lesson_has_classroom (const SsTimetableLesson *lesson,
                                            const char *classroom);

/* Finds the first run of @lesson that ends after @after_unix. Returns FALSE
 * when there is none (a one-off lesson that is over). */
gboolean ss_timetable_lesson_next_run (const SsTimetableLesson *lesson,
                                       gint64 after_unix,
                                       gint64 *start_unix,
                                       gint64 *end_unix);

/* Whether some run of @a overlaps some run of @b in time, ignoring
 * classrooms. Runs that only touch (one ends when the other starts) do not
 * overlap. */
gboolean ss_timetable_lessons_overlap (const SsTimetableLesson *a,
                                       const SsTimetableLesson *b);

/* Reads an ISO 8601 date and time such as 2025-03-03T08:00:00+08:00 or
 * "2025-03-03 08:00" (read in SS_TIMETABLE_DEFAULT_ZONE). */
gboolean ss_timetable_parse_time (const char *text,
                                  gint64 *unix_time,
                                  int *utc_offset_s,
                                  GError **error);

/* Formats as ISO 8601 with the offset, e.g. 2025-03-03T08:00:00+08:00. */
char *ss_timetable_format_time (gint64 unix_time, int utc_offset_s);

/* State of one run of a lesson, persisted on each change. */
typedef enum {
  SS_LESSON_STATE_SCHEDULED,
  SS_LESSON_STATE_LIVE,
  SS_LESSON_STATE_ENDED,
} SsLessonState;

const char *ss_lesson_state_to_string (SsLessonState state);

typedef struct _SsTimetable SsTimetable;

/* Opens or creates the database at @path (":memory:" for tests) and brings
 * its schema to the latest version. */
SsTimetable *ss_timetable_open (const char *path, GError **error);
void ss_timetable_free (SsTimetable *timetable);

/* The schema version after ss_timetable_open. */
int ss_timetable_get_schema_version (SsTimetable *timetable);

/* Wraps several changes so they apply together or not at all. */
gboolean ss_timetable_begin (SsTimetable *timetable, GError **error);
gboolean ss_timetable_commit (SsTimetable *timetable, GError **error);
void ss_timetable_rollback (SsTimetable *timetable);

gboolean ss_timetable_add_classroom (SsTimetable *timetable,
                                     const SsTimetableClassroom *classroom,
                                     GError **error);
/* Fails with SS_TIMETABLE_ERROR_IN_USE while a lesson names the
 * classroom. */
gboolean ss_timetable_remove_classroom (SsTimetable *timetable,
                                        const char *id,
                                        GError **error);
SsTimetableClassroom *ss_timetable_get_classroom (SsTimetable *timetable,
                                                  const char *id);
/* Element type SsTimetableClassroom, sorted by id. */
GPtrArray *ss_timetable_list_classrooms (SsTimetable *timetable,
                                         GError **error);

/* Checks the fields, that every classroom exists, and that no classroom of
 * @lesson is in another lesson at an overlapping time (the error names the
 * other lesson and the classroom). When lesson->id is NULL, a new id is
 * generated and stored in it. */
gboolean ss_timetable_add_lesson (SsTimetable *timetable,
                                  SsTimetableLesson *lesson,
                                  GError **error);
gboolean ss_timetable_remove_lesson (SsTimetable *timetable,
                                     const char *id,
                                     GError **error);
SsTimetableLesson *ss_timetable_get_lesson (SsTimetable *timetable,
                                            const char *id);
/* Element type SsTimetableLesson, sorted by start time. */
GPtrArray *ss_timetable_list_lessons (SsTimetable *timetable, GError **error);

/* Records the state of the run of @lesson_id that starts at @run_start;
 * @state is live or ended. */
gboolean ss_timetable_set_run_state (SsTimetable *timetable,
                                     const char *lesson_id,
                                     gint64 run_start,
                                     SsLessonState state,
                                     gint64 now_unix,
                                     GError **error);
/* SS_LESSON_STATE_SCHEDULED when the run has no record. */
SsLessonState ss_timetable_get_run_state (SsTimetable *timetable,
                                          const char *lesson_id,
                                          gint64 run_start);

typedef struct {
  char *lesson_id;
  gint64 run_start;
} SsTimetableRun;

void ss_timetable_run_free (SsTimetableRun *run);

/* Element type SsTimetableRun: every run recorded as live. */
GPtrArray *ss_timetable_list_live_runs (SsTimetable *timetable,
                                        GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsTimetableClassroom,
                               ss_timetable_classroom_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsTimetableLesson, ss_timetable_lesson_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsTimetableRun, ss_timetable_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsTimetable, ss_timetable_free)

G_END_DECLS
