/* Receive-side accounting of the load generator: sequence gaps per SSRC
 * (RFC 3550 appendix A.1, simplified: no probation, because the relay is
 * the only source), the latency histogram, and the match between a
 * received copy and the publisher's send record. Nothing here allocates,
 * because it runs for every received packet. */

#include "loadgen-stats.h"

/* How far back from the publisher's latest packet the first match is
 * searched: about 15 s of video. */
#define MATCH_SEARCH_DEPTH 2048

void
ss_send_table_record (SsSendTable *table, guint16 sequence, guint32 timestamp,
                      gboolean marker, gint64 sent_ns)
{
  table->records[sequence] = (SsSendRecord){
    .sent_ns = sent_ns,
    .timestamp = timestamp,
    .marker = marker,
    .valid = TRUE,
  };
  table->latest_sequence = sequence;
  table->has_latest = TRUE;
}

void
ss_latency_histogram_add (SsLatencyHistogram *histogram, gint64 latency_ns)
{
  histogram->count++;

  if (latency_ns < 0)
    latency_ns = 0;

  gint64 bucket = latency_ns / SS_LATENCY_BUCKET_NS;
  if (bucket >= SS_LATENCY_N_BUCKETS)
    histogram->over_range++;
  else
    histogram->buckets[bucket]++;
}

double
ss_latency_histogram_quantile_ms (const SsLatencyHistogram *histogram,
                                  double q)
{
  if (histogram->count == 0)
    return -1;

  /* The rank of the quantile sample, counted from 1. */
  guint64 rank = (guint64) (q * (double) histogram->count);
  if (rank == 0)
    rank = 1;

  guint64 seen = 0;
  for (guint i = 0; i < SS_LATENCY_N_BUCKETS; i++)
    {
      seen += histogram->buckets[i];
      if (seen >= rank)
        return (double) (i + 1) * SS_LATENCY_BUCKET_NS / 1e6;
    }

  return (double) SS_LATENCY_N_BUCKETS * SS_LATENCY_BUCKET_NS / 1e6;
}

guint32
ss_recv_stream_get_extended_max (const SsRecvStream *stream)
{
  return stream->cycles + stream->max_sequence;
}

gboolean
ss_recv_stream_on_packet (SsRecvStream *stream, guint16 sequence)
{
  if (!stream->started)
    {
      stream->started = TRUE;
      stream->max_sequence = sequence;
      stream->base_sequence = sequence;
      stream->received = 1;
      return TRUE;
    }

  guint16 delta = (guint16) (sequence - stream->max_sequence);

  if (delta == 0)
    {
      stream->duplicates++;
      return FALSE;
    }

  if (delta < 0x8000)
    {
      if (sequence < stream->max_sequence)
        stream->cycles += 0x10000;
      stream->max_sequence = sequence;
      stream->received++;
      return TRUE;
    }

  /* Older than the highest: a late packet fills a gap. Without a per-packet
   * bitmap a late duplicate cannot be distinguished from a late original, and on
   * loopback neither happens, so it is counted as received. */
  stream->received++;
  return TRUE;
}

/* Finds the send record that a packet with this timestamp (and, for video,
 * the marker bit) names, searching back from the latest. */
static gboolean
find_record (const SsSendTable *table, guint32 timestamp, gboolean is_video,
             guint16 *sequence)
{
  if (!table->has_latest)
    return FALSE;

  for (guint back = 0; back < MATCH_SEARCH_DEPTH; back++)
    {
      guint16 candidate = (guint16) (table->latest_sequence - back);
      const SsSendRecord *record = &table->records[candidate];

      if (!record->valid)
        return FALSE;
      if (record->timestamp != timestamp)
        continue;
      if (is_video && !record->marker)
        continue;

      *sequence = candidate;
      return TRUE;
    }
  return FALSE;
}

gint64
ss_recv_stream_match_send_time (SsRecvStream *stream,
                                const SsSendTable *table,
                                guint16 sequence,
                                guint32 timestamp,
                                gboolean marker,
                                gboolean is_video)
{
  if (!stream->offset_known)
    {
      guint16 original;

      if (is_video && !marker)
        return -1;
      if (!find_record (table, timestamp, is_video, &original))
        {
          stream->latency_unmatched++;
          return -1;
        }

      stream->sequence_offset = (guint16) (sequence - original);
      stream->offset_known = TRUE;
    }

  const SsSendRecord *record
    = &table->records[(guint16) (sequence - stream->sequence_offset)];
  if (!record->valid || record->timestamp != timestamp)
    {
      stream->latency_unmatched++;
      return -1;
    }

  return record->sent_ns;
}
