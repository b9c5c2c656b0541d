/* Console commands of the classroom agent.
 *
 *   chat TEXT                 chat.send to the whole lesson
 *   chat @CLASSROOM TEXT      chat.send privately (`to`)
 *   call CLASSROOM            floor.grant
 *   revoke                    floor.revoke
 *   phase PHASE               phase.set: teaching, practice, discussion
 *                             (or their Chinese names 讲授, 练习, 互动)
 *   hand up                   hand.raise for this classroom
 *   hand down [CLASSROOM]     hand.lower, this classroom's when absent
 *   present [STUDENTS]        attendance.confirm
 *   help                      the list above, translated
 *
 * Command words are ASCII and matched without regard to case. The parser
 * checks what the client can check (classroom ids, text length, numbers)
 * so a typo gets a precise message at once. Who may do what is the
 * server's decision, so a remote's `call` is sent and the teacher reads
 * the server's `forbidden`. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-command.h"
#include "ss-agent-interaction.h"
#include "ss-agent-signaling.h"
#include "ss-message.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK (ss-command-error-quark, ss_command_error)

void
ss_command_clear (SsCommand *command)
{
  g_clear_pointer (&command->payload, json_decref);
  g_clear_pointer (&command->classroom, g_free);
  *command = (SsCommand) { .kind = SS_COMMAND_NONE, .students = -1 };
}

/* Splits off the first word of @text (ASCII white space separates words).
 * Returns the word, and sets @rest to what follows, without leading white
 * space. */
static char *
next_word (const char *text, const char **rest)
{
  while (g_ascii_isspace (*text))
    text++;

  const char *end = text;
  while (*end != '\0' && !g_ascii_isspace (*end))
    end++;

  *rest = end;
  while (g_ascii_isspace (**rest))
    (*rest)++;
  return g_strndup (text, end - text);
}

static gboolean
fail (GError **error, SsCommandError code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, SsCommandError code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SS_COMMAND_ERROR, code, message);
  return FALSE;
}

static gboolean
check_no_more (const char *command, const char *rest, GError **error)
{
  if (*rest == '\0')
    return TRUE;

  return fail (error, SS_COMMAND_ERROR_INVALID_ARGUMENT,
               /* TRANSLATORS: %1$s is a console command word (call, revoke,
                * ...), %2$s the unexpected rest of the line. */
               _("Too many arguments for \"%1$s\": \"%2$s\". Type \"help\" "
                 "for the commands"),
               command, rest);
}

static gboolean
read_classroom (const char *command, const char *word, char **classroom,
                GError **error)
{
  if (*word == '\0')
    return fail (error, SS_COMMAND_ERROR_MISSING_ARGUMENT,
                 /* TRANSLATORS: %s is a console command word. */
                 _("Missing classroom ID after \"%s\""), command);

  if (!ss_identifier_is_valid (word))
    return fail (error, SS_COMMAND_ERROR_INVALID_ARGUMENT,
                 _("Invalid classroom ID \"%s\": use 1 to 64 of the "
                   "characters A-Z a-z 0-9 . _ -"),
                 word);

  *classroom = g_strdup (word);
  return TRUE;
}

static gboolean
parse_chat (const char *rest, SsCommand *command, GError **error)
{
  const char *text = rest;

  /* The classroom is written right after the @, as in "chat @R2 text". */
  if (*rest == '@')
    {
      const char *end = rest + 1;
      while (*end != '\0' && !g_ascii_isspace (*end))
        end++;
      g_autofree char *target = g_strndup (rest + 1, end - (rest + 1));
      if (!read_classroom ("chat @", target, &command->classroom, error))
        return FALSE;
      text = end;
    }

  /* Trimmed as the server trims it, so the length is the one it checks. */
  g_autofree char *trimmed = ss_message_trim_text (text);
  if (trimmed[0] == '\0')
    return fail (error, SS_COMMAND_ERROR_MISSING_ARGUMENT,
                 _("Missing message text: type \"chat TEXT\" or \"chat "
                   "@CLASSROOM TEXT\""));

  glong length = g_utf8_strlen (trimmed, -1);
  if (length > SS_CHAT_TEXT_MAX_LENGTH)
    return fail (error, SS_COMMAND_ERROR_INVALID_ARGUMENT,
                 _("Message too long: %ld characters, at most %d"), length,
                 SS_CHAT_TEXT_MAX_LENGTH);

  for (const char *p = trimmed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c) && c != '\t')
        return fail (error, SS_COMMAND_ERROR_INVALID_ARGUMENT,
                     _("The message contains a control character (U+%04X), "
                       "which the server does not accept"),
                     c);
    }

  command->kind = SS_COMMAND_CHAT;
  command->request_type = "chat.send";
  command->payload = json_pack ("{s:s}", "text", trimmed);
  if (command->classroom != NULL)
    json_object_set_new (command->payload, "to",
                         json_string (command->classroom));
  return TRUE;
}

static gboolean
parse_call (const char *rest, SsCommand *command, GError **error)
{
  const char *after = NULL;
  g_autofree char *target = next_word (rest, &after);

  if (!read_classroom ("call", target, &command->classroom, error)
      || !check_no_more ("call", after, error))
    return FALSE;

  command->kind = SS_COMMAND_CALL;
  command->request_type = "floor.grant";
  command->payload = json_pack ("{s:s}", "classroom", command->classroom);
  return TRUE;
}

/* The phase names a teacher may type: the wire names, and the Chinese
 * names the lesson plan uses, whatever the console's language. */
static const struct {
  const char *typed;
  const char *phase;
} phase_names[] = {
  { "teaching", "teaching" },
  { "practice", "practice" },
  { "discussion", "discussion" },
  { "讲授", "teaching" },
  { "练习", "practice" },
  { "互动", "discussion" },
};

static gboolean
parse_phase (const char *rest, SsCommand *command, GError **error)
{
  const char *after = NULL;
  g_autofree char *word = next_word (rest, &after);
  g_autofree char *folded = g_ascii_strdown (word, -1);

  if (folded[0] == '\0')
    return fail (error, SS_COMMAND_ERROR_MISSING_ARGUMENT,
                 _("Missing phase: use teaching, practice or discussion"));

  for (gsize i = 0; i < G_N_ELEMENTS (phase_names); i++)
    {
      if (!g_str_equal (folded, phase_names[i].typed))
        continue;
      if (!check_no_more ("phase", after, error))
        return FALSE;

      command->kind = SS_COMMAND_PHASE;
      command->request_type = "phase.set";
      command->phase = phase_names[i].phase;
      command->payload = json_pack ("{s:s}", "phase", command->phase);
      return TRUE;
    }

  return fail (error, SS_COMMAND_ERROR_INVALID_ARGUMENT,
               _("Invalid phase \"%s\": use teaching, practice or "
                 "discussion"),
               word);
}

static gboolean
parse_hand (const char *rest, SsCommand *command, GError **error)
{
  const char *after = NULL;
  g_autofree char *word = next_word (rest, &after);
  g_autofree char *folded = g_ascii_strdown (word, -1);

  if (g_str_equal (folded, "up"))
    {
      if (!check_no_more ("hand up", after, error))
        return FALSE;
      command->kind = SS_COMMAND_HAND_UP;
      command->request_type = "hand.raise";
      command->payload = json_object ();
      return TRUE;
    }

  if (g_str_equal (folded, "down"))
    {
      const char *end = NULL;
      g_autofree char *target = next_word (after, &end);
      if (target[0] != '\0'
          && (!read_classroom ("hand down", target, &command->classroom, error)
              || !check_no_more ("hand down", end, error)))
        return FALSE;

      command->kind = SS_COMMAND_HAND_DOWN;
      command->request_type = "hand.lower";
      command->payload = json_object ();
      if (command->classroom != NULL)
        json_object_set_new (command->payload, "classroom",
                             json_string (command->classroom));
      return TRUE;
    }

  return fail (error,
               folded[0] == '\0' ? SS_COMMAND_ERROR_MISSING_ARGUMENT
                                 : SS_COMMAND_ERROR_INVALID_ARGUMENT,
               _("Use \"hand up\" or \"hand down\""));
}

static gboolean
parse_present (const char *rest, SsCommand *command, GError **error)
{
  const char *after = NULL;
  g_autofree char *word = next_word (rest, &after);

  command->students = -1;
  if (word[0] != '\0')
    {
      guint64 students = 0;
      if (!g_ascii_string_to_unsigned (word, 10, 0,
                                       SS_ATTENDANCE_MAX_STUDENTS, &students,
                                       NULL))
        return fail (error, SS_COMMAND_ERROR_INVALID_ARGUMENT,
                     _("Invalid number of students \"%s\": use a whole "
                       "number from 0 to %d"),
                     word, SS_ATTENDANCE_MAX_STUDENTS);
      if (!check_no_more ("present", after, error))
        return FALSE;
      command->students = (gint) students;
    }

  command->kind = SS_COMMAND_PRESENT;
  command->request_type = "attendance.confirm";
  command->payload = json_object ();
  if (command->students >= 0)
    json_object_set_new (command->payload, "students",
                         json_integer (command->students));
  return TRUE;
}

/* Parses one console line into @command, which the caller clears. A line
 * that is blank or starts with `#` gives SS_COMMAND_NONE. Returns FALSE
 * with a translated message in @error for an unknown command or a bad
 * argument, and @command then stays SS_COMMAND_NONE. */
gboolean
ss_command_parse (const char *line, SsCommand *command, GError **error)
{
  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (command != NULL, FALSE);

  *command = (SsCommand) { .kind = SS_COMMAND_NONE, .students = -1 };

  if (!g_utf8_validate (line, -1, NULL))
    return fail (error, SS_COMMAND_ERROR_INVALID_ARGUMENT,
                 _("The line is not valid UTF-8 text"));

  const char *rest = NULL;
  g_autofree char *word = next_word (line, &rest);
  g_autofree char *name = g_ascii_strdown (word, -1);
  gboolean parsed = FALSE;

  if (name[0] == '\0' || name[0] == '#')
    return TRUE;

  if (g_str_equal (name, "help") || g_str_equal (name, "?"))
    {
      command->kind = SS_COMMAND_HELP;
      return TRUE;
    }

  if (g_str_equal (name, "chat"))
    parsed = parse_chat (rest, command, error);
  else if (g_str_equal (name, "call"))
    parsed = parse_call (rest, command, error);
  else if (g_str_equal (name, "revoke"))
    {
      parsed = check_no_more ("revoke", rest, error);
      if (parsed)
        {
          command->kind = SS_COMMAND_REVOKE;
          command->request_type = "floor.revoke";
          command->payload = json_object ();
        }
    }
  else if (g_str_equal (name, "phase"))
    parsed = parse_phase (rest, command, error);
  else if (g_str_equal (name, "hand"))
    parsed = parse_hand (rest, command, error);
  else if (g_str_equal (name, "present"))
    parsed = parse_present (rest, command, error);
  else
    return fail (error, SS_COMMAND_ERROR_UNKNOWN,
                 _("Unknown command \"%s\". Type \"help\" for the commands"),
                 word);

  if (!parsed)
    ss_command_clear (command);
  return parsed;
}

/* Formats what a successful reply to @command means, translated. */
char *
ss_command_format_result (const SsCommand *command, json_t *result)
{
  switch (command->kind)
    {
    case SS_COMMAND_CHAT:
      if (command->classroom != NULL)
        /* TRANSLATORS: console reply; %s is a classroom id. */
        return g_strdup_printf (_("Private message to %s sent"),
                                command->classroom);
      return g_strdup (_("Message sent to the whole lesson"));
    case SS_COMMAND_CALL:
      /* TRANSLATORS: console reply; %s is a classroom id. */
      return g_strdup_printf (_("Floor granted to classroom %s"),
                              command->classroom);
    case SS_COMMAND_REVOKE:
      return g_strdup (_("The floor is revoked"));
    case SS_COMMAND_PHASE:
      /* TRANSLATORS: console reply; %s is the lesson phase. */
      return g_strdup_printf (_("Lesson phase set to %s"),
                              ss_lesson_phase_label (
                                  ss_lesson_phase_from_string (command->phase)));
    case SS_COMMAND_HAND_UP:
      return g_strdup (_("Hand raised"));
    case SS_COMMAND_HAND_DOWN:
      if (command->classroom != NULL)
        /* TRANSLATORS: console reply; %s is a classroom id. */
        return g_strdup_printf (_("Hand of classroom %s lowered"),
                                command->classroom);
      return g_strdup (_("Hand lowered"));
    case SS_COMMAND_PRESENT:
      if (command->students >= 0)
        return g_strdup_printf (
            /* TRANSLATORS: console reply; %d is the number of students. */
            ngettext ("Attendance confirmed: %d student",
                      "Attendance confirmed: %d students",
                      (gulong) command->students),
            command->students);
      return g_strdup (_("Attendance confirmed"));
    case SS_COMMAND_NONE:
    case SS_COMMAND_HELP:
    default:
      return g_strdup ("");
    }
}

/* Formats why @command failed: a translated sentence for the error code,
 * then the server's own message, which names the code (`forbidden: ...`). */
char *
ss_command_format_failure (const SsCommand *command, const GError *error)
{
  const char *reason = _("The request failed");

  if (error->domain == SS_SIGNALING_ERROR)
    {
      switch (error->code)
        {
        case SS_SIGNALING_ERROR_FORBIDDEN:
          reason = _("Refused: this classroom may not do that");
          break;
        case SS_SIGNALING_ERROR_NOT_READY:
          reason = _("Not in a lesson yet: wait until the agent has joined "
                     "the lesson");
          break;
        case SS_SIGNALING_ERROR_BAD_MESSAGE:
          reason = _("The server rejected the request as invalid");
          break;
        case SS_SIGNALING_ERROR_UNKNOWN_TYPE:
          reason = _("The server does not support this command");
          break;
        case SS_SIGNALING_ERROR_RATE_LIMITED:
          reason = _("Too many requests: wait a few seconds and try again");
          break;
        case SS_SIGNALING_ERROR_TIMED_OUT:
          reason = _("The server did not reply in time");
          break;
        case SS_SIGNALING_ERROR_DISCONNECTED:
          reason = _("The connection to the server closed before the reply");
          break;
        default:
          break;
        }
    }

  /* TRANSLATORS: console reply; %1$s is the reason, %2$s the server's
   * error code and message, in English. */
  return g_strdup_printf (_("%1$s (%2$s)"), reason, error->message);
}

const char *
ss_command_help_text (void)
{
  return _("Commands:\n"
           "  chat TEXT               send TEXT to the whole lesson\n"
           "  chat @CLASSROOM TEXT    send TEXT to one classroom only\n"
           "  call CLASSROOM          give CLASSROOM the floor (lead)\n"
           "  revoke                  take the floor back (lead)\n"
           "  phase teaching|practice|discussion\n"
           "                          set the lesson phase (lead)\n"
           "  hand up                 raise this classroom's hand (remote)\n"
           "  hand down [CLASSROOM]   lower a raised hand\n"
           "  present [STUDENTS]      confirm attendance (remote)\n"
           "  help                    show this list");
}
