/* ICE-lite check handling, fed with binding requests built by libnice's
 * STUN library as a full agent would send them. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "transport/ice-lite.h"

#define LOCAL_UFRAG "rlyUfrag"
#define LOCAL_PWD "relayPasswordRelayPassword012345"
#define REMOTE_UFRAG "peer"
#define REMOTE_PWD "peerPasswordPeerPassword"

typedef struct {
  guint8 data[1024];
  gsize len;
} Message;

static struct sockaddr_in
make_address (const char *ip, guint16 port)
{
  struct sockaddr_in addr = {
    .sin_family = AF_INET,
    .sin_port = htons (port),
  };
  g_assert_cmpint (inet_pton (AF_INET, ip, &addr.sin_addr), ==, 1);
  return addr;
}

/* A connectivity check as a full agent sends it (RFC 8445 section 7.2.2). */
static Message
build_check (const char *username,
             const char *password,
             gboolean use_candidate,
             gboolean controlling)
{
  static const uint16_t known[] = { 0 };
  StunAgent agent;
  StunMessage message;
  Message out = { 0 };

  stun_agent_init (&agent, known, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                   | STUN_AGENT_USAGE_USE_FINGERPRINT);
  out.len = stun_usage_ice_conncheck_create (
    &agent, &message, out.data, sizeof out.data, (const uint8_t *) username,
    strlen (username), (const uint8_t *) password, strlen (password),
    use_candidate, controlling, 0x6e001eff, 0x0123456789abcdefULL, NULL,
    STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  g_assert_cmpuint (out.len, >, 0);
  return out;
}

static Message
build_valid_check (gboolean use_candidate)
{
  return build_check (LOCAL_UFRAG ":" REMOTE_UFRAG, LOCAL_PWD, use_candidate,
                      TRUE);
}

static StunMessage
view_message (guint8 *data, gsize len)
{
  return (StunMessage) { .buffer = data, .buffer_len = len };
}

static int
error_code_of (guint8 *data, gsize len)
{
  StunMessage message = view_message (data, len);
  int code = -1;

  g_assert_cmpint (stun_message_get_class (&message), ==, STUN_ERROR);
  g_assert_cmpint (stun_message_find_error (&message, &code), ==,
                   STUN_MESSAGE_RETURN_SUCCESS);
  return code;
}

static SsIceLite *
new_ice (void)
{
  return ss_ice_lite_new (LOCAL_UFRAG, LOCAL_PWD, REMOTE_UFRAG, REMOTE_PWD);
}

static SsIceResult
handle (SsIceLite *ice,
        const Message *request,
        const struct sockaddr_in *from,
        Message *reply,
        gboolean *use_candidate)
{
  reply->len = sizeof reply->data;
  return ss_ice_lite_handle (ice, request->data, request->len,
                             (const struct sockaddr *) from, sizeof *from,
                             reply->data, &reply->len, use_candidate);
}

static void
test_credentials_charset (void)
{
  char ufrag[SS_ICE_UFRAG_LEN + 1];
  char pwd[SS_ICE_PWD_LEN + 1];
  char other_pwd[SS_ICE_PWD_LEN + 1];
  const char *ice_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  ss_ice_generate_credentials (ufrag, pwd);
  ss_ice_generate_credentials (ufrag, other_pwd);

  g_assert_cmpuint (strlen (ufrag), ==, 8);
  g_assert_cmpuint (strlen (pwd), ==, 32);
  g_assert_cmpuint (strspn (ufrag, ice_chars), ==, 8);
  g_assert_cmpuint (strspn (pwd, ice_chars), ==, 32);
  /* 192 random bits: equal passwords would mean a broken generator. */
  g_assert_cmpstr (pwd, !=, other_pwd);
}

static void
test_valid_check_gets_reply (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  Message request = build_valid_check (FALSE);
  Message reply;
  gboolean use_candidate = TRUE;

  SsIceResult result = handle (ice, &request, &from, &reply, &use_candidate);

  g_assert_cmpint (result, ==, SS_ICE_REPLY);
  g_assert_false (use_candidate);
  g_assert_cmpuint (reply.len, >, 20);

  StunMessage response = view_message (reply.data, reply.len);
  g_assert_cmpint (stun_message_get_class (&response), ==, STUN_RESPONSE);
  g_assert_cmpint (stun_message_get_method (&response), ==, STUN_BINDING);
  g_assert_true (stun_message_has_attribute (&response,
                                             STUN_ATTRIBUTE_MESSAGE_INTEGRITY));
  g_assert_true (stun_message_has_attribute (&response,
                                             STUN_ATTRIBUTE_FINGERPRINT));

  struct sockaddr_storage mapped;
  socklen_t mapped_len = sizeof mapped;
  g_assert_cmpint (stun_message_find_xor_addr (&response,
                                               STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                               &mapped, &mapped_len),
                   ==, STUN_MESSAGE_RETURN_SUCCESS);
  const struct sockaddr_in *mapped4 = (const struct sockaddr_in *) &mapped;
  g_assert_cmpint (mapped4->sin_port, ==, from.sin_port);
  g_assert_cmpuint (mapped4->sin_addr.s_addr, ==, from.sin_addr.s_addr);
}

static void
test_use_candidate_reported (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  Message request = build_valid_check (TRUE);
  Message reply;
  gboolean use_candidate = FALSE;

  g_assert_cmpint (handle (ice, &request, &from, &reply, &use_candidate), ==,
                   SS_ICE_REPLY);
  g_assert_true (use_candidate);
}

static void
test_reply_to_ipv6_source (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in6 from = {
    .sin6_family = AF_INET6,
    .sin6_port = htons (5004),
    .sin6_addr = IN6ADDR_LOOPBACK_INIT,
  };
  Message request = build_valid_check (FALSE);
  Message reply = { .len = sizeof reply.data };
  gboolean use_candidate;

  SsIceResult result = ss_ice_lite_handle (ice, request.data, request.len,
                                           (const struct sockaddr *) &from,
                                           sizeof from, reply.data, &reply.len,
                                           &use_candidate);

  g_assert_cmpint (result, ==, SS_ICE_REPLY);
  StunMessage response = view_message (reply.data, reply.len);
  struct sockaddr_storage mapped;
  socklen_t mapped_len = sizeof mapped;
  g_assert_cmpint (stun_message_find_xor_addr (&response,
                                               STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                               &mapped, &mapped_len),
                   ==, STUN_MESSAGE_RETURN_SUCCESS);
  g_assert_cmpint (mapped.ss_family, ==, AF_INET6);
}

static void
test_wrong_password_rejected (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  Message request = build_check (LOCAL_UFRAG ":" REMOTE_UFRAG,
                                 "wrongPasswordWrongPassword012345", TRUE,
                                 TRUE);
  Message reply;
  gboolean use_candidate = TRUE;

  g_assert_cmpint (handle (ice, &request, &from, &reply, &use_candidate), ==,
                   SS_ICE_REJECTED);
  g_assert_false (use_candidate);
  g_assert_cmpuint (reply.len, >, 0);
  g_assert_cmpint (error_code_of (reply.data, reply.len), ==, 401);
}

static void
test_wrong_username_rejected (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  const char *usernames[] = {
    "otherUfr:" REMOTE_UFRAG,  /* another transport's ufrag */
    LOCAL_UFRAG ":intruder",   /* not the remote ufrag from SDP */
    LOCAL_UFRAG,               /* no colon */
    LOCAL_UFRAG "x:" REMOTE_UFRAG,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (usernames); i++)
    {
      Message request = build_check (usernames[i], LOCAL_PWD, FALSE, TRUE);
      Message reply;
      gboolean use_candidate;

      g_test_message ("USERNAME %s", usernames[i]);
      g_assert_cmpint (handle (ice, &request, &from, &reply, &use_candidate),
                       ==, SS_ICE_REJECTED);
      g_assert_cmpint (error_code_of (reply.data, reply.len), ==, 401);
    }
}

static void
test_missing_integrity_rejected (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  Message request = build_check ("", "", FALSE, TRUE);
  Message reply;
  gboolean use_candidate;

  g_assert_cmpint (handle (ice, &request, &from, &reply, &use_candidate), ==,
                   SS_ICE_REJECTED);
  g_assert_cmpuint (reply.len, >, 0);
  g_assert_cmpint (error_code_of (reply.data, reply.len), ==, 400);
}

static void
test_bad_fingerprint_rejected (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  Message request = build_valid_check (FALSE);
  Message reply;
  gboolean use_candidate;

  /* FINGERPRINT is the last attribute: flip a bit of its CRC. */
  request.data[request.len - 1] ^= 0x01;

  g_assert_cmpint (handle (ice, &request, &from, &reply, &use_candidate), ==,
                   SS_ICE_REJECTED);
}

static void
test_role_conflict_gets_487 (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  /* controlling = FALSE: the peer claims ICE-CONTROLLED too. */
  Message request = build_check (LOCAL_UFRAG ":" REMOTE_UFRAG, LOCAL_PWD,
                                 FALSE, FALSE);
  Message reply;
  gboolean use_candidate;

  g_assert_cmpint (handle (ice, &request, &from, &reply, &use_candidate), ==,
                   SS_ICE_REJECTED);
  g_assert_cmpuint (reply.len, >, 0);
  g_assert_cmpint (error_code_of (reply.data, reply.len), ==, 487);

  StunMessage response = view_message (reply.data, reply.len);
  g_assert_true (stun_message_has_attribute (&response,
                                             STUN_ATTRIBUTE_MESSAGE_INTEGRITY));
}

static void
test_response_ignored (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  g_autoptr (SsIceLite) other = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  Message request = build_valid_check (FALSE);
  Message response;
  Message reply;
  gboolean use_candidate;

  /* A binding response, as the peer would send to answer a check. */
  g_assert_cmpint (handle (other, &request, &from, &response, &use_candidate),
                   ==, SS_ICE_REPLY);

  g_assert_cmpint (handle (ice, &response, &from, &reply, &use_candidate), ==,
                   SS_ICE_IGNORED);
  g_assert_cmpuint (reply.len, ==, 0);
}

static void
test_indication_ignored (void)
{
  static const uint16_t known[] = { 0 };
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  StunAgent agent;
  StunMessage message;
  Message indication = { 0 };
  Message reply;
  gboolean use_candidate;

  stun_agent_init (&agent, known, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                   | STUN_AGENT_USAGE_USE_FINGERPRINT);
  g_assert_true (stun_agent_init_indication (&agent, &message, indication.data,
                                             sizeof indication.data,
                                             STUN_BINDING));
  indication.len = stun_agent_finish_message (&agent, &message, NULL, 0);
  g_assert_cmpuint (indication.len, >, 0);

  g_assert_cmpint (handle (ice, &indication, &from, &reply, &use_candidate), ==,
                   SS_ICE_IGNORED);
  g_assert_cmpuint (reply.len, ==, 0);
}

static void
test_truncated_is_malformed (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  Message request = build_valid_check (TRUE);

  for (gsize len = 0; len < request.len; len++)
    {
      Message truncated = request;
      Message reply;
      gboolean use_candidate = TRUE;

      truncated.len = len;
      SsIceResult result = handle (ice, &truncated, &from, &reply,
                                   &use_candidate);
      g_assert_cmpint (result, !=, SS_ICE_REPLY);
      g_assert_false (use_candidate);
    }

  Message reply;
  gboolean use_candidate;
  Message short_header = request;
  short_header.len = 19;
  g_assert_cmpint (handle (ice, &short_header, &from, &reply, &use_candidate),
                   ==, SS_ICE_MALFORMED);
}

static void
test_small_reply_buffer (void)
{
  g_autoptr (SsIceLite) ice = new_ice ();
  struct sockaddr_in from = make_address ("127.0.0.1", 40000);
  Message request = build_valid_check (FALSE);
  guint8 reply[24];
  gsize reply_len = sizeof reply;
  gboolean use_candidate;

  SsIceResult result = ss_ice_lite_handle (ice, request.data, request.len,
                                           (const struct sockaddr *) &from,
                                           sizeof from, reply, &reply_len,
                                           &use_candidate);

  g_assert_cmpint (result, ==, SS_ICE_REJECTED);
  g_assert_cmpuint (reply_len, ==, 0);
}

static void
test_peek_local_ufrag (void)
{
  Message request = build_valid_check (TRUE);
  char ufrag[32];

  g_assert_true (ss_ice_peek_local_ufrag (request.data, request.len, ufrag,
                                          sizeof ufrag));
  g_assert_cmpstr (ufrag, ==, LOCAL_UFRAG);
}

static void
test_peek_rejects_bad_input (void)
{
  Message request = build_valid_check (TRUE);
  Message no_username = build_check ("", "", FALSE, TRUE);
  Message no_colon = build_check ("justone", LOCAL_PWD, FALSE, TRUE);
  Message empty_local = build_check (":" REMOTE_UFRAG, LOCAL_PWD, FALSE, TRUE);
  char ufrag[32];

  g_assert_false (ss_ice_peek_local_ufrag (request.data, request.len - 1,
                                           ufrag, sizeof ufrag));
  g_assert_false (ss_ice_peek_local_ufrag (request.data, 10, ufrag,
                                           sizeof ufrag));
  /* "rlyUfrag" needs 9 bytes with its NUL. */
  g_assert_false (ss_ice_peek_local_ufrag (request.data, request.len, ufrag,
                                           8));
  g_assert_true (ss_ice_peek_local_ufrag (request.data, request.len, ufrag,
                                          9));
  g_assert_false (ss_ice_peek_local_ufrag (no_username.data, no_username.len,
                                           ufrag, sizeof ufrag));
  g_assert_false (ss_ice_peek_local_ufrag (no_colon.data, no_colon.len, ufrag,
                                           sizeof ufrag));
  g_assert_false (ss_ice_peek_local_ufrag (empty_local.data, empty_local.len,
                                           ufrag, sizeof ufrag));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ice-lite/credentials-charset", test_credentials_charset);
  g_test_add_func ("/ice-lite/valid-check-gets-reply",
                   test_valid_check_gets_reply);
  g_test_add_func ("/ice-lite/use-candidate-reported",
                   test_use_candidate_reported);
  g_test_add_func ("/ice-lite/reply-to-ipv6-source", test_reply_to_ipv6_source);
  g_test_add_func ("/ice-lite/wrong-password-rejected",
                   test_wrong_password_rejected);
  g_test_add_func ("/ice-lite/wrong-username-rejected",
                   test_wrong_username_rejected);
  g_test_add_func ("/ice-lite/missing-integrity-rejected",
                   test_missing_integrity_rejected);
  g_test_add_func ("/ice-lite/bad-fingerprint-rejected",
                   test_bad_fingerprint_rejected);
  g_test_add_func ("/ice-lite/role-conflict-gets-487",
                   test_role_conflict_gets_487);
  g_test_add_func ("/ice-lite/response-ignored", test_response_ignored);
  g_test_add_func ("/ice-lite/indication-ignored", test_indication_ignored);
  g_test_add_func ("/ice-lite/truncated-is-malformed",
                   test_truncated_is_malformed);
  g_test_add_func ("/ice-lite/small-reply-buffer", test_small_reply_buffer);
  g_test_add_func ("/ice-lite/peek-local-ufrag", test_peek_local_ufrag);
  g_test_add_func ("/ice-lite/peek-rejects-bad-input",
                   test_peek_rejects_bad_input);

  return g_test_run ();
}
