/* The signaling core's settings for the interaction channel: the clock
 * that times chat messages, hands and the rate limits, and the log they
 * are kept in. The core works without either: then it reads the system's
 * wall clock and keeps the log in memory.
 */
#pragma once

#include <glib.h>

#include "ss-interaction-log.h"
#include "ss-signaling.h"

G_BEGIN_DECLS

/* Returns the wall-clock time in microseconds since the epoch. */
typedef gint64 (*SsSignalingClockFunc) (gpointer user_data);

/* Replaces g_get_real_time(); NULL restores it. */
void ss_signaling_set_clock (SsSignaling *signaling,
                             SsSignalingClockFunc clock_func,
                             gpointer clock_data);

/* Sets the log (transfer full) every lesson's interaction goes to. Call it
 * before the first lesson exists. */
void ss_signaling_set_interaction_log (SsSignaling *signaling,
                                       SsInteractionLog *log);

/* The kind of program behind a connection, from hello's "client". */
SsClientKind ss_session_get_client (const SsSession *session);

G_END_DECLS
