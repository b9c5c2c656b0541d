/* The interaction state of one lesson (protocol/README.md, "Interaction"):
 * the roster of classrooms with their presence and attendance, the queue of
 * raised hands, the floor holder, the lesson phase, and the table of who
 * may do what. It does no I/O and reads no clock: every time is passed in,
 * in microseconds since the epoch.
 */
#pragma once

#include <glib.h>

#include "ss-message.h"

G_BEGIN_DECLS

typedef struct _SsInteraction SsInteraction;

/* One classroom of the lesson's roster. */
typedef struct {
  char *classroom;
  SsRole role;
  /* Connections of the classroom in the lesson; present while above 0. */
  guint n_connections;
  /* Its teacher sent attendance.confirm in this lesson. */
  gboolean confirmed;
  /* Students present as confirmed, or -1 when not given. */
  gint64 students;
} SsRosterEntry;

/* One raised hand of the queue. */
typedef struct {
  char *classroom;
  gint64 raised_us;
} SsRaisedHand;

/* The interaction requests, as the who-may-do-what table lists them. */
typedef enum {
  SS_INTERACTION_CHAT,               /* chat.send to the whole lesson */
  SS_INTERACTION_CHAT_PRIVATE,       /* chat.send with "to" */
  SS_INTERACTION_HAND_RAISE,
  SS_INTERACTION_HAND_LOWER,
  SS_INTERACTION_FLOOR_GRANT,
  SS_INTERACTION_FLOOR_REVOKE,
  SS_INTERACTION_PHASE_SET,
  SS_INTERACTION_ATTENDANCE_CONFIRM,
} SsInteractionAction;

/* What a change touched, so the caller knows which events to send. The
 * roster carries each classroom's hand and floor flags, so a change of the
 * hands or the floor also changes the roster. */
typedef enum {
  SS_INTERACTION_CHANGED_NONE = 0,
  SS_INTERACTION_CHANGED_HANDS = 1 << 0,
  SS_INTERACTION_CHANGED_FLOOR = 1 << 1,
  SS_INTERACTION_CHANGED_PHASE = 1 << 2,
  SS_INTERACTION_CHANGED_ROSTER = 1 << 3,
} SsInteractionChanges;

/* Creates the state of a lesson that starts at @now_us in the teaching
 * phase. A timetable lesson passes its lead and remote classrooms, and the
 * roster lists them from the start. An ad-hoc lesson passes NULL for both,
 * and its roster lists the classrooms as they join. */
SsInteraction *ss_interaction_new (const char *lead,
                                   const char *const *remotes,
                                   gint64 now_us);
void ss_interaction_free (SsInteraction *interaction);

/* The floor holder's classroom id, or NULL while nobody holds it. */
const char *ss_interaction_get_floor (SsInteraction *interaction);
/* When the floor was granted; 0 while nobody holds it. */
gint64 ss_interaction_get_floor_since (SsInteraction *interaction);

SsClassPhase ss_interaction_get_phase (SsInteraction *interaction);
gint64 ss_interaction_get_phase_since (SsInteraction *interaction);

/* Element type SsRaisedHand, oldest first; borrowed. */
GPtrArray *ss_interaction_get_hands (SsInteraction *interaction);
gboolean ss_interaction_has_hand (SsInteraction *interaction,
                                  const char *classroom);

/* Element type SsRosterEntry, the lead first, then the remote classrooms
 * in timetable order or in the order they joined; borrowed. */
GPtrArray *ss_interaction_get_roster (SsInteraction *interaction);
/* The roster entry of @classroom, or NULL. */
const SsRosterEntry *ss_interaction_find (SsInteraction *interaction,
                                          const char *classroom);
/* The lead's classroom: the timetable's, or the first lead to join an
 * ad-hoc lesson; NULL before that. */
const char *ss_interaction_get_lead (SsInteraction *interaction);

/* Counts a connection of @classroom into the lesson. A classroom not on the
 * roster is added with @role (ad-hoc lessons). */
SsInteractionChanges ss_interaction_connect (SsInteraction *interaction,
                                             const char *classroom,
                                             SsRole role);
/* Counts a connection out. When it was the classroom's last and the
 * classroom held the floor, the floor goes back to nobody. A raised hand
 * stays, so a page that reloads keeps its place in the queue. */
SsInteractionChanges ss_interaction_disconnect (SsInteraction *interaction,
                                                const char *classroom);

/* Checks @action against the who-may-do-what table for a sender of @role
 * from @sender_classroom. @target is the classroom the request names, or
 * NULL when it names none (the sender's own then, where that applies).
 * FORBIDDEN in SS_PROTOCOL_ERROR means the role may not do it, or may do it
 * only for another classroom. BAD_MESSAGE means @target is not a classroom
 * the action can name: not on the roster, or not present for floor.grant. */
gboolean ss_interaction_authorize (SsInteraction *interaction,
                                   SsInteractionAction action,
                                   SsRole role,
                                   const char *sender_classroom,
                                   const char *target,
                                   GError **error);

/* The changes below take an authorized request and return what changed;
 * raising a raised hand and the like change nothing. */
SsInteractionChanges ss_interaction_raise_hand (SsInteraction *interaction,
                                                const char *classroom,
                                                gint64 now_us);
SsInteractionChanges ss_interaction_lower_hand (SsInteraction *interaction,
                                                const char *classroom);
/* Replaces any earlier grant and lowers the new holder's hand. */
SsInteractionChanges ss_interaction_grant_floor (SsInteraction *interaction,
                                                 const char *classroom,
                                                 gint64 now_us);
SsInteractionChanges ss_interaction_revoke_floor (SsInteraction *interaction);
SsInteractionChanges ss_interaction_set_phase (SsInteraction *interaction,
                                               SsClassPhase phase,
                                               gint64 now_us);
/* @students is -1 when not given, which keeps an earlier count. */
SsInteractionChanges ss_interaction_confirm_attendance (
    SsInteraction *interaction,
    const char *classroom,
    gint64 students);

/* Returns the sequence number the next chat message gets. */
gint64 ss_interaction_peek_chat_seq (SsInteraction *interaction);
/* Records @seq as given, once its message is stored or when the log is
 * read back after a restart. The next number follows the highest one
 * recorded. */
void ss_interaction_commit_chat_seq (SsInteraction *interaction, gint64 seq);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsInteraction, ss_interaction_free)

G_END_DECLS
