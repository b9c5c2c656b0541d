/* Packet socket I/O of the bridge (packet(7)). A socket is created with
 * protocol 0, so it receives nothing until it is bound to its interface
 * with ETH_P_ALL. It never receives another interface's frames.
 *
 * PACKET_VNET_HDR puts a virtio-net header in front of each frame. Frames
 * that a local socket sent through a veth usually still need their
 * transport checksum (checksum offload), and the header says so. Writing
 * the header back with the frame makes the kernel on the far side treat
 * the checksum the same way. A bare copy would arrive with a wrong
 * checksum and be dropped. */
#include "linkem-socket.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>

/* Room for bursts while the program sleeps until the next release. */
#define RECEIVE_BUFFER_BYTES (4 * 1024 * 1024)

#define MIN_FRAME_LEN (SS_LINKEM_VNET_HEADER_LEN + ETH_HLEN)

G_DEFINE_QUARK (ss-linkem-socket-error-quark, ss_linkem_socket_error)

struct SsLinkemSocket
{
  int fd;
  int ifindex;
  char *name;
  guint mtu;
};

static void
set_errno_error (GError **error, const char *name, const char *step, int error_number)
{
  int code = error_number == EPERM || error_number == EACCES
             ? SS_LINKEM_SOCKET_ERROR_PERMISSION
             : SS_LINKEM_SOCKET_ERROR_FAILED;

  g_set_error (error, SS_LINKEM_SOCKET_ERROR, code, "%s %s: %s", step, name,
               g_strerror (error_number));
}

static gboolean
set_int_option (int fd, int level, int option, int value)
{
  return setsockopt (fd, level, option, &value, sizeof value) == 0;
}

static gboolean
read_mtu (int fd, const char *name, guint *mtu)
{
  struct ifreq request = { .ifr_mtu = 0 };

  g_strlcpy (request.ifr_name, name, sizeof request.ifr_name);
  if (ioctl (fd, SIOCGIFMTU, &request) != 0)
    return FALSE;

  *mtu = (guint) MAX (request.ifr_mtu, 0);
  return TRUE;
}

static gboolean
configure_socket (SsLinkemSocket *s, GError **error)
{
  if (!set_int_option (s->fd, SOL_PACKET, PACKET_VNET_HDR, 1))
    {
      set_errno_error (error, s->name, _("Turning on PACKET_VNET_HDR failed on"), errno);
      return FALSE;
    }

  /* The bridge's own sends leave through this interface too, and reading
   * them back would forward every frame twice. */
  if (!set_int_option (s->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1))
    {
      set_errno_error (error, s->name, _("Turning on PACKET_IGNORE_OUTGOING failed on"), errno);
      return FALSE;
    }

  /* SO_RCVBUFFORCE passes the rmem_max limit but needs CAP_NET_ADMIN. */
  if (!set_int_option (s->fd, SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER_BYTES))
    set_int_option (s->fd, SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER_BYTES);

  struct sockaddr_ll address = {
    .sll_family = AF_PACKET,
    .sll_protocol = htons (ETH_P_ALL),
    .sll_ifindex = s->ifindex,
  };
  if (bind (s->fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      set_errno_error (error, s->name, _("Binding a packet socket failed on"), errno);
      return FALSE;
    }

  /* A bridge takes every frame, whatever its destination address. */
  struct packet_mreq membership = {
    .mr_ifindex = s->ifindex,
    .mr_type = PACKET_MR_PROMISC,
  };
  if (setsockopt (s->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership) != 0)
    {
      set_errno_error (error, s->name, _("Turning on promiscuous mode failed on"), errno);
      return FALSE;
    }

  if (!read_mtu (s->fd, s->name, &s->mtu))
    {
      set_errno_error (error, s->name, _("Reading the MTU failed on"), errno);
      return FALSE;
    }

  return TRUE;
}

SsLinkemSocket *
ss_linkem_socket_open (const char *ifname, GError **error)
{
  g_return_val_if_fail (ifname != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  unsigned int ifindex = if_nametoindex (ifname);
  if (ifindex == 0)
    {
      g_set_error (error, SS_LINKEM_SOCKET_ERROR, SS_LINKEM_SOCKET_ERROR_NO_INTERFACE,
                   _("Network interface \"%s\" not found in this network namespace."),
                   ifname);
      return NULL;
    }

  int fd = socket (AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      if (saved == EPERM || saved == EACCES)
        g_set_error (error, SS_LINKEM_SOCKET_ERROR, SS_LINKEM_SOCKET_ERROR_PERMISSION,
                     _("Opening a packet socket for %s failed: %s. Run ss-linkem as root "
                       "or with CAP_NET_RAW."),
                     ifname, g_strerror (saved));
      else
        set_errno_error (error, ifname, _("Opening a packet socket failed for"), saved);
      return NULL;
    }

  g_autoptr (SsLinkemSocket) s = g_new0 (SsLinkemSocket, 1);
  s->fd = fd;
  s->ifindex = (int) ifindex;
  s->name = g_strdup (ifname);

  if (!configure_socket (s, error))
    return NULL;

  return g_steal_pointer (&s);
}

void
ss_linkem_socket_free (SsLinkemSocket *s)
{
  if (s == NULL)
    return;

  if (s->fd >= 0)
    close (s->fd);
  g_free (s->name);
  g_free (s);
}

int
ss_linkem_socket_get_fd (const SsLinkemSocket *s)
{
  g_return_val_if_fail (s != NULL, -1);

  return s->fd;
}

const char *
ss_linkem_socket_get_name (const SsLinkemSocket *s)
{
  g_return_val_if_fail (s != NULL, NULL);

  return s->name;
}

guint
ss_linkem_socket_get_mtu (const SsLinkemSocket *s)
{
  g_return_val_if_fail (s != NULL, 0);

  return s->mtu;
}

SsLinkemReceiveResult
ss_linkem_socket_receive (SsLinkemSocket *s, guint8 *buffer, gsize size, gsize *length,
                          int *error_number)
{
  g_return_val_if_fail (s != NULL, SS_LINKEM_RECEIVE_ERROR);
  g_return_val_if_fail (buffer != NULL, SS_LINKEM_RECEIVE_ERROR);
  g_return_val_if_fail (length != NULL, SS_LINKEM_RECEIVE_ERROR);
  g_return_val_if_fail (error_number != NULL, SS_LINKEM_RECEIVE_ERROR);

  /* MSG_TRUNC makes recv() return the frame's full length even when the
   * buffer was too small for it. */
  ssize_t n = recv (s->fd, buffer, size, MSG_TRUNC);
  if (n < 0)
    {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return SS_LINKEM_RECEIVE_EMPTY;
      *error_number = errno;
      return SS_LINKEM_RECEIVE_ERROR;
    }

  if ((gsize) n > size)
    return SS_LINKEM_RECEIVE_OVERSIZE;
  if ((gsize) n < MIN_FRAME_LEN)
    return SS_LINKEM_RECEIVE_RUNT;

  *length = (gsize) n;
  return SS_LINKEM_RECEIVE_FRAME;
}

int
ss_linkem_socket_send (SsLinkemSocket *s, const guint8 *data, gsize length)
{
  g_return_val_if_fail (s != NULL, EINVAL);
  g_return_val_if_fail (data != NULL, EINVAL);

  if (send (s->fd, data, length, 0) < 0)
    return errno;
  return 0;
}

guint64
ss_linkem_socket_take_kernel_drops (SsLinkemSocket *s)
{
  g_return_val_if_fail (s != NULL, 0);

  /* Reading PACKET_STATISTICS resets the kernel's counters. */
  struct tpacket_stats stats = { .tp_packets = 0 };
  socklen_t stats_len = sizeof stats;
  if (getsockopt (s->fd, SOL_PACKET, PACKET_STATISTICS, &stats, &stats_len) != 0)
    return 0;

  return stats.tp_drops;
}
