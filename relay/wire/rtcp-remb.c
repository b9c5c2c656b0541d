/* Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03): an
 * application-layer feedback message (PSFB, FMT 15). Its FCI starts with the
 * ASCII bytes "REMB", then the number of SSRCs, a 6-bit exponent and an
 * 18-bit mantissa (bitrate = mantissa * 2^exponent), then the SSRCs the
 * estimate applies to. */
#include "wire/rtcp.h"

#include "wire/rtcp-private.h"

#include <string.h>

#define FEEDBACK_HEADER_LEN 12
#define REMB_FIXED_LEN 20
#define REMB_MANTISSA_BITS 18
#define REMB_MAX_SSRCS 255

static const guint8 remb_identifier[4] = { 'R', 'E', 'M', 'B' };

static guint64
decode_bitrate (guint32 exponent, guint64 mantissa)
{
  /* The 18-bit mantissa shifted by up to 63 can exceed 64 bits. */
  if (mantissa != 0 && exponent > 64 - REMB_MANTISSA_BITS &&
      (mantissa >> (64 - exponent)) != 0)
    return G_MAXUINT64;

  return mantissa << exponent;
}

gboolean
ss_rtcp_parse_remb (const SsRtcpPacket *p, guint64 *bitrate_bps,
                    guint32 *ssrcs, guint *n_ssrcs)
{
  g_return_val_if_fail (p != NULL, FALSE);

  if (p->packet_type != SS_RTCP_TYPE_PSFB || p->count != SS_RTCP_PSFB_AFB)
    return FALSE;

  gsize content_len = ss_rtcp_content_len (p);
  if (content_len < REMB_FIXED_LEN)
    return FALSE;

  const guint8 *fci = p->data + FEEDBACK_HEADER_LEN;
  if (memcmp (fci, remb_identifier, sizeof remb_identifier) != 0)
    return FALSE;

  guint n_in_packet = fci[4];
  if (content_len - REMB_FIXED_LEN < (gsize) n_in_packet * 4)
    return FALSE;

  guint32 exponent = fci[5] >> 2;
  guint64 mantissa = ss_read_u24 (fci + 5) & 0x3FFFF;
  if (bitrate_bps != NULL)
    *bitrate_bps = decode_bitrate (exponent, mantissa);

  if (n_ssrcs != NULL)
    {
      guint stored = ssrcs != NULL ? MIN (*n_ssrcs, n_in_packet) : 0;
      for (guint i = 0; i < stored; i++)
        ssrcs[i] = ss_read_u32 (p->data + REMB_FIXED_LEN + (gsize) i * 4);
      *n_ssrcs = stored;
    }
  return TRUE;
}

gsize
ss_rtcp_write_remb (guint8 *buf, gsize cap, guint32 sender_ssrc,
                    guint64 bitrate_bps, const guint32 *ssrcs, guint n_ssrcs)
{
  if (n_ssrcs > REMB_MAX_SSRCS || (n_ssrcs > 0 && ssrcs == NULL))
    return 0;

  gsize len = REMB_FIXED_LEN + (gsize) n_ssrcs * 4;
  if (buf == NULL || cap < len)
    return 0;

  /* The smallest exponent that fits the mantissa keeps the most precision. */
  guint32 exponent = 0;
  while ((bitrate_bps >> exponent) >= (G_GUINT64_CONSTANT (1) << REMB_MANTISSA_BITS))
    exponent++;
  guint32 mantissa = (guint32) (bitrate_bps >> exponent);

  ss_rtcp_write_header (buf, SS_RTCP_PSFB_AFB, SS_RTCP_TYPE_PSFB, len);
  ss_write_u32 (buf + 4, sender_ssrc);
  ss_write_u32 (buf + 8, 0);
  memcpy (buf + FEEDBACK_HEADER_LEN, remb_identifier, sizeof remb_identifier);
  buf[16] = (guint8) n_ssrcs;
  ss_write_u24 (buf + 17, (exponent << REMB_MANTISSA_BITS) | mantissa);

  for (guint i = 0; i < n_ssrcs; i++)
    ss_write_u32 (buf + REMB_FIXED_LEN + (gsize) i * 4, ssrcs[i]);
  return len;
}
