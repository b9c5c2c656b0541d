/* The last packets of one incoming stream, kept so the relay can answer a
 * subscriber's generic NACK (RFC 4585 section 6.2.1) without asking the
 * publisher. Bounded both in packets and in age: a packet older than the
 * age limit is as good as gone, because by then the subscriber's jitter
 * buffer has given up on it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Large enough for any RTP packet a WebRTC sender produces: they keep
 * packets under about 1200 bytes for the path MTU. */
#define SS_RETRANSMISSION_SLOT_SIZE 1500

typedef struct _SsRetransmissionBuffer SsRetransmissionBuffer;

typedef enum {
  SS_RETRANSMISSION_STORED,
  SS_RETRANSMISSION_DUPLICATE,  /* that sequence number is already stored */
  SS_RETRANSMISSION_TOO_OLD,    /* older than what the buffer can hold */
  SS_RETRANSMISSION_TOO_LARGE,  /* larger than a slot */
} SsRetransmissionStoreResult;

/* All memory is taken here, once: capacity slots of
 * SS_RETRANSMISSION_SLOT_SIZE bytes. */
SsRetransmissionBuffer *ss_retransmission_buffer_new (guint capacity,
                                                      gint64 max_age_us);
void ss_retransmission_buffer_free (SsRetransmissionBuffer *buffer);

/* Stores a copy of a (decrypted) RTP packet under its extended sequence
 * number. */
SsRetransmissionStoreResult
ss_retransmission_buffer_store (SsRetransmissionBuffer *buffer,
                                gint64 extended_sequence,
                                const guint8 *packet, gsize len,
                                gint64 now_us);

/* The stored packet, or NULL when it was never stored, was overwritten or
 * is older than the age limit. */
const guint8 *ss_retransmission_buffer_lookup (SsRetransmissionBuffer *buffer,
                                               gint64 extended_sequence,
                                               gint64 now_us, gsize *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsRetransmissionBuffer,
                               ss_retransmission_buffer_free)

G_END_DECLS
