/* Tests of the interaction messages of protocol/README.md: the requests
 * chat.send, hand.raise, hand.lower, floor.grant, floor.revoke, phase.set
 * and attendance.confirm, the events chat, hands, floor, phase, roster,
 * lesson.state and feeds, hello's "client", transport.closed's "transport"
 * and the error code rate_limited.
 *
 * The JSON in this file is written with single quotes, which parse()
 * turns into double quotes, so the texts stay readable. */
#include <string.h>

#include "ss-message.h"

static SsMessage *
parse (const char *text,
       SsMessageSender sender,
       gint64 *request_id,
       GError **error)
{
  g_autofree char *json = g_strdelimit (g_strdup (text), "'", '"');
  return ss_message_parse (json, strlen (json), sender, request_id, error);
}

static SsMessage *
parse_ok (const char *text, SsMessageSender sender)
{
  g_autoptr (GError) error = NULL;
  SsMessage *message = parse (text, sender, NULL, &error);
  if (message == NULL)
    g_error ("rejected (%s): %s", error->message, text);
  return message;
}

static void
assert_rejected (const char *text, SsMessageSender sender,
                 SsProtocolError code)
{
  g_autoptr (GError) error = NULL;
  gint64 request_id = 0;
  g_autoptr (SsMessage) message = parse (text, sender, &request_id, &error);
  if (message != NULL)
    g_error ("accepted, expected %s: %s", ss_protocol_error_to_string (code),
             text);
  g_assert_error (error, SS_PROTOCOL_ERROR, (gint) code);
}

static void
assert_bad_request (const char *text)
{
  assert_rejected (text, SS_MESSAGE_SENDER_CLIENT,
                   SS_PROTOCOL_ERROR_BAD_MESSAGE);
}

static void
assert_bad_event (const char *text)
{
  assert_rejected (text, SS_MESSAGE_SENDER_SERVER,
                   SS_PROTOCOL_ERROR_BAD_MESSAGE);
}

/* A chat.send whose text is @text, JSON-escaped by the caller. */
static char *
chat_send (const char *text)
{
  return g_strdup_printf ("{'v':1,'type':'chat.send','id':3,'text':'%s'}",
                          text);
}

static void
test_hello_client (void)
{
  g_autoptr (SsMessage) page = parse_ok (
      "{'v':1,'type':'hello','id':1,'role':'remote','classroom':'c1',"
      "'client':'page'}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (page->client, ==, SS_CLIENT_PAGE);

  g_autoptr (SsMessage) agent = parse_ok (
      "{'v':1,'type':'hello','id':1,'role':'remote','classroom':'c1'}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (agent->client, ==, SS_CLIENT_AGENT);

  assert_bad_request ("{'v':1,'type':'hello','id':1,'role':'lead',"
                      "'classroom':'c1','client':'browser'}");
  assert_bad_request ("{'v':1,'type':'hello','id':1,'role':'lead',"
                      "'classroom':'c1','client':null}");
}

static void
test_chat_send_valid (void)
{
  g_autoptr (SsMessage) to_all = parse_ok (
      "{'v':1,'type':'chat.send','id':2,'text':'  大家好\\n请看黑板 '}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (to_all->type, ==, SS_MESSAGE_CHAT_SEND);
  g_assert_cmpint (to_all->id, ==, 2);
  g_assert_cmpstr (to_all->text, ==, "  大家好\n请看黑板 ");
  g_assert_null (to_all->to);
  g_assert_true (ss_message_type_is_request (SS_MESSAGE_CHAT_SEND));

  g_autofree char *trimmed = ss_message_trim_text (to_all->text);
  g_assert_cmpstr (trimmed, ==, "大家好\n请看黑板");

  g_autoptr (SsMessage) private = parse_ok (
      "{'v':1,'type':'chat.send','id':3,'text':'ok','to':'town-b'}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpstr (private->to, ==, "town-b");
}

static void
test_trim_text (void)
{
  const struct {
    const char *text;
    const char *trimmed;
  } cases[] = {
    { "", "" },
    { "   ", "" },
    { "a", "a" },
    { " \t\r\n a b \n", "a b" },
    /* U+3000 IDEOGRAPHIC SPACE, which Chinese input methods type. */
    { "\u3000你好\u3000", "你好" },
    { "x\u3000y", "x\u3000y" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *trimmed = ss_message_trim_text (cases[i].text);
      g_assert_cmpstr (trimmed, ==, cases[i].trimmed);
    }
}

static void
test_chat_text_length (void)
{
  /* 500 characters (not bytes) pass, padded by white space on both sides;
   * 501 do not. */
  g_autoptr (GString) text = g_string_new ("  ");
  for (guint i = 0; i < SS_CHAT_TEXT_MAX_LENGTH; i++)
    g_string_append (text, "课");
  g_string_append (text, "\\u3000 ");

  g_autofree char *ok = chat_send (text->str);
  g_autoptr (SsMessage) message = parse_ok (ok, SS_MESSAGE_SENDER_CLIENT);
  g_autofree char *trimmed = ss_message_trim_text (message->text);
  g_assert_cmpint (g_utf8_strlen (trimmed, -1), ==, SS_CHAT_TEXT_MAX_LENGTH);

  g_string_insert (text, 2, "课");
  g_autofree char *too_long = chat_send (text->str);
  assert_bad_request (too_long);
}

static void
test_chat_text_empty (void)
{
  const char *const empty_texts[] = {
    "", " ", "\\n\\t ", "\\u3000\\u3000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (empty_texts); i++)
    {
      g_autofree char *text = chat_send (empty_texts[i]);
      assert_bad_request (text);
    }
}

static void
test_chat_text_control_characters (void)
{
  /* Escape sequences could restyle a technician's terminal; tab and line
   * breaks are text. */
  const char *const bad_texts[] = {
    "red \\u001b[31m", "bell \\u0007", "del \\u007f", "c1 \\u009b",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_texts); i++)
    {
      g_autofree char *text = chat_send (bad_texts[i]);
      assert_bad_request (text);
    }

  g_autofree char *with_breaks = chat_send ("a\\tb\\r\\nc");
  g_autoptr (SsMessage) message = parse_ok (with_breaks,
                                            SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpstr (message->text, ==, "a\tb\r\nc");
}

static void
test_chat_send_malformed (void)
{
  assert_bad_request ("{'v':1,'type':'chat.send','id':3}");
  assert_bad_request ("{'v':1,'type':'chat.send','id':3,'text':7}");
  assert_bad_request ("{'v':1,'type':'chat.send','id':3,'text':null}");
  assert_bad_request ("{'v':1,'type':'chat.send','id':3,'text':'x',"
                      "'to':'room 2'}");
  assert_bad_request ("{'v':1,'type':'chat.send','id':3,'text':'x',"
                      "'to':''}");
  assert_bad_request ("{'v':1,'type':'chat.send','text':'x'}");
}

static void
test_hand_requests (void)
{
  g_autoptr (SsMessage) own = parse_ok (
      "{'v':1,'type':'hand.raise','id':4}", SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (own->type, ==, SS_MESSAGE_HAND_RAISE);
  g_assert_null (own->classroom);

  g_autoptr (SsMessage) named = parse_ok (
      "{'v':1,'type':'hand.lower','id':5,'classroom':'town-b'}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (named->type, ==, SS_MESSAGE_HAND_LOWER);
  g_assert_cmpstr (named->classroom, ==, "town-b");

  assert_bad_request ("{'v':1,'type':'hand.raise','id':4,'classroom':5}");
  assert_bad_request ("{'v':1,'type':'hand.lower','id':4,"
                      "'classroom':'a/b'}");
}

static void
test_floor_requests (void)
{
  g_autoptr (SsMessage) grant = parse_ok (
      "{'v':1,'type':'floor.grant','id':6,'classroom':'town-b'}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (grant->type, ==, SS_MESSAGE_FLOOR_GRANT);
  g_assert_cmpstr (grant->classroom, ==, "town-b");

  g_autoptr (SsMessage) revoke = parse_ok (
      "{'v':1,'type':'floor.revoke','id':7}", SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (revoke->type, ==, SS_MESSAGE_FLOOR_REVOKE);

  assert_bad_request ("{'v':1,'type':'floor.grant','id':6}");
  assert_bad_request ("{'v':1,'type':'floor.grant','id':6,'classroom':null}");
}

static void
test_phase_set (void)
{
  const struct {
    const char *name;
    SsClassPhase phase;
  } phases[] = {
    { "teaching", SS_CLASS_PHASE_TEACHING },
    { "practice", SS_CLASS_PHASE_PRACTICE },
    { "discussion", SS_CLASS_PHASE_DISCUSSION },
  };

  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      g_autofree char *text = g_strdup_printf (
          "{'v':1,'type':'phase.set','id':8,'phase':'%s'}", phases[i].name);
      g_autoptr (SsMessage) message = parse_ok (text,
                                                SS_MESSAGE_SENDER_CLIENT);
      g_assert_cmpint (message->phase, ==, phases[i].phase);
      g_assert_cmpstr (ss_class_phase_to_string (phases[i].phase), ==,
                       phases[i].name);
    }

  assert_bad_request ("{'v':1,'type':'phase.set','id':8,'phase':'break'}");
  assert_bad_request ("{'v':1,'type':'phase.set','id':8}");
}

static void
test_attendance_confirm (void)
{
  g_autoptr (SsMessage) bare = parse_ok (
      "{'v':1,'type':'attendance.confirm','id':9}", SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (bare->type, ==, SS_MESSAGE_ATTENDANCE_CONFIRM);
  g_assert_cmpint (bare->students, ==, -1);
  g_assert_null (bare->classroom);

  g_autoptr (SsMessage) none = parse_ok (
      "{'v':1,'type':'attendance.confirm','id':9,'students':0}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (none->students, ==, 0);

  g_autoptr (SsMessage) full = parse_ok (
      "{'v':1,'type':'attendance.confirm','id':9,'classroom':'town-b',"
      "'students':1000}",
      SS_MESSAGE_SENDER_CLIENT);
  g_assert_cmpint (full->students, ==, SS_ATTENDANCE_MAX_STUDENTS);
  g_assert_cmpstr (full->classroom, ==, "town-b");

  const char *const bad_counts[] = { "1001", "-1", "'3'", "2.5", "null" };
  for (guint i = 0; i < G_N_ELEMENTS (bad_counts); i++)
    {
      g_autofree char *text = g_strdup_printf (
          "{'v':1,'type':'attendance.confirm','id':9,'students':%s}",
          bad_counts[i]);
      assert_bad_request (text);
    }
}

static void
test_rate_limited_code (void)
{
  g_assert_cmpstr (
      ss_protocol_error_to_string (SS_PROTOCOL_ERROR_RATE_LIMITED), ==,
      "rate_limited");

  g_autoptr (SsMessage) error = parse_ok (
      "{'v':1,'type':'error','id':3,'code':'rate_limited',"
      "'message':'try again in 4 seconds'}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (error->code, ==, SS_PROTOCOL_ERROR_RATE_LIMITED);
}

static void
test_events_client_may_not_send (void)
{
  const char *const events[] = {
    "{'v':1,'type':'chat','id':1}",
    "{'v':1,'type':'hands','queue':[]}",
    "{'v':1,'type':'floor','classroom':null,'since':null}",
    "{'v':1,'type':'feeds','slots':[]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    assert_rejected (events[i], SS_MESSAGE_SENDER_CLIENT,
                     SS_PROTOCOL_ERROR_UNKNOWN_TYPE);

  /* Nor does a server accept a client's request as an event. */
  assert_rejected ("{'v':1,'type':'hand.raise','id':4}",
                   SS_MESSAGE_SENDER_SERVER, SS_PROTOCOL_ERROR_UNKNOWN_TYPE);
}

static void
test_chat_event (void)
{
  g_autoptr (SsMessage) chat = parse_ok (
      "{'v':1,'type':'chat','seq':12,'at':'2025-03-03T14:05:09+08:00',"
      "'from':'town-b','role':'remote','client':'page','text':'收到',"
      "'to':'city-a'}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (chat->type, ==, SS_MESSAGE_CHAT);
  g_assert_cmpint (chat->seq, ==, 12);
  g_assert_cmpstr (chat->at, ==, "2025-03-03T14:05:09+08:00");
  g_assert_cmpstr (chat->from, ==, "town-b");
  g_assert_cmpint (chat->role, ==, SS_ROLE_REMOTE);
  g_assert_cmpint (chat->client, ==, SS_CLIENT_PAGE);
  g_assert_cmpstr (chat->text, ==, "收到");
  g_assert_cmpstr (chat->to, ==, "city-a");

  assert_bad_event ("{'v':1,'type':'chat','seq':0,"
                    "'at':'2025-03-03T14:05:09+08:00','from':'b',"
                    "'role':'remote','client':'page','text':'x'}");
  assert_bad_event ("{'v':1,'type':'chat','seq':1,'at':'14:05',"
                    "'from':'b','role':'remote','client':'page','text':'x'}");
  assert_bad_event ("{'v':1,'type':'chat','seq':1,"
                    "'at':'2025-03-03T14:05:09+08:00','from':'b',"
                    "'role':'remote','text':'x'}");
}

static void
test_hands_event (void)
{
  g_autoptr (SsMessage) hands = parse_ok (
      "{'v':1,'type':'hands','queue':["
      "{'classroom':'town-b','at':'2025-03-03T14:05:00+08:00'},"
      "{'classroom':'town-c','at':'2025-03-03T14:05:02+08:00'}]}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (hands->type, ==, SS_MESSAGE_HANDS);
  g_assert_cmpuint (json_array_size (hands->hands), ==, 2);
  g_assert_cmpstr (json_string_value (json_object_get (
                       json_array_get (hands->hands, 1), "classroom")),
                   ==, "town-c");

  assert_bad_event ("{'v':1,'type':'hands'}");
  assert_bad_event ("{'v':1,'type':'hands','queue':{}}");
  assert_bad_event ("{'v':1,'type':'hands','queue':['town-b']}");
  assert_bad_event ("{'v':1,'type':'hands','queue':[{'classroom':'town-b'}]}");
  assert_bad_event ("{'v':1,'type':'hands','queue':[{'classroom':'a b',"
                    "'at':'2025-03-03T14:05:00+08:00'}]}");
}

static void
test_floor_event (void)
{
  g_autoptr (SsMessage) held = parse_ok (
      "{'v':1,'type':'floor','classroom':'town-b',"
      "'since':'2025-03-03T14:06:00+08:00'}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (held->type, ==, SS_MESSAGE_FLOOR);
  g_assert_cmpstr (held->floor, ==, "town-b");
  g_assert_cmpstr (held->floor_since, ==, "2025-03-03T14:06:00+08:00");

  g_autoptr (SsMessage) nobody = parse_ok (
      "{'v':1,'type':'floor','classroom':null,'since':null}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_null (nobody->floor);
  g_assert_null (nobody->floor_since);

  assert_bad_event ("{'v':1,'type':'floor','since':null}");
  assert_bad_event ("{'v':1,'type':'floor','classroom':3,'since':null}");
}

static void
test_phase_event (void)
{
  g_autoptr (SsMessage) phase = parse_ok (
      "{'v':1,'type':'phase','phase':'practice',"
      "'since':'2025-03-03T14:20:00+08:00'}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (phase->type, ==, SS_MESSAGE_PHASE);
  g_assert_cmpint (phase->phase, ==, SS_CLASS_PHASE_PRACTICE);
  g_assert_cmpstr (phase->since, ==, "2025-03-03T14:20:00+08:00");

  assert_bad_event ("{'v':1,'type':'phase','phase':'practice'}");
}

static void
test_roster_event (void)
{
  g_autoptr (SsMessage) roster = parse_ok (
      "{'v':1,'type':'roster','classrooms':["
      "{'classroom':'city-a','role':'lead','present':true,'confirmed':false,"
      "'students':null,'hand':false,'floor':false},"
      "{'classroom':'town-b','role':'remote','present':false,"
      "'confirmed':true,'students':31,'hand':true,'floor':false}]}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (roster->type, ==, SS_MESSAGE_ROSTER);
  g_assert_cmpuint (json_array_size (roster->roster), ==, 2);

  /* Each element's members are checked, one at a time. */
  assert_bad_event ("{'v':1,'type':'roster','classrooms':["
                    "{'classroom':'b','role':'remote','confirmed':true,"
                    "'students':31,'hand':true,'floor':false}]}");
  assert_bad_event ("{'v':1,'type':'roster','classrooms':["
                    "{'classroom':'b','role':'remote','present':1,"
                    "'confirmed':true,'students':31,'hand':true,"
                    "'floor':false}]}");
  assert_bad_event ("{'v':1,'type':'roster','classrooms':["
                    "{'classroom':'b','role':'remote','present':true,"
                    "'confirmed':true,'students':-3,'hand':true,"
                    "'floor':false}]}");
  assert_bad_event ("{'v':1,'type':'roster','classrooms':["
                    "{'classroom':'b','role':'guest','present':true,"
                    "'confirmed':true,'students':3,'hand':true,"
                    "'floor':false}]}");
}

static void
test_feeds_event (void)
{
  g_autoptr (SsMessage) feeds = parse_ok (
      "{'v':1,'type':'feeds','slots':['city-a',null]}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (feeds->type, ==, SS_MESSAGE_FEEDS);
  g_assert_cmpuint (json_array_size (feeds->slots), ==, 2);
  g_assert_true (json_is_null (json_array_get (feeds->slots, 1)));

  assert_bad_event ("{'v':1,'type':'feeds','slots':['a b']}");
  assert_bad_event ("{'v':1,'type':'feeds','slots':[1]}");
  assert_bad_event ("{'v':1,'type':'feeds','slots':[null,null,null,null,"
                    "null,null,null,null,null]}");
}

static void
test_transport_closed_transport (void)
{
  assert_bad_event ("{'v':1,'type':'transport.closed','reason':'closed'}");
  assert_bad_event ("{'v':1,'type':'transport.closed','reason':'closed',"
                    "'transport':'both'}");
}

static void
test_lesson_state_event (void)
{
  g_autoptr (SsMessage) state = parse_ok (
      "{'v':1,'type':'lesson.state','lesson':'math-7','phase':'discussion',"
      "'since':'2025-03-03T14:30:00+08:00',"
      "'floor':{'classroom':'town-b','since':'2025-03-03T14:31:00+08:00'},"
      "'hands':[{'classroom':'town-c','at':'2025-03-03T14:32:00+08:00'}],"
      "'roster':[],"
      "'chat':[{'seq':1,'at':'2025-03-03T14:01:00+08:00','from':'city-a',"
      "'role':'lead','client':'agent','text':'上课'}]}",
      SS_MESSAGE_SENDER_SERVER);
  g_assert_cmpint (state->type, ==, SS_MESSAGE_LESSON_STATE);
  g_assert_cmpstr (state->lesson, ==, "math-7");
  g_assert_cmpint (state->phase, ==, SS_CLASS_PHASE_DISCUSSION);
  g_assert_cmpstr (state->since, ==, "2025-03-03T14:30:00+08:00");
  g_assert_cmpstr (state->floor, ==, "town-b");
  g_assert_cmpstr (state->floor_since, ==, "2025-03-03T14:31:00+08:00");
  g_assert_cmpuint (json_array_size (state->hands), ==, 1);
  g_assert_cmpuint (json_array_size (state->roster), ==, 0);
  g_assert_cmpuint (json_array_size (state->chat), ==, 1);

  /* The floor is an object, not a bare classroom id. */
  assert_bad_event (
      "{'v':1,'type':'lesson.state','lesson':'m','phase':'teaching',"
      "'since':'2025-03-03T14:30:00+08:00','floor':'town-b','hands':[],"
      "'roster':[],'chat':[]}");
  /* A chat message with an escape character. */
  assert_bad_event (
      "{'v':1,'type':'lesson.state','lesson':'m','phase':'teaching',"
      "'since':'2025-03-03T14:30:00+08:00',"
      "'floor':{'classroom':null,'since':null},'hands':[],'roster':[],"
      "'chat':[{'seq':1,'at':'2025-03-03T14:01:00+08:00','from':'a',"
      "'role':'lead','client':'agent','text':'\\u001b[2J'}]}");
}

static char *
to_text (json_t *message)
{
  g_assert_nonnull (message);
  char *text = ss_message_to_string (message);
  json_decref (message);
  return text;
}

static SsMessage *
parse_built (json_t *message)
{
  g_autofree char *text = to_text (message);
  g_autoptr (GError) error = NULL;
  SsMessage *parsed = ss_message_parse (text, strlen (text),
                                        SS_MESSAGE_SENDER_SERVER, NULL,
                                        &error);
  if (parsed == NULL)
    g_error ("built message rejected (%s): %s", error->message, text);
  return parsed;
}

static void
test_builders_parse_back (void)
{
  const SsChatInfo chat = {
    .seq = 3,
    .at = "2025-03-03T14:05:09+08:00",
    .from = "city-a",
    .role = SS_ROLE_LEAD,
    .client = SS_CLIENT_PAGE,
    .text = "请打开课本",
    .to = "town-b",
  };
  g_autofree char *chat_text = to_text (ss_message_build_chat (&chat));
  g_assert_cmpstr (chat_text, ==,
                   "{\"v\":1,\"type\":\"chat\",\"seq\":3,"
                   "\"at\":\"2025-03-03T14:05:09+08:00\",\"from\":\"city-a\","
                   "\"role\":\"lead\",\"client\":\"page\","
                   "\"text\":\"请打开课本\",\"to\":\"town-b\"}");

  const SsHandInfo hands[] = {
    { "town-b", "2025-03-03T14:05:00+08:00" },
    { "town-c", "2025-03-03T14:05:01+08:00" },
  };
  g_autoptr (SsMessage) hands_parsed =
      parse_built (ss_message_build_hands (hands, G_N_ELEMENTS (hands)));
  g_assert_cmpuint (json_array_size (hands_parsed->hands), ==, 2);

  g_autoptr (SsMessage) floor_parsed = parse_built (
      ss_message_build_floor ("town-b", "2025-03-03T14:06:00+08:00"));
  g_assert_cmpstr (floor_parsed->floor, ==, "town-b");
  g_autofree char *nobody = to_text (ss_message_build_floor (NULL, NULL));
  g_assert_cmpstr (nobody, ==,
                   "{\"v\":1,\"type\":\"floor\",\"classroom\":null,"
                   "\"since\":null}");

  g_autoptr (SsMessage) phase_parsed = parse_built (ss_message_build_phase (
      SS_CLASS_PHASE_PRACTICE, "2025-03-03T14:20:00+08:00"));
  g_assert_cmpint (phase_parsed->phase, ==, SS_CLASS_PHASE_PRACTICE);

  const SsRosterInfo roster[] = {
    { .classroom = "city-a", .role = SS_ROLE_LEAD, .present = TRUE,
      .students = -1 },
    { .classroom = "town-b", .role = SS_ROLE_REMOTE, .confirmed = TRUE,
      .students = 28, .hand = TRUE, .floor = TRUE },
  };
  g_autofree char *roster_text = to_text (
      ss_message_build_roster (roster, G_N_ELEMENTS (roster)));
  g_assert_cmpstr (roster_text, ==,
                   "{\"v\":1,\"type\":\"roster\",\"classrooms\":["
                   "{\"classroom\":\"city-a\",\"role\":\"lead\","
                   "\"present\":true,\"confirmed\":false,\"students\":null,"
                   "\"hand\":false,\"floor\":false},"
                   "{\"classroom\":\"town-b\",\"role\":\"remote\","
                   "\"present\":false,\"confirmed\":true,\"students\":28,"
                   "\"hand\":true,\"floor\":true}]}");

  const SsLessonStateInfo state = {
    .lesson = "math-7",
    .phase = SS_CLASS_PHASE_TEACHING,
    .since = "2025-03-03T14:00:00+08:00",
    .hands = hands,
    .n_hands = G_N_ELEMENTS (hands),
    .roster = roster,
    .n_roster = G_N_ELEMENTS (roster),
    .chat = &chat,
    .n_chat = 1,
  };
  g_autoptr (SsMessage) state_parsed =
      parse_built (ss_message_build_lesson_state (&state));
  g_assert_cmpstr (state_parsed->lesson, ==, "math-7");
  g_assert_null (state_parsed->floor);
  g_assert_cmpuint (json_array_size (state_parsed->chat), ==, 1);
  g_assert_cmpuint (json_array_size (state_parsed->roster), ==, 2);

  const char *const slots[] = { "city-a", NULL };
  g_autofree char *feeds = to_text (ss_message_build_feeds (slots, 2));
  g_assert_cmpstr (feeds, ==,
                   "{\"v\":1,\"type\":\"feeds\",\"slots\":[\"city-a\",null]}");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/interaction/hello-client", test_hello_client);
  g_test_add_func ("/protocol/interaction/chat-send-valid",
                   test_chat_send_valid);
  g_test_add_func ("/protocol/interaction/trim-text", test_trim_text);
  g_test_add_func ("/protocol/interaction/chat-text-length",
                   test_chat_text_length);
  g_test_add_func ("/protocol/interaction/chat-text-empty",
                   test_chat_text_empty);
  g_test_add_func ("/protocol/interaction/chat-text-control-characters",
                   test_chat_text_control_characters);
  g_test_add_func ("/protocol/interaction/chat-send-malformed",
                   test_chat_send_malformed);
  g_test_add_func ("/protocol/interaction/hand-requests", test_hand_requests);
  g_test_add_func ("/protocol/interaction/floor-requests",
                   test_floor_requests);
  g_test_add_func ("/protocol/interaction/phase-set", test_phase_set);
  g_test_add_func ("/protocol/interaction/attendance-confirm",
                   test_attendance_confirm);
  g_test_add_func ("/protocol/interaction/rate-limited-code",
                   test_rate_limited_code);
  g_test_add_func ("/protocol/interaction/events-client-may-not-send",
                   test_events_client_may_not_send);
  g_test_add_func ("/protocol/interaction/chat-event", test_chat_event);
  g_test_add_func ("/protocol/interaction/hands-event", test_hands_event);
  g_test_add_func ("/protocol/interaction/floor-event", test_floor_event);
  g_test_add_func ("/protocol/interaction/phase-event", test_phase_event);
  g_test_add_func ("/protocol/interaction/roster-event", test_roster_event);
  g_test_add_func ("/protocol/interaction/feeds-event", test_feeds_event);
  g_test_add_func ("/protocol/interaction/transport-closed-transport",
                   test_transport_closed_transport);
  g_test_add_func ("/protocol/interaction/lesson-state-event",
                   test_lesson_state_event);
  g_test_add_func ("/protocol/interaction/builders-parse-back",
                   test_builders_parse_back);

  return g_test_run ();
}
