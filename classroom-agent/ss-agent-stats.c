/* The agent's counters and the stats file. The file is one JSON object,
 * replaced atomically (g_file_set_contents_full writes a temporary file in
 * the same directory and renames it over the old one), so a reader never
 * sees a half-written file. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-stats.h"

SsAgentStats *
ss_agent_stats_new (void)
{
  SsAgentStats *stats = g_new0 (SsAgentStats, 1);

  atomic_init (&stats->first_frame_ms, -1);
  return stats;
}

void
ss_agent_stats_free (SsAgentStats *stats)
{
  g_free (stats);
}

const char *
ss_agent_role_to_string (SsAgentRole role)
{
  return role == SS_AGENT_ROLE_LEAD ? "lead" : "remote";
}

static json_t *
counter_to_json (atomic_uint_fast64_t *counter)
{
  return json_integer ((json_int_t) atomic_load_explicit (counter,
                                                          memory_order_relaxed));
}

static json_t *
signed_counter_to_json (atomic_int_fast64_t *counter)
{
  return json_integer ((json_int_t) atomic_load_explicit (counter,
                                                          memory_order_relaxed));
}

/* Builds the stats object: the identity members, then the counters of
 * @role only. */
json_t *
ss_agent_stats_to_json (SsAgentStats *stats, SsAgentRole role,
                        const char *classroom, const char *lesson)
{
  g_return_val_if_fail (stats != NULL, NULL);

  json_t *object = json_object ();
  json_object_set_new (object, "role",
                       json_string (ss_agent_role_to_string (role)));
  json_object_set_new (object, "classroom",
                       classroom != NULL ? json_string (classroom) : json_null ());
  json_object_set_new (object, "lesson",
                       lesson != NULL ? json_string (lesson) : json_null ());
  json_object_set_new (object, "bitrate_bps",
                       json_integer ((json_int_t) stats->bitrate_bps));
  json_object_set_new (object, "rtp_bytes", counter_to_json (&stats->rtp_bytes));

  if (role == SS_AGENT_ROLE_LEAD) {
    json_object_set_new (object, "video_frames_encoded",
                         counter_to_json (&stats->video_frames_encoded));
    json_object_set_new (object, "audio_frames_encoded",
                         counter_to_json (&stats->audio_frames_encoded));
    json_object_set_new (object, "keyframes_encoded",
                         counter_to_json (&stats->keyframes_encoded));
    return object;
  }

  json_object_set_new (object, "video_frames_decoded",
                       counter_to_json (&stats->video_frames_decoded));
  json_object_set_new (object, "first_frame_ms",
                       signed_counter_to_json (&stats->first_frame_ms));
  json_object_set_new (object, "audio_samples_decoded",
                       counter_to_json (&stats->audio_samples_decoded));
  json_object_set_new (object, "rtp_packets_received",
                       counter_to_json (&stats->rtp_packets_received));
  json_object_set_new (object, "rtp_packets_lost",
                       signed_counter_to_json (&stats->rtp_packets_lost));
  json_object_set_new (object, "freezes",
                       json_integer ((json_int_t) atomic_load (&stats->freezes)));
  json_object_set_new (object, "longest_frame_gap_ms",
                       signed_counter_to_json (&stats->longest_frame_gap_ms));
  json_object_set_new (object, "video_width",
                       json_integer (atomic_load (&stats->video_width)));
  json_object_set_new (object, "video_height",
                       json_integer (atomic_load (&stats->video_height)));
  json_object_set_new (object, "subscribes",
                       counter_to_json (&stats->subscribes));
  json_object_set_new (object, "floor_frames_decoded",
                       counter_to_json (&stats->slot_frames_decoded[1]));
  json_object_set_new (object, "floor_audio_samples_decoded",
                       counter_to_json (&stats->slot_audio_samples_decoded[1]));
  json_object_set_new (object, "return_frames_encoded",
                       counter_to_json (&stats->return_frames_encoded));
  json_object_set_new (object, "return_keyframes_encoded",
                       counter_to_json (&stats->return_keyframes_encoded));
  return object;
}

/* Builds the lead's `return_feeds` array: per slot its index, the
 * classroom whose feed it carries (@classrooms[slot], NULL when idle) and
 * the video frames and audio samples decoded in it. */
json_t *
ss_agent_stats_return_feeds_to_json (SsAgentStats *stats, guint n_slots,
                                     const char *const *classrooms)
{
  json_t *feeds = json_array ();

  for (guint slot = 0; slot < MIN (n_slots, SS_AGENT_MAX_SLOTS); slot++)
    {
      const char *classroom = classrooms != NULL ? classrooms[slot] : NULL;
      json_t *entry = json_object ();
      json_object_set_new (entry, "slot", json_integer (slot));
      json_object_set_new (entry, "classroom",
                           classroom != NULL ? json_string (classroom)
                                             : json_null ());
      json_object_set_new (entry, "frames_decoded",
                           counter_to_json (&stats->slot_frames_decoded[slot]));
      json_object_set_new (
          entry, "audio_samples_decoded",
          counter_to_json (&stats->slot_audio_samples_decoded[slot]));
      json_array_append_new (feeds, entry);
    }
  return feeds;
}

/* Replaces the file at @path with the current stats. */
gboolean
ss_agent_stats_write_file (SsAgentStats *stats, SsAgentRole role,
                           const char *classroom, const char *lesson,
                           const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  json_t *object = ss_agent_stats_to_json (stats, role, classroom, lesson);
  gboolean written = ss_agent_stats_write_object (object, path, error);
  json_decref (object);
  return written;
}

/* Replaces the file at @path with @object, a stats object that the caller
 * may have added members to. */
gboolean
ss_agent_stats_write_object (json_t *object, const char *path, GError **error)
{
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_autofree char *text = json_dumps (object, JSON_INDENT (2) | JSON_SORT_KEYS);
  if (text == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                 "Failed to serialise the stats for %s", path);
    return FALSE;
  }

  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  return g_file_set_contents_full (path, with_newline, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                   error);
}

void
ss_agent_stats_update_bitrate (SsAgentStats *stats, gint64 now_us)
{
  guint64 bytes = atomic_load_explicit (&stats->rtp_bytes, memory_order_relaxed);
  guint slot = stats->n_rate_samples % SS_AGENT_BITRATE_SAMPLES;

  /* The oldest sample kept is the one this call replaces. */
  if (stats->n_rate_samples > 0)
    {
      guint oldest = stats->n_rate_samples >= SS_AGENT_BITRATE_SAMPLES ? slot : 0;
      if (now_us > stats->rate_time_us[oldest])
        stats->bitrate_bps = (bytes - stats->rate_bytes[oldest]) * 8 *
                             G_USEC_PER_SEC /
                             (guint64) (now_us - stats->rate_time_us[oldest]);
    }
  stats->rate_bytes[slot] = bytes;
  stats->rate_time_us[slot] = now_us;
  stats->n_rate_samples++;
}
