/* The client side of a WebRTC transport to the relay, as a browser or
 * webrtcbin runs it, built from the relay's own transport code.
 *
 * ICE: the relay is ICE-lite (RFC 8445 section 2.5), so this side is the
 * controlling full agent and sends the checks, made with libnice's STUN
 * library. The transport code is itself lite and only starts DTLS toward
 * an address that checked it, so the peer also hands its own transport a
 * locally made check "from" the relay's address. The STUN reply that the
 * transport writes for that check is dropped, so nothing of it reaches the
 * wire.
 * DTLS runs as client (a=setup:active), and SRTP uses the exported keys. */

#include "loadgen-peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gst/sdp/sdp.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/demux.h"

G_DEFINE_QUARK (ss-bench-peer-error-quark, ss_bench_peer_error)

/* RFC 7675 section 5.1: consent checks about every 5 s, randomised by
 * +-20 % so that many clients do not send in step. */
#define CONSENT_INTERVAL_US (5 * G_USEC_PER_SEC)

/* Priority of a host candidate of component 1 (RFC 8445 section 5.1.2.1,
 * type preference 126, local preference 65535). */
#define HOST_PRIORITY 2130706431u

/* ---- transport listener ---- */

static void
on_transport_send (gpointer user_data, const guint8 *data, gsize len,
                   const struct sockaddr *addr, socklen_t addr_len)
{
  SsBenchPeer *peer = user_data;

  /* The only STUN this transport writes is the reply to the locally made
   * check, which the relay must not receive. */
  if (ss_demux_classify (data, len) == SS_PACKET_STUN)
    return;

  if (sendto (peer->fd, data, len, 0, addr, addr_len) < 0)
    peer->send_failures++;
  else
    peer->datagrams_sent++;
}

static void
on_transport_connected (gpointer user_data)
{
  SsBenchPeer *peer = user_data;

  peer->connected = TRUE;
}

static void
on_transport_rtp (gpointer user_data, guint8 *packet, gsize len,
                  gint64 now_us)
{
  SsBenchPeer *peer = user_data;

  if (peer->handlers.rtp != NULL)
    peer->handlers.rtp (peer->user_data, packet, len);
}

static void
on_transport_rtcp (gpointer user_data, guint8 *packet, gsize len,
                   gint64 now_us)
{
  SsBenchPeer *peer = user_data;

  if (peer->handlers.rtcp != NULL)
    peer->handlers.rtcp (peer->user_data, packet, len);
}

static void
on_transport_closed (gpointer user_data, const char *reason)
{
  SsBenchPeer *peer = user_data;

  peer->closed = TRUE;
  peer->connected = FALSE;
  if (peer->handlers.closed != NULL)
    peer->handlers.closed (peer->user_data, reason);
}

static const SsWebrtcTransportListener transport_listener = {
  .send = on_transport_send,
  .connected = on_transport_connected,
  .rtp = on_transport_rtp,
  .rtcp = on_transport_rtcp,
  .closed = on_transport_closed,
};

/* ---- life cycle ---- */

SsBenchPeer *
ss_bench_peer_new (SsBenchPeerRole role, int receive_buffer_bytes,
                   const SsBenchPeerHandlers *handlers, gpointer user_data,
                   GError **error)
{
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      g_set_error (error, SS_BENCH_PEER_ERROR, SS_BENCH_PEER_ERROR_SOCKET,
                   "cannot create a UDP socket: %s (raise the open file "
                   "limit with ulimit -n for many subscribers)",
                   g_strerror (errno));
      return NULL;
    }

  struct sockaddr_in local = {
    .sin_family = AF_INET,
    .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
  };
  if (receive_buffer_bytes > 0)
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes,
                sizeof receive_buffer_bytes);
  if (bind (fd, (struct sockaddr *) &local, sizeof local) < 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, SS_BENCH_PEER_ERROR, SS_BENCH_PEER_ERROR_SOCKET,
                   "cannot bind a UDP socket on 127.0.0.1: %s",
                   g_strerror (saved));
      return NULL;
    }

  SsBenchPeer *peer = g_new0 (SsBenchPeer, 1);
  peer->role = role;
  peer->fd = fd;
  peer->handlers = *handlers;
  peer->user_data = user_data;
  ss_ice_generate_credentials (peer->ufrag, peer->pwd);
  return peer;
}

void
ss_bench_peer_free (SsBenchPeer *peer)
{
  if (peer == NULL)
    return;

  g_clear_pointer (&peer->transport, ss_webrtc_transport_free);
  close (peer->fd);
  g_free (peer->relay_ufrag);
  g_free (peer->relay_pwd);
  g_free (peer);
}

/* ---- SDP ---- */

static void
append_media (GString *sdp, SsBenchPeer *peer, const char *fingerprint,
              gboolean video, guint32 ssrc)
{
  const char *direction = peer->role == SS_BENCH_PEER_PUBLISHER ? "sendonly"
                                                                : "recvonly";
  guint pt = video ? SS_BENCH_VIDEO_PT : SS_BENCH_AUDIO_PT;

  g_string_append_printf (sdp,
                          "m=%s 9 UDP/TLS/RTP/SAVPF %u\r\n"
                          "c=IN IP4 0.0.0.0\r\n"
                          "a=mid:%u\r\n"
                          "a=%s\r\n"
                          "a=rtcp-mux\r\n"
                          "a=ice-ufrag:%s\r\n"
                          "a=ice-pwd:%s\r\n"
                          "a=fingerprint:sha-256 %s\r\n"
                          "a=setup:active\r\n",
                          video ? "video" : "audio", pt, video ? 0u : 1u,
                          direction, peer->ufrag, peer->pwd, fingerprint);

  if (video)
    g_string_append_printf (sdp,
                            "a=rtpmap:%u VP8/90000\r\n"
                            "a=rtcp-fb:%u nack pli\r\n"
                            "a=rtcp-fb:%u ccm fir\r\n",
                            pt, pt, pt);
  else
    g_string_append_printf (sdp,
                            "a=rtpmap:%u opus/48000/2\r\n"
                            "a=fmtp:%u minptime=10;useinbandfec=1\r\n",
                            pt, pt);

  if (peer->role == SS_BENCH_PEER_PUBLISHER)
    g_string_append_printf (sdp,
                            "a=msid:bench-lead %s\r\n"
                            "a=ssrc:%u cname:bench-lead\r\n",
                            video ? "video" : "audio", ssrc);
}

char *
ss_bench_peer_build_offer (SsBenchPeer *peer, SsDtlsCertificate *certificate,
                           guint32 video_ssrc, guint32 audio_ssrc)
{
  const char *fingerprint = ss_dtls_certificate_get_fingerprint (certificate);
  GString *sdp = g_string_new (NULL);

  g_string_append_printf (sdp,
                          "v=0\r\n"
                          "o=- %u 2 IN IP4 127.0.0.1\r\n"
                          "s=-\r\n"
                          "t=0 0\r\n"
                          "a=group:BUNDLE 0 1\r\n",
                          g_random_int () >> 1);
  append_media (sdp, peer, fingerprint, TRUE, video_ssrc);
  append_media (sdp, peer, fingerprint, FALSE, audio_ssrc);
  return g_string_free (sdp, FALSE);
}

/* "FOUNDATION COMPONENT udp PRIORITY ADDRESS PORT typ host ..." */
static gboolean
parse_host_candidate (const char *value, struct sockaddr_in *out)
{
  g_auto (GStrv) fields = g_strsplit (value, " ", 0);

  if (g_strv_length (fields) < 8 || g_ascii_strcasecmp (fields[2], "udp") != 0
      || g_strcmp0 (fields[6], "typ") != 0
      || g_strcmp0 (fields[7], "host") != 0)
    return FALSE;

  guint64 port = 0;
  struct sockaddr_in address = { .sin_family = AF_INET };
  if (inet_pton (AF_INET, fields[4], &address.sin_addr) != 1
      || !g_ascii_string_to_unsigned (fields[5], 10, 1, G_MAXUINT16, &port,
                                      NULL))
    return FALSE;

  address.sin_port = htons ((guint16) port);
  *out = address;
  return TRUE;
}

static guint32
read_media_ssrc (const GstSDPMedia *media)
{
  const char *value = gst_sdp_media_get_attribute_val (media, "ssrc");

  if (value == NULL)
    return 0;
  return (guint32) g_ascii_strtoull (value, NULL, 10);
}

typedef struct {
  const char *ufrag;
  const char *pwd;
  const char *fingerprint;
  gboolean has_candidate;
} SsAnswerTransport;

static void
read_answer_media (SsBenchPeer *peer, const GstSDPMedia *media,
                   SsAnswerTransport *transport)
{
  if (transport->ufrag == NULL)
    transport->ufrag = gst_sdp_media_get_attribute_val (media, "ice-ufrag");
  if (transport->pwd == NULL)
    transport->pwd = gst_sdp_media_get_attribute_val (media, "ice-pwd");
  if (transport->fingerprint == NULL)
    transport->fingerprint = gst_sdp_media_get_attribute_val (media,
                                                              "fingerprint");

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
      if (!transport->has_candidate && g_strcmp0 (attr->key, "candidate") == 0
          && attr->value != NULL)
        transport->has_candidate = parse_host_candidate (attr->value,
                                                         &peer->relay_address);
    }

  const char *kind = gst_sdp_media_get_media (media);
  if (g_strcmp0 (kind, "video") == 0)
    peer->answer_video_ssrc = read_media_ssrc (media);
  else if (g_strcmp0 (kind, "audio") == 0)
    peer->answer_audio_ssrc = read_media_ssrc (media);
}

gboolean
ss_bench_peer_apply_answer (SsBenchPeer *peer, const char *answer_sdp,
                            SsDtlsCertificate *certificate,
                            const char *srtp_profiles, gint64 now_us,
                            GError **error)
{
  GstSDPMessage *message = NULL;

  if (gst_sdp_message_new_from_text (answer_sdp, &message) != GST_SDP_OK)
    {
      g_set_error (error, SS_BENCH_PEER_ERROR, SS_BENCH_PEER_ERROR_ANSWER,
                   "the relay's answer is not valid SDP");
      return FALSE;
    }

  SsAnswerTransport transport = {
    .ufrag = gst_sdp_message_get_attribute_val (message, "ice-ufrag"),
    .pwd = gst_sdp_message_get_attribute_val (message, "ice-pwd"),
    .fingerprint = gst_sdp_message_get_attribute_val (message, "fingerprint"),
  };
  for (guint i = 0; i < gst_sdp_message_medias_len (message); i++)
    read_answer_media (peer, gst_sdp_message_get_media (message, i),
                       &transport);

  gboolean complete = transport.ufrag != NULL && transport.pwd != NULL
                      && transport.fingerprint != NULL
                      && g_str_has_prefix (transport.fingerprint, "sha-256 ")
                      && transport.has_candidate;
  gboolean has_streams = peer->role == SS_BENCH_PEER_PUBLISHER
                         || (peer->answer_video_ssrc != 0
                             && peer->answer_audio_ssrc != 0);
  if (!complete || !has_streams)
    {
      g_set_error (error, SS_BENCH_PEER_ERROR, SS_BENCH_PEER_ERROR_ANSWER,
                   "the relay's answer lacks %s",
                   !complete ? "ICE credentials, a SHA-256 fingerprint or an "
                               "IPv4 UDP host candidate"
                             : "an a=ssrc line for video and for audio");
      gst_sdp_message_free (message);
      return FALSE;
    }

  peer->relay_ufrag = g_strdup (transport.ufrag);
  peer->relay_pwd = g_strdup (transport.pwd);

  SsWebrtcTransportConfig config = {
    .local_ufrag = peer->ufrag,
    .local_pwd = peer->pwd,
    .remote_ufrag = peer->relay_ufrag,
    .remote_pwd = peer->relay_pwd,
    .remote_fingerprint = transport.fingerprint + strlen ("sha-256 "),
    .certificate = certificate,
    .dtls_role = SS_DTLS_ROLE_CLIENT,
    .srtp_profiles = srtp_profiles,
  };
  peer->transport = ss_webrtc_transport_new (&config, &transport_listener,
                                             peer, now_us);
  gst_sdp_message_free (message);
  return TRUE;
}

/* ---- ICE ---- */

typedef struct {
  guint8 data[512];
  gsize len;
} SsStunCheck;

static SsStunCheck
build_check (const char *username, const char *password)
{
  static const uint16_t known_attributes[] = { 0 };
  StunAgent agent;
  StunMessage message;
  SsStunCheck check = { .len = 0 };
  guint64 tie_breaker = ((guint64) g_random_int () << 32) | g_random_int ();

  stun_agent_init (&agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                   STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS
                     | STUN_AGENT_USAGE_USE_FINGERPRINT);
  check.len = stun_usage_ice_conncheck_create (
    &agent, &message, check.data, sizeof check.data,
    (const uint8_t *) username, strlen (username),
    (const uint8_t *) password, strlen (password), TRUE, TRUE, HOST_PRIORITY,
    tie_breaker, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  return check;
}

void
ss_bench_peer_refresh_consent (SsBenchPeer *peer, gint64 now_us)
{
  if (peer->transport == NULL || peer->closed)
    return;

  /* To the relay: USERNAME is "relay ufrag:our ufrag", keyed with the
   * relay's password (RFC 8445 section 7.2.2). */
  g_autofree char *to_relay = g_strdup_printf ("%s:%s", peer->relay_ufrag,
                                               peer->ufrag);
  SsStunCheck check = build_check (to_relay, peer->relay_pwd);
  if (check.len > 0
      && sendto (peer->fd, check.data, check.len, 0,
                 (struct sockaddr *) &peer->relay_address,
                 sizeof peer->relay_address) >= 0)
    peer->datagrams_sent++;

  /* To the local transport, so it validates the relay's address. */
  g_autofree char *to_self = g_strdup_printf ("%s:%s", peer->ufrag,
                                              peer->relay_ufrag);
  SsStunCheck self_check = build_check (to_self, peer->pwd);
  if (self_check.len > 0)
    ss_webrtc_transport_receive (peer->transport, now_us, self_check.data,
                                 self_check.len,
                                 (struct sockaddr *) &peer->relay_address,
                                 sizeof peer->relay_address);

  gint64 jitter = g_random_int_range (-CONSENT_INTERVAL_US / 5,
                                      CONSENT_INTERVAL_US / 5);
  peer->next_consent_us = now_us + CONSENT_INTERVAL_US + jitter;
}

/* ---- datagrams ---- */

void
ss_bench_peer_receive (SsBenchPeer *peer, gint64 now_us, guint8 *data,
                       gsize len, const struct sockaddr *from,
                       socklen_t from_len)
{
  if (peer->transport != NULL)
    ss_webrtc_transport_receive (peer->transport, now_us, data, len, from,
                                 from_len);
}

void
ss_bench_peer_handle_timeout (SsBenchPeer *peer, gint64 now_us)
{
  if (peer->transport == NULL || peer->closed)
    return;

  if (now_us >= peer->next_consent_us && peer->next_consent_us != 0)
    ss_bench_peer_refresh_consent (peer, now_us);

  if (ss_webrtc_transport_get_next_timeout (peer->transport) <= now_us)
    ss_webrtc_transport_handle_timeout (peer->transport, now_us);
}

static gboolean
send_protected (SsBenchPeer *peer, guint8 *packet, gsize len, gsize cap,
                gboolean rtcp)
{
  if (!peer->connected)
    return FALSE;

  gboolean ok = rtcp ? ss_webrtc_transport_protect_rtcp (peer->transport,
                                                         packet, &len, cap)
                     : ss_webrtc_transport_protect_rtp (peer->transport,
                                                        packet, &len, cap);
  if (!ok)
    return FALSE;

  if (sendto (peer->fd, packet, len, 0,
              (struct sockaddr *) &peer->relay_address,
              sizeof peer->relay_address) < 0)
    {
      peer->send_failures++;
      return FALSE;
    }

  peer->datagrams_sent++;
  return TRUE;
}

gboolean
ss_bench_peer_send_rtp (SsBenchPeer *peer, guint8 *packet, gsize len,
                        gsize cap)
{
  return send_protected (peer, packet, len, cap, FALSE);
}

gboolean
ss_bench_peer_send_rtcp (SsBenchPeer *peer, guint8 *packet, gsize len,
                         gsize cap)
{
  return send_protected (peer, packet, len, cap, TRUE);
}
