/* The signaling core's live state as JSON for the admin API: lessons,
 * online classrooms and the classrooms seen recently. It only reads the
 * core's state.
 */
#define G_LOG_DOMAIN "ss-signaling"

#include "ss-signaling-private.h"

/* ---- Read-only view for the admin API ---------------------------------- */

static json_t *
classroom_to_json (const char *classroom,
                   SsRole role,
                   const char *agent,
                   const char *lesson,
                   gboolean online)
{
  return json_pack ("{s:s,s:s,s:o,s:o,s:b}", "classroom", classroom, "role",
                    ss_role_to_string (role), "agent",
                    agent != NULL ? json_string (agent) : json_null (),
                    "lesson",
                    lesson != NULL ? json_string (lesson) : json_null (),
                    "online", online);
}

static json_t *
dump_online_classrooms (const SsSignaling *signaling)
{
  json_t *list = json_array ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, signaling->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SsSession *session = value;
      if (!session->greeted || session->classroom == NULL)
        continue;

      json_t *entry = classroom_to_json (
          session->classroom, session->role, session->agent,
          session->lesson != NULL ? session->lesson->id : NULL, TRUE);
      json_object_set_new (entry, "session", json_string (session->id));
      json_object_set_new (entry, "media",
                           json_boolean (
                               session->transports[SS_TRANSPORT_PUBLISH].open
                               || session->transports[SS_TRANSPORT_SUBSCRIBE]
                                      .open));
      json_object_set_new (entry, "seconds_since_seen", json_integer (0));
      json_array_append_new (list, entry);
    }
  return list;
}

/* Returns the classroom ids of greeted sessions, borrowed from them. */
static GHashTable *
collect_online_classrooms (const SsSignaling *signaling)
{
  GHashTable *online = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, signaling->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SsSession *session = value;
      if (session->greeted && session->classroom != NULL)
        g_hash_table_add (online, session->classroom);
    }
  return online;
}

static json_t *
dump_lessons (const SsSignaling *signaling)
{
  json_t *list = json_array ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, signaling->lessons);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SsLesson *lesson = value;
      json_t *members = json_array ();
      for (guint i = 0; i < lesson->members->len; i++)
        {
          SsSession *member = g_ptr_array_index (lesson->members, i);
          json_array_append_new (members, json_string (member->id));
        }

      SsSession *lead = lesson->publisher;
      json_array_append_new (
          list, json_pack ("{s:s,s:b,s:o,s:o}", "lesson", lesson->id, "live",
                           lesson->live, "lead",
                           lead != NULL && lead->classroom != NULL
                               ? json_string (lead->classroom)
                               : json_null (),
                           "sessions", members));
    }
  return list;
}

json_t *
ss_signaling_dump_live (const SsSignaling *signaling, gint64 now_us)
{
  g_return_val_if_fail (signaling != NULL, NULL);

  json_t *classrooms = dump_online_classrooms (signaling);
  g_autoptr (GHashTable) online = collect_online_classrooms (signaling);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, signaling->departures);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SsDeparture *departure = value;
      if (g_hash_table_contains (online, key))
        continue;

      json_t *entry = classroom_to_json (key, departure->role,
                                         departure->agent, departure->lesson,
                                         FALSE);
      json_object_set_new (
          entry, "seconds_since_seen",
          json_integer (MAX (now_us - departure->closed_us, 0)
                        / G_USEC_PER_SEC));
      json_array_append_new (classrooms, entry);
    }

  return json_pack ("{s:o,s:o}", "lessons", dump_lessons (signaling),
                    "classrooms", classrooms);
}
