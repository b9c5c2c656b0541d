/* The parts of a client's SDP offer the relay negotiates on (RFC 8829 rules,
 * RFC 8866 syntax): ICE credentials, the DTLS fingerprint and role, BUNDLE,
 * and per m-line the chosen codec, its feedback and the sender's SSRCs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_SDP_ERROR (ss_sdp_error_quark ())
GQuark ss_sdp_error_quark (void);

typedef enum {
  SS_SDP_ERROR_SYNTAX,      /* not parseable as SDP */
  SS_SDP_ERROR_UNSUPPORTED, /* parseable, but requires what the relay lacks */
} SsSdpError;

typedef enum {
  SS_MEDIA_AUDIO,
  SS_MEDIA_VIDEO,
} SsMediaKind;

typedef enum {
  SS_DIRECTION_SENDRECV,
  SS_DIRECTION_SENDONLY,
  SS_DIRECTION_RECVONLY,
  SS_DIRECTION_INACTIVE,
} SsDirection;

/* RTCP feedback the offer lists for the chosen codec (RFC 4585 section 4.2). */
typedef struct {
  gboolean nack;
  gboolean nack_pli;
  gboolean ccm_fir;
} SsSdpFeedback;

typedef struct {
  guint mline_index;
  SsMediaKind kind;
  char *mid;
  SsDirection direction;
  /* FALSE when the m-line is rejected in the answer (port 0 in the offer,
   * an unknown media type, or no codec the relay forwards). */
  gboolean accepted;
  char *media_type;          /* the m= media token, kept to echo rejections */
  char *proto;               /* the m= proto token */
  char *first_format;        /* echoed in a rejected m-line */

  /* The chosen codec: VP8 for video, Opus for audio. */
  guint8 payload_type;
  char *encoding_name;       /* as the offer spells it, e.g. "VP8", "OPUS" */
  guint clock_rate;
  guint channels;            /* 0 for video */
  char *fmtp;                /* parameters of the chosen payload type, or NULL */
  SsSdpFeedback feedback;

  /* RTX (RFC 4588) for the chosen codec: its payload type (apt= the chosen
   * one), 0 when not offered. */
  guint8 rtx_payload_type;

  /* The sender's media SSRC from a=ssrc (RFC 5576), 0 when not signalled,
   * and its RTX SSRC from an FID group. */
  guint32 ssrc;
  guint32 rtx_ssrc;
  char *cname;
} SsSdpMedia;

typedef struct {
  char *ice_ufrag;
  char *ice_pwd;
  char *fingerprint;         /* SHA-256, "AB:CD:..." */
  char *setup;               /* actpass, active or passive */
  GPtrArray *media;          /* SsSdpMedia, in m-line order */
} SsSdpOffer;

/* Parses and checks an offer. Fails with SS_SDP_ERROR when the text is not
 * SDP, or lacks what every WebRTC peer must offer (ICE credentials, a
 * SHA-256 fingerprint, rtcp-mux, BUNDLE over the accepted m-lines), or requires
 * the relay to be the DTLS client. */
SsSdpOffer *ss_sdp_offer_parse (const char *text, GError **error);
void ss_sdp_offer_free (SsSdpOffer *offer);

/* The first accepted m-line of that kind, or NULL. */
const SsSdpMedia *ss_sdp_offer_find_media (const SsSdpOffer *offer,
                                           SsMediaKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsSdpOffer, ss_sdp_offer_free)

G_END_DECLS
