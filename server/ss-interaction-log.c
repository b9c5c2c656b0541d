/* The interaction log in SQLite.
 *
 * Its tables live in the timetable's database file but are versioned apart
 * from the timetable, in interaction_log_migrations, through their own
 * connection. The log records ad-hoc lessons, which have no timetable row
 * to refer to. It is written on every chat message while the timetable
 * changes a few times a lesson, so the two never share a transaction.
 *
 * Each event is filed under its lesson's run, (lesson id, run start): a
 * weekly timetable lesson keeps the same id for every run, and a run's
 * chat must not reappear in the next week's lesson.state.
 *
 * The connection uses synchronous=NORMAL in WAL mode: a process crash
 * loses nothing committed, a power cut may lose the last few events. That
 * is acceptable for a chat log and spares an fsync per message.
 */
#define G_LOG_DOMAIN "ss-interaction-log"

#include "ss-interaction-log.h"

#include <string.h>

#include "ss-sqlite.h"

struct _SsInteractionLog {
  SsSqliteConnection *db;
  int schema_version;
};

G_DEFINE_QUARK (ss-interaction-log-error-quark, ss_interaction_log_error)

/* Entry i brings the log's tables from version i to i + 1. Only append
 * entries, because databases in the field already ran the earlier ones.
 * NOTE: nothing deletes old runs yet; at about 200 bytes an event the log
 * grows by some megabytes per school day across a prefecture. */
static const char *const migrations[] = {
  "CREATE TABLE interaction_runs ("
  "  lesson_id TEXT NOT NULL,"
  "  run_start INTEGER NOT NULL,"
  "  utc_offset INTEGER NOT NULL,"
  "  timetable INTEGER NOT NULL,"
  "  PRIMARY KEY (lesson_id, run_start));"
  "CREATE TABLE interaction_events ("
  "  number INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  lesson_id TEXT NOT NULL,"
  "  run_start INTEGER NOT NULL,"
  "  at_us INTEGER NOT NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('chat', 'hand.raise', 'hand.lower',"
  "    'floor.grant', 'floor.revoke', 'phase', 'attendance')),"
  "  actor TEXT,"
  "  actor_role TEXT CHECK (actor_role IN ('lead', 'remote')),"
  "  actor_client TEXT CHECK (actor_client IN ('agent', 'page')),"
  "  classroom TEXT,"
  "  seq INTEGER,"
  "  text TEXT,"
  "  phase TEXT,"
  "  students INTEGER,"
  "  FOREIGN KEY (lesson_id, run_start)"
  "    REFERENCES interaction_runs (lesson_id, run_start)"
  "    ON DELETE CASCADE);"
  "CREATE INDEX interaction_events_by_run"
  "  ON interaction_events (lesson_id, run_start, kind, number);",
};

static const SsSqliteSchema schema = {
  .version_table = "interaction_log_migrations",
  .migrations = migrations,
  .n_migrations = G_N_ELEMENTS (migrations),
  .read_version_step = "reading the interaction log's version",
};

static const char *const event_kinds[] = {
  [SS_LOG_EVENT_CHAT] = "chat",
  [SS_LOG_EVENT_HAND_RAISE] = "hand.raise",
  [SS_LOG_EVENT_HAND_LOWER] = "hand.lower",
  [SS_LOG_EVENT_FLOOR_GRANT] = "floor.grant",
  [SS_LOG_EVENT_FLOOR_REVOKE] = "floor.revoke",
  [SS_LOG_EVENT_PHASE] = "phase",
  [SS_LOG_EVENT_ATTENDANCE] = "attendance",
};

const char *
ss_log_event_kind_to_string (SsLogEventKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (event_kinds), NULL);
  return event_kinds[kind];
}

/* ---- Database helpers -------------------------------------------------- */

static void
bind_integer_or_null (sqlite3_stmt *statement, int index, gint64 value,
                      gboolean present)
{
  if (present)
    sqlite3_bind_int64 (statement, index, value);
  else
    sqlite3_bind_null (statement, index);
}

/* ---- Opening and migrations -------------------------------------------- */

SsInteractionLog *
ss_interaction_log_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  const SsSqliteOptions options = {
    .name = "interaction log",
    .log_domain = G_LOG_DOMAIN,
    .synchronous = SS_SQLITE_SYNCHRONOUS_NORMAL,
    .error_domain = SS_INTERACTION_LOG_ERROR,
    .error_code = SS_INTERACTION_LOG_ERROR_DATABASE,
  };
  g_autoptr (SsInteractionLog) log = g_new0 (SsInteractionLog, 1);
  log->db = ss_sqlite_open (path, &options, error);
  if (log->db == NULL
      || !ss_sqlite_migrate (log->db, &schema, &log->schema_version, error))
    return NULL;

  return g_steal_pointer (&log);
}

void
ss_interaction_log_free (SsInteractionLog *log)
{
  if (log == NULL)
    return;

  ss_sqlite_close (log->db);
  g_free (log);
}

/* ---- Writing ----------------------------------------------------------- */

gboolean
ss_interaction_log_add_run (SsInteractionLog *log,
                            const char *lesson_id,
                            const SsLogRun *run,
                            gboolean *added,
                            GError **error)
{
  g_return_val_if_fail (log != NULL, FALSE);
  g_return_val_if_fail (lesson_id != NULL && run != NULL, FALSE);

  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      log->db,
      "INSERT OR IGNORE INTO interaction_runs "
      "(lesson_id, run_start, utc_offset, timetable) VALUES (?, ?, ?, ?)",
      error);
  if (statement == NULL)
    return FALSE;

  ss_sqlite_bind_text (statement, 1, lesson_id);
  sqlite3_bind_int64 (statement, 2, run->run_start);
  sqlite3_bind_int (statement, 3, run->utc_offset_s);
  sqlite3_bind_int (statement, 4, run->timetable ? 1 : 0);
  if (sqlite3_step (statement) != SQLITE_DONE)
    return ss_sqlite_fail (log->db, "recording a lesson run", error);

  if (added != NULL)
    *added = sqlite3_changes (log->db->handle) > 0;
  return TRUE;
}

gboolean
ss_interaction_log_append (SsInteractionLog *log,
                           const char *lesson_id,
                           gint64 run_start,
                           const SsLogEvent *event,
                           GError **error)
{
  g_return_val_if_fail (log != NULL, FALSE);
  g_return_val_if_fail (lesson_id != NULL && event != NULL, FALSE);
  g_return_val_if_fail ((guint) event->kind < G_N_ELEMENTS (event_kinds),
                        FALSE);

  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      log->db,
      "INSERT INTO interaction_events (lesson_id, run_start, at_us, kind, "
      "actor, actor_role, actor_client, classroom, seq, text, phase, "
      "students) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      error);
  if (statement == NULL)
    return FALSE;

  gboolean has_actor = event->actor != NULL;
  ss_sqlite_bind_text (statement, 1, lesson_id);
  sqlite3_bind_int64 (statement, 2, run_start);
  sqlite3_bind_int64 (statement, 3, event->at_us);
  ss_sqlite_bind_text (statement, 4, event_kinds[event->kind]);
  ss_sqlite_bind_text (statement, 5, event->actor);
  ss_sqlite_bind_text (
      statement, 6, has_actor ? ss_role_to_string (event->actor_role) : NULL);
  ss_sqlite_bind_text (
      statement, 7,
      has_actor ? ss_client_kind_to_string (event->actor_client) : NULL);
  ss_sqlite_bind_text (statement, 8, event->classroom);
  bind_integer_or_null (statement, 9, event->seq,
                        event->kind == SS_LOG_EVENT_CHAT);
  ss_sqlite_bind_text (statement, 10,
                       event->kind == SS_LOG_EVENT_CHAT ? event->text : NULL);
  ss_sqlite_bind_text (statement, 11,
                       event->kind == SS_LOG_EVENT_PHASE
                           ? ss_class_phase_to_string (event->phase)
                           : NULL);
  bind_integer_or_null (statement, 12, event->students,
                        event->kind == SS_LOG_EVENT_ATTENDANCE
                            && event->students >= 0);
  if (sqlite3_step (statement) != SQLITE_DONE)
    return ss_sqlite_fail (log->db, "appending to the interaction log", error);
  return TRUE;
}

/* ---- Reading ----------------------------------------------------------- */

void
ss_log_event_list_free (SsLogEventList *list)
{
  if (list == NULL)
    return;

  g_array_unref (list->events);
  g_string_chunk_free (list->strings);
  g_free (list);
}

static SsLogEventList *
event_list_new (void)
{
  SsLogEventList *list = g_new0 (SsLogEventList, 1);
  list->events = g_array_new (FALSE, TRUE, sizeof (SsLogEvent));
  list->strings = g_string_chunk_new (1024);
  return list;
}

static const char *
column_string (SsLogEventList *list, sqlite3_stmt *statement, int index)
{
  const char *text = (const char *) sqlite3_column_text (statement, index);
  return text != NULL ? g_string_chunk_insert_const (list->strings, text)
                      : NULL;
}

/* Maps a stored name back to the enum value that @to_string names so. */
static gboolean
lookup_enum (const char *name,
             const char *(*to_string) (int),
             int n_values,
             int *value)
{
  for (int i = 0; name != NULL && i < n_values; i++)
    {
      if (g_strcmp0 (to_string (i), name) == 0)
        {
          *value = i;
          return TRUE;
        }
    }
  return FALSE;
}

static const char *
kind_name (int value)
{
  return ss_log_event_kind_to_string ((SsLogEventKind) value);
}

static const char *
role_name (int value)
{
  return ss_role_to_string ((SsRole) value);
}

static const char *
client_name (int value)
{
  return ss_client_kind_to_string ((SsClientKind) value);
}

static const char *
phase_name (int value)
{
  return ss_class_phase_to_string ((SsClassPhase) value);
}

/* The columns every event query selects, in this order. */
#define EVENT_COLUMNS                                                         \
  "at_us, kind, actor, actor_role, actor_client, classroom, seq, text, "      \
  "phase, students"

/* Reads one row of EVENT_COLUMNS; a value this server never writes is an
 * error rather than a guess. */
static gboolean
read_event (SsLogEventList *list,
            sqlite3_stmt *statement,
            SsLogEvent *event,
            GError **error)
{
  const char *kind = (const char *) sqlite3_column_text (statement, 1);
  const char *role = (const char *) sqlite3_column_text (statement, 3);
  const char *client = (const char *) sqlite3_column_text (statement, 4);
  const char *phase = (const char *) sqlite3_column_text (statement, 8);
  int kind_index = 0;
  int role_index = 0;
  int client_index = 0;
  int phase_index = 0;

  if (!lookup_enum (kind, kind_name, G_N_ELEMENTS (event_kinds), &kind_index)
      || (role != NULL && !lookup_enum (role, role_name, 2, &role_index))
      || (client != NULL
          && !lookup_enum (client, client_name, 2, &client_index))
      || (phase != NULL && !lookup_enum (phase, phase_name, 3, &phase_index)))
    {
      g_set_error (error, SS_INTERACTION_LOG_ERROR,
                   SS_INTERACTION_LOG_ERROR_CORRUPT,
                   "the interaction log holds an event this server does not "
                   "know: kind %s, role %s, client %s, phase %s",
                   kind != NULL ? kind : "NULL", role != NULL ? role : "NULL",
                   client != NULL ? client : "NULL",
                   phase != NULL ? phase : "NULL");
      return FALSE;
    }

  *event = (SsLogEvent){
    .kind = (SsLogEventKind) kind_index,
    .at_us = sqlite3_column_int64 (statement, 0),
    .actor = column_string (list, statement, 2),
    .actor_role = (SsRole) role_index,
    .actor_client = (SsClientKind) client_index,
    .classroom = column_string (list, statement, 5),
    .seq = sqlite3_column_int64 (statement, 6),
    .text = column_string (list, statement, 7),
    .phase = (SsClassPhase) phase_index,
    .students = sqlite3_column_type (statement, 9) == SQLITE_NULL
                    ? -1
                    : sqlite3_column_int64 (statement, 9),
  };
  return TRUE;
}

/* Steps @statement to the end and collects its events in order. */
static SsLogEventList *
collect_events (SsInteractionLog *log,
                sqlite3_stmt *statement,
                gboolean newest_first,
                GError **error)
{
  g_autoptr (SsLogEventList) list = event_list_new ();
  int step;
  while ((step = sqlite3_step (statement)) == SQLITE_ROW)
    {
      SsLogEvent event;
      if (!read_event (list, statement, &event, error))
        return NULL;
      if (newest_first)
        g_array_prepend_val (list->events, event);
      else
        g_array_append_val (list->events, event);
    }

  if (step != SQLITE_DONE)
    {
      ss_sqlite_fail (log->db, "reading the interaction log", error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

SsLogEventList *
ss_interaction_log_list_events (SsInteractionLog *log,
                                const char *lesson_id,
                                gint64 run_start,
                                GError **error)
{
  g_return_val_if_fail (log != NULL && lesson_id != NULL, NULL);

  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      log->db,
      "SELECT " EVENT_COLUMNS " FROM interaction_events "
      "WHERE lesson_id = ? AND run_start = ? ORDER BY number",
      error);
  if (statement == NULL)
    return NULL;

  ss_sqlite_bind_text (statement, 1, lesson_id);
  sqlite3_bind_int64 (statement, 2, run_start);
  return collect_events (log, statement, FALSE, error);
}

SsLogEventList *
ss_interaction_log_list_chat (SsInteractionLog *log,
                              const char *lesson_id,
                              gint64 run_start,
                              const char *classroom,
                              guint max_messages,
                              GError **error)
{
  g_return_val_if_fail (log != NULL && lesson_id != NULL, NULL);
  g_return_val_if_fail (classroom != NULL, NULL);

  /* A chat row's classroom is the other side of a private message and
   * NULL for one to the whole lesson. The newest rows are read first, so
   * LIMIT keeps the last ones, and the list is turned back to oldest
   * first. */
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      log->db,
      "SELECT " EVENT_COLUMNS " FROM interaction_events "
      "WHERE lesson_id = ?1 AND run_start = ?2 AND kind = 'chat' "
      "AND (classroom IS NULL OR classroom = ?3 OR actor = ?3) "
      "ORDER BY number DESC LIMIT ?4",
      error);
  if (statement == NULL)
    return NULL;

  ss_sqlite_bind_text (statement, 1, lesson_id);
  sqlite3_bind_int64 (statement, 2, run_start);
  ss_sqlite_bind_text (statement, 3, classroom);
  sqlite3_bind_int64 (statement, 4, max_messages);
  return collect_events (log, statement, TRUE, error);
}

GArray *
ss_interaction_log_list_runs (SsInteractionLog *log,
                              const char *lesson_id,
                              GError **error)
{
  g_return_val_if_fail (log != NULL && lesson_id != NULL, NULL);

  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      log->db,
      "SELECT run_start, utc_offset, timetable FROM interaction_runs "
      "WHERE lesson_id = ? ORDER BY run_start",
      error);
  if (statement == NULL)
    return NULL;

  ss_sqlite_bind_text (statement, 1, lesson_id);
  g_autoptr (GArray) runs = g_array_new (FALSE, TRUE, sizeof (SsLogRun));
  int step;
  while ((step = sqlite3_step (statement)) == SQLITE_ROW)
    {
      SsLogRun run = {
        .run_start = sqlite3_column_int64 (statement, 0),
        .utc_offset_s = sqlite3_column_int (statement, 1),
        .timetable = sqlite3_column_int (statement, 2) != 0,
      };
      g_array_append_val (runs, run);
    }

  if (step != SQLITE_DONE)
    {
      ss_sqlite_fail (log->db, "reading the interaction log's runs", error);
      return NULL;
    }
  return g_steal_pointer (&runs);
}
