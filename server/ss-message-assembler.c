/* Websocket message reassembly (RFC 6455 section 5.4: a message may be
 * split into frames, and the library may split a frame into chunks). */
#define G_LOG_DOMAIN "ss-server"

#include "ss-message-assembler.h"

struct _SsMessageAssembler {
  GByteArray *buffer;
  gsize max_size;
  gboolean started;
  gboolean too_large;
};

SsMessageAssembler *
ss_message_assembler_new (gsize max_size)
{
  SsMessageAssembler *assembler = g_new0 (SsMessageAssembler, 1);
  assembler->buffer = g_byte_array_new ();
  assembler->max_size = max_size;
  return assembler;
}

void
ss_message_assembler_free (SsMessageAssembler *assembler)
{
  if (assembler == NULL)
    return;

  g_byte_array_unref (assembler->buffer);
  g_free (assembler);
}

SsAssembleResult
ss_message_assembler_add (SsMessageAssembler *assembler,
                          const void *data,
                          gsize length,
                          gboolean last)
{
  g_return_val_if_fail (assembler != NULL, SS_ASSEMBLE_TOO_LARGE);

  assembler->started = TRUE;
  if (assembler->too_large
      || length > assembler->max_size - assembler->buffer->len)
    {
      assembler->too_large = TRUE;
      g_byte_array_set_size (assembler->buffer, 0);
      return SS_ASSEMBLE_TOO_LARGE;
    }

  g_byte_array_append (assembler->buffer, data, length);
  return last ? SS_ASSEMBLE_COMPLETE : SS_ASSEMBLE_INCOMPLETE;
}

const char *
ss_message_assembler_get_data (SsMessageAssembler *assembler,
                               gsize *length)
{
  /* The NUL after the data is outside the counted length, so callers and
   * the size limit see only the message's own bytes. */
  g_byte_array_append (assembler->buffer, (const guint8 *) "", 1);
  g_byte_array_set_size (assembler->buffer, assembler->buffer->len - 1);

  *length = assembler->buffer->len;
  return (const char *) assembler->buffer->data;
}

gboolean
ss_message_assembler_is_empty (const SsMessageAssembler *assembler)
{
  return !assembler->started;
}

void
ss_message_assembler_reset (SsMessageAssembler *assembler)
{
  g_byte_array_set_size (assembler->buffer, 0);
  assembler->started = FALSE;
  assembler->too_large = FALSE;
}
