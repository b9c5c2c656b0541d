/* RTP fixed header, CSRC list, header extension and padding (RFC 3550
 * section 5.1 and 5.3.1), and RFC 8285 header extension elements. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_RTP_VERSION 2
#define SS_RTP_FIXED_HEADER_LEN 12

/* RFC 8285 section 4.2 and 4.3: the "defined by profile" values that mark
 * one-byte and two-byte extension elements. The two-byte value carries 4
 * application bits in its low nibble. */
#define SS_RTP_EXTENSION_ONE_BYTE 0xBEDE
#define SS_RTP_EXTENSION_TWO_BYTE 0x1000
#define SS_RTP_EXTENSION_TWO_BYTE_MASK 0xFFF0

/* A parsed RTP packet. The pointers point into the buffer given to
 * ss_rtp_parse() and are valid as long as that buffer is. */
typedef struct
{
  gboolean marker;
  guint8 payload_type;
  guint16 sequence;
  guint32 timestamp;
  guint32 ssrc;
  guint8 csrc_count;
  guint16 extension_profile;      /* 0 when no extension */
  const guint8 *extension;        /* extension body, NULL when none */
  gsize extension_len;            /* bytes */
  gsize header_len;               /* fixed header + CSRCs + extension */
  const guint8 *payload;
  gsize payload_len;              /* padding excluded */
  guint8 padding_len;
} SsRtpHeader;

typedef enum
{
  SS_RTP_OK,
  /* The buffer ends inside the fixed header, the CSRC list or the
   * extension. */
  SS_RTP_TOO_SHORT,
  /* The version field is not 2. */
  SS_RTP_BAD_VERSION,
  /* The padding count is 0 or larger than the bytes after the header. */
  SS_RTP_BAD_LENGTH,
} SsRtpResult;

SsRtpResult ss_rtp_parse (const guint8 *data, gsize len, SsRtpHeader *out);
const char *ss_rtp_result_to_string (SsRtpResult result);

/* Read the CSRC at index (below h->csrc_count) of a parsed packet. */
guint32 ss_rtp_get_csrc (const SsRtpHeader *h, guint index);

/* In-place header rewrites. The packet must be at least
 * SS_RTP_FIXED_HEADER_LEN bytes long, for example because ss_rtp_parse()
 * accepted it. */
void ss_rtp_write_sequence (guint8 *packet, guint16 sequence);
void ss_rtp_write_timestamp (guint8 *packet, guint32 timestamp);
void ss_rtp_write_ssrc (guint8 *packet, guint32 ssrc);
/* Keeps the marker bit. */
void ss_rtp_write_payload_type (guint8 *packet, guint8 payload_type);
void ss_rtp_write_marker (guint8 *packet, gboolean marker);

/* Find the element with local identifier id in a one-byte (RFC 8285
 * section 4.2) or two-byte (section 4.3) header extension. On success *data
 * points at the element's value inside the packet and *len is its length,
 * which is 0 for an empty two-byte element. Returns FALSE when the packet has
 * no such element, uses another extension profile, or the element list is
 * truncated before the element. */
gboolean ss_rtp_find_extension (const SsRtpHeader *h, guint8 id,
                                const guint8 **data, gsize *len);

G_END_DECLS
