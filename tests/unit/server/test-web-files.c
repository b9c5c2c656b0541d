/* Unit tests of the teachers' page file serving: request path checks,
 * content types, and reads from a temporary web root with a symbolic link
 * that points out of it. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ss-web-files.h"

static void
assert_relative (const char *request_path, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *relative = ss_web_files_relative_path (request_path,
                                                          &error);
  g_assert_no_error (error);
  g_assert_cmpstr (relative, ==, expected);
}

static void
assert_invalid (const char *request_path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *relative = ss_web_files_relative_path (request_path,
                                                          &error);
  g_assert_null (relative);
  g_assert_error (error, SS_WEB_FILES_ERROR,
                  SS_WEB_FILES_ERROR_INVALID_PATH);
}

static void
test_root_is_index (void)
{
  assert_relative ("/", "index.html");
}

static void
test_plain_paths_accepted (void)
{
  assert_relative ("/main.js", "main.js");
  assert_relative ("/messages-zh_CN.json", "messages-zh_CN.json");
  assert_relative ("/img/logo.v2.png", "img/logo.v2.png");
}

static void
test_dot_segments_rejected (void)
{
  assert_invalid ("/..");
  assert_invalid ("/../etc/passwd");
  assert_invalid ("/img/../../secret");
  assert_invalid ("/./main.js");
  assert_invalid ("/img/.");
}

static void
test_hidden_files_rejected (void)
{
  assert_invalid ("/.git/config");
  assert_invalid ("/.htaccess");
  assert_invalid ("/img/.cache");
}

static void
test_odd_characters_rejected (void)
{
  assert_invalid ("");
  assert_invalid ("main.js");
  assert_invalid ("//main.js");
  assert_invalid ("/img/");
  assert_invalid ("/a\\b");
  assert_invalid ("/%2e%2e/x");
  assert_invalid ("/main.js?x=1");
  assert_invalid ("/with space.js");
  assert_invalid ("/课程.html");
}

static void
test_long_path_rejected (void)
{
  g_autofree char *long_name = g_strnfill (SS_WEB_FILES_MAX_PATH, 'a');
  g_autofree char *path = g_strconcat ("/", long_name, NULL);
  assert_invalid (path);
}

static void
test_content_types (void)
{
  g_assert_cmpstr (ss_web_files_content_type ("index.html"), ==,
                   "text/html; charset=utf-8");
  g_assert_cmpstr (ss_web_files_content_type ("main.js"), ==,
                   "text/javascript; charset=utf-8");
  g_assert_cmpstr (ss_web_files_content_type ("style.CSS"), ==,
                   "text/css; charset=utf-8");
  g_assert_cmpstr (ss_web_files_content_type ("messages-zh_CN.json"), ==,
                   "application/json");
  g_assert_cmpstr (ss_web_files_content_type ("logo.png"), ==, "image/png");
  g_assert_cmpstr (ss_web_files_content_type ("README"), ==,
                   "application/octet-stream");
  g_assert_cmpstr (ss_web_files_content_type ("archive.tar.gz"), ==,
                   "application/octet-stream");
}

/* A web root with index.html, img/logo.png, a directory, a link to a file
 * inside and a link to a file outside the root. */
typedef struct {
  char *base;
  char *root;
} Fixture;

static void
write_file (const char *path, const char *contents, gssize length)
{
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

/* Fifteen bytes with a NUL inside, as binary files have. */
static const char logo_bytes[] = "\x89PNG\r\n\x1a\n\0binary";

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  fixture->base = g_dir_make_tmp ("ss-web-files-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->root = g_build_filename (fixture->base, "web", NULL);
  g_autofree char *img = g_build_filename (fixture->root, "img", NULL);
  g_assert_cmpint (g_mkdir_with_parents (img, 0700), ==, 0);

  g_autofree char *index = g_build_filename (fixture->root, "index.html",
                                             NULL);
  write_file (index, "<!DOCTYPE html>", -1);
  g_autofree char *logo = g_build_filename (img, "logo.png", NULL);
  write_file (logo, logo_bytes, sizeof logo_bytes - 1);
  g_autofree char *secret = g_build_filename (fixture->base, "secret.txt",
                                              NULL);
  write_file (secret, "outside the root", -1);

  g_autofree char *inside_link = g_build_filename (fixture->root, "home.html",
                                                   NULL);
  g_assert_cmpint (symlink ("index.html", inside_link), ==, 0);
  g_autofree char *outside_link = g_build_filename (fixture->root,
                                                    "secret.txt", NULL);
  g_assert_cmpint (symlink ("../secret.txt", outside_link), ==, 0);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  const char *relative[] = {
    "web/img/logo.png", "web/img", "web/index.html", "web/home.html",
    "web/secret.txt", "web", "secret.txt",
  };
  for (guint i = 0; i < G_N_ELEMENTS (relative); i++)
    {
      g_autofree char *path = g_build_filename (fixture->base, relative[i],
                                                NULL);
      g_remove (path);
    }
  g_rmdir (fixture->base);
  g_free (fixture->root);
  g_free (fixture->base);
}

static void
test_read_index (Fixture *fixture, gconstpointer data)
{
  const char *content_type = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = ss_web_files_read (fixture->root, "/",
                                                &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   "<!DOCTYPE html>", 15);
  g_assert_cmpstr (content_type, ==, "text/html; charset=utf-8");
  g_assert_true (ss_web_files_root_has_index (fixture->root));
}

static void
test_read_binary_in_subdirectory (Fixture *fixture, gconstpointer data)
{
  const char *content_type = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = ss_web_files_read (
      fixture->root, "/img/logo.png", &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   logo_bytes, sizeof logo_bytes - 1);
  g_assert_cmpstr (content_type, ==, "image/png");
}

static void
test_link_inside_root_served (Fixture *fixture, gconstpointer data)
{
  const char *content_type = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = ss_web_files_read (fixture->root, "/home.html",
                                                &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 15);
}

static void
test_link_out_of_root_not_found (Fixture *fixture, gconstpointer data)
{
  const char *content_type = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = ss_web_files_read (fixture->root, "/secret.txt",
                                                &content_type, &error);
  g_assert_null (bytes);
  g_assert_error (error, SS_WEB_FILES_ERROR, SS_WEB_FILES_ERROR_NOT_FOUND);
  g_assert_null (content_type);
}

static void
test_missing_and_directory_not_found (Fixture *fixture, gconstpointer data)
{
  const char *paths[] = { "/missing.js", "/img", "/img/missing.png" };
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      const char *content_type = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) bytes = ss_web_files_read (fixture->root, paths[i],
                                                    &content_type, &error);
      g_assert_null (bytes);
      g_assert_error (error, SS_WEB_FILES_ERROR,
                      SS_WEB_FILES_ERROR_NOT_FOUND);
    }
}

static void
test_parent_path_rejected_before_disk (Fixture *fixture, gconstpointer data)
{
  const char *content_type = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = ss_web_files_read (
      fixture->root, "/../secret.txt", &content_type, &error);
  g_assert_null (bytes);
  g_assert_error (error, SS_WEB_FILES_ERROR,
                  SS_WEB_FILES_ERROR_INVALID_PATH);
}

static void
test_missing_root (Fixture *fixture, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (fixture->base, "nothing",
                                               NULL);
  const char *content_type = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = ss_web_files_read (missing, "/", &content_type,
                                                &error);
  g_assert_null (bytes);
  g_assert_error (error, SS_WEB_FILES_ERROR, SS_WEB_FILES_ERROR_NOT_FOUND);
  g_assert_false (ss_web_files_root_has_index (missing));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/web-files/root-is-index", test_root_is_index);
  g_test_add_func ("/web-files/plain-paths", test_plain_paths_accepted);
  g_test_add_func ("/web-files/dot-segments", test_dot_segments_rejected);
  g_test_add_func ("/web-files/hidden-files", test_hidden_files_rejected);
  g_test_add_func ("/web-files/odd-characters", test_odd_characters_rejected);
  g_test_add_func ("/web-files/long-path", test_long_path_rejected);
  g_test_add_func ("/web-files/content-types", test_content_types);

#define ADD(path, func)                                                       \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/web-files/read/index", test_read_index);
  ADD ("/web-files/read/binary", test_read_binary_in_subdirectory);
  ADD ("/web-files/read/link-inside", test_link_inside_root_served);
  ADD ("/web-files/read/link-outside", test_link_out_of_root_not_found);
  ADD ("/web-files/read/missing", test_missing_and_directory_not_found);
  ADD ("/web-files/read/parent-path", test_parent_path_rejected_before_disk);
  ADD ("/web-files/read/missing-root", test_missing_root);
#undef ADD

  return g_test_run ();
}
