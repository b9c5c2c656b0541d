/* Tests of the shared SQLite connection and migration runner (ss-sqlite.h).
 * Each test gets its own temporary directory from G_TEST_OPTION_ISOLATE_DIRS,
 * which GLib deletes after the test passes. */
#include <glib/gstdio.h>

#include "ss-sqlite.h"

#define TEST_LOG_DOMAIN "test-sqlite"
/* A code other than 0, so a test can check that the caller's code is
 * used. */
#define TEST_ERROR_DATABASE 7

G_DEFINE_QUARK (test-sqlite-error-quark, test_sqlite_error)

static const char *const two_migrations[] = {
  "CREATE TABLE pupils (id TEXT PRIMARY KEY NOT NULL);",
  "CREATE TABLE marks ("
  "  pupil TEXT NOT NULL REFERENCES pupils (id),"
  "  mark INTEGER NOT NULL);",
};

static const SsSqliteSchema schema_v2 = {
  .version_table = "test_migrations",
  .migrations = two_migrations,
  .n_migrations = G_N_ELEMENTS (two_migrations),
  .read_version_step = "reading the test version",
};

/* The first migration of schema_v2 alone: the schema of an older server. */
static const SsSqliteSchema schema_v1 = {
  .version_table = "test_migrations",
  .migrations = two_migrations,
  .n_migrations = 1,
  .read_version_step = "reading the test version",
};

/* Returns the path of a database file in the test's own directory. */
static char *
database_path (void)
{
  const char *directory = g_get_user_data_dir ();
  g_assert_cmpint (g_mkdir_with_parents (directory, 0700), ==, 0);
  return g_build_filename (directory, "test.db", NULL);
}

static SsSqliteConnection *
open_with (const char *path, SsSqliteSynchronous synchronous)
{
  const SsSqliteOptions options = {
    .name = "test database",
    .log_domain = TEST_LOG_DOMAIN,
    .synchronous = synchronous,
    .error_domain = test_sqlite_error_quark (),
    .error_code = TEST_ERROR_DATABASE,
  };
  g_autoptr (GError) error = NULL;
  SsSqliteConnection *connection = ss_sqlite_open (path, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (connection);
  return connection;
}

static SsSqliteConnection *
open_database (void)
{
  g_autofree char *path = database_path ();
  return open_with (path, SS_SQLITE_SYNCHRONOUS_NORMAL);
}

/* Runs @sql, which must return one integer. */
static gint64
query_integer (SsSqliteConnection *connection, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (connection, sql,
                                                          &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  return sqlite3_column_int64 (statement, 0);
}

static gboolean
table_exists (SsSqliteConnection *connection, const char *table)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      connection,
      "SELECT count (*) FROM sqlite_master WHERE type = 'table' AND name = ?",
      &error);
  g_assert_no_error (error);
  ss_sqlite_bind_text (statement, 1, table);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  return sqlite3_column_int (statement, 0) > 0;
}

/* Migrates and expects success, with one log message per version applied. */
static void
migrate (SsSqliteConnection *connection, const SsSqliteSchema *schema,
         int from_version)
{
  for (int version = from_version + 1; version <= schema->n_migrations;
       version++)
    {
      g_autofree char *pattern = g_strdup_printf (
          "test database schema migrated to version %d", version);
      g_test_expect_message (TEST_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, pattern);
    }

  g_autoptr (GError) error = NULL;
  int version = -1;
  g_assert_true (ss_sqlite_migrate (connection, schema, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version, ==, schema->n_migrations);
  g_test_assert_expected_messages ();
}

static void
test_migrate_from_zero (void)
{
  g_autoptr (SsSqliteConnection) connection = open_database ();
  migrate (connection, &schema_v2, 0);

  g_assert_true (table_exists (connection, "pupils"));
  g_assert_true (table_exists (connection, "marks"));
  g_assert_cmpint (query_integer (connection,
                                  "SELECT count (*) FROM test_migrations"),
                   ==, 2);
  g_assert_cmpint (
      query_integer (connection, "SELECT MAX (version) FROM test_migrations"),
      ==, 2);
  g_assert_cmpint (query_integer (connection, "SELECT MIN (applied_unix) "
                                              "FROM test_migrations"),
                   >, 0);
  g_assert_true (sqlite3_get_autocommit (connection->handle));
}

static void
test_reopen_at_latest (void)
{
  {
    g_autoptr (SsSqliteConnection) connection = open_database ();
    migrate (connection, &schema_v2, 0);
    g_autoptr (GError) error = NULL;
    g_assert_true (ss_sqlite_exec (connection,
                                   "INSERT INTO pupils VALUES ('li-lei')",
                                   &error));
    g_assert_no_error (error);
  }

  /* migrate() expects no message: nothing is left to apply. */
  g_autoptr (SsSqliteConnection) connection = open_database ();
  migrate (connection, &schema_v2, 2);

  g_assert_cmpint (query_integer (connection,
                                  "SELECT count (*) FROM test_migrations"),
                   ==, 2);
  g_assert_cmpint (query_integer (connection, "SELECT count (*) FROM pupils"),
                   ==, 1);
}

static void
test_failed_migration_keeps_version (void)
{
  /* The second migration's first statement succeeds and its second fails,
   * so the transaction has something to undo. */
  static const char *const broken_migrations[] = {
    "CREATE TABLE pupils (id TEXT PRIMARY KEY NOT NULL);",
    "CREATE TABLE marks (pupil TEXT NOT NULL, mark INTEGER NOT NULL);"
    "INSERT INTO missing_table VALUES (1);",
  };
  const SsSqliteSchema broken = {
    .version_table = "test_migrations",
    .migrations = broken_migrations,
    .n_migrations = G_N_ELEMENTS (broken_migrations),
    .read_version_step = "reading the test version",
  };

  g_autoptr (SsSqliteConnection) connection = open_database ();
  g_test_expect_message (TEST_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         "test database schema migrated to version 1");
  g_autoptr (GError) error = NULL;
  int version = -1;
  g_assert_false (ss_sqlite_migrate (connection, &broken, &version, &error));
  g_test_assert_expected_messages ();

  g_assert_error (error, test_sqlite_error_quark (), TEST_ERROR_DATABASE);
  g_assert_cmpstr (error->message, ==,
                   "SQL failed: no such table: missing_table");
  g_assert_cmpint (version, ==, 1);
  g_assert_true (sqlite3_get_autocommit (connection->handle));
  g_assert_false (table_exists (connection, "marks"));
  g_assert_cmpint (
      query_integer (connection, "SELECT MAX (version) FROM test_migrations"),
      ==, 1);

  /* A corrected server carries on from version 1. */
  migrate (connection, &schema_v2, 1);
  g_assert_true (table_exists (connection, "marks"));
}

static void
test_newer_version_rejected (void)
{
  {
    g_autoptr (SsSqliteConnection) connection = open_database ();
    migrate (connection, &schema_v2, 0);
  }

  g_autoptr (SsSqliteConnection) connection = open_database ();
  g_autoptr (GError) error = NULL;
  int version = -1;
  g_assert_false (ss_sqlite_migrate (connection, &schema_v1, &version,
                                     &error));
  g_assert_error (error, test_sqlite_error_quark (), TEST_ERROR_DATABASE);
  g_assert_cmpstr (error->message, ==,
                   "the test database's schema version 2 is newer than this "
                   "server's 1; run a newer server");
  g_assert_cmpint (version, ==, 2);
  g_assert_cmpint (query_integer (connection,
                                  "SELECT count (*) FROM test_migrations"),
                   ==, 2);
}

static void
test_version_tables_kept_apart (void)
{
  static const char *const other_migrations[] = {
    "CREATE TABLE notes (text TEXT NOT NULL);",
  };
  const SsSqliteSchema other = {
    .version_table = "other_migrations",
    .migrations = other_migrations,
    .n_migrations = G_N_ELEMENTS (other_migrations),
    .read_version_step = "reading the other version",
  };

  g_autoptr (SsSqliteConnection) connection = open_database ();
  migrate (connection, &schema_v2, 0);
  g_autoptr (SsSqliteConnection) second = open_database ();
  migrate (second, &other, 0);

  g_assert_cmpint (
      query_integer (connection, "SELECT MAX (version) FROM test_migrations"),
      ==, 2);
  g_assert_cmpint (
      query_integer (second, "SELECT MAX (version) FROM other_migrations"), ==,
      1);
  g_assert_true (table_exists (connection, "notes"));
}

static void
test_open_sets_pragmas (void)
{
  const struct {
    SsSqliteSynchronous synchronous;
    gint64 pragma_value;
  } cases[] = {
    /* PRAGMA synchronous reads back as 1 for NORMAL and 2 for FULL. */
    { SS_SQLITE_SYNCHRONOUS_NORMAL, 1 },
    { SS_SQLITE_SYNCHRONOUS_FULL, 2 },
  };

  g_autofree char *path = database_path ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SsSqliteConnection) connection
          = open_with (path, cases[i].synchronous);
      g_assert_cmpint (query_integer (connection, "PRAGMA synchronous"), ==,
                       cases[i].pragma_value);
      g_assert_cmpint (query_integer (connection, "PRAGMA foreign_keys"), ==,
                       1);

      g_autoptr (GError) error = NULL;
      g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
          connection, "PRAGMA journal_mode", &error);
      g_assert_no_error (error);
      g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
      g_assert_cmpstr ((const char *) sqlite3_column_text (statement, 0), ==,
                       "wal");
    }
}

static void
test_open_failure_reported (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (),
                                            "missing", "test.db", NULL);
  const SsSqliteOptions options = {
    .name = "test database",
    .synchronous = SS_SQLITE_SYNCHRONOUS_FULL,
    .error_domain = test_sqlite_error_quark (),
    .error_code = TEST_ERROR_DATABASE,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SsSqliteConnection) connection = ss_sqlite_open (path, &options,
                                                              &error);
  g_assert_null (connection);
  g_assert_error (error, test_sqlite_error_quark (), TEST_ERROR_DATABASE);
  g_autofree char *prefix = g_strdup_printf ("cannot open the test database "
                                             "%s: ",
                                             path);
  g_assert_true (g_str_has_prefix (error->message, prefix));
}

static void
test_statement_errors_reported (void)
{
  g_autoptr (SsSqliteConnection) connection = open_database ();

  g_autoptr (GError) exec_error = NULL;
  g_assert_false (ss_sqlite_exec (connection, "DELETE FROM missing_table",
                                  &exec_error));
  g_assert_error (exec_error, test_sqlite_error_quark (),
                  TEST_ERROR_DATABASE);
  g_assert_cmpstr (exec_error->message, ==,
                   "SQL failed: no such table: missing_table");

  g_autoptr (GError) prepare_error = NULL;
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      connection, "SELECT * FROM missing_table", &prepare_error);
  g_assert_null (statement);
  g_assert_error (prepare_error, test_sqlite_error_quark (),
                  TEST_ERROR_DATABASE);
  g_assert_cmpstr (prepare_error->message, ==,
                   "preparing a statement failed: no such table: "
                   "missing_table");
}

static void
test_bind_text_null (void)
{
  g_autoptr (SsSqliteConnection) connection = open_database ();
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) statement = ss_sqlite_prepare (
      connection, "SELECT ?1 IS NULL, ?2", &error);
  g_assert_no_error (error);

  ss_sqlite_bind_text (statement, 1, NULL);
  ss_sqlite_bind_text (statement, 2, "张三");
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (statement, 0), ==, 1);
  g_assert_cmpstr ((const char *) sqlite3_column_text (statement, 1), ==,
                   "张三");
}

static void
test_rollback_undoes_transaction (void)
{
  g_autoptr (SsSqliteConnection) connection = open_database ();
  migrate (connection, &schema_v1, 0);

  g_autoptr (GError) error = NULL;
  g_assert_true (ss_sqlite_begin (connection, &error));
  g_assert_true (ss_sqlite_exec (connection,
                                 "INSERT INTO pupils VALUES ('han-meimei')",
                                 &error));
  g_assert_no_error (error);
  ss_sqlite_rollback (connection);
  g_assert_true (sqlite3_get_autocommit (connection->handle));
  g_assert_cmpint (query_integer (connection, "SELECT count (*) FROM pupils"),
                   ==, 0);

  /* Without an open transaction it does nothing. */
  ss_sqlite_rollback (connection);

  g_assert_true (ss_sqlite_begin (connection, &error));
  g_assert_true (ss_sqlite_exec (connection,
                                 "INSERT INTO pupils VALUES ('han-meimei')",
                                 &error));
  g_assert_true (ss_sqlite_commit (connection, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_integer (connection, "SELECT count (*) FROM pupils"),
                   ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, function) g_test_add_func ("/server/sqlite/" path, function)

  ADD ("migrate-from-zero", test_migrate_from_zero);
  ADD ("reopen-at-latest", test_reopen_at_latest);
  ADD ("failed-migration-keeps-version", test_failed_migration_keeps_version);
  ADD ("newer-version-rejected", test_newer_version_rejected);
  ADD ("version-tables-kept-apart", test_version_tables_kept_apart);
  ADD ("open-sets-pragmas", test_open_sets_pragmas);
  ADD ("open-failure-reported", test_open_failure_reported);
  ADD ("statement-errors-reported", test_statement_errors_reported);
  ADD ("bind-text-null", test_bind_text_null);
  ADD ("rollback-undoes-transaction", test_rollback_undoes_transaction);

#undef ADD
  return g_test_run ();
}
