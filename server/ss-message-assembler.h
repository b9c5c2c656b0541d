/* Reassembly of one websocket message from the fragments and partial
 * frames the websocket library delivers, up to a size limit. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SS_ASSEMBLE_INCOMPLETE,  /* more data of this message is to come */
  SS_ASSEMBLE_COMPLETE,    /* the message is whole; read it, then reset */
  SS_ASSEMBLE_TOO_LARGE,   /* the message passed the limit; data dropped */
} SsAssembleResult;

typedef struct _SsMessageAssembler SsMessageAssembler;

SsMessageAssembler *ss_message_assembler_new (gsize max_size);
void ss_message_assembler_free (SsMessageAssembler *assembler);

/* Appends @length bytes; @last is TRUE for the last bytes of the message's
 * final frame. Once TOO_LARGE is returned, every add until the next reset
 * returns it again and the bytes are discarded. */
SsAssembleResult ss_message_assembler_add (SsMessageAssembler *assembler,
                                           const void *data,
                                           gsize length,
                                           gboolean last);

/* The assembled message, NUL-terminated; valid until the next reset. */
const char *ss_message_assembler_get_data (SsMessageAssembler *assembler,
                                           gsize *length);

/* Whether no byte of a message has been added since the last reset. */
gboolean ss_message_assembler_is_empty (const SsMessageAssembler *assembler);

void ss_message_assembler_reset (SsMessageAssembler *assembler);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsMessageAssembler, ss_message_assembler_free)

G_END_DECLS
