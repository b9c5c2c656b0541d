/* Which simulcast layer a subscriber receives, from its bandwidth estimate
 * and each layer's measured bitrate. Pure: times are arguments.
 *
 * The selector steps down at once when the current layer's average rate no
 * longer fits the estimate. It steps up one layer at a time, only when the
 * estimate covers the higher layer's recent peak rate with 20 % headroom,
 * and only after a hold time since the last step down. Average and peak differ most for the
 * top layer, whose key frames are the largest; judging a step up by the
 * peak keeps the choice from flapping. A step up still inside its probe
 * window is undone as soon as the link reports congestion, without waiting
 * for the estimate to fall below the layer's rate: a classroom whose link
 * cannot carry the layer should not watch it break up for seconds. The hold doubles (to SS_LAYER_MAX_HOLD_US) each time
 * a step up is followed by a step down within SS_LAYER_PROBE_WINDOW_US, so a
 * link that cannot carry the higher layer is not flooded over and over.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_MAX_LAYERS 4
/* A link that just had to step down is not probed again for this long. */
#define SS_LAYER_MIN_HOLD_US (20 * G_USEC_PER_SEC)
#define SS_LAYER_MAX_HOLD_US (120 * G_USEC_PER_SEC)
#define SS_LAYER_PROBE_WINDOW_US (10 * G_USEC_PER_SEC)

typedef struct {
  gint current;                 /* -1 before the first choice */
  gint64 last_down_us;
  gint64 last_up_us;
  gint64 hold_us;
  guint n_switches;
} SsLayerSelector;

void ss_layer_selector_init (SsLayerSelector *selector);

/* Returns the layer to receive; layer 0 is the lowest. bitrates_bps[i] is
 * layer i's average rate and peak_bitrates_bps[i] its recent peak, 0 while
 * unknown: an unknown layer other than 0 is never chosen. congested is
 * TRUE when the link's recent loss is above the level where the estimate
 * stops holding and shrinks. */
gint ss_layer_selector_choose (SsLayerSelector *selector, guint64 estimate_bps,
                               const guint64 *bitrates_bps,
                               const guint64 *peak_bitrates_bps,
                               guint n_layers, gboolean congested,
                               gint64 now_us);

G_END_DECLS
