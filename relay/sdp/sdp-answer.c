/* Writing the relay's SDP answer with GstSDPMessage (RFC 8829 section 5.3).
 *
 * The relay is ICE-lite (RFC 8445 section 2.5): it gathers nothing, so the
 * answer lists every host candidate and ends with a=end-of-candidates
 * (RFC 8840 section 4.1) instead of trickling. It is always the DTLS server
 * (a=setup:passive). Feedback is echoed only where the relay acts on it:
 * generic NACK, PLI and FIR.
 */
#define G_LOG_DOMAIN "ss-relay"

#include "sdp/sdp-answer.h"

#include <gst/sdp/sdp.h>
#include <string.h>

/* RFC 8445 section 5.1.2.1 with type preference 126 (host) and one
 * component: each further address gets a lower local preference. */
static guint32
candidate_priority (guint address_index)
{
  guint32 local_preference = 65535 - MIN (address_index, 65535u);
  return (126u << 24) | (local_preference << 8) | (256 - 1);
}

static const char *
answer_direction (const SsSdpMedia *media, gboolean sending)
{
  switch (media->direction)
    {
    case SS_DIRECTION_SENDONLY:
      return "recvonly";
    case SS_DIRECTION_RECVONLY:
      return sending ? "sendonly" : "inactive";
    case SS_DIRECTION_SENDRECV:
      return sending ? "sendrecv" : "recvonly";
    case SS_DIRECTION_INACTIVE:
    default:
      return "inactive";
    }
}

static void
add_candidates (GstSDPMedia *m, const SsSdpAnswerTransport *transport)
{
  for (guint i = 0; transport->addresses[i] != NULL; i++)
    {
      g_autofree char *value = g_strdup_printf (
          "%u 1 udp %u %s %u typ host", i + 1, candidate_priority (i),
          transport->addresses[i], transport->port);
      gst_sdp_media_add_attribute (m, "candidate", value);
    }
  gst_sdp_media_add_attribute (m, "end-of-candidates", NULL);
}

static void
add_rtx (GstSDPMedia *m, const SsSdpMedia *media)
{
  g_autofree char *format = g_strdup_printf ("%u", media->rtx_payload_type);
  gst_sdp_media_add_format (m, format);

  g_autofree char *rtpmap = g_strdup_printf ("%u rtx/%u", media->rtx_payload_type,
                                             media->clock_rate);
  gst_sdp_media_add_attribute (m, "rtpmap", rtpmap);

  g_autofree char *fmtp = g_strdup_printf ("%u apt=%u", media->rtx_payload_type,
                                           media->payload_type);
  gst_sdp_media_add_attribute (m, "fmtp", fmtp);
}

static void
add_codec (GstSDPMedia *m, const SsSdpMedia *media)
{
  g_autofree char *format = g_strdup_printf ("%u", media->payload_type);
  gst_sdp_media_add_format (m, format);

  g_autofree char *rtpmap =
      media->channels > 0
          ? g_strdup_printf ("%u %s/%u/%u", media->payload_type,
                             media->encoding_name, media->clock_rate,
                             media->channels)
          : g_strdup_printf ("%u %s/%u", media->payload_type,
                             media->encoding_name, media->clock_rate);
  gst_sdp_media_add_attribute (m, "rtpmap", rtpmap);

  if (media->fmtp != NULL)
    {
      g_autofree char *fmtp =
          g_strdup_printf ("%u %s", media->payload_type, media->fmtp);
      gst_sdp_media_add_attribute (m, "fmtp", fmtp);
    }

  if (media->feedback.nack)
    {
      g_autofree char *fb = g_strdup_printf ("%u nack", media->payload_type);
      gst_sdp_media_add_attribute (m, "rtcp-fb", fb);
    }
  if (media->feedback.nack_pli)
    {
      g_autofree char *fb = g_strdup_printf ("%u nack pli", media->payload_type);
      gst_sdp_media_add_attribute (m, "rtcp-fb", fb);
    }
  if (media->feedback.ccm_fir)
    {
      g_autofree char *fb = g_strdup_printf ("%u ccm fir", media->payload_type);
      gst_sdp_media_add_attribute (m, "rtcp-fb", fb);
    }
}

static void
add_send_stream (GstSDPMedia *m, const SsSdpSendStream *stream)
{
  g_autofree char *msid =
      g_strdup_printf ("%s %s", stream->msid_stream, stream->msid_track);
  gst_sdp_media_add_attribute (m, "msid", msid);

  g_autofree char *ssrc =
      g_strdup_printf ("%u cname:%s", stream->ssrc, stream->cname);
  gst_sdp_media_add_attribute (m, "ssrc", ssrc);
}

static void
add_rejected_media (GstSDPMessage *msg, const SsSdpMedia *media)
{
  GstSDPMedia *m = NULL;
  gst_sdp_media_new (&m);
  gst_sdp_media_set_media (m, media->media_type);
  gst_sdp_media_set_port_info (m, 0, 1);
  gst_sdp_media_set_proto (m, media->proto != NULL ? media->proto
                                                   : "UDP/TLS/RTP/SAVPF");
  gst_sdp_media_add_format (m, media->first_format);
  gst_sdp_media_add_connection (m, "IN", "IP4", "0.0.0.0", 0, 0);
  if (media->mid != NULL)
    gst_sdp_media_add_attribute (m, "mid", media->mid);
  gst_sdp_message_add_media (msg, m);
  gst_sdp_media_free (m);
}

static void
add_accepted_media (GstSDPMessage *msg, const SsSdpMedia *media,
                    const SsSdpAnswerTransport *transport,
                    const SsSdpSendStream *stream, gboolean accept_rtx)
{
  GstSDPMedia *m = NULL;
  const char *address = transport->addresses[0];
  gboolean ipv6 = strchr (address, ':') != NULL;
  gboolean sending = stream != NULL && stream->ssrc != 0;

  gst_sdp_media_new (&m);
  gst_sdp_media_set_media (m, media->media_type);
  gst_sdp_media_set_port_info (m, transport->port, 1);
  gst_sdp_media_set_proto (m, "UDP/TLS/RTP/SAVPF");
  gst_sdp_media_add_connection (m, "IN", ipv6 ? "IP6" : "IP4", address, 0, 0);
  add_codec (m, media);
  if (accept_rtx && media->rtx_payload_type != 0)
    add_rtx (m, media);

  gst_sdp_media_add_attribute (m, "mid", media->mid);
  gst_sdp_media_add_attribute (m, "ice-ufrag", transport->ice_ufrag);
  gst_sdp_media_add_attribute (m, "ice-pwd", transport->ice_pwd);
  g_autofree char *fingerprint =
      g_strdup_printf ("sha-256 %s", transport->fingerprint);
  gst_sdp_media_add_attribute (m, "fingerprint", fingerprint);
  gst_sdp_media_add_attribute (m, "setup", "passive");
  gst_sdp_media_add_attribute (m, "rtcp-mux", NULL);
  gst_sdp_media_add_attribute (m, answer_direction (media, sending), NULL);
  if (sending)
    add_send_stream (m, stream);
  add_candidates (m, transport);

  gst_sdp_message_add_media (msg, m);
  gst_sdp_media_free (m);
}

char *
ss_sdp_answer_build (const SsSdpOffer *offer,
                     const SsSdpAnswerTransport *transport,
                     const SsSdpSendStream *send_streams,
                     guint n_send_streams, gboolean accept_rtx)
{
  g_return_val_if_fail (offer != NULL, NULL);
  g_return_val_if_fail (transport->addresses != NULL &&
                            transport->addresses[0] != NULL,
                        NULL);

  GstSDPMessage *msg = NULL;
  gst_sdp_message_new (&msg);
  gst_sdp_message_set_version (msg, "0");

  /* RFC 8866 section 5.2: a session id from a random 62-bit number. */
  g_autofree char *session_id = g_strdup_printf (
      "%" G_GUINT64_FORMAT,
      ((guint64) g_random_int () << 30) ^ (guint64) g_random_int ());
  gst_sdp_message_set_origin (msg, "-", session_id, "2", "IN", "IP4",
                              "127.0.0.1");
  gst_sdp_message_set_session_name (msg, "-");
  gst_sdp_message_add_time (msg, "0", "0", NULL);
  gst_sdp_message_add_attribute (msg, "ice-lite", NULL);

  GString *bundle = g_string_new ("BUNDLE");
  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (media->accepted)
        g_string_append_printf (bundle, " %s", media->mid);
    }
  gst_sdp_message_add_attribute (msg, "group", bundle->str);
  g_string_free (bundle, TRUE);
  gst_sdp_message_add_attribute (msg, "msid-semantic", " WMS *");

  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      const SsSdpSendStream *stream =
          send_streams != NULL && i < n_send_streams ? &send_streams[i] : NULL;

      if (media->accepted)
        add_accepted_media (msg, media, transport, stream, accept_rtx);
      else
        add_rejected_media (msg, media);
    }

  char *text = gst_sdp_message_as_text (msg);
  gst_sdp_message_free (msg);
  return text;
}
