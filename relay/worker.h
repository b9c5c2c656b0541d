/* A relay worker: one thread with its own GMainContext and one UDP socket
 * that every transport of the worker shares. Lessons are placed on one
 * worker and never move, so nothing on the packet path takes a lock.
 *
 * Functions marked "worker thread" may only be called from the worker's
 * own context (requests reach it through g_main_context_invoke).
 */
#pragma once

#include "address.h"
#include "ss-relay.h"
#include "transport/dtls.h"

#include <jansson.h>

G_BEGIN_DECLS

typedef struct _SsWorker SsWorker;
typedef struct _SsPeer SsPeer;

/* Called on the worker thread when a transport connects or closes by
 * itself; the relay moves it to the caller's context. */
typedef void (*SsWorkerEventFunc) (SsWorker *worker, const char *lesson_id,
                                   const char *peer_id, SsRelayPeerEvent event,
                                   const char *reason, gpointer user_data);

typedef struct {
  guint index;
  const char *bind_address;
  const char *const *announced_addresses;
  guint16 port;
  SsDtlsCertificate *certificate;
  SsWorkerEventFunc event_func;
  gpointer event_data;
} SsWorkerConfig;

/* Binds the socket and starts the thread. */
SsWorker *ss_worker_new (const SsWorkerConfig *config, GError **error);
/* Stops the thread (closing every transport) and frees the worker. */
void ss_worker_free (SsWorker *worker);
GMainContext *ss_worker_get_context (SsWorker *worker);
guint16 ss_worker_get_port (SsWorker *worker);

/* Worker thread: the requests of ss-relay.h. */
char *ss_worker_publish (SsWorker *worker, const char *lesson_id,
                         const char *peer_id, const char *source,
                         const char *offer_sdp, GError **error);
/* *n_slots is set to the subscription's number of slots (0 on failure). */
char *ss_worker_subscribe (SsWorker *worker, const char *lesson_id,
                           const char *peer_id, const char *offer_sdp,
                           const char *const *sources, guint n_sources,
                           guint *n_slots, GError **error);
void ss_worker_set_sources (SsWorker *worker, const char *lesson_id,
                            const char *peer_id, const char *const *sources,
                            guint n_sources);
void ss_worker_close_peer (SsWorker *worker, const char *lesson_id,
                           const char *peer_id);
void ss_worker_close_lesson (SsWorker *worker, const char *lesson_id);
/* A statistics snapshot: {"worker": {...}, "lessons": [...]} (see
 * ss_relay_get_stats). */
json_t *ss_worker_get_stats (SsWorker *worker);

/* Worker thread: services for the worker's peers. */
void ss_worker_send_now (SsWorker *worker, const guint8 *data, gsize len,
                         const struct sockaddr *addr, socklen_t addr_len);
guint8 *ss_worker_reserve_send_buffer (SsWorker *worker, gsize *cap);
void ss_worker_commit_send_buffer (SsWorker *worker, gsize len,
                                   const struct sockaddr *addr,
                                   socklen_t addr_len);
void ss_worker_register_address (SsWorker *worker, const SsAddress *address,
                                 SsPeer *peer);
void ss_worker_unregister_address (SsWorker *worker, const SsAddress *address,
                                   SsPeer *peer);
void ss_worker_on_peer_connected (SsWorker *worker, SsPeer *peer);
/* The peer's transport closed by itself; the worker frees it after the
 * current packet batch. */
void ss_worker_on_peer_closed (SsWorker *worker, SsPeer *peer,
                               const char *reason);

G_END_DECLS
