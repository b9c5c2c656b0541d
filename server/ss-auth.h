/* Credentials: JSON Web Tokens (RFC 7519) signed with HS256 through
 * libjwt, for classroom agents, teachers and technicians.
 *
 * The signing key and the admin token live in the server's data directory:
 * DATA_DIR/jwt.key (random, created at first start, mode 0600) and
 * DATA_DIR/admin.token (an admin token written at first start, mode 0600,
 * for the technician CLI on the same machine).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_AUTH_ERROR (ss_auth_error_quark ())
GQuark ss_auth_error_quark (void);

typedef enum {
  SS_AUTH_ERROR_MISSING,    /* no token given */
  SS_AUTH_ERROR_INVALID,    /* not a JWT, bad signature, wrong algorithm */
  SS_AUTH_ERROR_EXPIRED,    /* exp is in the past */
  SS_AUTH_ERROR_FORBIDDEN,  /* valid, but the role may not do this */
  SS_AUTH_ERROR_FAILED,     /* key file or system failure */
} SsAuthError;

typedef enum {
  SS_AUTH_ROLE_ADMIN,       /* technicians: the admin API */
  SS_AUTH_ROLE_CLASSROOM,   /* a classroom agent, bound to one classroom id */
  SS_AUTH_ROLE_TEACHER,     /* a teacher's page, bound to one classroom id */
} SsAuthRole;

typedef struct {
  SsAuthRole role;
  char *classroom;          /* NULL for admin */
  gint64 expires_unix;      /* seconds since the epoch */
} SsAuthClaims;

void ss_auth_claims_clear (SsAuthClaims *claims);

typedef struct _SsAuth SsAuth;

/* Loads DATA_DIR/jwt.key, or creates it and DATA_DIR/admin.token. */
SsAuth *ss_auth_new (const char *data_dir, GError **error);
void ss_auth_free (SsAuth *auth);

/* Issues a token for role (classroom NULL for admin) valid for
 * lifetime_s seconds from now_unix. */
char *ss_auth_issue (SsAuth *auth, SsAuthRole role, const char *classroom,
                     gint64 now_unix, gint64 lifetime_s, GError **error);

/* Verifies signature, algorithm (HS256 only) and expiry at now_unix and
 * fills claims. Never logs the token. */
gboolean ss_auth_verify (SsAuth *auth, const char *token, gint64 now_unix,
                         SsAuthClaims *claims, GError **error);

/* ss_auth_verify plus a check that the role is admin. */
gboolean ss_auth_verify_admin (SsAuth *auth, const char *token,
                               gint64 now_unix, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsAuth, ss_auth_free)

G_END_DECLS
