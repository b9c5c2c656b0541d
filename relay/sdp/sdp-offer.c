/* Reading a client's SDP offer with GstSDPMessage.
 *
 * The relay accepts offers from WebRTC stacks (webrtcbin, browsers). It
 * takes ICE credentials and the DTLS fingerprint from the session or the
 * media level (RFC 8839 section 5.4, RFC 8122 section 5). It picks VP8 or
 * Opus from each m-line's formats in the offerer's preference order, and
 * records the RTCP feedback and the SSRC the offerer will send with. Anything a WebRTC
 * peer must offer and this one lacks is a clear SS_SDP_ERROR, so the server
 * can tell the client why.
 */
#define G_LOG_DOMAIN "ss-relay"

#include "sdp/sdp-offer.h"

#include <gst/sdp/sdp.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (ss-sdp-error-quark, ss_sdp_error)

static void
sdp_media_free (gpointer data)
{
  SsSdpMedia *media = data;

  g_free (media->mid);
  g_free (media->media_type);
  g_free (media->proto);
  g_free (media->first_format);
  g_free (media->encoding_name);
  g_free (media->fmtp);
  g_free (media->cname);
  g_free (media);
}

void
ss_sdp_offer_free (SsSdpOffer *offer)
{
  if (offer == NULL)
    return;

  g_free (offer->ice_ufrag);
  g_free (offer->ice_pwd);
  g_free (offer->fingerprint);
  g_free (offer->setup);
  g_clear_pointer (&offer->media, g_ptr_array_unref);
  g_free (offer);
}

/* A media-level attribute, falling back to the session level. */
static const char *
lookup_attribute (const GstSDPMessage *msg, const GstSDPMedia *media,
                  const char *key)
{
  const char *value = gst_sdp_media_get_attribute_val (media, key);
  if (value != NULL)
    return value;
  return gst_sdp_message_get_attribute_val (msg, key);
}

static SsDirection
read_direction (const GstSDPMedia *media)
{
  if (gst_sdp_media_get_attribute_val (media, "sendonly") != NULL)
    return SS_DIRECTION_SENDONLY;
  if (gst_sdp_media_get_attribute_val (media, "recvonly") != NULL)
    return SS_DIRECTION_RECVONLY;
  if (gst_sdp_media_get_attribute_val (media, "inactive") != NULL)
    return SS_DIRECTION_INACTIVE;
  return SS_DIRECTION_SENDRECV;
}

/* Splits "96 VP8/90000" or "111 opus/48000/2" (RFC 8866 section 6.6). */
static gboolean
parse_rtpmap (const char *value, guint *payload_type, char **encoding_name,
              guint *clock_rate, guint *channels)
{
  char *end = NULL;
  guint64 pt = g_ascii_strtoull (value, &end, 10);
  if (end == value || pt > 127 || *end != ' ')
    return FALSE;

  g_auto (GStrv) parts = g_strsplit (end + 1, "/", 3);
  if (parts[0] == NULL || parts[1] == NULL || *parts[0] == '\0')
    return FALSE;

  guint64 rate = g_ascii_strtoull (parts[1], &end, 10);
  if (end == parts[1] || *end != '\0' || rate == 0 || rate > 1000000)
    return FALSE;

  guint64 n_channels = 0;
  if (parts[2] != NULL)
    {
      n_channels = g_ascii_strtoull (parts[2], &end, 10);
      if (end == parts[2] || *end != '\0' || n_channels > 8)
        return FALSE;
    }

  *payload_type = (guint) pt;
  *encoding_name = g_strdup (parts[0]);
  *clock_rate = (guint) rate;
  *channels = (guint) n_channels;
  return TRUE;
}

/* The value after "PT " of the first attribute `key` for that payload type. */
static const char *
find_payload_attribute (const GstSDPMedia *media, const char *key, guint pt)
{
  char prefix[8];
  g_snprintf (prefix, sizeof prefix, "%u ", pt);
  gsize prefix_len = strlen (prefix);

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
      if (g_strcmp0 (attr->key, key) != 0 || attr->value == NULL)
        continue;
      if (strncmp (attr->value, prefix, prefix_len) == 0)
        return attr->value + prefix_len;
    }
  return NULL;
}

static void
read_feedback (const GstSDPMedia *media, guint pt, SsSdpFeedback *feedback)
{
  char prefix[8];
  g_snprintf (prefix, sizeof prefix, "%u ", pt);
  gsize prefix_len = strlen (prefix);

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
      if (g_strcmp0 (attr->key, "rtcp-fb") != 0 || attr->value == NULL)
        continue;

      /* "*" applies to every payload type (RFC 4585 section 4.2). */
      const char *rest;
      if (strncmp (attr->value, prefix, prefix_len) == 0)
        rest = attr->value + prefix_len;
      else if (strncmp (attr->value, "* ", 2) == 0)
        rest = attr->value + 2;
      else
        continue;

      if (g_ascii_strcasecmp (rest, "nack") == 0)
        feedback->nack = TRUE;
      else if (g_ascii_strcasecmp (rest, "nack pli") == 0)
        feedback->nack_pli = TRUE;
      else if (g_ascii_strcasecmp (rest, "ccm fir") == 0)
        feedback->ccm_fir = TRUE;
    }
}

/* Finds the RTX payload type whose fmtp names apt=payload_type. */
static guint8
find_rtx (const GstSDPMedia *media, guint payload_type, guint clock_rate)
{
  g_autofree char *apt = g_strdup_printf ("apt=%u", payload_type);

  for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
      if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL)
        continue;

      guint pt, rate, channels;
      g_autofree char *name = NULL;
      if (!parse_rtpmap (attr->value, &pt, &name, &rate, &channels) ||
          g_ascii_strcasecmp (name, "rtx") != 0 || rate != clock_rate)
        continue;

      const char *fmtp = find_payload_attribute (media, "fmtp", pt);
      if (fmtp != NULL && strstr (fmtp, apt) != NULL)
        {
          const char *after = strstr (fmtp, apt) + strlen (apt);
          if (*after == '\0' || *after == ';' || *after == ' ')
            return (guint8) pt;
        }
    }
  return 0;
}

/* Picks the first format of the m-line whose rtpmap names the codec the
 * relay forwards for this kind: the offerer lists formats by preference. */
static gboolean
choose_codec (const GstSDPMedia *media, SsSdpMedia *out)
{
  const char *codec_name = out->kind == SS_MEDIA_VIDEO ? "VP8" : "opus";
  guint codec_rate = out->kind == SS_MEDIA_VIDEO ? 90000 : 48000;

  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
    {
      const char *format = gst_sdp_media_get_format (media, i);
      char *end = NULL;
      guint64 pt = g_ascii_strtoull (format, &end, 10);
      if (end == format || *end != '\0' || pt > 127)
        continue;

      for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++)
        {
          const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, a);
          if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL)
            continue;

          guint map_pt, rate, channels;
          g_autofree char *name = NULL;
          if (!parse_rtpmap (attr->value, &map_pt, &name, &rate, &channels))
            continue;
          if (map_pt != pt || g_ascii_strcasecmp (name, codec_name) != 0 ||
              rate != codec_rate)
            continue;

          out->payload_type = (guint8) pt;
          out->encoding_name = g_steal_pointer (&name);
          out->clock_rate = rate;
          out->channels = channels;
          out->fmtp = g_strdup (find_payload_attribute (media, "fmtp", map_pt));
          read_feedback (media, map_pt, &out->feedback);
          out->rtx_payload_type = find_rtx (media, map_pt, rate);
          return TRUE;
        }
    }
  return FALSE;
}

/* The media SSRC: the first of an FID group (RFC 5576 section 4.2, RFC 4588
 * section 8.2) when there is one, else the first a=ssrc line. */
static void
read_ssrc (const GstSDPMedia *media, SsSdpMedia *out)
{
  const char *group = gst_sdp_media_get_attribute_val (media, "ssrc-group");
  if (group != NULL && g_str_has_prefix (group, "FID "))
    {
      char *end = NULL;
      out->ssrc = (guint32) g_ascii_strtoull (group + 4, &end, 10);
      if (end != NULL && *end == ' ')
        out->rtx_ssrc = (guint32) g_ascii_strtoull (end + 1, NULL, 10);
    }

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
      if (g_strcmp0 (attr->key, "ssrc") != 0 || attr->value == NULL)
        continue;

      char *end = NULL;
      guint64 ssrc = g_ascii_strtoull (attr->value, &end, 10);
      if (end == attr->value || ssrc > G_MAXUINT32)
        continue;
      if (out->ssrc == 0)
        out->ssrc = (guint32) ssrc;
      if ((guint32) ssrc == out->ssrc && out->cname == NULL &&
          g_str_has_prefix (end, " cname:"))
        out->cname = g_strdup (end + strlen (" cname:"));
    }
}

static SsSdpMedia *
read_media (const GstSDPMedia *media, guint index)
{
  SsSdpMedia *out = g_new0 (SsSdpMedia, 1);
  const char *type = gst_sdp_media_get_media (media);

  out->mline_index = index;
  out->media_type = g_strdup (type != NULL ? type : "unknown");
  out->proto = g_strdup (gst_sdp_media_get_proto (media));
  out->first_format = g_strdup (gst_sdp_media_formats_len (media) > 0
                                    ? gst_sdp_media_get_format (media, 0)
                                    : "0");
  out->mid = g_strdup (gst_sdp_media_get_attribute_val (media, "mid"));
  out->direction = read_direction (media);

  if (g_strcmp0 (type, "video") == 0)
    out->kind = SS_MEDIA_VIDEO;
  else if (g_strcmp0 (type, "audio") == 0)
    out->kind = SS_MEDIA_AUDIO;
  else
    return out;

  /* Port 0 rejects the m-line (RFC 8843 section 7.3.3 keeps a bundled
   * m-line's port non-zero). */
  if (gst_sdp_media_get_port (media) == 0 &&
      gst_sdp_media_get_attribute_val (media, "bundle-only") == NULL)
    return out;

  if (!choose_codec (media, out))
    return out;

  read_ssrc (media, out);
  out->accepted = TRUE;
  return out;
}

static gboolean
check_bundle (const GstSDPMessage *msg, const SsSdpOffer *offer,
              GError **error)
{
  guint n_accepted = 0;
  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (media->accepted)
        n_accepted++;
    }
  if (n_accepted <= 1)
    return TRUE;

  /* Every accepted m-line shares the one relay transport, so they must all
   * be in one BUNDLE group (RFC 8843). */
  g_auto (GStrv) mids = NULL;
  for (guint i = 0; i < gst_sdp_message_attributes_len (msg); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_message_get_attribute (msg, i);
      if (g_strcmp0 (attr->key, "group") == 0 && attr->value != NULL &&
          g_str_has_prefix (attr->value, "BUNDLE "))
        {
          mids = g_strsplit (attr->value + strlen ("BUNDLE "), " ", -1);
          break;
        }
    }
  if (mids == NULL)
    {
      g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED,
                   "offer has no a=group:BUNDLE; the relay needs all media "
                   "bundled on one transport");
      return FALSE;
    }

  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (!media->accepted)
        continue;
      if (media->mid == NULL || !g_strv_contains ((const char *const *) mids,
                                                  media->mid))
        {
          g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED,
                       "m-line %u (mid %s) is not in the BUNDLE group",
                       media->mline_index,
                       media->mid != NULL ? media->mid : "missing");
          return FALSE;
        }
    }
  return TRUE;
}

/* Reads the transport parameters from the first accepted m-line (the
 * BUNDLE tag's, RFC 8843 section 7.1), falling back to the session level. */
static gboolean
read_transport (const GstSDPMessage *msg, SsSdpOffer *offer, GError **error)
{
  const GstSDPMedia *tagged = NULL;
  for (guint i = 0; i < offer->media->len && tagged == NULL; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (media->accepted)
        tagged = gst_sdp_message_get_media (msg, media->mline_index);
    }
  if (tagged == NULL)
    {
      g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED,
                   "offer has no audio or video m-line with VP8 or Opus");
      return FALSE;
    }

  offer->ice_ufrag = g_strdup (lookup_attribute (msg, tagged, "ice-ufrag"));
  offer->ice_pwd = g_strdup (lookup_attribute (msg, tagged, "ice-pwd"));
  if (offer->ice_ufrag == NULL || offer->ice_pwd == NULL)
    {
      g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED,
                   "offer has no a=ice-ufrag or a=ice-pwd");
      return FALSE;
    }

  /* RFC 8839 section 5.4: ufrag 4 to 256 ice-chars, pwd 22 to 256. */
  if (strlen (offer->ice_ufrag) < 4 || strlen (offer->ice_ufrag) > 256 ||
      strlen (offer->ice_pwd) < 22 || strlen (offer->ice_pwd) > 256)
    {
      g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED,
                   "offer's ICE ufrag or password has an invalid length");
      return FALSE;
    }

  const char *fingerprint = lookup_attribute (msg, tagged, "fingerprint");
  if (fingerprint == NULL ||
      g_ascii_strncasecmp (fingerprint, "sha-256 ", strlen ("sha-256 ")) != 0)
    {
      g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED,
                   "offer has no SHA-256 DTLS fingerprint");
      return FALSE;
    }
  offer->fingerprint = g_ascii_strup (fingerprint + strlen ("sha-256 "), -1);

  /* The relay is always the DTLS server, so the offerer must be able to
   * act as client (RFC 8842 section 5.2). */
  const char *setup = lookup_attribute (msg, tagged, "setup");
  offer->setup = g_strdup (setup != NULL ? setup : "actpass");
  if (g_strcmp0 (offer->setup, "actpass") != 0 &&
      g_strcmp0 (offer->setup, "active") != 0)
    {
      g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED,
                   "offer has a=setup:%s; the relay is the DTLS server, so "
                   "the offer must say actpass or active",
                   offer->setup);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_rtcp_mux (const GstSDPMessage *msg, const SsSdpOffer *offer,
                GError **error)
{
  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (!media->accepted)
        continue;

      const GstSDPMedia *m = gst_sdp_message_get_media (msg, media->mline_index);
      if (gst_sdp_media_get_attribute_val (m, "rtcp-mux") == NULL)
        {
          g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_UNSUPPORTED,
                       "m-line %u has no a=rtcp-mux", media->mline_index);
          return FALSE;
        }
    }
  return TRUE;
}

SsSdpOffer *
ss_sdp_offer_parse (const char *text, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);

  GstSDPMessage *msg = NULL;
  if (*text == '\0' || gst_sdp_message_new_from_text (text, &msg) != GST_SDP_OK)
    {
      g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_SYNTAX,
                   "offer is not valid SDP");
      return NULL;
    }

  g_autoptr (SsSdpOffer) offer = g_new0 (SsSdpOffer, 1);
  offer->media = g_ptr_array_new_with_free_func (sdp_media_free);

  if (gst_sdp_message_get_version (msg) == NULL ||
      gst_sdp_message_medias_len (msg) == 0)
    {
      g_set_error (error, SS_SDP_ERROR, SS_SDP_ERROR_SYNTAX,
                   "offer has no v= line or no m-line");
      gst_sdp_message_free (msg);
      return NULL;
    }

  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++)
    g_ptr_array_add (offer->media,
                     read_media (gst_sdp_message_get_media (msg, i), i));

  gboolean ok = read_transport (msg, offer, error) &&
                check_rtcp_mux (msg, offer, error) &&
                check_bundle (msg, offer, error);
  gst_sdp_message_free (msg);

  if (!ok)
    return NULL;
  return g_steal_pointer (&offer);
}

const SsSdpMedia *
ss_sdp_offer_find_media (const SsSdpOffer *offer, SsMediaKind kind)
{
  for (guint i = 0; i < offer->media->len; i++)
    {
      const SsSdpMedia *media = g_ptr_array_index (offer->media, i);
      if (media->accepted && media->kind == kind)
        return media;
    }
  return NULL;
}
