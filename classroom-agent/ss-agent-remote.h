/* The remote classroom's media pipeline: a receive-only webrtcbin whose
 * VP8 and Opus streams are decoded and shown (or discarded in step with
 * the clock when headless). */
#pragma once

#include "ss-agent-stats.h"
#include "ss-agent-webrtc.h"

#include <gst/gst.h>

G_BEGIN_DECLS

/* Jitterbuffer latency: room for a NACK and its retransmission to cross a
 * township link of some 80 ms round trip twice, at a delay a live lesson
 * does not notice. */
#define SS_REMOTE_DEFAULT_LATENCY_MS 300

typedef struct {
  gboolean headless;
  guint latency_ms;
} SsRemoteConfig;

typedef struct _SsRemotePipeline SsRemotePipeline;

SsRemotePipeline *ss_remote_pipeline_new (const SsRemoteConfig *config,
                                          SsAgentStats *stats,
                                          GMainContext *context,
                                          GError **error);
void ss_remote_pipeline_free (SsRemotePipeline *remote);

void ss_remote_pipeline_set_error_func (SsRemotePipeline *remote,
                                        SsPipelineErrorFunc func,
                                        gpointer user_data);
gboolean ss_remote_pipeline_start (SsRemotePipeline *remote, GError **error);
GstElement *ss_remote_pipeline_get_webrtcbin (SsRemotePipeline *remote);
void ss_remote_pipeline_mark_subscribe (SsRemotePipeline *remote,
                                        gint64 now_us);
gboolean ss_remote_pipeline_request_keyframe (SsRemotePipeline *remote);
void ss_remote_pipeline_poll_stats (SsRemotePipeline *remote);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsRemotePipeline, ss_remote_pipeline_free)

G_END_DECLS
