/* The agent console's commands (`--console`): one line of text becomes one
 * interaction request of protocol/README.md ("Interaction"), and the
 * request's reply becomes one line a teacher reads. No I/O here, so the
 * unit tests drive it with strings. */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

#define SS_COMMAND_ERROR (ss_command_error_quark ())

typedef enum {
  /* The first word is not a command. */
  SS_COMMAND_ERROR_UNKNOWN,
  /* A required argument is missing. */
  SS_COMMAND_ERROR_MISSING_ARGUMENT,
  /* An argument is malformed or out of range, or there are too many. */
  SS_COMMAND_ERROR_INVALID_ARGUMENT,
} SsCommandError;

GQuark ss_command_error_quark (void);

typedef enum {
  /* A blank line or a comment (`#` first): nothing to do. */
  SS_COMMAND_NONE,
  SS_COMMAND_HELP,
  SS_COMMAND_CHAT,
  SS_COMMAND_CALL,
  SS_COMMAND_REVOKE,
  SS_COMMAND_PHASE,
  SS_COMMAND_HAND_UP,
  SS_COMMAND_HAND_DOWN,
  SS_COMMAND_PRESENT,
} SsCommandKind;

typedef struct {
  SsCommandKind kind;
  /* The request to send (`chat.send`, `floor.grant`, ...), NULL for
   * SS_COMMAND_NONE and SS_COMMAND_HELP. */
  const char *request_type;
  /* The request's members, without `v`, `type` and `id`; owned. */
  json_t *payload;
  /* The classroom the command names (chat's @CLASSROOM, call, hand down),
   * or NULL. */
  char *classroom;
  /* phase: the wire name (`teaching`, `practice`, `discussion`). */
  const char *phase;
  /* present: the number of students, or -1 when not given. */
  gint students;
} SsCommand;

gboolean ss_command_parse (const char *line, SsCommand *command,
                           GError **error);
void ss_command_clear (SsCommand *command);

char *ss_command_format_result (const SsCommand *command, json_t *result);
char *ss_command_format_failure (const SsCommand *command,
                                 const GError *error);
const char *ss_command_help_text (void);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SsCommand, ss_command_clear)

G_END_DECLS
