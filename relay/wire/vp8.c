/* VP8 payload descriptor parsing and in-place rewriting (RFC 7741 section
 * 4.2), and key frame detection from the payload header (section 4.3). The
 * relay reads these to detect the key frames that keyframe requests wait
 * for and, with simulcast, to rewrite picture IDs when it switches layers.
 * It never decodes VP8. */
#include "wire/vp8.h"

/* Required first byte: X R N S R PID(3). */
#define VP8_X 0x80
#define VP8_N 0x20
#define VP8_S 0x10
#define VP8_PID_MASK 0x07

/* Extension byte, present when X is set: I L T K RSV(4). */
#define VP8_I 0x80
#define VP8_L 0x40
#define VP8_T 0x20
#define VP8_K 0x10

/* First picture ID byte: M, then 7 bits (or the top 7 of 15). */
#define VP8_M 0x80

/* First byte of the VP8 payload header: Size0(3) H VER(3) P. P is the
 * inverse key frame flag. */
#define VP8_P 0x01

/* Byte offsets of the optional fields, found by one walk over the
 * descriptor. 0 means absent, since no optional field is at offset 0. */
typedef struct
{
  gsize picture_id;
  gsize tl0picidx;
  gsize tid_keyidx;
  gsize end;
} Vp8Layout;

static gboolean
walk_descriptor (const guint8 *payload, gsize len, Vp8Layout *layout)
{
  *layout = (Vp8Layout) { 0 };
  if (payload == NULL || len < 1)
    return FALSE;

  gsize offset = 1;
  if ((payload[0] & VP8_X) == 0)
    {
      layout->end = offset;
      return TRUE;
    }

  if (len < 2)
    return FALSE;
  guint8 extension = payload[1];
  offset = 2;

  if ((extension & VP8_I) != 0)
    {
      if (offset >= len)
        return FALSE;
      layout->picture_id = offset;
      offset += (payload[offset] & VP8_M) != 0 ? 2 : 1;
    }
  if ((extension & VP8_L) != 0)
    {
      layout->tl0picidx = offset;
      offset += 1;
    }
  /* T and K share one byte: TID(2) Y KEYIDX(5). */
  if ((extension & (VP8_T | VP8_K)) != 0)
    {
      layout->tid_keyidx = offset;
      offset += 1;
    }

  if (offset > len)
    return FALSE;
  layout->end = offset;
  return TRUE;
}

gboolean
ss_vp8_parse_descriptor (const guint8 *payload, gsize len, SsVp8Descriptor *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  *out = (SsVp8Descriptor) { 0 };
  Vp8Layout layout;
  if (!walk_descriptor (payload, len, &layout))
    return FALSE;

  out->start_of_partition = (payload[0] & VP8_S) != 0;
  out->partition_id = payload[0] & VP8_PID_MASK;
  out->non_reference = (payload[0] & VP8_N) != 0;
  out->descriptor_len = layout.end;

  if (layout.picture_id != 0)
    {
      const guint8 *p = payload + layout.picture_id;
      out->has_picture_id = TRUE;
      out->picture_id_15bit = (p[0] & VP8_M) != 0;
      out->picture_id = out->picture_id_15bit
                          ? (guint16) (((p[0] & 0x7F) << 8) | p[1])
                          : (guint16) (p[0] & 0x7F);
    }

  if (layout.tl0picidx != 0)
    {
      out->has_tl0picidx = TRUE;
      out->tl0picidx = payload[layout.tl0picidx];
    }

  if (layout.tid_keyidx != 0)
    {
      guint8 byte = payload[layout.tid_keyidx];
      out->has_tid = (payload[1] & VP8_T) != 0;
      out->has_keyidx = (payload[1] & VP8_K) != 0;
      if (out->has_tid)
        {
          out->tid = byte >> 6;
          out->layer_sync = (byte & 0x20) != 0;
        }
      if (out->has_keyidx)
        out->keyidx = byte & 0x1F;
    }

  return TRUE;
}

gboolean
ss_vp8_is_keyframe (const guint8 *payload, gsize len)
{
  SsVp8Descriptor descriptor;
  if (!ss_vp8_parse_descriptor (payload, len, &descriptor))
    return FALSE;

  return ss_vp8_descriptor_starts_keyframe (&descriptor, payload, len);
}

gboolean
ss_vp8_descriptor_starts_keyframe (const SsVp8Descriptor *descriptor,
                                   const guint8 *payload, gsize len)
{
  if (!descriptor->start_of_partition || descriptor->partition_id != 0)
    return FALSE;
  if (descriptor->descriptor_len >= len)
    return FALSE;

  return (payload[descriptor->descriptor_len] & VP8_P) == 0;
}

gboolean
ss_vp8_write_picture_id (guint8 *payload, gsize len, guint16 picture_id)
{
  Vp8Layout layout;
  if (!walk_descriptor (payload, len, &layout) || layout.picture_id == 0)
    return FALSE;

  guint8 *p = payload + layout.picture_id;
  if ((p[0] & VP8_M) != 0)
    {
      p[0] = (guint8) (VP8_M | ((picture_id >> 8) & 0x7F));
      p[1] = (guint8) picture_id;
    }
  else
    {
      p[0] = (guint8) (picture_id & 0x7F);
    }
  return TRUE;
}

gboolean
ss_vp8_write_tl0picidx (guint8 *payload, gsize len, guint8 tl0picidx)
{
  Vp8Layout layout;
  if (!walk_descriptor (payload, len, &layout) || layout.tl0picidx == 0)
    return FALSE;

  payload[layout.tl0picidx] = tl0picidx;
  return TRUE;
}
