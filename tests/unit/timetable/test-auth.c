/* Unit tests of server/ss-auth.c: issuing, verifying, expiry, forged and
 * foreign tokens, the files in the data directory. */
#include <glib.h>
#include <glib/gstdio.h>
#include <jwt.h>
#include <string.h>
#include <sys/stat.h>

#include "ss-auth.h"

#define NOW 1760000000
#define DAY (24 * 3600)

typedef struct {
  char *dir;
  SsAuth *auth;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  fixture->dir = g_dir_make_tmp ("ss-auth-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->auth = ss_auth_new (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->auth);
}

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  ss_auth_free (fixture->auth);
  remove_dir (fixture->dir);
  g_free (fixture->dir);
}

static char *
base64url (const char *text)
{
  g_autofree char *plain = g_base64_encode ((const guchar *) text,
                                            strlen (text));
  GString *out = g_string_new (NULL);
  for (const char *c = plain; *c != '\0'; c++)
    {
      if (*c == '+')
        g_string_append_c (out, '-');
      else if (*c == '/')
        g_string_append_c (out, '_');
      else if (*c != '=')
        g_string_append_c (out, *c);
    }
  return g_string_free (out, FALSE);
}

static void
test_auth_classroom_round_trip (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ss_auth_issue (
      fixture->auth, SS_AUTH_ROLE_CLASSROOM, "xz-3-2", NOW, DAY, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);

  SsAuthClaims claims = { 0 };
  gboolean ok = ss_auth_verify (fixture->auth, token, NOW + 10, &claims,
                                &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (claims.role, ==, SS_AUTH_ROLE_CLASSROOM);
  g_assert_cmpstr (claims.classroom, ==, "xz-3-2");
  g_assert_cmpint (claims.expires_unix, ==, NOW + DAY);
  ss_auth_claims_clear (&claims);
  g_assert_null (claims.classroom);
}

static void
test_auth_teacher_round_trip (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ss_auth_issue (
      fixture->auth, SS_AUTH_ROLE_TEACHER, "lead-1", NOW, 60, &error);
  g_assert_no_error (error);

  SsAuthClaims claims = { 0 };
  g_assert_true (ss_auth_verify (fixture->auth, token, NOW, &claims, &error));
  g_assert_cmpint (claims.role, ==, SS_AUTH_ROLE_TEACHER);
  g_assert_cmpstr (claims.classroom, ==, "lead-1");
  ss_auth_claims_clear (&claims);
}

static void
test_auth_admin_accepted (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ss_auth_issue (fixture->auth, SS_AUTH_ROLE_ADMIN,
                                          NULL, NOW, DAY, &error);
  g_assert_no_error (error);

  gboolean ok = ss_auth_verify_admin (fixture->auth, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  SsAuthClaims claims = { 0 };
  g_assert_true (ss_auth_verify (fixture->auth, token, NOW, &claims, &error));
  g_assert_null (claims.classroom);
  g_assert_cmpint (claims.role, ==, SS_AUTH_ROLE_ADMIN);
}

static void
test_auth_expired_rejected (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ss_auth_issue (
      fixture->auth, SS_AUTH_ROLE_CLASSROOM, "c1", NOW, 60, &error);
  g_assert_no_error (error);

  SsAuthClaims claims = { 0 };
  g_assert_true (ss_auth_verify (fixture->auth, token, NOW + 59, &claims,
                                 NULL));
  ss_auth_claims_clear (&claims);

  /* exp is the first second at which the token is no longer valid. */
  gboolean ok = ss_auth_verify (fixture->auth, token, NOW + 60, &claims,
                                &error);
  g_assert_false (ok);
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_EXPIRED);
  g_assert_null (claims.classroom);
}

static void
test_auth_expired_admin_rejected (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ss_auth_issue (fixture->auth, SS_AUTH_ROLE_ADMIN,
                                          NULL, NOW - DAY, 60, &error);
  g_assert_no_error (error);

  g_assert_false (ss_auth_verify_admin (fixture->auth, token, NOW, &error));
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_EXPIRED);
}

static void
test_auth_other_key_rejected (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other_dir = g_dir_make_tmp ("ss-auth-XXXXXX", &error);
  g_assert_no_error (error);
  g_autoptr (SsAuth) other = ss_auth_new (other_dir, &error);
  g_assert_no_error (error);

  g_autofree char *token = ss_auth_issue (other, SS_AUTH_ROLE_ADMIN, NULL,
                                          NOW, DAY, &error);
  g_assert_no_error (error);

  g_assert_false (ss_auth_verify_admin (fixture->auth, token, NOW, &error));
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID);

  remove_dir (other_dir);
}

/* A classroom token whose payload is swapped for an admin payload keeps its
 * signature, which then no longer matches. */
static void
test_auth_tampered_payload_rejected (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ss_auth_issue (
      fixture->auth, SS_AUTH_ROLE_CLASSROOM, "c1", NOW, DAY, &error);
  g_assert_no_error (error);

  g_auto (GStrv) parts = g_strsplit (token, ".", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_autofree char *payload = base64url (
      "{\"iss\":\"shuangshi\",\"role\":\"admin\",\"iat\":1760000000,"
      "\"exp\":1860000000}");
  g_autofree char *forged = g_strjoin (".", parts[0], payload, parts[2],
                                       NULL);

  g_assert_false (ss_auth_verify_admin (fixture->auth, forged, NOW, &error));
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID);
}

static void
test_auth_alg_none_rejected (Fixture *fixture, gconstpointer data)
{
  g_autofree char *header = base64url ("{\"alg\":\"none\",\"typ\":\"JWT\"}");
  g_autofree char *payload = base64url (
      "{\"iss\":\"shuangshi\",\"role\":\"admin\",\"iat\":1760000000,"
      "\"exp\":1860000000}");

  /* With and without a trailing signature part. */
  const char *signatures[] = { "", "AAAA" };
  for (guint i = 0; i < G_N_ELEMENTS (signatures); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *token = g_strjoin (".", header, payload,
                                          signatures[i], NULL);
      g_assert_false (ss_auth_verify_admin (fixture->auth, token, NOW,
                                            &error));
      g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID);
    }
}

/* HS512 with the server's own key is still not what the server issues. */
static void
test_auth_other_alg_rejected (Fixture *fixture, gconstpointer data)
{
  g_autofree char *key_path = g_build_filename (fixture->dir, "jwt.key",
                                                NULL);
  g_autofree char *hex = NULL;
  g_assert_true (g_file_get_contents (key_path, &hex, NULL, NULL));
  guint8 key[32];
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4
                       | g_ascii_xdigit_value (hex[2 * i + 1]));

  jwt_t *jwt = NULL;
  g_assert_cmpint (jwt_new (&jwt), ==, 0);
  jwt_add_grant (jwt, "iss", "shuangshi");
  jwt_add_grant (jwt, "role", "admin");
  jwt_add_grant_int (jwt, "exp", NOW + DAY);
  g_assert_cmpint (jwt_set_alg (jwt, JWT_ALG_HS512, key, sizeof key), ==, 0);
  char *token = jwt_encode_str (jwt);
  jwt_free (jwt);
  g_assert_nonnull (token);

  g_autoptr (GError) error = NULL;
  g_assert_false (ss_auth_verify_admin (fixture->auth, token, NOW, &error));
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID);
  free (token);
}

static void
test_auth_wrong_role_forbidden (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ss_auth_issue (
      fixture->auth, SS_AUTH_ROLE_CLASSROOM, "c1", NOW, DAY, &error);
  g_assert_no_error (error);

  g_assert_false (ss_auth_verify_admin (fixture->auth, token, NOW, &error));
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FORBIDDEN);
}

static void
test_auth_garbage_rejected (Fixture *fixture, gconstpointer data)
{
  const char *inputs[] = {
    "abc", "a.b.c", "..", "....", "eyJ.eyJ.", "\xff\xfe.\x01.\x02",
  };
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GError) error = NULL;
      SsAuthClaims claims = { 0 };
      g_assert_false (ss_auth_verify (fixture->auth, inputs[i], NOW, &claims,
                                      &error));
      g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID);
    }

  g_autofree char *huge = g_strnfill (100000, 'A');
  g_autoptr (GError) error = NULL;
  SsAuthClaims claims = { 0 };
  g_assert_false (ss_auth_verify (fixture->auth, huge, NOW, &claims, &error));
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID);
}

static void
test_auth_missing_rejected (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (ss_auth_verify_admin (fixture->auth, NULL, NOW, &error));
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_MISSING);
  g_clear_error (&error);

  g_assert_false (ss_auth_verify_admin (fixture->auth, "", NOW, &error));
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_MISSING);
}

static void
test_auth_files_private (Fixture *fixture, gconstpointer data)
{
  const char *names[] = { "jwt.key", "admin.token" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (fixture->dir, names[i], NULL);
      GStatBuf st;
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    }
}

/* A restarted server loads the same key: the admin token written at the
 * first start stays valid, and is not rewritten. */
static void
test_auth_key_reloaded (Fixture *fixture, gconstpointer data)
{
  g_autofree char *admin_path = g_build_filename (fixture->dir, "admin.token",
                                                  NULL);
  g_autofree char *first = NULL;
  g_assert_true (g_file_get_contents (admin_path, &first, NULL, NULL));

  g_autoptr (GError) error = NULL;
  g_autoptr (SsAuth) reloaded = ss_auth_new (fixture->dir, &error);
  g_assert_no_error (error);

  g_autofree char *second = NULL;
  g_assert_true (g_file_get_contents (admin_path, &second, NULL, NULL));
  g_assert_cmpstr (first, ==, second);

  g_strstrip (second);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_true (ss_auth_verify_admin (reloaded, second, now, &error));
  g_assert_no_error (error);
}

static void
test_auth_corrupt_key_fails (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ss-auth-XXXXXX", &error);
  g_autofree char *key_path = g_build_filename (dir, "jwt.key", NULL);
  g_assert_true (g_file_set_contents (key_path, "not hex\n", -1, NULL));

  g_autoptr (SsAuth) auth = ss_auth_new (dir, &error);
  g_assert_null (auth);
  g_assert_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FAILED);

  remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func)                                                       \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/auth/classroom-round-trip", test_auth_classroom_round_trip);
  ADD ("/auth/teacher-round-trip", test_auth_teacher_round_trip);
  ADD ("/auth/admin-accepted", test_auth_admin_accepted);
  ADD ("/auth/expired", test_auth_expired_rejected);
  ADD ("/auth/expired-admin", test_auth_expired_admin_rejected);
  ADD ("/auth/other-key", test_auth_other_key_rejected);
  ADD ("/auth/tampered-payload", test_auth_tampered_payload_rejected);
  ADD ("/auth/alg-none", test_auth_alg_none_rejected);
  ADD ("/auth/other-alg", test_auth_other_alg_rejected);
  ADD ("/auth/wrong-role", test_auth_wrong_role_forbidden);
  ADD ("/auth/garbage", test_auth_garbage_rejected);
  ADD ("/auth/missing", test_auth_missing_rejected);
  ADD ("/auth/files-private", test_auth_files_private);
  ADD ("/auth/key-reloaded", test_auth_key_reloaded);
#undef ADD
  g_test_add_func ("/auth/corrupt-key", test_auth_corrupt_key_fails);

  return g_test_run ();
}
