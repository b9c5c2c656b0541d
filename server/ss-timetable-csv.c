/* A CSV parser for timetable spreadsheets, following RFC 4180 section 2:
 * comma-separated fields, double-quoted fields that may hold commas, line
 * breaks and "" for a quote. It also accepts LF alone as a line end and a
 * leading UTF-8 byte order mark, because spreadsheet programs write both.
 * It has no database dependency, so the fuzz target links only this file.
 */
#define G_LOG_DOMAIN "ss-timetable"

#include "ss-timetable-csv.h"

#include <string.h>

typedef struct {
  const char *data;
  gsize length;
  gsize position;
  guint line;
} SsCsvReader;

void
ss_csv_record_free (SsCsvRecord *record)
{
  if (record == NULL)
    return;

  g_strfreev (record->fields);
  g_free (record);
}

static gboolean
fail_at (GError **error, guint line, const char *reason)
{
  g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
               "line %u: %s", line, reason);
  return FALSE;
}

static guint
line_of_offset (const char *data, gsize offset)
{
  guint line = 1;
  for (gsize i = 0; i < offset; i++)
    if (data[i] == '\n')
      line++;
  return line;
}

static gboolean
check_encoding (const char *data, gsize length, GError **error)
{
  const char *end = NULL;
  if (g_utf8_validate_len (data, length, &end))
    return TRUE;

  return fail_at (error, line_of_offset (data, (gsize) (end - data)),
                  "the text is not UTF-8 (or contains a NUL byte); save the "
                  "spreadsheet as \"CSV UTF-8\"");
}

static gboolean
at_end (const SsCsvReader *reader)
{
  return reader->position >= reader->length;
}

static char
peek (const SsCsvReader *reader)
{
  return at_end (reader) ? '\0' : reader->data[reader->position];
}

/* Consumes a line end (CRLF, LF or CR) if one is next. */
static gboolean
take_line_end (SsCsvReader *reader)
{
  char c = peek (reader);
  if (c == '\r')
    {
      reader->position++;
      if (peek (reader) == '\n')
        reader->position++;
      reader->line++;
      return TRUE;
    }
  if (c == '\n')
    {
      reader->position++;
      reader->line++;
      return TRUE;
    }
  return FALSE;
}

static gboolean
read_quoted_field (SsCsvReader *reader, GString *field, GError **error)
{
  guint start_line = reader->line;
  reader->position++;

  for (;;)
    {
      if (at_end (reader))
        return fail_at (error, start_line,
                        "a quoted field is never closed");

      char c = reader->data[reader->position];
      if (c == '"')
        {
          reader->position++;
          if (peek (reader) != '"')
            break;
          g_string_append_c (field, '"');
          reader->position++;
        }
      else if (c == '\r' || c == '\n')
        {
          /* A line break inside quotes is part of the field; it is kept as
           * LF whatever the file used. */
          take_line_end (reader);
          g_string_append_c (field, '\n');
        }
      else
        {
          g_string_append_c (field, c);
          reader->position++;
        }
    }

  char next = peek (reader);
  if (next != ',' && next != '\r' && next != '\n' && next != '\0')
    return fail_at (error, reader->line,
                    "text follows a closing quote; write \"\" for a quote "
                    "inside a quoted field");
  return TRUE;
}

static gboolean
read_plain_field (SsCsvReader *reader, GString *field, GError **error)
{
  while (!at_end (reader))
    {
      char c = reader->data[reader->position];
      if (c == ',' || c == '\r' || c == '\n')
        break;
      if (c == '"')
        return fail_at (error, reader->line,
                        "a quote inside an unquoted field; quote the whole "
                        "field");
      g_string_append_c (field, c);
      reader->position++;
    }
  return TRUE;
}

/* Reads one record. The reader must be at the start of a non-blank line. */
static SsCsvRecord *
read_record (SsCsvReader *reader, GError **error)
{
  g_autoptr (GStrvBuilder) fields = g_strv_builder_new ();
  g_autoptr (SsCsvRecord) record = g_new0 (SsCsvRecord, 1);
  record->line = reader->line;
  guint n_fields = 0;

  for (;;)
    {
      g_autoptr (GString) field = g_string_new (NULL);
      gboolean ok = peek (reader) == '"'
                        ? read_quoted_field (reader, field, error)
                        : read_plain_field (reader, field, error);
      if (!ok)
        return NULL;

      if (++n_fields > SS_CSV_MAX_FIELDS)
        {
          fail_at (error, record->line, "more than 64 fields");
          return NULL;
        }
      g_strv_builder_add (fields, field->str);

      if (peek (reader) != ',')
        break;
      reader->position++;
    }

  take_line_end (reader);
  record->fields = g_strv_builder_end (fields);
  return g_steal_pointer (&record);
}

GPtrArray *
ss_csv_parse (const char *data, gsize length, GError **error)
{
  if (length > SS_CSV_MAX_BYTES)
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "the file is larger than %d bytes; split it",
                   SS_CSV_MAX_BYTES);
      return NULL;
    }

  if (!check_encoding (data, length, error))
    return NULL;

  SsCsvReader reader = {
    .data = data,
    .length = length,
    .line = 1,
  };
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    reader.position = 3;

  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (
      (GDestroyNotify) ss_csv_record_free);
  while (!at_end (&reader))
    {
      if (take_line_end (&reader))
        continue;

      SsCsvRecord *record = read_record (&reader, error);
      if (record == NULL)
        return NULL;
      g_ptr_array_add (records, record);
    }
  return g_steal_pointer (&records);
}
