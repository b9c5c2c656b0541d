/* Fuzz target for the RTP parser, the header extension lookup and the
 * in-place header writers. Checks that every field the parser returns lies
 * inside the input and that rewriting the header keeps the packet
 * parseable with the same layout. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/demux.h"
#include "wire/rtp.h"

static void
check_inside (const uint8_t *data, size_t size, const guint8 *p, gsize len)
{
  if (p < data || p > data + size || len > (gsize) (data + size - p))
    abort ();
}

static void
check_extensions (const uint8_t *data, size_t size, const SsRtpHeader *h)
{
  for (guint id = 0; id < 256; id++)
    {
      const guint8 *value = NULL;
      gsize value_len = 0;

      if (!ss_rtp_find_extension (h, (guint8) id, &value, &value_len))
        continue;
      check_inside (data, size, value, value_len);
      if (value < h->extension || value + value_len > h->extension + h->extension_len)
        abort ();
    }
}

static void
check_rewrite (const uint8_t *data, size_t size, const SsRtpHeader *h)
{
  guint8 *copy = g_memdup2 (data, size);
  SsRtpHeader rewritten;

  ss_rtp_write_sequence (copy, (guint16) (h->sequence + 1));
  ss_rtp_write_timestamp (copy, h->timestamp ^ 0x5A5A5A5A);
  ss_rtp_write_ssrc (copy, ~h->ssrc);
  ss_rtp_write_payload_type (copy, (guint8) (h->payload_type + 1));

  if (ss_rtp_parse (copy, size, &rewritten) != SS_RTP_OK)
    abort ();
  if (rewritten.sequence != (guint16) (h->sequence + 1) ||
      rewritten.timestamp != (h->timestamp ^ 0x5A5A5A5A) ||
      rewritten.ssrc != ~h->ssrc ||
      rewritten.payload_type != ((h->payload_type + 1) & 0x7F) ||
      rewritten.marker != h->marker ||
      rewritten.header_len != h->header_len ||
      rewritten.payload_len != h->payload_len)
    abort ();

  g_free (copy);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  SsRtpHeader h;

  ss_demux_classify (data, size);
  if (ss_rtp_parse (data, size, &h) != SS_RTP_OK)
    return 0;

  check_inside (data, size, h.payload, h.payload_len);
  if (h.header_len + h.payload_len + h.padding_len != size)
    abort ();
  if (h.extension != NULL)
    check_inside (data, size, h.extension, h.extension_len);
  for (guint i = 0; i < h.csrc_count; i++)
    ss_rtp_get_csrc (&h, i);

  check_extensions (data, size, &h);
  check_rewrite (data, size, &h);
  return 0;
}
