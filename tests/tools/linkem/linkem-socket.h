/* AF_PACKET sockets that read and write whole Ethernet frames on one
 * interface. Every frame read or written starts with a virtio-net header,
 * which carries the kernel's checksum-offload state across the bridge. */
#pragma once

#include <glib.h>
#include <linux/virtio_net.h>

#include "linkem-pool.h"

G_BEGIN_DECLS

#define SS_LINKEM_SOCKET_ERROR (ss_linkem_socket_error_quark ())

typedef enum
{
  SS_LINKEM_SOCKET_ERROR_NO_INTERFACE,
  /* Packet sockets need CAP_NET_RAW. */
  SS_LINKEM_SOCKET_ERROR_PERMISSION,
  SS_LINKEM_SOCKET_ERROR_FAILED,
} SsLinkemSocketError;

GQuark ss_linkem_socket_error_quark (void);

#define SS_LINKEM_VNET_HEADER_LEN sizeof (struct virtio_net_hdr)

typedef enum
{
  SS_LINKEM_RECEIVE_FRAME,
  /* Nothing left to read. */
  SS_LINKEM_RECEIVE_EMPTY,
  /* The frame did not fit in the buffer and was cut. */
  SS_LINKEM_RECEIVE_OVERSIZE,
  /* Shorter than the virtio-net header plus an Ethernet header. */
  SS_LINKEM_RECEIVE_RUNT,
  SS_LINKEM_RECEIVE_ERROR,
} SsLinkemReceiveResult;

typedef struct SsLinkemSocket SsLinkemSocket;

/* Open a packet socket bound to ifname, in promiscuous mode and blind to
 * the frames it sends itself. */
SsLinkemSocket *ss_linkem_socket_open (const char *ifname, GError **error);
void ss_linkem_socket_free (SsLinkemSocket *socket);

int ss_linkem_socket_get_fd (const SsLinkemSocket *socket);
const char *ss_linkem_socket_get_name (const SsLinkemSocket *socket);
guint ss_linkem_socket_get_mtu (const SsLinkemSocket *socket);

/* Read one frame into the first size bytes of buffer. On
 * SS_LINKEM_RECEIVE_FRAME, *length is the bytes read, header included.
 * On SS_LINKEM_RECEIVE_ERROR, *error_number is the errno. */
SsLinkemReceiveResult ss_linkem_socket_receive (SsLinkemSocket *socket,
                                                guint8 *buffer,
                                                gsize size,
                                                gsize *length,
                                                int *error_number);

/* Write a frame of length bytes, header included. Returns 0, or the errno
 * of the failed send. */
int ss_linkem_socket_send (SsLinkemSocket *socket, const guint8 *data, gsize length);

/* Return the frames the kernel dropped on this socket since the last call,
 * because its receive buffer was full. */
guint64 ss_linkem_socket_take_kernel_drops (SsLinkemSocket *socket);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLinkemSocket, ss_linkem_socket_free)

G_END_DECLS
