/* Unit tests of the interaction state kept from the server's events: fed
 * JSON, no sockets. The tests run with LC_ALL=C, so the status line is in
 * the English source strings. */
#include "ss-agent-interaction.h"

#include <string.h>

/* Applies an event given as JSON text; returns what apply returned. */
static gboolean
apply (SsAgentInteraction *interaction, const char *type, const char *json,
       GError **error)
{
  json_error_t json_error;
  json_t *message = json_loads (json, 0, &json_error);

  if (message == NULL)
    g_error ("test JSON does not parse: %s: %s", json, json_error.text);
  gboolean applied = ss_agent_interaction_apply_event (interaction, type, message,
                                                 error);
  json_decref (message);
  return applied;
}

static void
apply_ok (SsAgentInteraction *interaction, const char *type, const char *json)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (apply (interaction, type, json, &error));
  g_assert_no_error (error);
}

/* Returns member @name of the stats JSON, as compact text. */
static char *
stats_member (SsAgentInteraction *interaction, const char *name)
{
  json_t *object = json_object ();

  ss_agent_interaction_add_to_json (interaction, object);
  char *text = json_dumps (json_object_get (object, name),
                           JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref (object);
  return text;
}

static const char *const state_event =
    "{\"v\":1,\"type\":\"lesson.state\",\"lesson\":\"math-1\","
    "\"phase\":\"practice\",\"since\":\"2025-03-03T14:05:00+08:00\","
    "\"floor\":{\"classroom\":\"R2\",\"since\":\"2025-03-03T14:06:00+08:00\"},"
    "\"hands\":[{\"classroom\":\"R3\",\"at\":\"2025-03-03T14:07:00+08:00\"},"
    "{\"classroom\":\"R1\",\"at\":\"2025-03-03T14:08:00+08:00\"}],"
    "\"roster\":[{\"classroom\":\"lead-1\",\"role\":\"lead\",\"present\":true,"
    "\"confirmed\":false,\"students\":null,\"hand\":false,\"floor\":false},"
    "{\"classroom\":\"R1\",\"role\":\"remote\",\"present\":true,"
    "\"confirmed\":true,\"students\":31,\"hand\":true,\"floor\":false}],"
    "\"chat\":[{\"seq\":1,\"at\":\"2025-03-03T14:01:00+08:00\","
    "\"from\":\"lead-1\",\"role\":\"lead\",\"client\":\"agent\","
    "\"text\":\"大家好\"},"
    "{\"seq\":4,\"from\":\"R1\",\"role\":\"remote\",\"client\":\"page\","
    "\"text\":\"ready\",\"to\":\"lead-1\"}]}";

static void
test_state_replaces_everything (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  apply_ok (interaction, "lesson.state", state_event);

  g_assert_cmpint (ss_agent_interaction_get_phase (interaction), ==,
                   SS_LESSON_PHASE_PRACTICE);
  g_assert_cmpstr (ss_agent_interaction_get_floor (interaction), ==, "R2");

  g_autofree char *hands = stats_member (interaction, "hands");
  g_assert_cmpstr (hands, ==, "[\"R3\",\"R1\"]");
  g_autofree char *chat = stats_member (interaction, "chat");
  g_assert_cmpstr (chat, ==,
                   "[{\"seq\":1,\"from\":\"lead-1\",\"to\":null,"
                   "\"text\":\"大家好\"},"
                   "{\"seq\":4,\"from\":\"R1\",\"to\":\"lead-1\","
                   "\"text\":\"ready\"}]");
  g_autofree char *roster = stats_member (interaction, "roster");
  g_assert_cmpstr (roster, ==,
                   "[{\"classroom\":\"lead-1\",\"role\":\"lead\","
                   "\"present\":true,\"confirmed\":false,\"students\":null,"
                   "\"hand\":false,\"floor\":false},"
                   "{\"classroom\":\"R1\",\"role\":\"remote\","
                   "\"present\":true,\"confirmed\":true,\"students\":31,"
                   "\"hand\":true,\"floor\":false}]");
  g_autofree char *phase = stats_member (interaction, "phase");
  g_assert_cmpstr (phase, ==, "\"practice\"");
}

static void
test_state_floor_as_id (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  apply_ok (interaction, "lesson.state",
            "{\"lesson\":\"m\",\"phase\":\"teaching\",\"floor\":\"R5\"}");
  g_assert_cmpstr (ss_agent_interaction_get_floor (interaction), ==, "R5");

  apply_ok (interaction, "lesson.state",
            "{\"lesson\":\"m\",\"phase\":\"teaching\",\"floor\":null}");
  g_assert_null (ss_agent_interaction_get_floor (interaction));
  g_assert_cmpuint (ss_agent_interaction_get_n_hands (interaction), ==, 0);
  g_assert_cmpuint (ss_agent_interaction_get_n_chat (interaction), ==, 0);
}

static void
test_events_update_parts (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  apply_ok (interaction, "lesson.state", state_event);
  apply_ok (interaction, "phase",
            "{\"phase\":\"discussion\",\"since\":\"2025-03-03T14:20:00+08:00\"}");
  apply_ok (interaction, "floor", "{\"classroom\":null,\"since\":null}");
  apply_ok (interaction, "hands",
            "{\"queue\":[{\"classroom\":\"R1\",\"at\":\"x\"}]}");
  apply_ok (interaction, "roster", "{\"classrooms\":[{\"classroom\":\"R9\"}]}");

  g_assert_cmpint (ss_agent_interaction_get_phase (interaction), ==,
                   SS_LESSON_PHASE_DISCUSSION);
  g_assert_null (ss_agent_interaction_get_floor (interaction));
  g_assert_cmpuint (ss_agent_interaction_get_n_hands (interaction), ==, 1);
  g_assert_cmpstr (ss_agent_interaction_get_hand (interaction, 0), ==, "R1");
  g_autofree char *roster = stats_member (interaction, "roster");
  g_assert_cmpstr (roster, ==,
                   "[{\"classroom\":\"R9\",\"role\":null,\"present\":false,"
                   "\"confirmed\":false,\"students\":null,\"hand\":false,"
                   "\"floor\":false}]");
  /* The chat is untouched by the other events. */
  g_assert_cmpuint (ss_agent_interaction_get_n_chat (interaction), ==, 2);
}

static void
test_chat_keeps_newest (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  for (int seq = 1; seq <= SS_INTERACTION_CHAT_KEPT + 10; seq++)
    {
      g_autofree char *json = g_strdup_printf (
          "{\"seq\":%d,\"from\":\"R1\",\"text\":\"m%d\"}", seq, seq);
      apply_ok (interaction, "chat", json);
    }

  g_assert_cmpuint (ss_agent_interaction_get_n_chat (interaction), ==,
                    SS_INTERACTION_CHAT_KEPT);
  g_assert_cmpint (ss_agent_interaction_get_chat (interaction, 0)->seq, ==, 11);
  g_assert_cmpstr (ss_agent_interaction_get_chat (interaction,
                                            SS_INTERACTION_CHAT_KEPT - 1)->text,
                   ==, "m60");
}

static void
test_chat_drops_repeats (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  apply_ok (interaction, "chat", "{\"seq\":7,\"from\":\"R1\",\"text\":\"a\"}");
  apply_ok (interaction, "chat", "{\"seq\":7,\"from\":\"R1\",\"text\":\"a\"}");
  apply_ok (interaction, "chat", "{\"seq\":5,\"from\":\"R1\",\"text\":\"old\"}");
  apply_ok (interaction, "chat",
            "{\"seq\":8,\"from\":\"lead-1\",\"to\":\"R1\",\"text\":\"b\"}");

  g_assert_cmpuint (ss_agent_interaction_get_n_chat (interaction), ==, 2);
  const SsChatMessage *newest = ss_agent_interaction_get_chat (interaction, 1);
  g_assert_cmpint (newest->seq, ==, 8);
  g_assert_cmpstr (newest->to, ==, "R1");
}

/* Each bad event is rejected whole: the state before it is kept. */
static void
test_invalid_events_change_nothing (void)
{
  static const struct {
    const char *type;
    const char *json;
    const char *member;
  } cases[] = {
    { "phase", "{\"phase\":\"recess\"}", "phase" },
    { "phase", "{}", "phase" },
    { "floor", "{}", "classroom" },
    { "floor", "{\"classroom\":7}", "classroom" },
    { "floor", "{\"classroom\":\"bad id\"}", "classroom" },
    { "hands", "{\"queue\":{}}", "queue" },
    { "hands", "{\"queue\":[{\"classroom\":\"R1\"},{\"at\":\"x\"}]}", "queue" },
    { "chat", "{\"from\":\"R1\",\"text\":\"no seq\"}", "seq" },
    { "chat", "{\"seq\":9,\"from\":\"R1\"}", "text" },
    { "chat", "{\"seq\":9,\"text\":\"who\"}", "from" },
    { "chat", "{\"seq\":9,\"from\":\"R1\",\"text\":\"x\",\"to\":5}", "to" },
    { "roster", "{\"classrooms\":[{\"classroom\":\"R1\",\"present\":\"yes\"}]}",
      "present" },
    { "roster", "{\"classrooms\":[{\"classroom\":\"R1\",\"students\":-3}]}",
      "students" },
    { "feeds", "{\"slots\":[\"R1\",3]}", "slots" },
    { "feeds", "{\"slots\":[null,null,null,null,null,null,null,null,null]}",
      "slots" },
    { "lesson.state", "{\"phase\":\"teaching\",\"hands\":[{\"at\":1}]}",
      "hands" },
    { "lesson.state",
      "{\"phase\":\"teaching\",\"chat\":[{\"seq\":1,\"from\":\"R1\"}]}",
      "text" },
    { "lesson.end", "{}", "lesson.end" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();
      g_autoptr (GError) error = NULL;

      apply_ok (interaction, "lesson.state", state_event);
      apply_ok (interaction, "feeds", "{\"slots\":[\"R1\",null]}");
      g_autofree char *before_hands = stats_member (interaction, "hands");
      g_autofree char *before_chat = stats_member (interaction, "chat");
      g_autofree char *before_roster = stats_member (interaction, "roster");

      g_assert_false (apply (interaction, cases[i].type, cases[i].json,
                             &error));
      g_assert_error (error, SS_AGENT_INTERACTION_ERROR,
                      SS_AGENT_INTERACTION_ERROR_INVALID);
      if (strstr (error->message, cases[i].member) == NULL)
        g_error ("error for %s %s is \"%s\", expected it to name %s",
                 cases[i].type, cases[i].json, error->message,
                 cases[i].member);

      g_assert_cmpint (ss_agent_interaction_get_phase (interaction), ==,
                       SS_LESSON_PHASE_PRACTICE);
      g_assert_cmpstr (ss_agent_interaction_get_floor (interaction), ==, "R2");
      g_assert_cmpstr (ss_agent_interaction_get_slot (interaction, 0), ==, "R1");
      g_autofree char *after_hands = stats_member (interaction, "hands");
      g_autofree char *after_chat = stats_member (interaction, "chat");
      g_autofree char *after_roster = stats_member (interaction, "roster");
      g_assert_cmpstr (after_hands, ==, before_hands);
      g_assert_cmpstr (after_chat, ==, before_chat);
      g_assert_cmpstr (after_roster, ==, before_roster);
    }
}

/* Asserts that the last event left exactly the notices @expected, in
 * order; @expected ends with NULL. */
static void
assert_notices (SsAgentInteraction *interaction, const char *const *expected)
{
  guint n_expected = g_strv_length ((char **) expected);

  for (guint i = 0; i < ss_agent_interaction_get_n_notices (interaction); i++)
    g_test_message ("notice %u: %s", i,
                    ss_agent_interaction_get_notice (interaction, i));
  g_assert_cmpuint (ss_agent_interaction_get_n_notices (interaction), ==,
                    n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpstr (ss_agent_interaction_get_notice (interaction, i), ==,
                     expected[i]);
}

static void
test_hand_notices (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  /* lesson.state is a snapshot, not a change: R3 and R1 were raised
   * before this classroom joined. */
  apply_ok (interaction, "lesson.state", state_event);
  assert_notices (interaction, (const char *const[]) { NULL });

  apply_ok (interaction, "hands",
            "{\"queue\":[{\"classroom\":\"R3\"},{\"classroom\":\"R1\"},"
            "{\"classroom\":\"R4\"}]}");
  assert_notices (interaction, (const char *const[]) {
    "Classroom R4 raised its hand (number 3 in the queue)", NULL });

  /* The same queue again changes nothing. */
  apply_ok (interaction, "hands",
            "{\"queue\":[{\"classroom\":\"R3\"},{\"classroom\":\"R1\"},"
            "{\"classroom\":\"R4\"}]}");
  assert_notices (interaction, (const char *const[]) { NULL });

  apply_ok (interaction, "hands",
            "{\"queue\":[{\"classroom\":\"R1\"},{\"classroom\":\"R4\"},"
            "{\"classroom\":\"R2\"}]}");
  assert_notices (interaction, (const char *const[]) {
    "Classroom R3 lowered its hand",
    "Classroom R2 raised its hand (number 3 in the queue)", NULL });

  /* Other events leave no notices, and neither does an invalid one. */
  apply_ok (interaction, "floor", "{\"classroom\":\"R1\"}");
  assert_notices (interaction, (const char *const[]) { NULL });
  apply_ok (interaction, "hands", "{\"queue\":[]}");
  g_assert_cmpuint (ss_agent_interaction_get_n_notices (interaction), ==, 3);
  g_assert_false (apply (interaction, "hands", "{\"queue\":{}}", NULL));
  assert_notices (interaction, (const char *const[]) { NULL });
}

static void
test_roster_notices (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  /* The state has lead-1 present, and R1 present and confirmed with 31
   * students. */
  apply_ok (interaction, "lesson.state", state_event);

  /* R2 comes; R1 counts again; a hand and the floor are not the roster's
   * to announce. */
  apply_ok (interaction, "roster",
            "{\"classrooms\":["
            "{\"classroom\":\"lead-1\",\"present\":true,\"floor\":true},"
            "{\"classroom\":\"R1\",\"present\":true,\"confirmed\":true,"
            "\"students\":29,\"hand\":false},"
            "{\"classroom\":\"R2\",\"present\":true,\"hand\":true}]}");
  assert_notices (interaction, (const char *const[]) {
    "Classroom R1 confirmed attendance: 29 students",
    "Classroom R2 joined the lesson", NULL });

  /* R2 confirms without a count, then with one student; R1 leaves and
   * stays in the roster, which a timetable lesson keeps whole. */
  apply_ok (interaction, "roster",
            "{\"classrooms\":["
            "{\"classroom\":\"lead-1\",\"present\":true},"
            "{\"classroom\":\"R1\",\"present\":false,\"confirmed\":true,"
            "\"students\":29},"
            "{\"classroom\":\"R2\",\"present\":true,\"confirmed\":true}]}");
  assert_notices (interaction, (const char *const[]) {
    "Classroom R1 left the lesson",
    "Classroom R2 confirmed attendance", NULL });

  apply_ok (interaction, "roster",
            "{\"classrooms\":["
            "{\"classroom\":\"lead-1\",\"present\":true},"
            "{\"classroom\":\"R1\",\"present\":false,\"confirmed\":true,"
            "\"students\":29},"
            "{\"classroom\":\"R2\",\"present\":true,\"confirmed\":true,"
            "\"students\":1}]}");
  assert_notices (interaction, (const char *const[]) {
    "Classroom R2 confirmed attendance: 1 student", NULL });

  /* An ad-hoc lesson's roster drops a classroom that left. */
  apply_ok (interaction, "roster",
            "{\"classrooms\":[{\"classroom\":\"lead-1\",\"present\":true}]}");
  assert_notices (interaction, (const char *const[]) {
    "Classroom R2 left the lesson", NULL });
}

static void
test_feeds_slots (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  g_assert_cmpuint (ss_agent_interaction_get_n_slots (interaction), ==, 0);
  g_assert_null (ss_agent_interaction_get_slot (interaction, 0));

  apply_ok (interaction, "feeds", "{\"slots\":[\"R2\",null,\"R1\"]}");
  g_assert_cmpuint (ss_agent_interaction_get_n_slots (interaction), ==, 3);
  g_assert_cmpstr (ss_agent_interaction_get_slot (interaction, 0), ==, "R2");
  g_assert_null (ss_agent_interaction_get_slot (interaction, 1));
  g_assert_cmpstr (ss_agent_interaction_get_slot (interaction, 2), ==, "R1");
  g_assert_null (ss_agent_interaction_get_slot (interaction, 3));

  /* lesson.state leaves the slots to feeds and the subscribe result. */
  apply_ok (interaction, "lesson.state", state_event);
  g_assert_cmpstr (ss_agent_interaction_get_slot (interaction, 0), ==, "R2");

  ss_agent_interaction_reset (interaction);
  g_assert_cmpuint (ss_agent_interaction_get_n_slots (interaction), ==, 0);
  g_assert_cmpint (ss_agent_interaction_get_phase (interaction), ==,
                   SS_LESSON_PHASE_NONE);
}

static void
test_status_line (void)
{
  g_autoptr (SsAgentInteraction) interaction = ss_agent_interaction_new ();

  g_autofree char *empty = ss_agent_interaction_format_status (interaction);
  g_assert_cmpstr (empty, ==, "");

  apply_ok (interaction, "lesson.state",
            "{\"phase\":\"teaching\",\"floor\":null}");
  g_autofree char *teaching = ss_agent_interaction_format_status (interaction);
  g_assert_cmpstr (teaching, ==, "Phase: Teaching");

  apply_ok (interaction, "phase", "{\"phase\":\"discussion\"}");
  apply_ok (interaction, "floor", "{\"classroom\":\"R1\"}");
  apply_ok (interaction, "hands",
            "{\"queue\":[{\"classroom\":\"R3\"},{\"classroom\":\"R2\"}]}");
  g_autofree char *full = ss_agent_interaction_format_status (interaction);
  g_assert_cmpstr (full, ==,
                   "Phase: Discussion    Called on: R1    Hands raised: R3, R2");
}

static void
test_phase_names (void)
{
  g_assert_cmpint (ss_lesson_phase_from_string ("teaching"), ==,
                   SS_LESSON_PHASE_TEACHING);
  g_assert_cmpint (ss_lesson_phase_from_string ("recess"), ==,
                   SS_LESSON_PHASE_NONE);
  g_assert_cmpint (ss_lesson_phase_from_string (NULL), ==,
                   SS_LESSON_PHASE_NONE);
  g_assert_cmpstr (ss_lesson_phase_to_string (SS_LESSON_PHASE_DISCUSSION), ==,
                   "discussion");
  g_assert_null (ss_lesson_phase_to_string (SS_LESSON_PHASE_NONE));
  g_assert_cmpstr (ss_lesson_phase_label (SS_LESSON_PHASE_PRACTICE), ==,
                   "Practice");
  g_assert_true (ss_agent_interaction_is_event ("hands"));
  g_assert_false (ss_agent_interaction_is_event ("lesson.live"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/agent/interaction/state-replaces-everything",
                   test_state_replaces_everything);
  g_test_add_func ("/agent/interaction/state-floor-as-id",
                   test_state_floor_as_id);
  g_test_add_func ("/agent/interaction/events-update-parts",
                   test_events_update_parts);
  g_test_add_func ("/agent/interaction/chat-keeps-newest",
                   test_chat_keeps_newest);
  g_test_add_func ("/agent/interaction/chat-drops-repeats",
                   test_chat_drops_repeats);
  g_test_add_func ("/agent/interaction/invalid-events-change-nothing",
                   test_invalid_events_change_nothing);
  g_test_add_func ("/agent/interaction/hand-notices", test_hand_notices);
  g_test_add_func ("/agent/interaction/roster-notices", test_roster_notices);
  g_test_add_func ("/agent/interaction/feeds-slots", test_feeds_slots);
  g_test_add_func ("/agent/interaction/status-line", test_status_line);
  g_test_add_func ("/agent/interaction/phase-names", test_phase_names);

  return g_test_run ();
}
