/* A bounded FIFO of outgoing websocket messages, each stored with free
 * space in front of it for the frame header the websocket library writes
 * there (LWS_PRE bytes for libwebsockets). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SsSendQueue SsSendQueue;

SsSendQueue *ss_send_queue_new (gsize headroom,
                                guint max_messages,
                                gsize max_bytes);
void ss_send_queue_free (SsSendQueue *queue);

/* Copies @length bytes of @payload to the tail. Returns FALSE, and queues
 * nothing, when that would pass either limit. */
gboolean ss_send_queue_push (SsSendQueue *queue,
                             const char *payload,
                             gsize length);

/* Returns the head's payload, with the queue's headroom writable in front
 * of it, or NULL when the queue is empty. */
guint8 *ss_send_queue_peek (SsSendQueue *queue, gsize *length);
void ss_send_queue_pop (SsSendQueue *queue);

guint ss_send_queue_get_length (const SsSendQueue *queue);
gsize ss_send_queue_get_bytes (const SsSendQueue *queue);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsSendQueue, ss_send_queue_free)

G_END_DECLS
