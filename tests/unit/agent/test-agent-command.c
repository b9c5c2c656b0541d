/* Unit tests of the console's command parser and reply texts, without I/O.
 * The tests run with LC_ALL=C, so the texts are the English sources. */
#include "ss-agent-command.h"
#include "ss-agent-signaling.h"

#include <string.h>

/* Parses @line, which must succeed, and returns the payload as compact
 * JSON with sorted keys ("" when there is none). */
static char *
parse_payload (const char *line, SsCommand *command)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ss_command_parse (line, command, &error));
  g_assert_no_error (error);
  if (command->payload == NULL)
    return g_strdup ("");
  return json_dumps (command->payload, JSON_COMPACT | JSON_SORT_KEYS);
}

static void
assert_parse_fails (const char *line, SsCommandError code,
                    const char *message_part)
{
  g_auto (SsCommand) command = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (ss_command_parse (line, &command, &error));
  g_assert_error (error, SS_COMMAND_ERROR, (gint) code);
  if (strstr (error->message, message_part) == NULL)
    g_error ("message for \"%s\" is \"%s\", expected it to contain \"%s\"",
             line, error->message, message_part);
  g_assert_cmpint (command.kind, ==, SS_COMMAND_NONE);
  g_assert_null (command.payload);
}

static void
test_chat_to_lesson (void)
{
  g_auto (SsCommand) command = { 0 };
  g_autofree char *payload = parse_payload ("chat   请看第三题  ", &command);

  g_assert_cmpint (command.kind, ==, SS_COMMAND_CHAT);
  g_assert_cmpstr (command.request_type, ==, "chat.send");
  g_assert_cmpstr (payload, ==, "{\"text\":\"请看第三题\"}");
  g_assert_null (command.classroom);
}

static void
test_chat_private (void)
{
  g_auto (SsCommand) command = { 0 };
  g_autofree char *payload = parse_payload ("chat @R2 please unmute",
                                            &command);

  g_assert_cmpint (command.kind, ==, SS_COMMAND_CHAT);
  g_assert_cmpstr (payload, ==, "{\"text\":\"please unmute\",\"to\":\"R2\"}");
  g_assert_cmpstr (command.classroom, ==, "R2");
}

static void
test_chat_errors (void)
{
  assert_parse_fails ("chat", SS_COMMAND_ERROR_MISSING_ARGUMENT,
                      "Missing message text");
  assert_parse_fails ("chat    ", SS_COMMAND_ERROR_MISSING_ARGUMENT,
                      "Missing message text");
  assert_parse_fails ("chat @R2", SS_COMMAND_ERROR_MISSING_ARGUMENT,
                      "Missing message text");
  assert_parse_fails ("chat @ hello", SS_COMMAND_ERROR_MISSING_ARGUMENT,
                      "Missing classroom ID");
  assert_parse_fails ("chat @R/2 hello", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "Invalid classroom ID \"R/2\"");
  assert_parse_fails ("chat a\001b", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "U+0001");
}

static void
test_chat_length_limit (void)
{
  g_auto (SsCommand) command = { 0 };
  GString *line = g_string_new ("chat ");

  /* 500 CJK characters are 1,500 bytes and still within the limit, which
   * counts characters. */
  for (int i = 0; i < 500; i++)
    g_string_append (line, "字");
  g_autofree char *payload = parse_payload (line->str, &command);
  g_assert_cmpint (command.kind, ==, SS_COMMAND_CHAT);

  g_string_append (line, "字");
  assert_parse_fails (line->str, SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "501 characters, at most 500");
  g_string_free (line, TRUE);
}

static void
test_call_and_revoke (void)
{
  g_auto (SsCommand) call = { 0 };
  g_autofree char *payload = parse_payload ("CALL R1", &call);

  g_assert_cmpint (call.kind, ==, SS_COMMAND_CALL);
  g_assert_cmpstr (call.request_type, ==, "floor.grant");
  g_assert_cmpstr (payload, ==, "{\"classroom\":\"R1\"}");

  g_auto (SsCommand) revoke = { 0 };
  g_autofree char *revoke_payload = parse_payload ("revoke", &revoke);
  g_assert_cmpint (revoke.kind, ==, SS_COMMAND_REVOKE);
  g_assert_cmpstr (revoke.request_type, ==, "floor.revoke");
  g_assert_cmpstr (revoke_payload, ==, "{}");

  assert_parse_fails ("call", SS_COMMAND_ERROR_MISSING_ARGUMENT,
                      "Missing classroom ID after \"call\"");
  assert_parse_fails ("call R1 R2", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "Too many arguments for \"call\": \"R2\"");
  assert_parse_fails ("revoke R1", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "Too many arguments for \"revoke\"");
}

static void
test_phase_names (void)
{
  static const struct {
    const char *line;
    const char *phase;
  } cases[] = {
    { "phase teaching", "teaching" },
    { "phase Practice", "practice" },
    { "phase discussion", "discussion" },
    { "phase 讲授", "teaching" },
    { "phase 练习", "practice" },
    { "phase 互动", "discussion" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (SsCommand) command = { 0 };
      g_autofree char *payload = parse_payload (cases[i].line, &command);
      g_autofree char *expected = g_strdup_printf ("{\"phase\":\"%s\"}",
                                                   cases[i].phase);
      g_assert_cmpint (command.kind, ==, SS_COMMAND_PHASE);
      g_assert_cmpstr (command.request_type, ==, "phase.set");
      g_assert_cmpstr (payload, ==, expected);
    }

  assert_parse_fails ("phase", SS_COMMAND_ERROR_MISSING_ARGUMENT,
                      "Missing phase");
  assert_parse_fails ("phase break", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "Invalid phase \"break\"");
  assert_parse_fails ("phase teaching now", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "Too many arguments");
}

static void
test_hand (void)
{
  g_auto (SsCommand) up = { 0 };
  g_autofree char *up_payload = parse_payload ("hand up", &up);
  g_assert_cmpint (up.kind, ==, SS_COMMAND_HAND_UP);
  g_assert_cmpstr (up.request_type, ==, "hand.raise");
  g_assert_cmpstr (up_payload, ==, "{}");

  g_auto (SsCommand) down = { 0 };
  g_autofree char *down_payload = parse_payload ("hand down", &down);
  g_assert_cmpint (down.kind, ==, SS_COMMAND_HAND_DOWN);
  g_assert_cmpstr (down.request_type, ==, "hand.lower");
  g_assert_cmpstr (down_payload, ==, "{}");

  g_auto (SsCommand) dismiss = { 0 };
  g_autofree char *dismiss_payload = parse_payload ("hand down R3", &dismiss);
  g_assert_cmpstr (dismiss_payload, ==, "{\"classroom\":\"R3\"}");

  assert_parse_fails ("hand", SS_COMMAND_ERROR_MISSING_ARGUMENT,
                      "\"hand up\" or \"hand down\"");
  assert_parse_fails ("hand sideways", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "\"hand up\" or \"hand down\"");
  assert_parse_fails ("hand up R3", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "Too many arguments");
}

static void
test_present (void)
{
  g_auto (SsCommand) bare = { 0 };
  g_autofree char *bare_payload = parse_payload ("present", &bare);
  g_assert_cmpint (bare.kind, ==, SS_COMMAND_PRESENT);
  g_assert_cmpstr (bare.request_type, ==, "attendance.confirm");
  g_assert_cmpstr (bare_payload, ==, "{}");
  g_assert_cmpint (bare.students, ==, -1);

  g_auto (SsCommand) counted = { 0 };
  g_autofree char *counted_payload = parse_payload ("present 42", &counted);
  g_assert_cmpstr (counted_payload, ==, "{\"students\":42}");

  g_auto (SsCommand) top = { 0 };
  g_autofree char *top_payload = parse_payload ("present 1000", &top);
  g_assert_cmpstr (top_payload, ==, "{\"students\":1000}");

  assert_parse_fails ("present 1001", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "\"1001\"");
  assert_parse_fails ("present -1", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "\"-1\"");
  assert_parse_fails ("present forty", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "\"forty\"");
}

static void
test_blank_help_unknown (void)
{
  static const char *const nothing[] = { "", "   ", "\t", "# a note" };

  for (gsize i = 0; i < G_N_ELEMENTS (nothing); i++)
    {
      g_auto (SsCommand) command = { 0 };
      g_autofree char *payload = parse_payload (nothing[i], &command);
      g_assert_cmpint (command.kind, ==, SS_COMMAND_NONE);
      g_assert_null (command.request_type);
    }

  g_auto (SsCommand) help = { 0 };
  g_autofree char *help_payload = parse_payload ("help", &help);
  g_assert_cmpint (help.kind, ==, SS_COMMAND_HELP);
  g_assert_null (help.request_type);
  g_assert_nonnull (strstr (ss_command_help_text (), "call CLASSROOM"));

  assert_parse_fails ("dance", SS_COMMAND_ERROR_UNKNOWN,
                      "Unknown command \"dance\"");
  assert_parse_fails ("chat \xff\xfe", SS_COMMAND_ERROR_INVALID_ARGUMENT,
                      "not valid UTF-8");
}

static void
test_result_texts (void)
{
  g_auto (SsCommand) call = { 0 };
  g_autofree char *call_payload = parse_payload ("call R1", &call);
  g_autofree char *call_text = ss_command_format_result (&call, NULL);
  g_assert_cmpstr (call_text, ==, "Floor granted to classroom R1");

  g_auto (SsCommand) phase = { 0 };
  g_autofree char *phase_payload = parse_payload ("phase practice", &phase);
  g_autofree char *phase_text = ss_command_format_result (&phase, NULL);
  g_assert_cmpstr (phase_text, ==, "Lesson phase set to Practice");

  g_auto (SsCommand) present = { 0 };
  g_autofree char *present_payload = parse_payload ("present 1", &present);
  g_autofree char *present_text = ss_command_format_result (&present, NULL);
  g_assert_cmpstr (present_text, ==, "Attendance confirmed: 1 student");

  g_auto (SsCommand) chat = { 0 };
  g_autofree char *chat_payload = parse_payload ("chat @R2 hi", &chat);
  g_autofree char *chat_text = ss_command_format_result (&chat, NULL);
  g_assert_cmpstr (chat_text, ==, "Private message to R2 sent");
}

static void
test_failure_texts (void)
{
  g_auto (SsCommand) call = { 0 };
  g_autofree char *payload = parse_payload ("call R1", &call);
  g_autoptr (GError) forbidden = g_error_new_literal (
      SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_FORBIDDEN,
      "forbidden: only the lead may grant the floor");
  g_autoptr (GError) limited = g_error_new_literal (
      SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_RATE_LIMITED,
      "rate_limited: try again in 4 s");

  g_autofree char *forbidden_text = ss_command_format_failure (&call,
                                                               forbidden);
  g_assert_cmpstr (forbidden_text, ==,
                   "Refused: this classroom may not do that (forbidden: "
                   "only the lead may grant the floor)");

  g_autofree char *limited_text = ss_command_format_failure (&call, limited);
  g_assert_nonnull (strstr (limited_text, "Too many requests"));
  g_assert_nonnull (strstr (limited_text, "try again in 4 s"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/agent/command/chat-to-lesson", test_chat_to_lesson);
  g_test_add_func ("/agent/command/chat-private", test_chat_private);
  g_test_add_func ("/agent/command/chat-errors", test_chat_errors);
  g_test_add_func ("/agent/command/chat-length-limit", test_chat_length_limit);
  g_test_add_func ("/agent/command/call-and-revoke", test_call_and_revoke);
  g_test_add_func ("/agent/command/phase-names", test_phase_names);
  g_test_add_func ("/agent/command/hand", test_hand);
  g_test_add_func ("/agent/command/present", test_present);
  g_test_add_func ("/agent/command/blank-help-unknown", test_blank_help_unknown);
  g_test_add_func ("/agent/command/result-texts", test_result_texts);
  g_test_add_func ("/agent/command/failure-texts", test_failure_texts);

  return g_test_run ();
}
