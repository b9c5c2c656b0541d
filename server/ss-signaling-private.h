/* Private to the signaling core's files: the state of sessions and
 * lessons, shared by ss-signaling.c (requests and events),
 * ss-signaling-sources.c (subscription slots), ss-signaling-interaction.c
 * (the interaction channel) and ss-signaling-view.c (the admin API's
 * read-only view). */
#pragma once

#include "ss-interaction-log.h"
#include "ss-interaction.h"
#include "ss-rate-limit.h"
#include "ss-signaling-interaction.h"
#include "ss-signaling.h"

/* Logs in the including file's domain with the session's ids first. */
#define SESSION_LOG(level, session, format, ...)                              \
  g_log (G_LOG_DOMAIN, level, "session=%s classroom=%s lesson=%s: " format,  \
         (session)->id,                                                       \
         (session)->classroom != NULL ? (session)->classroom : "-",           \
         (session)->lesson != NULL ? (session)->lesson->id : "-",             \
         ##__VA_ARGS__)

typedef struct {
  char *id;
  /* Sessions in join order; the lesson is forgotten when this empties. */
  GPtrArray *members;
  /* The lead whose publish went to the relay, answered or not. */
  SsSession *publisher;
  /* Set when the publisher's answer was sent, cleared when it goes. */
  gboolean live;
  /* A timetable lesson: kept while it has no member. */
  gboolean kept;
  /* The classroom of the first lead that joined: only its connections may
   * join as lead, so a remote teacher cannot take the lead's controls by
   * saying hello as lead. NULL until a lead joins. */
  char *lead_classroom;
  /* Remote sessions whose return feed went to the relay, in the order they
   * were published: the lead's return slots follow this order. */
  GPtrArray *return_publishers;
  /* Roster, hands, floor and phase (ss-signaling-interaction.c); NULL once
   * the lesson ends. */
  SsInteraction *interaction;
  /* The run the interaction log files the lesson under: a timetable run's
   * start, or when an ad-hoc lesson was created (seconds since the epoch),
   * and the UTC offset its times are written with. */
  gint64 run_start;
  int utc_offset_s;
} SsLesson;

/* One message in a session's outbox; message is NULL while it waits for the
 * relay's answer. */
typedef struct {
  json_t *message;
} SsOutboxEntry;

/* A session's two media transports with the relay: what it sends (the
 * lead's main stream, a remote's return feed) and what it receives. */
typedef enum {
  SS_TRANSPORT_PUBLISH,
  SS_TRANSPORT_SUBSCRIBE,
  SS_TRANSPORT_COUNT,
} SsTransportKind;

typedef struct {
  /* TRUE from the publish or subscribe until the relay peer is closed. */
  gboolean open;
  /* Bumped whenever the transport is replaced or closed, so an answer to
   * an older request is known to be stale. */
  guint64 epoch;
  /* Subscriptions: the slots the relay answered with (0 until then) and
   * the classroom each one carries now (NULL: idle). */
  guint n_slots;
  char *slots[SS_RELAY_MAX_SLOTS];
} SsTransport;

/* A publish or subscribe sent to the relay and not answered yet. */
typedef struct {
  SsMessageType type;
  gint64 request_id;
  char *lesson_id;
  SsTransportKind transport;
  /* The transport's epoch when the request was sent. */
  guint64 epoch;
  /* Owned by the session's outbox. */
  SsOutboxEntry *reply;
} SsRelayRequest;

struct _SsSession {
  char *id;
  gpointer connection;
  gint64 opened_us;
  char *peer_address;

  gboolean greeted;
  SsRole role;
  char *classroom;
  /* hello's "agent" member, or NULL. */
  char *agent;
  /* hello's "client" member. */
  SsClientKind client;
  SsLesson *lesson;
  /* The interaction requests' limits, stored by value with nothing to
   * free. */
  SsRateLimit rate_limit;

  SsTransport transports[SS_TRANSPORT_COUNT];

  GQueue relay_requests;  /* SsRelayRequest *, in the order sent */
  GQueue outbox;          /* SsOutboxEntry *, in the order to send */
};

struct _SsSignaling {
  SsSignalingRelayOps relay_ops;
  SsRelay *relay;
  SsSignalingSendFunc send_func;
  gpointer send_data;
  SsSignalingCloseFunc close_func;
  SsSignalingPolicy policy;
  gpointer policy_data;
  char *server_name;

  GHashTable *sessions;  /* id -> SsSession *, owned */
  GHashTable *lessons;   /* id -> SsLesson *, owned */
  /* classroom -> SsDeparture *, owned: the last session of each classroom
   * that has gone, for the admin API's offline list. */
  GHashTable *departures;
  guint64 next_session_number;

  /* The interaction channel (ss-signaling-interaction.c): the log of every
   * lesson's chat, hands, floor, phase and attendance (owned, opened in
   * memory when none was set), and the wall clock for their times. */
  SsInteractionLog *interaction_log;
  SsSignalingClockFunc clock_func;
  gpointer clock_data;
};

/* What the admin API shows of a classroom whose session closed. */
typedef struct {
  SsRole role;
  char *agent;
  char *lesson;
  gint64 closed_us;
} SsDeparture;

/* Returns the relay's peer id of a session's transport. The lead's main
 * stream and a remote's subscription use the session id, which the admin
 * API shows as the classroom's link. A remote's return feed appends
 * "/return" and the lead's subscription "/feeds". Free with g_free. */
char *ss_session_transport_peer_id (const SsSession *session,
                                    SsTransportKind kind);

/* Queues message (consumed) on the session's outbox, behind any reply that
 * still waits for the relay. */
void ss_signaling_send_owned (SsSignaling *signaling,
                              SsSession *session,
                              json_t *message);

/* Fills sources (SS_RELAY_MAX_SLOTS entries) with the classrooms the
 * session's subscription slots carry now and returns how many slots that
 * is: for a remote the lead and the floor holder, for the lead the return
 * feeds, the floor holder's first. */
guint ss_signaling_choose_sources (SsSignaling *signaling,
                                   SsSession *session,
                                   const char **sources);

/* Binds every subscription of the lesson to the sources the floor and the
 * return feeds call for, and sends a `feeds` event to each client whose
 * binding changed. Called whenever the floor or a return feed changes. */
void ss_signaling_update_sources (SsSignaling *signaling, SsLesson *lesson);

/* The interaction channel's part of the core (ss-signaling-interaction.c),
 * called from ss-signaling.c. */

/* Creates @lesson's interaction state, with the roster and run the policy
 * gives for a timetable lesson, and restores that run's events from the
 * log. */
void ss_signaling_interaction_create (SsSignaling *signaling,
                                      SsLesson *lesson);
/* Counts @session, which has just become a member, into its lesson's
 * roster and sends the other members the roster when it changed. */
void ss_signaling_interaction_joined (SsSignaling *signaling,
                                      SsSession *session);
/* Sends @session its lesson's lesson.state; call it right after the
 * lesson.join result. */
void ss_signaling_interaction_send_state (SsSignaling *signaling,
                                          SsSession *session);
/* Counts @session out of @lesson's roster after it left. The floor is
 * revoked when its holder's last connection left. */
void ss_signaling_interaction_left (SsSignaling *signaling,
                                    SsSession *session,
                                    SsLesson *lesson);
/* Drops @lesson's interaction state when it ends, so the members leaving
 * after lesson.ended get no roster or floor event of it. */
void ss_signaling_interaction_end (SsSignaling *signaling, SsLesson *lesson);
/* Handles chat.send, hand.*, floor.*, phase.set and attendance.confirm;
 * returns FALSE for any other type. */
gboolean ss_signaling_handle_interaction (SsSignaling *signaling,
                                          SsSession *session,
                                          const SsMessage *message);
/* Frees what ss-signaling-interaction.c keeps in @signaling. */
void ss_signaling_interaction_clear (SsSignaling *signaling);
