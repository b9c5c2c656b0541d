/* sendmmsg() batching for a worker's socket. The buffers live in the batch
 * itself, so queuing a packet allocates nothing. */
#define G_LOG_DOMAIN "ss-relay"

#include "send-batch.h"

#include <errno.h>
#include <string.h>

void
ss_send_batch_init (SsSendBatch *batch, int fd)
{
  memset (batch, 0, sizeof *batch);
  batch->fd = fd;
}

guint8 *
ss_send_batch_reserve (SsSendBatch *batch, gsize *cap)
{
  if (batch->n_queued == SS_SEND_BATCH_SIZE)
    ss_send_batch_flush (batch);

  *cap = SS_SEND_BUFFER_SIZE;
  return batch->buffers[batch->n_queued];
}

void
ss_send_batch_commit (SsSendBatch *batch, gsize len,
                      const struct sockaddr *address, socklen_t addr_len)
{
  guint i = batch->n_queued;

  g_assert (i < SS_SEND_BATCH_SIZE);
  g_assert (len <= SS_SEND_BUFFER_SIZE);

  if (!ss_address_set (&batch->addresses[i], address, addr_len))
    {
      batch->datagrams_dropped++;
      return;
    }

  batch->iov[i] = (struct iovec){ .iov_base = batch->buffers[i], .iov_len = len };
  batch->messages[i] = (struct mmsghdr){
    .msg_hdr = {
      .msg_name = &batch->addresses[i].storage,
      .msg_namelen = batch->addresses[i].len,
      .msg_iov = &batch->iov[i],
      .msg_iovlen = 1,
    },
  };
  batch->n_queued++;
}

void
ss_send_batch_flush (SsSendBatch *batch)
{
  guint sent = 0;

  while (sent < batch->n_queued)
    {
      int n = sendmmsg (batch->fd, batch->messages + sent,
                        batch->n_queued - sent, 0);
      batch->syscalls++;
      if (n > 0)
        {
          for (int i = 0; i < n; i++)
            batch->bytes_sent += batch->iov[sent + (guint) i].iov_len;
          sent += (guint) n;
          batch->datagrams_sent += (guint) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;

      /* The socket buffer is full (EAGAIN) or the first datagram failed,
       * e.g. an unreachable destination: skip that one and go on, as a
       * router drops what it cannot queue. */
      sent++;
      batch->datagrams_dropped++;
    }

  batch->n_queued = 0;
}
