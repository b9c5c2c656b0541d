/* Importing a timetable spreadsheet: each CSV row after the header becomes
 * one lesson, inside one transaction, so a file with a bad row changes
 * nothing. Every row is still checked, so one import lists all bad rows.
 *
 * Columns are found by their header, in English or in the Chinese that
 * school timetables use; other columns (notes, teacher names) are ignored.
 */
#define G_LOG_DOMAIN "ss-timetable"

#include "ss-timetable-csv.h"

#include <string.h>

/* Bad rows listed in one error message; the rest are counted. */
#define MAX_REPORTED_ROWS 20

typedef enum {
  COLUMN_ID,
  COLUMN_TITLE,
  COLUMN_SUBJECT,
  COLUMN_LEAD,
  COLUMN_REMOTES,
  COLUMN_START,
  COLUMN_END,
  COLUMN_WEEKLY,
  N_COLUMNS,
} SsImportColumn;

typedef struct {
  const char *names[4];  /* NULL-terminated header spellings */
  gboolean required;
} SsColumnSpec;

static const SsColumnSpec column_specs[N_COLUMNS] = {
  [COLUMN_ID] = { { "id", "编号", NULL }, FALSE },
  [COLUMN_TITLE] = { { "title", "课题", "标题", NULL }, TRUE },
  [COLUMN_SUBJECT] = { { "subject", "学科", "科目", NULL }, TRUE },
  [COLUMN_LEAD] = { { "lead", "主讲教室", NULL }, TRUE },
  [COLUMN_REMOTES] = { { "remote", "remotes", "听课教室", NULL }, TRUE },
  [COLUMN_START] = { { "start", "开始时间", NULL }, TRUE },
  [COLUMN_END] = { { "end", "结束时间", NULL }, TRUE },
  [COLUMN_WEEKLY] = { { "weekly", "每周", NULL }, FALSE },
};

/* Column index per SsImportColumn, -1 when absent. */
typedef struct {
  int index[N_COLUMNS];
} SsColumnMap;

static int
find_column (const char *header)
{
  g_autofree char *name = g_utf8_strdown (header, -1);
  g_strstrip (name);

  for (int column = 0; column < N_COLUMNS; column++)
    for (guint i = 0; column_specs[column].names[i] != NULL; i++)
      if (strcmp (name, column_specs[column].names[i]) == 0)
        return column;
  return -1;
}

static gboolean
map_columns (const SsCsvRecord *header, SsColumnMap *map, GError **error)
{
  for (int column = 0; column < N_COLUMNS; column++)
    map->index[column] = -1;

  for (int i = 0; header->fields[i] != NULL; i++)
    {
      int column = find_column (header->fields[i]);
      if (column < 0)
        continue;

      if (map->index[column] >= 0)
        {
          g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                       "line %u: the column \"%s\" appears twice",
                       header->line, header->fields[i]);
          return FALSE;
        }
      map->index[column] = i;
    }

  for (int column = 0; column < N_COLUMNS; column++)
    if (column_specs[column].required && map->index[column] < 0)
      {
        g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                     "line %u: missing column \"%s\" (or \"%s\")",
                     header->line, column_specs[column].names[0],
                     column_specs[column].names[1]);
        return FALSE;
      }
  return TRUE;
}

/* Returns the trimmed field, or NULL when the column is absent or empty. */
static char *
get_field (const SsCsvRecord *record, const SsColumnMap *map,
           SsImportColumn column)
{
  int index = map->index[column];
  if (index < 0 || (guint) index >= g_strv_length (record->fields))
    return NULL;

  char *value = g_strstrip (g_strdup (record->fields[index]));
  if (value[0] == '\0')
    {
      g_free (value);
      return NULL;
    }
  return value;
}

/* Splits "c1;c2", "c1、c2", "c1|c2" or "c1,c2" (a quoted field). */
static GStrv
split_remotes (const char *text)
{
  g_autofree char *normal = g_strdup (text);
  const char *separators[] = { "；", "、", "，" };
  for (guint i = 0; i < G_N_ELEMENTS (separators); i++)
    {
      char *found;
      while ((found = strstr (normal, separators[i])) != NULL)
        {
          /* Each separator is 3 bytes in UTF-8; overwrite with ";  ". */
          memset (found, ' ', 3);
          found[0] = ';';
        }
    }

  g_auto (GStrv) parts = g_regex_split_simple ("[;|,]", normal, 0, 0);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  return g_strv_builder_end (builder);
}

static gboolean
parse_weekly (const char *text, gboolean *weekly)
{
  const char *yes[] = { "yes", "true", "1", "y", "是", "每周" };
  const char *no[] = { "no", "false", "0", "n", "否" };

  if (text == NULL)
    {
      *weekly = FALSE;
      return TRUE;
    }

  g_autofree char *lower = g_utf8_strdown (text, -1);
  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    if (strcmp (lower, yes[i]) == 0)
      {
        *weekly = TRUE;
        return TRUE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    if (strcmp (lower, no[i]) == 0)
      {
        *weekly = FALSE;
        return TRUE;
      }
  return FALSE;
}

static SsTimetableLesson *
build_lesson (const SsCsvRecord *record, const SsColumnMap *map,
              GError **error)
{
  g_autoptr (SsTimetableLesson) lesson = g_new0 (SsTimetableLesson, 1);
  lesson->id = get_field (record, map, COLUMN_ID);
  lesson->title = get_field (record, map, COLUMN_TITLE);
  lesson->subject = get_field (record, map, COLUMN_SUBJECT);
  lesson->lead = get_field (record, map, COLUMN_LEAD);

  g_autofree char *remotes = get_field (record, map, COLUMN_REMOTES);
  lesson->remotes = remotes != NULL ? split_remotes (remotes)
                                    : g_new0 (char *, 1);

  g_autofree char *start = get_field (record, map, COLUMN_START);
  g_autofree char *end = get_field (record, map, COLUMN_END);
  int end_offset = 0;
  if (!ss_timetable_parse_time (start, &lesson->start_unix,
                                &lesson->utc_offset_s, error)
      || !ss_timetable_parse_time (end, &lesson->end_unix, &end_offset,
                                   error))
    return NULL;

  g_autofree char *weekly = get_field (record, map, COLUMN_WEEKLY);
  if (!parse_weekly (weekly, &lesson->weekly))
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "invalid weekly value \"%s\": use yes or no (是 or 否)",
                   weekly);
      return NULL;
    }
  return g_steal_pointer (&lesson);
}

static void
note_bad_row (GString *report, guint *n_bad, guint line, const char *reason)
{
  (*n_bad)++;
  if (*n_bad <= MAX_REPORTED_ROWS)
    g_string_append_printf (report, "\nline %u: %s", line, reason);
}

/* Adds every data row; returns the number of bad rows noted in @report. */
static guint
add_rows (SsTimetable *timetable, GPtrArray *records,
          const SsColumnMap *map, GString *report)
{
  guint n_bad = 0;
  guint n_columns = g_strv_length (
      ((SsCsvRecord *) g_ptr_array_index (records, 0))->fields);

  for (guint i = 1; i < records->len; i++)
    {
      const SsCsvRecord *record = g_ptr_array_index (records, i);
      g_autoptr (GError) row_error = NULL;

      if (g_strv_length (record->fields) != n_columns)
        {
          g_autofree char *reason = g_strdup_printf (
              "%u fields where the header has %u", g_strv_length (record->fields),
              n_columns);
          note_bad_row (report, &n_bad, record->line, reason);
          continue;
        }

      g_autoptr (SsTimetableLesson) lesson = build_lesson (record, map,
                                                           &row_error);
      if (lesson == NULL
          || !ss_timetable_add_lesson (timetable, lesson, &row_error))
        note_bad_row (report, &n_bad, record->line, row_error->message);
    }

  if (n_bad > MAX_REPORTED_ROWS)
    g_string_append_printf (report, "\n... and %u more bad rows",
                            n_bad - MAX_REPORTED_ROWS);
  return n_bad;
}

gboolean
ss_timetable_import_csv (SsTimetable *timetable,
                         const char *data,
                         gsize length,
                         guint *n_added,
                         GError **error)
{
  *n_added = 0;

  g_autoptr (GPtrArray) records = ss_csv_parse (data, length, error);
  if (records == NULL)
    return FALSE;

  if (records->len < 2)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "the file has no lesson rows; the first row names the "
                   "columns and each later row is one lesson");
      return FALSE;
    }

  SsColumnMap map;
  if (!map_columns (g_ptr_array_index (records, 0), &map, error))
    return FALSE;

  if (!ss_timetable_begin (timetable, error))
    return FALSE;

  g_autoptr (GString) report = g_string_new (NULL);
  guint n_bad = add_rows (timetable, records, &map, report);
  if (n_bad > 0)
    {
      ss_timetable_rollback (timetable);
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "%u of %u rows are invalid, so nothing was imported:%s",
                   n_bad, records->len - 1, report->str);
      return FALSE;
    }

  if (!ss_timetable_commit (timetable, error))
    {
      ss_timetable_rollback (timetable);
      return FALSE;
    }

  *n_added = records->len - 1;
  g_message ("imported %u lessons from a timetable file", *n_added);
  return TRUE;
}
