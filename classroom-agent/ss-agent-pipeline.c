/* Pipeline shell shared by the lead, receive and return feed pipelines. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-pipeline.h"
#include "ss-agent-error.h"

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer data)
{
  SsPipelineShell *shell = data;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    {
      if (shell->message_func != NULL)
        shell->message_func (message, shell->message_data);
      return G_SOURCE_CONTINUE;
    }

  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  g_autofree char *title = g_strdup (shell->label);
  gst_message_parse_error (message, &error, &debug);
  title[0] = g_ascii_toupper (title[0]);
  g_warning ("%s error from %s: %s (%s)", title,
             GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message,
             debug != NULL ? debug : "no details");
  ss_pipeline_shell_fail (shell, error);
  return G_SOURCE_CONTINUE;
}

/* Creates the pipeline @pipeline_name in the NULL state with the
 * webrtcbin @webrtc_name in it (see ss_webrtc_make_bin for @latency_ms),
 * and watches its bus on @context. @label must be a static string. Call
 * ss_pipeline_shell_clear even when this fails. */
gboolean
ss_pipeline_shell_init (SsPipelineShell *shell, const char *label,
                        const char *pipeline_name, const char *webrtc_name,
                        guint latency_ms, GMainContext *context, GError **error)
{
  shell->label = label;
  shell->context = g_main_context_ref (context);
  shell->pipeline = gst_pipeline_new (pipeline_name);

  g_autoptr (GstBus) bus
      = gst_pipeline_get_bus (GST_PIPELINE (shell->pipeline));
  shell->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (shell->bus_source, G_SOURCE_FUNC (on_bus_message),
                         shell, NULL);
  g_source_attach (shell->bus_source, context);

  shell->webrtcbin = ss_webrtc_make_bin (webrtc_name, latency_ms, error);
  if (shell->webrtcbin == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (shell->pipeline), shell->webrtcbin);
  return TRUE;
}

/* Stops watching the bus, stops the pipeline (state NULL) and frees it. */
void
ss_pipeline_shell_clear (SsPipelineShell *shell)
{
  if (shell->bus_source != NULL)
    {
      g_source_destroy (shell->bus_source);
      g_clear_pointer (&shell->bus_source, g_source_unref);
    }

  if (shell->pipeline != NULL)
    gst_element_set_state (shell->pipeline, GST_STATE_NULL);
  gst_clear_object (&shell->pipeline);
  shell->webrtcbin = NULL;
  g_clear_pointer (&shell->context, g_main_context_unref);
  g_clear_pointer (&shell->failure, g_free);
}

/* Records @error as the pipeline's failure and passes it to the error
 * callback. */
void
ss_pipeline_shell_fail (SsPipelineShell *shell, const GError *error)
{
  g_free (shell->failure);
  shell->failure = g_strdup (error->message);
  if (shell->error_func != NULL)
    shell->error_func (error, shell->error_data);
}

gboolean
ss_pipeline_shell_start (SsPipelineShell *shell, GError **error)
{
  if (gst_element_set_state (shell->pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, SS_AGENT_ERROR, SS_AGENT_ERROR_FAILED,
                   "Failed to start the %s", shell->label);
      return FALSE;
    }

  return TRUE;
}
