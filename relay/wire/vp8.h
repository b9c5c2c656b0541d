/* The VP8 RTP payload descriptor (RFC 7741 section 4.2) and the first byte
 * of the VP8 payload header (section 4.3). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean start_of_partition;  /* S */
  guint8 partition_id;          /* PID, 0-7 */
  gboolean non_reference;       /* N */
  gboolean has_picture_id;      /* I */
  guint16 picture_id;
  gboolean picture_id_15bit;    /* M */
  gboolean has_tl0picidx;       /* L */
  guint8 tl0picidx;
  gboolean has_tid;             /* T */
  guint8 tid;                   /* 0-3, 0 when T is clear */
  gboolean layer_sync;          /* Y, FALSE when T is clear */
  gboolean has_keyidx;          /* K */
  guint8 keyidx;                /* 0-31 */
  gsize descriptor_len;         /* bytes before the VP8 payload */
} SsVp8Descriptor;

/* Parse the payload descriptor at the start of an RTP payload. Returns
 * FALSE when the payload ends inside the descriptor. The VP8 payload after
 * it may be empty. */
gboolean ss_vp8_parse_descriptor (const guint8 *payload, gsize len,
                                  SsVp8Descriptor *out);

/* Returns TRUE when this RTP payload starts a VP8 key frame: S=1, PID=0 and
 * the payload header's P bit is 0 (RFC 7741 section 4.3). */
gboolean ss_vp8_is_keyframe (const guint8 *payload, gsize len);

/* The same test on a descriptor already parsed from payload, for callers
 * that need the descriptor anyway. */
gboolean ss_vp8_descriptor_starts_keyframe (const SsVp8Descriptor *descriptor,
                                            const guint8 *payload, gsize len);

/* Rewrite the picture ID in place, keeping its 7-bit or 15-bit width (the
 * value is truncated to that width). Returns FALSE when the descriptor has
 * no picture ID or is truncated. */
gboolean ss_vp8_write_picture_id (guint8 *payload, gsize len,
                                  guint16 picture_id);

/* Rewrite TL0PICIDX in place. Returns FALSE when the descriptor has no
 * TL0PICIDX or is truncated. */
gboolean ss_vp8_write_tl0picidx (guint8 *payload, gsize len, guint8 tl0picidx);

G_END_DECLS
