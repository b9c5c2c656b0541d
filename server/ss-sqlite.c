/* SQLite connections and versioned migrations for the server's stores. */
#define G_LOG_DOMAIN "ss-sqlite"

#include "ss-sqlite.h"

/* How long a statement waits for another connection's lock. The timetable
 * and the interaction log share one file through two connections, and a
 * second server may open the same file. */
#define BUSY_TIMEOUT_MS 2000

static const char *const synchronous_names[] = {
  [SS_SQLITE_SYNCHRONOUS_NORMAL] = "NORMAL",
  [SS_SQLITE_SYNCHRONOUS_FULL] = "FULL",
};

SsSqliteConnection *
ss_sqlite_open (const char *path,
                const SsSqliteOptions *options,
                GError **error)
{
  g_return_val_if_fail (path != NULL && options != NULL, NULL);
  g_return_val_if_fail (options->name != NULL, NULL);
  g_return_val_if_fail ((guint) options->synchronous
                            < G_N_ELEMENTS (synchronous_names),
                        NULL);

  g_autoptr (SsSqliteConnection) connection = g_new0 (SsSqliteConnection, 1);
  connection->name = g_strdup (options->name);
  connection->log_domain = g_strdup (options->log_domain);
  connection->error_domain = options->error_domain;
  connection->error_code = options->error_code;

  /* sqlite3_open_v2 returns a handle even when it fails, so the error
   * message can be read from it. ss_sqlite_close releases that handle. */
  if (sqlite3_open_v2 (path, &connection->handle,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK)
    {
      g_set_error (error, connection->error_domain, connection->error_code,
                   "cannot open the %s %s: %s", connection->name, path,
                   sqlite3_errmsg (connection->handle));
      return NULL;
    }

  sqlite3_busy_timeout (connection->handle, BUSY_TIMEOUT_MS);

  g_autofree char *pragmas = g_strdup_printf (
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = %s;"
      "PRAGMA foreign_keys = ON;",
      synchronous_names[options->synchronous]);
  if (!ss_sqlite_exec (connection, pragmas, error))
    return NULL;

  return g_steal_pointer (&connection);
}

void
ss_sqlite_close (SsSqliteConnection *connection)
{
  if (connection == NULL)
    return;

  sqlite3_close (connection->handle);
  g_free (connection->name);
  g_free (connection->log_domain);
  g_free (connection);
}

gboolean
ss_sqlite_fail (SsSqliteConnection *connection,
                const char *step,
                GError **error)
{
  g_set_error (error, connection->error_domain, connection->error_code,
               "%s failed: %s", step, sqlite3_errmsg (connection->handle));
  return FALSE;
}

gboolean
ss_sqlite_exec (SsSqliteConnection *connection,
                const char *sql,
                GError **error)
{
  char *message = NULL;
  if (sqlite3_exec (connection->handle, sql, NULL, NULL, &message)
      == SQLITE_OK)
    return TRUE;

  g_set_error (error, connection->error_domain, connection->error_code,
               "SQL failed: %s", message != NULL ? message : "unknown error");
  sqlite3_free (message);
  return FALSE;
}

sqlite3_stmt *
ss_sqlite_prepare (SsSqliteConnection *connection,
                   const char *sql,
                   GError **error)
{
  sqlite3_stmt *statement = NULL;
  if (sqlite3_prepare_v2 (connection->handle, sql, -1, &statement, NULL)
      != SQLITE_OK)
    {
      ss_sqlite_fail (connection, "preparing a statement", error);
      return NULL;
    }
  return statement;
}

void
ss_sqlite_bind_text (sqlite3_stmt *statement, int index, const char *value)
{
  if (value == NULL)
    sqlite3_bind_null (statement, index);
  else
    sqlite3_bind_text (statement, index, value, -1, SQLITE_TRANSIENT);
}

gboolean
ss_sqlite_begin (SsSqliteConnection *connection, GError **error)
{
  return ss_sqlite_exec (connection, "BEGIN IMMEDIATE", error);
}

gboolean
ss_sqlite_commit (SsSqliteConnection *connection, GError **error)
{
  return ss_sqlite_exec (connection, "COMMIT", error);
}

void
ss_sqlite_rollback (SsSqliteConnection *connection)
{
  if (!sqlite3_get_autocommit (connection->handle))
    ss_sqlite_exec (connection, "ROLLBACK", NULL);
}

/* ---- Migrations -------------------------------------------------------- */

static gboolean
read_schema_version (SsSqliteConnection *connection,
                     const SsSqliteSchema *schema,
                     int *version,
                     GError **error)
{
  g_autofree char *create = g_strdup_printf (
      "CREATE TABLE IF NOT EXISTS %s ("
      "  version INTEGER PRIMARY KEY NOT NULL,"
      "  applied_unix INTEGER NOT NULL)",
      schema->version_table);
  if (!ss_sqlite_exec (connection, create, error))
    return FALSE;

  g_autofree char *select = g_strdup_printf (
      "SELECT COALESCE (MAX (version), 0) FROM %s", schema->version_table);
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (connection, select,
                                                          error);
  if (statement == NULL)
    return FALSE;
  if (sqlite3_step (statement) != SQLITE_ROW)
    return ss_sqlite_fail (connection, schema->read_version_step, error);

  *version = sqlite3_column_int (statement, 0);
  return TRUE;
}

static gboolean
apply_migration (SsSqliteConnection *connection,
                 const SsSqliteSchema *schema,
                 int version,
                 GError **error)
{
  if (!ss_sqlite_begin (connection, error))
    return FALSE;

  g_autofree char *record = g_strdup_printf (
      "INSERT INTO %s (version, applied_unix) "
      "VALUES (%d, strftime ('%%s', 'now'))",
      schema->version_table, version);
  if (!ss_sqlite_exec (connection, schema->migrations[version - 1], error)
      || !ss_sqlite_exec (connection, record, error)
      || !ss_sqlite_commit (connection, error))
    {
      ss_sqlite_rollback (connection);
      return FALSE;
    }

  g_log (connection->log_domain, G_LOG_LEVEL_MESSAGE,
         "%s schema migrated to version %d", connection->name, version);
  return TRUE;
}

gboolean
ss_sqlite_migrate (SsSqliteConnection *connection,
                   const SsSqliteSchema *schema,
                   int *version,
                   GError **error)
{
  g_return_val_if_fail (connection != NULL && schema != NULL, FALSE);
  g_return_val_if_fail (version != NULL, FALSE);

  if (!read_schema_version (connection, schema, version, error))
    return FALSE;

  int latest = schema->n_migrations;
  if (*version > latest)
    {
      g_set_error (error, connection->error_domain, connection->error_code,
                   "the %s's schema version %d is newer than this server's "
                   "%d; run a newer server",
                   connection->name, *version, latest);
      return FALSE;
    }

  for (int next = *version + 1; next <= latest; next++)
    {
      if (!apply_migration (connection, schema, next, error))
        return FALSE;
      *version = next;
    }
  return TRUE;
}
