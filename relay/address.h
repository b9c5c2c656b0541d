/* Socket addresses as hash-table keys: the worker finds the transport a
 * datagram belongs to by its source address. */
#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

typedef struct {
  struct sockaddr_storage storage;
  socklen_t len;
} SsAddress;

/* Copies addr; FALSE for families other than IPv4 and IPv6. */
gboolean ss_address_set (SsAddress *address, const struct sockaddr *addr,
                         socklen_t len);
SsAddress *ss_address_dup (const SsAddress *address);
guint ss_address_hash (gconstpointer key);
gboolean ss_address_equal (gconstpointer a, gconstpointer b);
/* "ADDR:PORT" or "[ADDR]:PORT" into buf, for logs. */
const char *ss_address_to_string (const SsAddress *address, char *buf,
                                  gsize cap);

G_END_DECLS
