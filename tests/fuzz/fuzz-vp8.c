/* Fuzz target for the VP8 payload descriptor parser, key frame detection
 * and the in-place picture ID and TL0PICIDX writers, which must change
 * only the field they write. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/vp8.h"

static void
check_rewrite (const uint8_t *data, size_t size, const SsVp8Descriptor *d)
{
  guint8 *copy = g_memdup2 (data, size);
  SsVp8Descriptor after;

  gboolean wrote_id = ss_vp8_write_picture_id (copy, size, (guint16) (d->picture_id + 1));
  gboolean wrote_tl0 = ss_vp8_write_tl0picidx (copy, size, (guint8) (d->tl0picidx + 1));
  if (wrote_id != d->has_picture_id || wrote_tl0 != d->has_tl0picidx)
    abort ();

  if (!ss_vp8_parse_descriptor (copy, size, &after))
    abort ();
  guint16 id_mask = d->picture_id_15bit ? 0x7FFF : 0x7F;
  if (d->has_picture_id && after.picture_id != ((d->picture_id + 1) & id_mask))
    abort ();
  if (d->has_tl0picidx && after.tl0picidx != (guint8) (d->tl0picidx + 1))
    abort ();
  if (after.descriptor_len != d->descriptor_len ||
      after.picture_id_15bit != d->picture_id_15bit ||
      after.tid != d->tid || after.keyidx != d->keyidx ||
      memcmp (copy + d->descriptor_len, data + d->descriptor_len,
              size - d->descriptor_len) != 0)
    abort ();

  g_free (copy);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  SsVp8Descriptor d;
  gboolean keyframe = ss_vp8_is_keyframe (data, size);

  if (!ss_vp8_parse_descriptor (data, size, &d))
    {
      if (keyframe)
        abort ();
      return 0;
    }

  if (d.descriptor_len > size || d.partition_id > 7 || d.tid > 3 || d.keyidx > 31)
    abort ();
  if (keyframe && (!d.start_of_partition || d.partition_id != 0 || d.descriptor_len >= size))
    abort ();

  check_rewrite (data, size, &d);
  return 0;
}
