/* Timetable spreadsheets: a CSV parser (RFC 4180) with line numbers, and
 * the import of its rows as lessons.
 */
#pragma once

#include <glib.h>

#include "ss-timetable.h"

G_BEGIN_DECLS

/* Inputs past these limits are rejected whole. */
#define SS_CSV_MAX_BYTES (4 * 1024 * 1024)
#define SS_CSV_MAX_FIELDS 64

typedef struct {
  /* The line on which the record starts, from 1. */
  guint line;
  GStrv fields;
} SsCsvRecord;

void ss_csv_record_free (SsCsvRecord *record);

/* Parses UTF-8 CSV text (an optional byte order mark, CRLF or LF line ends,
 * quoted fields with "" for a quote). Blank lines are skipped. Fails with
 * SS_TIMETABLE_ERROR_INVALID and a message that starts with the line
 * number. Element type SsCsvRecord. */
GPtrArray *ss_csv_parse (const char *data, gsize length, GError **error);

/* Adds one lesson per data row, all or none. The first row names the
 * columns (English or Chinese; see docs/architecture.md). On failure the
 * timetable is unchanged and the error lists each bad row by line number.
 * @n_added receives the number of lessons added. */
gboolean ss_timetable_import_csv (SsTimetable *timetable,
                                  const char *data,
                                  gsize length,
                                  guint *n_added,
                                  GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsCsvRecord, ss_csv_record_free)

G_END_DECLS
