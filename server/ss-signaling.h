/* The signaling core: sessions, lessons and the requests of protocol/README.md,
 * apart from any socket. The websocket shell feeds it received messages and
 * delivers what it sends; the media plane is reached through a table of
 * function pointers shaped like relay/ss-relay.h, so tests can record the
 * calls and answer them by hand.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "ss-message.h"
#include "ss-relay.h"

G_BEGIN_DECLS

typedef struct _SsSignaling SsSignaling;
typedef struct _SsSession SsSession;

/* The relay functions the core calls. The executable fills it with the
 * ss_relay_* functions; a test fills it with a recording double. */
typedef struct {
  void (*publish) (SsRelay *relay,
                   const char *lesson_id,
                   const char *peer_id,
                   const char *source,
                   const char *offer_sdp,
                   SsRelayAnswerFunc answer_func,
                   gpointer user_data);
  void (*subscribe) (SsRelay *relay,
                     const char *lesson_id,
                     const char *peer_id,
                     const char *offer_sdp,
                     const char *const *sources,
                     guint n_sources,
                     SsRelayAnswerFunc answer_func,
                     gpointer user_data);
  void (*set_sources) (SsRelay *relay,
                       const char *lesson_id,
                       const char *peer_id,
                       const char *const *sources,
                       guint n_sources);
  void (*close_peer) (SsRelay *relay,
                      const char *lesson_id,
                      const char *peer_id);
  void (*close_lesson) (SsRelay *relay, const char *lesson_id);
  /* The domain of the relay's GErrors, SS_RELAY_ERROR for the real relay. */
  GQuark (*error_quark) (void);
} SsSignalingRelayOps;

/* Delivers @message (borrowed) to the connection a session was opened with.
 * It must not call back into the core: the core may be in the middle of
 * walking a lesson's members. */
typedef void (*SsSignalingSendFunc) (gpointer connection,
                                     json_t *message,
                                     gpointer user_data);

/* Closes a connection once the messages already queued on it are written.
 * Like the send function, it must not call back into the core. */
typedef void (*SsSignalingCloseFunc) (gpointer connection, gpointer user_data);

/* A timetable lesson's classrooms and run, as the policy reads them from
 * the timetable, for the lesson's roster and interaction log. */
typedef struct {
  char *lead;
  GStrv remotes;
  /* The live run's start, seconds since the epoch. */
  gint64 run_start;
  /* The offset the timetable shows the lesson's times with. */
  int utc_offset_s;
} SsSignalingLessonPlan;

/* Lesson policy above the protocol rules: credentials and the timetable.
 * Every member may be NULL, which allows the request (an open server, as
 * the core's unit tests use). A hook that rejects sets @error in
 * SS_PROTOCOL_ERROR; its code and message go to the client. */
typedef struct {
  /* Checks hello's token against its role and classroom. A rejection is
   * answered with the error, then the connection is closed. */
  gboolean (*authorize_hello) (gpointer policy_data,
                               const SsMessage *hello,
                               GError **error);
  /* Checks that @session may join @lesson_id. */
  gboolean (*authorize_join) (gpointer policy_data,
                              SsSession *session,
                              const char *lesson_id,
                              GError **error);
  /* Called after a hello was accepted and answered, so the policy can push
   * schedule and lesson.starting. */
  void (*greeted) (gpointer policy_data, SsSession *session);
  /* Ends the lead's lesson early (lesson.end). The hook records it and
   * calls ss_signaling_end_lesson() itself; without a hook the core ends
   * the lesson. */
  gboolean (*end_lesson) (gpointer policy_data,
                          SsSession *session,
                          const char *lesson_id,
                          GError **error);
  /* Fills @plan for a timetable lesson, whose strings then belong to the
   * caller, and returns TRUE; returns FALSE for an ad-hoc lesson. Called
   * when the core creates the lesson. */
  gboolean (*plan_lesson) (gpointer policy_data,
                           const char *lesson_id,
                           SsSignalingLessonPlan *plan);
} SsSignalingPolicy;

typedef struct {
  const SsSignalingRelayOps *relay_ops;
  SsRelay *relay;
  SsSignalingSendFunc send_func;
  gpointer send_data;
  /* NULL leaves rejected connections open. Called with send_data. */
  SsSignalingCloseFunc close_func;
  const SsSignalingPolicy *policy;
  gpointer policy_data;
  /* Reported in hello results, e.g. "shuangshi-server/0.1.0". */
  const char *server_name;
} SsSignalingConfig;

SsSignaling *ss_signaling_new (const SsSignalingConfig *config);
void ss_signaling_free (SsSignaling *signaling);

/* Creates the session of a new connection. @now_us (any monotonic clock)
 * only serves the lifetime written in the log when the session closes. */
SsSession *ss_signaling_open_session (SsSignaling *signaling,
                                      gpointer connection,
                                      gint64 now_us);

/* Ends a session whose connection is gone: leaves its lesson (so remotes get
 * lesson.offline with reason "disconnected" when it was the publishing
 * lead), closes its relay peer and frees it. Relay answers that arrive later
 * for it are dropped. */
void ss_signaling_close_session (SsSignaling *signaling,
                                 SsSession *session,
                                 gint64 now_us);

/* Parses one received text message and handles it. An invalid message gets
 * an error reply. */
void ss_signaling_receive (SsSignaling *signaling,
                           SsSession *session,
                           const char *data,
                           gsize length);

void ss_signaling_handle_message (SsSignaling *signaling,
                                  SsSession *session,
                                  const SsMessage *message);

/* Feeds a relay peer event (see SsRelayPeerEventFunc); the peer id is the
 * session id. */
void ss_signaling_handle_peer_event (SsSignaling *signaling,
                                     const char *lesson_id,
                                     const char *peer_id,
                                     SsRelayPeerEvent event,
                                     const char *reason);

const char *ss_session_get_id (const SsSession *session);
/* NULL before hello. */
const char *ss_session_get_classroom (const SsSession *session);
SsRole ss_session_get_role (const SsSession *session);
/* The peer's address as the shell saw it, for log lines; "-" when unset. */
void ss_session_set_peer_address (SsSession *session, const char *address);
const char *ss_session_get_peer_address (const SsSession *session);

/* Sends @message (borrowed) to the session. */
void ss_signaling_send (SsSignaling *signaling,
                        SsSession *session,
                        const json_t *message);

/* Sends @message (borrowed) to every greeted session of @classroom and
 * returns how many got it. */
guint ss_signaling_send_to_classroom (SsSignaling *signaling,
                                      const char *classroom,
                                      const json_t *message);

/* Creates the lesson @lesson_id if needed and keeps it while it has no
 * member, so classrooms can join a timetable lesson before its lead and
 * rejoin it after a server restart. */
void ss_signaling_keep_lesson (SsSignaling *signaling, const char *lesson_id);

/* Sends lesson.ended with @reason to every member of @lesson_id, takes them
 * out of it (closing their media transports) and forgets the lesson.
 * Returns how many members it had; an unknown lesson is not an error. */
guint ss_signaling_end_lesson (SsSignaling *signaling,
                               const char *lesson_id,
                               SsEndedReason reason);

guint ss_signaling_get_n_sessions (const SsSignaling *signaling);
guint ss_signaling_get_n_lessons (const SsSignaling *signaling);

/* Returns (transfer full) the core's live state for the admin API:
 * {"lessons": [{"lesson", "live", "lead", "sessions": [session ids]}],
 *  "classrooms": [{"classroom", "role", "agent", "lesson", "online",
 *                  "seconds_since_seen", and when online "session" and
 *                  "media"}]}.
 * Offline entries are the last session of each classroom that closed, with
 * the seconds from its close to @now_us (the clock of close_session). */
json_t *ss_signaling_dump_live (const SsSignaling *signaling, gint64 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsSignaling, ss_signaling_free)

G_END_DECLS
