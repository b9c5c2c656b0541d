/* Renders the live view as Prometheus text (exposition format 0.0.4): one
 * # HELP and one # TYPE line per family, then its samples. Names follow
 * Prometheus conventions: base units in the name (_bytes, _seconds,
 * _ratio), _total on counters. Label values are escaped as the format
 * requires (backslash, double quote, line feed).
 *
 * Families are tables of (name, type, help, view member), so adding a
 * figure of the view is one line here.
 */
#define G_LOG_DOMAIN "ss-metrics"

#include "ss-metrics.h"

#include <math.h>

typedef struct {
  const char *name;
  const char *type;  /* "counter" or "gauge" */
  const char *help;
  const char *member;
  /* The view's value times scale is the metric's, e.g. 0.001 for ms. */
  double scale;
} SsMetricFamily;

static const SsMetricFamily relay_families[] = {
  { "shuangshi_relay_lessons", "gauge",
    "Lessons placed on the relay worker.", "lessons", 1 },
  { "shuangshi_relay_transports", "gauge",
    "WebRTC transports on the relay worker.", "transports", 1 },
  { "shuangshi_relay_producers", "gauge",
    "Incoming media streams on the relay worker.", "producers", 1 },
  { "shuangshi_relay_consumers", "gauge",
    "Outgoing media streams on the relay worker.", "consumers", 1 },
  { "shuangshi_relay_packets_received_total", "counter",
    "UDP datagrams the relay worker received.", "packets_received", 1 },
  { "shuangshi_relay_bytes_received_total", "counter",
    "Bytes of UDP payload the relay worker received.", "bytes_received", 1 },
  { "shuangshi_relay_packets_sent_total", "counter",
    "UDP datagrams the relay worker sent.", "packets_sent", 1 },
  { "shuangshi_relay_bytes_sent_total", "counter",
    "Bytes of UDP payload the relay worker sent.", "bytes_sent", 1 },
  { "shuangshi_relay_packets_dropped_total", "counter",
    "Datagrams the relay worker dropped (unknown sender, malformed, "
    "failed decryption).", "packets_dropped", 1 },
  { "shuangshi_relay_cpu_seconds_total", "counter",
    "CPU time the relay worker thread used.", "cpu_seconds", 1 },
};

static const SsMetricFamily lesson_families[] = {
  { "shuangshi_lesson_remotes", "gauge",
    "Remote classrooms with a media transport to the relay in the lesson.",
    "remotes", 1 },
  { "shuangshi_lesson_rtp_packets_received_total", "counter",
    "RTP packets the relay received in the lesson, from the lead and the "
    "return feeds.", "rtp_packets_in", 1 },
  { "shuangshi_lesson_rtp_packets_sent_total", "counter",
    "RTP packets the relay forwarded in the lesson.", "rtp_packets_out", 1 },
};

static const SsMetricFamily link_families[] = {
  { "shuangshi_link_bytes_received_total", "counter",
    "Media bytes the relay received from the classroom.", "bytes_in", 1 },
  { "shuangshi_link_bytes_sent_total", "counter",
    "Media bytes the relay sent to the classroom.", "bytes_out", 1 },
  /* Bytes, not bits, because Prometheus names carry base units. */
  { "shuangshi_link_receive_bytes_per_second", "gauge",
    "Media rate from the classroom to the relay, averaged over about two "
    "seconds.", "bitrate_in_bps", 0.125 },
  { "shuangshi_link_send_bytes_per_second", "gauge",
    "Media rate from the relay to the classroom, averaged over about two "
    "seconds.", "bitrate_out_bps", 0.125 },
  { "shuangshi_link_packets_lost_total", "counter",
    "RTP packets lost on the link, from RTCP reports.", "packets_lost", 1 },
  { "shuangshi_link_loss_ratio", "gauge",
    "Fraction of RTP packets lost in the last report interval, worst "
    "stream.", "loss_percent", 0.01 },
  { "shuangshi_link_jitter_seconds", "gauge",
    "RTP interarrival jitter, worst stream.", "jitter_ms", 0.001 },
  { "shuangshi_link_rtt_seconds", "gauge",
    "Round-trip time from RTCP receiver reports.", "rtt_ms", 0.001 },
  { "shuangshi_link_nacks_sent_total", "counter",
    "RTCP NACKs the relay sent to the classroom.", "nacks_sent", 1 },
  { "shuangshi_link_nacks_received_total", "counter",
    "RTCP NACKs the relay received from the classroom.", "nacks_received",
    1 },
  { "shuangshi_link_keyframe_requests_sent_total", "counter",
    "PLIs and FIRs the relay sent to the classroom.",
    "keyframe_requests_sent", 1 },
  { "shuangshi_link_keyframe_requests_received_total", "counter",
    "PLIs and FIRs the relay received from the classroom.",
    "keyframe_requests_received", 1 },
  { "shuangshi_link_keyframe_age_seconds", "gauge",
    "Time since the last video key frame the relay received on the link.",
    "keyframe_age_seconds", 1 },
  { "shuangshi_link_simulcast_layer", "gauge",
    "Simulcast layer forwarded in subscription slot 0, 0 is the lowest.",
    "layer", 1 },
};

static void
append_header (GString *text, const char *name, const char *type,
               const char *help)
{
  g_string_append_printf (text, "# HELP %s %s\n# TYPE %s %s\n", name, help,
                          name, type);
}

static void
append_value (GString *text, double value)
{
  if (value == floor (value) && fabs (value) < 1e15)
    g_string_append_printf (text, " %.0f\n", value);
  else
    {
      /* 12 significant digits hide the binary noise of scaling, e.g.
       * 240 ms * 0.001 printing as 0.24000000000000002. */
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append_printf (text, " %s\n",
                              g_ascii_formatd (buffer, sizeof buffer,
                                               "%.12g", value));
    }
}

static void
append_label_value (GString *text, const char *value)
{
  g_string_append_c (text, '"');
  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == '\\')
        g_string_append (text, "\\\\");
      else if (*c == '"')
        g_string_append (text, "\\\"");
      else if (*c == '\n')
        g_string_append (text, "\\n");
      else
        g_string_append_c (text, *c);
    }
  g_string_append_c (text, '"');
}

/* Appends name{label="value",...} value for every @rows entry that has a
 * number at @family->member; @labels names the members used as labels. */
static void
append_family (GString *text,
               const SsMetricFamily *family,
               json_t *rows,
               const char *const *labels)
{
  append_header (text, family->name, family->type, family->help);

  gsize i;
  json_t *row;
  json_array_foreach (rows, i, row)
    {
      json_t *value = json_object_get (row, family->member);
      if (!json_is_number (value))
        continue;

      g_string_append (text, family->name);
      g_string_append_c (text, '{');
      for (guint l = 0; labels[l] != NULL; l++)
        {
          /* A missing label is written empty, which Prometheus reads as
           * no label, rather than as a made-up value. */
          json_t *label = json_object_get (row, labels[l]);
          g_autofree char *label_text
              = json_is_string (label)
                    ? g_strdup (json_string_value (label))
                : json_is_integer (label)
                    ? g_strdup_printf ("%" JSON_INTEGER_FORMAT,
                                       json_integer_value (label))
                    : g_strdup ("");
          g_string_append_printf (text, "%s%s=", l > 0 ? "," : "",
                                  labels[l]);
          append_label_value (text, label_text);
        }
      g_string_append_c (text, '}');
      append_value (text, json_number_value (value) * family->scale);
    }
}

static void
append_families (GString *text,
                 const SsMetricFamily *families,
                 guint n_families,
                 json_t *rows,
                 const char *const *labels)
{
  for (guint i = 0; i < n_families; i++)
    append_family (text, &families[i], rows, labels);
}

static void
append_gauge (GString *text, const char *name, const char *type,
              const char *help, double value)
{
  append_header (text, name, type, help);
  g_string_append (text, name);
  append_value (text, value);
}

static gint64
count_live_lessons (json_t *view)
{
  gint64 live = 0;
  gsize i;
  json_t *lesson;
  json_array_foreach (json_object_get (view, "lessons"), i, lesson)
    if (json_is_true (json_object_get (lesson, "live")))
      live++;
  return live;
}

static double
number_at (json_t *view, const char *object, const char *member)
{
  json_t *value = json_object_get (json_object_get (view, object), member);
  return json_is_number (value) ? json_number_value (value) : 0.0;
}

char *
ss_metrics_render (json_t *view)
{
  static const char *const relay_labels[] = { "relay", "worker", NULL };
  static const char *const lesson_labels[] = { "lesson", NULL };
  /* A classroom has up to two links, so "transport" (publish or
   * subscribe) keeps its series apart. */
  static const char *const link_labels[] = { "lesson", "classroom", "role",
                                             "transport", NULL };

  g_return_val_if_fail (view != NULL, NULL);

  GString *text = g_string_new (NULL);
  append_gauge (text, "shuangshi_lessons_live", "gauge",
                "Lessons whose lead is publishing.",
                count_live_lessons (view));
  append_gauge (text, "shuangshi_lessons", "gauge",
                "Lessons with at least one classroom joined.",
                json_array_size (json_object_get (view, "lessons")));
  append_gauge (text, "shuangshi_sessions", "gauge",
                "Open signaling connections.",
                number_at (view, "server", "sessions"));
  append_gauge (text, "shuangshi_classrooms_online", "gauge",
                "Classrooms with an open signaling connection.",
                number_at (view, "classrooms", "online"));
  append_gauge (text, "shuangshi_process_resident_memory_bytes", "gauge",
                "Resident memory of the server process.",
                number_at (view, "process", "resident_memory_bytes"));
  append_gauge (text, "shuangshi_process_cpu_seconds_total", "counter",
                "CPU time of the server process, user and system.",
                number_at (view, "process", "cpu_seconds"));

  append_families (text, relay_families, G_N_ELEMENTS (relay_families),
                   json_object_get (view, "relays"), relay_labels);
  append_families (text, lesson_families, G_N_ELEMENTS (lesson_families),
                   json_object_get (view, "lessons"), lesson_labels);
  append_families (text, link_families, G_N_ELEMENTS (link_families),
                   json_object_get (view, "links"), link_labels);
  return g_string_free (text, FALSE);
}
