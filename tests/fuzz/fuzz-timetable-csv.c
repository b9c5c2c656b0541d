/* libFuzzer target for the timetable CSV parser. Every parsed record must
 * carry a line number within the input and valid UTF-8 fields; a rejected
 * input must come with an error that names a line or the size limit. */
#include <glib.h>
#include <stdint.h>

#include "ss-timetable-csv.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = ss_csv_parse ((const char *) data, size,
                                                &error);
  if (records == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "line ")
                     || size > SS_CSV_MAX_BYTES);
      return 0;
    }

  guint previous_line = 0;
  for (guint i = 0; i < records->len; i++)
    {
      const SsCsvRecord *record = g_ptr_array_index (records, i);
      g_assert_cmpuint (record->line, >, previous_line);
      g_assert_cmpuint (record->line, <=, size + 1);
      previous_line = record->line;

      guint n_fields = g_strv_length (record->fields);
      g_assert_cmpuint (n_fields, >=, 1);
      g_assert_cmpuint (n_fields, <=, SS_CSV_MAX_FIELDS);
      for (guint j = 0; j < n_fields; j++)
        g_assert_true (g_utf8_validate (record->fields[j], -1, NULL));
    }
  return 0;
}
