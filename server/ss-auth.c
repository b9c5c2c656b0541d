/* Credentials: issuing and verifying the server's JSON Web Tokens.
 *
 * A token is a JWS in compact form (RFC 7515 section 7.1) with an HS256
 * signature (RFC 7518 section 3.2). Its claims (RFC 7519 section 4.1) are
 * "iss" (always "shuangshi"), "role", "sub" (the classroom id, absent for
 * admin), "iat" and "exp". libjwt 1.10 checks the signature, but jwt.h
 * documents that it skips all checks for "alg": "none" and it has no expiry
 * check, so this file checks the algorithm and "exp" itself.
 *
 * The key is 32 random bytes, stored hex-encoded in DATA_DIR/jwt.key with
 * mode 0600. Losing the key invalidates every token, so it is never
 * rewritten once it exists.
 */
#define G_LOG_DOMAIN "ss-auth"

#include "ss-auth.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <jwt.h>
#include <string.h>
#include <sys/random.h>

#define SS_AUTH_KEY_BYTES 32
#define SS_AUTH_ISSUER "shuangshi"
#define SS_AUTH_KEY_FILE "jwt.key"
#define SS_AUTH_ADMIN_TOKEN_FILE "admin.token"

/* Lifetime of the admin token on disk: one year. A technician replaces it
 * by deleting the file and restarting the server. */
#define SS_AUTH_ADMIN_LIFETIME_S (365 * 24 * 3600)

/* Longer tokens are rejected before libjwt parses them. The tokens issued
 * here are about 250 bytes. */
#define SS_AUTH_MAX_TOKEN_LENGTH 4096

struct _SsAuth {
  guint8 key[SS_AUTH_KEY_BYTES];
};

G_DEFINE_QUARK (ss-auth-error-quark, ss_auth_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (jwt_t, jwt_free)

static const char *const role_names[] = {
  [SS_AUTH_ROLE_ADMIN] = "admin",
  [SS_AUTH_ROLE_CLASSROOM] = "classroom",
  [SS_AUTH_ROLE_TEACHER] = "teacher",
};

void
ss_auth_claims_clear (SsAuthClaims *claims)
{
  g_clear_pointer (&claims->classroom, g_free);
  claims->role = SS_AUTH_ROLE_ADMIN;
  claims->expires_unix = 0;
}

void
ss_auth_free (SsAuth *auth)
{
  if (auth == NULL)
    return;

  explicit_bzero (auth->key, sizeof auth->key);
  g_free (auth);
}

/* ---- Key and admin token files ----------------------------------------- */

static gboolean
write_private_file (const char *path, const char *contents, GError **error)
{
  return g_file_set_contents_full (path, contents, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT
                                       | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

static gboolean
load_key (SsAuth *auth, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FAILED,
                   "cannot read the signing key: %s", local_error->message);
      return FALSE;
    }

  g_strstrip (text);
  if (strlen (text) != 2 * SS_AUTH_KEY_BYTES)
    goto invalid;

  for (guint i = 0; i < SS_AUTH_KEY_BYTES; i++)
    {
      int high = g_ascii_xdigit_value (text[2 * i]);
      int low = g_ascii_xdigit_value (text[2 * i + 1]);
      if (high < 0 || low < 0)
        goto invalid;
      auth->key[i] = (guint8) (high << 4 | low);
    }

  explicit_bzero (text, strlen (text));
  return TRUE;

invalid:
  explicit_bzero (text, strlen (text));
  g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FAILED,
               "the signing key %s is not %d hexadecimal digits; restore it "
               "from a backup, or delete it to invalidate every token and "
               "create a new key",
               path, 2 * SS_AUTH_KEY_BYTES);
  return FALSE;
}

static gboolean
create_key (SsAuth *auth, const char *path, GError **error)
{
  if (getrandom (auth->key, sizeof auth->key, 0) != sizeof auth->key)
    {
      int saved_errno = errno;
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FAILED,
                   "cannot read random bytes for the signing key: %s",
                   g_strerror (saved_errno));
      return FALSE;
    }

  char hex[2 * SS_AUTH_KEY_BYTES + 2];
  for (guint i = 0; i < SS_AUTH_KEY_BYTES; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", auth->key[i]);
  hex[2 * SS_AUTH_KEY_BYTES] = '\n';
  hex[2 * SS_AUTH_KEY_BYTES + 1] = '\0';

  gboolean written = write_private_file (path, hex, error);
  explicit_bzero (hex, sizeof hex);
  if (written)
    g_message ("created the token signing key %s", path);
  return written;
}

static gboolean
create_admin_token (SsAuth *auth, const char *path, GError **error)
{
  g_autofree char *token = ss_auth_issue (
      auth, SS_AUTH_ROLE_ADMIN, NULL, g_get_real_time () / G_USEC_PER_SEC,
      SS_AUTH_ADMIN_LIFETIME_S, error);
  if (token == NULL)
    return FALSE;

  g_autofree char *line = g_strconcat (token, "\n", NULL);
  if (!write_private_file (path, line, error))
    return FALSE;

  g_message ("wrote a new admin token to %s", path);
  return TRUE;
}

SsAuth *
ss_auth_new (const char *data_dir, GError **error)
{
  g_return_val_if_fail (data_dir != NULL, NULL);

  g_autoptr (SsAuth) auth = g_new0 (SsAuth, 1);
  g_autofree char *key_path = g_build_filename (data_dir, SS_AUTH_KEY_FILE,
                                                NULL);
  g_autofree char *admin_path = g_build_filename (
      data_dir, SS_AUTH_ADMIN_TOKEN_FILE, NULL);

  if (g_file_test (key_path, G_FILE_TEST_EXISTS))
    {
      if (!load_key (auth, key_path, error))
        return NULL;
    }
  else if (!create_key (auth, key_path, error))
    {
      return NULL;
    }

  /* A technician may delete admin.token to get a new one. The old one stays
   * valid until it expires, because the key does not change. */
  if (!g_file_test (admin_path, G_FILE_TEST_EXISTS)
      && !create_admin_token (auth, admin_path, error))
    return NULL;

  return g_steal_pointer (&auth);
}

/* ---- Issuing ----------------------------------------------------------- */

char *
ss_auth_issue (SsAuth *auth,
               SsAuthRole role,
               const char *classroom,
               gint64 now_unix,
               gint64 lifetime_s,
               GError **error)
{
  g_return_val_if_fail (auth != NULL, NULL);
  g_return_val_if_fail (role <= SS_AUTH_ROLE_TEACHER, NULL);
  g_return_val_if_fail ((role == SS_AUTH_ROLE_ADMIN) == (classroom == NULL),
                        NULL);
  g_return_val_if_fail (lifetime_s > 0, NULL);

  g_autoptr (jwt_t) jwt = NULL;
  if (jwt_new (&jwt) != 0)
    goto failed;

  if (jwt_add_grant (jwt, "iss", SS_AUTH_ISSUER) != 0
      || jwt_add_grant (jwt, "role", role_names[role]) != 0
      || jwt_add_grant_int (jwt, "iat", (long) now_unix) != 0
      || jwt_add_grant_int (jwt, "exp", (long) (now_unix + lifetime_s)) != 0)
    goto failed;

  if (classroom != NULL && jwt_add_grant (jwt, "sub", classroom) != 0)
    goto failed;

  if (jwt_set_alg (jwt, JWT_ALG_HS256, auth->key, sizeof auth->key) != 0)
    goto failed;

  char *encoded = jwt_encode_str (jwt);
  if (encoded == NULL)
    goto failed;

  /* libjwt allocates with malloc, and callers free with g_free. */
  char *token = g_strdup (encoded);
  free (encoded);
  return token;

failed:
  g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FAILED,
               "cannot encode a token for role %s", role_names[role]);
  return NULL;
}

/* ---- Verifying --------------------------------------------------------- */

static gboolean
parse_role (const char *name, SsAuthRole *role)
{
  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (strcmp (name, role_names[i]) == 0)
      {
        *role = (SsAuthRole) i;
        return TRUE;
      }
  return FALSE;
}

/* Checks that the claims have the shape ss_auth_issue writes. */
static gboolean
read_claims (jwt_t *jwt, SsAuthClaims *claims, GError **error)
{
  const char *issuer = jwt_get_grant (jwt, "iss");
  if (issuer == NULL || strcmp (issuer, SS_AUTH_ISSUER) != 0)
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID,
                   "the token was not issued by this server (iss)");
      return FALSE;
    }

  SsAuthRole role;
  if (!parse_role (jwt_get_grant (jwt, "role"), &role))
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID,
                   "the token has no valid role");
      return FALSE;
    }

  const char *subject = jwt_get_grant (jwt, "sub");
  if ((role == SS_AUTH_ROLE_ADMIN) != (subject == NULL))
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID,
                   "the token's classroom (sub) does not fit its role %s",
                   role_names[role]);
      return FALSE;
    }

  errno = 0;
  long expires = jwt_get_grant_int (jwt, "exp");
  if (errno != 0 || expires <= 0)
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID,
                   "the token has no expiry (exp)");
      return FALSE;
    }

  *claims = (SsAuthClaims){
    .role = role,
    .classroom = g_strdup (subject),
    .expires_unix = expires,
  };
  return TRUE;
}

gboolean
ss_auth_verify (SsAuth *auth,
                const char *token,
                gint64 now_unix,
                SsAuthClaims *claims,
                GError **error)
{
  g_return_val_if_fail (auth != NULL, FALSE);
  g_return_val_if_fail (claims != NULL, FALSE);

  if (token == NULL || token[0] == '\0')
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_MISSING,
                   "no token was given");
      return FALSE;
    }

  if (strlen (token) > SS_AUTH_MAX_TOKEN_LENGTH)
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID,
                   "the token is longer than %d bytes",
                   SS_AUTH_MAX_TOKEN_LENGTH);
      return FALSE;
    }

  g_autoptr (jwt_t) jwt = NULL;
  if (jwt_decode (&jwt, token, auth->key, sizeof auth->key) != 0
      || jwt == NULL)
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID,
                   "the token is malformed or its signature is invalid");
      return FALSE;
    }

  /* jwt_decode returns success for "alg": "none" without any signature
   * check. Only HS256 with this server's key proves the token is ours. */
  if (jwt_get_alg (jwt) != JWT_ALG_HS256)
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_INVALID,
                   "the token's algorithm %s is not HS256",
                   jwt_alg_str (jwt_get_alg (jwt)));
      return FALSE;
    }

  SsAuthClaims parsed = { 0 };
  if (!read_claims (jwt, &parsed, error))
    return FALSE;

  if (parsed.expires_unix <= now_unix)
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_EXPIRED,
                   "the token expired at %" G_GINT64_FORMAT
                   " (Unix time); ask for a new one",
                   parsed.expires_unix);
      ss_auth_claims_clear (&parsed);
      return FALSE;
    }

  *claims = parsed;
  return TRUE;
}

gboolean
ss_auth_verify_admin (SsAuth *auth,
                      const char *token,
                      gint64 now_unix,
                      GError **error)
{
  SsAuthClaims claims = { 0 };
  if (!ss_auth_verify (auth, token, now_unix, &claims, error))
    return FALSE;

  gboolean is_admin = claims.role == SS_AUTH_ROLE_ADMIN;
  ss_auth_claims_clear (&claims);
  if (!is_admin)
    {
      g_set_error (error, SS_AUTH_ERROR, SS_AUTH_ERROR_FORBIDDEN,
                   "an admin token is required, not a classroom or teacher "
                   "token");
      return FALSE;
    }
  return TRUE;
}
