/* Tests of the interaction channel through the signaling core: chat, hands,
 * floor, phase, attendance, the rate limits, lesson.state and the log.
 * The relay is a double whose SDP answers the test gives by hand, the
 * clock is the fixture's now_us, and the log is in a temporary directory.
 *
 * Messages in this file are written with single quotes, which send()
 * turns into double quotes. */
#include <glib/gstdio.h>
#include <string.h>

#include "ss-signaling-interaction.h"
#include "ss-signaling.h"

/* ---- Relay double ------------------------------------------------------ */

/* A publish or subscribe waiting for the test to answer it. */
typedef struct {
  char *lesson_id;
  char *peer_id;
  gboolean subscribe;
  SsRelayAnswerFunc answer_func;
  gpointer user_data;
} PendingAnswer;

struct _SsRelay {
  GPtrArray *pending;  /* PendingAnswer *, owned */
  guint n_set_sources;
};

G_DEFINE_QUARK (test-relay-error-quark, test_relay_error)

static void
pending_answer_free (PendingAnswer *pending)
{
  g_free (pending->lesson_id);
  g_free (pending->peer_id);
  g_free (pending);
}

static void
add_pending (SsRelay *relay, const char *lesson_id, const char *peer_id,
             gboolean subscribe, SsRelayAnswerFunc answer_func,
             gpointer user_data)
{
  PendingAnswer *pending = g_new0 (PendingAnswer, 1);
  *pending = (PendingAnswer){
    .lesson_id = g_strdup (lesson_id),
    .peer_id = g_strdup (peer_id),
    .subscribe = subscribe,
    .answer_func = answer_func,
    .user_data = user_data,
  };
  g_ptr_array_add (relay->pending, pending);
}

static void
double_publish (SsRelay *relay, const char *lesson_id, const char *peer_id,
                const char *source, const char *offer_sdp,
                SsRelayAnswerFunc answer_func, gpointer user_data)
{
  add_pending (relay, lesson_id, peer_id, FALSE, answer_func, user_data);
}

static void
double_subscribe (SsRelay *relay, const char *lesson_id, const char *peer_id,
                  const char *offer_sdp, const char *const *sources,
                  guint n_sources, SsRelayAnswerFunc answer_func,
                  gpointer user_data)
{
  add_pending (relay, lesson_id, peer_id, TRUE, answer_func, user_data);
}

/* Gives every waiting request its SDP answer. A subscription gets two
 * slots, as a remote agent's offer has. */
static void
answer_all (SsRelay *relay)
{
  g_autoptr (GPtrArray) pending = g_steal_pointer (&relay->pending);
  relay->pending = g_ptr_array_new_with_free_func (
      (GDestroyNotify) pending_answer_free);
  for (guint i = 0; i < pending->len; i++)
    {
      PendingAnswer *request = g_ptr_array_index (pending, i);
      request->answer_func (relay, request->lesson_id, request->peer_id,
                            "answer", request->subscribe ? 2 : 0, NULL,
                            request->user_data);
    }
}

static void
double_set_sources (SsRelay *relay, const char *lesson_id,
                    const char *peer_id, const char *const *sources,
                    guint n_sources)
{
  relay->n_set_sources++;
}

static void
double_close_peer (SsRelay *relay, const char *lesson_id, const char *peer_id)
{
}

static void
double_close_lesson (SsRelay *relay, const char *lesson_id)
{
}

static const SsSignalingRelayOps double_ops = {
  .publish = double_publish,
  .subscribe = double_subscribe,
  .set_sources = double_set_sources,
  .close_peer = double_close_peer,
  .close_lesson = double_close_lesson,
  .error_quark = test_relay_error_quark,
};

/* ---- Fixture ----------------------------------------------------------- */

/* The connections: the lead classroom's agent and page, remote town-a's
 * agent and page, remote town-b's agent. */
enum {
  LEAD,
  LEAD_PAGE,
  A,
  A_PAGE,
  B,
  N_CLIENTS,
};

static const struct {
  const char *role;
  const char *classroom;
  const char *client;
} client_specs[N_CLIENTS] = {
  [LEAD] = { "lead", "city", "agent" },
  [LEAD_PAGE] = { "lead", "city", "page" },
  [A] = { "remote", "town-a", "agent" },
  [A_PAGE] = { "remote", "town-a", "page" },
  [B] = { "remote", "town-b", "agent" },
};

/* 2025-03-03T14:00:00+08:00 */
#define START_US (G_GINT64_CONSTANT (1740981600) * G_USEC_PER_SEC)

typedef struct {
  GPtrArray *sent;  /* json_t *, owned */
} Client;

typedef struct {
  struct _SsRelay relay;
  SsSignaling *signaling;
  Client clients[N_CLIENTS];
  SsSession *sessions[N_CLIENTS];
  gint64 now_us;
  char *directory;
  char *database;
  /* When set, lesson "math" is a timetable lesson of these classrooms. */
  gboolean timetable;
} Fixture;

static gint64
fixture_clock (gpointer user_data)
{
  Fixture *fixture = user_data;
  return fixture->now_us;
}

static void
record_sent (gpointer connection, json_t *message, gpointer user_data)
{
  Client *client = connection;
  g_ptr_array_add (client->sent, json_deep_copy (message));
}

static gboolean
plan_lesson (gpointer policy_data, const char *lesson_id,
             SsSignalingLessonPlan *plan)
{
  Fixture *fixture = policy_data;
  if (!fixture->timetable || strcmp (lesson_id, "math") != 0)
    return FALSE;

  const char *const remotes[] = { "town-a", "town-b", "town-c", NULL };
  *plan = (SsSignalingLessonPlan){
    .lead = g_strdup ("city"),
    .remotes = g_strdupv ((char **) remotes),
    .run_start = START_US / G_USEC_PER_SEC,
    .utc_offset_s = 8 * 3600,
  };
  return TRUE;
}

static const SsSignalingPolicy test_policy = {
  .plan_lesson = plan_lesson,
};

/* Creates the core with a log on the fixture's database, and opens the
 * connections (not greeted yet). */
static void
start_signaling (Fixture *fixture)
{
  const SsSignalingConfig config = {
    .relay_ops = &double_ops,
    .relay = &fixture->relay,
    .send_func = record_sent,
    .send_data = fixture,
    .policy = &test_policy,
    .policy_data = fixture,
    .server_name = "shuangshi-server/test",
  };
  fixture->signaling = ss_signaling_new (&config);
  ss_signaling_set_clock (fixture->signaling, fixture_clock, fixture);

  g_autoptr (GError) error = NULL;
  SsInteractionLog *log = ss_interaction_log_open (fixture->database, &error);
  g_assert_no_error (error);
  ss_signaling_set_interaction_log (fixture->signaling, log);

  for (guint i = 0; i < N_CLIENTS; i++)
    fixture->sessions[i] = ss_signaling_open_session (
        fixture->signaling, &fixture->clients[i], fixture->now_us);
}

static void
close_client (Fixture *fixture, guint client)
{
  ss_signaling_close_session (fixture->signaling, fixture->sessions[client],
                              fixture->now_us);
  fixture->sessions[client] = NULL;
}

/* Closes every connection and frees the core, as a server stop does. */
static void
stop_signaling (Fixture *fixture)
{
  for (guint i = 0; i < N_CLIENTS; i++)
    if (fixture->sessions[i] != NULL)
      close_client (fixture, i);

  g_clear_pointer (&fixture->signaling, ss_signaling_free);
  for (guint i = 0; i < N_CLIENTS; i++)
    g_ptr_array_set_size (fixture->clients[i].sent, 0);
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  fixture->directory = g_dir_make_tmp ("ss-interaction-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->database = g_build_filename (fixture->directory, "timetable.db",
                                        NULL);
  fixture->now_us = START_US;
  fixture->timetable = GPOINTER_TO_INT (data);
  fixture->relay.pending = g_ptr_array_new_with_free_func (
      (GDestroyNotify) pending_answer_free);

  for (guint i = 0; i < N_CLIENTS; i++)
    fixture->clients[i].sent = g_ptr_array_new_with_free_func (
        (GDestroyNotify) json_decref);
  start_signaling (fixture);
}

static void
remove_database (Fixture *fixture)
{
  const char *const suffixes[] = { "", "-wal", "-shm" };
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (fixture->database, suffixes[i],
                                           NULL);
      g_remove (path);
    }
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  stop_signaling (fixture);
  for (guint i = 0; i < N_CLIENTS; i++)
    g_ptr_array_unref (fixture->clients[i].sent);

  g_ptr_array_unref (fixture->relay.pending);
  remove_database (fixture);
  g_rmdir (fixture->directory);
  g_free (fixture->database);
  g_free (fixture->directory);
}

/* ---- Helpers ----------------------------------------------------------- */

static void
send (Fixture *fixture, guint client, const char *text)
{
  g_autofree char *json = g_strdelimit (g_strdup (text), "'", '"');
  ss_signaling_receive (fixture->signaling, fixture->sessions[client], json,
                        strlen (json));
}

static const char *
type_of (json_t *message)
{
  return json_string_value (json_object_get (message, "type"));
}

/* Removes and returns the first message of @type sent to @client, or NULL
 * when there is none. */
static json_t *
take (Fixture *fixture, guint client, const char *type)
{
  GPtrArray *sent = fixture->clients[client].sent;
  for (guint i = 0; i < sent->len; i++)
    {
      json_t *message = g_ptr_array_index (sent, i);
      if (g_strcmp0 (type_of (message), type) == 0)
        return g_ptr_array_steal_index (sent, i);
    }
  return NULL;
}

static json_t *
take_required (Fixture *fixture, guint client, const char *type)
{
  json_t *message = take (fixture, client, type);
  if (message == NULL)
    g_error ("client %u was sent no %s", client, type);
  return message;
}

static guint
count (Fixture *fixture, guint client, const char *type)
{
  GPtrArray *sent = fixture->clients[client].sent;
  guint n = 0;
  for (guint i = 0; i < sent->len; i++)
    if (g_strcmp0 (type_of (g_ptr_array_index (sent, i)), type) == 0)
      n++;
  return n;
}

static void
forget_sent (Fixture *fixture)
{
  for (guint i = 0; i < N_CLIENTS; i++)
    g_ptr_array_set_size (fixture->clients[i].sent, 0);
}

/* Sends a request with id 9 and returns its reply, which must be the only
 * result or error sent. */
static json_t *
request (Fixture *fixture, guint client, const char *text)
{
  send (fixture, client, text);
  json_t *reply = take (fixture, client, "result");
  if (reply == NULL)
    reply = take_required (fixture, client, "error");
  g_assert_cmpint (json_integer_value (json_object_get (reply, "id")), ==, 9);
  g_assert_null (take (fixture, client, "result"));
  g_assert_null (take (fixture, client, "error"));
  return reply;
}

static void
assert_result (Fixture *fixture, guint client, const char *text)
{
  g_autoptr (json_t) reply = request (fixture, client, text);
  if (g_strcmp0 (type_of (reply), "result") != 0)
    g_error ("client %u: %s failed: %s", client, text,
             json_string_value (json_object_get (reply, "message")));
}

static void
assert_error (Fixture *fixture, guint client, const char *text,
              const char *code)
{
  g_autoptr (json_t) reply = request (fixture, client, text);
  g_assert_cmpstr (type_of (reply), ==, "error");
  g_assert_cmpstr (json_string_value (json_object_get (reply, "code")), ==,
                   code);
}

static void
hello (Fixture *fixture, guint client)
{
  g_autofree char *text = g_strdup_printf (
      "{'v':1,'type':'hello','id':1,'role':'%s','classroom':'%s',"
      "'client':'%s'}",
      client_specs[client].role, client_specs[client].classroom,
      client_specs[client].client);
  send (fixture, client, text);
  g_autoptr (json_t) result = take_required (fixture, client, "result");
}

/* lesson.join "math", leaving lesson.state and what else was sent for the
 * test to read. */
static void
join_lesson (Fixture *fixture, guint client)
{
  send (fixture, client, "{'v':1,'type':'lesson.join','id':2,"
                         "'lesson':'math'}");
  g_autoptr (json_t) result = take_required (fixture, client, "result");
  g_assert_cmpstr (json_string_value (json_object_get (result, "lesson")),
                   ==, "math");
}

static void
join (Fixture *fixture, guint client)
{
  hello (fixture, client);
  join_lesson (fixture, client);
}

/* Closes @client's connection and joins again on a new one, as a page
 * that reloads does. */
static void
reconnect (Fixture *fixture, guint client)
{
  close_client (fixture, client);
  g_ptr_array_set_size (fixture->clients[client].sent, 0);
  fixture->sessions[client] = ss_signaling_open_session (
      fixture->signaling, &fixture->clients[client], fixture->now_us);
  join (fixture, client);
}

static void
join_all (Fixture *fixture)
{
  for (guint i = 0; i < N_CLIENTS; i++)
    join (fixture, i);
  forget_sent (fixture);
}

static const char *
member_string (json_t *object, const char *member)
{
  return json_string_value (json_object_get (object, member));
}

/* The classrooms of a hands queue, joined by ",". */
static char *
queue_of (json_t *queue)
{
  GString *text = g_string_new (NULL);
  size_t index;
  json_t *hand;
  json_array_foreach (queue, index, hand)
    g_string_append_printf (text, "%s%s", index > 0 ? "," : "",
                            member_string (hand, "classroom"));
  return g_string_free (text, FALSE);
}

/* The texts of a chat array, joined by "|". */
static char *
texts_of (json_t *chat)
{
  GString *text = g_string_new (NULL);
  size_t index;
  json_t *message;
  json_array_foreach (chat, index, message)
    g_string_append_printf (text, "%s%s", index > 0 ? "|" : "",
                            member_string (message, "text"));
  return g_string_free (text, FALSE);
}

static json_t *
roster_entry (json_t *roster, const char *classroom)
{
  size_t index;
  json_t *entry;
  json_array_foreach (roster, index, entry)
    if (g_strcmp0 (member_string (entry, "classroom"), classroom) == 0)
      return entry;
  g_error ("classroom %s is not on the roster", classroom);
}

static gboolean
flag_of (json_t *roster, const char *classroom, const char *flag)
{
  return json_is_true (json_object_get (roster_entry (roster, classroom),
                                        flag));
}

/* ---- Who may do what --------------------------------------------------- */

static void
test_remote_lead_only_forbidden (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  assert_error (fixture, A, "{'v':1,'type':'floor.grant','id':9,"
                            "'classroom':'town-a'}", "forbidden");
  assert_error (fixture, A_PAGE, "{'v':1,'type':'floor.revoke','id':9}",
                "forbidden");
  assert_error (fixture, B, "{'v':1,'type':'phase.set','id':9,"
                            "'phase':'practice'}", "forbidden");
  assert_error (fixture, LEAD, "{'v':1,'type':'hand.raise','id':9}",
                "forbidden");
  assert_error (fixture, LEAD_PAGE, "{'v':1,'type':'attendance.confirm',"
                                    "'id':9,'students':30}", "forbidden");

  /* Nothing changed, so no event was sent. */
  for (guint i = 0; i < N_CLIENTS; i++)
    g_assert_cmpuint (fixture->clients[i].sent->len, ==, 0);
  g_assert_cmpuint (fixture->relay.n_set_sources, ==, 0);
}

static void
test_remote_other_classroom_forbidden (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  assert_error (fixture, A, "{'v':1,'type':'hand.raise','id':9,"
                            "'classroom':'town-b'}", "forbidden");
  assert_error (fixture, A, "{'v':1,'type':'hand.lower','id':9,"
                            "'classroom':'town-b'}", "forbidden");
  assert_error (fixture, A, "{'v':1,'type':'attendance.confirm','id':9,"
                            "'classroom':'town-b'}", "forbidden");
  assert_error (fixture, A, "{'v':1,'type':'chat.send','id':9,'text':'hi',"
                            "'to':'town-b'}", "forbidden");
  assert_error (fixture, A, "{'v':1,'type':'chat.send','id':9,'text':'hi',"
                            "'to':'town-a'}", "forbidden");

  /* Naming its own classroom is the same as naming none. */
  assert_result (fixture, A_PAGE, "{'v':1,'type':'hand.raise','id':9,"
                                  "'classroom':'town-a'}");

  /* The lead names a classroom that is not in the lesson. */
  assert_error (fixture, LEAD, "{'v':1,'type':'chat.send','id':9,"
                               "'text':'hi','to':'town-z'}", "bad_message");
  assert_error (fixture, LEAD, "{'v':1,'type':'floor.grant','id':9,"
                               "'classroom':'town-z'}", "bad_message");
  assert_error (fixture, LEAD, "{'v':1,'type':'floor.grant','id':9,"
                               "'classroom':'city'}", "bad_message");
  assert_error (fixture, LEAD, "{'v':1,'type':'hand.lower','id':9,"
                               "'classroom':'town-z'}", "bad_message");
}

static void
test_interaction_before_join (Fixture *fixture, gconstpointer data)
{
  send (fixture, A, "{'v':1,'type':'hello','id':1,'role':'remote',"
                    "'classroom':'town-a'}");
  forget_sent (fixture);

  assert_error (fixture, A, "{'v':1,'type':'chat.send','id':9,'text':'hi'}",
                "not_ready");
  assert_error (fixture, A, "{'v':1,'type':'hand.raise','id':9}",
                "not_ready");
}

/* ---- Hands, floor, phase ----------------------------------------------- */

static void
test_hands_queue_order (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  assert_result (fixture, B, "{'v':1,'type':'hand.raise','id':9}");
  fixture->now_us += G_USEC_PER_SEC;
  assert_result (fixture, A_PAGE, "{'v':1,'type':'hand.raise','id':9}");

  /* Every member hears each change, oldest hand first. */
  g_autoptr (json_t) first = take_required (fixture, LEAD, "hands");
  g_autofree char *first_queue = queue_of (json_object_get (first, "queue"));
  g_assert_cmpstr (first_queue, ==, "town-b");
  g_autoptr (json_t) second = take_required (fixture, LEAD, "hands");
  g_autofree char *second_queue = queue_of (json_object_get (second,
                                                             "queue"));
  g_assert_cmpstr (second_queue, ==, "town-b,town-a");
  g_assert_cmpstr (member_string (json_array_get (json_object_get (second,
                                                                   "queue"),
                                                  1),
                                  "at"),
                   ==, "2025-03-03T14:00:01+08:00");
  g_assert_cmpuint (count (fixture, B, "hands"), ==, 2);

  /* Raising again changes nothing and is still a result. */
  forget_sent (fixture);
  assert_result (fixture, A, "{'v':1,'type':'hand.raise','id':9}");
  g_assert_cmpuint (count (fixture, LEAD, "hands"), ==, 0);

  /* The lead dismisses the oldest; the order of the rest holds. */
  assert_result (fixture, LEAD, "{'v':1,'type':'hand.lower','id':9,"
                                "'classroom':'town-b'}");
  g_autoptr (json_t) after_lower = take_required (fixture, B, "hands");
  g_autofree char *lowered = queue_of (json_object_get (after_lower,
                                                        "queue"));
  g_assert_cmpstr (lowered, ==, "town-a");

  forget_sent (fixture);
  fixture->now_us += G_USEC_PER_SEC;
  assert_result (fixture, B, "{'v':1,'type':'hand.raise','id':9}");
  g_autoptr (json_t) again = take_required (fixture, A, "hands");
  g_autofree char *again_queue = queue_of (json_object_get (again, "queue"));
  g_assert_cmpstr (again_queue, ==, "town-a,town-b");
  forget_sent (fixture);

  /* A remote lowers its own hand. */
  assert_result (fixture, A_PAGE, "{'v':1,'type':'hand.lower','id':9}");
  g_autoptr (json_t) own_lower = take_required (fixture, LEAD_PAGE, "hands");
  g_autofree char *own_queue = queue_of (json_object_get (own_lower,
                                                          "queue"));
  g_assert_cmpstr (own_queue, ==, "town-b");
}

static void
test_floor_grant_and_revoke (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);
  assert_result (fixture, B, "{'v':1,'type':'hand.raise','id':9}");
  forget_sent (fixture);

  fixture->now_us += 5 * G_USEC_PER_SEC;
  assert_result (fixture, LEAD_PAGE, "{'v':1,'type':'floor.grant','id':9,"
                                     "'classroom':'town-b'}");

  /* The grant lowers the holder's hand. */
  g_autoptr (json_t) hands = take_required (fixture, A, "hands");
  g_assert_cmpuint (json_array_size (json_object_get (hands, "queue")), ==,
                    0);
  g_autoptr (json_t) floor = take_required (fixture, A, "floor");
  g_assert_cmpstr (member_string (floor, "classroom"), ==, "town-b");
  g_assert_cmpstr (member_string (floor, "since"), ==,
                   "2025-03-03T14:00:05+08:00");
  g_autoptr (json_t) roster = take_required (fixture, A_PAGE, "roster");
  g_assert_true (flag_of (json_object_get (roster, "classrooms"), "town-b",
                          "floor"));
  g_assert_false (flag_of (json_object_get (roster, "classrooms"), "town-b",
                           "hand"));
  g_assert_cmpuint (count (fixture, LEAD, "floor"), ==, 1);
  forget_sent (fixture);

  /* A new grant replaces the first. */
  assert_result (fixture, LEAD, "{'v':1,'type':'floor.grant','id':9,"
                                "'classroom':'town-a'}");
  g_autoptr (json_t) moved = take_required (fixture, B, "floor");
  g_assert_cmpstr (member_string (moved, "classroom"), ==, "town-a");
  forget_sent (fixture);

  assert_result (fixture, LEAD, "{'v':1,'type':'floor.revoke','id':9}");
  g_autoptr (json_t) nobody = take_required (fixture, A_PAGE, "floor");
  g_assert_true (json_is_null (json_object_get (nobody, "classroom")));
  g_assert_true (json_is_null (json_object_get (nobody, "since")));

  /* Revoking an empty floor changes nothing. */
  forget_sent (fixture);
  assert_result (fixture, LEAD, "{'v':1,'type':'floor.revoke','id':9}");
  g_assert_cmpuint (count (fixture, A, "floor"), ==, 0);
}

static char *
slots_of (json_t *feeds)
{
  GString *text = g_string_new (NULL);
  size_t index;
  json_t *slot;
  json_array_foreach (json_object_get (feeds, "slots"), index, slot)
    g_string_append_printf (text, "%s%s", index > 0 ? "," : "",
                            json_is_null (slot) ? "-"
                                                : json_string_value (slot));
  return g_string_free (text, FALSE);
}

/* The floor moving rebinds the other remotes' floor slot. */
static void
test_floor_rebinds_slots (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);
  send (fixture, LEAD, "{'v':1,'type':'publish','id':3,'sdp':'offer'}");
  answer_all (&fixture->relay);
  send (fixture, B, "{'v':1,'type':'subscribe','id':3,'sdp':'offer'}");
  answer_all (&fixture->relay);
  forget_sent (fixture);
  guint rebinds = fixture->relay.n_set_sources;

  assert_result (fixture, LEAD, "{'v':1,'type':'floor.grant','id':9,"
                                "'classroom':'town-a'}");
  g_assert_cmpuint (fixture->relay.n_set_sources, >, rebinds);
  g_autoptr (json_t) granted = take_required (fixture, B, "feeds");
  g_autofree char *granted_slots = slots_of (granted);
  g_assert_cmpstr (granted_slots, ==, "city,town-a");

  /* The holder's last connections leave: the slot goes idle. */
  rebinds = fixture->relay.n_set_sources;
  close_client (fixture, A_PAGE);
  close_client (fixture, A);
  g_assert_cmpuint (fixture->relay.n_set_sources, >, rebinds);
  g_autoptr (json_t) returned = take_required (fixture, B, "feeds");
  g_autofree char *returned_slots = slots_of (returned);
  g_assert_cmpstr (returned_slots, ==, "city,-");
}

static void
test_floor_holder_leaves (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);
  assert_result (fixture, LEAD, "{'v':1,'type':'floor.grant','id':9,"
                                "'classroom':'town-a'}");
  forget_sent (fixture);

  /* One of town-a's two connections closes, and town-a keeps the floor. */
  close_client (fixture, A_PAGE);
  g_assert_cmpuint (count (fixture, LEAD, "floor"), ==, 0);
  g_assert_cmpuint (count (fixture, LEAD, "roster"), ==, 0);

  close_client (fixture, A);
  g_autoptr (json_t) floor = take_required (fixture, LEAD, "floor");
  g_assert_true (json_is_null (json_object_get (floor, "classroom")));
  g_autoptr (json_t) roster = take_required (fixture, LEAD_PAGE, "roster");
  g_assert_false (flag_of (json_object_get (roster, "classrooms"), "town-a",
                           "present"));
  g_assert_false (flag_of (json_object_get (roster, "classrooms"), "town-a",
                           "floor"));

  /* A classroom without a connection cannot get the floor. */
  assert_error (fixture, LEAD, "{'v':1,'type':'floor.grant','id':9,"
                               "'classroom':'town-a'}", "bad_message");
}

static void
test_phase_set (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  fixture->now_us += 60 * G_USEC_PER_SEC;
  assert_result (fixture, LEAD, "{'v':1,'type':'phase.set','id':9,"
                                "'phase':'practice'}");
  g_autoptr (json_t) phase = take_required (fixture, B, "phase");
  g_assert_cmpstr (member_string (phase, "phase"), ==, "practice");
  g_assert_cmpstr (member_string (phase, "since"), ==,
                   "2025-03-03T14:01:00+08:00");

  /* Setting the phase it is in changes nothing. */
  assert_result (fixture, LEAD_PAGE, "{'v':1,'type':'phase.set','id':9,"
                                     "'phase':'practice'}");
  g_assert_cmpuint (count (fixture, B, "phase"), ==, 0);
}

static void
test_attendance_and_roster (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  assert_result (fixture, A_PAGE, "{'v':1,'type':'attendance.confirm',"
                                  "'id':9,'students':31}");
  g_autoptr (json_t) roster = take_required (fixture, LEAD, "roster");
  json_t *classrooms = json_object_get (roster, "classrooms");
  g_assert_true (flag_of (classrooms, "town-a", "confirmed"));
  g_assert_cmpint (json_integer_value (json_object_get (
                       roster_entry (classrooms, "town-a"), "students")),
                   ==, 31);
  g_assert_false (flag_of (classrooms, "town-b", "confirmed"));
  g_assert_true (json_is_null (json_object_get (
      roster_entry (classrooms, "town-b"), "students")));

  /* Confirming without a count keeps the earlier one. */
  forget_sent (fixture);
  assert_result (fixture, A, "{'v':1,'type':'attendance.confirm','id':9}");
  g_assert_cmpuint (count (fixture, LEAD, "roster"), ==, 0);
}

/* A second connection of a present classroom changes nobody's roster;
 * a classroom's first one does. */
static void
test_roster_presence (Fixture *fixture, gconstpointer data)
{
  join (fixture, LEAD);
  join (fixture, A);
  g_autoptr (json_t) a_joined = take_required (fixture, LEAD, "roster");
  json_t *classrooms = json_object_get (a_joined, "classrooms");
  g_assert_true (flag_of (classrooms, "town-a", "present"));
  g_assert_cmpstr (member_string (roster_entry (classrooms, "town-a"),
                                  "role"),
                   ==, "remote");
  /* The joining connection reads the roster from lesson.state. */
  g_assert_cmpuint (count (fixture, A, "roster"), ==, 0);

  forget_sent (fixture);
  join (fixture, A_PAGE);
  g_assert_cmpuint (count (fixture, LEAD, "roster"), ==, 0);
  g_assert_cmpuint (count (fixture, A, "roster"), ==, 0);

  /* town-b's arrival reaches the lead and the pages, not the remote
   * classroom PCs. */
  join (fixture, B);
  g_assert_cmpuint (count (fixture, LEAD, "roster"), ==, 1);
  g_assert_cmpuint (count (fixture, A_PAGE, "roster"), ==, 1);
  g_assert_cmpuint (count (fixture, A, "roster"), ==, 0);
}

/* ---- Chat -------------------------------------------------------------- */

static void
test_chat_to_everyone (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  g_autoptr (json_t) result = request (
      fixture, A_PAGE, "{'v':1,'type':'chat.send','id':9,"
                       "'text':'  老师，我们准备好了 '}");
  g_assert_cmpint (json_integer_value (json_object_get (result, "seq")), ==,
                   1);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_autoptr (json_t) chat = take_required (fixture, i, "chat");
      g_assert_cmpint (json_integer_value (json_object_get (chat, "seq")),
                       ==, 1);
      g_assert_cmpstr (member_string (chat, "from"), ==, "town-a");
      g_assert_cmpstr (member_string (chat, "role"), ==, "remote");
      g_assert_cmpstr (member_string (chat, "client"), ==, "page");
      g_assert_cmpstr (member_string (chat, "text"), ==, "老师，我们准备好了");
      g_assert_cmpstr (member_string (chat, "at"), ==,
                       "2025-03-03T14:00:00+08:00");
      g_assert_null (json_object_get (chat, "to"));
    }

  g_autoptr (json_t) second = request (fixture, LEAD, "{'v':1,"
                                       "'type':'chat.send','id':9,"
                                       "'text':'好'}");
  g_assert_cmpint (json_integer_value (json_object_get (second, "seq")), ==,
                   2);
}

static void
test_chat_private (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  assert_result (fixture, LEAD_PAGE, "{'v':1,'type':'chat.send','id':9,"
                                     "'text':'请 A 班准备','to':'town-a'}");
  assert_result (fixture, A, "{'v':1,'type':'chat.send','id':9,"
                             "'text':'收到','to':'city'}");

  /* Both connections of both classrooms get both messages. */
  const guint involved[] = { LEAD, LEAD_PAGE, A, A_PAGE };
  for (guint i = 0; i < G_N_ELEMENTS (involved); i++)
    {
      g_autoptr (json_t) first = take_required (fixture, involved[i], "chat");
      g_assert_cmpstr (member_string (first, "to"), ==, "town-a");
      g_autoptr (json_t) reply = take_required (fixture, involved[i],
                                                "chat");
      g_assert_cmpstr (member_string (reply, "from"), ==, "town-a");
      g_assert_cmpstr (member_string (reply, "to"), ==, "city");
    }
  g_assert_cmpuint (count (fixture, B, "chat"), ==, 0);

  /* Neither comes back to town-b after a reload. */
  reconnect (fixture, B);
  g_autoptr (json_t) state = take_required (fixture, B, "lesson.state");
  g_assert_cmpuint (json_array_size (json_object_get (state, "chat")), ==, 0);
}

static void
test_chat_bad_text (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  g_autoptr (GString) long_text = g_string_new (NULL);
  for (guint i = 0; i < 501; i++)
    g_string_append (long_text, "字");
  g_autofree char *too_long = g_strdup_printf (
      "{'v':1,'type':'chat.send','id':9,'text':'%s'}", long_text->str);

  assert_error (fixture, A, too_long, "bad_message");
  assert_error (fixture, A, "{'v':1,'type':'chat.send','id':9,'text':''}",
                "bad_message");
  assert_error (fixture, A, "{'v':1,'type':'chat.send','id':9,"
                            "'text':' \\n\\u3000'}", "bad_message");

  /* Nothing reached anyone, and the sequence did not move. */
  g_assert_cmpuint (count (fixture, B, "chat"), ==, 0);
  g_autoptr (json_t) result = request (fixture, A, "{'v':1,'type':"
                                       "'chat.send','id':9,'text':'ok'}");
  g_assert_cmpint (json_integer_value (json_object_get (result, "seq")), ==,
                   1);
}

/* ---- Rate limits ------------------------------------------------------- */

static void
test_chat_rate_limited (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  for (guint i = 0; i < 5; i++)
    {
      assert_result (fixture, A, "{'v':1,'type':'chat.send','id':9,"
                                 "'text':'hi'}");
      fixture->now_us += G_USEC_PER_SEC;
    }

  /* The sixth within 10 seconds is rejected and reaches no member. */
  forget_sent (fixture);
  g_autoptr (json_t) refused = request (fixture, A, "{'v':1,"
                                        "'type':'chat.send','id':9,"
                                        "'text':'hi'}");
  g_assert_cmpstr (member_string (refused, "code"), ==, "rate_limited");
  g_assert_nonnull (strstr (member_string (refused, "message"),
                            "try again in 5 seconds"));
  g_assert_cmpuint (count (fixture, B, "chat"), ==, 0);

  /* Other connections, and town-a's other kinds of request, go on. */
  assert_result (fixture, B, "{'v':1,'type':'chat.send','id':9,'text':'b'}");
  assert_result (fixture, A_PAGE, "{'v':1,'type':'chat.send','id':9,"
                                  "'text':'page'}");
  assert_result (fixture, A, "{'v':1,'type':'hand.raise','id':9}");

  /* Once the first message is 10 seconds old, one more fits. */
  fixture->now_us = START_US + 10 * G_USEC_PER_SEC;
  assert_result (fixture, A, "{'v':1,'type':'chat.send','id':9,"
                             "'text':'later'}");
  assert_error (fixture, A, "{'v':1,'type':'chat.send','id':9,"
                            "'text':'too soon'}", "rate_limited");
}

static void
test_all_requests_rate_limited (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  for (guint i = 0; i < 20; i++)
    assert_result (fixture, B, i % 2 == 0
                                   ? "{'v':1,'type':'hand.raise','id':9}"
                                   : "{'v':1,'type':'hand.lower','id':9}");

  assert_error (fixture, B, "{'v':1,'type':'attendance.confirm','id':9}",
                "rate_limited");
  /* A refused request changed nothing: one roster per admitted change. */
  g_assert_cmpuint (count (fixture, LEAD, "roster"), ==, 20);

  fixture->now_us += 10 * G_USEC_PER_SEC;
  assert_result (fixture, B, "{'v':1,'type':'attendance.confirm','id':9}");
}

/* ---- lesson.state and the log ------------------------------------------ */

/* Fills the lesson with some of everything. */
static void
make_history (Fixture *fixture)
{
  join_all (fixture);
  assert_result (fixture, LEAD, "{'v':1,'type':'chat.send','id':9,"
                                "'text':'上课'}");
  fixture->now_us += G_USEC_PER_SEC;
  assert_result (fixture, A, "{'v':1,'type':'chat.send','id':9,"
                             "'text':'老师好'}");
  assert_result (fixture, B, "{'v':1,'type':'hand.raise','id':9}");
  fixture->now_us += G_USEC_PER_SEC;
  assert_result (fixture, A, "{'v':1,'type':'hand.raise','id':9}");
  assert_result (fixture, LEAD, "{'v':1,'type':'phase.set','id':9,"
                                "'phase':'discussion'}");
  assert_result (fixture, LEAD, "{'v':1,'type':'floor.grant','id':9,"
                                "'classroom':'town-b'}");
  assert_result (fixture, B, "{'v':1,'type':'attendance.confirm','id':9,"
                             "'students':28}");
  forget_sent (fixture);
}

static void
test_reload_gets_state (Fixture *fixture, gconstpointer data)
{
  make_history (fixture);

  /* The lead's page reloads: a new connection of the same classroom. */
  reconnect (fixture, LEAD_PAGE);

  g_autoptr (json_t) state = take_required (fixture, LEAD_PAGE,
                                            "lesson.state");
  g_assert_cmpstr (member_string (state, "lesson"), ==, "math");
  g_assert_cmpstr (member_string (state, "phase"), ==, "discussion");
  g_assert_cmpstr (member_string (state, "since"), ==,
                   "2025-03-03T14:00:02+08:00");
  g_assert_cmpstr (member_string (json_object_get (state, "floor"),
                                  "classroom"),
                   ==, "town-b");

  g_autofree char *queue = queue_of (json_object_get (state, "hands"));
  g_assert_cmpstr (queue, ==, "town-a");
  g_autofree char *texts = texts_of (json_object_get (state, "chat"));
  g_assert_cmpstr (texts, ==, "上课|老师好");

  json_t *roster = json_object_get (state, "roster");
  g_assert_true (flag_of (roster, "city", "present"));
  g_assert_true (flag_of (roster, "town-b", "floor"));
  g_assert_true (flag_of (roster, "town-b", "confirmed"));
  g_assert_true (flag_of (roster, "town-a", "hand"));

  /* The state comes right after the join result. */
  g_assert_cmpuint (fixture->clients[LEAD_PAGE].sent->len, ==, 0);
}

static void
test_state_keeps_last_chat (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);

  /* 205 messages from two connections, spaced past the rate limit. */
  for (guint i = 1; i <= 205; i++)
    {
      g_autofree char *text = g_strdup_printf (
          "{'v':1,'type':'chat.send','id':9,'text':'m%u'}", i);
      assert_result (fixture, i % 2 == 0 ? LEAD : LEAD_PAGE, text);
      fixture->now_us += G_USEC_PER_SEC;
    }

  reconnect (fixture, B);
  g_autoptr (json_t) state = take_required (fixture, B, "lesson.state");
  json_t *chat = json_object_get (state, "chat");
  g_assert_cmpuint (json_array_size (chat), ==, 200);
  g_assert_cmpstr (member_string (json_array_get (chat, 0), "text"), ==,
                   "m6");
  g_assert_cmpstr (member_string (json_array_get (chat, 199), "text"), ==,
                   "m205");
}

static void
test_log_survives_restart (Fixture *fixture, gconstpointer data)
{
  make_history (fixture);
  assert_result (fixture, LEAD, "{'v':1,'type':'chat.send','id':9,"
                                "'text':'私','to':'town-b'}");

  /* The server stops and starts again on the same database. */
  stop_signaling (fixture);
  fixture->now_us += 30 * G_USEC_PER_SEC;
  start_signaling (fixture);
  ss_signaling_keep_lesson (fixture->signaling, "math");

  join (fixture, A);
  g_autoptr (json_t) state = take_required (fixture, A, "lesson.state");
  g_assert_cmpstr (member_string (state, "phase"), ==, "discussion");
  g_autofree char *queue = queue_of (json_object_get (state, "hands"));
  g_assert_cmpstr (queue, ==, "town-a");
  g_autofree char *texts = texts_of (json_object_get (state, "chat"));
  g_assert_cmpstr (texts, ==, "上课|老师好");
  /* No classroom is connected after a restart, so the floor is free. */
  g_assert_true (json_is_null (json_object_get (
      json_object_get (state, "floor"), "classroom")));

  json_t *roster = json_object_get (state, "roster");
  g_assert_cmpuint (json_array_size (roster), ==, 4);
  g_assert_true (flag_of (roster, "town-b", "confirmed"));
  g_assert_false (flag_of (roster, "town-b", "present"));
  g_assert_false (flag_of (roster, "town-c", "present"));

  /* Chat numbering runs on after the private message. */
  g_autoptr (json_t) result = request (fixture, A, "{'v':1,"
                                       "'type':'chat.send','id':9,"
                                       "'text':'again'}");
  g_assert_cmpint (json_integer_value (json_object_get (result, "seq")), ==,
                   4);

  /* town-b gets its private message back. */
  join (fixture, B);
  g_autoptr (json_t) b_state = take_required (fixture, B, "lesson.state");
  g_autofree char *b_texts = texts_of (json_object_get (b_state, "chat"));
  g_assert_cmpstr (b_texts, ==, "上课|老师好|私|again");
}

static void
test_timetable_roster_lists_absent (Fixture *fixture, gconstpointer data)
{
  ss_signaling_keep_lesson (fixture->signaling, "math");
  join (fixture, B);

  g_autoptr (json_t) state = take_required (fixture, B, "lesson.state");
  json_t *roster = json_object_get (state, "roster");
  g_assert_cmpuint (json_array_size (roster), ==, 4);
  g_assert_cmpstr (member_string (json_array_get (roster, 0), "classroom"),
                   ==, "city");
  g_assert_cmpstr (member_string (json_array_get (roster, 0), "role"), ==,
                   "lead");
  g_assert_false (flag_of (roster, "city", "present"));
  g_assert_true (flag_of (roster, "town-b", "present"));
  g_assert_false (flag_of (roster, "town-c", "present"));

  /* A remote of the timetable may message the lead before it joins. */
  assert_result (fixture, B, "{'v':1,'type':'chat.send','id':9,"
                             "'text':'等待中','to':'city'}");
}

static void
test_lesson_end_sends_no_roster (Fixture *fixture, gconstpointer data)
{
  join_all (fixture);
  assert_result (fixture, A, "{'v':1,'type':'chat.send','id':9,"
                             "'text':'before'}");
  assert_result (fixture, A, "{'v':1,'type':'hand.raise','id':9}");
  forget_sent (fixture);

  assert_result (fixture, LEAD, "{'v':1,'type':'lesson.end','id':9}");
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_autoptr (json_t) ended = take_required (fixture, i, "lesson.ended");
      g_assert_cmpuint (count (fixture, i, "roster"), ==, 0);
      g_assert_cmpuint (count (fixture, i, "floor"), ==, 0);
    }

  /* An ad-hoc lesson of the same id, created again within the same
   * second, starts afresh. */
  join_lesson (fixture, LEAD);
  g_autoptr (json_t) state = take_required (fixture, LEAD, "lesson.state");
  g_assert_cmpuint (json_array_size (json_object_get (state, "chat")), ==, 0);
  g_assert_cmpuint (json_array_size (json_object_get (state, "hands")), ==,
                    0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, function, timetable)                                        \
  g_test_add ("/server/interaction/" path, Fixture,                           \
              GINT_TO_POINTER (timetable), fixture_set_up, function,          \
              fixture_tear_down)

  ADD ("remote-lead-only-forbidden", test_remote_lead_only_forbidden, FALSE);
  ADD ("remote-other-classroom-forbidden",
       test_remote_other_classroom_forbidden, FALSE);
  ADD ("before-join", test_interaction_before_join, FALSE);
  ADD ("hands-queue-order", test_hands_queue_order, FALSE);
  ADD ("floor-grant-and-revoke", test_floor_grant_and_revoke, FALSE);
  ADD ("floor-holder-leaves", test_floor_holder_leaves, FALSE);
  ADD ("floor-rebinds-slots", test_floor_rebinds_slots, FALSE);
  ADD ("phase-set", test_phase_set, FALSE);
  ADD ("attendance-and-roster", test_attendance_and_roster, FALSE);
  ADD ("roster-presence", test_roster_presence, FALSE);
  ADD ("chat-to-everyone", test_chat_to_everyone, FALSE);
  ADD ("chat-private", test_chat_private, FALSE);
  ADD ("chat-bad-text", test_chat_bad_text, FALSE);
  ADD ("chat-rate-limited", test_chat_rate_limited, FALSE);
  ADD ("all-requests-rate-limited", test_all_requests_rate_limited, FALSE);
  ADD ("reload-gets-state", test_reload_gets_state, FALSE);
  ADD ("state-keeps-last-chat", test_state_keeps_last_chat, FALSE);
  ADD ("log-survives-restart", test_log_survives_restart, TRUE);
  ADD ("timetable-roster-lists-absent", test_timetable_roster_lists_absent,
       TRUE);
  ADD ("lesson-end-sends-no-roster", test_lesson_end_sends_no_roster, FALSE);

#undef ADD
  return g_test_run ();
}
