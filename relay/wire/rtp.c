/* RTP packet parsing and in-place header rewriting for the forwarding path
 * (RFC 3550 section 5.1, header extensions per RFC 3550 section 5.3.1 and
 * RFC 8285). The parser only reads the buffer it is given: every field it
 * returns points into that buffer, and nothing is allocated. */
#include "wire/rtp.h"

#include "wire/bytes.h"

static SsRtpResult
parse_extension (const guint8 *data, gsize len, SsRtpHeader *out)
{
  /* RFC 3550 section 5.3.1: 16 bits defined by profile, then the body length
   * in 32-bit words, not counting this 4-byte header. */
  if (len - out->header_len < 4)
    return SS_RTP_TOO_SHORT;

  const guint8 *ext = data + out->header_len;
  gsize body_len = (gsize) ss_read_u16 (ext + 2) * 4;
  if (len - out->header_len - 4 < body_len)
    return SS_RTP_TOO_SHORT;

  out->extension_profile = ss_read_u16 (ext);
  out->extension = ext + 4;
  out->extension_len = body_len;
  out->header_len += 4 + body_len;
  return SS_RTP_OK;
}

static SsRtpResult
parse_padding (const guint8 *data, gsize len, SsRtpHeader *out)
{
  /* RFC 3550 section 5.1: the last byte counts the padding bytes, itself
   * included, so 0 is invalid and the count cannot reach into the header. */
  gsize after_header = len - out->header_len;
  if (after_header == 0)
    return SS_RTP_BAD_LENGTH;

  guint8 padding_len = data[len - 1];
  if (padding_len == 0 || padding_len > after_header)
    return SS_RTP_BAD_LENGTH;

  out->padding_len = padding_len;
  out->payload_len -= padding_len;
  return SS_RTP_OK;
}

SsRtpResult
ss_rtp_parse (const guint8 *data, gsize len, SsRtpHeader *out)
{
  g_return_val_if_fail (out != NULL, SS_RTP_TOO_SHORT);

  *out = (SsRtpHeader) { 0 };
  if (data == NULL || len < SS_RTP_FIXED_HEADER_LEN)
    return SS_RTP_TOO_SHORT;

  if ((data[0] >> 6) != SS_RTP_VERSION)
    return SS_RTP_BAD_VERSION;

  gboolean has_padding = (data[0] & 0x20) != 0;
  gboolean has_extension = (data[0] & 0x10) != 0;

  out->csrc_count = data[0] & 0x0F;
  out->marker = (data[1] & 0x80) != 0;
  out->payload_type = data[1] & 0x7F;
  out->sequence = ss_read_u16 (data + 2);
  out->timestamp = ss_read_u32 (data + 4);
  out->ssrc = ss_read_u32 (data + 8);
  out->header_len = SS_RTP_FIXED_HEADER_LEN + (gsize) out->csrc_count * 4;
  if (len < out->header_len)
    return SS_RTP_TOO_SHORT;

  if (has_extension)
    {
      SsRtpResult result = parse_extension (data, len, out);
      if (result != SS_RTP_OK)
        return result;
    }

  out->payload = data + out->header_len;
  out->payload_len = len - out->header_len;

  if (has_padding)
    return parse_padding (data, len, out);

  return SS_RTP_OK;
}

const char *
ss_rtp_result_to_string (SsRtpResult result)
{
  switch (result)
    {
    case SS_RTP_OK:
      return "ok";
    case SS_RTP_TOO_SHORT:
      return "too short";
    case SS_RTP_BAD_VERSION:
      return "bad version";
    case SS_RTP_BAD_LENGTH:
      return "bad padding length";
    }
  return "unknown result";
}

guint32
ss_rtp_get_csrc (const SsRtpHeader *h, guint index)
{
  g_return_val_if_fail (h != NULL && h->payload != NULL, 0);
  g_return_val_if_fail (index < h->csrc_count, 0);

  /* The CSRC list ends where the extension or the payload begins. */
  const guint8 *end = h->extension != NULL ? h->extension - 4 : h->payload;
  const guint8 *csrcs = end - (gsize) h->csrc_count * 4;
  return ss_read_u32 (csrcs + (gsize) index * 4);
}

void
ss_rtp_write_sequence (guint8 *packet, guint16 sequence)
{
  ss_write_u16 (packet + 2, sequence);
}

void
ss_rtp_write_timestamp (guint8 *packet, guint32 timestamp)
{
  ss_write_u32 (packet + 4, timestamp);
}

void
ss_rtp_write_ssrc (guint8 *packet, guint32 ssrc)
{
  ss_write_u32 (packet + 8, ssrc);
}

void
ss_rtp_write_payload_type (guint8 *packet, guint8 payload_type)
{
  packet[1] = (guint8) ((packet[1] & 0x80) | (payload_type & 0x7F));
}

void
ss_rtp_write_marker (guint8 *packet, gboolean marker)
{
  packet[1] = (guint8) ((packet[1] & 0x7F) | (marker ? 0x80 : 0x00));
}

/* RFC 8285 section 4.2: each element is a byte ID(4) L(4) followed by L+1
 * bytes. Zero bytes between elements are padding. ID 15 ends the list, and
 * ID 0 with a nonzero length is invalid, so the walk stops there too. */
static gboolean
find_one_byte (const guint8 *ext, gsize ext_len, guint8 id,
               const guint8 **data, gsize *len)
{
  gsize offset = 0;

  while (offset < ext_len)
    {
      guint8 element_id = ext[offset] >> 4;
      gsize element_len = (gsize) (ext[offset] & 0x0F) + 1;

      if (ext[offset] == 0)
        {
          offset++;
          continue;
        }
      if (element_id == 0 || element_id == 15)
        return FALSE;
      if (ext_len - offset - 1 < element_len)
        return FALSE;

      if (element_id == id)
        {
          *data = ext + offset + 1;
          *len = element_len;
          return TRUE;
        }
      offset += 1 + element_len;
    }

  return FALSE;
}

/* RFC 8285 section 4.3: each element is ID(8) L(8) followed by L bytes.
 * A zero ID byte is padding. */
static gboolean
find_two_byte (const guint8 *ext, gsize ext_len, guint8 id,
               const guint8 **data, gsize *len)
{
  gsize offset = 0;

  while (offset < ext_len)
    {
      if (ext[offset] == 0)
        {
          offset++;
          continue;
        }
      if (ext_len - offset < 2)
        return FALSE;

      guint8 element_id = ext[offset];
      gsize element_len = ext[offset + 1];
      if (ext_len - offset - 2 < element_len)
        return FALSE;

      if (element_id == id)
        {
          *data = ext + offset + 2;
          *len = element_len;
          return TRUE;
        }
      offset += 2 + element_len;
    }

  return FALSE;
}

gboolean
ss_rtp_find_extension (const SsRtpHeader *h, guint8 id,
                       const guint8 **data, gsize *len)
{
  g_return_val_if_fail (h != NULL && data != NULL && len != NULL, FALSE);

  if (h->extension == NULL || id == 0)
    return FALSE;

  if (h->extension_profile == SS_RTP_EXTENSION_ONE_BYTE)
    {
      if (id >= 15)
        return FALSE;
      return find_one_byte (h->extension, h->extension_len, id, data, len);
    }

  if ((h->extension_profile & SS_RTP_EXTENSION_TWO_BYTE_MASK) ==
      SS_RTP_EXTENSION_TWO_BYTE)
    return find_two_byte (h->extension, h->extension_len, id, data, len);

  return FALSE;
}
