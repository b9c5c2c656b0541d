/* One simulated WebRTC client of the relay: a UDP socket of its own, the
 * relay's transport code in the DTLS client role, the SDP offer it sends
 * and the answer it reads. Used for the publisher and for every
 * subscriber. */
#pragma once

#include <glib.h>
#include <netinet/in.h>

#include "transport/webrtc-transport.h"

G_BEGIN_DECLS

#define SS_BENCH_PEER_ERROR (ss_bench_peer_error_quark ())
GQuark ss_bench_peer_error_quark (void);

typedef enum {
  SS_BENCH_PEER_ERROR_SOCKET, /* the UDP socket cannot be set up */
  SS_BENCH_PEER_ERROR_ANSWER, /* the relay's answer lacks what is needed */
} SsBenchPeerError;

/* RTP payload types of the offers, as browsers number them. */
#define SS_BENCH_VIDEO_PT 96
#define SS_BENCH_AUDIO_PT 111

typedef enum {
  SS_BENCH_PEER_PUBLISHER, /* sendonly, with a=ssrc lines */
  SS_BENCH_PEER_SUBSCRIBER, /* recvonly */
} SsBenchPeerRole;

typedef struct _SsBenchPeer SsBenchPeer;

/* Calls from the transport. rtp and rtcp get decrypted packets; closed
 * gets the transport's reason. */
typedef struct {
  void (*rtp) (gpointer user_data, guint8 *packet, gsize len);
  void (*rtcp) (gpointer user_data, guint8 *packet, gsize len);
  void (*closed) (gpointer user_data, const char *reason);
} SsBenchPeerHandlers;

struct _SsBenchPeer {
  SsBenchPeerRole role;
  int fd;
  char ufrag[SS_ICE_UFRAG_LEN + 1];
  char pwd[SS_ICE_PWD_LEN + 1];

  /* From the answer. */
  char *relay_ufrag;
  char *relay_pwd;
  struct sockaddr_in relay_address;
  guint32 answer_video_ssrc; /* subscriber: the consumer SSRCs */
  guint32 answer_audio_ssrc;

  SsWebrtcTransport *transport;
  SsBenchPeerHandlers handlers;
  gpointer user_data;
  gboolean connected;
  gboolean closed;
  gint64 next_consent_us;

  guint64 datagrams_sent;
  guint64 send_failures;
};

/* Opens a non-blocking UDP socket on 127.0.0.1 and draws ICE credentials.
 * receive_buffer_bytes: SO_RCVBUF, or 0 for the system default. */
SsBenchPeer *ss_bench_peer_new (SsBenchPeerRole role,
                                int receive_buffer_bytes,
                                const SsBenchPeerHandlers *handlers,
                                gpointer user_data,
                                GError **error);
void ss_bench_peer_free (SsBenchPeer *peer);

/* The offer: BUNDLE of one video (VP8) and one audio (Opus) m-line,
 * rtcp-mux, this peer's ICE credentials, setup:active and the SHA-256
 * fingerprint of certificate. A publisher's offer names video_ssrc and
 * audio_ssrc. */
char *ss_bench_peer_build_offer (SsBenchPeer *peer,
                                 SsDtlsCertificate *certificate,
                                 guint32 video_ssrc,
                                 guint32 audio_ssrc);

/* Reads the relay's ICE credentials, fingerprint, first IPv4 UDP host
 * candidate and, for a subscriber, the SSRC of each m-line; then creates
 * the transport as DTLS client. srtp_profiles may be NULL. */
gboolean ss_bench_peer_apply_answer (SsBenchPeer *peer,
                                     const char *answer_sdp,
                                     SsDtlsCertificate *certificate,
                                     const char *srtp_profiles,
                                     gint64 now_us,
                                     GError **error);

/* Sends a nominating connectivity check to the relay and lets the local
 * transport start DTLS toward it. Called once after the answer; the same
 * again every few seconds keeps consent on both sides (RFC 7675). */
void ss_bench_peer_refresh_consent (SsBenchPeer *peer, gint64 now_us);

/* One datagram from the socket. */
void ss_bench_peer_receive (SsBenchPeer *peer,
                            gint64 now_us,
                            guint8 *data,
                            gsize len,
                            const struct sockaddr *from,
                            socklen_t from_len);

/* Runs the transport's timers (DTLS retransmission, consent) when due. */
void ss_bench_peer_handle_timeout (SsBenchPeer *peer, gint64 now_us);

/* Protects in place and sends to the relay; cap is the buffer capacity. */
gboolean ss_bench_peer_send_rtp (SsBenchPeer *peer, guint8 *packet, gsize len,
                                 gsize cap);
gboolean ss_bench_peer_send_rtcp (SsBenchPeer *peer, guint8 *packet,
                                  gsize len, gsize cap);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsBenchPeer, ss_bench_peer_free)

G_END_DECLS
