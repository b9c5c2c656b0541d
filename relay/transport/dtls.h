/* DTLS 1.2 (RFC 6347) with the DTLS-SRTP extension (RFC 5764) for one
 * peer, through OpenSSL memory BIOs: records in and out are byte buffers,
 * and time comes in as now_us. */
#pragma once

#include <glib.h>

#include "transport/srtp.h"

G_BEGIN_DECLS

#define SS_DTLS_ERROR (ss_dtls_error_quark ())
GQuark ss_dtls_error_quark (void);

typedef enum {
  SS_DTLS_ERROR_CERTIFICATE, /* key or certificate generation failed */
  SS_DTLS_ERROR_FINGERPRINT, /* the remote fingerprint is not SHA-256 hex */
  SS_DTLS_ERROR_FAILED,      /* any other OpenSSL failure */
} SsDtlsError;

/* Largest DTLS datagram this side sends (record headers included). */
#define SS_DTLS_MTU 1200

/* Time a handshake may take after ICE has let it start, in µs. */
#define SS_DTLS_HANDSHAKE_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* The relay's identity in DTLS: a key pair and its self-signed certificate,
 * shared by every transport of a relay, on any thread. Immutable after
 * creation. */
typedef struct _SsDtlsCertificate SsDtlsCertificate;

/* Generates an ECDSA P-256 key and a self-signed certificate with a random
 * serial number, CN "shuangshi-relay", valid from a day ago (for peers whose
 * clocks run behind) until 30 days from now. */
SsDtlsCertificate *ss_dtls_certificate_new (GError **error);
SsDtlsCertificate *ss_dtls_certificate_ref (SsDtlsCertificate *certificate);
void ss_dtls_certificate_unref (SsDtlsCertificate *certificate);

/* SHA-256 of the DER certificate as uppercase hex pairs separated by
 * colons, the value of an SDP "a=fingerprint:sha-256" line (RFC 8122
 * section 5). Owned by the certificate. */
const char *ss_dtls_certificate_get_fingerprint (SsDtlsCertificate *certificate);

typedef enum {
  SS_DTLS_ROLE_SERVER, /* the relay: waits for the ClientHello */
  SS_DTLS_ROLE_CLIENT, /* the peer's role, used by the unit tests */
} SsDtlsRole;

typedef enum {
  SS_DTLS_STATE_NEW,        /* nothing sent or received yet */
  SS_DTLS_STATE_CONNECTING, /* handshake in progress */
  SS_DTLS_STATE_CONNECTED,  /* handshake done, SRTP keys exported */
  SS_DTLS_STATE_FAILED,     /* handshake failure, bad fingerprint, fatal alert */
  SS_DTLS_STATE_CLOSED,     /* close_notify sent or received */
} SsDtlsState;

/* DTLS-SRTP profiles offered, in order of preference. The server picks the
 * first one of the client's list that it supports. */
#define SS_DTLS_DEFAULT_SRTP_PROFILES \
  "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

typedef struct _SsDtlsSession SsDtlsSession;

/* Callbacks run from ss_dtls_session_start(), _receive(),
 * _handle_timeout() and _close(), after OpenSSL has returned. None of them
 * may free the session. */
typedef struct {
  /* One datagram of DTLS records, at most SS_DTLS_MTU bytes. */
  void (*send) (gpointer user_data, const guint8 *data, gsize len);
  /* The handshake is done and the peer's certificate matched. */
  void (*connected) (gpointer user_data, const SsSrtpKeys *keys);
  /* The session is unusable. reason is English, for logs. Called once. */
  void (*failed) (gpointer user_data, const char *reason);
  /* The peer sent close_notify. */
  void (*closed) (gpointer user_data);
} SsDtlsSessionListener;

typedef struct {
  SsDtlsCertificate *certificate;
  SsDtlsRole role;
  /* The peer's "a=fingerprint:sha-256" value, e.g. "AB:CD:...". Only
   * SHA-256 is accepted. */
  const char *remote_fingerprint;
  /* OpenSSL use_srtp profile list, or NULL for
   * SS_DTLS_DEFAULT_SRTP_PROFILES. Only the client's list decides the
   * order. */
  const char *srtp_profiles;
} SsDtlsSessionConfig;

SsDtlsSession *ss_dtls_session_new (const SsDtlsSessionConfig *config,
                                    const SsDtlsSessionListener *listener,
                                    gpointer user_data,
                                    GError **error);
void ss_dtls_session_free (SsDtlsSession *session);

/* Starts the handshake. A client sends its ClientHello, and a server only
 * moves to CONNECTING. */
void ss_dtls_session_start (SsDtlsSession *session, gint64 now_us);

/* One datagram of DTLS records from the peer. */
void ss_dtls_session_receive (SsDtlsSession *session,
                              gint64 now_us,
                              const guint8 *data,
                              gsize len);

/* Returns when the current flight must be sent again (RFC 6347 section
 * 4.2.4) in the now_us clock, or G_MAXINT64 when no flight is pending. */
gint64 ss_dtls_session_get_next_timeout (SsDtlsSession *session);
void ss_dtls_session_handle_timeout (SsDtlsSession *session, gint64 now_us);

/* Sends close_notify when a handshake was started, and moves to CLOSED. */
void ss_dtls_session_close (SsDtlsSession *session);

SsDtlsState ss_dtls_session_get_state (SsDtlsSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsDtlsCertificate, ss_dtls_certificate_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsDtlsSession, ss_dtls_session_free)

G_END_DECLS
