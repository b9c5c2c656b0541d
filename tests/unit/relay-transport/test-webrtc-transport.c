/* Two transports, a DTLS server (the relay's role) and a DTLS client (the
 * peer's role), wired to each other in memory: each one's send callback
 * queues a datagram that the test delivers to the other. The connectivity
 * checks are built by hand with libnice's STUN library, as a full agent
 * sends them. Time is simulated; nothing sleeps and no socket is opened. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include <sys/time.h>

#include "transport/webrtc-transport.h"

/* OpenSSL 3.0 times DTLS retransmissions with gettimeofday(). This test
 * binary defines its own, so the simulated clock drives that timer too and
 * the retransmission test needs no sleep. */
static gint64 simulated_now_us = G_GINT64_CONSTANT (1700000000000000);

int
gettimeofday (struct timeval *restrict tv, void *restrict tz)
{
  tv->tv_sec = simulated_now_us / G_USEC_PER_SEC;
  tv->tv_usec = simulated_now_us % G_USEC_PER_SEC;
  return 0;
}

#define SERVER_UFRAG "srvUfrag"
#define SERVER_PWD "serverPasswordServerPassword0123"
#define CLIENT_UFRAG "cliUfrag"
#define CLIENT_PWD "clientPasswordClientPassword0123"

#define MAX_DATAGRAM 2048

typedef struct _Peer Peer;
typedef struct _Link Link;

/* Decides whether a datagram in flight is lost. */
typedef gboolean (*DropFunc) (Link *link, Peer *from, const guint8 *data,
                              gsize len);

struct _Peer {
  Link *link;
  const char *name;
  SsWebrtcTransport *transport;
  struct sockaddr_in address;
  guint connected_count;
  guint closed_count;
  char *closed_reason;
  guint validated_count;
  gboolean last_validated_selected;
  guint rtp_count;
  guint rtcp_count;
  guint8 last_media[MAX_DATAGRAM];
  gsize last_media_len;
  guint dtls_sent;
  gsize dtls_max_len;
};

typedef struct {
  Peer *to;
  Peer *from;
  guint8 data[MAX_DATAGRAM];
  gsize len;
} Datagram;

struct _Link {
  SsDtlsCertificate *server_certificate;
  SsDtlsCertificate *client_certificate;
  Peer server;
  Peer client;
  GQueue in_flight;
  DropFunc drop;
  guint dropped;
};

static gint64
now (void)
{
  return simulated_now_us;
}

static void
advance (gint64 us)
{
  simulated_now_us += us;
}

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

static Peer *
other_peer (Peer *peer)
{
  return peer == &peer->link->server ? &peer->link->client
                                     : &peer->link->server;
}

static void
on_send (gpointer user_data,
         const guint8 *data,
         gsize len,
         const struct sockaddr *addr,
         socklen_t addr_len)
{
  Peer *peer = user_data;
  Peer *to = other_peer (peer);
  const struct sockaddr_in *destination = (const struct sockaddr_in *) addr;

  g_assert_cmpuint (len, <=, MAX_DATAGRAM);
  g_assert_cmpuint (addr_len, ==, sizeof (struct sockaddr_in));
  g_assert_cmpint (destination->sin_port, ==, to->address.sin_port);

  if (len > 0 && data[0] >= 20 && data[0] <= 63)
    {
      peer->dtls_sent++;
      peer->dtls_max_len = MAX (peer->dtls_max_len, len);
    }

  Datagram *datagram = g_new0 (Datagram, 1);
  datagram->to = to;
  datagram->from = peer;
  memcpy (datagram->data, data, len);
  datagram->len = len;
  g_queue_push_tail (&peer->link->in_flight, datagram);
}

static void
on_address_validated (gpointer user_data,
                      const struct sockaddr *addr,
                      socklen_t addr_len,
                      gboolean selected)
{
  Peer *peer = user_data;

  peer->validated_count++;
  peer->last_validated_selected = selected;
}

static void
on_connected (gpointer user_data)
{
  Peer *peer = user_data;

  peer->connected_count++;
}

static void
remember_media (Peer *peer, const guint8 *packet, gsize len)
{
  g_assert_cmpuint (len, <=, sizeof peer->last_media);
  memcpy (peer->last_media, packet, len);
  peer->last_media_len = len;
}

static void
on_rtp (gpointer user_data, guint8 *packet, gsize len, gint64 now_us)
{
  Peer *peer = user_data;

  peer->rtp_count++;
  remember_media (peer, packet, len);
}

static void
on_rtcp (gpointer user_data, guint8 *packet, gsize len, gint64 now_us)
{
  Peer *peer = user_data;

  peer->rtcp_count++;
  remember_media (peer, packet, len);
}

static void
on_closed (gpointer user_data, const char *reason)
{
  Peer *peer = user_data;

  peer->closed_count++;
  g_free (peer->closed_reason);
  peer->closed_reason = g_strdup (reason);
}

static const SsWebrtcTransportListener listener = {
  .send = on_send,
  .address_validated = on_address_validated,
  .connected = on_connected,
  .rtp = on_rtp,
  .rtcp = on_rtcp,
  .closed = on_closed,
};

typedef struct {
  const char *client_srtp_profiles;
  /* Fingerprint each side expects, or NULL for the peer's real one. */
  const char *server_expects;
  const char *client_expects;
} LinkOptions;

static Link *
link_new (const LinkOptions *options)
{
  static const LinkOptions defaults = { 0 };
  g_autoptr (GError) error = NULL;
  Link *link = g_new0 (Link, 1);

  if (options == NULL)
    options = &defaults;

  link->server_certificate = ss_dtls_certificate_new (&error);
  g_assert_no_error (error);
  link->client_certificate = ss_dtls_certificate_new (&error);
  g_assert_no_error (error);
  g_queue_init (&link->in_flight);

  link->server = (Peer) {
    .link = link,
    .name = "server",
    .address = make_address ("127.0.0.1", 40000),
  };
  link->client = (Peer) {
    .link = link,
    .name = "client",
    .address = make_address ("127.0.0.2", 50000),
  };

  SsWebrtcTransportConfig server_config = {
    .local_ufrag = SERVER_UFRAG,
    .local_pwd = SERVER_PWD,
    .remote_ufrag = CLIENT_UFRAG,
    .remote_pwd = CLIENT_PWD,
    .remote_fingerprint = options->server_expects
                            ? options->server_expects
                            : ss_dtls_certificate_get_fingerprint (
                              link->client_certificate),
    .certificate = link->server_certificate,
    .dtls_role = SS_DTLS_ROLE_SERVER,
  };
  SsWebrtcTransportConfig client_config = {
    .local_ufrag = CLIENT_UFRAG,
    .local_pwd = CLIENT_PWD,
    .remote_ufrag = SERVER_UFRAG,
    .remote_pwd = SERVER_PWD,
    .remote_fingerprint = options->client_expects
                            ? options->client_expects
                            : ss_dtls_certificate_get_fingerprint (
                              link->server_certificate),
    .certificate = link->client_certificate,
    .dtls_role = SS_DTLS_ROLE_CLIENT,
    .srtp_profiles = options->client_srtp_profiles,
  };

  link->server.transport = ss_webrtc_transport_new (&server_config, &listener,
                                                    &link->server, now ());
  link->client.transport = ss_webrtc_transport_new (&client_config, &listener,
                                                    &link->client, now ());
  return link;
}

static void
link_free (Link *link)
{
  g_queue_clear_full (&link->in_flight, g_free);
  ss_webrtc_transport_free (link->server.transport);
  ss_webrtc_transport_free (link->client.transport);
  g_free (link->server.closed_reason);
  g_free (link->client.closed_reason);
  ss_dtls_certificate_unref (link->server_certificate);
  ss_dtls_certificate_unref (link->client_certificate);
  g_free (link);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Link, link_free)

static void
deliver (Peer *to, Peer *from, guint8 *data, gsize len)
{
  ss_webrtc_transport_receive (to->transport, now (), data, len,
                               (const struct sockaddr *) &from->address,
                               sizeof from->address);
}

/* Delivers every queued datagram, and those their delivery queues, until
 * nothing is in flight. Bounded, so a ping-pong bug fails instead of
 * hanging. */
static void
link_pump (Link *link)
{
  for (guint i = 0; i < 1000 && !g_queue_is_empty (&link->in_flight); i++)
    {
      Datagram *datagram = g_queue_pop_head (&link->in_flight);

      if (link->drop != NULL
          && link->drop (link, datagram->from, datagram->data, datagram->len))
        link->dropped++;
      else
        deliver (datagram->to, datagram->from, datagram->data, datagram->len);
      g_free (datagram);
    }
  g_assert_true (g_queue_is_empty (&link->in_flight));
}

typedef struct {
  guint8 data[1024];
  gsize len;
} Check;

static Check
build_check (const char *username,
             const char *password,
             gboolean use_candidate,
             gboolean controlling)
{
  static const uint16_t known[] = { 0 };
  StunAgent agent;
  StunMessage message;
  Check check = { 0 };

  stun_agent_init (&agent, known, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                   | STUN_AGENT_USAGE_USE_FINGERPRINT);
  check.len = stun_usage_ice_conncheck_create (
    &agent, &message, check.data, sizeof check.data,
    (const uint8_t *) username, strlen (username), (const uint8_t *) password,
    strlen (password), use_candidate, controlling, 0x6e001eff,
    0x0123456789abcdefULL, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  g_assert_cmpuint (check.len, >, 0);
  return check;
}

/* The client's full agent checks the server (the relay) and nominates. */
static void
send_check_to_server (Link *link)
{
  Check check = build_check (SERVER_UFRAG ":" CLIENT_UFRAG, SERVER_PWD, TRUE,
                             TRUE);

  deliver (&link->server, &link->client, check.data, check.len);
}

/* The client transport is ICE-lite too, so the test also checks it from
 * the server's address. Only then may it send DTLS there. */
static void
send_check_to_client (Link *link)
{
  Check check = build_check (CLIENT_UFRAG ":" SERVER_UFRAG, CLIENT_PWD, TRUE,
                             TRUE);

  deliver (&link->client, &link->server, check.data, check.len);
}

static void
link_connect (Link *link)
{
  send_check_to_server (link);
  link_pump (link);
  send_check_to_client (link);
  link_pump (link);
}

static void
assert_connected (Link *link)
{
  g_assert_true (ss_webrtc_transport_is_connected (link->server.transport));
  g_assert_true (ss_webrtc_transport_is_connected (link->client.transport));
  g_assert_cmpuint (link->server.connected_count, ==, 1);
  g_assert_cmpuint (link->client.connected_count, ==, 1);
  g_assert_cmpuint (link->server.closed_count, ==, 0);
  g_assert_cmpuint (link->client.closed_count, ==, 0);
}

typedef struct {
  guint8 data[MAX_DATAGRAM];
  gsize len;
} Packet;

static Packet
make_rtp (guint32 ssrc, guint16 seq)
{
  Packet packet = { .len = 12 + 50 };

  packet.data[0] = 0x80;
  packet.data[1] = 96;
  packet.data[2] = seq >> 8;
  packet.data[3] = seq & 0xff;
  for (int i = 0; i < 4; i++)
    packet.data[8 + i] = (guint8) (ssrc >> (24 - 8 * i));
  for (gsize i = 12; i < packet.len; i++)
    packet.data[i] = (guint8) i;
  return packet;
}

/* A receiver report with one report block (RFC 3550 section 6.4.2). */
static Packet
make_rtcp (guint32 ssrc)
{
  Packet packet = { .len = 32 };

  packet.data[0] = 0x81;
  packet.data[1] = 201;
  packet.data[3] = 7;
  for (int i = 0; i < 4; i++)
    {
      packet.data[4 + i] = (guint8) (ssrc >> (24 - 8 * i));
      packet.data[8 + i] = 0x42;
    }
  return packet;
}

/* Protects original on from's transport, carries it over and checks that
 * the other peer got it back unchanged. */
static void
check_media_flows (Peer *from, const Packet *original, gboolean is_rtcp)
{
  Peer *to = other_peer (from);
  Packet packet = *original;
  guint rtp_before = to->rtp_count;
  guint rtcp_before = to->rtcp_count;

  gboolean ok = is_rtcp
                  ? ss_webrtc_transport_protect_rtcp (from->transport,
                                                      packet.data, &packet.len,
                                                      sizeof packet.data)
                  : ss_webrtc_transport_protect_rtp (from->transport,
                                                     packet.data, &packet.len,
                                                     sizeof packet.data);
  g_assert_true (ok);
  g_assert_cmpuint (packet.len, >, original->len);

  deliver (to, from, packet.data, packet.len);

  g_assert_cmpuint (to->rtp_count, ==, rtp_before + (is_rtcp ? 0 : 1));
  g_assert_cmpuint (to->rtcp_count, ==, rtcp_before + (is_rtcp ? 1 : 0));
  g_assert_cmpmem (to->last_media, to->last_media_len, original->data,
                   original->len);
}

static void
check_media_both_ways (Link *link)
{
  Packet rtp = make_rtp (0x1234, 1);
  Packet rtcp = make_rtcp (0x5678);

  check_media_flows (&link->server, &rtp, FALSE);
  check_media_flows (&link->client, &rtp, FALSE);
  check_media_flows (&link->server, &rtcp, TRUE);
  check_media_flows (&link->client, &rtcp, TRUE);
}

/* ---------------------------------------------------------------------
 * Tests
 * --------------------------------------------------------------------- */

static void
test_handshake_completes (void)
{
  g_autoptr (Link) link = link_new (NULL);

  link_connect (link);

  assert_connected (link);
  socklen_t len = 0;
  const struct sockaddr_in *remote = (const struct sockaddr_in *)
    ss_webrtc_transport_get_remote_address (link->server.transport, &len);
  g_assert_nonnull (remote);
  g_assert_cmpuint (len, ==, sizeof *remote);
  g_assert_cmpint (remote->sin_port, ==, link->client.address.sin_port);
  g_assert_cmpuint (link->server.validated_count, ==, 1);
  g_assert_true (link->server.last_validated_selected);
  g_assert_cmpint (ss_webrtc_transport_get_srtp_profile (link->server.transport),
                   ==, SS_SRTP_PROFILE_AEAD_AES_128_GCM);
  /* Every DTLS datagram fits the MTU. */
  g_assert_cmpuint (link->server.dtls_sent, >, 0);
  g_assert_cmpuint (link->server.dtls_max_len, <=, SS_DTLS_MTU);
  g_assert_cmpuint (link->client.dtls_sent, >, 0);
  g_assert_cmpuint (link->client.dtls_max_len, <=, SS_DTLS_MTU);
}

static void
test_media_round_trip_gcm (void)
{
  LinkOptions options = { .client_srtp_profiles = "SRTP_AEAD_AES_128_GCM" };
  g_autoptr (Link) link = link_new (&options);

  link_connect (link);
  assert_connected (link);
  g_assert_cmpint (ss_webrtc_transport_get_srtp_profile (link->server.transport),
                   ==, SS_SRTP_PROFILE_AEAD_AES_128_GCM);

  check_media_both_ways (link);
}

static void
test_media_round_trip_cm (void)
{
  LinkOptions options = { .client_srtp_profiles = "SRTP_AES128_CM_SHA1_80" };
  g_autoptr (Link) link = link_new (&options);

  link_connect (link);
  assert_connected (link);
  g_assert_cmpint (ss_webrtc_transport_get_srtp_profile (link->server.transport),
                   ==, SS_SRTP_PROFILE_AES128_CM_SHA1_80);
  g_assert_cmpint (ss_webrtc_transport_get_srtp_profile (link->client.transport),
                   ==, SS_SRTP_PROFILE_AES128_CM_SHA1_80);

  check_media_both_ways (link);
}

/* A client that lists AES-CM first, as webrtcbin does, still gets the
 * server's preferred AES-GCM when it offers both. */
static void
test_server_profile_preference_wins (void)
{
  LinkOptions options = {
    .client_srtp_profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM",
  };
  g_autoptr (Link) link = link_new (&options);

  link_connect (link);

  assert_connected (link);
  g_assert_cmpint (ss_webrtc_transport_get_srtp_profile (link->server.transport),
                   ==, SS_SRTP_PROFILE_AEAD_AES_128_GCM);
  g_assert_cmpint (ss_webrtc_transport_get_srtp_profile (link->client.transport),
                   ==, SS_SRTP_PROFILE_AEAD_AES_128_GCM);
}

/* A client that offers only AES-CM gets it. */
static void
test_client_without_gcm_gets_cm (void)
{
  LinkOptions options = {
    .client_srtp_profiles = "SRTP_AES128_CM_SHA1_80",
  };
  g_autoptr (Link) link = link_new (&options);

  link_connect (link);

  assert_connected (link);
  g_assert_cmpint (ss_webrtc_transport_get_srtp_profile (link->server.transport),
                   ==, SS_SRTP_PROFILE_AES128_CM_SHA1_80);
  check_media_both_ways (link);
}

static void
test_server_fingerprint_mismatch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SsDtlsCertificate) stranger = ss_dtls_certificate_new (&error);
  g_assert_no_error (error);
  LinkOptions options = {
    .client_expects = ss_dtls_certificate_get_fingerprint (stranger),
  };
  g_autoptr (Link) link = link_new (&options);

  link_connect (link);

  g_assert_cmpuint (link->client.closed_count, ==, 1);
  g_assert_cmpstr (link->client.closed_reason, ==, "dtls_failed");
  g_assert_false (ss_webrtc_transport_is_connected (link->client.transport));
  /* The client's bad_certificate alert fails the server too. */
  g_assert_cmpstr (link->server.closed_reason, ==, "dtls_failed");
  g_assert_cmpuint (link->server.connected_count, ==, 0);
}

static void
test_client_fingerprint_mismatch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SsDtlsCertificate) stranger = ss_dtls_certificate_new (&error);
  g_assert_no_error (error);
  LinkOptions options = {
    .server_expects = ss_dtls_certificate_get_fingerprint (stranger),
  };
  g_autoptr (Link) link = link_new (&options);

  link_connect (link);

  g_assert_cmpuint (link->server.closed_count, ==, 1);
  g_assert_cmpstr (link->server.closed_reason, ==, "dtls_failed");
  g_assert_cmpuint (link->server.connected_count, ==, 0);
  g_assert_false (ss_webrtc_transport_is_connected (link->server.transport));
}

static void
test_malformed_fingerprint_fails (void)
{
  LinkOptions options = { .server_expects = "sha-256 AB:CD" };

  g_test_expect_message ("ss-relay-transport", G_LOG_LEVEL_WARNING,
                         "*invalid remote fingerprint*");
  g_autoptr (Link) link = link_new (&options);
  g_test_assert_expected_messages ();

  g_assert_cmpint (ss_webrtc_transport_get_next_timeout (link->server.transport),
                   ==, now ());
  ss_webrtc_transport_handle_timeout (link->server.transport, now ());

  g_assert_cmpuint (link->server.closed_count, ==, 1);
  g_assert_cmpstr (link->server.closed_reason, ==, "dtls_failed");
}

static void
test_wrong_ice_password (void)
{
  g_autoptr (Link) link = link_new (NULL);
  Check check = build_check (SERVER_UFRAG ":" CLIENT_UFRAG,
                             "wrongPasswordWrongPassword012345", TRUE, TRUE);

  deliver (&link->server, &link->client, check.data, check.len);

  const SsWebrtcTransportCounters *counters = ss_webrtc_transport_get_counters (
    link->server.transport);
  g_assert_cmpuint (counters->stun_rejected, ==, 1);
  g_assert_cmpuint (link->server.validated_count, ==, 0);
  g_assert_null (ss_webrtc_transport_get_remote_address (link->server.transport,
                                                         NULL));
  /* The 401 error response goes back to the sender. */
  g_assert_cmpuint (g_queue_get_length (&link->in_flight), ==, 1);
  Datagram *reply = g_queue_peek_head (&link->in_flight);
  g_assert_cmpuint (reply->data[0], ==, 0x01);
  g_assert_cmpuint (reply->data[1], ==, 0x11);
}

static void
test_role_conflict (void)
{
  g_autoptr (Link) link = link_new (NULL);
  Check check = build_check (SERVER_UFRAG ":" CLIENT_UFRAG, SERVER_PWD, TRUE,
                             FALSE);

  deliver (&link->server, &link->client, check.data, check.len);

  const SsWebrtcTransportCounters *counters = ss_webrtc_transport_get_counters (
    link->server.transport);
  g_assert_cmpuint (counters->stun_rejected, ==, 1);
  g_assert_cmpuint (link->server.validated_count, ==, 0);
  g_assert_cmpuint (g_queue_get_length (&link->in_flight), ==, 1);

  Datagram *reply = g_queue_peek_head (&link->in_flight);
  StunMessage message = { .buffer = reply->data, .buffer_len = reply->len };
  int code = 0;
  g_assert_cmpint (stun_message_find_error (&message, &code), ==,
                   STUN_MESSAGE_RETURN_SUCCESS);
  g_assert_cmpint (code, ==, 487);
}

static void
test_no_check_times_out (void)
{
  g_autoptr (Link) link = link_new (NULL);
  gint64 created = now ();

  g_assert_cmpint (ss_webrtc_transport_get_next_timeout (link->server.transport),
                   ==, created + SS_ICE_CONSENT_TIMEOUT_US);

  advance (SS_ICE_CONSENT_TIMEOUT_US - 1);
  ss_webrtc_transport_handle_timeout (link->server.transport, now ());
  g_assert_cmpuint (link->server.closed_count, ==, 0);

  advance (1);
  ss_webrtc_transport_handle_timeout (link->server.transport, now ());
  g_assert_cmpuint (link->server.closed_count, ==, 1);
  g_assert_cmpstr (link->server.closed_reason, ==, "ice_timeout");
}

static void
test_consent_expires_after_30s (void)
{
  g_autoptr (Link) link = link_new (NULL);

  link_connect (link);
  assert_connected (link);

  /* Consent refreshed every 5 s keeps the transport for a minute. */
  for (int i = 0; i < 12; i++)
    {
      advance (5 * G_USEC_PER_SEC);
      send_check_to_server (link);
      link_pump (link);
      ss_webrtc_transport_handle_timeout (link->server.transport, now ());
    }
  g_assert_cmpuint (link->server.closed_count, ==, 0);

  gint64 last_check = now ();
  g_assert_cmpint (ss_webrtc_transport_get_next_timeout (link->server.transport),
                   ==, last_check + SS_ICE_CONSENT_TIMEOUT_US);

  advance (SS_ICE_CONSENT_TIMEOUT_US - 1);
  ss_webrtc_transport_handle_timeout (link->server.transport, now ());
  g_assert_cmpuint (link->server.closed_count, ==, 0);

  advance (1);
  ss_webrtc_transport_handle_timeout (link->server.transport, now ());
  g_assert_cmpuint (link->server.closed_count, ==, 1);
  g_assert_cmpstr (link->server.closed_reason, ==, "ice_timeout");

  /* Closed means closed: no more timers, media or callbacks. */
  g_assert_cmpint (ss_webrtc_transport_get_next_timeout (link->server.transport),
                   ==, G_MAXINT64);
  ss_webrtc_transport_handle_timeout (link->server.transport, now ());
  g_assert_cmpuint (link->server.closed_count, ==, 1);
}

/* A peer that keeps the pair alive with binding indications only (libnice
 * without consent freshness) but sends authenticated media stays; media
 * that fails authentication does not count. */
static void
test_authenticated_media_keeps_transport (void)
{
  g_autoptr (Link) link = link_new (NULL);

  link_connect (link);
  assert_connected (link);

  for (guint16 i = 0; i < 12; i++)
    {
      advance (5 * G_USEC_PER_SEC);
      Packet rtcp = make_rtcp (0x5678 + i);
      check_media_flows (&link->client, &rtcp, TRUE);
      ss_webrtc_transport_handle_timeout (link->server.transport, now ());
    }
  g_assert_cmpuint (link->server.closed_count, ==, 0);

  /* Forged packets for the next 30 s: the peer is gone. */
  for (int i = 0; i < 6; i++)
    {
      advance (5 * G_USEC_PER_SEC);
      Packet forged = make_rtp (0x1234, 900 + i);
      forged.len += 16; /* an authentication tag that cannot be right */
      deliver (&link->server, &link->client, forged.data, forged.len);
      ss_webrtc_transport_handle_timeout (link->server.transport, now ());
    }
  g_assert_cmpuint (link->server.closed_count, ==, 1);
  g_assert_cmpstr (link->server.closed_reason, ==, "ice_timeout");
}

static void
test_dtls_handshake_timeout (void)
{
  g_autoptr (Link) link = link_new (NULL);

  /* ICE passes, but no ClientHello ever comes. */
  send_check_to_server (link);
  link_pump (link);

  for (int i = 0; i < 6; i++)
    {
      advance (5 * G_USEC_PER_SEC);
      send_check_to_server (link);
      link_pump (link);
      ss_webrtc_transport_handle_timeout (link->server.transport, now ());
    }

  g_assert_cmpuint (link->server.closed_count, ==, 1);
  g_assert_cmpstr (link->server.closed_reason, ==, "dtls_failed");
}

static gboolean
drop_first_client_flight (Link *link, Peer *from, const guint8 *data,
                          gsize len)
{
  /* DTLS content types are 20..63 (RFC 7983 section 7). */
  gboolean is_dtls = len > 0 && data[0] >= 20 && data[0] <= 63;

  return from == &link->client && is_dtls && link->dropped == 0;
}

static void
test_lost_client_hello_retransmitted (void)
{
  g_autoptr (Link) link = link_new (NULL);

  link->drop = drop_first_client_flight;
  link_connect (link);

  g_assert_cmpuint (link->dropped, ==, 1);
  g_assert_false (ss_webrtc_transport_is_connected (link->client.transport));

  gint64 deadline = ss_webrtc_transport_get_next_timeout (
    link->client.transport);
  g_assert_cmpint (deadline, >, now ());
  g_assert_cmpint (deadline, <=, now () + 1 * G_USEC_PER_SEC);

  advance (deadline - now ());
  ss_webrtc_transport_handle_timeout (link->client.transport, now ());
  link_pump (link);

  assert_connected (link);
  check_media_both_ways (link);
}

static void
test_garbage_ignored (void)
{
  g_autoptr (Link) link = link_new (NULL);
  link_connect (link);
  assert_connected (link);

  GRand *rand = g_rand_new_with_seed (7983);
  guint8 data[300];

  for (int i = 0; i < 2000; i++)
    {
      gsize len = g_rand_int_range (rand, 0, sizeof data);
      for (gsize j = 0; j < len; j++)
        data[j] = (guint8) g_rand_int (rand);
      /* Walk every first byte so STUN, DTLS, RTP and RTCP paths all see
       * garbage. */
      if (len > 0)
        data[0] = (guint8) i;

      deliver (&link->server, &link->client, data, len);
    }
  g_rand_free (rand);

  /* Truncated copies of a valid check. */
  Check check = build_check (SERVER_UFRAG ":" CLIENT_UFRAG, SERVER_PWD, TRUE,
                             TRUE);
  for (gsize len = 1; len < check.len; len++)
    {
      Check copy = check;
      deliver (&link->server, &link->client, copy.data, len);
    }
  g_queue_clear_full (&link->in_flight, g_free);

  const SsWebrtcTransportCounters *counters = ss_webrtc_transport_get_counters (
    link->server.transport);
  g_assert_cmpuint (counters->stun_malformed, >, 0);
  g_assert_cmpuint (counters->srtp_failures, >, 0);
  g_assert_cmpuint (counters->unknown_dropped, >, 0);
  g_assert_cmpuint (link->server.closed_count, ==, 0);
  g_assert_true (ss_webrtc_transport_is_connected (link->server.transport));

  check_media_both_ways (link);
}

static void
test_unvalidated_source_ignored (void)
{
  g_autoptr (Link) link = link_new (NULL);
  link_connect (link);
  assert_connected (link);

  Peer stranger = link->client;
  stranger.address = make_address ("127.0.0.9", 50000);
  Packet packet = make_rtp (0x1234, 1);
  g_assert_true (ss_webrtc_transport_protect_rtp (link->client.transport,
                                                  packet.data, &packet.len,
                                                  sizeof packet.data));
  guint8 dtls_alert[] = { 21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40 };

  deliver (&link->server, &stranger, packet.data, packet.len);
  deliver (&link->server, &stranger, dtls_alert, sizeof dtls_alert);

  const SsWebrtcTransportCounters *counters = ss_webrtc_transport_get_counters (
    link->server.transport);
  g_assert_cmpuint (counters->unvalidated_dropped, ==, 2);
  g_assert_cmpuint (link->server.rtp_count, ==, 0);
  g_assert_cmpuint (link->server.closed_count, ==, 0);
}

static void
test_nomination_moves_selected (void)
{
  g_autoptr (Link) link = link_new (NULL);
  Peer *server = &link->server;
  struct sockaddr_in first = make_address ("127.0.0.2", 50000);
  struct sockaddr_in second = make_address ("127.0.0.3", 50000);
  Check plain = build_check (SERVER_UFRAG ":" CLIENT_UFRAG, SERVER_PWD, FALSE,
                             TRUE);
  Check nominating = build_check (SERVER_UFRAG ":" CLIENT_UFRAG, SERVER_PWD,
                                  TRUE, TRUE);

  ss_webrtc_transport_receive (server->transport, now (), plain.data,
                               plain.len, (struct sockaddr *) &first,
                               sizeof first);
  g_assert_cmpuint (server->validated_count, ==, 1);
  g_assert_true (server->last_validated_selected);

  /* A second path without nomination is validated but not selected. */
  plain = build_check (SERVER_UFRAG ":" CLIENT_UFRAG, SERVER_PWD, FALSE, TRUE);
  ss_webrtc_transport_receive (server->transport, now (), plain.data,
                               plain.len, (struct sockaddr *) &second,
                               sizeof second);
  g_assert_cmpuint (server->validated_count, ==, 2);
  g_assert_false (server->last_validated_selected);

  ss_webrtc_transport_receive (server->transport, now (), nominating.data,
                               nominating.len, (struct sockaddr *) &second,
                               sizeof second);
  g_assert_cmpuint (server->validated_count, ==, 3);
  g_assert_true (server->last_validated_selected);

  const struct sockaddr_in *selected = (const struct sockaddr_in *)
    ss_webrtc_transport_get_remote_address (server->transport, NULL);
  g_assert_cmpint (selected->sin_port, ==, second.sin_port);
  g_queue_clear_full (&link->in_flight, g_free);
}

static void
test_close_notifies_peer (void)
{
  g_autoptr (Link) link = link_new (NULL);
  link_connect (link);
  assert_connected (link);

  ss_webrtc_transport_close (link->server.transport);
  link_pump (link);

  g_assert_cmpuint (link->server.closed_count, ==, 1);
  g_assert_cmpstr (link->server.closed_reason, ==, "closed");
  g_assert_cmpuint (link->client.closed_count, ==, 1);
  g_assert_cmpstr (link->client.closed_reason, ==, "closed");

  Packet packet = make_rtp (1, 1);
  g_assert_false (ss_webrtc_transport_protect_rtp (link->server.transport,
                                                   packet.data, &packet.len,
                                                   sizeof packet.data));

  ss_webrtc_transport_close (link->server.transport);
  g_assert_cmpuint (link->server.closed_count, ==, 1);
}

static void
test_media_before_connect_dropped (void)
{
  g_autoptr (Link) link = link_new (NULL);
  Packet packet = make_rtp (1, 1);
  gsize len = packet.len;

  g_assert_false (ss_webrtc_transport_protect_rtp (link->server.transport,
                                                   packet.data, &len,
                                                   sizeof packet.data));

  send_check_to_server (link);
  link_pump (link);
  deliver (&link->server, &link->client, packet.data, packet.len);

  const SsWebrtcTransportCounters *counters = ss_webrtc_transport_get_counters (
    link->server.transport);
  g_assert_cmpuint (counters->early_media_dropped, ==, 1);
  g_assert_cmpuint (link->server.rtp_count, ==, 0);
}

static void
test_certificate_fingerprint_format (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SsDtlsCertificate) certificate = ss_dtls_certificate_new (&error);
  g_assert_no_error (error);

  const char *fingerprint = ss_dtls_certificate_get_fingerprint (certificate);

  g_assert_cmpuint (strlen (fingerprint), ==, 32 * 3 - 1);
  for (gsize i = 0; i < 32; i++)
    {
      g_assert_true (g_ascii_isxdigit (fingerprint[i * 3]));
      g_assert_false (g_ascii_islower (fingerprint[i * 3]));
      g_assert_true (g_ascii_isxdigit (fingerprint[i * 3 + 1]));
      g_assert_false (g_ascii_islower (fingerprint[i * 3 + 1]));
      if (i < 31)
        g_assert_cmpint (fingerprint[i * 3 + 2], ==, ':');
    }

  g_autoptr (SsDtlsCertificate) other = ss_dtls_certificate_new (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (fingerprint, !=, ss_dtls_certificate_get_fingerprint (other));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/webrtc-transport/handshake-completes",
                   test_handshake_completes);
  g_test_add_func ("/webrtc-transport/media-round-trip-gcm",
                   test_media_round_trip_gcm);
  g_test_add_func ("/webrtc-transport/media-round-trip-cm",
                   test_media_round_trip_cm);
  g_test_add_func ("/webrtc-transport/server-profile-preference-wins",
                   test_server_profile_preference_wins);
  g_test_add_func ("/webrtc-transport/client-without-gcm-gets-cm",
                   test_client_without_gcm_gets_cm);
  g_test_add_func ("/webrtc-transport/server-fingerprint-mismatch",
                   test_server_fingerprint_mismatch);
  g_test_add_func ("/webrtc-transport/client-fingerprint-mismatch",
                   test_client_fingerprint_mismatch);
  g_test_add_func ("/webrtc-transport/malformed-fingerprint-fails",
                   test_malformed_fingerprint_fails);
  g_test_add_func ("/webrtc-transport/wrong-ice-password",
                   test_wrong_ice_password);
  g_test_add_func ("/webrtc-transport/role-conflict", test_role_conflict);
  g_test_add_func ("/webrtc-transport/no-check-times-out",
                   test_no_check_times_out);
  g_test_add_func ("/webrtc-transport/consent-expires-after-30s",
                   test_consent_expires_after_30s);
  g_test_add_func ("/webrtc-transport/authenticated-media-keeps-transport",
                   test_authenticated_media_keeps_transport);
  g_test_add_func ("/webrtc-transport/dtls-handshake-timeout",
                   test_dtls_handshake_timeout);
  g_test_add_func ("/webrtc-transport/lost-client-hello-retransmitted",
                   test_lost_client_hello_retransmitted);
  g_test_add_func ("/webrtc-transport/garbage-ignored", test_garbage_ignored);
  g_test_add_func ("/webrtc-transport/unvalidated-source-ignored",
                   test_unvalidated_source_ignored);
  g_test_add_func ("/webrtc-transport/nomination-moves-selected",
                   test_nomination_moves_selected);
  g_test_add_func ("/webrtc-transport/close-notifies-peer",
                   test_close_notifies_peer);
  g_test_add_func ("/webrtc-transport/media-before-connect-dropped",
                   test_media_before_connect_dropped);
  g_test_add_func ("/webrtc-transport/certificate-fingerprint-format",
                   test_certificate_fingerprint_format);

  return g_test_run ();
}
