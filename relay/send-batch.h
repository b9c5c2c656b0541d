/* Outgoing datagrams of one worker, collected across subscribers and sent
 * with one sendmmsg() call per batch rather than one syscall per packet. */
#pragma once

#include "address.h"

#include <sys/socket.h>

G_BEGIN_DECLS

#define SS_SEND_BATCH_SIZE 64
/* A full-size RTP packet (1200-byte MTU budget of WebRTC stacks, with room
 * to spare) plus the largest SRTP/SRTCP trailer. */
#define SS_SEND_BUFFER_SIZE 1536

typedef struct {
  int fd;
  guint n_queued;
  guint8 buffers[SS_SEND_BATCH_SIZE][SS_SEND_BUFFER_SIZE];
  SsAddress addresses[SS_SEND_BATCH_SIZE];
  struct iovec iov[SS_SEND_BATCH_SIZE];
  struct mmsghdr messages[SS_SEND_BATCH_SIZE];

  guint64 datagrams_sent;
  guint64 bytes_sent;
  guint64 datagrams_dropped;    /* socket buffer full or send error */
  guint64 syscalls;
} SsSendBatch;

void ss_send_batch_init (SsSendBatch *batch, int fd);
/* The next free buffer, flushing first when the batch is full. */
guint8 *ss_send_batch_reserve (SsSendBatch *batch, gsize *cap);
/* Queues the reserved buffer's first len bytes for address. */
void ss_send_batch_commit (SsSendBatch *batch, gsize len,
                           const struct sockaddr *address, socklen_t addr_len);
void ss_send_batch_flush (SsSendBatch *batch);

G_END_DECLS
