/* The lesson's interaction state as this classroom sees it: phase, floor,
 * hand queue, chat, roster and the sources of its subscription slots, kept
 * from the server's events (protocol/README.md, "Interaction" and
 * `feeds`). No I/O: the agent feeds it events, and the unit tests feed it
 * JSON. */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

#define SS_AGENT_INTERACTION_ERROR (ss_agent_interaction_error_quark ())

typedef enum {
  /* A member is missing or has the wrong type or value. */
  SS_AGENT_INTERACTION_ERROR_INVALID,
} SsAgentInteractionError;

GQuark ss_agent_interaction_error_quark (void);

/* Chat messages kept for the stats file, newest last. */
#define SS_INTERACTION_CHAT_KEPT 50

typedef enum {
  SS_LESSON_PHASE_NONE,
  SS_LESSON_PHASE_TEACHING,
  SS_LESSON_PHASE_PRACTICE,
  SS_LESSON_PHASE_DISCUSSION,
} SsLessonPhase;

typedef struct {
  gint64 seq;
  char *from;
  /* The other classroom of a private message, or NULL. */
  char *to;
  char *text;
  /* Optional members; NULL when the event had none. */
  char *at;
  char *role;
  char *client;
} SsChatMessage;

typedef struct _SsAgentInteraction SsAgentInteraction;

SsAgentInteraction *ss_agent_interaction_new (void);
void ss_agent_interaction_free (SsAgentInteraction *interaction);
void ss_agent_interaction_reset (SsAgentInteraction *interaction);

gboolean ss_agent_interaction_is_event (const char *type);
gboolean ss_agent_interaction_apply_event (SsAgentInteraction *interaction,
                                     const char *type, json_t *message,
                                     GError **error);
gboolean ss_agent_interaction_apply_slots (SsAgentInteraction *interaction,
                                     json_t *slots, GError **error);

SsLessonPhase ss_agent_interaction_get_phase (SsAgentInteraction *interaction);
const char *ss_agent_interaction_get_floor (SsAgentInteraction *interaction);
guint ss_agent_interaction_get_n_hands (SsAgentInteraction *interaction);
const char *ss_agent_interaction_get_hand (SsAgentInteraction *interaction, guint index);
guint ss_agent_interaction_get_n_chat (SsAgentInteraction *interaction);
const SsChatMessage *ss_agent_interaction_get_chat (SsAgentInteraction *interaction,
                                              guint index);
guint ss_agent_interaction_get_n_notices (SsAgentInteraction *interaction);
const char *ss_agent_interaction_get_notice (SsAgentInteraction *interaction,
                                             guint index);
guint ss_agent_interaction_get_n_slots (SsAgentInteraction *interaction);
const char *ss_agent_interaction_get_slot (SsAgentInteraction *interaction, guint slot);

void ss_agent_interaction_add_to_json (SsAgentInteraction *interaction, json_t *object);
char *ss_agent_interaction_format_status (SsAgentInteraction *interaction);

SsLessonPhase ss_lesson_phase_from_string (const char *name);
const char *ss_lesson_phase_to_string (SsLessonPhase phase);
const char *ss_lesson_phase_label (SsLessonPhase phase);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsAgentInteraction, ss_agent_interaction_free)

G_END_DECLS
