/* Token check of the signaling hello (protocol/README.md, "hello").
 *
 * Every hello carries a JWT (server/ss-auth.h). A classroom or teacher
 * token is bound to one classroom id and may only greet as that
 * classroom. An admin token may greet as any classroom, which the tests
 * and the load generator use. The messages name the reason and the next step but
 * never the token itself.
 */
#define G_LOG_DOMAIN "ss-server"

#include "ss-hello-auth.h"

static const char *
describe_auth_failure (const GError *auth_error)
{
  if (auth_error->domain != SS_AUTH_ERROR)
    return "the token could not be checked";

  switch ((SsAuthError) auth_error->code)
    {
    case SS_AUTH_ERROR_MISSING:
      return "hello has no token; give the agent the classroom's token "
             "(\"shuangshi classroom add\" prints it)";
    case SS_AUTH_ERROR_EXPIRED:
      return "the token has expired; issue a new one with \"shuangshi "
             "classroom add\" or ask the technician";
    case SS_AUTH_ERROR_INVALID:
      return "the token is invalid: it is malformed or was not signed by "
             "this server";
    case SS_AUTH_ERROR_FORBIDDEN:
    case SS_AUTH_ERROR_FAILED:
      break;
    }
  return "the token could not be checked";
}

gboolean
ss_hello_auth_check (SsAuth *auth,
                     const SsMessage *hello,
                     gint64 now_unix,
                     GError **error)
{
  g_return_val_if_fail (auth != NULL, FALSE);
  g_return_val_if_fail (hello != NULL, FALSE);

  g_autoptr (GError) auth_error = NULL;
  SsAuthClaims claims = { 0 };
  if (!ss_auth_verify (auth, hello->token, now_unix, &claims, &auth_error))
    {
      g_set_error_literal (error, SS_PROTOCOL_ERROR,
                           SS_PROTOCOL_ERROR_UNAUTHORIZED,
                           describe_auth_failure (auth_error));
      return FALSE;
    }

  gboolean allowed = claims.role == SS_AUTH_ROLE_ADMIN
                     || g_strcmp0 (claims.classroom, hello->classroom) == 0;
  if (!allowed)
    g_set_error (error, SS_PROTOCOL_ERROR, SS_PROTOCOL_ERROR_UNAUTHORIZED,
                 "the token belongs to classroom %s, not to %s",
                 claims.classroom != NULL ? claims.classroom : "-",
                 hello->classroom);

  ss_auth_claims_clear (&claims);
  return allowed;
}
