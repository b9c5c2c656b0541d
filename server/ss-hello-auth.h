/* The credential check of the signaling hello: which token may speak as
 * which classroom. */
#pragma once

#include <glib.h>

#include "ss-auth.h"
#include "ss-message.h"

G_BEGIN_DECLS

/* Accepts @hello when its token is valid at @now_unix and either an admin
 * token (any classroom) or a classroom or teacher token bound to the
 * classroom that hello names. Otherwise sets @error to
 * SS_PROTOCOL_ERROR_UNAUTHORIZED with a message for the client that never
 * contains the token. */
gboolean ss_hello_auth_check (SsAuth *auth,
                              const SsMessage *hello,
                              gint64 now_unix,
                              GError **error);

G_END_DECLS
