/* The lead classroom's media pipeline: a file, test or camera source,
 * VP8 and Opus encoders and a send-only webrtcbin. */
#pragma once

#include "ss-agent-stats.h"
#include "ss-agent-webrtc.h"

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  SS_LEAD_SOURCE_FILE,
  SS_LEAD_SOURCE_TEST,
  SS_LEAD_SOURCE_CAMERA,
} SsLeadSourceKind;

typedef struct {
  SsLeadSourceKind source;
  /* File to play when source is SS_LEAD_SOURCE_FILE. */
  const char *path;
  /* Maximum distance between key frames, in frames (vp8enc
   * keyframe-max-dist). */
  guint keyframe_max_distance;
  /* Bitrate of the top simulcast layer; each lower layer, at half the
   * width and height, gets a third of the one above. */
  guint video_bitrate_bps;
  /* Simulcast layers to send, 1 to SS_LEAD_MAX_LAYERS, highest first. */
  guint simulcast_layers;
  /* Size of the top layer, which the source is scaled to; 0 for the
   * defaults below. */
  gint video_width;
  gint video_height;
} SsLeadConfig;

/* The top layer of the ladder 1280x720 at 1.5 Mbit/s, 640x360 at
 * 500 kbit/s, 320x180 at about 170 kbit/s. */
#define SS_LEAD_DEFAULT_VIDEO_WIDTH 1280
#define SS_LEAD_DEFAULT_VIDEO_HEIGHT 720

#define SS_LEAD_DEFAULT_KEYFRAME_MAX_DISTANCE 90
#define SS_LEAD_DEFAULT_VIDEO_BITRATE_BPS 1500000
#define SS_LEAD_MAX_LAYERS 3

typedef struct _SsLeadPipeline SsLeadPipeline;

gboolean ss_lead_source_parse (const char *text, SsLeadSourceKind *kind,
                               char **path, GError **error);

SsLeadPipeline *ss_lead_pipeline_new (const SsLeadConfig *config,
                                      SsAgentStats *stats,
                                      GMainContext *context, GError **error);
void ss_lead_pipeline_free (SsLeadPipeline *lead);

void ss_lead_pipeline_set_error_func (SsLeadPipeline *lead,
                                      SsPipelineErrorFunc func,
                                      gpointer user_data);
gboolean ss_lead_pipeline_start (SsLeadPipeline *lead, GError **error);
GstElement *ss_lead_pipeline_get_webrtcbin (SsLeadPipeline *lead);
GstElement *ss_lead_pipeline_get_pipeline (SsLeadPipeline *lead);
guint ss_lead_pipeline_get_loops (SsLeadPipeline *lead);
GstClockTime ss_lead_pipeline_get_video_running_time (SsLeadPipeline *lead);
const char *ss_lead_pipeline_get_failure (SsLeadPipeline *lead);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLeadPipeline, ss_lead_pipeline_free)

G_END_DECLS
