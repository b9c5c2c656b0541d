/* Private to the signaling core's files: the state of sessions and
 * lessons, shared by ss-signaling.c (requests and events) and
 * ss-signaling-view.c (the admin API's read-only view). */
#pragma once

#include "ss-signaling.h"

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
} SsLesson;

/* One message in a session's outbox; message is NULL while it waits for the
 * relay's answer. */
typedef struct {
  json_t *message;
} SsOutboxEntry;

/* A publish or subscribe sent to the relay and not answered yet. */
typedef struct {
  SsMessageType type;
  gint64 request_id;
  char *lesson_id;
  /* The session's media_epoch when the request was sent. */
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
  SsLesson *lesson;

  /* TRUE from a publish or subscribe until the relay peer is closed. */
  gboolean has_transport;
  /* Bumped whenever the session's media transport is replaced or closed,
   * so an answer to an older request is known to be stale. */
  guint64 media_epoch;

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
};

/* What the admin API shows of a classroom whose session closed. */
typedef struct {
  SsRole role;
  char *agent;
  char *lesson;
  gint64 closed_us;
} SsDeparture;
