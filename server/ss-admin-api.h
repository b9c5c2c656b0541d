/* The admin HTTP API of shuangshi-server: a route table, the request and
 * response objects, and the dispatch that checks the admin token.
 *
 * How to add routes: write a handler of type SsAdminHandler that reads the
 * SsAdminRequest and fills the SsAdminResponse with one of the
 * ss_admin_response_set_* helpers before it returns, then declare a static
 * table and register it once at start-up, before the main loop runs:
 *
 *   static const SsAdminRoute lesson_routes[] = {
 *     { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/lessons",
 *       .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_list_lessons },
 *     { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/lessons/",
 *       .match = SS_ADMIN_MATCH_PREFIX, .auth = SS_ADMIN_AUTH_ADMIN,
 *       .handler = handle_get_lesson },
 *   };
 *   ss_admin_api_add_routes (api, lesson_routes,
 *                            G_N_ELEMENTS (lesson_routes), store);
 *
 * The last argument becomes every route's user_data. Routes are matched in
 * the order they were added: the first route whose method and path match
 * wins, so add an exact path before a prefix that covers it. A path that
 * matches some route but none with the request's method gets 405. Request
 * bodies (POST, PUT, PATCH) are at most SS_ADMIN_MAX_BODY_SIZE bytes; the
 * HTTP shell answers 413 to a larger one without calling any handler.
 *
 * Handlers run on the server's main loop and must not block it: a handler
 * that needs data from another thread reads a copy cached on the main loop
 * (as the relay statistics are, see ss-live-stats.h).
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "ss-auth.h"

G_BEGIN_DECLS

#define SS_ADMIN_MAX_BODY_SIZE (1024 * 1024)

typedef enum {
  SS_HTTP_METHOD_GET,
  SS_HTTP_METHOD_POST,
  SS_HTTP_METHOD_PUT,
  SS_HTTP_METHOD_PATCH,
  SS_HTTP_METHOD_DELETE,
  SS_HTTP_METHOD_OTHER,  /* HEAD, OPTIONS: never matches a route */
} SsHttpMethod;

typedef enum {
  SS_ADMIN_MATCH_EXACT,   /* the path equals the route's path */
  SS_ADMIN_MATCH_PREFIX,  /* the path starts with the route's path */
} SsAdminMatch;

typedef enum {
  SS_ADMIN_AUTH_ADMIN,  /* "Authorization: Bearer TOKEN" with an admin JWT */
  SS_ADMIN_AUTH_NONE,   /* open: /healthz and /metrics only */
} SsAdminAuth;

typedef struct {
  SsHttpMethod method;
  /* The decoded path, without the query string. */
  const char *path;
  /* The query string without '?', "" when there is none. Arguments are
   * joined with '&' after libwebsockets has URL-decoded each of them. */
  const char *query;
  /* The request body; empty for GET. Never NULL. */
  GBytes *body;
  /* The Authorization header's bearer token, or NULL. */
  const char *bearer_token;
  /* Wall-clock time of the request, seconds since the epoch. */
  gint64 now_unix;
} SsAdminRequest;

typedef struct _SsAdminResponse SsAdminResponse;

typedef void (*SsAdminHandler) (const SsAdminRequest *request,
                                SsAdminResponse *response,
                                gpointer user_data);

typedef struct {
  SsHttpMethod method;
  const char *path;
  SsAdminMatch match;
  SsAdminAuth auth;
  SsAdminHandler handler;
  /* Filled in by ss_admin_api_add_routes(); leave it unset in tables. */
  gpointer user_data;
} SsAdminRoute;

typedef struct _SsAdminApi SsAdminApi;

/* Lifetime of the teacher tokens POST /api/v1/teacher-tokens issues: a
 * school term, so a teacher keeps one page address for the term. */
#define SS_ADMIN_TEACHER_TOKEN_LIFETIME_S (180 * 24 * 3600)

/* @auth (borrowed, may be NULL) verifies admin tokens; without it every
 * route that needs a token answers 503. The new API already has one route,
 * POST /api/v1/teacher-tokens with {"classroom": ID}. It returns 201 with
 * "classroom", "token" (a teacher token for that classroom, issued with
 * @auth) and "token_expires" (Unix time). */
SsAdminApi *ss_admin_api_new (SsAuth *auth);
void ss_admin_api_free (SsAdminApi *api);

void ss_admin_api_set_auth (SsAdminApi *api, SsAuth *auth);

/* Copies @n_routes routes from @routes, each with @user_data. The paths are
 * not copied, so they must be string literals or outlive the API. */
void ss_admin_api_add_routes (SsAdminApi *api,
                              const SsAdminRoute *routes,
                              gsize n_routes,
                              gpointer user_data);

/* Tells whether a route of any method matches @path, so the HTTP shell
 * can leave other paths to its own handling. */
gboolean ss_admin_api_has_path (const SsAdminApi *api, const char *path);

/* Finds the route, checks the token and runs the handler. Always fills
 * @response: 404, 405, 401, 403 and 503 are error JSON bodies. */
void ss_admin_api_dispatch (SsAdminApi *api,
                            const SsAdminRequest *request,
                            SsAdminResponse *response);

SsHttpMethod ss_http_method_from_string (const char *name);
const char *ss_http_method_to_string (SsHttpMethod method);

/* ---- Responses --------------------------------------------------------- */

SsAdminResponse *ss_admin_response_new (void);
void ss_admin_response_free (SsAdminResponse *response);

/* Sets the status and the body to @body serialised (consumed), with
 * content type application/json. */
void ss_admin_response_set_json (SsAdminResponse *response,
                                 guint status,
                                 json_t *body);

/* Sets the status and the body {"error":{"code":CODE,"message":MESSAGE}}.
 * @code is a short machine-readable word such as "not_found". */
void ss_admin_response_set_error (SsAdminResponse *response,
                                  guint status,
                                  const char *code,
                                  const char *message);

void ss_admin_response_set_text (SsAdminResponse *response,
                                 guint status,
                                 const char *content_type,
                                 const char *text);

/* Sets the status and the body to @body (referenced, may be binary). */
void ss_admin_response_set_bytes (SsAdminResponse *response,
                                  guint status,
                                  const char *content_type,
                                  GBytes *body);

guint ss_admin_response_get_status (const SsAdminResponse *response);
const char *ss_admin_response_get_content_type (
    const SsAdminResponse *response);
/* The body; empty (not NULL) before a set_* call. */
GBytes *ss_admin_response_get_body (const SsAdminResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsAdminApi, ss_admin_api_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsAdminResponse, ss_admin_response_free)

G_END_DECLS
