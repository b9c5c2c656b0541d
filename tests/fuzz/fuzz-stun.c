/* Fuzz target for the relay's STUN handling: every input goes through
 * ss_ice_peek_local_ufrag() and ss_ice_lite_handle() of an agent whose
 * credentials match the seed corpus, so mutations of valid checks reach
 * integrity, fingerprint and role checks as well as the parser. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/ice-lite.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static SsIceLite *ice = NULL;
  struct sockaddr_in from = {
    .sin_family = AF_INET,
    .sin_port = htons (40000),
    .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
  };
  guint8 reply[1024];
  gsize reply_len = sizeof reply;
  gboolean use_candidate;
  char ufrag[64];

  /* Same credentials as the seeds in corpus/stun/. */
  if (ice == NULL)
    ice = ss_ice_lite_new ("fuzzUfrg", "fuzzPasswordFuzzPassword01234567",
                           "peer", "peerPasswordPeerPassword");

  (void) ss_ice_peek_local_ufrag (data, size, ufrag, sizeof ufrag);
  (void) ss_ice_lite_handle (ice, data, size, (const struct sockaddr *) &from,
                             sizeof from, reply, &reply_len, &use_candidate);
  return 0;
}
