/* The CLI's admin API client on libcurl: one blocking request per call,
 * with the admin token as "Authorization: Bearer TOKEN". Every failure
 * becomes one translated line on stderr and an exit status, so a server
 * that is down or a wrong token never shows a stack of errors.
 */
#include "ss-cli.h"
#include "ss-cli-format.h"

#include <curl/curl.h>
#include <glib/gi18n.h>
#include <string.h>

/* Replies larger than this are cut off as invalid; the live view of a
 * large prefecture is a few MiB. */
#define MAX_REPLY_BYTES (64 * 1024 * 1024)

static size_t
collect_reply (char *data, size_t size, size_t count, void *user_data)
{
  GString *reply = user_data;
  if (reply->len + size * count > MAX_REPLY_BYTES)
    return 0;

  g_string_append_len (reply, data, size * count);
  return size * count;
}

/* Reads the admin token: --token-file, else $SHUANGSHI_TOKEN, else
 * DATA_DIR/admin.token. */
static char *
load_token (SsCli *cli, int *status)
{
  const char *from_env = g_getenv ("SHUANGSHI_TOKEN");
  if (cli->token_file == NULL && from_env != NULL && *from_env != '\0')
    return g_strstrip (g_strdup (from_env));

  g_autofree char *path = cli->token_file != NULL
                              ? g_strdup (cli->token_file)
                              : g_build_filename (cli->data_dir,
                                                  "admin.token", NULL);
  g_autoptr (GError) error = NULL;
  char *token = NULL;
  if (!g_file_get_contents (path, &token, NULL, &error))
    {
      g_printerr (_("shuangshi: cannot read the admin token: %s; pass "
                    "--token-file FILE or set SHUANGSHI_TOKEN\n"),
                  error->message);
      *status = SS_CLI_EXIT_AUTH;
      return NULL;
    }
  return g_strstrip (token);
}

/* Returns the "message" of an error reply, or the body's first line. */
static char *
describe_error_body (const char *body)
{
  g_autoptr (json_t) reply = json_loads (body, 0, NULL);
  const char *message = json_string_value (
      json_object_get (json_object_get (reply, "error"), "message"));
  if (message != NULL)
    return g_strdup (message);

  g_autofree char *first_line = g_strndup (body, strcspn (body, "\r\n"));
  return first_line[0] != '\0' ? g_steal_pointer (&first_line)
                               : g_strdup (_("no details"));
}

static int
report_http_status (SsCli *cli, long status, const char *path,
                    const char *body)
{
  g_autofree char *detail = describe_error_body (body);
  if (status == 401 || status == 403)
    {
      g_printerr (_("shuangshi: the server rejected the admin token: %s\n"),
                  detail);
      return SS_CLI_EXIT_AUTH;
    }

  g_printerr (_("shuangshi: the server at %s answered HTTP %ld for %s: %s\n"),
              cli->server_url, status, path, detail);
  return SS_CLI_EXIT_FAILED;
}

static int
perform_with_type (SsCli *cli,
                   const char *method,
                   const char *path,
                   const char *body,
                   const char *content_type,
                   gboolean with_token,
                   char **reply_text)
{
  int status = SS_CLI_EXIT_OK;
  g_autofree char *token = with_token ? load_token (cli, &status) : NULL;
  if (status != SS_CLI_EXIT_OK)
    return status;

  g_autofree char *url = g_strconcat (cli->server_url, path, NULL);
  g_autofree char *authorization = token != NULL
                                       ? g_strconcat ("Authorization: Bearer ",
                                                      token, NULL)
                                       : NULL;
  g_autoptr (GString) reply = g_string_new (NULL);
  char curl_error[CURL_ERROR_SIZE] = "";

  CURL *curl = curl_easy_init ();
  struct curl_slist *headers = NULL;
  if (authorization != NULL)
    headers = curl_slist_append (headers, authorization);
  if (body != NULL)
    {
      g_autofree char *type_header = g_strconcat ("Content-Type: ",
                                                  content_type, NULL);
      headers = curl_slist_append (headers, type_header);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    }

  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect_reply);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, reply);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) cli->timeout_s);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");

  CURLcode code = curl_easy_perform (curl);
  long http_status = 0;
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &http_status);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);

  if (code != CURLE_OK)
    {
      g_printerr (_("shuangshi: cannot reach the server at %s: %s\n"),
                  cli->server_url,
                  curl_error[0] != '\0' ? curl_error
                                        : curl_easy_strerror (code));
      return SS_CLI_EXIT_UNREACHABLE;
    }

  if (http_status < 200 || http_status >= 300)
    return report_http_status (cli, http_status, path, reply->str);

  *reply_text = g_string_free (g_steal_pointer (&reply), FALSE);
  return SS_CLI_EXIT_OK;
}

static int
perform (SsCli *cli,
         const char *method,
         const char *path,
         const char *body,
         gboolean with_token,
         char **reply_text)
{
  return perform_with_type (cli, method, path, body, "application/json",
                            with_token, reply_text);
}

static int
parse_reply (SsCli *cli, const char *path, const char *text, json_t **reply)
{
  json_error_t error;
  *reply = json_loads (text, 0, &error);
  if (*reply != NULL)
    return SS_CLI_EXIT_OK;

  g_printerr (_("shuangshi: the server at %s sent invalid JSON for %s: "
                "%s\n"),
              cli->server_url, path, error.text);
  return SS_CLI_EXIT_FAILED;
}

int
ss_cli_get_json (SsCli *cli, const char *path, json_t **reply)
{
  g_autofree char *text = NULL;
  int status = perform (cli, "GET", path, NULL, TRUE, &text);
  if (status != SS_CLI_EXIT_OK)
    return status;
  return parse_reply (cli, path, text, reply);
}

int
ss_cli_get_text (SsCli *cli, const char *path, gboolean with_token,
                 char **text)
{
  return perform (cli, "GET", path, NULL, with_token, text);
}

int
ss_cli_send_json (SsCli *cli, const char *method, const char *path,
                  json_t *body, json_t **reply)
{
  g_autofree char *body_text = json_dumps (body, JSON_COMPACT);
  g_autofree char *text = NULL;
  int status = perform (cli, method, path, body_text, TRUE, &text);
  if (status != SS_CLI_EXIT_OK)
    return status;
  return parse_reply (cli, path, text, reply);
}

int
ss_cli_send_text (SsCli *cli, const char *method, const char *path,
                  const char *content_type, const char *body,
                  json_t **reply)
{
  g_autofree char *text = NULL;
  int status = perform_with_type (cli, method, path, body, content_type,
                                  TRUE, &text);
  if (status != SS_CLI_EXIT_OK)
    return status;
  return parse_reply (cli, path, text, reply);
}

void
ss_cli_print_json (json_t *value)
{
  g_autofree char *text = json_dumps (value, JSON_INDENT (2)
                                                 | JSON_REAL_PRECISION (12));
  if (text != NULL)
    g_print ("%s\n", text);
}

int
ss_cli_delete_resource (SsCli *cli, const char *collection_path,
                        const char *id, json_t **reply)
{
  g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);
  g_autofree char *path = g_strconcat (collection_path, escaped, NULL);
  return ss_cli_send_json (cli, "DELETE", path, NULL, reply);
}
