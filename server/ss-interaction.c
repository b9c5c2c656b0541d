/* The interaction rules and state of one lesson (protocol/README.md,
 * "Interaction").
 *
 * Who may do what is a table with one row per request and one rule per
 * role, so ss_interaction_authorize() reads like the README's table. The
 * state changes assume an authorized request and report what they changed,
 * so the signaling shell sends exactly the events that follow from it.
 */
#define G_LOG_DOMAIN "ss-interaction"

#include "ss-interaction.h"

struct _SsInteraction {
  GPtrArray *roster;  /* SsRosterEntry *, owned */
  GPtrArray *hands;   /* SsRaisedHand *, owned, oldest first */
  char *floor;
  gint64 floor_since_us;
  SsClassPhase phase;
  gint64 phase_since_us;
  gint64 last_chat_seq;
};

/* ---- Who may do what --------------------------------------------------- */

typedef enum {
  RULE_FORBIDDEN,       /* the role may not send the request */
  RULE_ANY,             /* names no classroom, or any of the roster */
  RULE_OWN,             /* only the sender's own classroom */
  RULE_REMOTE,          /* a remote classroom of the roster */
  RULE_PRESENT_REMOTE,  /* a remote classroom with a connection in it */
  RULE_LEAD,            /* only the lead's classroom */
} Rule;

typedef struct {
  const char *request;
  Rule lead;
  Rule remote;
} Permission;

static const Permission permissions[] = {
  [SS_INTERACTION_CHAT] = { "send chat messages", RULE_ANY, RULE_ANY },
  [SS_INTERACTION_CHAT_PRIVATE] = { "send private chat messages",
                                    RULE_REMOTE, RULE_LEAD },
  [SS_INTERACTION_HAND_RAISE] = { "raise a hand", RULE_FORBIDDEN, RULE_OWN },
  [SS_INTERACTION_HAND_LOWER] = { "lower a hand", RULE_ANY, RULE_OWN },
  [SS_INTERACTION_FLOOR_GRANT] = { "grant the floor", RULE_PRESENT_REMOTE,
                                   RULE_FORBIDDEN },
  [SS_INTERACTION_FLOOR_REVOKE] = { "revoke the floor", RULE_ANY,
                                    RULE_FORBIDDEN },
  [SS_INTERACTION_PHASE_SET] = { "set the lesson phase", RULE_ANY,
                                 RULE_FORBIDDEN },
  [SS_INTERACTION_ATTENDANCE_CONFIRM] = { "confirm attendance",
                                          RULE_FORBIDDEN, RULE_OWN },
};

/* ---- Objects ----------------------------------------------------------- */

static void
roster_entry_free (SsRosterEntry *entry)
{
  g_free (entry->classroom);
  g_free (entry);
}

static void
raised_hand_free (SsRaisedHand *hand)
{
  g_free (hand->classroom);
  g_free (hand);
}

static SsRosterEntry *
add_roster_entry (SsInteraction *interaction,
                  const char *classroom,
                  SsRole role)
{
  SsRosterEntry *entry = g_new0 (SsRosterEntry, 1);
  *entry = (SsRosterEntry){
    .classroom = g_strdup (classroom),
    .role = role,
    .students = -1,
  };
  g_ptr_array_add (interaction->roster, entry);
  return entry;
}

SsInteraction *
ss_interaction_new (const char *lead,
                    const char *const *remotes,
                    gint64 now_us)
{
  SsInteraction *interaction = g_new0 (SsInteraction, 1);
  *interaction = (SsInteraction){
    .roster = g_ptr_array_new_with_free_func (
        (GDestroyNotify) roster_entry_free),
    .hands = g_ptr_array_new_with_free_func (
        (GDestroyNotify) raised_hand_free),
    .phase = SS_CLASS_PHASE_TEACHING,
    .phase_since_us = now_us,
  };

  if (lead != NULL)
    add_roster_entry (interaction, lead, SS_ROLE_LEAD);
  for (guint i = 0; remotes != NULL && remotes[i] != NULL; i++)
    if (ss_interaction_find (interaction, remotes[i]) == NULL)
      add_roster_entry (interaction, remotes[i], SS_ROLE_REMOTE);
  return interaction;
}

void
ss_interaction_free (SsInteraction *interaction)
{
  if (interaction == NULL)
    return;

  g_ptr_array_unref (interaction->roster);
  g_ptr_array_unref (interaction->hands);
  g_free (interaction->floor);
  g_free (interaction);
}

/* ---- Reading ----------------------------------------------------------- */

const char *
ss_interaction_get_floor (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, NULL);
  return interaction->floor;
}

gint64
ss_interaction_get_floor_since (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, 0);
  return interaction->floor != NULL ? interaction->floor_since_us : 0;
}

SsClassPhase
ss_interaction_get_phase (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, SS_CLASS_PHASE_TEACHING);
  return interaction->phase;
}

gint64
ss_interaction_get_phase_since (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, 0);
  return interaction->phase_since_us;
}

GPtrArray *
ss_interaction_get_hands (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, NULL);
  return interaction->hands;
}

static gboolean
find_hand (SsInteraction *interaction, const char *classroom, guint *index)
{
  for (guint i = 0; i < interaction->hands->len; i++)
    {
      SsRaisedHand *hand = g_ptr_array_index (interaction->hands, i);
      if (g_strcmp0 (hand->classroom, classroom) == 0)
        {
          *index = i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
ss_interaction_has_hand (SsInteraction *interaction, const char *classroom)
{
  g_return_val_if_fail (interaction != NULL, FALSE);

  guint index;
  return find_hand (interaction, classroom, &index);
}

GPtrArray *
ss_interaction_get_roster (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, NULL);
  return interaction->roster;
}

const SsRosterEntry *
ss_interaction_find (SsInteraction *interaction, const char *classroom)
{
  g_return_val_if_fail (interaction != NULL, NULL);

  for (guint i = 0; i < interaction->roster->len; i++)
    {
      SsRosterEntry *entry = g_ptr_array_index (interaction->roster, i);
      if (g_strcmp0 (entry->classroom, classroom) == 0)
        return entry;
    }
  return NULL;
}

const char *
ss_interaction_get_lead (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, NULL);

  for (guint i = 0; i < interaction->roster->len; i++)
    {
      SsRosterEntry *entry = g_ptr_array_index (interaction->roster, i);
      if (entry->role == SS_ROLE_LEAD)
        return entry->classroom;
    }
  return NULL;
}

/* ---- Presence ---------------------------------------------------------- */

SsInteractionChanges
ss_interaction_connect (SsInteraction *interaction,
                        const char *classroom,
                        SsRole role)
{
  g_return_val_if_fail (interaction != NULL, SS_INTERACTION_CHANGED_NONE);
  g_return_val_if_fail (classroom != NULL, SS_INTERACTION_CHANGED_NONE);

  SsRosterEntry *entry =
      (SsRosterEntry *) ss_interaction_find (interaction, classroom);
  if (entry == NULL)
    entry = add_roster_entry (interaction, classroom, role);

  entry->n_connections++;
  return entry->n_connections == 1 ? SS_INTERACTION_CHANGED_ROSTER
                                   : SS_INTERACTION_CHANGED_NONE;
}

SsInteractionChanges
ss_interaction_disconnect (SsInteraction *interaction, const char *classroom)
{
  g_return_val_if_fail (interaction != NULL, SS_INTERACTION_CHANGED_NONE);

  SsRosterEntry *entry =
      (SsRosterEntry *) ss_interaction_find (interaction, classroom);
  if (entry == NULL || entry->n_connections == 0)
    {
      g_warning ("classroom=%s: disconnected without a connection counted",
                 classroom != NULL ? classroom : "-");
      return SS_INTERACTION_CHANGED_NONE;
    }

  entry->n_connections--;
  if (entry->n_connections > 0)
    return SS_INTERACTION_CHANGED_NONE;

  SsInteractionChanges changes = SS_INTERACTION_CHANGED_ROSTER;
  if (g_strcmp0 (interaction->floor, classroom) == 0)
    changes |= ss_interaction_revoke_floor (interaction);
  return changes;
}

/* ---- Who may do what --------------------------------------------------- */

static gboolean
check_target (SsInteraction *interaction,
              Rule rule,
              const Permission *permission,
              SsRole role,
              const char *sender_classroom,
              const char *target,
              GError **error)
{
  const SsRosterEntry *entry = ss_interaction_find (interaction, target);

  switch (rule)
    {
    case RULE_FORBIDDEN:
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_FORBIDDEN,
                   "a %s classroom may not %s", ss_role_to_string (role),
                   permission->request);
      return FALSE;

    case RULE_ANY:
      if (target == NULL || entry != NULL)
        return TRUE;
      break;

    case RULE_OWN:
      if (target == NULL || g_strcmp0 (target, sender_classroom) == 0)
        return TRUE;
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_FORBIDDEN,
                   "classroom %s may %s for itself only, not for %s",
                   sender_classroom, permission->request, target);
      return FALSE;

    case RULE_LEAD:
      {
        const char *lead = ss_interaction_get_lead (interaction);
        if (target != NULL && lead != NULL && g_strcmp0 (target, lead) == 0
            && g_strcmp0 (target, sender_classroom) != 0)
          return TRUE;
        g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_FORBIDDEN,
                     "a remote classroom may %s to the lead's classroom %s "
                     "only, not to %s",
                     permission->request, lead != NULL ? lead : "(none yet)",
                     target != NULL ? target : "(none)");
        return FALSE;
      }

    case RULE_REMOTE:
    case RULE_PRESENT_REMOTE:
      if (entry != NULL && entry->role == SS_ROLE_REMOTE
          && (rule == RULE_REMOTE || entry->n_connections > 0))
        return TRUE;
      if (entry != NULL && entry->role == SS_ROLE_REMOTE)
        {
          g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                       "classroom %s has no connection in the lesson", target);
          return FALSE;
        }
      g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
                   "%s is not a remote classroom of the lesson",
                   target != NULL ? target : "(none)");
      return FALSE;
    }

  g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_BAD_MESSAGE,
               "classroom %s is not in the lesson", target);
  return FALSE;
}

gboolean
ss_interaction_authorize (SsInteraction *interaction,
                          SsInteractionAction action,
                          SsRole role,
                          const char *sender_classroom,
                          const char *target,
                          GError **error)
{
  g_return_val_if_fail (interaction != NULL, FALSE);
  g_return_val_if_fail ((guint) action < G_N_ELEMENTS (permissions), FALSE);

  const Permission *permission = &permissions[action];
  Rule rule = role == SS_ROLE_LEAD ? permission->lead : permission->remote;
  return check_target (interaction, rule, permission, role, sender_classroom,
                       target, error);
}

/* ---- Changes ----------------------------------------------------------- */

SsInteractionChanges
ss_interaction_raise_hand (SsInteraction *interaction,
                           const char *classroom,
                           gint64 now_us)
{
  g_return_val_if_fail (interaction != NULL, SS_INTERACTION_CHANGED_NONE);
  g_return_val_if_fail (classroom != NULL, SS_INTERACTION_CHANGED_NONE);

  if (ss_interaction_has_hand (interaction, classroom))
    return SS_INTERACTION_CHANGED_NONE;

  SsRaisedHand *hand = g_new0 (SsRaisedHand, 1);
  *hand = (SsRaisedHand){
    .classroom = g_strdup (classroom),
    .raised_us = now_us,
  };
  g_ptr_array_add (interaction->hands, hand);
  return SS_INTERACTION_CHANGED_HANDS | SS_INTERACTION_CHANGED_ROSTER;
}

SsInteractionChanges
ss_interaction_lower_hand (SsInteraction *interaction, const char *classroom)
{
  g_return_val_if_fail (interaction != NULL, SS_INTERACTION_CHANGED_NONE);

  guint index;
  if (!find_hand (interaction, classroom, &index))
    return SS_INTERACTION_CHANGED_NONE;

  /* Removing in place keeps the others in the order they were raised. */
  g_ptr_array_remove_index (interaction->hands, index);
  return SS_INTERACTION_CHANGED_HANDS | SS_INTERACTION_CHANGED_ROSTER;
}

SsInteractionChanges
ss_interaction_grant_floor (SsInteraction *interaction,
                            const char *classroom,
                            gint64 now_us)
{
  g_return_val_if_fail (interaction != NULL, SS_INTERACTION_CHANGED_NONE);
  g_return_val_if_fail (classroom != NULL, SS_INTERACTION_CHANGED_NONE);

  SsInteractionChanges changes =
      ss_interaction_lower_hand (interaction, classroom);
  if (g_strcmp0 (interaction->floor, classroom) == 0)
    return changes;

  g_free (interaction->floor);
  interaction->floor = g_strdup (classroom);
  interaction->floor_since_us = now_us;
  return changes | SS_INTERACTION_CHANGED_FLOOR
         | SS_INTERACTION_CHANGED_ROSTER;
}

SsInteractionChanges
ss_interaction_revoke_floor (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, SS_INTERACTION_CHANGED_NONE);

  if (interaction->floor == NULL)
    return SS_INTERACTION_CHANGED_NONE;

  g_clear_pointer (&interaction->floor, g_free);
  interaction->floor_since_us = 0;
  return SS_INTERACTION_CHANGED_FLOOR | SS_INTERACTION_CHANGED_ROSTER;
}

SsInteractionChanges
ss_interaction_set_phase (SsInteraction *interaction,
                          SsClassPhase phase,
                          gint64 now_us)
{
  g_return_val_if_fail (interaction != NULL, SS_INTERACTION_CHANGED_NONE);

  if (interaction->phase == phase)
    return SS_INTERACTION_CHANGED_NONE;

  interaction->phase = phase;
  interaction->phase_since_us = now_us;
  return SS_INTERACTION_CHANGED_PHASE;
}

SsInteractionChanges
ss_interaction_confirm_attendance (SsInteraction *interaction,
                                   const char *classroom,
                                   gint64 students)
{
  g_return_val_if_fail (interaction != NULL, SS_INTERACTION_CHANGED_NONE);

  SsRosterEntry *entry =
      (SsRosterEntry *) ss_interaction_find (interaction, classroom);
  g_return_val_if_fail (entry != NULL, SS_INTERACTION_CHANGED_NONE);

  gint64 new_students = students >= 0 ? students : entry->students;
  if (entry->confirmed && entry->students == new_students)
    return SS_INTERACTION_CHANGED_NONE;

  entry->confirmed = TRUE;
  entry->students = new_students;
  return SS_INTERACTION_CHANGED_ROSTER;
}

gint64
ss_interaction_peek_chat_seq (SsInteraction *interaction)
{
  g_return_val_if_fail (interaction != NULL, 0);
  return interaction->last_chat_seq + 1;
}

void
ss_interaction_commit_chat_seq (SsInteraction *interaction, gint64 seq)
{
  g_return_if_fail (interaction != NULL);

  if (seq > interaction->last_chat_seq)
    interaction->last_chat_seq = seq;
}
