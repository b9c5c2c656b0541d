/* Simulcast layer choice with hysteresis (see layer-selector.h). */
#include "router/layer-selector.h"

void
ss_layer_selector_init (SsLayerSelector *selector)
{
  *selector = (SsLayerSelector){
    .current = -1,
    .last_down_us = G_MININT64,
    .last_up_us = G_MININT64,
    .hold_us = SS_LAYER_MIN_HOLD_US,
  };
}

static gboolean
fits (guint64 bitrate_bps, guint64 estimate_bps, guint layer)
{
  if (bitrate_bps == 0)
    return layer == 0;
  return bitrate_bps <= estimate_bps;
}

/* The highest layer whose rate fits the estimate, or 0. */
static gint
highest_fitting (guint64 estimate_bps, const guint64 *bitrates_bps,
                 guint n_layers)
{
  for (gint layer = (gint) n_layers - 1; layer > 0; layer--)
    if (fits (bitrates_bps[layer], estimate_bps, (guint) layer))
      return layer;
  return 0;
}

static void
step_down (SsLayerSelector *selector, gint layer, gint64 now_us)
{
  /* A step up that failed quickly was a probe the link could not carry. */
  if (selector->last_up_us != G_MININT64 &&
      now_us - selector->last_up_us < SS_LAYER_PROBE_WINDOW_US)
    selector->hold_us = MIN (selector->hold_us * 2, SS_LAYER_MAX_HOLD_US);

  selector->current = layer;
  selector->last_down_us = now_us;
  selector->n_switches++;
}

gint
ss_layer_selector_choose (SsLayerSelector *selector, guint64 estimate_bps,
                          const guint64 *bitrates_bps,
                          const guint64 *peak_bitrates_bps, guint n_layers,
                          gboolean congested, gint64 now_us)
{
  g_return_val_if_fail (n_layers > 0 && n_layers <= SS_MAX_LAYERS, 0);

  if (selector->current < 0 || selector->current >= (gint) n_layers)
    {
      selector->current = highest_fitting (estimate_bps, bitrates_bps, n_layers);
      return selector->current;
    }

  gint current = selector->current;
  gboolean probing = selector->last_up_us != G_MININT64 &&
                     now_us - selector->last_up_us < SS_LAYER_PROBE_WINDOW_US &&
                     (selector->last_down_us == G_MININT64 ||
                      selector->last_down_us < selector->last_up_us);
  if (current > 0 && probing && congested)
    {
      step_down (selector, current - 1, now_us);
      return selector->current;
    }

  if (current > 0 && !fits (bitrates_bps[current], estimate_bps, (guint) current))
    {
      step_down (selector, highest_fitting (estimate_bps, bitrates_bps, n_layers),
                 now_us);
      return selector->current;
    }

  /* A higher layer that stayed up a whole probe window proved itself. */
  if (selector->last_up_us != G_MININT64 &&
      now_us - selector->last_up_us >= SS_LAYER_PROBE_WINDOW_US &&
      (selector->last_down_us == G_MININT64 ||
       selector->last_down_us < selector->last_up_us))
    selector->hold_us = SS_LAYER_MIN_HOLD_US;

  gint up = current + 1;
  guint64 up_peak = up < (gint) n_layers
                        ? MAX (bitrates_bps[up], peak_bitrates_bps[up]) : 0;
  if (up < (gint) n_layers && bitrates_bps[up] > 0 &&
      up_peak + up_peak / 5 <= estimate_bps &&
      (selector->last_down_us == G_MININT64 ||
       now_us - selector->last_down_us >= selector->hold_us))
    {
      selector->current = up;
      selector->last_up_us = now_us;
      selector->n_switches++;
    }
  return selector->current;
}
