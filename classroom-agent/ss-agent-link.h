/* One media transport of the agent and its signaling: a pipeline with a
 * webrtcbin, the offer sent in `publish` or `subscribe`, the relay's
 * answer, local candidates, and a retry after any failure. The lead has
 * its lesson publish and its return feed subscription; a remote has its
 * lesson subscription and its return feed publish. */
#pragma once

#include "ss-agent-signaling.h"

#include <gst/gst.h>

G_BEGIN_DECLS

#define SS_MEDIA_LINK_RETRY_MS 2000

typedef struct _SsMediaLink SsMediaLink;

typedef struct {
  /* Builds and starts a new pipeline and returns its webrtcbin (owned by
   * the pipeline), or NULL with @error set. */
  GstElement *(*start_pipeline) (gpointer user_data, GError **error);
  /* Frees the pipeline that start_pipeline built. */
  void (*stop_pipeline) (gpointer user_data);
  /* Returns the local ICE addresses for a new attempt (a NULL-terminated
   * array the link frees), or NULL with @error set. */
  char **(*ice_addresses) (gpointer user_data, GError **error);
  /* Optional: the offer is about to go out, at @now_us (monotonic). */
  void (*offer_sending) (gint64 now_us, gpointer user_data);
  /* Optional: the server answered; @result is the `result` object. */
  void (*answered) (json_t *result, gpointer user_data);
  /* Optional: the server replied with @error. Returns TRUE when the owner
   * took care of it, which leaves the link stopped; FALSE retries after
   * SS_MEDIA_LINK_RETRY_MS. */
  gboolean (*refused) (const GError *error, gpointer user_data);
} SsMediaLinkCallbacks;

SsMediaLink *ss_media_link_new (const char *request_type,
                                const char *description,
                                SsSignaling *signaling,
                                GMainContext *context,
                                const SsMediaLinkCallbacks *callbacks,
                                gpointer user_data);
void ss_media_link_free (SsMediaLink *link);

void ss_media_link_start (SsMediaLink *link);
void ss_media_link_stop (SsMediaLink *link);
void ss_media_link_fail (SsMediaLink *link, const char *step,
                         const GError *error);
gboolean ss_media_link_is_running (SsMediaLink *link);
gboolean ss_media_link_is_answered (SsMediaLink *link);
const char *ss_media_link_get_description (SsMediaLink *link);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsMediaLink, ss_media_link_free)

G_END_DECLS
