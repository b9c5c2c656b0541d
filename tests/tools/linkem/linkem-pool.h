/* A fixed pool of frame buffers, allocated once, so that holding frames
 * for their delay allocates nothing per packet. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One buffer of the pool and the scheduling data of the frame in it. */
typedef struct
{
  guint8 *data;          /* slot_size bytes */
  gsize length;          /* bytes of data in use */
  gsize frame_length;    /* Ethernet frame bytes, as the model counts them */
  gint64 arrival_us;
  gint64 release_us;
  guint64 order;         /* submission number; keeps equal release times FIFO */
  guint index;           /* position in the pool, fixed */
} SsLinkemSlot;

typedef struct SsLinkemPool SsLinkemPool;

SsLinkemPool *ss_linkem_pool_new (guint slot_count, gsize slot_size);
void ss_linkem_pool_free (SsLinkemPool *pool);

/* Take a free slot, or return NULL when no slot is free. */
SsLinkemSlot *ss_linkem_pool_acquire (SsLinkemPool *pool);
void ss_linkem_pool_release (SsLinkemPool *pool, SsLinkemSlot *slot);

guint ss_linkem_pool_get_slot_count (const SsLinkemPool *pool);
gsize ss_linkem_pool_get_slot_size (const SsLinkemPool *pool);
guint ss_linkem_pool_get_free_count (const SsLinkemPool *pool);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLinkemPool, ss_linkem_pool_free)

G_END_DECLS
