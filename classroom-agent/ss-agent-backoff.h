/* Reconnect delays for the signaling client: exponential backoff with
 * jitter, kept apart from timers so tests can check the sequence. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_BACKOFF_INITIAL_US (500 * G_TIME_SPAN_MILLISECOND)
#define SS_BACKOFF_MAX_US (30 * G_TIME_SPAN_SECOND)

gint64 ss_backoff_delay_us (guint attempt, double jitter);

G_END_DECLS
