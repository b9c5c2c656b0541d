/* Tests of the pure interaction state (ss-interaction.h) and the rate
 * limits (ss-rate-limit.h), with times passed in. */
#include <string.h>

#include "ss-interaction.h"
#include "ss-rate-limit.h"

#define SECOND G_USEC_PER_SEC

static const char *const remotes[] = { "town-a", "town-b", NULL };

static SsInteraction *
new_timetable_lesson (void)
{
  return ss_interaction_new ("city", remotes, 100 * SECOND);
}

static char *
queue_of (SsInteraction *interaction)
{
  GPtrArray *hands = ss_interaction_get_hands (interaction);
  GString *text = g_string_new (NULL);
  for (guint i = 0; i < hands->len; i++)
    {
      SsRaisedHand *hand = g_ptr_array_index (hands, i);
      g_string_append_printf (text, "%s%s", i > 0 ? "," : "",
                              hand->classroom);
    }
  return g_string_free (text, FALSE);
}

static void
assert_authorized (SsInteraction *interaction, SsInteractionAction action,
                   SsRole role, const char *sender, const char *target)
{
  g_autoptr (GError) error = NULL;
  gboolean allowed = ss_interaction_authorize (interaction, action, role,
                                               sender, target, &error);
  g_assert_no_error (error);
  g_assert_true (allowed);
}

static void
assert_refused (SsInteraction *interaction, SsInteractionAction action,
                SsRole role, const char *sender, const char *target,
                SsProtocolError code)
{
  g_autoptr (GError) error = NULL;
  gboolean allowed = ss_interaction_authorize (interaction, action, role,
                                               sender, target, &error);
  g_assert_false (allowed);
  g_assert_error (error, SS_PROTOCOL_ERROR, (gint) code);
}

static void
test_new_lesson (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();

  g_assert_cmpint (ss_interaction_get_phase (interaction), ==,
                   SS_CLASS_PHASE_TEACHING);
  g_assert_cmpint (ss_interaction_get_phase_since (interaction), ==,
                   100 * SECOND);
  g_assert_null (ss_interaction_get_floor (interaction));
  g_assert_cmpint (ss_interaction_get_floor_since (interaction), ==, 0);
  g_assert_cmpuint (ss_interaction_get_hands (interaction)->len, ==, 0);
  g_assert_cmpstr (ss_interaction_get_lead (interaction), ==, "city");

  GPtrArray *roster = ss_interaction_get_roster (interaction);
  g_assert_cmpuint (roster->len, ==, 3);
  SsRosterEntry *lead = g_ptr_array_index (roster, 0);
  g_assert_cmpstr (lead->classroom, ==, "city");
  g_assert_cmpint (lead->role, ==, SS_ROLE_LEAD);
  g_assert_cmpuint (lead->n_connections, ==, 0);
  g_assert_false (lead->confirmed);
  g_assert_cmpint (lead->students, ==, -1);
  SsRosterEntry *last = g_ptr_array_index (roster, 2);
  g_assert_cmpstr (last->classroom, ==, "town-b");
  g_assert_cmpint (last->role, ==, SS_ROLE_REMOTE);
}

static void
test_permission_table (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();
  ss_interaction_connect (interaction, "town-a", SS_ROLE_REMOTE);

  /* Lead column. */
  assert_authorized (interaction, SS_INTERACTION_CHAT, SS_ROLE_LEAD, "city",
                     NULL);
  assert_authorized (interaction, SS_INTERACTION_CHAT_PRIVATE, SS_ROLE_LEAD,
                     "city", "town-b");
  assert_refused (interaction, SS_INTERACTION_HAND_RAISE, SS_ROLE_LEAD,
                  "city", NULL, SS_PROTOCOL_ERROR_FORBIDDEN);
  assert_authorized (interaction, SS_INTERACTION_HAND_LOWER, SS_ROLE_LEAD,
                     "city", "town-b");
  assert_authorized (interaction, SS_INTERACTION_FLOOR_GRANT, SS_ROLE_LEAD,
                     "city", "town-a");
  assert_authorized (interaction, SS_INTERACTION_FLOOR_REVOKE, SS_ROLE_LEAD,
                     "city", NULL);
  assert_authorized (interaction, SS_INTERACTION_PHASE_SET, SS_ROLE_LEAD,
                     "city", NULL);
  assert_refused (interaction, SS_INTERACTION_ATTENDANCE_CONFIRM,
                  SS_ROLE_LEAD, "city", NULL, SS_PROTOCOL_ERROR_FORBIDDEN);

  /* Remote column. */
  assert_authorized (interaction, SS_INTERACTION_CHAT, SS_ROLE_REMOTE,
                     "town-a", NULL);
  assert_authorized (interaction, SS_INTERACTION_CHAT_PRIVATE,
                     SS_ROLE_REMOTE, "town-a", "city");
  assert_refused (interaction, SS_INTERACTION_CHAT_PRIVATE, SS_ROLE_REMOTE,
                  "town-a", "town-b", SS_PROTOCOL_ERROR_FORBIDDEN);
  assert_authorized (interaction, SS_INTERACTION_HAND_RAISE, SS_ROLE_REMOTE,
                     "town-a", NULL);
  assert_authorized (interaction, SS_INTERACTION_HAND_RAISE, SS_ROLE_REMOTE,
                     "town-a", "town-a");
  assert_refused (interaction, SS_INTERACTION_HAND_RAISE, SS_ROLE_REMOTE,
                  "town-a", "town-b", SS_PROTOCOL_ERROR_FORBIDDEN);
  assert_refused (interaction, SS_INTERACTION_HAND_LOWER, SS_ROLE_REMOTE,
                  "town-a", "town-b", SS_PROTOCOL_ERROR_FORBIDDEN);
  assert_refused (interaction, SS_INTERACTION_FLOOR_GRANT, SS_ROLE_REMOTE,
                  "town-a", "town-a", SS_PROTOCOL_ERROR_FORBIDDEN);
  assert_refused (interaction, SS_INTERACTION_FLOOR_REVOKE, SS_ROLE_REMOTE,
                  "town-a", NULL, SS_PROTOCOL_ERROR_FORBIDDEN);
  assert_refused (interaction, SS_INTERACTION_PHASE_SET, SS_ROLE_REMOTE,
                  "town-a", NULL, SS_PROTOCOL_ERROR_FORBIDDEN);
  assert_authorized (interaction, SS_INTERACTION_ATTENDANCE_CONFIRM,
                     SS_ROLE_REMOTE, "town-a", NULL);
  assert_refused (interaction, SS_INTERACTION_ATTENDANCE_CONFIRM,
                  SS_ROLE_REMOTE, "town-a", "town-b",
                  SS_PROTOCOL_ERROR_FORBIDDEN);
}

static void
test_targets_outside_lesson (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();

  /* town-b is on the roster but has no connection. */
  assert_refused (interaction, SS_INTERACTION_FLOOR_GRANT, SS_ROLE_LEAD,
                  "city", "town-b", SS_PROTOCOL_ERROR_BAD_MESSAGE);
  assert_refused (interaction, SS_INTERACTION_FLOOR_GRANT, SS_ROLE_LEAD,
                  "city", "city", SS_PROTOCOL_ERROR_BAD_MESSAGE);
  assert_refused (interaction, SS_INTERACTION_CHAT_PRIVATE, SS_ROLE_LEAD,
                  "city", "village", SS_PROTOCOL_ERROR_BAD_MESSAGE);
  assert_refused (interaction, SS_INTERACTION_CHAT_PRIVATE, SS_ROLE_LEAD,
                  "city", "city", SS_PROTOCOL_ERROR_BAD_MESSAGE);
  assert_refused (interaction, SS_INTERACTION_HAND_LOWER, SS_ROLE_LEAD,
                  "city", "village", SS_PROTOCOL_ERROR_BAD_MESSAGE);

  /* A private message to an absent remote is kept for its reload. */
  assert_authorized (interaction, SS_INTERACTION_CHAT_PRIVATE, SS_ROLE_LEAD,
                     "city", "town-b");
}

static void
test_adhoc_roster_grows (void)
{
  g_autoptr (SsInteraction) interaction = ss_interaction_new (NULL, NULL, 0);
  g_assert_null (ss_interaction_get_lead (interaction));
  /* No lead yet: a remote has nobody to write to privately. */
  g_assert_cmpint (ss_interaction_connect (interaction, "town-a",
                                           SS_ROLE_REMOTE),
                   ==, SS_INTERACTION_CHANGED_ROSTER);
  assert_refused (interaction, SS_INTERACTION_CHAT_PRIVATE, SS_ROLE_REMOTE,
                  "town-a", "city", SS_PROTOCOL_ERROR_FORBIDDEN);

  ss_interaction_connect (interaction, "city", SS_ROLE_LEAD);
  g_assert_cmpstr (ss_interaction_get_lead (interaction), ==, "city");
  g_assert_cmpuint (ss_interaction_get_roster (interaction)->len, ==, 2);
  assert_authorized (interaction, SS_INTERACTION_CHAT_PRIVATE,
                     SS_ROLE_REMOTE, "town-a", "city");
}

static void
test_presence_counts_connections (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();

  g_assert_cmpint (ss_interaction_connect (interaction, "town-a",
                                           SS_ROLE_REMOTE),
                   ==, SS_INTERACTION_CHANGED_ROSTER);
  g_assert_cmpint (ss_interaction_connect (interaction, "town-a",
                                           SS_ROLE_REMOTE),
                   ==, SS_INTERACTION_CHANGED_NONE);
  g_assert_cmpint (ss_interaction_disconnect (interaction, "town-a"), ==,
                   SS_INTERACTION_CHANGED_NONE);
  g_assert_cmpuint (ss_interaction_find (interaction, "town-a")->n_connections,
                    ==, 1);
  g_assert_cmpint (ss_interaction_disconnect (interaction, "town-a"), ==,
                   SS_INTERACTION_CHANGED_ROSTER);
  g_assert_cmpuint (ss_interaction_find (interaction, "town-a")->n_connections,
                    ==, 0);
  /* The entry of a timetable classroom stays, absent. */
  g_assert_cmpuint (ss_interaction_get_roster (interaction)->len, ==, 3);
}

static void
test_hands_keep_order (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();

  g_assert_cmpint (ss_interaction_raise_hand (interaction, "town-b",
                                              101 * SECOND),
                   ==,
                   SS_INTERACTION_CHANGED_HANDS
                       | SS_INTERACTION_CHANGED_ROSTER);
  ss_interaction_raise_hand (interaction, "town-a", 102 * SECOND);
  ss_interaction_raise_hand (interaction, "village", 103 * SECOND);
  g_autofree char *three = queue_of (interaction);
  g_assert_cmpstr (three, ==, "town-b,town-a,village");

  /* Raising again keeps the first time and place. */
  g_assert_cmpint (ss_interaction_raise_hand (interaction, "town-b",
                                              104 * SECOND),
                   ==, SS_INTERACTION_CHANGED_NONE);
  SsRaisedHand *first = g_ptr_array_index (
      ss_interaction_get_hands (interaction), 0);
  g_assert_cmpint (first->raised_us, ==, 101 * SECOND);

  /* Lowering one in the middle keeps the others' order. */
  g_assert_cmpint (ss_interaction_lower_hand (interaction, "town-a"), ==,
                   SS_INTERACTION_CHANGED_HANDS
                       | SS_INTERACTION_CHANGED_ROSTER);
  g_assert_cmpint (ss_interaction_lower_hand (interaction, "town-a"), ==,
                   SS_INTERACTION_CHANGED_NONE);
  g_autofree char *two = queue_of (interaction);
  g_assert_cmpstr (two, ==, "town-b,village");

  ss_interaction_raise_hand (interaction, "town-a", 105 * SECOND);
  g_autofree char *back = queue_of (interaction);
  g_assert_cmpstr (back, ==, "town-b,village,town-a");
  g_assert_true (ss_interaction_has_hand (interaction, "village"));
  g_assert_false (ss_interaction_has_hand (interaction, "city"));
}

static void
test_floor_grant_lowers_hand (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();
  ss_interaction_connect (interaction, "town-a", SS_ROLE_REMOTE);
  ss_interaction_raise_hand (interaction, "town-a", 101 * SECOND);
  ss_interaction_raise_hand (interaction, "town-b", 102 * SECOND);

  g_assert_cmpint (ss_interaction_grant_floor (interaction, "town-a",
                                               110 * SECOND),
                   ==,
                   SS_INTERACTION_CHANGED_HANDS | SS_INTERACTION_CHANGED_FLOOR
                       | SS_INTERACTION_CHANGED_ROSTER);
  g_assert_cmpstr (ss_interaction_get_floor (interaction), ==, "town-a");
  g_assert_cmpint (ss_interaction_get_floor_since (interaction), ==,
                   110 * SECOND);
  g_autofree char *queue = queue_of (interaction);
  g_assert_cmpstr (queue, ==, "town-b");

  /* Granting it again to the holder changes nothing. */
  g_assert_cmpint (ss_interaction_grant_floor (interaction, "town-a",
                                               120 * SECOND),
                   ==, SS_INTERACTION_CHANGED_NONE);
  g_assert_cmpint (ss_interaction_get_floor_since (interaction), ==,
                   110 * SECOND);

  g_assert_cmpint (ss_interaction_revoke_floor (interaction), ==,
                   SS_INTERACTION_CHANGED_FLOOR
                       | SS_INTERACTION_CHANGED_ROSTER);
  g_assert_null (ss_interaction_get_floor (interaction));
  g_assert_cmpint (ss_interaction_revoke_floor (interaction), ==,
                   SS_INTERACTION_CHANGED_NONE);
}

static void
test_floor_returns_when_holder_leaves (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();
  ss_interaction_connect (interaction, "town-a", SS_ROLE_REMOTE);
  ss_interaction_connect (interaction, "town-a", SS_ROLE_REMOTE);
  ss_interaction_raise_hand (interaction, "town-a", 101 * SECOND);
  ss_interaction_grant_floor (interaction, "town-a", 102 * SECOND);
  ss_interaction_raise_hand (interaction, "town-a", 103 * SECOND);

  g_assert_cmpint (ss_interaction_disconnect (interaction, "town-a"), ==,
                   SS_INTERACTION_CHANGED_NONE);
  g_assert_cmpstr (ss_interaction_get_floor (interaction), ==, "town-a");

  g_assert_cmpint (ss_interaction_disconnect (interaction, "town-a"), ==,
                   SS_INTERACTION_CHANGED_ROSTER
                       | SS_INTERACTION_CHANGED_FLOOR);
  g_assert_null (ss_interaction_get_floor (interaction));
  /* The hand stays for a reload. */
  g_assert_true (ss_interaction_has_hand (interaction, "town-a"));
}

static void
test_phase_and_attendance (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();

  g_assert_cmpint (ss_interaction_set_phase (interaction,
                                             SS_CLASS_PHASE_TEACHING,
                                             105 * SECOND),
                   ==, SS_INTERACTION_CHANGED_NONE);
  g_assert_cmpint (ss_interaction_get_phase_since (interaction), ==,
                   100 * SECOND);
  g_assert_cmpint (ss_interaction_set_phase (interaction,
                                             SS_CLASS_PHASE_PRACTICE,
                                             106 * SECOND),
                   ==, SS_INTERACTION_CHANGED_PHASE);
  g_assert_cmpint (ss_interaction_get_phase (interaction), ==,
                   SS_CLASS_PHASE_PRACTICE);
  g_assert_cmpint (ss_interaction_get_phase_since (interaction), ==,
                   106 * SECOND);

  g_assert_cmpint (ss_interaction_confirm_attendance (interaction, "town-a",
                                                      -1),
                   ==, SS_INTERACTION_CHANGED_ROSTER);
  const SsRosterEntry *entry = ss_interaction_find (interaction, "town-a");
  g_assert_true (entry->confirmed);
  g_assert_cmpint (entry->students, ==, -1);
  g_assert_cmpint (ss_interaction_confirm_attendance (interaction, "town-a",
                                                      30),
                   ==, SS_INTERACTION_CHANGED_ROSTER);
  g_assert_cmpint (entry->students, ==, 30);
  g_assert_cmpint (ss_interaction_confirm_attendance (interaction, "town-a",
                                                      -1),
                   ==, SS_INTERACTION_CHANGED_NONE);
  g_assert_cmpint (entry->students, ==, 30);
}

static void
test_chat_sequence (void)
{
  g_autoptr (SsInteraction) interaction = new_timetable_lesson ();

  g_assert_cmpint (ss_interaction_peek_chat_seq (interaction), ==, 1);
  /* Peeking does not use the number up. */
  g_assert_cmpint (ss_interaction_peek_chat_seq (interaction), ==, 1);
  ss_interaction_commit_chat_seq (interaction, 1);
  g_assert_cmpint (ss_interaction_peek_chat_seq (interaction), ==, 2);

  /* A restore moves it on, never back. */
  ss_interaction_commit_chat_seq (interaction, 40);
  ss_interaction_commit_chat_seq (interaction, 7);
  g_assert_cmpint (ss_interaction_peek_chat_seq (interaction), ==, 41);
}

/* ---- Rate limits ------------------------------------------------------- */

static gboolean
admit (SsRateLimit *limit, gboolean is_chat, gint64 now_us,
       gint64 expected_wait_s)
{
  g_autoptr (GError) error = NULL;
  if (ss_rate_limit_admit (limit, is_chat, now_us, &error))
    {
      g_assert_no_error (error);
      return TRUE;
    }

  g_assert_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_RATE_LIMITED);
  g_autofree char *wait = g_strdup_printf ("try again in %" G_GINT64_FORMAT
                                           " seconds", expected_wait_s);
  if (strstr (error->message, wait) == NULL)
    g_error ("expected \"%s\" in \"%s\"", wait, error->message);
  return FALSE;
}

static void
test_rate_window_sliding (void)
{
  SsRateWindow window;
  ss_rate_window_init (&window, 3, 10 * SECOND);

  g_assert_cmpint (ss_rate_window_wait (&window, 0), ==, 0);
  ss_rate_window_record (&window, 0);
  ss_rate_window_record (&window, 4 * SECOND);
  ss_rate_window_record (&window, 5 * SECOND);
  g_assert_cmpint (ss_rate_window_wait (&window, 6 * SECOND), ==,
                   4 * SECOND);
  /* The window is (now - 10 s, now]: at 10 s the first has left it. */
  g_assert_cmpint (ss_rate_window_wait (&window, 10 * SECOND), ==, 0);
  ss_rate_window_record (&window, 10 * SECOND);
  g_assert_cmpint (ss_rate_window_wait (&window, 10 * SECOND), ==,
                   4 * SECOND);
  g_assert_cmpint (ss_rate_window_wait (&window, 14 * SECOND), ==, 0);

  /* A clock stepped back waits one window at most. */
  g_assert_cmpint (ss_rate_window_wait (&window, -60 * SECOND), ==,
                   10 * SECOND);
}

static void
test_rate_limit_chat (void)
{
  SsRateLimit limit = { 0 };

  for (guint i = 0; i < SS_RATE_LIMIT_CHAT; i++)
    g_assert_true (admit (&limit, TRUE, i * SECOND, 0));

  /* 2.5 s after the fifth: the first leaves the window at 10 s. */
  g_assert_false (admit (&limit, TRUE, 6500000, 4));
  g_assert_cmpuint (limit.n_rejected, ==, 1);
  /* Other requests still fit the shared limit. */
  g_assert_true (admit (&limit, FALSE, 6500000, 0));
  g_assert_true (admit (&limit, TRUE, 10 * SECOND, 0));
  g_assert_false (admit (&limit, TRUE, 10 * SECOND, 1));
}

static void
test_rate_limit_all (void)
{
  SsRateLimit limit = { 0 };

  for (guint i = 0; i < SS_RATE_LIMIT_ALL; i++)
    g_assert_true (admit (&limit, FALSE, i * 100000, 0));

  /* A chat message is refused by the shared limit too, and a refusal is
   * not counted as a request. */
  g_assert_false (admit (&limit, TRUE, 3 * SECOND, 7));
  g_assert_false (admit (&limit, FALSE, 3 * SECOND, 7));
  g_assert_cmpuint (limit.n_rejected, ==, 2);
  g_assert_true (admit (&limit, TRUE, 10 * SECOND, 0));
  g_assert_false (admit (&limit, FALSE, 10 * SECOND, 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/interaction-state/new-lesson", test_new_lesson);
  g_test_add_func ("/server/interaction-state/permission-table",
                   test_permission_table);
  g_test_add_func ("/server/interaction-state/targets-outside-lesson",
                   test_targets_outside_lesson);
  g_test_add_func ("/server/interaction-state/adhoc-roster-grows",
                   test_adhoc_roster_grows);
  g_test_add_func ("/server/interaction-state/presence-counts-connections",
                   test_presence_counts_connections);
  g_test_add_func ("/server/interaction-state/hands-keep-order",
                   test_hands_keep_order);
  g_test_add_func ("/server/interaction-state/floor-grant-lowers-hand",
                   test_floor_grant_lowers_hand);
  g_test_add_func ("/server/interaction-state/floor-returns-when-holder-"
                   "leaves",
                   test_floor_returns_when_holder_leaves);
  g_test_add_func ("/server/interaction-state/phase-and-attendance",
                   test_phase_and_attendance);
  g_test_add_func ("/server/interaction-state/chat-sequence",
                   test_chat_sequence);
  g_test_add_func ("/server/rate-limit/window-sliding",
                   test_rate_window_sliding);
  g_test_add_func ("/server/rate-limit/chat", test_rate_limit_chat);
  g_test_add_func ("/server/rate-limit/all-requests", test_rate_limit_all);

  return g_test_run ();
}
