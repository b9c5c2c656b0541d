/* Hashing and comparing IPv4 and IPv6 socket addresses by family, address
 * and port only, ignoring padding and IPv6 flow information. */
#include "address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

gboolean
ss_address_set (SsAddress *address, const struct sockaddr *addr,
                socklen_t len)
{
  memset (address, 0, sizeof *address);

  if (addr->sa_family == AF_INET && len >= sizeof (struct sockaddr_in))
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *) addr;
      struct sockaddr_in *out = (struct sockaddr_in *) &address->storage;
      out->sin_family = AF_INET;
      out->sin_port = in->sin_port;
      out->sin_addr = in->sin_addr;
      address->len = sizeof (struct sockaddr_in);
      return TRUE;
    }

  if (addr->sa_family == AF_INET6 && len >= sizeof (struct sockaddr_in6))
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) addr;
      struct sockaddr_in6 *out = (struct sockaddr_in6 *) &address->storage;
      out->sin6_family = AF_INET6;
      out->sin6_port = in6->sin6_port;
      out->sin6_addr = in6->sin6_addr;
      out->sin6_scope_id = in6->sin6_scope_id;
      address->len = sizeof (struct sockaddr_in6);
      return TRUE;
    }

  return FALSE;
}

SsAddress *
ss_address_dup (const SsAddress *address)
{
  return g_memdup2 (address, sizeof *address);
}

guint
ss_address_hash (gconstpointer key)
{
  const SsAddress *address = key;
  guint hash = address->storage.ss_family;

  if (address->storage.ss_family == AF_INET)
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *) &address->storage;
      hash = hash * 31 + in->sin_port;
      hash = hash * 31 + in->sin_addr.s_addr;
    }
  else
    {
      const struct sockaddr_in6 *in6 =
          (const struct sockaddr_in6 *) &address->storage;
      guint32 words[4];
      memcpy (words, &in6->sin6_addr, sizeof words);
      hash = hash * 31 + in6->sin6_port;
      for (guint i = 0; i < G_N_ELEMENTS (words); i++)
        hash = hash * 31 + words[i];
    }
  return hash;
}

gboolean
ss_address_equal (gconstpointer a, gconstpointer b)
{
  const SsAddress *x = a;
  const SsAddress *y = b;
  /* ss_address_set zeroes everything it does not copy, so the bytes can be
   * compared whole. */
  return x->len == y->len && memcmp (&x->storage, &y->storage, x->len) == 0;
}

const char *
ss_address_to_string (const SsAddress *address, char *buf, gsize cap)
{
  char host[INET6_ADDRSTRLEN] = "?";

  if (address->storage.ss_family == AF_INET)
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *) &address->storage;
      inet_ntop (AF_INET, &in->sin_addr, host, sizeof host);
      g_snprintf (buf, cap, "%s:%u", host, ntohs (in->sin_port));
    }
  else
    {
      const struct sockaddr_in6 *in6 =
          (const struct sockaddr_in6 *) &address->storage;
      inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
      g_snprintf (buf, cap, "[%s]:%u", host, ntohs (in6->sin6_port));
    }
  return buf;
}
