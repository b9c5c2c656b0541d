/* DTLS 1.2 (RFC 6347) with DTLS-SRTP (RFC 5764) over OpenSSL memory BIOs.
 *
 * Incoming datagrams are written into the read BIO and the handshake or
 * SSL_read runs over them; whatever OpenSSL wrote into the write BIO is cut
 * into datagrams of at most SS_DTLS_MTU bytes only after OpenSSL has
 * returned, so listener callbacks never run inside OpenSSL. Peers are
 * authenticated by the SHA-256 fingerprint of their self-signed
 * certificate from SDP (RFC 8122 section 5, RFC 8827 section 6.5), not by a
 * chain. The SRTP keys come from the exporter with the label
 * "EXTRACTOR-dtls_srtp" (RFC 5764 section 4.2).
 *
 * Retransmission: OpenSSL 3.0 keeps the flight timer (1 s, doubling up to
 * 60 s) on its own clock, gettimeofday(). After every call the remaining
 * time from DTLSv1_get_timeout() is added to now_us to give the next
 * deadline, and DTLSv1_handle_timeout() runs when the caller reports that
 * deadline.
 * NOTE: a step of the wall clock (NTP, manual change) lengthens or
 * shortens the retransmission interval that is running at the time. */
#define G_LOG_DOMAIN "ss-relay-dtls"

#include "transport/dtls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

G_DEFINE_QUARK (ss-dtls-error-quark, ss_dtls_error)

#define FINGERPRINT_LEN 32 /* SHA-256 */
#define CERTIFICATE_CN "shuangshi-relay"
#define CERTIFICATE_DAYS 30

/* RFC 6347 section 4.1: content type, version, epoch, sequence number,
 * then the 16-bit length of the fragment. */
#define RECORD_HEADER_LEN 13
#define RECORD_LENGTH_OFFSET 11

/* use_srtp extension type (RFC 5764 section 4.1.1). */

struct _SsDtlsCertificate {
  gatomicrefcount ref_count;
  X509 *x509;
  EVP_PKEY *key;
  char fingerprint[FINGERPRINT_LEN * 3];
  /* One context per role, shared by every session of the certificate.
   * SSL_CTX is safe to share between threads once set up. */
  SSL_CTX *server_context;
  SSL_CTX *client_context;
};

struct _SsDtlsSession {
  SsDtlsSessionListener listener;
  gpointer user_data;
  SsDtlsRole role;
  SsDtlsState state;
  SSL *ssl;
  BIO *read_bio;  /* owned by ssl */
  BIO *write_bio; /* owned by ssl */
  guint8 remote_fingerprint[FINGERPRINT_LEN];
  gboolean peer_verified;
  gboolean fingerprint_mismatch;
  gint64 retransmit_at_us; /* G_MAXINT64 when no flight is pending */
};

/* ---------------------------------------------------------------------
 * Certificate
 * --------------------------------------------------------------------- */

static int session_index = -1;

static gpointer
init_session_index (gpointer data)
{
  session_index = SSL_get_ex_new_index (0, NULL, NULL, NULL, NULL);
  if (session_index < 0)
    g_error ("OpenSSL SSL_get_ex_new_index failed");
  return NULL;
}

static void
ensure_session_index (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_session_index, NULL);
}

static void
set_openssl_error (GError **error, SsDtlsError code, const char *what)
{
  char detail[256] = "no OpenSSL error queued";
  unsigned long openssl_error = ERR_get_error ();

  if (openssl_error != 0)
    ERR_error_string_n (openssl_error, detail, sizeof detail);
  ERR_clear_error ();

  g_set_error (error, SS_DTLS_ERROR, code, "%s failed: %s", what, detail);
}

static gboolean
set_random_serial (X509 *x509)
{
  BIGNUM *serial = BN_new ();
  gboolean ok = serial != NULL
                && BN_rand (serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)
                && BN_to_ASN1_INTEGER (serial, X509_get_serialNumber (x509))
                     != NULL;

  BN_free (serial);
  return ok;
}

static gboolean
fill_certificate (X509 *x509, EVP_PKEY *key)
{
  X509_NAME *name = X509_get_subject_name (x509);

  return X509_set_version (x509, 2) /* v3 */
         && set_random_serial (x509)
         && X509_gmtime_adj (X509_getm_notBefore (x509), -24 * 3600) != NULL
         && X509_gmtime_adj (X509_getm_notAfter (x509),
                             (long) CERTIFICATE_DAYS * 24 * 3600) != NULL
         && X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
                                        (const unsigned char *) CERTIFICATE_CN,
                                        -1, -1, 0)
         && X509_set_issuer_name (x509, name)
         && X509_set_pubkey (x509, key)
         && X509_sign (x509, key, EVP_sha256 ()) > 0;
}

static void
format_fingerprint (const guint8 *digest, char *out)
{
  static const char hex[] = "0123456789ABCDEF";

  for (gsize i = 0; i < FINGERPRINT_LEN; i++)
    {
      out[i * 3] = hex[digest[i] >> 4];
      out[i * 3 + 1] = hex[digest[i] & 15];
      out[i * 3 + 2] = i + 1 < FINGERPRINT_LEN ? ':' : '\0';
    }
}

static int verify_peer_certificate (X509_STORE_CTX *store, void *arg);

static SSL_CTX *
create_context (SsDtlsCertificate *certificate, SsDtlsRole role, GError **error)
{
  SSL_CTX *context = SSL_CTX_new (DTLS_method ());

  if (context == NULL)
    {
      set_openssl_error (error, SS_DTLS_ERROR_FAILED, "SSL_CTX_new");
      return NULL;
    }

  /* DTLS 1.2 only, also with clients that support DTLS 1.3. Chromium 156
   * lists DTLS 1.3 and 1.2 in its ClientHello's supported_versions. An
   * OpenSSL 3.0 DTLS server ignores that extension and takes the version
   * from legacy_version, which a DTLS 1.3 client sets to DTLS 1.2 (RFC 9147
   * section 5.3). tests/integration/test-relay-chromium.c checks that
   * Chromium then connects with DTLS 1.2.
   * SSL_CTX_set_tlsext_use_srtp() returns 0 on success. */
  if (!SSL_CTX_set_min_proto_version (context, DTLS1_2_VERSION)
      || !SSL_CTX_set_max_proto_version (context, DTLS1_2_VERSION)
      || SSL_CTX_use_certificate (context, certificate->x509) != 1
      || SSL_CTX_use_PrivateKey (context, certificate->key) != 1
      || SSL_CTX_check_private_key (context) != 1
      || SSL_CTX_set_tlsext_use_srtp (context, SS_DTLS_DEFAULT_SRTP_PROFILES)
           != 0)
    {
      set_openssl_error (error, SS_DTLS_ERROR_FAILED, "DTLS context set-up");
      SSL_CTX_free (context);
      return NULL;
    }

  /* Both sides must send a certificate, and its fingerprint is checked in
   * place of a chain. Sessions are never resumed, so nothing is cached. */
  SSL_CTX_set_verify (context,
                      SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_cert_verify_callback (context, verify_peer_certificate, NULL);
  SSL_CTX_set_session_cache_mode (context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options (context, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU);

  /* After the handshake DTLS carries nothing but a rare alert, so each
   * session's record buffers (some 17 KB each way in OpenSSL 3) are given
   * back while idle rather than held for the whole lesson. */
  SSL_CTX_set_mode (context, SSL_MODE_RELEASE_BUFFERS);

  /* As server, OpenSSL takes the first profile of its own list that the
   * client also offers, which RFC 5764 section 4.1.2 leaves to the server.
   * The list puts AES-GCM first: with Debian 12's libsrtp2 it costs well
   * under half the CPU per packet of AES-CM with HMAC-SHA1 (bench/RESULTS.md).
   * webrtcbin in GStreamer 1.22 offers only AES-CM and gets it; browsers
   * offer both. */

  return context;
}

SsDtlsCertificate *
ss_dtls_certificate_new (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr (SsDtlsCertificate) certificate = g_new0 (SsDtlsCertificate, 1);
  g_atomic_ref_count_init (&certificate->ref_count);

  certificate->key = EVP_EC_gen ("P-256");
  certificate->x509 = X509_new ();
  if (certificate->key == NULL || certificate->x509 == NULL
      || !fill_certificate (certificate->x509, certificate->key))
    {
      set_openssl_error (error, SS_DTLS_ERROR_CERTIFICATE,
                         "ECDSA P-256 self-signed certificate generation");
      return NULL;
    }

  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (!X509_digest (certificate->x509, EVP_sha256 (), digest, &digest_len)
      || digest_len != FINGERPRINT_LEN)
    {
      set_openssl_error (error, SS_DTLS_ERROR_CERTIFICATE,
                         "certificate SHA-256 fingerprint");
      return NULL;
    }
  format_fingerprint (digest, certificate->fingerprint);

  certificate->server_context = create_context (certificate,
                                                SS_DTLS_ROLE_SERVER, error);
  if (certificate->server_context == NULL)
    return NULL;
  certificate->client_context = create_context (certificate,
                                                SS_DTLS_ROLE_CLIENT, error);
  if (certificate->client_context == NULL)
    return NULL;

  return g_steal_pointer (&certificate);
}

SsDtlsCertificate *
ss_dtls_certificate_ref (SsDtlsCertificate *certificate)
{
  g_return_val_if_fail (certificate != NULL, NULL);

  g_atomic_ref_count_inc (&certificate->ref_count);
  return certificate;
}

void
ss_dtls_certificate_unref (SsDtlsCertificate *certificate)
{
  if (certificate == NULL)
    return;
  if (!g_atomic_ref_count_dec (&certificate->ref_count))
    return;

  SSL_CTX_free (certificate->server_context);
  SSL_CTX_free (certificate->client_context);
  X509_free (certificate->x509);
  EVP_PKEY_free (certificate->key);
  g_free (certificate);
}

const char *
ss_dtls_certificate_get_fingerprint (SsDtlsCertificate *certificate)
{
  g_return_val_if_fail (certificate != NULL, NULL);

  return certificate->fingerprint;
}

/* ---------------------------------------------------------------------
 * Peer authentication and profile choice, called from inside OpenSSL
 * --------------------------------------------------------------------- */

static SsDtlsSession *
session_from_ssl (SSL *ssl)
{
  return ssl != NULL ? SSL_get_ex_data (ssl, session_index) : NULL;
}

/* Replaces OpenSSL's chain verification: the leaf certificate must hash to
 * the fingerprint from SDP, and nothing else is checked (the certificates
 * are self-signed). Returning 0 makes OpenSSL send a bad_certificate alert
 * and fail the handshake. */
static int
verify_peer_certificate (X509_STORE_CTX *store, void *arg)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data (store,
                                         SSL_get_ex_data_X509_STORE_CTX_idx ());
  SsDtlsSession *session = session_from_ssl (ssl);
  X509 *peer = X509_STORE_CTX_get0_cert (store);
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;

  if (session == NULL || peer == NULL)
    return 0;

  if (!X509_digest (peer, EVP_sha256 (), digest, &digest_len)
      || digest_len != FINGERPRINT_LEN
      || CRYPTO_memcmp (digest, session->remote_fingerprint, FINGERPRINT_LEN)
           != 0)
    {
      session->fingerprint_mismatch = TRUE;
      X509_STORE_CTX_set_error (store, X509_V_ERR_APPLICATION_VERIFICATION);
      return 0;
    }

  session->peer_verified = TRUE;
  return 1;
}

/* ---------------------------------------------------------------------
 * Session
 * --------------------------------------------------------------------- */

/* "AB:CD:..." (either case) into 32 bytes. */
static gboolean
parse_fingerprint (const char *text, guint8 *out)
{
  if (text == NULL || strlen (text) != FINGERPRINT_LEN * 3 - 1)
    return FALSE;

  for (gsize i = 0; i < FINGERPRINT_LEN; i++)
    {
      int high = g_ascii_xdigit_value (text[i * 3]);
      int low = g_ascii_xdigit_value (text[i * 3 + 1]);
      char separator = text[i * 3 + 2];

      if (high < 0 || low < 0)
        return FALSE;
      if (i + 1 < FINGERPRINT_LEN && separator != ':')
        return FALSE;
      out[i] = (guint8) ((high << 4) | low);
    }
  return TRUE;
}

SsDtlsSession *
ss_dtls_session_new (const SsDtlsSessionConfig *config,
                     const SsDtlsSessionListener *listener,
                     gpointer user_data,
                     GError **error)
{
  g_return_val_if_fail (config != NULL && config->certificate != NULL, NULL);
  g_return_val_if_fail (listener != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_session_index ();

  g_autoptr (SsDtlsSession) session = g_new0 (SsDtlsSession, 1);
  session->listener = *listener;
  session->user_data = user_data;
  session->role = config->role;
  session->state = SS_DTLS_STATE_NEW;
  session->retransmit_at_us = G_MAXINT64;

  if (!parse_fingerprint (config->remote_fingerprint,
                          session->remote_fingerprint))
    {
      g_set_error (error, SS_DTLS_ERROR, SS_DTLS_ERROR_FINGERPRINT,
                   "invalid remote fingerprint \"%s\": expected 32 hex pairs "
                   "separated by colons (sha-256)",
                   config->remote_fingerprint ? config->remote_fingerprint
                                              : "(null)");
      return NULL;
    }

  SsDtlsCertificate *certificate = config->certificate;
  SSL_CTX *context = config->role == SS_DTLS_ROLE_SERVER
                       ? certificate->server_context
                       : certificate->client_context;

  session->ssl = SSL_new (context);
  session->read_bio = BIO_new (BIO_s_mem ());
  session->write_bio = BIO_new (BIO_s_mem ());
  if (session->ssl == NULL || session->read_bio == NULL
      || session->write_bio == NULL)
    {
      BIO_free (session->read_bio);
      BIO_free (session->write_bio);
      session->read_bio = session->write_bio = NULL;
      set_openssl_error (error, SS_DTLS_ERROR_FAILED, "SSL_new");
      return NULL;
    }

  /* An empty memory BIO must read as "try again", not as end of file. */
  BIO_set_mem_eof_return (session->read_bio, -1);
  BIO_set_mem_eof_return (session->write_bio, -1);
  SSL_set_bio (session->ssl, session->read_bio, session->write_bio);
  SSL_set_ex_data (session->ssl, session_index, session);

  /* SSL_OP_NO_QUERY_MTU (set on the context) keeps OpenSSL from asking the
   * BIO, so records and flights fit SS_DTLS_MTU. */
  DTLS_set_link_mtu (session->ssl, SS_DTLS_MTU);

  if (config->srtp_profiles != NULL
      && SSL_set_tlsext_use_srtp (session->ssl, config->srtp_profiles) != 0)
    {
      set_openssl_error (error, SS_DTLS_ERROR_FAILED, "SRTP profile list");
      return NULL;
    }

  if (config->role == SS_DTLS_ROLE_SERVER)
    SSL_set_accept_state (session->ssl);
  else
    SSL_set_connect_state (session->ssl);

  return g_steal_pointer (&session);
}

void
ss_dtls_session_free (SsDtlsSession *session)
{
  if (session == NULL)
    return;

  /* SSL_free frees both BIOs. */
  SSL_free (session->ssl);
  g_free (session);
}

SsDtlsState
ss_dtls_session_get_state (SsDtlsSession *session)
{
  g_return_val_if_fail (session != NULL, SS_DTLS_STATE_FAILED);

  return session->state;
}

gint64
ss_dtls_session_get_next_timeout (SsDtlsSession *session)
{
  g_return_val_if_fail (session != NULL, G_MAXINT64);

  return session->retransmit_at_us;
}

static gsize
record_length_at (const guint8 *data, gsize available)
{
  if (available < RECORD_HEADER_LEN)
    return available;

  gsize fragment_len = ((gsize) data[RECORD_LENGTH_OFFSET] << 8)
                       | data[RECORD_LENGTH_OFFSET + 1];
  return MIN (RECORD_HEADER_LEN + fragment_len, available);
}

/* Sends what OpenSSL wrote: whole records, packed into datagrams of at
 * most SS_DTLS_MTU bytes (RFC 6347 section 4.1.1 allows several records
 * per datagram). OpenSSL sizes each record to the MTU, so a record never
 * has to be split. */
static void
flush_output (SsDtlsSession *session)
{
  BUF_MEM *pending = NULL;

  BIO_get_mem_ptr (session->write_bio, &pending);
  if (pending == NULL || pending->length == 0)
    return;

  const guint8 *data = (const guint8 *) pending->data;
  gsize total = pending->length;
  gsize datagram_start = 0;
  gsize offset = 0;

  while (offset < total)
    {
      gsize record_len = record_length_at (data + offset, total - offset);

      if (offset > datagram_start
          && offset + record_len - datagram_start > SS_DTLS_MTU)
        {
          session->listener.send (session->user_data, data + datagram_start,
                                  offset - datagram_start);
          datagram_start = offset;
        }
      offset += record_len;
    }
  session->listener.send (session->user_data, data + datagram_start,
                          total - datagram_start);

  (void) BIO_reset (session->write_bio);
}

static void
update_retransmit_deadline (SsDtlsSession *session, gint64 now_us)
{
  struct timeval remaining;

  if (session->state != SS_DTLS_STATE_CONNECTING
      || DTLSv1_get_timeout (session->ssl, &remaining) != 1)
    {
      session->retransmit_at_us = G_MAXINT64;
      return;
    }

  session->retransmit_at_us = now_us
                              + (gint64) remaining.tv_sec * G_USEC_PER_SEC
                              + remaining.tv_usec;
}

static void
fail (SsDtlsSession *session, const char *reason)
{
  if (session->state == SS_DTLS_STATE_FAILED
      || session->state == SS_DTLS_STATE_CLOSED)
    return;

  session->state = SS_DTLS_STATE_FAILED;
  session->retransmit_at_us = G_MAXINT64;
  session->listener.failed (session->user_data, reason);
}

/* Logs and clears OpenSSL's error queue at debug level: the session only
 * reports a short reason, and the detail helps when debugging a peer. */
static void
log_openssl_errors (const char *context)
{
  unsigned long openssl_error;
  char detail[256];

  while ((openssl_error = ERR_get_error ()) != 0)
    {
      ERR_error_string_n (openssl_error, detail, sizeof detail);
      g_debug ("%s: %s", context, detail);
    }
}

static gboolean
export_srtp_keys (SsDtlsSession *session, SsSrtpKeys *keys)
{
  SRTP_PROTECTION_PROFILE *selected = SSL_get_selected_srtp_profile (
    session->ssl);

  if (selected == NULL)
    return FALSE;

  SsSrtpProfile profile = (SsSrtpProfile) selected->id;
  gsize key_and_salt = ss_srtp_profile_get_key_len (profile);
  if (key_and_salt == 0)
    return FALSE;

  /* RFC 5764 section 4.2: client key, server key, client salt, server
   * salt. Master keys are 16 bytes for both profiles. */
  const gsize key_len = 16;
  gsize salt_len = key_and_salt - key_len;
  guint8 material[2 * SS_SRTP_MAX_KEY_LEN];
  static const char label[] = "EXTRACTOR-dtls_srtp";

  if (SSL_export_keying_material (session->ssl, material, 2 * key_and_salt,
                                  label, strlen (label), NULL, 0, 0)
      != 1)
    return FALSE;

  const guint8 *client_key = material;
  const guint8 *server_key = material + key_len;
  const guint8 *client_salt = material + 2 * key_len;
  const guint8 *server_salt = client_salt + salt_len;
  gboolean is_server = session->role == SS_DTLS_ROLE_SERVER;

  *keys = (SsSrtpKeys) {
    .profile = profile,
    .key_len = key_and_salt,
  };
  memcpy (keys->local_key, is_server ? server_key : client_key, key_len);
  memcpy (keys->local_key + key_len, is_server ? server_salt : client_salt,
          salt_len);
  memcpy (keys->remote_key, is_server ? client_key : server_key, key_len);
  memcpy (keys->remote_key + key_len, is_server ? client_salt : server_salt,
          salt_len);

  OPENSSL_cleanse (material, sizeof material);
  return TRUE;
}

static void
finish_handshake (SsDtlsSession *session)
{
  SsSrtpKeys keys;

  /* verify_peer_certificate() ran during the handshake, so this only guards
   * against a handshake that somehow skipped it. */
  if (!session->peer_verified)
    {
      fail (session, "peer certificate was not verified");
      return;
    }

  if (!export_srtp_keys (session, &keys))
    {
      fail (session, "no common DTLS-SRTP profile negotiated");
      return;
    }

  session->state = SS_DTLS_STATE_CONNECTED;
  session->retransmit_at_us = G_MAXINT64;
  session->listener.connected (session->user_data, &keys);
  OPENSSL_cleanse (&keys, sizeof keys);
}

static void
advance_handshake (SsDtlsSession *session)
{
  int ret = SSL_do_handshake (session->ssl);

  if (ret == 1)
    {
      flush_output (session);
      finish_handshake (session);
      return;
    }

  int ssl_error = SSL_get_error (session->ssl, ret);
  if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE)
    {
      flush_output (session);
      return;
    }

  /* The alert OpenSSL queued for the peer still goes out. */
  log_openssl_errors ("DTLS handshake");
  flush_output (session);
  fail (session, session->fingerprint_mismatch
                   ? "peer certificate fingerprint mismatch"
                   : "DTLS handshake failed");
}

/* After the handshake only alerts, a retransmitted final flight (which
 * OpenSSL answers by itself) or application data can arrive. WebRTC data
 * channels are not offered, so application data is dropped. */
static void
read_after_handshake (SsDtlsSession *session)
{
  guint8 scratch[2048];

  for (;;)
    {
      int ret = SSL_read (session->ssl, scratch, sizeof scratch);

      if (ret > 0)
        {
          g_debug ("dropped %d bytes of DTLS application data", ret);
          continue;
        }

      int ssl_error = SSL_get_error (session->ssl, ret);
      flush_output (session);

      if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE)
        return;

      if (ssl_error == SSL_ERROR_ZERO_RETURN)
        {
          session->state = SS_DTLS_STATE_CLOSED;
          session->listener.closed (session->user_data);
          return;
        }

      log_openssl_errors ("DTLS read");
      fail (session, "DTLS fatal alert or record error");
      return;
    }
}

void
ss_dtls_session_start (SsDtlsSession *session, gint64 now_us)
{
  g_return_if_fail (session != NULL);

  if (session->state != SS_DTLS_STATE_NEW)
    return;

  session->state = SS_DTLS_STATE_CONNECTING;
  if (session->role == SS_DTLS_ROLE_CLIENT)
    advance_handshake (session);
  update_retransmit_deadline (session, now_us);
}

void
ss_dtls_session_receive (SsDtlsSession *session,
                         gint64 now_us,
                         const guint8 *data,
                         gsize len)
{
  g_return_if_fail (session != NULL);

  if (data == NULL || len == 0 || len > G_MAXINT)
    return;
  if (session->state == SS_DTLS_STATE_FAILED
      || session->state == SS_DTLS_STATE_CLOSED)
    return;

  if (session->state == SS_DTLS_STATE_NEW)
    session->state = SS_DTLS_STATE_CONNECTING;

  if (BIO_write (session->read_bio, data, (int) len) != (int) len)
    {
      fail (session, "cannot buffer a DTLS datagram");
      return;
    }

  if (session->state == SS_DTLS_STATE_CONNECTING)
    advance_handshake (session);
  if (session->state == SS_DTLS_STATE_CONNECTED)
    read_after_handshake (session);

  /* Whatever OpenSSL left unread belongs to this datagram only. */
  (void) BIO_reset (session->read_bio);
  update_retransmit_deadline (session, now_us);
}

void
ss_dtls_session_handle_timeout (SsDtlsSession *session, gint64 now_us)
{
  g_return_if_fail (session != NULL);

  if (session->state != SS_DTLS_STATE_CONNECTING
      || now_us < session->retransmit_at_us)
    return;

  /* DTLSv1_handle_timeout() returns 0 when OpenSSL's own clock says the
   * timer has not expired yet. The deadline is then refreshed from the
   * remaining time. */
  if (DTLSv1_handle_timeout (session->ssl) < 0)
    {
      log_openssl_errors ("DTLS retransmission");
      flush_output (session);
      fail (session, "DTLS handshake timed out after retransmissions");
      return;
    }

  flush_output (session);
  update_retransmit_deadline (session, now_us);
}

void
ss_dtls_session_close (SsDtlsSession *session)
{
  g_return_if_fail (session != NULL);

  SsDtlsState previous = session->state;

  session->state = SS_DTLS_STATE_CLOSED;
  session->retransmit_at_us = G_MAXINT64;

  if (previous != SS_DTLS_STATE_CONNECTING
      && previous != SS_DTLS_STATE_CONNECTED)
    return;

  /* One call queues close_notify. The peer's reply is not awaited. */
  (void) SSL_shutdown (session->ssl);
  ERR_clear_error ();
  flush_output (session);
}
