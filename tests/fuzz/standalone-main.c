/* Replays every file of a corpus folder (or the files given) through a fuzz
 * target's LLVMFuzzerTestOneInput, so seeds and past crash inputs are checked
 * on every test run without libFuzzer. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
replay_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "cannot read %s: %s\n", path, error->message);
      return FALSE;
    }

  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return TRUE;
}

static int
replay_path (const char *path, guint *n_inputs)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      *n_inputs += 1;
      return replay_file (path) ? 0 : 1;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      fprintf (stderr, "cannot open %s: %s\n", path, error->message);
      return 1;
    }

  int failures = 0;
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      failures += replay_path (child, n_inputs);
    }
  return failures;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
      return 2;
    }

  guint n_inputs = 0;
  int failures = 0;
  for (int i = 1; i < argc; i++)
    failures += replay_path (argv[i], &n_inputs);

  if (n_inputs == 0)
    {
      fprintf (stderr, "no inputs found in the corpus\n");
      return 1;
    }

  printf ("replayed %u inputs\n", n_inputs);
  return failures == 0 ? 0 : 1;
}
