/* Per-connection limits on interaction requests (protocol/README.md,
 * "Limits"): at most 5 chat.send and at most 20 interaction requests of
 * all kinds in any 10 seconds. Each limit is a sliding window over the
 * times of the requests it admitted. Pure: the time is passed in, in
 * microseconds. A clock that steps backwards delays a request by at most
 * one window.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_RATE_LIMIT_WINDOW_US (10 * G_USEC_PER_SEC)
#define SS_RATE_LIMIT_CHAT 5
#define SS_RATE_LIMIT_ALL 20

/* The largest limit one window can hold. */
#define SS_RATE_WINDOW_MAX_LIMIT 32

/* At most @limit admissions in any @window_us: a ring of the times of the
 * last @limit admissions. */
typedef struct {
  guint limit;
  gint64 window_us;
  gint64 times[SS_RATE_WINDOW_MAX_LIMIT];
  guint n_times;
  /* Index of the oldest time in the ring. */
  guint oldest;
} SsRateWindow;

void ss_rate_window_init (SsRateWindow *window, guint limit, gint64 window_us);

/* Returns 0 when a request at @now_us fits the window, otherwise how many
 * microseconds from @now_us until it would. */
gint64 ss_rate_window_wait (const SsRateWindow *window, gint64 now_us);

/* Records an admission at @now_us. */
void ss_rate_window_record (SsRateWindow *window, gint64 now_us);

/* The two limits of one connection. A zeroed value is ready to use: the
 * first ss_rate_limit_admit() sets the protocol's limits. */
typedef struct {
  SsRateWindow chat;
  SsRateWindow all;
  /* Requests rejected so far, so the caller can log a few of them. */
  guint64 n_rejected;
} SsRateLimit;

void ss_rate_limit_init (SsRateLimit *limit);

/* Admits an interaction request at @now_us (a chat.send when @is_chat) and
 * records it in both windows. A rejected request records nothing and sets
 * SS_PROTOCOL_ERROR_RATE_LIMITED, whose message gives the limit and how
 * many whole seconds to wait. */
gboolean ss_rate_limit_admit (SsRateLimit *limit,
                              gboolean is_chat,
                              gint64 now_us,
                              GError **error);

G_END_DECLS
