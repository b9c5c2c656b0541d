/* Frame buffer pool: one block of memory cut into equal slots, and a stack
 * of the free ones. Acquire and release are O(1) and never allocate. */
#include "linkem-pool.h"

struct SsLinkemPool
{
  guint slot_count;
  gsize slot_size;
  guint8 *memory;
  SsLinkemSlot *slots;
  SsLinkemSlot **free_stack;
  guint free_count;
};

SsLinkemPool *
ss_linkem_pool_new (guint slot_count, gsize slot_size)
{
  g_return_val_if_fail (slot_count > 0, NULL);
  g_return_val_if_fail (slot_size > 0, NULL);

  SsLinkemPool *pool = g_new0 (SsLinkemPool, 1);
  pool->slot_count = slot_count;
  pool->slot_size = slot_size;
  pool->memory = g_malloc_n (slot_count, slot_size);
  pool->slots = g_new0 (SsLinkemSlot, slot_count);
  pool->free_stack = g_new (SsLinkemSlot *, slot_count);

  /* Stack the slots so that the first acquire returns slot 0. */
  for (guint i = 0; i < slot_count; i++)
    {
      pool->slots[i] = (SsLinkemSlot) {
        .data = pool->memory + (gsize) i * slot_size,
        .index = i,
      };
      pool->free_stack[slot_count - 1 - i] = &pool->slots[i];
    }
  pool->free_count = slot_count;

  return pool;
}

void
ss_linkem_pool_free (SsLinkemPool *pool)
{
  if (pool == NULL)
    return;

  g_free (pool->free_stack);
  g_free (pool->slots);
  g_free (pool->memory);
  g_free (pool);
}

SsLinkemSlot *
ss_linkem_pool_acquire (SsLinkemPool *pool)
{
  g_return_val_if_fail (pool != NULL, NULL);

  if (pool->free_count == 0)
    return NULL;

  SsLinkemSlot *slot = pool->free_stack[--pool->free_count];
  slot->length = 0;
  slot->frame_length = 0;
  return slot;
}

void
ss_linkem_pool_release (SsLinkemPool *pool, SsLinkemSlot *slot)
{
  g_return_if_fail (pool != NULL);
  g_return_if_fail (slot != NULL);
  g_return_if_fail (slot->index < pool->slot_count && slot == &pool->slots[slot->index]);
  g_return_if_fail (pool->free_count < pool->slot_count);

  pool->free_stack[pool->free_count++] = slot;
}

guint
ss_linkem_pool_get_slot_count (const SsLinkemPool *pool)
{
  g_return_val_if_fail (pool != NULL, 0);

  return pool->slot_count;
}

gsize
ss_linkem_pool_get_slot_size (const SsLinkemPool *pool)
{
  g_return_val_if_fail (pool != NULL, 0);

  return pool->slot_size;
}

guint
ss_linkem_pool_get_free_count (const SsLinkemPool *pool)
{
  g_return_val_if_fail (pool != NULL, 0);

  return pool->free_count;
}
