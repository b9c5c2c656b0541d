/* Error domain of the classroom agent's control paths: signaling, pipeline
 * set-up and the WebRTC offer/answer steps. Per-buffer paths never raise
 * these; they count instead. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_AGENT_ERROR (ss_agent_error_quark ())

typedef enum {
  SS_AGENT_ERROR_FAILED,
  SS_AGENT_ERROR_TIMED_OUT,
  SS_AGENT_ERROR_MISSING_ELEMENT,
  SS_AGENT_ERROR_INVALID_SDP,
  SS_AGENT_ERROR_INVALID_SOURCE,
  SS_AGENT_ERROR_CONNECTION,
} SsAgentError;

GQuark ss_agent_error_quark (void);

G_END_DECLS
