/* The interaction log: each lesson run's chat, hands, floor, phase and
 * attendance, in SQLite, so a reloaded page gets the chat back, a server
 * restart keeps a timetable run's state, and a technician can review a
 * lesson afterwards (`shuangshi lesson log`).
 */
#pragma once

#include <glib.h>

#include "ss-message.h"

G_BEGIN_DECLS

#define SS_INTERACTION_LOG_ERROR (ss_interaction_log_error_quark ())
GQuark ss_interaction_log_error_quark (void);

typedef enum {
  SS_INTERACTION_LOG_ERROR_DATABASE,  /* SQLite failed */
  SS_INTERACTION_LOG_ERROR_CORRUPT,   /* a stored row is not one this
                                         server writes */
} SsInteractionLogError;

typedef enum {
  SS_LOG_EVENT_CHAT,
  SS_LOG_EVENT_HAND_RAISE,
  SS_LOG_EVENT_HAND_LOWER,
  SS_LOG_EVENT_FLOOR_GRANT,
  SS_LOG_EVENT_FLOOR_REVOKE,
  SS_LOG_EVENT_PHASE,
  SS_LOG_EVENT_ATTENDANCE,
} SsLogEventKind;

/* "chat", "hand.raise", "hand.lower", "floor.grant", "floor.revoke",
 * "phase", "attendance": the names the admin API and the database use. */
const char *ss_log_event_kind_to_string (SsLogEventKind kind);

/* One event. The strings are borrowed. */
typedef struct {
  SsLogEventKind kind;
  /* When the server took the request, microseconds since the epoch. */
  gint64 at_us;
  /* The classroom whose request it was, with that connection's role and
   * client kind; NULL when the server itself made the change (the floor
   * went back to nobody because its holder left). */
  const char *actor;
  SsRole actor_role;
  SsClientKind actor_client;
  /* The classroom the event is about: the hand's, the floor's new holder,
   * the attendance's, or the other classroom of a private chat message.
   * NULL for a chat message to the whole lesson, floor.revoke and phase. */
  const char *classroom;
  /* chat: the sequence number and the trimmed text. */
  gint64 seq;
  const char *text;
  /* phase: the new phase. */
  SsClassPhase phase;
  /* attendance: students present, -1 when not given. */
  gint64 students;
} SsLogEvent;

/* Events read back, oldest first; the strings live in @strings. */
typedef struct {
  GArray *events;  /* SsLogEvent */
  GStringChunk *strings;
} SsLogEventList;

void ss_log_event_list_free (SsLogEventList *list);

/* One run of a lesson: a timetable run, or one life of an ad-hoc lesson
 * from its creation until its last member left. */
typedef struct {
  gint64 run_start;   /* seconds since the epoch */
  int utc_offset_s;   /* the offset its times are shown with */
  gboolean timetable;
} SsLogRun;

typedef struct _SsInteractionLog SsInteractionLog;

/* Opens or creates the log's tables in the database at @path (the
 * timetable's file, or ":memory:") and brings them to the latest schema
 * version. */
SsInteractionLog *ss_interaction_log_open (const char *path, GError **error);
void ss_interaction_log_free (SsInteractionLog *log);

/* Records a run of @lesson_id. A run recorded before keeps its first
 * record. @added (may be NULL) is set to TRUE when this call added it. */
gboolean ss_interaction_log_add_run (SsInteractionLog *log,
                                     const char *lesson_id,
                                     const SsLogRun *run,
                                     gboolean *added,
                                     GError **error);

/* Appends @event to the run, which must have been added. */
gboolean ss_interaction_log_append (SsInteractionLog *log,
                                    const char *lesson_id,
                                    gint64 run_start,
                                    const SsLogEvent *event,
                                    GError **error);

/* Every event of one run, oldest first: an empty list for a run without
 * events, NULL with @error set on failure. */
SsLogEventList *ss_interaction_log_list_events (SsInteractionLog *log,
                                                const char *lesson_id,
                                                gint64 run_start,
                                                GError **error);

/* The last @max_messages chat messages of the run that @classroom may see
 * (those to the whole lesson, and the private ones it sent or received),
 * oldest first. */
SsLogEventList *ss_interaction_log_list_chat (SsInteractionLog *log,
                                              const char *lesson_id,
                                              gint64 run_start,
                                              const char *classroom,
                                              guint max_messages,
                                              GError **error);

/* The runs of @lesson_id, oldest first (element type SsLogRun); an empty
 * array for a lesson never logged. */
GArray *ss_interaction_log_list_runs (SsInteractionLog *log,
                                      const char *lesson_id,
                                      GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsInteractionLog, ss_interaction_log_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLogEventList, ss_log_event_list_free)

G_END_DECLS
