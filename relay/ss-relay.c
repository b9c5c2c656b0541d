/* The relay's control API: requests from the caller's thread are handed to
 * the worker that owns the lesson with g_main_context_invoke, and replies
 * and events come back to the caller's GMainContext the same way.
 *
 * Lesson placement lives here, on the caller's thread: a new lesson goes to
 * the worker with the fewest lessons, and stays there.
 */
#define G_LOG_DOMAIN "ss-relay"

#include "ss-relay.h"

#include "transport/dtls.h"
#include "worker.h"

#include <sys/resource.h>
#include <unistd.h>

G_DEFINE_QUARK (ss-relay-error-quark, ss_relay_error)

/* What in-flight replies and events hold on to: the relay may be freed
 * while they wait in the caller's context, so they check `relay` first. */
typedef struct {
  gatomicrefcount ref_count;
  SsRelay *relay;
  GMainContext *caller_context;
} SsRelayShared;

struct _SsRelay {
  SsRelayShared *shared;
  GPtrArray *workers;           /* SsWorker, owned */
  GHashTable *lesson_workers;   /* lesson id -> worker index + 1 */
  guint *lessons_per_worker;
  SsRelayPeerEventFunc event_func;
  gpointer event_data;
};

static SsRelayShared *
shared_ref (SsRelayShared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (SsRelayShared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref_count))
    return;
  g_main_context_unref (shared->caller_context);
  g_free (shared);
}

typedef enum {
  REQUEST_PUBLISH,
  REQUEST_SUBSCRIBE,
  REQUEST_SET_SOURCES,
  REQUEST_CLOSE_PEER,
  REQUEST_CLOSE_LESSON,
} RequestType;

typedef struct {
  RequestType type;
  SsRelayShared *shared;
  SsWorker *worker;
  char *lesson_id;
  char *peer_id;
  char *source;                 /* publish */
  char *offer_sdp;
  char **sources;               /* subscribe, set sources: NULL entries idle */
  guint n_sources;
  SsRelayAnswerFunc answer_func;
  gpointer user_data;

  char *answer_sdp;
  guint n_slots;
  GError *error;
} Request;

static void
request_free (gpointer data)
{
  Request *request = data;

  shared_unref (request->shared);
  g_free (request->lesson_id);
  g_free (request->peer_id);
  g_free (request->source);
  g_free (request->offer_sdp);
  for (guint i = 0; i < request->n_sources; i++)
    g_free (request->sources[i]);
  g_free (request->sources);
  g_free (request->answer_sdp);
  g_clear_error (&request->error);
  g_free (request);
}

typedef struct {
  SsRelayShared *shared;
  char *lesson_id;
  char *peer_id;
  SsRelayPeerEvent event;
  char *reason;
} Event;

static void
event_free (gpointer data)
{
  Event *event = data;

  shared_unref (event->shared);
  g_free (event->lesson_id);
  g_free (event->peer_id);
  g_free (event->reason);
  g_free (event);
}

/* ---- caller's context ---- */

static gboolean
deliver_answer (gpointer data)
{
  Request *request = data;
  SsRelay *relay = request->shared->relay;

  if (relay != NULL)
    request->answer_func (relay, request->lesson_id, request->peer_id,
                          request->answer_sdp, request->n_slots,
                          request->error, request->user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
deliver_event (gpointer data)
{
  Event *event = data;
  SsRelay *relay = event->shared->relay;

  if (relay != NULL && relay->event_func != NULL)
    relay->event_func (relay, event->lesson_id, event->peer_id, event->event,
                       event->reason, relay->event_data);
  return G_SOURCE_REMOVE;
}

/* ---- worker's context ---- */

static gboolean
run_request (gpointer data)
{
  Request *request = data;

  switch (request->type)
    {
    case REQUEST_PUBLISH:
      request->answer_sdp =
          ss_worker_publish (request->worker, request->lesson_id,
                             request->peer_id, request->source,
                             request->offer_sdp, &request->error);
      break;
    case REQUEST_SUBSCRIBE:
      request->answer_sdp = ss_worker_subscribe (
          request->worker, request->lesson_id, request->peer_id,
          request->offer_sdp, (const char *const *) request->sources,
          request->n_sources, &request->n_slots, &request->error);
      break;
    case REQUEST_SET_SOURCES:
      ss_worker_set_sources (request->worker, request->lesson_id,
                             request->peer_id,
                             (const char *const *) request->sources,
                             request->n_sources);
      break;
    case REQUEST_CLOSE_PEER:
      ss_worker_close_peer (request->worker, request->lesson_id,
                            request->peer_id);
      break;
    case REQUEST_CLOSE_LESSON:
      ss_worker_close_lesson (request->worker, request->lesson_id);
      break;
    }

  if (request->answer_func != NULL)
    g_main_context_invoke_full (request->shared->caller_context,
                                G_PRIORITY_DEFAULT, deliver_answer, request,
                                request_free);
  else
    request_free (request);
  return G_SOURCE_REMOVE;
}

static void
on_worker_event (SsWorker *worker, const char *lesson_id, const char *peer_id,
                 SsRelayPeerEvent event_type, const char *reason,
                 gpointer user_data)
{
  SsRelayShared *shared = user_data;
  Event *event = g_new0 (Event, 1);

  event->shared = shared_ref (shared);
  event->lesson_id = g_strdup (lesson_id);
  event->peer_id = g_strdup (peer_id);
  event->event = event_type;
  event->reason = g_strdup (reason);
  g_main_context_invoke_full (shared->caller_context, G_PRIORITY_DEFAULT,
                              deliver_event, event, event_free);
}

/* ---- statistics ---- */

/* One ss_relay_get_stats call, filled in by each worker's reply on the
 * caller's context. */
typedef struct {
  SsRelayShared *shared;
  SsRelayStatsFunc func;
  gpointer user_data;
  guint pending;
  json_t *workers;
  json_t *lessons;
} StatsGather;

typedef struct {
  StatsGather *gather;
  SsWorker *worker;
  json_t *snapshot;
} StatsRequest;

static json_t *
process_stats (void)
{
  gint64 rss_bytes = -1;
  g_autofree char *statm = NULL;
  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    {
      /* Fields: size resident shared ... in pages (proc(5)). */
      char *rest = NULL;
      g_ascii_strtoull (statm, &rest, 10);
      rss_bytes = (gint64) g_ascii_strtoull (rest, NULL, 10) *
                  sysconf (_SC_PAGESIZE);
    }

  struct rusage usage;
  double cpu_seconds = -1;
  if (getrusage (RUSAGE_SELF, &usage) == 0)
    cpu_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                  (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;

  return json_pack ("{s:I, s:f}", "rss_bytes", (json_int_t) rss_bytes,
                    "cpu_seconds", cpu_seconds);
}

static gboolean
deliver_stats (gpointer data)
{
  StatsRequest *request = data;
  StatsGather *gather = request->gather;

  json_array_append (gather->workers,
                     json_object_get (request->snapshot, "worker"));
  json_array_extend (gather->lessons,
                     json_object_get (request->snapshot, "lessons"));
  json_decref (request->snapshot);
  g_free (request);

  if (--gather->pending > 0)
    return G_SOURCE_REMOVE;

  SsRelay *relay = gather->shared->relay;
  json_t *stats = json_pack ("{s:o, s:o, s:o}", "process", process_stats (),
                             "workers", gather->workers, "lessons",
                             gather->lessons);
  if (relay != NULL)
    gather->func (relay, stats, gather->user_data);
  else
    json_decref (stats);
  shared_unref (gather->shared);
  g_free (gather);
  return G_SOURCE_REMOVE;
}

static gboolean
collect_worker_stats (gpointer data)
{
  StatsRequest *request = data;

  request->snapshot = ss_worker_get_stats (request->worker);
  g_main_context_invoke (request->gather->shared->caller_context,
                         deliver_stats, request);
  return G_SOURCE_REMOVE;
}

void
ss_relay_get_stats (SsRelay *relay, SsRelayStatsFunc func, gpointer user_data)
{
  g_return_if_fail (relay != NULL && func != NULL);

  StatsGather *gather = g_new0 (StatsGather, 1);
  gather->shared = shared_ref (relay->shared);
  gather->func = func;
  gather->user_data = user_data;
  gather->pending = relay->workers->len;
  gather->workers = json_array ();
  gather->lessons = json_array ();

  for (guint i = 0; i < relay->workers->len; i++)
    {
      StatsRequest *request = g_new0 (StatsRequest, 1);
      request->gather = gather;
      request->worker = g_ptr_array_index (relay->workers, i);
      g_main_context_invoke (ss_worker_get_context (request->worker),
                             collect_worker_stats, request);
    }
}

/* ---- placement and submission ---- */

static SsWorker *
place_lesson (SsRelay *relay, const char *lesson_id, gboolean create)
{
  guint index = GPOINTER_TO_UINT (
      g_hash_table_lookup (relay->lesson_workers, lesson_id));
  if (index > 0)
    return g_ptr_array_index (relay->workers, index - 1);
  if (!create)
    return NULL;

  guint best = 0;
  for (guint i = 1; i < relay->workers->len; i++)
    if (relay->lessons_per_worker[i] < relay->lessons_per_worker[best])
      best = i;

  relay->lessons_per_worker[best]++;
  g_hash_table_insert (relay->lesson_workers, g_strdup (lesson_id),
                       GUINT_TO_POINTER (best + 1));
  return g_ptr_array_index (relay->workers, best);
}

static Request *
request_new (SsRelay *relay, RequestType type, SsWorker *worker,
             const char *lesson_id, const char *peer_id)
{
  Request *request = g_new0 (Request, 1);

  request->type = type;
  request->shared = shared_ref (relay->shared);
  request->worker = worker;
  request->lesson_id = g_strdup (lesson_id);
  request->peer_id = g_strdup (peer_id);
  return request;
}

/* Copies a slot list whose entries may be NULL, so it is not a GStrv. */
static void
request_set_sources (Request *request, const char *const *sources,
                     guint n_sources)
{
  request->n_sources = n_sources;
  request->sources = g_new0 (char *, MAX (n_sources, 1));
  for (guint i = 0; i < n_sources; i++)
    request->sources[i] = g_strdup (sources[i]);
}

static void
submit (Request *request)
{
  g_main_context_invoke_full (ss_worker_get_context (request->worker),
                              G_PRIORITY_DEFAULT, run_request, request, NULL);
}

void
ss_relay_publish (SsRelay *relay, const char *lesson_id, const char *peer_id,
                  const char *source, const char *offer_sdp,
                  SsRelayAnswerFunc answer_func, gpointer user_data)
{
  g_return_if_fail (relay != NULL && lesson_id != NULL && peer_id != NULL);
  g_return_if_fail (source != NULL && *source != '\0');
  g_return_if_fail (offer_sdp != NULL && answer_func != NULL);

  SsWorker *worker = place_lesson (relay, lesson_id, TRUE);
  Request *request =
      request_new (relay, REQUEST_PUBLISH, worker, lesson_id, peer_id);
  request->source = g_strdup (source);
  request->offer_sdp = g_strdup (offer_sdp);
  request->answer_func = answer_func;
  request->user_data = user_data;
  submit (request);
}

void
ss_relay_subscribe (SsRelay *relay, const char *lesson_id,
                    const char *peer_id, const char *offer_sdp,
                    const char *const *sources, guint n_sources,
                    SsRelayAnswerFunc answer_func, gpointer user_data)
{
  g_return_if_fail (relay != NULL && lesson_id != NULL && peer_id != NULL);
  g_return_if_fail (sources != NULL || n_sources == 0);
  g_return_if_fail (offer_sdp != NULL && answer_func != NULL);

  /* A subscription may come before anything is published: its slots wait
   * for their sources by name, so the lesson is placed as for a publish. */
  SsWorker *worker = place_lesson (relay, lesson_id, TRUE);
  Request *request =
      request_new (relay, REQUEST_SUBSCRIBE, worker, lesson_id, peer_id);
  request->offer_sdp = g_strdup (offer_sdp);
  request_set_sources (request, sources, n_sources);
  request->answer_func = answer_func;
  request->user_data = user_data;
  submit (request);
}

void
ss_relay_set_sources (SsRelay *relay, const char *lesson_id,
                      const char *peer_id, const char *const *sources,
                      guint n_sources)
{
  g_return_if_fail (relay != NULL && lesson_id != NULL && peer_id != NULL);
  g_return_if_fail (sources != NULL || n_sources == 0);

  SsWorker *worker = place_lesson (relay, lesson_id, FALSE);
  if (worker == NULL)
    return;

  Request *request =
      request_new (relay, REQUEST_SET_SOURCES, worker, lesson_id, peer_id);
  request_set_sources (request, sources, n_sources);
  submit (request);
}

void
ss_relay_close_peer (SsRelay *relay, const char *lesson_id,
                     const char *peer_id)
{
  g_return_if_fail (relay != NULL && lesson_id != NULL && peer_id != NULL);

  SsWorker *worker = place_lesson (relay, lesson_id, FALSE);
  if (worker != NULL)
    submit (request_new (relay, REQUEST_CLOSE_PEER, worker, lesson_id,
                         peer_id));
}

void
ss_relay_close_lesson (SsRelay *relay, const char *lesson_id)
{
  g_return_if_fail (relay != NULL && lesson_id != NULL);

  SsWorker *worker = place_lesson (relay, lesson_id, FALSE);
  if (worker == NULL)
    return;

  submit (request_new (relay, REQUEST_CLOSE_LESSON, worker, lesson_id, NULL));

  guint index = GPOINTER_TO_UINT (
      g_hash_table_lookup (relay->lesson_workers, lesson_id));
  relay->lessons_per_worker[index - 1]--;
  g_hash_table_remove (relay->lesson_workers, lesson_id);
}

/* ---- life cycle ---- */

static gboolean
is_wildcard (const char *address)
{
  return g_strcmp0 (address, "0.0.0.0") == 0 || g_strcmp0 (address, "::") == 0;
}

SsRelay *
ss_relay_new (const SsRelayConfig *config, SsRelayPeerEventFunc event_func,
              gpointer event_data, GError **error)
{
  g_return_val_if_fail (config != NULL && config->bind_address != NULL, NULL);

  const char *bind_only[] = { config->bind_address, NULL };
  const char *const *announced = config->announced_addresses;
  if (announced == NULL || announced[0] == NULL)
    {
      if (is_wildcard (config->bind_address))
        {
          g_set_error (error, SS_RELAY_ERROR, SS_RELAY_ERROR_FAILED,
                       "relay binds to %s: give the addresses to announce "
                       "to clients",
                       config->bind_address);
          return NULL;
        }
      announced = bind_only;
    }

  g_autoptr (SsDtlsCertificate) certificate = ss_dtls_certificate_new (error);
  if (certificate == NULL)
    return NULL;

  guint n_workers = config->n_workers > 0 ? config->n_workers
                                          : g_get_num_processors ();

  SsRelay *relay = g_new0 (SsRelay, 1);
  relay->shared = g_new0 (SsRelayShared, 1);
  g_atomic_ref_count_init (&relay->shared->ref_count);
  relay->shared->relay = relay;
  relay->shared->caller_context = g_main_context_ref_thread_default ();
  relay->workers = g_ptr_array_new_with_free_func ((GDestroyNotify) ss_worker_free);
  relay->lesson_workers = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                 g_free, NULL);
  relay->lessons_per_worker = g_new0 (guint, n_workers);
  relay->event_func = event_func;
  relay->event_data = event_data;

  for (guint i = 0; i < n_workers; i++)
    {
      SsWorkerConfig worker_config = {
        .index = i,
        .bind_address = config->bind_address,
        .announced_addresses = announced,
        /* Port 0 lets the kernel choose, for tests. */
        .port = config->port_base == 0 ? 0 : (guint16) (config->port_base + i),
        .certificate = certificate,
        .event_func = on_worker_event,
        .event_data = relay->shared,
      };
      SsWorker *worker = ss_worker_new (&worker_config, error);
      if (worker == NULL)
        {
          ss_relay_free (relay);
          return NULL;
        }
      g_ptr_array_add (relay->workers, worker);
    }

  g_info ("relay started: %u workers on %s, certificate %s", n_workers,
          config->bind_address,
          ss_dtls_certificate_get_fingerprint (certificate));
  return relay;
}

void
ss_relay_free (SsRelay *relay)
{
  if (relay == NULL)
    return;

  /* Replies and events already queued for the caller become no-ops. */
  relay->shared->relay = NULL;
  shared_unref (relay->shared);

  g_ptr_array_unref (relay->workers);
  g_hash_table_unref (relay->lesson_workers);
  g_free (relay->lessons_per_worker);
  g_free (relay);
}

guint
ss_relay_get_n_workers (SsRelay *relay)
{
  return relay->workers->len;
}

guint16
ss_relay_get_port (SsRelay *relay, guint worker_index)
{
  g_return_val_if_fail (worker_index < relay->workers->len, 0);
  return ss_worker_get_port (g_ptr_array_index (relay->workers, worker_index));
}
