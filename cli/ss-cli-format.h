/* Text formatting of the CLI: numbers with units, and tables aligned by
 * display width (a CJK character takes two terminal columns). Pure, so the
 * screens are unit-tested from canned JSON.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* jansson has no GLib cleanup function of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

/* "850 bit/s", "96.0 kbit/s", "2.41 Mbit/s"; "-" when @value is not a
 * number. */
char *ss_cli_format_bitrate (json_t *value);
/* "12.5 MiB" and so on, binary units. */
char *ss_cli_format_bytes (json_t *value);
/* "3.2 %"; "-" for null. */
char *ss_cli_format_percent (json_t *value);
/* "45 ms"; "-" for null. */
char *ss_cli_format_ms (json_t *value);
/* "1.5 s"; "-" for null. */
char *ss_cli_format_seconds (json_t *value);
/* "2 d 3 h", "3 h 5 min", "5 min 3 s", "3 s" (translated units). */
char *ss_cli_format_duration (gint64 seconds);
/* The integer, or "-". */
char *ss_cli_format_count (json_t *value);

/* Terminal columns @text takes (UTF-8). */
guint ss_cli_display_width (const char *text);

typedef struct _SsCliTable SsCliTable;

/* A table with @n_columns columns; the headers are the first row. */
SsCliTable *ss_cli_table_new (guint n_columns);
void ss_cli_table_free (SsCliTable *table);

/* Adds a row of n_columns strings (copied). @highlight marks the row so
 * render shows it in bold red (with @color) or with a leading "!". */
void ss_cli_table_add_row (SsCliTable *table,
                           const char *const *cells,
                           gboolean highlight);

/* Appends the table to @out, each line starting with @indent and cut at
 * @max_width display columns (0 for no limit). */
void ss_cli_table_render (SsCliTable *table,
                          GString *out,
                          const char *indent,
                          guint max_width,
                          gboolean color);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsCliTable, ss_cli_table_free)

G_END_DECLS
