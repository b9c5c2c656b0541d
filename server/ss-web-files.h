/* Static files of the teachers' web page, served from one directory, the
 * web root (shuangshi-server's --web-root).
 *
 * Only regular files inside the root are served. A request path is
 * checked before it reaches the file system: it must be absolute, and
 * each of its segments is made of A-Z a-z 0-9 . _ - and does not start
 * with a dot, so "..", hidden files and encoded separators never match.
 * The file's real path (symbolic links resolved) must then lie inside the
 * root's real path, so a link pointing out of the root is not followed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SS_WEB_FILES_ERROR (ss_web_files_error_quark ())
GQuark ss_web_files_error_quark (void);

typedef enum {
  SS_WEB_FILES_ERROR_INVALID_PATH,  /* the request path is not allowed */
  SS_WEB_FILES_ERROR_NOT_FOUND,     /* no regular file there in the root */
  SS_WEB_FILES_ERROR_TOO_LARGE,     /* larger than SS_WEB_FILES_MAX_SIZE */
  SS_WEB_FILES_ERROR_FAILED,        /* the file exists but cannot be read */
} SsWebFilesError;

/* The page's files are a few kilobytes each. A larger file is rejected, so
 * a stray file in the root cannot make the server hold it in memory. */
#define SS_WEB_FILES_MAX_SIZE (8 * 1024 * 1024)

/* Maximum length of a request path, in bytes. */
#define SS_WEB_FILES_MAX_PATH 512

/* Checks @request_path (decoded, without the query string) and returns
 * the file it names, relative to the web root: "/" is "index.html".
 * Fails with SS_WEB_FILES_ERROR_INVALID_PATH. */
char *ss_web_files_relative_path (const char *request_path, GError **error);

/* The Content-Type for a file name, chosen by its extension; text types
 * carry charset=utf-8. Unknown extensions are application/octet-stream. */
const char *ss_web_files_content_type (const char *file_name);

/* Reads the file @request_path names under @root and sets
 * @content_type to its type (a static string). */
GBytes *ss_web_files_read (const char *root,
                           const char *request_path,
                           const char **content_type,
                           GError **error);

/* Tells whether @root is a directory holding index.html, for the warning
 * at start-up when the page cannot be served. */
gboolean ss_web_files_root_has_index (const char *root);

G_END_DECLS
