/* Counters the agent's pipelines update from their streaming threads, and
 * the JSON stats file built from them. */
#pragma once

#include "ss-message.h"

#include <glib.h>
#include <jansson.h>
#include <stdatomic.h>

G_BEGIN_DECLS

typedef enum {
  SS_AGENT_ROLE_LEAD,
  SS_AGENT_ROLE_REMOTE,
} SsAgentRole;

/* The maximum number of slots of one subscription (protocol/README.md,
 * `subscribe`). */
#define SS_AGENT_MAX_SLOTS SS_FEEDS_MAX_SLOTS

/* Written with relaxed atomics from GStreamer streaming threads and read
 * from the main loop; each counter is independent, so no lock is needed. */
typedef struct {
  /* Lead. */
  atomic_uint_fast64_t video_frames_encoded;
  atomic_uint_fast64_t audio_frames_encoded;
  atomic_uint_fast64_t keyframes_encoded;

  /* Remote. The decoded video frames and audio samples are the lesson's
   * (slot 0), without the floor's. */
  atomic_uint_fast64_t video_frames_decoded;
  atomic_uint_fast64_t audio_samples_decoded;
  /* Milliseconds from sending `subscribe` to the first decoded video frame,
   * for the latest subscription that decoded one, or -1 before any frame. */
  atomic_int_fast64_t first_frame_ms;
  atomic_uint_fast64_t rtp_packets_received;
  atomic_int_fast64_t rtp_packets_lost;
  atomic_uint_fast64_t subscribes;
  /* Gaps between decoded video frames longer than
   * SS_AGENT_FREEZE_THRESHOLD_MS, and the longest gap seen, in ms. */
  atomic_uint_fast64_t freezes;
  atomic_int_fast64_t longest_frame_gap_ms;
  /* Size of the last decoded frame, which tells the simulcast layer. */
  atomic_int video_width;
  atomic_int video_height;
  /* The remote's return feed (its camera), sent beside the lesson. */
  atomic_uint_fast64_t return_frames_encoded;
  atomic_uint_fast64_t return_keyframes_encoded;

  /* Both roles: video frames decoded in each slot of the subscription,
   * counted across subscriptions. A remote's slot 0 is the lesson (also
   * counted in video_frames_decoded) and slot 1 the floor; the lead's
   * slots carry the return feeds. */
  atomic_uint_fast64_t slot_frames_decoded[SS_AGENT_MAX_SLOTS];
  /* Both roles: audio samples decoded in each slot, one per sampling
   * instant whatever the channels, as in audio_samples_decoded, and
   * counted across subscriptions like slot_frames_decoded. */
  atomic_uint_fast64_t slot_audio_samples_decoded[SS_AGENT_MAX_SLOTS];

  /* Both roles: RTP bytes sent (lead) or received (remote), and the bitrate
   * over the last SS_AGENT_BITRATE_SAMPLES calls of
   * ss_agent_stats_update_bitrate, which the main loop makes once a second:
   * a video stream's rate swings from second to second with its frame
   * sizes, and the relay's figures are averages over a few seconds too. */
  atomic_uint_fast64_t rtp_bytes;
  guint64 rate_bytes[4];
  gint64 rate_time_us[4];
  guint n_rate_samples;
  guint64 bitrate_bps;
} SsAgentStats;

#define SS_AGENT_BITRATE_SAMPLES 4

/* A picture that stands still this long is a visible freeze. */
#define SS_AGENT_FREEZE_THRESHOLD_MS 200

SsAgentStats *ss_agent_stats_new (void);
void ss_agent_stats_free (SsAgentStats *stats);

json_t *ss_agent_stats_to_json (SsAgentStats *stats, SsAgentRole role,
                                const char *classroom, const char *lesson);
json_t *ss_agent_stats_return_feeds_to_json (SsAgentStats *stats,
                                             guint n_slots,
                                             const char *const *classrooms);
gboolean ss_agent_stats_write_file (SsAgentStats *stats, SsAgentRole role,
                                    const char *classroom, const char *lesson,
                                    const char *path, GError **error);
gboolean ss_agent_stats_write_object (json_t *object, const char *path,
                                      GError **error);

const char *ss_agent_role_to_string (SsAgentRole role);

/* Main loop only: closes the bitrate interval at now_us. */
void ss_agent_stats_update_bitrate (SsAgentStats *stats, gint64 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsAgentStats, ss_agent_stats_free)

G_END_DECLS
