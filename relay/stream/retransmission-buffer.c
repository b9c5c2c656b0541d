/* A ring of packet slots indexed by extended sequence number modulo the
 * capacity. Storing overwrites the slot of the packet `capacity` numbers
 * earlier, so lookups are O(1) and nothing is allocated after creation. */
#include "stream/retransmission-buffer.h"

#include <string.h>

typedef struct {
  gint64 extended_sequence;     /* -1: empty */
  gint64 stored_us;
  guint16 len;
  guint8 data[SS_RETRANSMISSION_SLOT_SIZE];
} Slot;

struct _SsRetransmissionBuffer {
  guint capacity;
  gint64 max_age_us;
  gint64 highest;               /* highest extended sequence stored */
  gboolean started;
  Slot *slots;
};

SsRetransmissionBuffer *
ss_retransmission_buffer_new (guint capacity, gint64 max_age_us)
{
  g_return_val_if_fail (capacity > 0, NULL);

  SsRetransmissionBuffer *buffer = g_new0 (SsRetransmissionBuffer, 1);
  buffer->capacity = capacity;
  buffer->max_age_us = max_age_us;
  buffer->slots = g_new (Slot, capacity);
  for (guint i = 0; i < capacity; i++)
    buffer->slots[i].extended_sequence = -1;
  return buffer;
}

void
ss_retransmission_buffer_free (SsRetransmissionBuffer *buffer)
{
  if (buffer == NULL)
    return;
  g_free (buffer->slots);
  g_free (buffer);
}

static Slot *
slot_for (SsRetransmissionBuffer *buffer, gint64 extended_sequence)
{
  guint64 index = (guint64) extended_sequence % buffer->capacity;
  return &buffer->slots[index];
}

SsRetransmissionStoreResult
ss_retransmission_buffer_store (SsRetransmissionBuffer *buffer,
                                gint64 extended_sequence,
                                const guint8 *packet, gsize len,
                                gint64 now_us)
{
  if (len > SS_RETRANSMISSION_SLOT_SIZE)
    return SS_RETRANSMISSION_TOO_LARGE;
  if (extended_sequence < 0)
    return SS_RETRANSMISSION_TOO_OLD;
  if (buffer->started &&
      extended_sequence <= buffer->highest - (gint64) buffer->capacity)
    return SS_RETRANSMISSION_TOO_OLD;

  Slot *slot = slot_for (buffer, extended_sequence);
  if (slot->extended_sequence == extended_sequence)
    return SS_RETRANSMISSION_DUPLICATE;

  slot->extended_sequence = extended_sequence;
  slot->stored_us = now_us;
  slot->len = (guint16) len;
  memcpy (slot->data, packet, len);

  if (!buffer->started || extended_sequence > buffer->highest)
    buffer->highest = extended_sequence;
  buffer->started = TRUE;
  return SS_RETRANSMISSION_STORED;
}

const guint8 *
ss_retransmission_buffer_lookup (SsRetransmissionBuffer *buffer,
                                 gint64 extended_sequence, gint64 now_us,
                                 gsize *len)
{
  if (extended_sequence < 0)
    return NULL;

  Slot *slot = slot_for (buffer, extended_sequence);
  if (slot->extended_sequence != extended_sequence)
    return NULL;
  if (now_us - slot->stored_us > buffer->max_age_us)
    return NULL;

  *len = slot->len;
  return slot->data;
}
