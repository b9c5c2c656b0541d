/* How the routing layer hands packets to a peer's transport without knowing
 * what the transport is: the transport owner (the worker's peer) implements
 * this table, the router calls it. Keeping it a plain callback table lets
 * the router's tests record what would go on the wire. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  /* A buffer to write one outgoing packet into, valid until the matching
   * send call; NULL when the peer cannot send now (transport not connected,
   * or the worker's send batch has no room). *cap is its capacity, which
   * includes room for the SRTP authentication tag. */
  guint8 *(*get_buffer) (gpointer user_data, gsize *cap);
  /* Protects and queues the packet written into the last buffer. */
  void (*send_rtp) (gpointer user_data, guint8 *packet, gsize len, gsize cap);
  void (*send_rtcp) (gpointer user_data, guint8 *packet, gsize len, gsize cap);
} SsEndpointFuncs;

typedef struct {
  const SsEndpointFuncs *funcs;
  gpointer user_data;
} SsEndpoint;

G_END_DECLS
