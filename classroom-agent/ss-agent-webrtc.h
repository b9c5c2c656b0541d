/* webrtcbin and libnice set-up shared by the lead and remote pipelines, and
 * the offer/answer steps run through GstPromise with a timeout. */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

#define SS_WEBRTC_PROMISE_TIMEOUT_MS 10000

GstElement *ss_webrtc_make_bin (const char *name, guint latency_ms,
                                GError **error);
gboolean ss_webrtc_configure_ice (GstElement *webrtcbin,
                                  const char *const *addresses,
                                  GError **error);
/* The VP8 payload type a remote offers, and the lead's top layer; lower
 * simulcast layers take the next ones. */
#define SS_WEBRTC_VP8_PAYLOAD_TYPE 96

GstCaps *ss_webrtc_vp8_caps (guint payload_type);
GstCaps *ss_webrtc_opus_caps (void);

/* Receives the local SDP once create-offer (or create-answer) and
 * set-local-description both succeeded, or @error. */
typedef void (*SsWebrtcSdpFunc) (const char *sdp, const GError *error,
                                 gpointer user_data);
/* Receives the outcome of set-remote-description. */
typedef void (*SsWebrtcDoneFunc) (const GError *error, gpointer user_data);
/* Receives the get-stats reply (borrowed) or @error. */
typedef void (*SsWebrtcStatsFunc) (const GstStructure *stats,
                                   const GError *error, gpointer user_data);
/* Receives a local ICE candidate attribute (RFC 8839 `candidate:...`) for
 * @mline, or "" once gathering is complete. */
typedef void (*SsWebrtcCandidateFunc) (guint mline, const char *candidate,
                                       gpointer user_data);

/* The reply functions below run on @context, never inside the call that
 * started the step, and not at all once @cancellable is cancelled: a
 * pipeline cancels it before it frees the state in @user_data. */
void ss_webrtc_create_offer (GstElement *webrtcbin, GMainContext *context,
                             GCancellable *cancellable,
                             SsWebrtcSdpFunc func, gpointer user_data);
void ss_webrtc_create_answer (GstElement *webrtcbin, GMainContext *context,
                              GCancellable *cancellable,
                              SsWebrtcSdpFunc func, gpointer user_data);
void ss_webrtc_set_remote (GstElement *webrtcbin, GstWebRTCSDPType type,
                           const char *sdp, GMainContext *context,
                           GCancellable *cancellable,
                           SsWebrtcDoneFunc func, gpointer user_data);
void ss_webrtc_get_stats (GstElement *webrtcbin, GMainContext *context,
                          GCancellable *cancellable,
                          SsWebrtcStatsFunc func, gpointer user_data);
void ss_webrtc_watch_candidates (GstElement *webrtcbin, GMainContext *context,
                                 GCancellable *cancellable,
                                 SsWebrtcCandidateFunc func,
                                 gpointer user_data);
void ss_webrtc_sum_inbound_rtp (const GstStructure *stats,
                                guint64 *packets_received,
                                gint64 *packets_lost);

G_END_DECLS

G_BEGIN_DECLS

/* Receives a pipeline's fatal error (from its bus) on the owner's
 * context. */
typedef void (*SsPipelineErrorFunc) (const GError *error, gpointer user_data);

gboolean ss_webrtc_link_sendonly (GstElement *webrtcbin, GstElement *payloader,
                                  GstCaps *codec_preferences, GError **error);

G_END_DECLS
