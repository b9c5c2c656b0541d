/* The remote classroom's return feed: its camera and microphone (or a
 * synthetic picture and tone), encoded small and sent to the relay over a
 * send-only webrtcbin of its own, apart from the lesson it receives. */
#pragma once

#include "ss-agent-stats.h"
#include "ss-agent-webrtc.h"

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  SS_RETURN_SOURCE_NONE,
  SS_RETURN_SOURCE_TEST,
  SS_RETURN_SOURCE_AUTO,
  SS_RETURN_SOURCE_V4L2,
} SsReturnSourceKind;

/* A small picture at a low frame rate: the lead shows several return feeds
 * at once, and a classroom PC encodes this beside decoding the lesson. */
#define SS_RETURN_WIDTH 320
#define SS_RETURN_HEIGHT 240
#define SS_RETURN_FRAMERATE 15
#define SS_RETURN_VIDEO_BITRATE_BPS 300000
#define SS_RETURN_AUDIO_BITRATE_BPS 32000
/* Ten seconds at 15 fps. A subscriber that starts receiving the feed asks
 * for a key frame with a PLI, so periodic ones only bound how long a
 * receiver that lost one waits when its PLI is lost too. */
#define SS_RETURN_KEYFRAME_MAX_DISTANCE 150

typedef struct {
  SsReturnSourceKind source;
  /* The V4L2 device for SS_RETURN_SOURCE_V4L2. */
  const char *device;
  /* Written on the synthetic picture. */
  const char *classroom;
} SsReturnConfig;

typedef struct _SsReturnPipeline SsReturnPipeline;

/* Parses a --return-source value. *device is overwritten with a new string
 * for "v4l2:DEVICE" (free it) and NULL otherwise, so free an earlier one
 * first. */
gboolean ss_return_source_parse (const char *text, SsReturnSourceKind *kind,
                                 char **device, GError **error);

SsReturnPipeline *ss_return_pipeline_new (const SsReturnConfig *config,
                                          SsAgentStats *stats,
                                          GMainContext *context,
                                          GError **error);
void ss_return_pipeline_free (SsReturnPipeline *feed);

void ss_return_pipeline_set_error_func (SsReturnPipeline *feed,
                                        SsPipelineErrorFunc func,
                                        gpointer user_data);
gboolean ss_return_pipeline_start (SsReturnPipeline *feed, GError **error);
GstElement *ss_return_pipeline_get_webrtcbin (SsReturnPipeline *feed);
const char *ss_return_pipeline_get_source_name (SsReturnPipeline *feed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsReturnPipeline, ss_return_pipeline_free)

G_END_DECLS
