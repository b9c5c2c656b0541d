/* Parsing and checking of the impairment options. Values are checked when
 * GOption reads them, so an error names the option and the value. The
 * checked text is kept and turned into SsLinkemParams per direction. */
#include "linkem-options.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ss-config.h"

#define MAX_MS 60000.0
#define MAX_RATE_KBIT G_GUINT64_CONSTANT (100000000)
#define MIN_RATE_BURST_BYTES 64
#define MAX_RATE_BURST_BYTES (16 * 1024 * 1024)

typedef gboolean (*ParseFunc) (const char *name,
                               const char *text,
                               SsLinkemParams *params,
                               GError **error);

typedef struct
{
  const char *name;
  const char *arg_description;
  const char *help;
  ParseFunc parse;
} Knob;

/* The forms an option takes, by the directions it sets. */
typedef enum
{
  FORM_BOTH,
  FORM_A_TO_B,
  FORM_B_TO_A,
  N_FORMS,
} Form;

static const char *const form_prefixes[N_FORMS] = { "", "a-to-b-", "b-to-a-" };

static gboolean parse_delay (const char *, const char *, SsLinkemParams *, GError **);
static gboolean parse_jitter (const char *, const char *, SsLinkemParams *, GError **);
static gboolean parse_loss (const char *, const char *, SsLinkemParams *, GError **);
static gboolean parse_burst_loss (const char *, const char *, SsLinkemParams *, GError **);
static gboolean parse_reorder (const char *, const char *, SsLinkemParams *, GError **);
static gboolean parse_reorder_delay (const char *, const char *, SsLinkemParams *, GError **);
static gboolean parse_rate (const char *, const char *, SsLinkemParams *, GError **);
static gboolean parse_rate_burst (const char *, const char *, SsLinkemParams *, GError **);
static gboolean parse_queue (const char *, const char *, SsLinkemParams *, GError **);

static const Knob knobs[] = {
  { "delay", N_("MS"), N_("Delay each frame by MS milliseconds"), parse_delay },
  { "jitter", N_("MS"), N_("Vary the delay uniformly by up to MS milliseconds either way, keeping frame order"), parse_jitter },
  { "loss", N_("PERCENT"), N_("Drop PERCENT of the frames at random"), parse_loss },
  { "burst-loss", N_("P_GOOD_TO_BAD,P_BAD_TO_GOOD[,LOSS_IN_BAD]"),
    N_("Drop frames in bursts (Gilbert-Elliott model); the values are percentages and LOSS_IN_BAD defaults to 100"),
    parse_burst_loss },
  { "reorder", N_("PERCENT"), N_("Hold PERCENT of the frames back by the reorder delay so that later frames overtake them"), parse_reorder },
  { "reorder-delay", N_("MS"), N_("Extra delay of a reordered frame in milliseconds (default 10)"), parse_reorder_delay },
  { "rate", N_("KBIT"), N_("Limit the rate to KBIT kbit/s of Ethernet frames (1 kbit = 1000 bits)"), parse_rate },
  { "rate-burst", N_("BYTES"), N_("Size of the rate limiter's token bucket in bytes (default 3028)"), parse_rate_burst },
  { "queue-ms", N_("MS"), N_("Drop a frame that would wait more than MS milliseconds for the rate limiter (default 100)"), parse_queue },
};

#define N_KNOBS G_N_ELEMENTS (knobs)

struct SsLinkemOptions
{
  char *values[N_FORMS][N_KNOBS];
  char *names[N_FORMS][N_KNOBS];
};

SsLinkemOptions *
ss_linkem_options_new (void)
{
  SsLinkemOptions *options = g_new0 (SsLinkemOptions, 1);

  for (guint form = 0; form < N_FORMS; form++)
    for (guint k = 0; k < N_KNOBS; k++)
      options->names[form][k] = g_strconcat (form_prefixes[form], knobs[k].name, NULL);

  return options;
}

void
ss_linkem_options_free (SsLinkemOptions *options)
{
  if (options == NULL)
    return;

  for (guint form = 0; form < N_FORMS; form++)
    for (guint k = 0; k < N_KNOBS; k++)
      {
        g_free (options->values[form][k]);
        g_free (options->names[form][k]);
      }
  g_free (options);
}

static void
set_bad_value (GError **error, const char *name, const char *text, const char *expected)
{
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("Invalid value \"%s\" for --%s: expected %s."),
               text, name, expected);
}

/* Parse a decimal number in [min, max], with nothing after it. */
static gboolean
parse_number (const char *text, double min, double max, double *out)
{
  char *end = NULL;

  if (text == NULL || *text == '\0')
    return FALSE;

  double value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value))
    return FALSE;
  if (value < min || value > max)
    return FALSE;

  *out = value;
  return TRUE;
}

static gboolean
parse_ms (const char *name, const char *text, gint64 *out_us, GError **error)
{
  double ms = 0.0;

  if (!parse_number (text, 0.0, MAX_MS, &ms))
    {
      set_bad_value (error, name, text, _("milliseconds from 0 to 60000"));
      return FALSE;
    }

  *out_us = (gint64) llround (ms * 1000.0);
  return TRUE;
}

static gboolean
parse_percent (const char *name, const char *text, double *out, GError **error)
{
  double percent = 0.0;

  if (!parse_number (text, 0.0, 100.0, &percent))
    {
      set_bad_value (error, name, text, _("a percentage from 0 to 100"));
      return FALSE;
    }

  *out = percent / 100.0;
  return TRUE;
}

static gboolean
parse_delay (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  return parse_ms (name, text, &params->delay_us, error);
}

static gboolean
parse_jitter (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  return parse_ms (name, text, &params->jitter_us, error);
}

static gboolean
parse_reorder_delay (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  return parse_ms (name, text, &params->reorder_delay_us, error);
}

static gboolean
parse_queue (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  return parse_ms (name, text, &params->queue_us, error);
}

static gboolean
parse_loss (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  return parse_percent (name, text, &params->loss, error);
}

static gboolean
parse_reorder (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  return parse_percent (name, text, &params->reorder, error);
}

static gboolean
parse_burst_loss (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text != NULL ? text : "", ",", -1);
  guint count = g_strv_length (parts);
  double values[3] = { 0.0, 0.0, 100.0 };

  gboolean valid = count == 2 || count == 3;
  for (guint i = 0; valid && i < count; i++)
    valid = parse_number (parts[i], 0.0, 100.0, &values[i]);

  /* A bad state that is never left would turn the link off for good. */
  if (valid && values[1] <= 0.0)
    valid = FALSE;

  if (!valid)
    {
      set_bad_value (error, name, text,
                     _("two or three comma-separated percentages from 0 to 100, "
                       "the second above 0"));
      return FALSE;
    }

  params->burst_loss = TRUE;
  params->p_good_to_bad = values[0] / 100.0;
  params->p_bad_to_good = values[1] / 100.0;
  params->loss_in_bad = values[2] / 100.0;
  return TRUE;
}

static gboolean
parse_rate (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  guint64 kbit = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX_RATE_KBIT, &kbit, NULL))
    {
      set_bad_value (error, name, text, _("kbit/s from 1 to 100000000"));
      return FALSE;
    }

  params->rate_kbit = kbit;
  return TRUE;
}

static gboolean
parse_rate_burst (const char *name, const char *text, SsLinkemParams *params, GError **error)
{
  guint64 bytes = 0;

  if (!g_ascii_string_to_unsigned (text, 10, MIN_RATE_BURST_BYTES, MAX_RATE_BURST_BYTES,
                                   &bytes, NULL))
    {
      set_bad_value (error, name, text, _("bytes from 64 to 16777216"));
      return FALSE;
    }

  params->rate_burst_bytes = (guint32) bytes;
  return TRUE;
}

static gboolean
find_option (const SsLinkemOptions *options, const char *name, guint *form_out, guint *knob_out)
{
  for (guint form = 0; form < N_FORMS; form++)
    for (guint k = 0; k < N_KNOBS; k++)
      if (g_str_equal (options->names[form][k], name))
        {
          *form_out = form;
          *knob_out = k;
          return TRUE;
        }
  return FALSE;
}

gboolean
ss_linkem_options_set (SsLinkemOptions *options, const char *name, const char *value, GError **error)
{
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  guint form = 0;
  guint k = 0;
  if (!find_option (options, name, &form, &k))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                   _("Unknown option --%s."), name);
      return FALSE;
    }

  /* Parse into scratch settings only to check the value now. */
  SsLinkemParams scratch;
  ss_linkem_params_init (&scratch);
  if (!knobs[k].parse (name, value, &scratch, error))
    return FALSE;

  g_free (options->values[form][k]);
  options->values[form][k] = g_strdup (value);
  return TRUE;
}

static gboolean
on_option (const char *option_name, const char *value, gpointer user_data, GError **error)
{
  SsLinkemOptions *options = user_data;

  /* GOption passes the name as typed, with its leading dashes. */
  while (*option_name == '-')
    option_name++;

  return ss_linkem_options_set (options, option_name, value, error);
}

GOptionGroup *
ss_linkem_options_create_group (SsLinkemOptions *options)
{
  g_return_val_if_fail (options != NULL, NULL);

  GOptionGroup *group = g_option_group_new ("impairment", _("Impairment options:"),
                                            _("Show the impairment options"), options, NULL);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);

  GOptionEntry entries[N_FORMS * N_KNOBS + 1];
  guint n = 0;
  for (guint form = 0; form < N_FORMS; form++)
    for (guint k = 0; k < N_KNOBS; k++)
      {
        /* The per-direction forms stay out of --help, which explains them
         * once instead of listing every option three times. */
        entries[n++] = (GOptionEntry) {
          .long_name = options->names[form][k],
          .short_name = 0,
          .flags = form == FORM_BOTH ? 0 : G_OPTION_FLAG_HIDDEN,
          .arg = G_OPTION_ARG_CALLBACK,
          .arg_data = (gpointer) on_option,
          .description = knobs[k].help,
          .arg_description = knobs[k].arg_description,
        };
      }
  entries[n] = (GOptionEntry) { .long_name = NULL };

  /* g_option_group_add_entries() copies the array but not the strings,
   * which options owns. */
  g_option_group_add_entries (group, entries);
  return group;
}

static void
apply_form (const SsLinkemOptions *options, Form form, SsLinkemParams *params)
{
  for (guint k = 0; k < N_KNOBS; k++)
    {
      const char *value = options->values[form][k];
      if (value == NULL)
        continue;

      /* ss_linkem_options_set() checked the value already. */
      gboolean parsed = knobs[k].parse (options->names[form][k], value, params, NULL);
      g_assert (parsed);
    }
}

void
ss_linkem_options_resolve (const SsLinkemOptions *options,
                           SsLinkemDirection direction,
                           SsLinkemParams *params)
{
  g_return_if_fail (options != NULL);
  g_return_if_fail (params != NULL);

  ss_linkem_params_init (params);
  apply_form (options, FORM_BOTH, params);
  apply_form (options, direction == SS_LINKEM_DIRECTION_A_TO_B ? FORM_A_TO_B : FORM_B_TO_A,
              params);
}

char *
ss_linkem_params_describe (const SsLinkemParams *params)
{
  g_return_val_if_fail (params != NULL, NULL);

  GString *text = g_string_new (NULL);

  if (params->delay_us > 0 || params->jitter_us > 0)
    g_string_append_printf (text, " delay=%.3fms jitter=%.3fms",
                            params->delay_us / 1000.0, params->jitter_us / 1000.0);
  if (params->loss > 0.0)
    g_string_append_printf (text, " loss=%g%%", params->loss * 100.0);
  if (params->burst_loss)
    g_string_append_printf (text, " burst-loss=%g%%,%g%%,%g%%",
                            params->p_good_to_bad * 100.0, params->p_bad_to_good * 100.0,
                            params->loss_in_bad * 100.0);
  if (params->reorder > 0.0)
    g_string_append_printf (text, " reorder=%g%% reorder-delay=%.3fms",
                            params->reorder * 100.0, params->reorder_delay_us / 1000.0);
  if (params->rate_kbit > 0)
    g_string_append_printf (text, " rate=%" G_GUINT64_FORMAT "kbit/s rate-burst=%uB queue=%.3fms",
                            params->rate_kbit, params->rate_burst_bytes,
                            params->queue_us / 1000.0);

  if (text->len == 0)
    g_string_append (text, " no impairment");

  /* Drop the leading space. */
  g_string_erase (text, 0, 1);
  return g_string_free (text, FALSE);
}
