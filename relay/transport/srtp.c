/* SRTP for one peer with libsrtp2: an inbound context keyed with the
 * peer's exported key (ssrc_any_inbound) and an outbound context keyed with
 * ours (ssrc_any_outbound), so one session covers every SSRC in each
 * direction. Profiles: AES128_CM_HMAC_SHA1_80 (RFC 3711 section 8.2 and
 * RFC 5764 section 4.1.2) and AEAD_AES_128_GCM with a 16-byte tag
 * (RFC 7714 section 12). No clock and no allocation per packet: libsrtp2
 * allocates only when the outbound context meets a new SSRC. */
#define G_LOG_DOMAIN "ss-relay-srtp"

#include "transport/srtp.h"

#include <srtp2/srtp.h>
#include <string.h>

G_DEFINE_QUARK (ss-srtp-error-quark, ss_srtp_error)

/* RFC 3711 section 3.3.2 defaults to 64 packets and libsrtp2 to 128. A
 * retransmission on the original SSRC can arrive after hundreds of newer
 * packets, so the window is 1024 packets. */
#define REPLAY_WINDOW_PACKETS 1024

struct _SsSrtpSession {
  SsSrtpProfile profile;
  srtp_t inbound;
  srtp_t outbound;
  gsize rtp_overhead;  /* auth tag */
  gsize rtcp_overhead; /* E flag + SRTCP index, then the auth tag */
};

static gpointer
init_libsrtp (gpointer data)
{
  srtp_err_status_t status = srtp_init ();

  /* libsrtp2 2.5 has one process-wide crypto kernel. When another user in
   * the process (GStreamer's srtp plugin, for one) initialised it first,
   * srtp_init() fails with srtp_err_status_bad_param while registering its
   * debug module, yet the kernel works; a truly broken kernel makes
   * srtp_create() fail, which every session checks. */
  if (status != srtp_err_status_ok)
    g_info ("srtp_init returned status %d; libsrtp2 was already initialised "
            "in this process", (int) status);

  return NULL;
}

static void
ensure_libsrtp (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_libsrtp, NULL);
}

gsize
ss_srtp_profile_get_key_len (SsSrtpProfile profile)
{
  switch (profile)
    {
    case SS_SRTP_PROFILE_AES128_CM_SHA1_80:
      return SRTP_AES_ICM_128_KEY_LEN_WSALT;
    case SS_SRTP_PROFILE_AEAD_AES_128_GCM:
      return SRTP_AES_GCM_128_KEY_LEN_WSALT;
    default:
      return 0;
    }
}

const char *
ss_srtp_profile_to_string (SsSrtpProfile profile)
{
  switch (profile)
    {
    case SS_SRTP_PROFILE_AES128_CM_SHA1_80:
      return "SRTP_AES128_CM_SHA1_80";
    case SS_SRTP_PROFILE_AEAD_AES_128_GCM:
      return "SRTP_AEAD_AES_128_GCM";
    default:
      return NULL;
    }
}

static void
set_crypto_policies (SsSrtpProfile profile, srtp_policy_t *policy)
{
  if (profile == SS_SRTP_PROFILE_AEAD_AES_128_GCM)
    {
      srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtcp);
    }
  else
    {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtcp);
    }
}

static gboolean
create_context (SsSrtpProfile profile,
                srtp_ssrc_type_t ssrc_type,
                const guint8 *key,
                srtp_t *context,
                GError **error)
{
  /* libsrtp2 copies the key material while srtp_create() runs. */
  guint8 key_copy[SS_SRTP_MAX_KEY_LEN];
  srtp_policy_t policy;

  memset (&policy, 0, sizeof policy);
  memcpy (key_copy, key, sizeof key_copy);
  set_crypto_policies (profile, &policy);
  policy.ssrc.type = ssrc_type;
  policy.key = key_copy;
  policy.window_size = REPLAY_WINDOW_PACKETS;
  policy.allow_repeat_tx = 1;

  srtp_err_status_t status = srtp_create (context, &policy);
  memset (key_copy, 0, sizeof key_copy);

  if (status != srtp_err_status_ok)
    {
      *context = NULL;
      g_set_error (error, SS_SRTP_ERROR, SS_SRTP_ERROR_FAILED,
                   "libsrtp2 srtp_create failed for %s (status %d)",
                   ss_srtp_profile_to_string (profile), (int) status);
      return FALSE;
    }
  return TRUE;
}

SsSrtpSession *
ss_srtp_session_new (const SsSrtpKeys *keys, GError **error)
{
  g_return_val_if_fail (keys != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  gsize expected_len = ss_srtp_profile_get_key_len (keys->profile);
  if (expected_len == 0 || keys->key_len != expected_len)
    {
      g_set_error (error, SS_SRTP_ERROR, SS_SRTP_ERROR_BAD_KEYS,
                   "invalid SRTP keys: profile %d with %zu bytes of key and "
                   "salt (expected %zu)", (int) keys->profile, keys->key_len,
                   expected_len);
      return NULL;
    }

  ensure_libsrtp ();

  g_autoptr (SsSrtpSession) session = g_new0 (SsSrtpSession, 1);
  session->profile = keys->profile;

  if (keys->profile == SS_SRTP_PROFILE_AEAD_AES_128_GCM)
    {
      session->rtp_overhead = 16;
      session->rtcp_overhead = 4 + 16;
    }
  else
    {
      session->rtp_overhead = 10;
      session->rtcp_overhead = 4 + 10;
    }

  if (!create_context (keys->profile, ssrc_any_inbound, keys->remote_key,
                       &session->inbound, error))
    return NULL;
  if (!create_context (keys->profile, ssrc_any_outbound, keys->local_key,
                       &session->outbound, error))
    return NULL;

  return g_steal_pointer (&session);
}

void
ss_srtp_session_free (SsSrtpSession *session)
{
  if (session == NULL)
    return;

  if (session->inbound != NULL)
    srtp_dealloc (session->inbound);
  if (session->outbound != NULL)
    srtp_dealloc (session->outbound);
  g_free (session);
}

SsSrtpProfile
ss_srtp_session_get_profile (SsSrtpSession *session)
{
  g_return_val_if_fail (session != NULL, 0);

  return session->profile;
}

/* libsrtp2 takes the length as an int and, without MKI, writes exactly the
 * overhead past the end (the header's wider SRTP_MAX_TRAILER_LEN warning
 * covers MKI, which DTLS-SRTP here does not negotiate). */
static gboolean
fits_protect (gsize len, gsize cap, gsize overhead)
{
  return len <= G_MAXINT - overhead && cap >= len + overhead;
}

gboolean
ss_srtp_protect_rtp (SsSrtpSession *session,
                     guint8 *packet,
                     gsize *len,
                     gsize cap)
{
  g_return_val_if_fail (session != NULL && packet != NULL && len != NULL,
                        FALSE);

  if (!fits_protect (*len, cap, session->rtp_overhead))
    return FALSE;

  int length = (int) *len;
  if (srtp_protect (session->outbound, packet, &length) != srtp_err_status_ok)
    return FALSE;

  *len = (gsize) length;
  return TRUE;
}

gboolean
ss_srtp_protect_rtcp (SsSrtpSession *session,
                      guint8 *packet,
                      gsize *len,
                      gsize cap)
{
  g_return_val_if_fail (session != NULL && packet != NULL && len != NULL,
                        FALSE);

  if (!fits_protect (*len, cap, session->rtcp_overhead))
    return FALSE;

  int length = (int) *len;
  if (srtp_protect_rtcp (session->outbound, packet, &length)
      != srtp_err_status_ok)
    return FALSE;

  *len = (gsize) length;
  return TRUE;
}

gboolean
ss_srtp_unprotect_rtp (SsSrtpSession *session, guint8 *packet, gsize *len)
{
  g_return_val_if_fail (session != NULL && packet != NULL && len != NULL,
                        FALSE);

  if (*len > G_MAXINT)
    return FALSE;

  int length = (int) *len;
  if (srtp_unprotect (session->inbound, packet, &length) != srtp_err_status_ok)
    return FALSE;

  *len = (gsize) length;
  return TRUE;
}

gboolean
ss_srtp_unprotect_rtcp (SsSrtpSession *session, guint8 *packet, gsize *len)
{
  g_return_val_if_fail (session != NULL && packet != NULL && len != NULL,
                        FALSE);

  if (*len > G_MAXINT)
    return FALSE;

  int length = (int) *len;
  if (srtp_unprotect_rtcp (session->inbound, packet, &length)
      != srtp_err_status_ok)
    return FALSE;

  *len = (gsize) length;
  return TRUE;
}
