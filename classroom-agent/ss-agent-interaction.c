/* Interaction state of one lesson, kept from the server's events.
 *
 * Every event is parsed whole before anything changes, so an event with a
 * bad member is rejected with an error that names the member and the state
 * stays as it was. `lesson.state` replaces everything except the slots,
 * which only `feeds` and the subscribe result set; the other events
 * replace their part. Chat messages arrive in `seq` order and a message
 * whose `seq` is not above the newest one kept is a repeat (a reconnect
 * replays the log through `lesson.state`), so it is dropped.
 *
 * A `hands` or `roster` event also leaves notices: one line for the
 * teacher per classroom whose hand, attendance or presence it changed,
 * found by comparing the event with the state it replaces. */
#define G_LOG_DOMAIN "shuangshi-agent"

#include "ss-agent-interaction.h"
#include "ss-message.h"

#include <glib/gi18n.h>

G_DEFINE_QUARK (ss-interaction-error-quark, ss_agent_interaction_error)

typedef struct {
  char *classroom;
  /* NULL when the entry had no role. */
  char *role;
  gboolean present;
  gboolean confirmed;
  /* -1 when the teacher gave no number. */
  gint students;
  gboolean hand;
  gboolean floor;
} SsRosterEntry;

struct _SsAgentInteraction {
  SsLessonPhase phase;
  char *floor;
  /* char *, classroom ids in queue order. */
  GPtrArray *hands;
  /* SsChatMessage *, oldest first, at most SS_INTERACTION_CHAT_KEPT. */
  GQueue chat;
  /* SsRosterEntry *. */
  GPtrArray *roster;
  /* char * or NULL (an idle slot), one per subscription slot. */
  GPtrArray *slots;
  /* char *, the notices of the last event applied. */
  GPtrArray *notices;
};

static void
ss_chat_message_free (SsChatMessage *chat)
{
  if (chat == NULL)
    return;

  g_free (chat->from);
  g_free (chat->to);
  g_free (chat->text);
  g_free (chat->at);
  g_free (chat->role);
  g_free (chat->client);
  g_free (chat);
}

static void
ss_roster_entry_free (SsRosterEntry *entry)
{
  g_free (entry->classroom);
  g_free (entry->role);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsChatMessage, ss_chat_message_free)

SsAgentInteraction *
ss_agent_interaction_new (void)
{
  SsAgentInteraction *interaction = g_new0 (SsAgentInteraction, 1);

  interaction->hands = g_ptr_array_new_with_free_func (g_free);
  interaction->roster =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ss_roster_entry_free);
  interaction->slots = g_ptr_array_new_with_free_func (g_free);
  interaction->notices = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&interaction->chat);
  return interaction;
}

void
ss_agent_interaction_free (SsAgentInteraction *interaction)
{
  if (interaction == NULL)
    return;

  ss_agent_interaction_reset (interaction);
  g_ptr_array_unref (interaction->hands);
  g_ptr_array_unref (interaction->roster);
  g_ptr_array_unref (interaction->slots);
  g_ptr_array_unref (interaction->notices);
  g_free (interaction);
}

/* Forgets everything, for when the classroom leaves the lesson. */
void
ss_agent_interaction_reset (SsAgentInteraction *interaction)
{
  interaction->phase = SS_LESSON_PHASE_NONE;
  g_clear_pointer (&interaction->floor, g_free);
  g_ptr_array_set_size (interaction->hands, 0);
  g_queue_clear_full (&interaction->chat,
                      (GDestroyNotify) ss_chat_message_free);
  g_ptr_array_set_size (interaction->roster, 0);
  g_ptr_array_set_size (interaction->slots, 0);
  g_ptr_array_set_size (interaction->notices, 0);
}

SsLessonPhase
ss_lesson_phase_from_string (const char *name)
{
  if (g_strcmp0 (name, "teaching") == 0)
    return SS_LESSON_PHASE_TEACHING;
  if (g_strcmp0 (name, "practice") == 0)
    return SS_LESSON_PHASE_PRACTICE;
  if (g_strcmp0 (name, "discussion") == 0)
    return SS_LESSON_PHASE_DISCUSSION;
  return SS_LESSON_PHASE_NONE;
}

/* Returns the wire name, or NULL for SS_LESSON_PHASE_NONE. */
const char *
ss_lesson_phase_to_string (SsLessonPhase phase)
{
  switch (phase)
    {
    case SS_LESSON_PHASE_TEACHING:
      return "teaching";
    case SS_LESSON_PHASE_PRACTICE:
      return "practice";
    case SS_LESSON_PHASE_DISCUSSION:
      return "discussion";
    case SS_LESSON_PHASE_NONE:
    default:
      return NULL;
    }
}

/* Returns the name a teacher reads, or NULL for SS_LESSON_PHASE_NONE. */
const char *
ss_lesson_phase_label (SsLessonPhase phase)
{
  switch (phase)
    {
    case SS_LESSON_PHASE_TEACHING:
      /* TRANSLATORS: lesson phase: the lead teacher teaches new material. */
      return C_ ("lesson phase", "Teaching");
    case SS_LESSON_PHASE_PRACTICE:
      /* TRANSLATORS: lesson phase: each class works through exercises. */
      return C_ ("lesson phase", "Practice");
    case SS_LESSON_PHASE_DISCUSSION:
      /* TRANSLATORS: lesson phase: classes are called on to answer. */
      return C_ ("lesson phase", "Discussion");
    case SS_LESSON_PHASE_NONE:
    default:
      return NULL;
    }
}

gboolean
ss_agent_interaction_is_event (const char *type)
{
  static const char *const types[] = {
    "lesson.state", "chat", "hands", "floor", "phase", "roster", "feeds",
    NULL,
  };

  return type != NULL && g_strv_contains (types, type);
}

static gboolean
invalid (GError **error, const char *event, const char *member,
         const char *expected)
{
  g_set_error (error, SS_AGENT_INTERACTION_ERROR, SS_AGENT_INTERACTION_ERROR_INVALID,
               "Invalid %s event: member \"%s\" must be %s", event, member,
               expected);
  return FALSE;
}

/* Reads a classroom id that may be JSON null (*@value NULL then). A
 * missing member is an error unless @optional. */
static gboolean
read_classroom (json_t *object, const char *member, gboolean optional,
                const char *event, char **value, GError **error)
{
  json_t *json = json_object_get (object, member);

  *value = NULL;
  if (json == NULL && optional)
    return TRUE;
  if (json_is_null (json))
    return TRUE;
  if (!json_is_string (json) || !ss_identifier_is_valid (json_string_value (json)))
    return invalid (error, event, member, "a classroom id or null");

  *value = g_strdup (json_string_value (json));
  return TRUE;
}

/* Reads an optional string member; a missing or null member gives NULL. */
static gboolean
read_optional_string (json_t *object, const char *member, const char *event,
                      char **value, GError **error)
{
  json_t *json = json_object_get (object, member);

  *value = NULL;
  if (json == NULL || json_is_null (json))
    return TRUE;
  if (!json_is_string (json))
    return invalid (error, event, member, "a string");

  *value = g_strdup (json_string_value (json));
  return TRUE;
}

static gboolean
read_optional_boolean (json_t *object, const char *member, const char *event,
                       gboolean *value, GError **error)
{
  json_t *json = json_object_get (object, member);

  *value = FALSE;
  if (json == NULL)
    return TRUE;
  if (!json_is_boolean (json))
    return invalid (error, event, member, "true or false");

  *value = json_is_true (json);
  return TRUE;
}

static gboolean
parse_phase (json_t *object, const char *event, SsLessonPhase *phase,
             GError **error)
{
  *phase = ss_lesson_phase_from_string (
      json_string_value (json_object_get (object, "phase")));
  if (*phase == SS_LESSON_PHASE_NONE)
    return invalid (error, event, "phase",
                    "\"teaching\", \"practice\" or \"discussion\"");
  return TRUE;
}

/* `floor` in lesson.state is either the holder's id (or null) or an object
 * like the floor event. protocol/README.md describes it "as in the floor
 * event", which allows both readings, so both are accepted. */
static gboolean
parse_state_floor (json_t *state, char **floor, GError **error)
{
  json_t *json = json_object_get (state, "floor");

  if (json_is_object (json))
    return read_classroom (json, "classroom", TRUE, "lesson.state floor",
                           floor, error);
  return read_classroom (state, "floor", TRUE, "lesson.state", floor, error);
}

/* Parses a hand queue: objects with a `classroom` member, oldest first. */
static GPtrArray *
parse_hands (json_t *queue, const char *event, const char *member,
             GError **error)
{
  if (!json_is_array (queue))
    {
      invalid (error, event, member, "an array");
      return NULL;
    }

  g_autoptr (GPtrArray) hands = g_ptr_array_new_with_free_func (g_free);
  gsize index;
  json_t *item;
  json_array_foreach (queue, index, item)
    {
      const char *classroom = json_string_value (json_object_get (item,
                                                                  "classroom"));
      if (!ss_identifier_is_valid (classroom))
        {
          invalid (error, event, member,
                   "an array of objects with a classroom id");
          return NULL;
        }
      g_ptr_array_add (hands, g_strdup (classroom));
    }
  return g_steal_pointer (&hands);
}

static SsChatMessage *
parse_chat_message (json_t *object, const char *event, GError **error)
{
  if (!json_is_object (object))
    {
      invalid (error, event, "chat", "an object");
      return NULL;
    }

  json_t *seq = json_object_get (object, "seq");
  json_t *text = json_object_get (object, "text");
  if (!json_is_integer (seq) || json_integer_value (seq) < 0)
    {
      invalid (error, event, "seq", "an integer of 0 or more");
      return NULL;
    }
  if (!json_is_string (text))
    {
      invalid (error, event, "text", "a string");
      return NULL;
    }

  g_autoptr (SsChatMessage) chat = g_new0 (SsChatMessage, 1);
  chat->seq = json_integer_value (seq);
  chat->text = g_strdup (json_string_value (text));
  if (!read_classroom (object, "from", FALSE, event, &chat->from, error)
      || !read_classroom (object, "to", TRUE, event, &chat->to, error)
      || !read_optional_string (object, "at", event, &chat->at, error)
      || !read_optional_string (object, "role", event, &chat->role, error)
      || !read_optional_string (object, "client", event, &chat->client,
                                error))
    return NULL;

  if (chat->from == NULL)
    {
      invalid (error, event, "from", "a classroom id");
      return NULL;
    }
  return g_steal_pointer (&chat);
}

static GPtrArray *
parse_roster (json_t *classrooms, const char *event, const char *member,
              GError **error)
{
  if (!json_is_array (classrooms))
    {
      invalid (error, event, member, "an array");
      return NULL;
    }

  g_autoptr (GPtrArray) roster =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ss_roster_entry_free);
  gsize index;
  json_t *item;
  json_array_foreach (classrooms, index, item)
    {
      SsRosterEntry *entry = g_new0 (SsRosterEntry, 1);
      g_ptr_array_add (roster, entry);
      entry->students = -1;

      if (!json_is_object (item))
        {
          invalid (error, event, member, "an array of objects");
          return NULL;
        }
      if (!read_classroom (item, "classroom", FALSE, event, &entry->classroom,
                           error)
          || !read_optional_string (item, "role", event, &entry->role, error)
          || !read_optional_boolean (item, "present", event, &entry->present,
                                     error)
          || !read_optional_boolean (item, "confirmed", event,
                                     &entry->confirmed, error)
          || !read_optional_boolean (item, "hand", event, &entry->hand, error)
          || !read_optional_boolean (item, "floor", event, &entry->floor,
                                     error))
        return NULL;
      if (entry->classroom == NULL)
        {
          invalid (error, event, "classroom", "a classroom id");
          return NULL;
        }

      json_t *students = json_object_get (item, "students");
      if (json_is_integer (students) && json_integer_value (students) >= 0
          && json_integer_value (students) <= G_MAXINT)
        entry->students = (gint) json_integer_value (students);
      else if (students != NULL && !json_is_null (students))
        {
          invalid (error, event, "students", "an integer of 0 or more, or null");
          return NULL;
        }
    }
  return g_steal_pointer (&roster);
}

static GPtrArray *
parse_slots (json_t *slots, GError **error)
{
  if (!json_is_array (slots) || json_array_size (slots) > SS_FEEDS_MAX_SLOTS)
    {
      g_autofree char *expected = g_strdup_printf ("an array of at most %d "
                                                   "entries",
                                                   SS_FEEDS_MAX_SLOTS);
      invalid (error, "feeds", "slots", expected);
      return NULL;
    }

  g_autoptr (GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  gsize index;
  json_t *item;
  json_array_foreach (slots, index, item)
    {
      if (json_is_null (item))
        {
          g_ptr_array_add (sources, NULL);
          continue;
        }
      if (!json_is_string (item) || !ss_identifier_is_valid (json_string_value (item)))
        {
          invalid (error, "feeds", "slots",
                   "an array of classroom ids and nulls");
          return NULL;
        }
      g_ptr_array_add (sources, g_strdup (json_string_value (item)));
    }
  return g_steal_pointer (&sources);
}

static void
replace_array (GPtrArray **target, GPtrArray *source)
{
  g_ptr_array_unref (*target);
  *target = source;
}

static void
add_chat (SsAgentInteraction *interaction, SsChatMessage *chat)
{
  SsChatMessage *newest = g_queue_peek_tail (&interaction->chat);

  if (newest != NULL && chat->seq <= newest->seq)
    {
      g_debug ("Dropped chat message %" G_GINT64_FORMAT
               ", not newer than %" G_GINT64_FORMAT, chat->seq, newest->seq);
      ss_chat_message_free (chat);
      return;
    }

  g_queue_push_tail (&interaction->chat, chat);
  while (g_queue_get_length (&interaction->chat) > SS_INTERACTION_CHAT_KEPT)
    ss_chat_message_free (g_queue_pop_head (&interaction->chat));
}

static gint
find_hand (GPtrArray *hands, const char *classroom)
{
  for (guint i = 0; i < hands->len; i++)
    if (g_str_equal (g_ptr_array_index (hands, i), classroom))
      return (gint) i;
  return -1;
}

static const SsRosterEntry *
find_roster_entry (GPtrArray *roster, const char *classroom)
{
  for (guint i = 0; i < roster->len; i++)
    {
      const SsRosterEntry *entry = g_ptr_array_index (roster, i);
      if (g_str_equal (entry->classroom, classroom))
        return entry;
    }
  return NULL;
}

/* Adds a notice per hand raised or lowered between the queues @before
 * and @after. */
static void
note_hand_changes (SsAgentInteraction *interaction, GPtrArray *before,
                   GPtrArray *after)
{
  for (guint i = 0; i < before->len; i++)
    {
      const char *classroom = g_ptr_array_index (before, i);
      if (find_hand (after, classroom) < 0)
        g_ptr_array_add (interaction->notices,
                         /* TRANSLATORS: console line; %s is a classroom id.
                          * The hand was lowered by its class, dismissed by
                          * the lead teacher, or lowered by a floor grant. */
                         g_strdup_printf (_("Classroom %s lowered its hand"),
                                          classroom));
    }

  for (guint i = 0; i < after->len; i++)
    {
      const char *classroom = g_ptr_array_index (after, i);
      if (find_hand (before, classroom) < 0)
        g_ptr_array_add (interaction->notices,
                         /* TRANSLATORS: console line; %1$s is a classroom
                          * id, %2$u its place in the queue of raised hands,
                          * counted from 1. */
                         g_strdup_printf (_("Classroom %1$s raised its hand "
                                            "(number %2$u in the queue)"),
                                          classroom, i + 1));
    }
}

/* Adds a notice per classroom that joined or left the lesson, or whose
 * attendance was confirmed (again, with another number of students),
 * between the rosters @before and @after. Hands and the floor have events
 * of their own. */
static void
note_roster_changes (SsAgentInteraction *interaction, GPtrArray *before,
                     GPtrArray *after)
{
  for (guint i = 0; i < before->len; i++)
    {
      const SsRosterEntry *old_entry = g_ptr_array_index (before, i);
      const SsRosterEntry *entry = find_roster_entry (after,
                                                      old_entry->classroom);
      if (old_entry->present && (entry == NULL || !entry->present))
        g_ptr_array_add (interaction->notices,
                         /* TRANSLATORS: console line; %s is a classroom id. */
                         g_strdup_printf (_("Classroom %s left the lesson"),
                                          old_entry->classroom));
    }

  for (guint i = 0; i < after->len; i++)
    {
      const SsRosterEntry *entry = g_ptr_array_index (after, i);
      const SsRosterEntry *old_entry = find_roster_entry (before,
                                                          entry->classroom);

      if (entry->present && (old_entry == NULL || !old_entry->present))
        g_ptr_array_add (interaction->notices,
                         /* TRANSLATORS: console line; %s is a classroom id. */
                         g_strdup_printf (_("Classroom %s joined the lesson"),
                                          entry->classroom));

      gboolean confirmed_now =
          entry->confirmed
          && (old_entry == NULL || !old_entry->confirmed
              || old_entry->students != entry->students);
      if (!confirmed_now)
        continue;
      if (entry->students >= 0)
        g_ptr_array_add (
            interaction->notices,
            g_strdup_printf (
                /* TRANSLATORS: console line; %1$s is a classroom id, %2$d
                 * the number of students its teacher counted. */
                ngettext ("Classroom %1$s confirmed attendance: %2$d student",
                          "Classroom %1$s confirmed attendance: %2$d students",
                          (gulong) entry->students),
                entry->classroom, entry->students));
      else
        g_ptr_array_add (interaction->notices,
                         /* TRANSLATORS: console line; %s is a classroom id. */
                         g_strdup_printf (_("Classroom %s confirmed attendance"),
                                          entry->classroom));
    }
}

static gboolean
apply_state (SsAgentInteraction *interaction, json_t *message, GError **error)
{
  const char *event = "lesson.state";
  SsLessonPhase phase;
  g_autofree char *floor = NULL;

  if (!parse_phase (message, event, &phase, error)
      || !parse_state_floor (message, &floor, error))
    return FALSE;

  json_t *hands_json = json_object_get (message, "hands");
  json_t *roster_json = json_object_get (message, "roster");
  json_t *chat_json = json_object_get (message, "chat");
  g_autoptr (GPtrArray) hands =
      hands_json != NULL ? parse_hands (hands_json, event, "hands", error)
                         : g_ptr_array_new_with_free_func (g_free);
  if (hands == NULL)
    return FALSE;

  g_autoptr (GPtrArray) roster =
      roster_json != NULL
          ? parse_roster (roster_json, event, "roster", error)
          : g_ptr_array_new_with_free_func ((GDestroyNotify) ss_roster_entry_free);
  if (roster == NULL)
    return FALSE;

  if (chat_json != NULL && !json_is_array (chat_json))
    return invalid (error, event, "chat", "an array");

  g_autoptr (GPtrArray) chat =
      g_ptr_array_new_with_free_func ((GDestroyNotify) ss_chat_message_free);
  gsize index;
  json_t *item;
  json_array_foreach (chat_json, index, item)
    {
      SsChatMessage *message_item = parse_chat_message (item, event, error);
      if (message_item == NULL)
        return FALSE;
      g_ptr_array_add (chat, message_item);
    }

  interaction->phase = phase;
  g_free (interaction->floor);
  interaction->floor = g_steal_pointer (&floor);
  replace_array (&interaction->hands, g_steal_pointer (&hands));
  replace_array (&interaction->roster, g_steal_pointer (&roster));
  g_queue_clear_full (&interaction->chat,
                      (GDestroyNotify) ss_chat_message_free);
  for (guint i = 0; i < chat->len; i++)
    add_chat (interaction, g_steal_pointer (&g_ptr_array_index (chat, i)));
  return TRUE;
}

/* Applies one event. Returns FALSE with @error set when the event is
 * invalid, and then changes nothing but the notices, which it clears. An
 * event type that ss_agent_interaction_is_event() does not list is an
 * error too. */
gboolean
ss_agent_interaction_apply_event (SsAgentInteraction *interaction, const char *type,
                            json_t *message, GError **error)
{
  g_return_val_if_fail (interaction != NULL, FALSE);
  g_return_val_if_fail (type != NULL, FALSE);

  g_ptr_array_set_size (interaction->notices, 0);
  if (!json_is_object (message))
    return invalid (error, type, "(message)", "an object");

  if (g_str_equal (type, "lesson.state"))
    return apply_state (interaction, message, error);

  if (g_str_equal (type, "chat"))
    {
      SsChatMessage *chat = parse_chat_message (message, type, error);
      if (chat == NULL)
        return FALSE;
      add_chat (interaction, chat);
      return TRUE;
    }

  if (g_str_equal (type, "hands"))
    {
      GPtrArray *hands = parse_hands (json_object_get (message, "queue"), type,
                                      "queue", error);
      if (hands == NULL)
        return FALSE;
      note_hand_changes (interaction, interaction->hands, hands);
      replace_array (&interaction->hands, hands);
      return TRUE;
    }

  if (g_str_equal (type, "floor"))
    {
      char *floor = NULL;
      if (!read_classroom (message, "classroom", FALSE, type, &floor, error))
        return FALSE;
      g_free (interaction->floor);
      interaction->floor = floor;
      return TRUE;
    }

  if (g_str_equal (type, "phase"))
    {
      SsLessonPhase phase;
      if (!parse_phase (message, type, &phase, error))
        return FALSE;
      interaction->phase = phase;
      return TRUE;
    }

  if (g_str_equal (type, "roster"))
    {
      GPtrArray *roster = parse_roster (json_object_get (message, "classrooms"),
                                        type, "classrooms", error);
      if (roster == NULL)
        return FALSE;
      note_roster_changes (interaction, interaction->roster, roster);
      replace_array (&interaction->roster, roster);
      return TRUE;
    }

  if (g_str_equal (type, "feeds"))
    return ss_agent_interaction_apply_slots (interaction,
                                       json_object_get (message, "slots"),
                                       error);

  g_set_error (error, SS_AGENT_INTERACTION_ERROR, SS_AGENT_INTERACTION_ERROR_INVALID,
               "Event %s is not an interaction event", type);
  return FALSE;
}

/* Sets the slots' sources from a `slots` array (the feeds event's member,
 * or the subscribe result's). */
gboolean
ss_agent_interaction_apply_slots (SsAgentInteraction *interaction, json_t *slots,
                            GError **error)
{
  GPtrArray *sources = parse_slots (slots, error);

  if (sources == NULL)
    return FALSE;
  replace_array (&interaction->slots, sources);
  return TRUE;
}

SsLessonPhase
ss_agent_interaction_get_phase (SsAgentInteraction *interaction)
{
  return interaction->phase;
}

/* Returns the classroom that holds the floor, or NULL. */
const char *
ss_agent_interaction_get_floor (SsAgentInteraction *interaction)
{
  return interaction->floor;
}

/* Returns how many notices the last event applied left: lines for the
 * teacher, in the user's language, about the hands and the roster. */
guint
ss_agent_interaction_get_n_notices (SsAgentInteraction *interaction)
{
  return interaction->notices->len;
}

const char *
ss_agent_interaction_get_notice (SsAgentInteraction *interaction, guint index)
{
  g_return_val_if_fail (index < interaction->notices->len, NULL);
  return g_ptr_array_index (interaction->notices, index);
}

guint
ss_agent_interaction_get_n_hands (SsAgentInteraction *interaction)
{
  return interaction->hands->len;
}

const char *
ss_agent_interaction_get_hand (SsAgentInteraction *interaction, guint index)
{
  g_return_val_if_fail (index < interaction->hands->len, NULL);
  return g_ptr_array_index (interaction->hands, index);
}

guint
ss_agent_interaction_get_n_chat (SsAgentInteraction *interaction)
{
  return g_queue_get_length (&interaction->chat);
}

/* Returns chat message @index, 0 being the oldest kept. */
const SsChatMessage *
ss_agent_interaction_get_chat (SsAgentInteraction *interaction, guint index)
{
  return g_queue_peek_nth (&interaction->chat, index);
}

guint
ss_agent_interaction_get_n_slots (SsAgentInteraction *interaction)
{
  return interaction->slots->len;
}

/* Returns the classroom whose feed @slot carries, or NULL when the slot is
 * idle or unknown. */
const char *
ss_agent_interaction_get_slot (SsAgentInteraction *interaction, guint slot)
{
  if (slot >= interaction->slots->len)
    return NULL;
  return g_ptr_array_index (interaction->slots, slot);
}

static json_t *
string_or_null (const char *value)
{
  return value != NULL ? json_string (value) : json_null ();
}

/* Adds `phase`, `floor`, `hands`, `chat` and `roster` to the stats object
 * @object. */
void
ss_agent_interaction_add_to_json (SsAgentInteraction *interaction, json_t *object)
{
  json_object_set_new (object, "phase",
                       string_or_null (ss_lesson_phase_to_string (interaction->phase)));
  json_object_set_new (object, "floor", string_or_null (interaction->floor));

  json_t *hands = json_array ();
  for (guint i = 0; i < interaction->hands->len; i++)
    json_array_append_new (hands,
                           json_string (g_ptr_array_index (interaction->hands, i)));
  json_object_set_new (object, "hands", hands);

  json_t *chat = json_array ();
  for (GList *link = interaction->chat.head; link != NULL; link = link->next)
    {
      const SsChatMessage *message = link->data;
      json_array_append_new (chat,
                             json_pack ("{s:I, s:s, s:o, s:s}",
                                        "seq", (json_int_t) message->seq,
                                        "from", message->from,
                                        "to", string_or_null (message->to),
                                        "text", message->text));
    }
  json_object_set_new (object, "chat", chat);

  json_t *roster = json_array ();
  for (guint i = 0; i < interaction->roster->len; i++)
    {
      const SsRosterEntry *entry = g_ptr_array_index (interaction->roster, i);
      json_array_append_new (
          roster,
          json_pack ("{s:s, s:o, s:b, s:b, s:o, s:b, s:b}",
                     "classroom", entry->classroom,
                     "role", string_or_null (entry->role),
                     "present", entry->present,
                     "confirmed", entry->confirmed,
                     "students", entry->students >= 0
                                     ? json_integer (entry->students)
                                     : json_null (),
                     "hand", entry->hand,
                     "floor", entry->floor));
    }
  json_object_set_new (object, "roster", roster);
}

/* Formats the line the classroom's screen shows over the lesson: the
 * phase, the class called on and the raised hands, each when there is one.
 * Returns "" before the first lesson.state. */
char *
ss_agent_interaction_format_status (SsAgentInteraction *interaction)
{
  GString *text = g_string_new (NULL);
  const char *phase = ss_lesson_phase_label (interaction->phase);

  if (phase != NULL)
    /* TRANSLATORS: on the classroom screen; %s is the lesson phase. */
    g_string_append_printf (text, _("Phase: %s"), phase);

  if (interaction->floor != NULL)
    {
      if (text->len > 0)
        g_string_append (text, "    ");
      /* TRANSLATORS: on the classroom screen; %s is the classroom id of
       * the class the lead teacher called on to answer. */
      g_string_append_printf (text, _("Called on: %s"), interaction->floor);
    }

  if (interaction->hands->len > 0)
    {
      g_autoptr (GString) hands = g_string_new (NULL);
      for (guint i = 0; i < interaction->hands->len; i++)
        {
          if (i > 0)
            /* TRANSLATORS: separates the classroom ids of raised hands. */
            g_string_append (hands, C_ ("list separator", ", "));
          g_string_append (hands, g_ptr_array_index (interaction->hands, i));
        }
      if (text->len > 0)
        g_string_append (text, "    ");
      /* TRANSLATORS: on the classroom screen; %s lists the classroom ids
       * whose hands are raised, in queue order. */
      g_string_append_printf (text, _("Hands raised: %s"), hands->str);
    }

  return g_string_free (text, FALSE);
}
