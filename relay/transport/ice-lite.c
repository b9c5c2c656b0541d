/* The relay's ICE-lite agent: it replies to the peer's connectivity checks
 * and sends none (RFC 8445 section 2.5). The peer, a full agent, is always
 * controlling, so every check is a binding request that is authenticated
 * with the short-term credentials from SDP (RFC 8445 section 7.3, RFC 8489
 * section 9.1) and gets a success response with XOR-MAPPED-ADDRESS. Parsing, integrity and
 * fingerprint checks and message building are libnice's STUN library.
 *
 * Sans-IO: the caller hands in one datagram and its source address and
 * sends the reply that is written into its buffer. */
#define G_LOG_DOMAIN "ss-relay-ice"

#include "transport/ice-lite.h"

#include <openssl/rand.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include <string.h>

struct _SsIceLite {
  StunAgent agent;
  char *local_ufrag;
  char *local_pwd;
  char *remote_ufrag; /* NULL when not known */
};

/* Comprehension-required attributes (below 0x8000) that a check may carry.
 * A request with any other one gets a 420 error (RFC 8489 section 7.3.1). The agent
 * keeps a pointer to this array, so it must be static. */
static const uint16_t known_attributes[] = {
  STUN_ATTRIBUTE_USERNAME,
  STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
  STUN_ATTRIBUTE_ERROR_CODE,
  STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
  STUN_ATTRIBUTE_PRIORITY,
  STUN_ATTRIBUTE_USE_CANDIDATE,
  0,
};

/* ice-char from RFC 8839 section 5.4: 64 symbols, so a byte masked with 63
 * picks one with uniform probability. */
static const char ice_chars[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
fill_ice_chars (char *out, gsize n_chars)
{
  guint8 random_bytes[SS_ICE_PWD_LEN];

  g_assert (n_chars <= sizeof random_bytes);

  if (RAND_bytes (random_bytes, (int) n_chars) != 1)
    g_error ("OpenSSL RAND_bytes failed: cannot generate ICE credentials");

  for (gsize i = 0; i < n_chars; i++)
    out[i] = ice_chars[random_bytes[i] & 63];
  out[n_chars] = '\0';
}

void
ss_ice_generate_credentials (char ufrag[SS_ICE_UFRAG_LEN + 1],
                             char pwd[SS_ICE_PWD_LEN + 1])
{
  g_return_if_fail (ufrag != NULL);
  g_return_if_fail (pwd != NULL);

  fill_ice_chars (ufrag, SS_ICE_UFRAG_LEN);
  fill_ice_chars (pwd, SS_ICE_PWD_LEN);
}

gboolean
ss_ice_peek_local_ufrag (const guint8 *data,
                         gsize len,
                         char *out,
                         gsize out_cap)
{
  g_return_val_if_fail (out != NULL, FALSE);

  if (data == NULL || out_cap == 0)
    return FALSE;

  int message_len = stun_message_validate_buffer_length (data, len, TRUE);
  if (message_len <= 0 || (gsize) message_len != len)
    return FALSE;

  /* The library only reads through the message here. */
  StunMessage message = {
    .buffer = (uint8_t *) data,
    .buffer_len = len,
  };
  if (stun_message_get_class (&message) != STUN_REQUEST
      || stun_message_get_method (&message) != STUN_BINDING)
    return FALSE;

  uint16_t username_len = 0;
  const guint8 *username = stun_message_find (&message, STUN_ATTRIBUTE_USERNAME,
                                              &username_len);
  if (username == NULL)
    return FALSE;

  const guint8 *colon = memchr (username, ':', username_len);
  if (colon == NULL || colon == username)
    return FALSE;

  gsize local_len = (gsize) (colon - username);
  if (local_len + 1 > out_cap)
    return FALSE;

  memcpy (out, username, local_len);
  out[local_len] = '\0';
  return TRUE;
}

SsIceLite *
ss_ice_lite_new (const char *local_ufrag,
                 const char *local_pwd,
                 const char *remote_ufrag,
                 const char *remote_pwd)
{
  g_return_val_if_fail (local_ufrag != NULL && *local_ufrag != '\0', NULL);
  g_return_val_if_fail (local_pwd != NULL && *local_pwd != '\0', NULL);

  SsIceLite *ice = g_new0 (SsIceLite, 1);

  /* RFC 8445 section 7.3: checks are only ever authenticated with the
   * local password. remote_pwd would sign our own checks, and a lite agent
   * sends none, so it is not kept. Indications (the keepalives of RFC 8445
   * section 11) carry no MESSAGE-INTEGRITY, hence NO_INDICATION_AUTH. */
  (void) remote_pwd;
  stun_agent_init (&ice->agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                   | STUN_AGENT_USAGE_USE_FINGERPRINT
                   | STUN_AGENT_USAGE_NO_INDICATION_AUTH);

  ice->local_ufrag = g_strdup (local_ufrag);
  ice->local_pwd = g_strdup (local_pwd);
  if (remote_ufrag != NULL && *remote_ufrag != '\0')
    ice->remote_ufrag = g_strdup (remote_ufrag);

  return ice;
}

void
ss_ice_lite_free (SsIceLite *ice)
{
  if (ice == NULL)
    return;

  g_free (ice->local_ufrag);
  g_free (ice->local_pwd);
  g_free (ice->remote_ufrag);
  g_free (ice);
}

/* StunMessageIntegrityValidate callback: RFC 8445 section 7.3 requires
 * USERNAME to be "LOCAL:REMOTE" with our ufrag first. On a match it hands
 * back the local password that the HMAC is checked with. */
static bool
lookup_password (StunAgent *agent,
                 StunMessage *message,
                 uint8_t *username,
                 uint16_t username_len,
                 uint8_t **password,
                 size_t *password_len,
                 void *user_data)
{
  SsIceLite *ice = user_data;
  gsize local_len = strlen (ice->local_ufrag);

  if (username_len <= local_len
      || memcmp (username, ice->local_ufrag, local_len) != 0
      || username[local_len] != ':')
    return false;

  if (ice->remote_ufrag != NULL)
    {
      const guint8 *remote = username + local_len + 1;
      gsize remote_len = username_len - local_len - 1;

      if (remote_len != strlen (ice->remote_ufrag)
          || memcmp (remote, ice->remote_ufrag, remote_len) != 0)
        return false;
    }

  *password = (uint8_t *) ice->local_pwd;
  *password_len = strlen (ice->local_pwd);
  return true;
}

/* Writes an error response to a request that failed validation. Requests
 * that failed authentication get no MESSAGE-INTEGRITY, because the library
 * has not set a key on them (RFC 8489 section 9.1.3). */
static gsize
build_error_reply (SsIceLite *ice,
                   StunMessage *request,
                   StunError code,
                   guint8 *reply,
                   gsize reply_cap)
{
  StunMessage response;

  if (stun_message_get_class (request) != STUN_REQUEST)
    return 0;

  if (!stun_agent_init_error (&ice->agent, &response, reply, reply_cap, request,
                              code))
    return 0;

  return stun_agent_finish_message (&ice->agent, &response, NULL, 0);
}

static SsIceResult
reject_invalid (SsIceLite *ice,
                StunValidationStatus status,
                StunMessage *request,
                guint8 *reply,
                gsize *reply_len)
{
  gsize cap = *reply_len;
  StunMessage response;

  *reply_len = 0;

  switch (status)
    {
    case STUN_VALIDATION_NOT_STUN:
    case STUN_VALIDATION_INCOMPLETE_STUN:
      return SS_ICE_MALFORMED;

    case STUN_VALIDATION_UNMATCHED_RESPONSE:
      /* A lite agent sends no request, so no response can match one. */
      return SS_ICE_IGNORED;

    case STUN_VALIDATION_BAD_REQUEST:
    case STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST:
      *reply_len = build_error_reply (ice, request, STUN_ERROR_BAD_REQUEST,
                                      reply, cap);
      return SS_ICE_REJECTED;

    case STUN_VALIDATION_UNAUTHORIZED:
      *reply_len = build_error_reply (ice, request, STUN_ERROR_UNAUTHORIZED,
                                      reply, cap);
      return SS_ICE_REJECTED;

    case STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE:
      *reply_len = stun_agent_build_unknown_attributes_error (&ice->agent,
                                                              &response, reply,
                                                              cap, request);
      return SS_ICE_REJECTED;

    case STUN_VALIDATION_UNKNOWN_ATTRIBUTE:
    case STUN_VALIDATION_FORBIDDEN:
    case STUN_VALIDATION_SUCCESS:
    default:
      return SS_ICE_REJECTED;
    }
}

/* A lite agent is always controlled (RFC 8445 section 6.1.1), so a peer
 * that claims ICE-CONTROLLED is in conflict (section 7.3.1.1). The lite
 * agent cannot take the controlling role, so it always replies 487 and
 * leaves the switch to the peer. libnice's reply function would switch
 * roles when the tie-breakers favour the peer, so this case is handled
 * before it is called. */
static gboolean
is_role_conflict (StunMessage *request)
{
  uint64_t tie_breaker;

  return stun_message_find64 (request, STUN_ATTRIBUTE_ICE_CONTROLLED,
                              &tie_breaker)
         == STUN_MESSAGE_RETURN_SUCCESS;
}

SsIceResult
ss_ice_lite_handle (SsIceLite *ice,
                    const guint8 *data,
                    gsize len,
                    const struct sockaddr *from,
                    socklen_t from_len,
                    guint8 *reply,
                    gsize *reply_len,
                    gboolean *use_candidate)
{
  g_return_val_if_fail (ice != NULL, SS_ICE_MALFORMED);
  g_return_val_if_fail (from != NULL, SS_ICE_MALFORMED);
  g_return_val_if_fail (reply != NULL && reply_len != NULL, SS_ICE_MALFORMED);
  g_return_val_if_fail (use_candidate != NULL, SS_ICE_MALFORMED);

  gsize cap = *reply_len;
  StunMessage request;

  *use_candidate = FALSE;
  *reply_len = 0;

  if (data == NULL || from_len > sizeof (struct sockaddr_storage))
    return SS_ICE_MALFORMED;

  StunValidationStatus status = stun_agent_validate (&ice->agent, &request,
                                                     data, len, lookup_password,
                                                     ice);
  if (status != STUN_VALIDATION_SUCCESS)
    {
      *reply_len = cap;
      return reject_invalid (ice, status, &request, reply, reply_len);
    }

  if (stun_message_get_class (&request) != STUN_REQUEST)
    return SS_ICE_IGNORED;

  if (is_role_conflict (&request))
    {
      *reply_len = build_error_reply (ice, &request, STUN_ERROR_ROLE_CONFLICT,
                                      reply, cap);
      return SS_ICE_REJECTED;
    }

  /* create_reply reads the source address as a sockaddr_storage, so it is
   * copied into one whatever the family. */
  struct sockaddr_storage source = { 0 };
  memcpy (&source, from, from_len);

  bool controlling = false;
  size_t written = cap;
  StunMessage response;
  StunUsageIceReturn ret = stun_usage_ice_conncheck_create_reply (
    &ice->agent, &request, &response, reply, &written, &source, from_len,
    &controlling, 0, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);

  if (ret == STUN_USAGE_ICE_RETURN_INVALID_METHOD)
    {
      /* The library has written a 400 reply: only Binding is allowed. */
      *reply_len = written;
      return SS_ICE_REJECTED;
    }

  if (ret != STUN_USAGE_ICE_RETURN_SUCCESS || written == 0)
    {
      g_debug ("cannot build a binding response (libnice result %d, %zu bytes "
               "of space)", (int) ret, cap);
      return SS_ICE_REJECTED;
    }

  *reply_len = written;
  *use_candidate = stun_usage_ice_conncheck_use_candidate (&request);
  return SS_ICE_REPLY;
}

const char *
ss_ice_result_to_string (SsIceResult result)
{
  switch (result)
    {
    case SS_ICE_REPLY:
      return "reply";
    case SS_ICE_IGNORED:
      return "ignored";
    case SS_ICE_REJECTED:
      return "rejected";
    case SS_ICE_MALFORMED:
      return "malformed";
    default:
      return "unknown";
    }
}
