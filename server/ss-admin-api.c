/* Route table and dispatch of the admin HTTP API, apart from libwebsockets:
 * ss-ws-server.c turns each HTTP request into an SsAdminRequest and writes
 * the SsAdminResponse back, so the unit tests call the dispatch directly.
 *
 * Tokens are bearer tokens (RFC 6750 section 2.1) checked by
 * ss_auth_verify_admin(). A missing, invalid or expired token gets 401, a
 * valid token of another role 403, and a server without a key 503.
 */
#define G_LOG_DOMAIN "ss-admin-api"

#include "ss-admin-api.h"

#include <string.h>

#include "ss-message.h"

#define TEACHER_TOKENS_PATH "/api/v1/teacher-tokens"

struct _SsAdminApi {
  SsAuth *auth;
  GArray *routes;  /* SsAdminRoute, in the order added */
};

struct _SsAdminResponse {
  guint status;
  char *content_type;
  GBytes *body;
};

/* ---- Responses --------------------------------------------------------- */

SsAdminResponse *
ss_admin_response_new (void)
{
  SsAdminResponse *response = g_new0 (SsAdminResponse, 1);
  *response = (SsAdminResponse){
    .status = 500,
    .content_type = g_strdup ("text/plain"),
    .body = g_bytes_new_static ("", 0),
  };
  return response;
}

void
ss_admin_response_free (SsAdminResponse *response)
{
  if (response == NULL)
    return;

  g_bytes_unref (response->body);
  g_free (response->content_type);
  g_free (response);
}

static void
set_body (SsAdminResponse *response,
          guint status,
          const char *content_type,
          char *text)
{
  response->status = status;
  g_free (response->content_type);
  response->content_type = g_strdup (content_type);
  g_bytes_unref (response->body);
  response->body = g_bytes_new_take (text, strlen (text));
}

void
ss_admin_response_set_json (SsAdminResponse *response,
                            guint status,
                            json_t *body)
{
  g_return_if_fail (response != NULL);
  g_return_if_fail (body != NULL);

  char *text = json_dumps (body, JSON_COMPACT | JSON_ENCODE_ANY
                                      | JSON_REAL_PRECISION (12));
  json_decref (body);
  if (text == NULL)
    {
      g_warning ("a JSON response could not be serialised");
      ss_admin_response_set_error (response, 500, "internal",
                                   "the response could not be serialised");
      return;
    }

  /* A final newline, so the reply printed in a terminal ends its line. */
  char *with_newline = g_strconcat (text, "\n", NULL);
  free (text);
  set_body (response, status, "application/json", with_newline);
}

void
ss_admin_response_set_error (SsAdminResponse *response,
                             guint status,
                             const char *code,
                             const char *message)
{
  g_return_if_fail (response != NULL);

  json_t *error = json_pack ("{s:{s:s,s:s}}", "error", "code", code,
                             "message", message);
  ss_admin_response_set_json (response, status, error);
}

void
ss_admin_response_set_text (SsAdminResponse *response,
                            guint status,
                            const char *content_type,
                            const char *text)
{
  g_return_if_fail (response != NULL);
  g_return_if_fail (text != NULL);

  set_body (response, status, content_type, g_strdup (text));
}

void
ss_admin_response_set_bytes (SsAdminResponse *response,
                             guint status,
                             const char *content_type,
                             GBytes *body)
{
  g_return_if_fail (response != NULL);
  g_return_if_fail (body != NULL);

  response->status = status;
  g_free (response->content_type);
  response->content_type = g_strdup (content_type);
  g_bytes_unref (response->body);
  response->body = g_bytes_ref (body);
}

guint
ss_admin_response_get_status (const SsAdminResponse *response)
{
  return response->status;
}

const char *
ss_admin_response_get_content_type (const SsAdminResponse *response)
{
  return response->content_type;
}

GBytes *
ss_admin_response_get_body (const SsAdminResponse *response)
{
  return response->body;
}

/* ---- Methods ----------------------------------------------------------- */

static const char *const method_names[] = {
  [SS_HTTP_METHOD_GET] = "GET",
  [SS_HTTP_METHOD_POST] = "POST",
  [SS_HTTP_METHOD_PUT] = "PUT",
  [SS_HTTP_METHOD_PATCH] = "PATCH",
  [SS_HTTP_METHOD_DELETE] = "DELETE",
  [SS_HTTP_METHOD_OTHER] = "OTHER",
};

SsHttpMethod
ss_http_method_from_string (const char *name)
{
  for (guint i = 0; i < SS_HTTP_METHOD_OTHER; i++)
    if (g_strcmp0 (name, method_names[i]) == 0)
      return i;
  return SS_HTTP_METHOD_OTHER;
}

const char *
ss_http_method_to_string (SsHttpMethod method)
{
  if (method > SS_HTTP_METHOD_OTHER)
    return "OTHER";
  return method_names[method];
}

/* ---- Teacher tokens ---------------------------------------------------- */

/* POST /api/v1/teacher-tokens: a token for a teacher's page, bound to one
 * classroom like a classroom token. The classroom need not be in the
 * timetable, because ad-hoc lessons have classrooms that are not. */
static void
handle_issue_teacher_token (const SsAdminRequest *request,
                            SsAdminResponse *response,
                            gpointer user_data)
{
  SsAdminApi *api = user_data;
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);
  json_error_t json_error;
  g_autoptr (json_t) body = json_loadb (data != NULL ? data : "", length,
                                        JSON_REJECT_DUPLICATES, &json_error);
  const char *classroom = json_string_value (json_object_get (body,
                                                              "classroom"));
  if (classroom == NULL || !ss_identifier_is_valid (classroom))
    {
      ss_admin_response_set_error (
          response, 400, "invalid",
          "expected a JSON object with \"classroom\": a classroom id of 1 "
          "to 64 characters of A-Z a-z 0-9 . _ -");
      return;
    }

  g_autoptr (GError) error = NULL;
  g_autofree char *token = ss_auth_issue (
      api->auth, SS_AUTH_ROLE_TEACHER, classroom, request->now_unix,
      SS_ADMIN_TEACHER_TOKEN_LIFETIME_S, &error);
  if (token == NULL)
    {
      g_warning ("issuing a teacher token for classroom %s failed: %s",
                 classroom, error->message);
      ss_admin_response_set_error (response, 500, "internal", error->message);
      return;
    }

  g_message ("issued a teacher token for classroom %s", classroom);
  json_t *reply = json_object ();
  json_object_set_new (reply, "classroom", json_string (classroom));
  json_object_set_new (reply, "token", json_string (token));
  json_object_set_new (reply, "token_expires",
                       json_integer (request->now_unix
                                     + SS_ADMIN_TEACHER_TOKEN_LIFETIME_S));
  ss_admin_response_set_json (response, 201, reply);
}

static const SsAdminRoute teacher_token_routes[] = {
  { .method = SS_HTTP_METHOD_POST, .path = TEACHER_TOKENS_PATH,
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_issue_teacher_token },
};

/* ---- Routes ------------------------------------------------------------ */

SsAdminApi *
ss_admin_api_new (SsAuth *auth)
{
  SsAdminApi *api = g_new0 (SsAdminApi, 1);
  *api = (SsAdminApi){
    .auth = auth,
    .routes = g_array_new (FALSE, TRUE, sizeof (SsAdminRoute)),
  };
  ss_admin_api_add_routes (api, teacher_token_routes,
                           G_N_ELEMENTS (teacher_token_routes), api);
  return api;
}

void
ss_admin_api_free (SsAdminApi *api)
{
  if (api == NULL)
    return;

  g_array_unref (api->routes);
  g_free (api);
}

void
ss_admin_api_set_auth (SsAdminApi *api, SsAuth *auth)
{
  g_return_if_fail (api != NULL);

  api->auth = auth;
}

void
ss_admin_api_add_routes (SsAdminApi *api,
                         const SsAdminRoute *routes,
                         gsize n_routes,
                         gpointer user_data)
{
  g_return_if_fail (api != NULL);
  g_return_if_fail (routes != NULL || n_routes == 0);

  for (gsize i = 0; i < n_routes; i++)
    {
      g_return_if_fail (routes[i].path != NULL && routes[i].path[0] == '/');
      g_return_if_fail (routes[i].handler != NULL);

      SsAdminRoute route = routes[i];
      route.user_data = user_data;
      g_array_append_val (api->routes, route);
    }
}

static gboolean
route_matches_path (const SsAdminRoute *route, const char *path)
{
  if (route->match == SS_ADMIN_MATCH_PREFIX)
    return g_str_has_prefix (path, route->path);
  return strcmp (path, route->path) == 0;
}

gboolean
ss_admin_api_has_path (const SsAdminApi *api, const char *path)
{
  g_return_val_if_fail (api != NULL, FALSE);

  if (path == NULL)
    return FALSE;

  for (guint i = 0; i < api->routes->len; i++)
    if (route_matches_path (&g_array_index (api->routes, SsAdminRoute, i),
                            path))
      return TRUE;
  return FALSE;
}

/* Returns the first route matching path and method; sets @path_known when
 * some route matches the path with another method. */
static const SsAdminRoute *
find_route (const SsAdminApi *api,
            const SsAdminRequest *request,
            gboolean *path_known)
{
  *path_known = FALSE;
  for (guint i = 0; i < api->routes->len; i++)
    {
      const SsAdminRoute *route = &g_array_index (api->routes, SsAdminRoute,
                                                  i);
      if (!route_matches_path (route, request->path))
        continue;

      *path_known = TRUE;
      if (route->method == request->method)
        return route;
    }
  return NULL;
}

/* Checks the bearer token; on failure fills @response and returns FALSE. */
static gboolean
check_admin_token (SsAdminApi *api,
                   const SsAdminRequest *request,
                   SsAdminResponse *response)
{
  if (api->auth == NULL)
    {
      ss_admin_response_set_error (response, 503, "unavailable",
                                   "the server has no token key loaded");
      return FALSE;
    }

  if (request->bearer_token == NULL || request->bearer_token[0] == '\0')
    {
      ss_admin_response_set_error (
          response, 401, "unauthorized",
          "missing admin token; send \"Authorization: Bearer TOKEN\"");
      return FALSE;
    }

  g_autoptr (GError) error = NULL;
  if (ss_auth_verify_admin (api->auth, request->bearer_token,
                            request->now_unix, &error))
    return TRUE;

  if (g_error_matches (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FORBIDDEN))
    ss_admin_response_set_error (response, 403, "forbidden", error->message);
  else if (g_error_matches (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FAILED))
    ss_admin_response_set_error (response, 503, "unavailable",
                                 error->message);
  else
    ss_admin_response_set_error (response, 401, "unauthorized",
                                 error->message);

  g_message ("%s %s rejected with status %u: %s",
             ss_http_method_to_string (request->method), request->path,
             response->status, error->message);
  return FALSE;
}

void
ss_admin_api_dispatch (SsAdminApi *api,
                       const SsAdminRequest *request,
                       SsAdminResponse *response)
{
  g_return_if_fail (api != NULL);
  g_return_if_fail (request != NULL && request->path != NULL);
  g_return_if_fail (response != NULL);

  gboolean path_known = FALSE;
  const SsAdminRoute *route = find_route (api, request, &path_known);
  if (route == NULL && path_known)
    {
      g_autofree char *text = g_strdup_printf (
          "method %s is not allowed on %s",
          ss_http_method_to_string (request->method), request->path);
      ss_admin_response_set_error (response, 405, "method_not_allowed", text);
      return;
    }

  if (route == NULL)
    {
      g_autofree char *text = g_strdup_printf ("no resource at %s",
                                               request->path);
      ss_admin_response_set_error (response, 404, "not_found", text);
      return;
    }

  if (route->auth == SS_ADMIN_AUTH_ADMIN
      && !check_admin_token (api, request, response))
    return;

  route->handler (request, response, route->user_data);
  g_debug ("%s %s: %u", ss_http_method_to_string (request->method),
           request->path, response->status);
}
