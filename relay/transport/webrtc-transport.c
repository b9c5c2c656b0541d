/* One WebRTC peer of the relay: ICE-lite replies to the peer's checks, DTLS
 * runs over the address ICE selected, and SRTP is keyed from DTLS. All
 * three share one 5-tuple (BUNDLE, rtcp-mux) and are told apart by the
 * first byte (RFC 7983 section 7) and, for RTCP, the second (RFC 5761
 * section 4).
 *
 * Addresses: every source of a valid check is remembered as validated, and
 * only validated sources may feed DTLS and SRTP (RFC 8445 section 7.3 makes
 * the check the proof of the path). The selected address, where DTLS and
 * media go, is the latest nominated one (USE-CANDIDATE, RFC 8445 section
 * 8.1.1) or, before any nomination, the first validated one so DTLS can
 * start.
 *
 * Timers, in the caller's now_us clock: the peer is dropped 30 s after the
 * last sign of life (RFC 7675 section 5.1 gives the 30 s), counted from
 * creation until the first check. A sign of life is a valid check or an
 * SRTP or SRTCP packet from a validated address that authenticates. The
 * second matters: libnice (0.1.21, as in GStreamer's webrtcbin) keeps a
 * nominated pair alive with binding indications, not requests, unless its
 * consent-freshness option is on, so checks alone would drop every such
 * peer after 30 s; a packet that passes SRTP authentication is at least as
 * strong a proof that the peer is there and still sending to us. DTLS must
 * finish 30 s after the first check; DTLS flights are retransmitted on the
 * session's own deadline. */
#define G_LOG_DOMAIN "ss-relay-transport"

#include "transport/webrtc-transport.h"

#include <netinet/in.h>
#include <string.h>

#include "wire/demux.h"

/* Peers with several interfaces check each pair, so several addresses are
 * kept. Once the array is full, the oldest one is replaced. */
#define MAX_VALIDATED_ADDRESSES 8

/* Room for a binding response: header, XOR-MAPPED-ADDRESS, the echoed
 * USERNAME (at most 513 bytes, RFC 8489 section 14.3), MESSAGE-INTEGRITY
 * and FINGERPRINT. */
#define STUN_REPLY_CAP 1024

typedef struct {
  struct sockaddr_storage addr;
  socklen_t len;
} SsRemoteAddress;

struct _SsWebrtcTransport {
  SsWebrtcTransportListener listener;
  gpointer user_data;
  char *tag; /* local ufrag, for logs */

  SsIceLite *ice;
  SsDtlsCertificate *certificate;
  SsDtlsSession *dtls; /* NULL when it could not be set up */
  SsSrtpSession *srtp; /* non-NULL once connected */

  gint64 created_us;
  gint64 latest_now_us;  /* from the latest call that passed a time */
  /* The last valid check or authenticated SRTP/SRTCP packet; created_us
   * until the first valid check. */
  gint64 last_check_us;
  gint64 first_check_us; /* valid when has_valid_check */
  gboolean has_valid_check;
  gboolean closed;

  SsRemoteAddress validated[MAX_VALIDATED_ADDRESSES];
  guint n_validated;
  guint oldest_validated; /* slot replaced next once the array is full */
  SsRemoteAddress selected; /* len 0 before the first valid check */

  SsWebrtcTransportCounters counters;
};

static void on_dtls_send (gpointer user_data, const guint8 *data, gsize len);
static void on_dtls_connected (gpointer user_data, const SsSrtpKeys *keys);
static void on_dtls_failed (gpointer user_data, const char *reason);
static void on_dtls_closed (gpointer user_data);

static const SsDtlsSessionListener dtls_listener = {
  .send = on_dtls_send,
  .connected = on_dtls_connected,
  .failed = on_dtls_failed,
  .closed = on_dtls_closed,
};

/* ---------------------------------------------------------------------
 * Addresses
 * --------------------------------------------------------------------- */

static gboolean
same_address (const struct sockaddr *a, const struct sockaddr *b)
{
  if (a->sa_family != b->sa_family)
    return FALSE;

  if (a->sa_family == AF_INET)
    {
      const struct sockaddr_in *a4 = (const struct sockaddr_in *) a;
      const struct sockaddr_in *b4 = (const struct sockaddr_in *) b;

      return a4->sin_port == b4->sin_port
             && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
    }

  if (a->sa_family == AF_INET6)
    {
      const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *) a;
      const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *) b;

      return a6->sin6_port == b6->sin6_port
             && a6->sin6_scope_id == b6->sin6_scope_id
             && memcmp (&a6->sin6_addr, &b6->sin6_addr, sizeof b6->sin6_addr)
                  == 0;
    }

  return FALSE;
}

static gboolean
is_usable_address (const struct sockaddr *addr, socklen_t len)
{
  if (addr == NULL)
    return FALSE;
  if (addr->sa_family == AF_INET)
    return len >= sizeof (struct sockaddr_in);
  if (addr->sa_family == AF_INET6)
    return len >= sizeof (struct sockaddr_in6)
           && len <= sizeof (struct sockaddr_storage);
  return FALSE;
}

static gboolean
is_validated (SsWebrtcTransport *transport, const struct sockaddr *addr)
{
  for (guint i = 0; i < transport->n_validated; i++)
    if (same_address ((const struct sockaddr *) &transport->validated[i].addr,
                      addr))
      return TRUE;
  return FALSE;
}

static void
copy_address (SsRemoteAddress *out, const struct sockaddr *addr, socklen_t len)
{
  memset (&out->addr, 0, sizeof out->addr);
  memcpy (&out->addr, addr, len);
  out->len = len;
}

/* Returns TRUE when addr was not validated before. */
static gboolean
remember_validated (SsWebrtcTransport *transport,
                    const struct sockaddr *addr,
                    socklen_t len)
{
  if (is_validated (transport, addr))
    return FALSE;

  guint slot;
  if (transport->n_validated < MAX_VALIDATED_ADDRESSES)
    {
      slot = transport->n_validated++;
    }
  else
    {
      slot = transport->oldest_validated;
      transport->oldest_validated = (slot + 1) % MAX_VALIDATED_ADDRESSES;
    }

  copy_address (&transport->validated[slot], addr, len);
  return TRUE;
}

static void
send_to (SsWebrtcTransport *transport,
         const guint8 *data,
         gsize len,
         const struct sockaddr *addr,
         socklen_t addr_len)
{
  transport->counters.packets_out++;
  transport->counters.bytes_out += len;
  transport->listener.send (transport->user_data, data, len, addr, addr_len);
}

/* ---------------------------------------------------------------------
 * Life cycle
 * --------------------------------------------------------------------- */

static void
close_with_reason (SsWebrtcTransport *transport,
                   const char *reason,
                   gboolean send_close_notify)
{
  if (transport->closed)
    return;

  /* close_notify goes out before the flag is set, while sending is still
   * allowed. */
  if (send_close_notify && transport->dtls != NULL)
    ss_dtls_session_close (transport->dtls);
  transport->closed = TRUE;

  g_info ("transport %s: closed (%s) %" G_GINT64_FORMAT " ms after creation",
          transport->tag, reason,
          (transport->latest_now_us - transport->created_us) / 1000);

  transport->listener.closed (transport->user_data, reason);
}

SsWebrtcTransport *
ss_webrtc_transport_new (const SsWebrtcTransportConfig *config,
                         const SsWebrtcTransportListener *listener,
                         gpointer user_data,
                         gint64 now_us)
{
  g_return_val_if_fail (config != NULL && listener != NULL, NULL);
  g_return_val_if_fail (config->certificate != NULL, NULL);
  g_return_val_if_fail (listener->send != NULL && listener->closed != NULL,
                        NULL);

  SsWebrtcTransport *transport = g_new0 (SsWebrtcTransport, 1);
  transport->listener = *listener;
  transport->user_data = user_data;
  transport->tag = g_strdup (config->local_ufrag);
  transport->created_us = now_us;
  transport->latest_now_us = now_us;
  transport->last_check_us = now_us;
  transport->certificate = ss_dtls_certificate_ref (config->certificate);
  transport->ice = ss_ice_lite_new (config->local_ufrag, config->local_pwd,
                                    config->remote_ufrag, config->remote_pwd);

  SsDtlsSessionConfig dtls_config = {
    .certificate = config->certificate,
    .role = config->dtls_role,
    .remote_fingerprint = config->remote_fingerprint,
    .srtp_profiles = config->srtp_profiles,
  };
  g_autoptr (GError) error = NULL;
  transport->dtls = ss_dtls_session_new (&dtls_config, &dtls_listener,
                                         transport, &error);
  if (transport->dtls == NULL)
    g_warning ("transport %s: cannot set up DTLS, the transport will close: "
               "%s", transport->tag, error->message);

  g_info ("transport %s: created as DTLS %s", transport->tag,
          config->dtls_role == SS_DTLS_ROLE_SERVER ? "server" : "client");
  return transport;
}

void
ss_webrtc_transport_free (SsWebrtcTransport *transport)
{
  if (transport == NULL)
    return;

  g_debug ("transport %s: freed", transport->tag);
  ss_srtp_session_free (transport->srtp);
  ss_dtls_session_free (transport->dtls);
  ss_dtls_certificate_unref (transport->certificate);
  ss_ice_lite_free (transport->ice);
  g_free (transport->tag);
  g_free (transport);
}

void
ss_webrtc_transport_close (SsWebrtcTransport *transport)
{
  g_return_if_fail (transport != NULL);

  close_with_reason (transport, "closed", TRUE);
}

/* ---------------------------------------------------------------------
 * DTLS session listener
 * --------------------------------------------------------------------- */

static void
on_dtls_send (gpointer user_data, const guint8 *data, gsize len)
{
  SsWebrtcTransport *transport = user_data;

  if (transport->closed || transport->selected.len == 0)
    return;

  send_to (transport, data, len,
           (const struct sockaddr *) &transport->selected.addr,
           transport->selected.len);
}

static void
on_dtls_connected (gpointer user_data, const SsSrtpKeys *keys)
{
  SsWebrtcTransport *transport = user_data;
  g_autoptr (GError) error = NULL;

  transport->srtp = ss_srtp_session_new (keys, &error);
  if (transport->srtp == NULL)
    {
      g_warning ("transport %s: cannot set up SRTP: %s", transport->tag,
                 error->message);
      close_with_reason (transport, "dtls_failed", TRUE);
      return;
    }

  g_info ("transport %s: connected with %s", transport->tag,
          ss_srtp_profile_to_string (keys->profile));
  if (transport->listener.connected != NULL)
    transport->listener.connected (transport->user_data);
}

static void
on_dtls_failed (gpointer user_data, const char *reason)
{
  SsWebrtcTransport *transport = user_data;

  g_info ("transport %s: DTLS failed: %s", transport->tag, reason);
  close_with_reason (transport, "dtls_failed", FALSE);
}

static void
on_dtls_closed (gpointer user_data)
{
  SsWebrtcTransport *transport = user_data;

  g_info ("transport %s: peer sent DTLS close_notify", transport->tag);
  close_with_reason (transport, "closed", FALSE);
}

/* ---------------------------------------------------------------------
 * Receiving
 * --------------------------------------------------------------------- */

static void
select_address (SsWebrtcTransport *transport,
                const struct sockaddr *from,
                socklen_t from_len,
                gboolean use_candidate)
{
  gboolean is_new = remember_validated (transport, from, from_len);
  gboolean has_selected = transport->selected.len != 0;
  gboolean is_selected = has_selected
                         && same_address (
                           (const struct sockaddr *) &transport->selected.addr,
                           from);
  gboolean becomes_selected = !has_selected || (use_candidate && !is_selected);

  if (becomes_selected)
    {
      copy_address (&transport->selected, from, from_len);
      g_debug ("transport %s: selected a new remote address%s",
               transport->tag, use_candidate ? " (nominated)" : "");
    }

  if ((is_new || becomes_selected)
      && transport->listener.address_validated != NULL)
    transport->listener.address_validated (transport->user_data, from,
                                           from_len,
                                           is_selected || becomes_selected);
}

static void
on_valid_check (SsWebrtcTransport *transport,
                gint64 now_us,
                const struct sockaddr *from,
                socklen_t from_len,
                gboolean use_candidate)
{
  transport->last_check_us = now_us;
  if (!transport->has_valid_check)
    {
      transport->has_valid_check = TRUE;
      transport->first_check_us = now_us;
    }

  select_address (transport, from, from_len, use_candidate);

  /* The first valid check opens the path: a client sends its ClientHello,
   * a server starts waiting for one. */
  if (transport->dtls != NULL
      && ss_dtls_session_get_state (transport->dtls) == SS_DTLS_STATE_NEW)
    ss_dtls_session_start (transport->dtls, now_us);
}

static void
receive_stun (SsWebrtcTransport *transport,
              gint64 now_us,
              const guint8 *data,
              gsize len,
              const struct sockaddr *from,
              socklen_t from_len)
{
  guint8 reply[STUN_REPLY_CAP];
  gsize reply_len = sizeof reply;
  gboolean use_candidate = FALSE;

  SsIceResult result = ss_ice_lite_handle (transport->ice, data, len, from,
                                           from_len, reply, &reply_len,
                                           &use_candidate);
  switch (result)
    {
    case SS_ICE_REPLY:
      send_to (transport, reply, reply_len, from, from_len);
      on_valid_check (transport, now_us, from, from_len, use_candidate);
      break;

    case SS_ICE_REJECTED:
      transport->counters.stun_rejected++;
      if (reply_len > 0)
        send_to (transport, reply, reply_len, from, from_len);
      break;

    case SS_ICE_MALFORMED:
      transport->counters.stun_malformed++;
      break;

    case SS_ICE_IGNORED:
    default:
      break;
    }
}

static void
receive_dtls (SsWebrtcTransport *transport,
              gint64 now_us,
              const guint8 *data,
              gsize len,
              const struct sockaddr *from)
{
  if (!is_validated (transport, from))
    {
      transport->counters.unvalidated_dropped++;
      return;
    }

  if (transport->dtls != NULL)
    ss_dtls_session_receive (transport->dtls, now_us, data, len);
}

static void
receive_srtp (SsWebrtcTransport *transport,
              gint64 now_us,
              guint8 *data,
              gsize len,
              const struct sockaddr *from,
              gboolean is_rtcp)
{
  if (!is_validated (transport, from))
    {
      transport->counters.unvalidated_dropped++;
      return;
    }

  if (transport->srtp == NULL)
    {
      transport->counters.early_media_dropped++;
      return;
    }

  gboolean ok = is_rtcp ? ss_srtp_unprotect_rtcp (transport->srtp, data, &len)
                        : ss_srtp_unprotect_rtp (transport->srtp, data, &len);
  if (!ok)
    {
      transport->counters.srtp_failures++;
      return;
    }

  transport->last_check_us = now_us;

  if (is_rtcp)
    {
      transport->counters.rtcp_packets_in++;
      if (transport->listener.rtcp != NULL)
        transport->listener.rtcp (transport->user_data, data, len, now_us);
    }
  else
    {
      transport->counters.rtp_packets_in++;
      if (transport->listener.rtp != NULL)
        transport->listener.rtp (transport->user_data, data, len, now_us);
    }
}

void
ss_webrtc_transport_receive (SsWebrtcTransport *transport,
                             gint64 now_us,
                             guint8 *data,
                             gsize len,
                             const struct sockaddr *from,
                             socklen_t from_len)
{
  g_return_if_fail (transport != NULL);

  if (transport->closed || data == NULL || len == 0)
    return;

  transport->latest_now_us = now_us;
  transport->counters.packets_in++;
  transport->counters.bytes_in += len;

  if (!is_usable_address (from, from_len))
    {
      transport->counters.unknown_dropped++;
      return;
    }

  switch (ss_demux_classify (data, len))
    {
    case SS_PACKET_STUN:
      receive_stun (transport, now_us, data, len, from, from_len);
      break;
    case SS_PACKET_DTLS:
      receive_dtls (transport, now_us, data, len, from);
      break;
    case SS_PACKET_RTP:
      receive_srtp (transport, now_us, data, len, from, FALSE);
      break;
    case SS_PACKET_RTCP:
      receive_srtp (transport, now_us, data, len, from, TRUE);
      break;
    case SS_PACKET_UNKNOWN:
    default:
      transport->counters.unknown_dropped++;
      break;
    }
}

/* ---------------------------------------------------------------------
 * Timers
 * --------------------------------------------------------------------- */

static gint64
dtls_handshake_deadline (SsWebrtcTransport *transport)
{
  if (!transport->has_valid_check || transport->srtp != NULL)
    return G_MAXINT64;
  return transport->first_check_us + SS_DTLS_HANDSHAKE_TIMEOUT_US;
}

gint64
ss_webrtc_transport_get_next_timeout (SsWebrtcTransport *transport)
{
  g_return_val_if_fail (transport != NULL, G_MAXINT64);

  if (transport->closed)
    return G_MAXINT64;
  if (transport->dtls == NULL)
    return transport->created_us;

  gint64 next = transport->last_check_us + SS_ICE_CONSENT_TIMEOUT_US;
  next = MIN (next, dtls_handshake_deadline (transport));
  next = MIN (next, ss_dtls_session_get_next_timeout (transport->dtls));
  return next;
}

void
ss_webrtc_transport_handle_timeout (SsWebrtcTransport *transport,
                                    gint64 now_us)
{
  g_return_if_fail (transport != NULL);

  if (transport->closed)
    return;

  transport->latest_now_us = now_us;

  if (transport->dtls == NULL)
    {
      close_with_reason (transport, "dtls_failed", FALSE);
      return;
    }

  if (now_us >= transport->last_check_us + SS_ICE_CONSENT_TIMEOUT_US)
    {
      close_with_reason (transport, "ice_timeout", FALSE);
      return;
    }

  if (now_us >= dtls_handshake_deadline (transport))
    {
      close_with_reason (transport, "dtls_failed", FALSE);
      return;
    }

  ss_dtls_session_handle_timeout (transport->dtls, now_us);
}

/* ---------------------------------------------------------------------
 * Sending and state
 * --------------------------------------------------------------------- */

static gboolean
count_protected (SsWebrtcTransport *transport, gboolean ok, gsize len)
{
  if (!ok)
    {
      transport->counters.srtp_failures++;
      return FALSE;
    }

  transport->counters.packets_out++;
  transport->counters.bytes_out += len;
  return TRUE;
}

gboolean
ss_webrtc_transport_protect_rtp (SsWebrtcTransport *transport,
                                 guint8 *packet,
                                 gsize *len,
                                 gsize cap)
{
  g_return_val_if_fail (transport != NULL, FALSE);
  g_return_val_if_fail (packet != NULL && len != NULL, FALSE);

  if (transport->closed || transport->srtp == NULL)
    return FALSE;

  gboolean ok = ss_srtp_protect_rtp (transport->srtp, packet, len, cap);
  return count_protected (transport, ok, *len);
}

gboolean
ss_webrtc_transport_protect_rtcp (SsWebrtcTransport *transport,
                                  guint8 *packet,
                                  gsize *len,
                                  gsize cap)
{
  g_return_val_if_fail (transport != NULL, FALSE);
  g_return_val_if_fail (packet != NULL && len != NULL, FALSE);

  if (transport->closed || transport->srtp == NULL)
    return FALSE;

  gboolean ok = ss_srtp_protect_rtcp (transport->srtp, packet, len, cap);
  return count_protected (transport, ok, *len);
}

const struct sockaddr *
ss_webrtc_transport_get_remote_address (SsWebrtcTransport *transport,
                                        socklen_t *len)
{
  g_return_val_if_fail (transport != NULL, NULL);

  if (len != NULL)
    *len = transport->selected.len;
  if (transport->selected.len == 0)
    return NULL;
  return (const struct sockaddr *) &transport->selected.addr;
}

gboolean
ss_webrtc_transport_is_connected (SsWebrtcTransport *transport)
{
  g_return_val_if_fail (transport != NULL, FALSE);

  return !transport->closed && transport->srtp != NULL;
}

SsSrtpProfile
ss_webrtc_transport_get_srtp_profile (SsWebrtcTransport *transport)
{
  g_return_val_if_fail (transport != NULL, 0);

  if (transport->srtp == NULL)
    return 0;
  return ss_srtp_session_get_profile (transport->srtp);
}

const SsWebrtcTransportCounters *
ss_webrtc_transport_get_counters (SsWebrtcTransport *transport)
{
  g_return_val_if_fail (transport != NULL, NULL);

  return &transport->counters;
}
