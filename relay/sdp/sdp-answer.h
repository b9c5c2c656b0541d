/* The relay's SDP answer to an offer: ICE-lite with all candidates, DTLS
 * server role, BUNDLE and rtcp-mux, and per m-line the codec the offer's
 * parse chose. */
#pragma once

#include "sdp/sdp-offer.h"

G_BEGIN_DECLS

typedef struct {
  const char *ice_ufrag;
  const char *ice_pwd;
  const char *fingerprint;          /* relay certificate, SHA-256 "AB:CD:..." */
  const char *const *addresses;     /* host candidates, NULL-terminated */
  guint16 port;
} SsSdpAnswerTransport;

/* A stream the relay sends on one m-line (subscriber answers). */
typedef struct {
  guint32 ssrc;                     /* 0: the relay sends nothing here */
  const char *cname;
  const char *msid_stream;
  const char *msid_track;
} SsSdpSendStream;

/* Builds the answer text. send_streams is indexed by m-line and may be NULL
 * (a publisher's answer) or shorter than the offer. accept_rtx accepts the
 * offer's RTX payload types: the relay takes RTX from publishers, and
 * retransmits to subscribers on the original SSRC instead. */
char *ss_sdp_answer_build (const SsSdpOffer *offer,
                           const SsSdpAnswerTransport *transport,
                           const SsSdpSendStream *send_streams,
                           guint n_send_streams, gboolean accept_rtx);

G_END_DECLS
