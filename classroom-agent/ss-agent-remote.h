/* A receive-only media pipeline with one or more subscription slots: a
 * webrtcbin whose VP8 and Opus streams are decoded and shown (or discarded
 * in step with the clock when headless). A remote classroom runs it for
 * the lesson (slot 0, the lead) and the floor (slot 1); the lead runs it,
 * with return_feeds set, for the remote classrooms' return feeds. */
#pragma once

#include "ss-agent-stats.h"
#include "ss-agent-webrtc.h"

#include <gst/gst.h>

G_BEGIN_DECLS

/* Jitterbuffer latency: room for a NACK and its retransmission to cross a
 * township link of some 80 ms round trip twice, at a delay a live lesson
 * does not notice. */
#define SS_REMOTE_DEFAULT_LATENCY_MS 300

/* The size of the window the slots are composed into. */
#define SS_REMOTE_SCREEN_WIDTH 1280
#define SS_REMOTE_SCREEN_HEIGHT 720

typedef struct {
  gboolean headless;
  guint latency_ms;
  /* Subscription slots, 1 to SS_AGENT_MAX_SLOTS; 0 counts as 1. */
  guint slots;
  /* The lead's subscription: every slot is a return feed, shown in a grid,
   * and no slot counts as the lesson's stream in the stats. */
  gboolean return_feeds;
  /* Sink descriptions for the window and the sound (gst-launch syntax);
   * NULL for autovideosink and autoaudiosink. Ignored when headless. */
  const char *video_sink;
  const char *audio_sink;
} SsRemoteConfig;

/* Where a slot's picture goes in the window, in pixels. */
typedef struct {
  gint x;
  gint y;
  gint width;
  gint height;
} SsSlotRect;

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
guint ss_remote_pipeline_get_n_slots (SsRemotePipeline *remote);
void ss_remote_pipeline_mark_subscribe (SsRemotePipeline *remote,
                                        gint64 now_us);
gboolean ss_remote_pipeline_request_keyframe (SsRemotePipeline *remote);
gboolean ss_remote_pipeline_request_slot_keyframe (SsRemotePipeline *remote,
                                                   guint slot);
void ss_remote_pipeline_poll_stats (SsRemotePipeline *remote);

void ss_remote_pipeline_set_slot_visible (SsRemotePipeline *remote,
                                          guint slot, gboolean visible);
void ss_remote_pipeline_set_slot_audible (SsRemotePipeline *remote,
                                          guint slot, gboolean audible);
void ss_remote_pipeline_set_status_text (SsRemotePipeline *remote,
                                         const char *text);

void ss_remote_slot_layout (guint slot, guint n_slots, gboolean return_feeds,
                            gint width, gint height, SsSlotRect *rect);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsRemotePipeline, ss_remote_pipeline_free)

G_END_DECLS
