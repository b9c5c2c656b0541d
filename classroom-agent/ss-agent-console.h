/* The agent's console (`--console`). It reads interaction commands from an
 * input stream, one per line, and sends them as requests. It prints the
 * replies, the errors and the lesson's chat in the teacher's language. */
#pragma once

#include "ss-agent-interaction.h"
#include "ss-agent-signaling.h"

#include <gio/gio.h>
#include <stdio.h>

G_BEGIN_DECLS

/* Sends request @type with @payload (transfer full) and returns its id, or
 * returns 0 with @error set when it cannot be sent now. */
typedef guint64 (*SsConsoleSendFunc) (const char *type, json_t *payload,
                                      SsSignalingReplyFunc reply_func,
                                      gpointer reply_data,
                                      gpointer user_data, GError **error);

typedef struct _SsConsole SsConsole;

SsConsole *ss_console_new (GInputStream *input, FILE *output,
                           SsConsoleSendFunc send_func, gpointer user_data);
void ss_console_free (SsConsole *console);

void ss_console_start (SsConsole *console);
void ss_console_print (SsConsole *console, const char *text);
void ss_console_print_chat (SsConsole *console, const SsChatMessage *chat);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsConsole, ss_console_free)

G_END_DECLS
