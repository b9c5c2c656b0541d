/* Unit tests of the admin API's route table and dispatch, with real JWTs
 * from ss-auth in a temporary data directory. */
#include <glib/gstdio.h>
#include <string.h>

#include "ss-admin-api.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

#define NOW_UNIX 1700000000

typedef struct {
  char *data_dir;
  SsAuth *auth;
  SsAdminApi *api;
  guint calls;
  char *last_body;
} Fixture;

static void
record_handler (const SsAdminRequest *request,
                SsAdminResponse *response,
                gpointer user_data)
{
  Fixture *fixture = user_data;
  fixture->calls++;
  g_free (fixture->last_body);
  fixture->last_body = g_strndup (g_bytes_get_data (request->body, NULL),
                                  g_bytes_get_size (request->body));
  ss_admin_response_set_json (response, 200,
                              json_pack ("{s:s}", "path", request->path));
}

static const SsAdminRoute routes[] = {
  { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/things",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = record_handler },
  { .method = SS_HTTP_METHOD_POST, .path = "/api/v1/things",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = record_handler },
  { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/things/",
    .match = SS_ADMIN_MATCH_PREFIX, .auth = SS_ADMIN_AUTH_ADMIN,
    .handler = record_handler },
  { .method = SS_HTTP_METHOD_GET, .path = "/open",
    .auth = SS_ADMIN_AUTH_NONE, .handler = record_handler },
};

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  fixture->data_dir = g_dir_make_tmp ("ss-admin-api-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->auth = ss_auth_new (fixture->data_dir, &error);
  g_assert_no_error (error);
  fixture->api = ss_admin_api_new (fixture->auth);
  ss_admin_api_add_routes (fixture->api, routes, G_N_ELEMENTS (routes),
                           fixture);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  ss_admin_api_free (fixture->api);
  ss_auth_free (fixture->auth);
  remove_tree (fixture->data_dir);
  g_free (fixture->data_dir);
  g_free (fixture->last_body);
}

static char *
issue_token (Fixture *fixture, SsAuthRole role)
{
  g_autoptr (GError) error = NULL;
  char *token = ss_auth_issue (fixture->auth, role,
                               role == SS_AUTH_ROLE_ADMIN ? NULL : "room-1",
                               NOW_UNIX, 3600, &error);
  g_assert_no_error (error);
  return token;
}

/* Dispatches one request and returns the response. */
static SsAdminResponse *
dispatch (Fixture *fixture, SsHttpMethod method, const char *path,
          const char *token, const char *body)
{
  g_autoptr (GBytes) bytes = g_bytes_new (body != NULL ? body : "",
                                          body != NULL ? strlen (body) : 0);
  const SsAdminRequest request = {
    .method = method,
    .path = path,
    .query = "",
    .body = bytes,
    .bearer_token = token,
    .now_unix = NOW_UNIX,
  };
  SsAdminResponse *response = ss_admin_response_new ();
  ss_admin_api_dispatch (fixture->api, &request, response);
  return response;
}

static json_t *
response_json (SsAdminResponse *response)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (ss_admin_response_get_body (response),
                                       &size);
  return json_loadb (data, size, 0, NULL);
}

static const char *
error_code (json_t *body)
{
  return json_string_value (
      json_object_get (json_object_get (body, "error"), "code"));
}

static void
test_admin_token_accepted (Fixture *fixture, gconstpointer data)
{
  g_autofree char *token = issue_token (fixture, SS_AUTH_ROLE_ADMIN);
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_GET, "/api/v1/things", token, NULL);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 200);
  g_assert_cmpuint (fixture->calls, ==, 1);
  g_assert_cmpstr (ss_admin_response_get_content_type (response), ==,
                   "application/json");
}

static void
test_missing_token_is_401 (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_GET, "/api/v1/things", NULL, NULL);
  g_autoptr (json_t) body = response_json (response);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 401);
  g_assert_cmpstr (error_code (body), ==, "unauthorized");
  g_assert_cmpuint (fixture->calls, ==, 0);
}

static void
test_garbage_token_is_401 (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_GET, "/api/v1/things", "abc.def.ghi", NULL);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 401);
  g_assert_cmpuint (fixture->calls, ==, 0);
}

static void
test_classroom_token_is_403 (Fixture *fixture, gconstpointer data)
{
  g_autofree char *token = issue_token (fixture, SS_AUTH_ROLE_CLASSROOM);
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_GET, "/api/v1/things", token, NULL);
  g_autoptr (json_t) body = response_json (response);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 403);
  g_assert_cmpstr (error_code (body), ==, "forbidden");
  g_assert_cmpuint (fixture->calls, ==, 0);
}

static void
test_open_route_needs_no_token (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_GET, "/open", NULL, NULL);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 200);
  g_assert_cmpuint (fixture->calls, ==, 1);
}

static void
test_unknown_path_is_404 (Fixture *fixture, gconstpointer data)
{
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_GET, "/api/v1/thing", NULL, NULL);
  g_autoptr (json_t) body = response_json (response);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 404);
  g_assert_cmpstr (error_code (body), ==, "not_found");
}

static void
test_wrong_method_is_405 (Fixture *fixture, gconstpointer data)
{
  g_autofree char *token = issue_token (fixture, SS_AUTH_ROLE_ADMIN);
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_DELETE, "/api/v1/things", token, NULL);
  g_autoptr (json_t) body = response_json (response);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 405);
  g_assert_cmpstr (error_code (body), ==, "method_not_allowed");
  g_assert_cmpuint (fixture->calls, ==, 0);
}

static void
test_prefix_route_matches (Fixture *fixture, gconstpointer data)
{
  g_autofree char *token = issue_token (fixture, SS_AUTH_ROLE_ADMIN);
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_GET, "/api/v1/things/42", token, NULL);
  g_autoptr (json_t) body = response_json (response);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 200);
  g_assert_cmpstr (json_string_value (json_object_get (body, "path")), ==,
                   "/api/v1/things/42");
}

static void
test_post_body_reaches_handler (Fixture *fixture, gconstpointer data)
{
  g_autofree char *token = issue_token (fixture, SS_AUTH_ROLE_ADMIN);
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_POST, "/api/v1/things", token, "{\"a\":1}");

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 200);
  g_assert_cmpstr (fixture->last_body, ==, "{\"a\":1}");
}

static void
test_no_auth_is_503 (Fixture *fixture, gconstpointer data)
{
  ss_admin_api_set_auth (fixture->api, NULL);
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_GET, "/api/v1/things", "x", NULL);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 503);
  g_assert_cmpuint (fixture->calls, ==, 0);
}

static void
test_has_path (Fixture *fixture, gconstpointer data)
{
  g_assert_true (ss_admin_api_has_path (fixture->api, "/open"));
  g_assert_true (ss_admin_api_has_path (fixture->api, "/api/v1/things/x"));
  g_assert_false (ss_admin_api_has_path (fixture->api, "/ws"));
}

static void
test_error_body_shape (void)
{
  g_autoptr (SsAdminResponse) response = ss_admin_response_new ();
  ss_admin_response_set_error (response, 409, "conflict", "a \"quoted\" x");
  gsize size = 0;
  const char *data = g_bytes_get_data (ss_admin_response_get_body (response),
                                       &size);
  g_autoptr (json_t) body = json_loadb (data, size, 0, NULL);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 409);
  g_assert_cmpstr (error_code (body), ==, "conflict");
  g_assert_cmpstr (json_string_value (json_object_get (
                       json_object_get (body, "error"), "message")),
                   ==, "a \"quoted\" x");
}

static void
test_method_names (void)
{
  g_assert_cmpint (ss_http_method_from_string ("PATCH"), ==,
                   SS_HTTP_METHOD_PATCH);
  g_assert_cmpint (ss_http_method_from_string ("HEAD"), ==,
                   SS_HTTP_METHOD_OTHER);
  g_assert_cmpstr (ss_http_method_to_string (SS_HTTP_METHOD_DELETE), ==,
                   "DELETE");
}

static void
test_teacher_token_issued (Fixture *fixture, gconstpointer data)
{
  g_autofree char *admin = issue_token (fixture, SS_AUTH_ROLE_ADMIN);
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_POST, "/api/v1/teacher-tokens", admin,
      "{\"classroom\": \"R1\"}");
  g_autoptr (json_t) body = response_json (response);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 201);
  g_assert_cmpstr (json_string_value (json_object_get (body, "classroom")),
                   ==, "R1");
  g_assert_cmpint (json_integer_value (json_object_get (body,
                                                        "token_expires")),
                   ==, NOW_UNIX + SS_ADMIN_TEACHER_TOKEN_LIFETIME_S);

  /* The token is a teacher token for R1 that the server accepts. */
  SsAuthClaims claims = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (ss_auth_verify (
      fixture->auth, json_string_value (json_object_get (body, "token")),
      NOW_UNIX, &claims, &error));
  g_assert_no_error (error);
  g_assert_cmpint (claims.role, ==, SS_AUTH_ROLE_TEACHER);
  g_assert_cmpstr (claims.classroom, ==, "R1");
  ss_auth_claims_clear (&claims);
}

static void
test_teacher_token_needs_admin (Fixture *fixture, gconstpointer data)
{
  g_autofree char *teacher = NULL;
  g_autoptr (GError) error = NULL;
  teacher = ss_auth_issue (fixture->auth, SS_AUTH_ROLE_TEACHER, "R1",
                           NOW_UNIX, 3600, &error);
  g_assert_no_error (error);
  g_autoptr (SsAdminResponse) response = dispatch (
      fixture, SS_HTTP_METHOD_POST, "/api/v1/teacher-tokens", teacher,
      "{\"classroom\": \"R2\"}");

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 403);
}

static void
test_teacher_token_bad_classroom_is_400 (Fixture *fixture,
                                         gconstpointer data)
{
  const char *bodies[] = {
    "", "[]", "{}", "{\"classroom\": 7}", "{\"classroom\": \"\"}",
    "{\"classroom\": \"R 1\"}", "{\"classroom\": \"R1\", \"classroom\": \"R2\"}",
  };
  g_autofree char *admin = issue_token (fixture, SS_AUTH_ROLE_ADMIN);
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (SsAdminResponse) response = dispatch (
          fixture, SS_HTTP_METHOD_POST, "/api/v1/teacher-tokens", admin,
          bodies[i]);
      g_autoptr (json_t) body = response_json (response);

      g_assert_cmpuint (ss_admin_response_get_status (response), ==, 400);
      g_assert_cmpstr (error_code (body), ==, "invalid");
    }
}

static void
test_bytes_body_kept_whole (void)
{
  static const guint8 data[] = { 0x89, 'P', 'N', 'G', 0, 1, 2 };
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, sizeof data);
  g_autoptr (SsAdminResponse) response = ss_admin_response_new ();
  ss_admin_response_set_bytes (response, 200, "image/png", bytes);

  g_assert_cmpuint (ss_admin_response_get_status (response), ==, 200);
  g_assert_cmpstr (ss_admin_response_get_content_type (response), ==,
                   "image/png");
  GBytes *body = ss_admin_response_get_body (response);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                   data, sizeof data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func)                                                      \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/admin-api/admin-token-accepted", test_admin_token_accepted);
  ADD ("/admin-api/missing-token-401", test_missing_token_is_401);
  ADD ("/admin-api/garbage-token-401", test_garbage_token_is_401);
  ADD ("/admin-api/classroom-token-403", test_classroom_token_is_403);
  ADD ("/admin-api/open-route", test_open_route_needs_no_token);
  ADD ("/admin-api/unknown-path-404", test_unknown_path_is_404);
  ADD ("/admin-api/wrong-method-405", test_wrong_method_is_405);
  ADD ("/admin-api/prefix-route", test_prefix_route_matches);
  ADD ("/admin-api/post-body", test_post_body_reaches_handler);
  ADD ("/admin-api/no-auth-503", test_no_auth_is_503);
  ADD ("/admin-api/has-path", test_has_path);
  ADD ("/admin-api/teacher-token", test_teacher_token_issued);
  ADD ("/admin-api/teacher-token-needs-admin",
       test_teacher_token_needs_admin);
  ADD ("/admin-api/teacher-token-bad-classroom",
       test_teacher_token_bad_classroom_is_400);
#undef ADD
  g_test_add_func ("/admin-api/bytes-body", test_bytes_body_kept_whole);
  g_test_add_func ("/admin-api/error-body", test_error_body_shape);
  g_test_add_func ("/admin-api/method-names", test_method_names);
  return g_test_run ();
}
