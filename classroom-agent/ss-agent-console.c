/* Console I/O: reads lines asynchronously on the thread-default main
 * context, hands each to ss_command_parse(), sends the request and prints
 * its outcome. End of input stops reading and nothing else, so an agent
 * started with its input closed keeps running. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-console.h"
#include "ss-agent-command.h"

#include <glib/gi18n.h>

/* A line longer than this is not a command anybody typed. */
#define SS_CONSOLE_MAX_LINE_BYTES 4096

struct _SsConsole {
  GDataInputStream *input;
  FILE *output;
  GCancellable *cancellable;
  SsConsoleSendFunc send_func;
  gpointer user_data;
  /* Request id (guint64 *) -> SsCommand *, for the replies. */
  GHashTable *pending;
};

static void
command_free (SsCommand *command)
{
  ss_command_clear (command);
  g_free (command);
}

/* Reads from @input and prints to @output; nothing happens before
 * ss_console_start(). */
SsConsole *
ss_console_new (GInputStream *input, FILE *output, SsConsoleSendFunc send_func,
                gpointer user_data)
{
  SsConsole *console = g_new0 (SsConsole, 1);

  console->input = g_data_input_stream_new (input);
  g_data_input_stream_set_newline_type (console->input,
                                        G_DATA_STREAM_NEWLINE_TYPE_ANY);
  console->output = output;
  console->cancellable = g_cancellable_new ();
  console->send_func = send_func;
  console->user_data = user_data;
  console->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                            g_free,
                                            (GDestroyNotify) command_free);
  return console;
}

/* Stops reading. Replies still due are not printed. */
void
ss_console_free (SsConsole *console)
{
  if (console == NULL)
    return;

  g_cancellable_cancel (console->cancellable);
  g_clear_object (&console->cancellable);
  g_clear_object (&console->input);
  g_hash_table_unref (console->pending);
  g_free (console);
}

/* Prints one line and flushes it, so a teacher (or a test reading a pipe)
 * sees it at once. */
void
ss_console_print (SsConsole *console, const char *text)
{
  fputs (text, console->output);
  fputc ('\n', console->output);
  fflush (console->output);
}

/* Prints a chat message of the lesson. */
void
ss_console_print_chat (SsConsole *console, const SsChatMessage *chat)
{
  g_autofree char *line = NULL;

  if (chat->to != NULL)
    /* TRANSLATORS: a private chat message on the console; %1$s is the
     * sender's classroom, %2$s the receiver's, %3$s the text. */
    line = g_strdup_printf (_("%1$s (private, to %2$s): %3$s"), chat->from,
                            chat->to, chat->text);
  else
    /* TRANSLATORS: a chat message to the whole lesson on the console;
     * %1$s is the sender's classroom, %2$s the text. */
    line = g_strdup_printf (_("%1$s: %2$s"), chat->from, chat->text);
  ss_console_print (console, line);
}

static void
on_reply (guint64 id, json_t *result, const GError *error, gpointer data)
{
  SsConsole *console = data;
  SsCommand *command = g_hash_table_lookup (console->pending, &id);

  if (command == NULL)
    return;

  g_autofree char *text = error != NULL
                          ? ss_command_format_failure (command, error)
                          : ss_command_format_result (command, result);
  ss_console_print (console, text);
  g_hash_table_remove (console->pending, &id);
}

static void
run_line (SsConsole *console, const char *line)
{
  g_autoptr (GError) error = NULL;
  SsCommand *command = g_new0 (SsCommand, 1);

  if (!ss_command_parse (line, command, &error))
    {
      ss_console_print (console, error->message);
      command_free (command);
      return;
    }

  if (command->kind == SS_COMMAND_HELP)
    ss_console_print (console, ss_command_help_text ());
  if (command->request_type == NULL)
    {
      command_free (command);
      return;
    }

  g_info ("Console command: %s", command->request_type);
  guint64 id = console->send_func (command->request_type,
                                   g_steal_pointer (&command->payload),
                                   on_reply, console, console->user_data,
                                   &error);
  if (id == 0)
    {
      g_autofree char *text = ss_command_format_failure (command, error);
      ss_console_print (console, text);
      command_free (command);
      return;
    }

  guint64 *key = g_new (guint64, 1);
  *key = id;
  g_hash_table_insert (console->pending, key, command);
}

static void read_next_line (SsConsole *console);

static void
on_line_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  gsize length = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish (
      G_DATA_INPUT_STREAM (source), result, &length, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  SsConsole *console = data;
  if (error != NULL)
    {
      g_warning ("Console input failed: %s; the console stops",
                 error->message);
      return;
    }
  if (line == NULL)
    {
      g_message ("Console input ended; the agent goes on without it");
      return;
    }

  if (length > SS_CONSOLE_MAX_LINE_BYTES)
    {
      g_autofree char *text = g_strdup_printf (
          _("Line too long: %lu bytes, at most %d"), (gulong) length,
          SS_CONSOLE_MAX_LINE_BYTES);
      ss_console_print (console, text);
    }
  else
    run_line (console, line);

  read_next_line (console);
}

static void
read_next_line (SsConsole *console)
{
  g_data_input_stream_read_line_async (console->input, G_PRIORITY_DEFAULT,
                                       console->cancellable, on_line_read,
                                       console);
}

/* Starts reading lines; the callbacks run on the thread-default main
 * context of the caller. */
void
ss_console_start (SsConsole *console)
{
  ss_console_print (console,
                    _("Console ready. Type \"help\" for the commands."));
  read_next_line (console);
}
