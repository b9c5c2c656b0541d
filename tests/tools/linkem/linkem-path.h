/* One direction of the emulated link: the impairment model, its random
 * source, the release schedule and the counters. The caller owns the
 * frame buffers, the clock and the sockets. It submits each received frame
 * with its arrival time and sends what pop_ready returns. */
#pragma once

#include "linkem-impair.h"
#include "linkem-pool.h"
#include "linkem-schedule.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 received;
  guint64 received_bytes;
  guint64 forwarded;
  guint64 forwarded_bytes;
  guint64 dropped_loss;
  guint64 dropped_queue;
  /* Frames held back by the reorder delay. A later frame overtakes one
   * only when it arrives within that delay. */
  guint64 reordered;
  /* Frames dropped because every pool slot held a frame. */
  guint64 dropped_no_buffer;
  /* Frames longer than a pool slot. */
  guint64 dropped_oversize;
  /* Reads shorter than a virtio-net header and an Ethernet header. */
  guint64 dropped_malformed;
  /* Frames the kernel dropped before the program read them. */
  guint64 dropped_socket;
  guint64 send_errors;
  /* Frames sent more than SS_LINKEM_LATE_US after their release time,
   * and the largest lateness seen. Lateness means the host did not run
   * the program in time, so measured delays exceed the configured ones. */
  guint64 late_releases;
  gint64 max_lateness_us;
} SsLinkemCounters;

#define SS_LINKEM_LATE_US G_GINT64_CONSTANT (1000)

typedef struct SsLinkemPath SsLinkemPath;

/* Create a direction that can hold up to capacity frames. The random
 * source is seeded from (seed, stream), so two directions sharing one
 * seed still draw different numbers. */
SsLinkemPath *ss_linkem_path_new (const SsLinkemParams *params,
                                  guint64 seed,
                                  guint32 stream,
                                  guint capacity);
void ss_linkem_path_free (SsLinkemPath *path);

/* Decide the fate of the frame in slot, frame_length bytes long, that
 * arrived at now_us. On a passing verdict the path keeps the slot until
 * pop_ready returns it. On a drop the slot stays with the caller. */
SsLinkemVerdict ss_linkem_path_submit (SsLinkemPath *path,
                                       SsLinkemSlot *slot,
                                       gsize frame_length,
                                       gint64 now_us);

gint64 ss_linkem_path_next_release_us (const SsLinkemPath *path);

/* Remove and return a frame whose release time is at or before now_us,
 * or NULL. Call it until NULL to drain everything that is due. */
SsLinkemSlot *ss_linkem_path_pop_ready (SsLinkemPath *path, gint64 now_us);

guint ss_linkem_path_get_queued (const SsLinkemPath *path);

/* Return the counters, which the caller updates too: forwarding, send
 * errors, lateness and the dropped_no_buffer, dropped_oversize,
 * dropped_malformed and dropped_socket cases happen in the I/O shell. */
SsLinkemCounters *ss_linkem_path_get_counters (SsLinkemPath *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLinkemPath, ss_linkem_path_free)

G_END_DECLS
