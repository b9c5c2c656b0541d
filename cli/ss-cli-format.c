/* Number formatting and aligned tables for the CLI's screens. */
#include "ss-cli-format.h"

#include <glib/gi18n.h>

#define ANSI_BOLD_RED "\033[1;31m"
#define ANSI_RESET "\033[0m"

char *
ss_cli_format_bitrate (json_t *value)
{
  if (!json_is_number (value))
    return g_strdup ("-");

  double bps = json_number_value (value);
  if (bps < 1000.0)
    return g_strdup_printf ("%.0f bit/s", bps);
  if (bps < 1e6)
    return g_strdup_printf ("%.1f kbit/s", bps / 1e3);
  return g_strdup_printf ("%.2f Mbit/s", bps / 1e6);
}

char *
ss_cli_format_bytes (json_t *value)
{
  if (!json_is_number (value))
    return g_strdup ("-");

  double bytes = json_number_value (value);
  if (bytes < 1024.0)
    return g_strdup_printf ("%.0f B", bytes);
  if (bytes < 1024.0 * 1024.0)
    return g_strdup_printf ("%.1f KiB", bytes / 1024.0);
  if (bytes < 1024.0 * 1024.0 * 1024.0)
    return g_strdup_printf ("%.1f MiB", bytes / (1024.0 * 1024.0));
  return g_strdup_printf ("%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
}

char *
ss_cli_format_percent (json_t *value)
{
  if (!json_is_number (value))
    return g_strdup ("-");
  return g_strdup_printf ("%.1f %%", json_number_value (value));
}

char *
ss_cli_format_ms (json_t *value)
{
  if (!json_is_number (value))
    return g_strdup ("-");
  return g_strdup_printf ("%.0f ms", json_number_value (value));
}

char *
ss_cli_format_seconds (json_t *value)
{
  if (!json_is_number (value))
    return g_strdup ("-");
  return g_strdup_printf ("%.1f s", json_number_value (value));
}

char *
ss_cli_format_duration (gint64 seconds)
{
  if (seconds < 0)
    seconds = 0;

  gint64 days = seconds / 86400;
  gint64 hours = seconds % 86400 / 3600;
  gint64 minutes = seconds % 3600 / 60;
  gint64 rest = seconds % 60;

  /* int is wide enough: 2^31 days is far beyond any uptime. */
  if (days > 0)
    return g_strdup_printf (_("%d d %d h"), (int) days, (int) hours);
  if (hours > 0)
    return g_strdup_printf (_("%d h %d min"), (int) hours, (int) minutes);
  if (minutes > 0)
    return g_strdup_printf (_("%d min %d s"), (int) minutes, (int) rest);
  return g_strdup_printf (_("%d s"), (int) rest);
}

char *
ss_cli_format_count (json_t *value)
{
  if (!json_is_number (value))
    return g_strdup ("-");
  return g_strdup_printf ("%.0f", json_number_value (value));
}

guint
ss_cli_display_width (const char *text)
{
  guint width = 0;
  for (const char *c = text; *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar unichar = g_utf8_get_char (c);
      if (g_unichar_iszerowidth (unichar))
        continue;
      width += g_unichar_iswide (unichar) ? 2 : 1;
    }
  return width;
}

/* ---- Tables ------------------------------------------------------------ */

struct _SsCliTable {
  guint n_columns;
  GPtrArray *rows;         /* GStrv */
  GArray *highlighted;     /* gboolean per row */
};

SsCliTable *
ss_cli_table_new (guint n_columns)
{
  SsCliTable *table = g_new0 (SsCliTable, 1);
  *table = (SsCliTable){
    .n_columns = n_columns,
    .rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev),
    .highlighted = g_array_new (FALSE, TRUE, sizeof (gboolean)),
  };
  return table;
}

void
ss_cli_table_free (SsCliTable *table)
{
  if (table == NULL)
    return;

  g_ptr_array_unref (table->rows);
  g_array_unref (table->highlighted);
  g_free (table);
}

void
ss_cli_table_add_row (SsCliTable *table,
                      const char *const *cells,
                      gboolean highlight)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  for (guint i = 0; i < table->n_columns; i++)
    row[i] = g_strdup (cells[i] != NULL ? cells[i] : "");

  g_ptr_array_add (table->rows, row);
  g_array_append_val (table->highlighted, highlight);
}

/* Appends @text to @line unless that passes @max_width; returns the new
 * width. Cuts at a character boundary; once a cut happened the width is
 * @max_width, so later cells of the line add nothing. */
static guint
append_clipped (GString *line, guint width, const char *text, guint max_width)
{
  for (const char *c = text; *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar unichar = g_utf8_get_char (c);
      guint char_width = g_unichar_iswide (unichar) ? 2 : 1;
      if (max_width > 0 && width + char_width > max_width)
        return max_width;
      g_string_append_unichar (line, unichar);
      width += char_width;
    }
  return width;
}

static void
render_row (SsCliTable *table,
            guint row_index,
            const guint *widths,
            GString *out,
            const char *indent,
            guint max_width,
            gboolean color)
{
  char **row = g_ptr_array_index (table->rows, row_index);
  gboolean highlight = g_array_index (table->highlighted, gboolean,
                                      row_index);
  g_autoptr (GString) line = g_string_new (NULL);

  /* Without color, a "!" in the indent marks the row. */
  g_autofree char *marker = g_strdup (indent);
  if (highlight && !color && marker[0] != '\0')
    marker[0] = '!';
  guint width = append_clipped (line, 0, marker, max_width);

  for (guint i = 0; i < table->n_columns; i++)
    {
      gboolean last = i + 1 == table->n_columns;
      g_autoptr (GString) cell = g_string_new (row[i]);
      if (!last)
        {
          guint cell_width = ss_cli_display_width (row[i]);
          for (guint pad = cell_width; pad < widths[i] + 2; pad++)
            g_string_append_c (cell, ' ');
        }
      width = append_clipped (line, width, cell->str, max_width);
    }

  g_strchomp (line->str);
  if (highlight && color)
    g_string_append_printf (out, ANSI_BOLD_RED "%s" ANSI_RESET "\n",
                            line->str);
  else
    g_string_append_printf (out, "%s\n", line->str);
}

void
ss_cli_table_render (SsCliTable *table,
                     GString *out,
                     const char *indent,
                     guint max_width,
                     gboolean color)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);
      for (guint i = 0; i < table->n_columns; i++)
        widths[i] = MAX (widths[i], ss_cli_display_width (row[i]));
    }

  for (guint r = 0; r < table->rows->len; r++)
    render_row (table, r, widths, out, indent, max_width, color);
}
