/* SRTP and SRTCP (RFC 3711, RFC 7714 for AES-GCM) for one peer, with the
 * keys that DTLS-SRTP exported (RFC 5764 section 4.2). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_SRTP_ERROR (ss_srtp_error_quark ())
GQuark ss_srtp_error_quark (void);

typedef enum {
  SS_SRTP_ERROR_BAD_KEYS, /* unknown profile or wrong key length */
  SS_SRTP_ERROR_FAILED,   /* libsrtp2 could not create the session */
} SsSrtpError;

/* DTLS-SRTP protection profile ids, from the IANA registry of RFC 5764
 * section 4.1.2 and RFC 7714 section 14.2. */
typedef enum {
  SS_SRTP_PROFILE_AES128_CM_SHA1_80 = 1,
  SS_SRTP_PROFILE_AEAD_AES_128_GCM = 7,
} SsSrtpProfile;

/* Master key followed by master salt: 16 + 14 bytes for AES128_CM_SHA1_80,
 * 16 + 12 bytes for AEAD_AES_128_GCM. */
#define SS_SRTP_MAX_KEY_LEN 32

/* The keys of both directions. local_key protects what this side sends,
 * remote_key removes the peer's protection. key_len is the length of each
 * (key plus salt). */
typedef struct {
  SsSrtpProfile profile;
  guint8 local_key[SS_SRTP_MAX_KEY_LEN];
  guint8 remote_key[SS_SRTP_MAX_KEY_LEN];
  gsize key_len;
} SsSrtpKeys;

/* Bytes that protect adds: the authentication tag for RTP, and the SRTCP
 * index plus the tag for RTCP. The maximum over both profiles, for sizing
 * buffers. */
#define SS_SRTP_MAX_RTP_OVERHEAD 16
#define SS_SRTP_MAX_RTCP_OVERHEAD (4 + 16)

/* Returns the key plus salt length of a profile, or 0 for an unknown one. */
gsize ss_srtp_profile_get_key_len (SsSrtpProfile profile);
/* The profile name as in RFC 5764 and the use_srtp extension, or NULL. */
const char *ss_srtp_profile_to_string (SsSrtpProfile profile);

typedef struct _SsSrtpSession SsSrtpSession;

/* One inbound context for every SSRC the peer sends and one outbound
 * context for every SSRC this side sends. libsrtp2 adds a stream to the
 * outbound context the first time it protects an SSRC. The replay window
 * holds 1024 packets so retransmissions (RFC 4588 without RTX, on the
 * original SSRC) still pass, and a packet may be protected twice. */
SsSrtpSession *ss_srtp_session_new (const SsSrtpKeys *keys, GError **error);
void ss_srtp_session_free (SsSrtpSession *session);

SsSrtpProfile ss_srtp_session_get_profile (SsSrtpSession *session);

/* Protects in place: *len grows by the tag (RTP) or by the SRTCP index and
 * the tag (RTCP). cap is the buffer capacity. Returns FALSE when the room
 * is missing or libsrtp2 fails, and the packet is then unusable. */
gboolean ss_srtp_protect_rtp (SsSrtpSession *session,
                              guint8 *packet,
                              gsize *len,
                              gsize cap);
gboolean ss_srtp_protect_rtcp (SsSrtpSession *session,
                               guint8 *packet,
                               gsize *len,
                               gsize cap);

/* Authenticates and decrypts in place, so *len shrinks. FALSE on a bad tag, a
 * replay, a packet too short to hold a header and a tag, or any other
 * libsrtp2 error. */
gboolean ss_srtp_unprotect_rtp (SsSrtpSession *session,
                                guint8 *packet,
                                gsize *len);
gboolean ss_srtp_unprotect_rtcp (SsSrtpSession *session,
                                 guint8 *packet,
                                 gsize *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsSrtpSession, ss_srtp_session_free)

G_END_DECLS
