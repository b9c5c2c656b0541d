/* JSON counter report. Example, wrapped here:
 *   {"final": true, "a_to_b": {"received": 2000, "forwarded": 1897,
 *    "dropped_loss": 103, "dropped_queue": 0, "reordered": 0, ...},
 *    "b_to_a": {...}}
 * The keys are the SsLinkemCounters field names, plus "queued" for the
 * frames waiting for release. */
#include "linkem-report.h"

#include <stdlib.h>

#include <jansson.h>

static json_t *
format_direction (SsLinkemPath *path)
{
  const SsLinkemCounters *c = ss_linkem_path_get_counters (path);

  /* json_integer() takes a signed 64-bit value. The counters stay far
   * below 2^63 in any run. */
  return json_pack ("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                    "received", (json_int_t) c->received,
                    "received_bytes", (json_int_t) c->received_bytes,
                    "forwarded", (json_int_t) c->forwarded,
                    "forwarded_bytes", (json_int_t) c->forwarded_bytes,
                    "dropped_loss", (json_int_t) c->dropped_loss,
                    "dropped_queue", (json_int_t) c->dropped_queue,
                    "reordered", (json_int_t) c->reordered,
                    "dropped_no_buffer", (json_int_t) c->dropped_no_buffer,
                    "dropped_oversize", (json_int_t) c->dropped_oversize,
                    "dropped_malformed", (json_int_t) c->dropped_malformed,
                    "dropped_socket", (json_int_t) c->dropped_socket,
                    "send_errors", (json_int_t) c->send_errors,
                    "late_releases", (json_int_t) c->late_releases,
                    "max_lateness_us", (json_int_t) c->max_lateness_us,
                    "queued", (json_int_t) ss_linkem_path_get_queued (path));
}

char *
ss_linkem_report_format (SsLinkemPath *a_to_b, SsLinkemPath *b_to_a, gboolean final)
{
  g_return_val_if_fail (a_to_b != NULL, NULL);
  g_return_val_if_fail (b_to_a != NULL, NULL);

  json_t *report = json_pack ("{s:b, s:o, s:o}",
                              "final", final,
                              "a_to_b", format_direction (a_to_b),
                              "b_to_a", format_direction (b_to_a));
  if (report == NULL)
    return NULL;

  char *text = json_dumps (report, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref (report);
  if (text == NULL)
    return NULL;

  /* Hand back memory that g_free() releases, as GLib callers expect. */
  char *result = g_strdup (text);
  free (text);
  return result;
}
