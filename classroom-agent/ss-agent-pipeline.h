/* The shell of the lead, receive and return feed pipelines: a GstPipeline
 * with a webrtcbin in it, a bus watch on the owner's GMainContext, and the
 * callback that receives a fatal error. */
#pragma once

#include "ss-agent-webrtc.h"

#include <gst/gst.h>

G_BEGIN_DECLS

/* Called for each bus message other than an error, on the owner's
 * context. */
typedef void (*SsPipelineMessageFunc) (GstMessage *message, gpointer data);

typedef struct {
  GstElement *pipeline;
  GstElement *webrtcbin;
  GMainContext *context;
  GSource *bus_source;
  /* The pipeline's name in logs and errors, e.g. "lead pipeline". */
  const char *label;
  /* The message of the last fatal error, or NULL. */
  char *failure;

  SsPipelineMessageFunc message_func;
  gpointer message_data;
  SsPipelineErrorFunc error_func;
  gpointer error_data;
} SsPipelineShell;

gboolean ss_pipeline_shell_init (SsPipelineShell *shell, const char *label,
                                 const char *pipeline_name,
                                 const char *webrtc_name, guint latency_ms,
                                 GMainContext *context, GError **error);
void ss_pipeline_shell_clear (SsPipelineShell *shell);

void ss_pipeline_shell_fail (SsPipelineShell *shell, const GError *error);
gboolean ss_pipeline_shell_start (SsPipelineShell *shell, GError **error);

G_END_DECLS
