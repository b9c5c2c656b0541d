/* SQLite plumbing shared by the timetable and the interaction log: opening
 * a connection with the server's PRAGMAs, running statements with failures
 * reported in the caller's GError domain, and versioned schema migrations.
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* PRAGMA synchronous in WAL mode. NORMAL survives a process crash but may
 * lose the last commits on power loss. FULL adds an fsync per commit and
 * survives both. */
typedef enum {
  SS_SQLITE_SYNCHRONOUS_NORMAL,
  SS_SQLITE_SYNCHRONOUS_FULL,
} SsSqliteSynchronous;

typedef struct {
  /* The database as messages name it, such as "timetable". */
  const char *name;
  /* The g_log domain of the migration messages. */
  const char *log_domain;
  SsSqliteSynchronous synchronous;
  /* Every failure of the connection is reported with this domain and
   * code. */
  GQuark error_domain;
  int error_code;
} SsSqliteOptions;

/* An open database connection. The fields are read-only. */
typedef struct {
  sqlite3 *handle;
  char *name;
  char *log_domain;
  GQuark error_domain;
  int error_code;
} SsSqliteConnection;

/* Opens or creates the database at @path (":memory:" for tests) in WAL mode
 * with foreign keys on. The connection waits up to 2 s for another
 * connection's lock before a statement fails with SQLITE_BUSY. */
SsSqliteConnection *ss_sqlite_open (const char *path,
                                    const SsSqliteOptions *options,
                                    GError **error);
void ss_sqlite_close (SsSqliteConnection *connection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsSqliteConnection, ss_sqlite_close)

/* Sets @error to "@step failed: " and SQLite's last error message. Always
 * returns FALSE, so a caller can return its result. */
gboolean ss_sqlite_fail (SsSqliteConnection *connection,
                         const char *step,
                         GError **error);

/* Runs one or more statements that return no rows. */
gboolean ss_sqlite_exec (SsSqliteConnection *connection,
                         const char *sql,
                         GError **error);

/* Compiles @sql into a statement, or returns NULL with @error set when it
 * does not compile. */
sqlite3_stmt *ss_sqlite_prepare (SsSqliteConnection *connection,
                                 const char *sql,
                                 GError **error);

/* Binds @value, or SQL NULL when @value is NULL. SQLite copies the text. */
void ss_sqlite_bind_text (sqlite3_stmt *statement,
                          int index,
                          const char *value);

/* Starts a transaction with BEGIN IMMEDIATE, which takes the write lock at
 * once, so a busy database fails the BEGIN and not a write halfway
 * through. */
gboolean ss_sqlite_begin (SsSqliteConnection *connection, GError **error);
gboolean ss_sqlite_commit (SsSqliteConnection *connection, GError **error);
/* Rolls back the open transaction, if any. Its own errors are ignored,
 * because the caller is already reporting the failure that led to it. */
void ss_sqlite_rollback (SsSqliteConnection *connection);

/* One set of tables versioned on its own. */
typedef struct {
  /* The table that records each applied version and when. It is created
   * when missing. The name goes into the SQL unquoted, so it must be a
   * plain identifier. */
  const char *version_table;
  /* Entry i brings the tables from version i to i + 1. Only append
   * entries, because databases in the field already ran the earlier
   * ones. */
  const char *const *migrations;
  int n_migrations;
  /* The step that ss_sqlite_fail names when reading the version fails. */
  const char *read_version_step;
} SsSqliteSchema;

/* Applies the migrations that @connection's database has not run yet, each
 * in its own transaction with its row in the version table. It fails when
 * the database records a version newer than the last migration, because
 * this server does not know those tables. @version receives the version
 * read from the database, then each version as it commits, so after a
 * failed migration it is the last one that committed. */
gboolean ss_sqlite_migrate (SsSqliteConnection *connection,
                            const SsSqliteSchema *schema,
                            int *version,
                            GError **error);

G_END_DECLS
