/* Static files of the teachers' web page: request path checks, content
 * types and reading a file under the web root. */
#define G_LOG_DOMAIN "ss-server"

#include "ss-web-files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK (ss-web-files-error-quark, ss_web_files_error)

#define INDEX_FILE "index.html"

static gboolean
is_segment_char (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '_' || c == '-';
}

/* A segment between two slashes: not empty, not starting with a dot (which
 * excludes "." and ".." as well as hidden files), and only the allowed
 * characters. */
static gboolean
is_valid_segment (const char *start, gsize length)
{
  if (length == 0 || start[0] == '.')
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!is_segment_char (start[i]))
      return FALSE;
  return TRUE;
}

char *
ss_web_files_relative_path (const char *request_path, GError **error)
{
  g_return_val_if_fail (request_path != NULL, NULL);

  if (request_path[0] != '/' || strlen (request_path) > SS_WEB_FILES_MAX_PATH)
    goto invalid;

  if (strcmp (request_path, "/") == 0)
    return g_strdup (INDEX_FILE);

  const char *segment = request_path + 1;
  for (;;)
    {
      const char *end = strchr (segment, '/');
      gsize length = end != NULL ? (gsize) (end - segment) : strlen (segment);
      if (!is_valid_segment (segment, length))
        goto invalid;
      if (end == NULL)
        break;
      segment = end + 1;
    }
  return g_strdup (request_path + 1);

invalid:
  g_set_error (error, SS_WEB_FILES_ERROR, SS_WEB_FILES_ERROR_INVALID_PATH,
               "invalid file path: each part may hold only A-Z a-z 0-9 . _ "
               "- and must not start with a dot");
  return NULL;
}

const char *
ss_web_files_content_type (const char *file_name)
{
  static const struct {
    const char *extension;
    const char *type;
  } types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".json", "application/json" },
    { ".txt", "text/plain; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
    { ".webp", "image/webp" },
    { ".woff2", "font/woff2" },
  };

  const char *dot = strrchr (file_name, '.');
  if (dot != NULL && strchr (dot, '/') == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (types); i++)
      if (g_ascii_strcasecmp (dot, types[i].extension) == 0)
        return types[i].type;
  return "application/octet-stream";
}

static void
set_not_found (GError **error, const char *relative_path)
{
  g_set_error (error, SS_WEB_FILES_ERROR, SS_WEB_FILES_ERROR_NOT_FOUND,
               "no file %s in the web root", relative_path);
}

/* Reads at most SS_WEB_FILES_MAX_SIZE bytes of the regular file at
 * @real_path, which has no symbolic link left in it. */
static GBytes *
read_regular_file (const char *real_path,
                   const char *relative_path,
                   GError **error)
{
  int fd = open (real_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      int saved_errno = errno;
      if (saved_errno == ENOENT || saved_errno == ELOOP)
        set_not_found (error, relative_path);
      else
        g_set_error (error, SS_WEB_FILES_ERROR, SS_WEB_FILES_ERROR_FAILED,
                     "cannot open %s: %s", real_path,
                     g_strerror (saved_errno));
      return NULL;
    }

  struct stat info;
  if (fstat (fd, &info) != 0 || !S_ISREG (info.st_mode))
    {
      close (fd);
      set_not_found (error, relative_path);
      return NULL;
    }

  if (info.st_size > SS_WEB_FILES_MAX_SIZE)
    {
      close (fd);
      g_set_error (error, SS_WEB_FILES_ERROR, SS_WEB_FILES_ERROR_TOO_LARGE,
                   "%s has %lld bytes, more than the %d the server sends",
                   real_path, (long long) info.st_size, SS_WEB_FILES_MAX_SIZE);
      return NULL;
    }

  gsize size = (gsize) info.st_size;
  guint8 *data = g_malloc (size + 1);
  gsize filled = 0;
  while (filled < size)
    {
      ssize_t count = read (fd, data + filled, size - filled);
      if (count < 0 && errno == EINTR)
        continue;
      if (count <= 0)
        {
          int saved_errno = count < 0 ? errno : EIO;
          close (fd);
          g_free (data);
          g_set_error (error, SS_WEB_FILES_ERROR, SS_WEB_FILES_ERROR_FAILED,
                       "cannot read %s: %s", real_path,
                       g_strerror (saved_errno));
          return NULL;
        }
      filled += (gsize) count;
    }
  close (fd);
  return g_bytes_new_take (data, size);
}

GBytes *
ss_web_files_read (const char *root,
                   const char *request_path,
                   const char **content_type,
                   GError **error)
{
  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (request_path != NULL, NULL);
  g_return_val_if_fail (content_type != NULL, NULL);

  g_autofree char *relative_path = ss_web_files_relative_path (request_path,
                                                               error);
  if (relative_path == NULL)
    return NULL;

  g_autofree char *real_root = realpath (root, NULL);
  if (real_root == NULL)
    {
      int saved_errno = errno;
      g_set_error (error, SS_WEB_FILES_ERROR, SS_WEB_FILES_ERROR_NOT_FOUND,
                   "the web root %s cannot be opened: %s", root,
                   g_strerror (saved_errno));
      return NULL;
    }

  g_autofree char *candidate = g_build_filename (real_root, relative_path,
                                                 NULL);
  g_autofree char *real_path = realpath (candidate, NULL);
  if (real_path == NULL)
    {
      set_not_found (error, relative_path);
      return NULL;
    }

  /* A symbolic link inside the root may point anywhere; only targets
   * inside the root are served. */
  gsize root_length = strlen (real_root);
  gboolean inside = strncmp (real_path, real_root, root_length) == 0
                    && (real_path[root_length] == '/'
                        || strcmp (real_root, "/") == 0);
  if (!inside)
    {
      g_message ("web file %s resolves to %s, outside the web root %s; "
                 "not served",
                 relative_path, real_path, real_root);
      set_not_found (error, relative_path);
      return NULL;
    }

  GBytes *bytes = read_regular_file (real_path, relative_path, error);
  if (bytes != NULL)
    *content_type = ss_web_files_content_type (relative_path);
  return bytes;
}

gboolean
ss_web_files_root_has_index (const char *root)
{
  g_autofree char *index = g_build_filename (root, INDEX_FILE, NULL);
  return g_file_test (index, G_FILE_TEST_IS_REGULAR);
}
