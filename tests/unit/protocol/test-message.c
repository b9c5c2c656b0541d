/* Tests of the signaling message codec against protocol/README.md. */
#include <string.h>

#include "ss-message.h"

/* Parses @text as sent by a client and checks it fails with @code and the
 * reply id @expected_id. */
static void
assert_rejected (const char *text, SsProtocolError code, gint64 expected_id)
{
  g_autoptr (GError) error = NULL;
  gint64 request_id = -1;

  g_autoptr (SsMessage) message = ss_message_parse (
      text, strlen (text), SS_MESSAGE_SENDER_CLIENT, &request_id, &error);

  if (message != NULL)
    g_error ("accepted, expected %s: %s", ss_protocol_error_to_string (code),
             text);
  g_assert_error (error, SS_PROTOCOL_ERROR, (gint) code);
  g_assert_cmpint (request_id, ==, expected_id);
}

static SsMessage *
parse_ok (const char *text, SsMessageSender sender)
{
  g_autoptr (GError) error = NULL;
  SsMessage *message = ss_message_parse (text, strlen (text), sender, NULL,
                                         &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static void
test_hello_valid (void)
{
  g_autoptr (SsMessage) message = parse_ok (
      "{\"v\":1,\"type\":\"hello\",\"id\":7,\"role\":\"remote\","
      "\"classroom\":\"Town-3_b.1\",\"agent\":\"shuangshi-agent/0.1\","
      "\"token\":\"abc\",\"extra\":[1,2]}",
      SS_MESSAGE_SENDER_CLIENT);

  g_assert_cmpint (message->type, ==, SS_MESSAGE_HELLO);
  g_assert_cmpint (message->id, ==, 7);
  g_assert_cmpint (message->role, ==, SS_ROLE_REMOTE);
  g_assert_cmpstr (message->classroom, ==, "Town-3_b.1");
  g_assert_cmpstr (message->agent, ==, "shuangshi-agent/0.1");
  g_assert_cmpstr (message->token, ==, "abc");
}

static void
test_client_types_valid (void)
{
  g_autoptr (SsMessage) join = parse_ok (
      "{\"v\":1,\"type\":\"lesson.join\",\"id\":1,\"lesson\":\"math-7\"}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (join->type, ==, SS_MESSAGE_LESSON_JOIN);
  g_assert_cmpstr (join->lesson, ==, "math-7");

  g_autoptr (SsMessage) leave = parse_ok (
      "{\"v\":1,\"type\":\"lesson.leave\",\"id\":2}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (leave->type, ==, SS_MESSAGE_LESSON_LEAVE);
  g_assert_cmpint (leave->id, ==, 2);

  g_autoptr (SsMessage) publish = parse_ok (
      "{\"v\":1,\"type\":\"publish\",\"id\":3,\"sdp\":\"v=0\\r\\n\"}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (publish->type, ==, SS_MESSAGE_PUBLISH);
  g_assert_cmpstr (publish->sdp, ==, "v=0\r\n");

  g_autoptr (SsMessage) subscribe = parse_ok (
      "{\"v\":1,\"type\":\"subscribe\",\"id\":9007199254740991,"
      "\"sdp\":\"v=0\"}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (subscribe->type, ==, SS_MESSAGE_SUBSCRIBE);
  g_assert_cmpint (subscribe->id, ==, SS_MESSAGE_ID_MAX);
}

static void
test_candidate_valid (void)
{
  g_autoptr (SsMessage) candidate = parse_ok (
      "{\"v\":1,\"type\":\"candidate\",\"mline\":0,\"candidate\":"
      "\"candidate:1 1 UDP 2122252543 127.0.0.1 5000 typ host\"}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (candidate->type, ==, SS_MESSAGE_CANDIDATE);
  g_assert_cmpint (candidate->id, ==, 0);
  g_assert_cmpint (candidate->mline, ==, 0);
  g_assert_true (g_str_has_prefix (candidate->candidate, "candidate:1 "));

  g_autoptr (SsMessage) end = parse_ok (
      "{\"v\":1,\"type\":\"candidate\",\"mline\":1,\"candidate\":\"\"}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpstr (end->candidate, ==, "");
  g_assert_cmpint (end->mline, ==, 1);
}

static void
test_server_types_valid (void)
{
  g_autoptr (SsMessage) result = parse_ok (
      "{\"v\":1,\"type\":\"result\",\"id\":4,\"live\":true}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (result->type, ==, SS_MESSAGE_RESULT);
  g_assert_true (json_is_true (json_object_get (result->json, "live")));

  g_autoptr (SsMessage) error = parse_ok (
      "{\"v\":1,\"type\":\"error\",\"code\":\"not_live\",\"message\":\"x\"}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (error->code, ==, SS_PROTOCOL_ERROR_NOT_LIVE);
  g_assert_cmpint (error->id, ==, 0);
  g_assert_cmpstr (error->message, ==, "x");

  g_autoptr (SsMessage) live = parse_ok (
      "{\"v\":1,\"type\":\"lesson.live\",\"lesson\":\"L1\"}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpstr (live->lesson, ==, "L1");

  g_autoptr (SsMessage) offline = parse_ok (
      "{\"v\":1,\"type\":\"lesson.offline\",\"lesson\":\"L1\","
      "\"reason\":\"failed\"}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpstr (offline->reason, ==, "failed");

  g_autoptr (SsMessage) closed = parse_ok (
      "{\"v\":1,\"type\":\"transport.closed\",\"reason\":\"ice_timeout\","
      "\"transport\":\"publish\"}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (closed->type, ==, SS_MESSAGE_TRANSPORT_CLOSED);
  g_assert_cmpstr (closed->reason, ==, "ice_timeout");
  g_assert_cmpstr (closed->transport, ==, "publish");
}

static void
test_missing_member (void)
{
  assert_rejected ("{\"v\":1,\"type\":\"hello\",\"id\":5,\"role\":\"lead\"}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 5);
  assert_rejected ("{\"v\":1,\"type\":\"publish\",\"id\":6}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 6);
  assert_rejected ("{\"v\":1,\"type\":\"candidate\",\"candidate\":\"\"}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
  assert_rejected ("{\"type\":\"hello\",\"id\":5}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 5);
  assert_rejected ("{\"v\":1,\"id\":5}", SS_PROTOCOL_ERROR_BAD_MESSAGE, 5);
  /* A request without an id leaves no id for the error reply. */
  assert_rejected ("{\"v\":1,\"type\":\"lesson.leave\"}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
}

static void
test_wrong_type (void)
{
  assert_rejected ("{\"v\":1,\"type\":\"hello\",\"id\":5,\"role\":\"lead\","
                   "\"classroom\":42}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 5);
  assert_rejected ("{\"v\":\"1\",\"type\":\"lesson.leave\",\"id\":5}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 5);
  assert_rejected ("{\"v\":1,\"type\":7,\"id\":5}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 5);
  assert_rejected ("{\"v\":1,\"type\":\"candidate\",\"candidate\":\"\","
                   "\"mline\":\"0\"}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
  assert_rejected ("{\"v\":1,\"type\":\"candidate\",\"candidate\":\"\","
                   "\"mline\":0.0}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
  assert_rejected ("{\"v\":1,\"type\":\"hello\",\"id\":5,\"role\":\"admin\","
                   "\"classroom\":\"c1\"}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 5);
  assert_rejected ("{\"v\":1,\"type\":\"publish\",\"id\":5,\"sdp\":null}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 5);
}

static void
test_bad_id_range (void)
{
  const char *const bad_ids[] = {
    "0", "-1", "9007199254740992", "1.5", "\"7\"", "null", "true",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      g_autofree char *text = g_strdup_printf (
          "{\"v\":1,\"type\":\"lesson.leave\",\"id\":%s}", bad_ids[i]);
      assert_rejected (text, SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
    }

  assert_rejected ("{\"v\":1,\"type\":\"candidate\",\"candidate\":\"\","
                   "\"mline\":-1}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
  assert_rejected ("{\"v\":1,\"type\":\"candidate\",\"candidate\":\"\","
                   "\"mline\":65536}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
}

static void
test_bad_identifier_characters (void)
{
  const char *const bad_classrooms[] = {
    "", "room 1", "room/1", "教室", "a\\u00e9", "a\\tb", "a:b", "a+b",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_classrooms); i++)
    {
      g_autofree char *text = g_strdup_printf (
          "{\"v\":1,\"type\":\"hello\",\"id\":3,\"role\":\"lead\","
          "\"classroom\":\"%s\"}", bad_classrooms[i]);
      assert_rejected (text, SS_PROTOCOL_ERROR_BAD_MESSAGE, 3);
    }

  assert_rejected ("{\"v\":1,\"type\":\"lesson.join\",\"id\":4,"
                   "\"lesson\":\"L 1\"}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 4);
}

static void
test_too_long (void)
{
  g_autofree char *id64 = g_strnfill (64, 'a');
  g_autofree char *id65 = g_strnfill (65, 'a');

  g_autofree char *ok = g_strdup_printf (
      "{\"v\":1,\"type\":\"lesson.join\",\"id\":1,\"lesson\":\"%s\"}", id64);
  g_autoptr (SsMessage) message = parse_ok (ok, SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpuint (strlen (message->lesson), ==, 64);

  g_autofree char *long_lesson = g_strdup_printf (
      "{\"v\":1,\"type\":\"lesson.join\",\"id\":1,\"lesson\":\"%s\"}", id65);
  assert_rejected (long_lesson, SS_PROTOCOL_ERROR_BAD_MESSAGE, 1);

  /* agent is limited in characters, not bytes: 128 CJK characters pass. */
  g_autoptr (GString) agent = g_string_new (NULL);
  for (guint i = 0; i < 128; i++)
    g_string_append (agent, "师");
  g_autofree char *agent_ok = g_strdup_printf (
      "{\"v\":1,\"type\":\"hello\",\"id\":2,\"role\":\"lead\","
      "\"classroom\":\"c\",\"agent\":\"%s\"}", agent->str);
  g_autoptr (SsMessage) hello = parse_ok (agent_ok, SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpstr (hello->agent, ==, agent->str);

  g_string_append (agent, "x");
  g_autofree char *agent_long = g_strdup_printf (
      "{\"v\":1,\"type\":\"hello\",\"id\":2,\"role\":\"lead\","
      "\"classroom\":\"c\",\"agent\":\"%s\"}", agent->str);
  assert_rejected (agent_long, SS_PROTOCOL_ERROR_BAD_MESSAGE, 2);
}

static void
test_message_size_limit (void)
{
  /* A publish of exactly 65,536 bytes is accepted, one byte more is not. */
  const char *head = "{\"v\":1,\"type\":\"publish\",\"id\":8,\"sdp\":\"";
  const char *tail = "\"}";
  gsize padding = SS_MESSAGE_MAX_SIZE - strlen (head) - strlen (tail);

  g_autoptr (GString) text = g_string_new (head);
  for (gsize i = 0; i < padding; i++)
    g_string_append_c (text, 'a');
  g_string_append (text, tail);
  g_assert_cmpuint (text->len, ==, SS_MESSAGE_MAX_SIZE);

  g_autoptr (SsMessage) message = parse_ok (text->str,
                                            SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpuint (strlen (message->sdp), ==, padding);

  g_string_insert_c (text, strlen (head), 'a');
  assert_rejected (text->str, SS_PROTOCOL_ERROR_TOO_LARGE, 0);
}

static void
test_unsupported_version (void)
{
  assert_rejected ("{\"v\":2,\"type\":\"hello\",\"id\":11}",
                   SS_PROTOCOL_ERROR_UNSUPPORTED_VERSION, 11);
  assert_rejected ("{\"v\":0,\"type\":\"whatever\"}",
                   SS_PROTOCOL_ERROR_UNSUPPORTED_VERSION, 0);
}

static void
test_unknown_type (void)
{
  assert_rejected ("{\"v\":1,\"type\":\"lesson.pause\",\"id\":12}",
                   SS_PROTOCOL_ERROR_UNKNOWN_TYPE, 12);
  /* Server-to-client types are not requests a server accepts. */
  assert_rejected ("{\"v\":1,\"type\":\"result\",\"id\":13}",
                   SS_PROTOCOL_ERROR_UNKNOWN_TYPE, 13);
  assert_rejected ("{\"v\":1,\"type\":\"lesson.live\",\"lesson\":\"L\"}",
                   SS_PROTOCOL_ERROR_UNKNOWN_TYPE, 0);
  assert_rejected ("{\"v\":1,\"type\":\"\",\"id\":14}",
                   SS_PROTOCOL_ERROR_UNKNOWN_TYPE, 14);
}

static void
test_not_an_object (void)
{
  const char *const texts[] = {
    "[]", "[{\"v\":1}]", "\"hello\"", "1", "null", "", "   ",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_rejected (texts[i], SS_PROTOCOL_ERROR_BAD_JSON, 0);
}

static void
test_bad_json (void)
{
  assert_rejected ("{\"v\":1,\"type\":\"hello\",\"id\":1} trailing",
                   SS_PROTOCOL_ERROR_BAD_JSON, 0);
  assert_rejected ("{\"v\":1,\"type\":\"hello\",\"id\":1}{}",
                   SS_PROTOCOL_ERROR_BAD_JSON, 0);
  assert_rejected ("{\"v\":1,", SS_PROTOCOL_ERROR_BAD_JSON, 0);
  assert_rejected ("{\"v\":1,\"v\":1,\"type\":\"lesson.leave\",\"id\":1}",
                   SS_PROTOCOL_ERROR_BAD_JSON, 0);
  assert_rejected ("{\"v\":1,\"type\":\"hello\",\"id\":1,\"classroom\":"
                   "\"a\\u0000b\"}",
                   SS_PROTOCOL_ERROR_BAD_JSON, 0);
  assert_rejected ("{\"v\":1,\"type\":\"hello\",\"id\":1,\"x\":\"\xff\"}",
                   SS_PROTOCOL_ERROR_BAD_JSON, 0);

  /* Embedded NUL bytes in the frame itself. */
  const char with_nul[] = "{\"v\":1,\0\"type\":\"lesson.leave\",\"id\":1}";
  g_autoptr (GError) error = NULL;
  g_autoptr (SsMessage) message = ss_message_parse (
      with_nul, sizeof with_nul - 1, SS_MESSAGE_SENDER_CLIENT, NULL, &error);
  g_assert_null (message);
  g_assert_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_JSON);
}

static void
test_bad_candidate (void)
{
  const char *const candidates[] = {
    "candidate:", "a=candidate:1 1 UDP 1 127.0.0.1 9 typ host",
    "1 1 UDP 1 127.0.0.1 9 typ host", "candidate:1\\r\\na=evil",
  };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *text = g_strdup_printf (
          "{\"v\":1,\"type\":\"candidate\",\"mline\":0,\"candidate\":\"%s\"}",
          candidates[i]);
      assert_rejected (text, SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
    }
}

static void
test_error_codes_round_trip (void)
{
  for (guint i = 0; i < SS_PROTOCOL_ERROR_COUNT; i++)
    {
      SsProtocolError code = SS_PROTOCOL_ERROR_COUNT;
      const char *wire = ss_protocol_error_to_string ((SsProtocolError) i);
      g_assert_true (ss_protocol_error_from_string (wire, &code));
      g_assert_cmpint (code, ==, i);
    }

  SsProtocolError code;
  g_assert_false (ss_protocol_error_from_string ("teapot", &code));
  g_assert_cmpstr (ss_protocol_error_to_string (SS_PROTOCOL_ERROR_LESSON_BUSY),
                   ==, "lesson_busy");
}

static void
test_builders_parse_back (void)
{
  g_autoptr (json_t) error = ss_message_build_error (
      21, SS_PROTOCOL_ERROR_BAD_SDP, "offer has no fingerprint");
  g_autofree char *error_text = ss_message_to_string (error);
  g_assert_cmpstr (error_text, ==,
                   "{\"v\":1,\"type\":\"error\",\"id\":21,\"code\":\"bad_sdp\","
                   "\"message\":\"offer has no fingerprint\"}");

  g_autoptr (json_t) no_id = ss_message_build_error (
      0, SS_PROTOCOL_ERROR_BAD_JSON, "bad \xff text");
  g_autofree char *no_id_text = ss_message_to_string (no_id);
  g_autoptr (SsMessage) no_id_parsed = parse_ok (no_id_text,
                                                 SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (no_id_parsed->id, ==, 0);
  g_assert_cmpint (no_id_parsed->code, ==, SS_PROTOCOL_ERROR_BAD_JSON);
  g_assert_true (g_utf8_validate (no_id_parsed->message, -1, NULL));

  g_autoptr (json_t) offline = ss_message_build_lesson_offline (
      "L9", SS_OFFLINE_REASON_DISCONNECTED);
  g_autofree char *offline_text = ss_message_to_string (offline);
  g_assert_cmpstr (offline_text, ==,
                   "{\"v\":1,\"type\":\"lesson.offline\",\"lesson\":\"L9\","
                   "\"reason\":\"disconnected\"}");

  g_autoptr (json_t) live = ss_message_build_lesson_live ("L9");
  g_autofree char *live_text = ss_message_to_string (live);
  g_autoptr (SsMessage) live_parsed = parse_ok (live_text,
                                                SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (live_parsed->type, ==, SS_MESSAGE_LESSON_LIVE);

  g_autoptr (json_t) closed = ss_message_build_transport_closed ("closed",
                                                                "subscribe");
  g_autofree char *closed_text = ss_message_to_string (closed);
  g_assert_cmpstr (closed_text, ==,
                   "{\"v\":1,\"type\":\"transport.closed\",\"reason\":"
                   "\"closed\",\"transport\":\"subscribe\"}");
}

static void
test_lesson_end_valid (void)
{
  g_autoptr (SsMessage) end = parse_ok (
      "{\"v\":1,\"type\":\"lesson.end\",\"id\":4}", SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (end->type, ==, SS_MESSAGE_LESSON_END);
  g_assert_cmpint (end->id, ==, 4);
  g_assert_true (ss_message_type_is_request (SS_MESSAGE_LESSON_END));

  assert_rejected ("{\"v\":1,\"type\":\"lesson.end\"}",
                   SS_PROTOCOL_ERROR_BAD_MESSAGE, 0);
}

static void
test_lesson_starting_valid (void)
{
  g_autoptr (SsMessage) starting = parse_ok (
      "{\"v\":1,\"type\":\"lesson.starting\",\"lesson\":\"math-7\","
      "\"title\":\"分数的加法\",\"subject\":\"数学\","
      "\"start\":\"2025-03-03T14:00:00+08:00\","
      "\"end\":\"2025-03-03T14:40:00+08:00\"}",
      SS_MESSAGE_SENDER_SERVER);

  g_assert_cmpint (starting->type, ==, SS_MESSAGE_LESSON_STARTING);
  g_assert_cmpstr (starting->lesson, ==, "math-7");
  g_assert_cmpstr (starting->title, ==, "分数的加法");
  g_assert_cmpstr (starting->subject, ==, "数学");
  g_assert_cmpstr (starting->start, ==, "2025-03-03T14:00:00+08:00");
  g_assert_cmpstr (starting->end, ==, "2025-03-03T14:40:00+08:00");
}

static void
assert_server_rejected (const char *text, SsProtocolError code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SsMessage) message = ss_message_parse (
      text, strlen (text), SS_MESSAGE_SENDER_SERVER, NULL, &error);

  if (message != NULL)
    g_error ("accepted, expected %s: %s", ss_protocol_error_to_string (code),
             text);
  g_assert_error (error, SS_PROTOCOL_ERROR, (gint) code);
}

static void
test_lesson_starting_bad_time (void)
{
  /* No offset: a reader in another zone would show another hour. */
  assert_server_rejected (
      "{\"v\":1,\"type\":\"lesson.starting\",\"lesson\":\"m\","
      "\"title\":\"t\",\"subject\":\"s\",\"start\":\"2025-03-03T14:00:00\","
      "\"end\":\"2025-03-03T14:40:00+08:00\"}",
      SS_PROTOCOL_ERROR_BAD_MESSAGE);
  assert_server_rejected (
      "{\"v\":1,\"type\":\"lesson.starting\",\"lesson\":\"m\","
      "\"title\":\"t\",\"subject\":\"s\",\"start\":\"14:00\","
      "\"end\":\"2025-03-03T14:40:00+08:00\"}",
      SS_PROTOCOL_ERROR_BAD_MESSAGE);
  assert_server_rejected (
      "{\"v\":1,\"type\":\"lesson.starting\",\"lesson\":\"m\","
      "\"title\":\"\",\"subject\":\"s\","
      "\"start\":\"2025-03-03T14:00:00+08:00\","
      "\"end\":\"2025-03-03T14:40:00+08:00\"}",
      SS_PROTOCOL_ERROR_BAD_MESSAGE);
  /* A client may not send a server event. */
  assert_rejected (
      "{\"v\":1,\"type\":\"lesson.starting\",\"lesson\":\"m\","
      "\"title\":\"t\",\"subject\":\"s\","
      "\"start\":\"2025-03-03T14:00:00+08:00\","
      "\"end\":\"2025-03-03T14:40:00+08:00\"}",
      SS_PROTOCOL_ERROR_UNKNOWN_TYPE, 0);
}

static void
test_lesson_ended_valid (void)
{
  g_autoptr (SsMessage) ended = parse_ok (
      "{\"v\":1,\"type\":\"lesson.ended\",\"lesson\":\"math-7\","
      "\"reason\":\"time\"}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (ended->type, ==, SS_MESSAGE_LESSON_ENDED);
  g_assert_cmpstr (ended->lesson, ==, "math-7");
  g_assert_cmpstr (ended->reason, ==, "time");

  assert_server_rejected (
      "{\"v\":1,\"type\":\"lesson.ended\",\"lesson\":\"math-7\"}",
      SS_PROTOCOL_ERROR_BAD_MESSAGE);
}

static void
test_schedule_next_and_null (void)
{
  g_autoptr (SsMessage) next = parse_ok (
      "{\"v\":1,\"type\":\"schedule\",\"next\":{\"lesson\":\"cn-2\","
      "\"title\":\"古诗\",\"subject\":\"语文\","
      "\"start\":\"2025-03-04T08:00:00+08:00\","
      "\"end\":\"2025-03-04T08:40:00+08:00\"}}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (next->type, ==, SS_MESSAGE_SCHEDULE);
  g_assert_cmpstr (next->lesson, ==, "cn-2");
  g_assert_cmpstr (next->subject, ==, "语文");
  g_assert_cmpstr (next->start, ==, "2025-03-04T08:00:00+08:00");

  g_autoptr (SsMessage) none = parse_ok (
      "{\"v\":1,\"type\":\"schedule\",\"next\":null}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (none->type, ==, SS_MESSAGE_SCHEDULE);
  g_assert_null (none->lesson);
  g_assert_null (none->subject);
}

static void
test_schedule_malformed (void)
{
  assert_server_rejected ("{\"v\":1,\"type\":\"schedule\"}",
                          SS_PROTOCOL_ERROR_BAD_MESSAGE);
  assert_server_rejected ("{\"v\":1,\"type\":\"schedule\",\"next\":[]}",
                          SS_PROTOCOL_ERROR_BAD_MESSAGE);
  assert_server_rejected ("{\"v\":1,\"type\":\"schedule\",\"next\":\"x\"}",
                          SS_PROTOCOL_ERROR_BAD_MESSAGE);
  /* A nested member missing. */
  assert_server_rejected (
      "{\"v\":1,\"type\":\"schedule\",\"next\":{\"lesson\":\"cn-2\","
      "\"title\":\"t\",\"start\":\"2025-03-04T08:00:00+08:00\","
      "\"end\":\"2025-03-04T08:40:00+08:00\"}}",
      SS_PROTOCOL_ERROR_BAD_MESSAGE);
  /* A nested lesson id with a space. */
  assert_server_rejected (
      "{\"v\":1,\"type\":\"schedule\",\"next\":{\"lesson\":\"cn 2\","
      "\"title\":\"t\",\"subject\":\"s\","
      "\"start\":\"2025-03-04T08:00:00+08:00\","
      "\"end\":\"2025-03-04T08:40:00+08:00\"}}",
      SS_PROTOCOL_ERROR_BAD_MESSAGE);
}

static void
test_lifecycle_builders_parse_back (void)
{
  const SsLessonInfo info = {
    .lesson = "math-7",
    .title = "分数",
    .subject = "数学",
    .start = "2025-03-03T14:00:00+08:00",
    .end = "2025-03-03T14:40:00+08:00",
  };

  g_autoptr (json_t) starting = ss_message_build_lesson_starting (&info);
  g_autofree char *starting_text = ss_message_to_string (starting);
  g_autoptr (SsMessage) starting_parsed = parse_ok (starting_text,
                                                    SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (starting_parsed->type, ==, SS_MESSAGE_LESSON_STARTING);
  g_assert_cmpstr (starting_parsed->subject, ==, "数学");
  g_assert_cmpstr (starting_parsed->end, ==, info.end);

  g_autoptr (json_t) ended = ss_message_build_lesson_ended (
      "math-7", SS_ENDED_REASON_ENDED);
  g_autofree char *ended_text = ss_message_to_string (ended);
  g_assert_cmpstr (ended_text, ==,
                   "{\"v\":1,\"type\":\"lesson.ended\",\"lesson\":\"math-7\","
                   "\"reason\":\"ended\"}");

  g_autoptr (json_t) schedule = ss_message_build_schedule (&info);
  g_autofree char *schedule_text = ss_message_to_string (schedule);
  g_autoptr (SsMessage) schedule_parsed = parse_ok (schedule_text,
                                                    SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpstr (schedule_parsed->lesson, ==, "math-7");
  g_assert_cmpstr (schedule_parsed->title, ==, "分数");

  g_autoptr (json_t) empty = ss_message_build_schedule (NULL);
  g_autofree char *empty_text = ss_message_to_string (empty);
  g_assert_cmpstr (empty_text, ==,
                   "{\"v\":1,\"type\":\"schedule\",\"next\":null}");
}

static void
test_unauthorized_code (void)
{
  g_assert_cmpstr (
      ss_protocol_error_to_string (SS_PROTOCOL_ERROR_UNAUTHORIZED), ==,
      "unauthorized");

  g_autoptr (SsMessage) error = parse_ok (
      "{\"v\":1,\"type\":\"error\",\"id\":1,\"code\":\"unauthorized\","
      "\"message\":\"the token has expired\"}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (error->code, ==, SS_PROTOCOL_ERROR_UNAUTHORIZED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/message/hello-valid", test_hello_valid);
  g_test_add_func ("/protocol/message/client-types-valid",
                   test_client_types_valid);
  g_test_add_func ("/protocol/message/candidate-valid", test_candidate_valid);
  g_test_add_func ("/protocol/message/server-types-valid",
                   test_server_types_valid);
  g_test_add_func ("/protocol/message/missing-member", test_missing_member);
  g_test_add_func ("/protocol/message/wrong-type", test_wrong_type);
  g_test_add_func ("/protocol/message/bad-id-range", test_bad_id_range);
  g_test_add_func ("/protocol/message/bad-identifier-characters",
                   test_bad_identifier_characters);
  g_test_add_func ("/protocol/message/too-long", test_too_long);
  g_test_add_func ("/protocol/message/size-limit", test_message_size_limit);
  g_test_add_func ("/protocol/message/unsupported-version",
                   test_unsupported_version);
  g_test_add_func ("/protocol/message/unknown-type", test_unknown_type);
  g_test_add_func ("/protocol/message/not-an-object", test_not_an_object);
  g_test_add_func ("/protocol/message/bad-json", test_bad_json);
  g_test_add_func ("/protocol/message/bad-candidate", test_bad_candidate);
  g_test_add_func ("/protocol/message/error-codes-round-trip",
                   test_error_codes_round_trip);
  g_test_add_func ("/protocol/message/builders-parse-back",
                   test_builders_parse_back);

  g_test_add_func ("/protocol/message/lesson-end-valid",
                   test_lesson_end_valid);
  g_test_add_func ("/protocol/message/lesson-starting-valid",
                   test_lesson_starting_valid);
  g_test_add_func ("/protocol/message/lesson-starting-bad-time",
                   test_lesson_starting_bad_time);
  g_test_add_func ("/protocol/message/lesson-ended-valid",
                   test_lesson_ended_valid);
  g_test_add_func ("/protocol/message/schedule-next-and-null",
                   test_schedule_next_and_null);
  g_test_add_func ("/protocol/message/schedule-malformed",
                   test_schedule_malformed);
  g_test_add_func ("/protocol/message/lifecycle-builders-parse-back",
                   test_lifecycle_builders_parse_back);
  g_test_add_func ("/protocol/message/unauthorized-code",
                   test_unauthorized_code);

  return g_test_run ();
}
