/* Outgoing message queue of one websocket connection. The limits bound the
 * memory a client that stops reading can make the server hold. */
#define G_LOG_DOMAIN "ss-server"

#include "ss-send-queue.h"

#include <string.h>

typedef struct {
  gsize length;
  guint8 data[];  /* headroom, then the payload */
} SsQueuedMessage;

struct _SsSendQueue {
  GQueue messages;  /* SsQueuedMessage * */
  gsize headroom;
  guint max_messages;
  gsize max_bytes;
  gsize n_bytes;    /* payload bytes queued */
};

SsSendQueue *
ss_send_queue_new (gsize headroom, guint max_messages, gsize max_bytes)
{
  SsSendQueue *queue = g_new0 (SsSendQueue, 1);
  *queue = (SsSendQueue){
    .headroom = headroom,
    .max_messages = max_messages,
    .max_bytes = max_bytes,
  };
  g_queue_init (&queue->messages);
  return queue;
}

void
ss_send_queue_free (SsSendQueue *queue)
{
  if (queue == NULL)
    return;

  g_queue_clear_full (&queue->messages, g_free);
  g_free (queue);
}

gboolean
ss_send_queue_push (SsSendQueue *queue, const char *payload, gsize length)
{
  g_return_val_if_fail (queue != NULL, FALSE);
  g_return_val_if_fail (payload != NULL || length == 0, FALSE);

  if (g_queue_get_length (&queue->messages) >= queue->max_messages
      || length > queue->max_bytes - queue->n_bytes)
    return FALSE;

  SsQueuedMessage *message =
      g_malloc (sizeof (SsQueuedMessage) + queue->headroom + length);
  message->length = length;
  memcpy (message->data + queue->headroom, payload, length);

  g_queue_push_tail (&queue->messages, message);
  queue->n_bytes += length;
  return TRUE;
}

guint8 *
ss_send_queue_peek (SsSendQueue *queue, gsize *length)
{
  g_return_val_if_fail (queue != NULL, NULL);

  SsQueuedMessage *message = g_queue_peek_head (&queue->messages);
  if (message == NULL)
    {
      *length = 0;
      return NULL;
    }

  *length = message->length;
  return message->data + queue->headroom;
}

void
ss_send_queue_pop (SsSendQueue *queue)
{
  g_return_if_fail (queue != NULL);

  SsQueuedMessage *message = g_queue_pop_head (&queue->messages);
  if (message == NULL)
    return;

  queue->n_bytes -= message->length;
  g_free (message);
}

guint
ss_send_queue_get_length (const SsSendQueue *queue)
{
  return g_queue_get_length ((GQueue *) &queue->messages);
}

gsize
ss_send_queue_get_bytes (const SsSendQueue *queue)
{
  return queue->n_bytes;
}
