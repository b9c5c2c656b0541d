/* The binding of subscription slots to classrooms (protocol/README.md,
 * "subscribe" and "feeds").
 *
 * The relay binds slots by classroom name, so a binding made before the
 * classroom publishes, or while it reconnects, starts flowing by itself.
 * Only a change of the names calls the relay: the floor moving, or a
 * return feed coming or going in the lead's list.
 */
#define G_LOG_DOMAIN "ss-signaling"

#include "ss-signaling-private.h"

#include <string.h>

#include "ss-interaction.h"

/* The classroom holding the floor, or NULL. */
static const char *
get_floor (SsLesson *lesson)
{
  return lesson->interaction != NULL
             ? ss_interaction_get_floor (lesson->interaction)
             : NULL;
}

static guint
choose_remote_sources (SsSession *session, const char **sources)
{
  SsLesson *lesson = session->lesson;
  const char *floor = get_floor (lesson);

  sources[0] = lesson->publisher != NULL ? lesson->publisher->classroom
                                         : NULL;
  /* The class with the floor hears itself in the room, so its own feed is
   * not sent back to it. */
  sources[1] = g_strcmp0 (floor, session->classroom) != 0 ? floor : NULL;
  return 2;
}

static guint
choose_lead_sources (SsSession *session, const char **sources)
{
  SsLesson *lesson = session->lesson;
  const char *floor = get_floor (lesson);
  guint n = 0;

  for (guint i = 0; i < lesson->return_publishers->len; i++)
    {
      SsSession *publisher = g_ptr_array_index (lesson->return_publishers, i);
      if (g_strcmp0 (publisher->classroom, floor) == 0)
        sources[n++] = publisher->classroom;
    }

  for (guint i = 0; i < lesson->return_publishers->len
                    && n < SS_RELAY_MAX_SLOTS; i++)
    {
      SsSession *publisher = g_ptr_array_index (lesson->return_publishers, i);
      if (g_strcmp0 (publisher->classroom, floor) != 0)
        sources[n++] = publisher->classroom;
    }
  return n;
}

guint
ss_signaling_choose_sources (SsSignaling *signaling,
                             SsSession *session,
                             const char **sources)
{
  g_return_val_if_fail (session->lesson != NULL, 0);

  memset (sources, 0, sizeof (const char *) * SS_RELAY_MAX_SLOTS);
  return session->role == SS_ROLE_LEAD
             ? choose_lead_sources (session, sources)
             : choose_remote_sources (session, sources);
}

/* Stores sources as the transport's binding; TRUE when it differs from the
 * one stored before. */
static gboolean
store_sources (SsTransport *transport, const char *const *sources)
{
  gboolean changed = FALSE;
  for (guint i = 0; i < SS_RELAY_MAX_SLOTS; i++)
    {
      if (g_strcmp0 (transport->slots[i], sources[i]) == 0)
        continue;
      g_free (transport->slots[i]);
      transport->slots[i] = g_strdup (sources[i]);
      changed = TRUE;
    }
  return changed;
}

void
ss_signaling_update_sources (SsSignaling *signaling, SsLesson *lesson)
{
  g_return_if_fail (signaling != NULL);
  g_return_if_fail (lesson != NULL);

  for (guint i = 0; i < lesson->members->len; i++)
    {
      SsSession *member = g_ptr_array_index (lesson->members, i);
      SsTransport *transport = &member->transports[SS_TRANSPORT_SUBSCRIBE];
      if (!transport->open)
        continue;

      const char *sources[SS_RELAY_MAX_SLOTS];
      guint n = ss_signaling_choose_sources (signaling, member, sources);

      /* Before the answer the relay takes what fits; after it, what lies
       * past the offer's slots is not bound at all. */
      if (transport->n_slots > 0)
        for (guint slot = transport->n_slots; slot < SS_RELAY_MAX_SLOTS; slot++)
          sources[slot] = NULL;
      if (!store_sources (transport, sources))
        continue;

      g_autofree char *peer_id =
          ss_session_transport_peer_id (member, SS_TRANSPORT_SUBSCRIBE);
      signaling->relay_ops.set_sources (signaling->relay, lesson->id, peer_id,
                                        sources,
                                        transport->n_slots > 0
                                            ? MIN (n, transport->n_slots)
                                            : n);

      g_debug ("session=%s lesson=%s: slots rebound", member->id, lesson->id);
      if (transport->n_slots > 0)
        ss_signaling_send_owned (
            signaling, member,
            ss_message_build_feeds ((const char *const *) transport->slots,
                                    transport->n_slots));
    }
}
