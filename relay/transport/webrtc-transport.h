/* One WebRTC peer of the relay: ICE-lite, DTLS and SRTP over one BUNDLE
 * and rtcp-mux 5-tuple. Sans-IO: the worker owns the shared UDP socket,
 * the clock and the timers; it hands datagrams in with the current time
 * and sends what the listener gives back. */
#pragma once

#include <glib.h>
#include <sys/socket.h>

#include "transport/dtls.h"
#include "transport/ice-lite.h"
#include "transport/srtp.h"

G_BEGIN_DECLS

/* RFC 7675 section 5.1: consent expires 30 s after the last valid check.
 * The same limit applies to the first check after creation. */
#define SS_ICE_CONSENT_TIMEOUT_US (30 * G_USEC_PER_SEC)

typedef struct _SsWebrtcTransport SsWebrtcTransport;

/* Callbacks run from inside the ss_webrtc_transport_* call that caused
 * them. None of them may free the transport: the worker frees it later,
 * e.g. from an idle source after closed(). */
typedef struct {
  /* A datagram to send to addr (a STUN reply or a DTLS record). */
  void (*send) (gpointer user_data,
                const guint8 *data,
                gsize len,
                const struct sockaddr *addr,
                socklen_t addr_len);
  /* A remote address passed a connectivity check: the worker maps this
   * address to the transport. selected: the address media now goes to.
   * Called when an address is validated for the first time and again when
   * it becomes the selected one. */
  void (*address_validated) (gpointer user_data,
                             const struct sockaddr *addr,
                             socklen_t addr_len,
                             gboolean selected);
  /* DTLS is done and SRTP is ready. */
  void (*connected) (gpointer user_data);
  /* A decrypted RTP packet, writable in place until the callback returns. */
  void (*rtp) (gpointer user_data, guint8 *packet, gsize len, gint64 now_us);
  /* A decrypted compound RTCP packet, writable in place likewise. */
  void (*rtcp) (gpointer user_data, guint8 *packet, gsize len, gint64 now_us);
  /* "ice_timeout", "dtls_failed" or "closed". Called once; after it the
   * transport ignores everything but ss_webrtc_transport_free(). */
  void (*closed) (gpointer user_data, const char *reason);
} SsWebrtcTransportListener;

typedef struct {
  const char *local_ufrag, *local_pwd, *remote_ufrag, *remote_pwd;
  const char *remote_fingerprint;   /* sha-256, "AB:CD:..." from the SDP */
  SsDtlsCertificate *certificate;   /* a reference is taken */
  SsDtlsRole dtls_role;             /* server in the relay; client for tests */
  /* DTLS-SRTP profiles offered by a client, in preference order; NULL for
   * SS_DTLS_DEFAULT_SRTP_PROFILES. A server follows the client's order. */
  const char *srtp_profiles;
} SsWebrtcTransportConfig;

/* Per-transport counters, for the worker's statistics. "in" counts every
 * datagram handed to ss_webrtc_transport_receive(); "out" counts every
 * datagram given to listener.send plus every packet protected for sending. */
typedef struct {
  guint64 packets_in;
  guint64 bytes_in;
  guint64 packets_out;
  guint64 bytes_out;
  guint64 rtp_packets_in;      /* decrypted and delivered */
  guint64 rtcp_packets_in;     /* decrypted and delivered */
  guint64 srtp_failures;       /* unprotect or protect failed */
  guint64 stun_rejected;       /* bad integrity, username, role, fingerprint */
  guint64 stun_malformed;      /* STUN-looking bytes that do not parse */
  guint64 unvalidated_dropped; /* DTLS or SRTP from an unchecked address */
  guint64 unknown_dropped;     /* neither STUN, DTLS, RTP nor RTCP */
  guint64 early_media_dropped; /* SRTP before DTLS finished */
} SsWebrtcTransportCounters;

/* Never returns NULL. A configuration whose DTLS session cannot be set up
 * (e.g. a malformed remote fingerprint) gives a transport that reports
 * closed("dtls_failed") from its first ss_webrtc_transport_handle_timeout(),
 * whose deadline is now_us. */
SsWebrtcTransport *ss_webrtc_transport_new (const SsWebrtcTransportConfig *config,
                                            const SsWebrtcTransportListener *listener,
                                            gpointer user_data,
                                            gint64 now_us);
void ss_webrtc_transport_free (SsWebrtcTransport *transport);

/* One datagram from the shared socket. data is writable: SRTP is removed in
 * place. */
void ss_webrtc_transport_receive (SsWebrtcTransport *transport,
                                  gint64 now_us,
                                  guint8 *data,
                                  gsize len,
                                  const struct sockaddr *from,
                                  socklen_t from_len);

/* Earliest time (µs, same clock as now_us) the transport wants
 * ss_webrtc_transport_handle_timeout(); G_MAXINT64 when none. */
gint64 ss_webrtc_transport_get_next_timeout (SsWebrtcTransport *transport);
void ss_webrtc_transport_handle_timeout (SsWebrtcTransport *transport,
                                         gint64 now_us);

/* Protects in place for sending; FALSE when not connected or on failure.
 * cap is the buffer capacity: SS_SRTP_MAX_RTP_OVERHEAD or
 * SS_SRTP_MAX_RTCP_OVERHEAD bytes past *len are always enough. */
gboolean ss_webrtc_transport_protect_rtp (SsWebrtcTransport *transport,
                                          guint8 *packet,
                                          gsize *len,
                                          gsize cap);
gboolean ss_webrtc_transport_protect_rtcp (SsWebrtcTransport *transport,
                                           guint8 *packet,
                                           gsize *len,
                                           gsize cap);

/* The selected remote address, NULL before the first valid check. */
const struct sockaddr *ss_webrtc_transport_get_remote_address (SsWebrtcTransport *transport,
                                                               socklen_t *len);
gboolean ss_webrtc_transport_is_connected (SsWebrtcTransport *transport);

/* The negotiated profile; 0 before the transport is connected. */
SsSrtpProfile ss_webrtc_transport_get_srtp_profile (SsWebrtcTransport *transport);

/* Sends DTLS close_notify and reports closed("closed"); nothing once the
 * transport is already closed. */
void ss_webrtc_transport_close (SsWebrtcTransport *transport);

const SsWebrtcTransportCounters *ss_webrtc_transport_get_counters (SsWebrtcTransport *transport);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsWebrtcTransport, ss_webrtc_transport_free)

G_END_DECLS
