/* Sliding-window rate limits for the interaction channel.
 *
 * A window keeps the times of its last `limit` admissions in a ring. A new
 * request fits when fewer than `limit` of them lie within the window, that
 * is when the oldest kept time is at least window_us old. Unlike a token
 * bucket, this never admits more than `limit` in any window, which is what
 * the protocol promises.
 */
#include "ss-rate-limit.h"

#include "ss-message.h"

void
ss_rate_window_init (SsRateWindow *window, guint limit, gint64 window_us)
{
  g_return_if_fail (window != NULL);
  g_return_if_fail (limit >= 1 && limit <= SS_RATE_WINDOW_MAX_LIMIT);
  g_return_if_fail (window_us > 0);

  *window = (SsRateWindow){
    .limit = limit,
    .window_us = window_us,
  };
}

gint64
ss_rate_window_wait (const SsRateWindow *window, gint64 now_us)
{
  if (window->n_times < window->limit)
    return 0;

  /* A full ring: the oldest admission has to leave the window first. After
   * a step of the clock backwards it seems to lie in the future, so the
   * wait is capped at one window. */
  gint64 free_at = window->times[window->oldest] + window->window_us;
  if (free_at <= now_us)
    return 0;
  return MIN (free_at - now_us, window->window_us);
}

void
ss_rate_window_record (SsRateWindow *window, gint64 now_us)
{
  if (window->n_times < window->limit)
    {
      guint index = (window->oldest + window->n_times) % window->limit;
      window->times[index] = now_us;
      window->n_times++;
      return;
    }

  /* Overwrites the oldest, which then becomes the newest. */
  window->times[window->oldest] = now_us;
  window->oldest = (window->oldest + 1) % window->limit;
}

void
ss_rate_limit_init (SsRateLimit *limit)
{
  g_return_if_fail (limit != NULL);

  ss_rate_window_init (&limit->chat, SS_RATE_LIMIT_CHAT,
                       SS_RATE_LIMIT_WINDOW_US);
  ss_rate_window_init (&limit->all, SS_RATE_LIMIT_ALL,
                       SS_RATE_LIMIT_WINDOW_US);
}

/* Whole seconds, rounded up, so a client that waits that long fits. */
static gint64
wait_seconds (gint64 wait_us)
{
  return (wait_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

gboolean
ss_rate_limit_admit (SsRateLimit *limit,
                     gboolean is_chat,
                     gint64 now_us,
                     GError **error)
{
  g_return_val_if_fail (limit != NULL, FALSE);

  if (limit->all.limit == 0)
    ss_rate_limit_init (limit);

  gint64 chat_wait = is_chat ? ss_rate_window_wait (&limit->chat, now_us) : 0;
  gint64 all_wait = ss_rate_window_wait (&limit->all, now_us);

  if (chat_wait > 0 && chat_wait >= all_wait)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_RATE_LIMITED,
                   "too many chat messages: at most %u in %" G_GINT64_FORMAT
                   " seconds; try again in %" G_GINT64_FORMAT " seconds",
                   limit->chat.limit, limit->chat.window_us / G_USEC_PER_SEC,
                   wait_seconds (chat_wait));
      limit->n_rejected++;
      return FALSE;
    }

  if (all_wait > 0)
    {
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_RATE_LIMITED,
                   "too many interaction requests: at most %u in %"
                   G_GINT64_FORMAT " seconds; try again in %" G_GINT64_FORMAT
                   " seconds",
                   limit->all.limit, limit->all.window_us / G_USEC_PER_SEC,
                   wait_seconds (all_wait));
      limit->n_rejected++;
      return FALSE;
    }

  if (is_chat)
    ss_rate_window_record (&limit->chat, now_us);
  ss_rate_window_record (&limit->all, now_us);
  return TRUE;
}
