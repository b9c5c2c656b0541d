/* The live view of the admin API: relays, lessons and classroom links,
 * merged from the relay's statistics snapshot (ss_relay_get_stats) and the
 * signaling core's state (ss_signaling_dump_live). Pure: no clock, no I/O,
 * so unit tests build views from canned snapshots.
 *
 * The view is the body of GET /api/v1/status and the source of /metrics:
 *
 *   {"server": {"name", "uptime_seconds", "stats_age_seconds", "sessions"},
 *    "process": {"resident_memory_bytes", "cpu_seconds", "cpu_percent"},
 *    "relays": [{"relay", "worker", "port", "lessons", "transports",
 *                "producers", "consumers", "packets_received",
 *                "bytes_received", "packets_sent", "bytes_sent",
 *                "packets_dropped", "cpu_seconds", "cpu_percent",
 *                "packets_received_per_second", "packets_sent_per_second",
 *                "bitrate_in_bps", "bitrate_out_bps"}],
 *    "lessons": [{"lesson", "live", "lead", "relay", "worker", "remotes",
 *                 "links", "bitrate_in_bps", "bitrate_out_bps",
 *                 "rtp_packets_in", "rtp_packets_out",
 *                 "keyframe_age_seconds"}],
 *    "links": [{"lesson", "classroom", "session", "peer",
 *               "role" (lead|remote), "transport" (publish|subscribe),
 *               "state", "address", "age_seconds", "bitrate_in_bps",
 *               "bitrate_out_bps", "bytes_in", "bytes_out",
 *               "packets_lost", "loss_percent", "jitter_ms", "rtt_ms",
 *               "nacks_sent", "nacks_received", "keyframe_requests_sent",
 *               "keyframe_requests_received", "keyframe_age_seconds",
 *               "layer", "target_layer"}],
 *    "classrooms": {"online", "offline"}}
 *
 * A link is one media transport between a classroom and the relay, so a
 * classroom has up to two: "publish" (the lead's main stream, a remote's
 * return feed) and "subscribe" (a remote's lesson and floor slots, the
 * lead's return-feed slots). "peer" is the relay's peer id of the
 * transport, "session" the signaling session it belongs to. A lesson's
 * "remotes" counts remote classrooms, not their links, and its
 * "keyframe_age_seconds" is that of the lead's publish link. A subscribe
 * link's "layer" and "target_layer" are those of its slot-0 video
 * consumer, null while that slot forwards no layer.
 *
 * Directions are the relay's: "in" is what the relay receives from the
 * classroom, "out" what it sends to it. Rates per second and CPU percent
 * come from the difference to the previous snapshot and are 0 without one.
 * Values the relay does not know yet (RTT before the first receiver
 * report, a key frame's age before the first key frame) are null.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

typedef struct {
  /* The latest relay snapshot, or NULL before the first one arrived. */
  json_t *relay_stats;
  /* The snapshot before it, or NULL. */
  json_t *previous_relay_stats;
  /* Seconds between the two snapshots; rates are 0 when it is not > 0. */
  double interval_s;
  /* ss_signaling_dump_live() output. */
  json_t *signaling;
  const char *server_name;
  double uptime_s;
  /* Seconds since the latest relay snapshot arrived, or < 0 for none. */
  double stats_age_s;
  guint n_sessions;
} SsLiveViewInput;

/* Builds the view (transfer full). Members missing from the snapshots
 * count as 0, so a relay that reports fewer fields still yields a view. */
json_t *ss_live_view_build (const SsLiveViewInput *input);

G_END_DECLS
