/* Gettext initialisation for the programs' user-facing text. */
#include "ss-config.h"
#include "ss-i18n.h"

#include <locale.h>

static const char *
pick_locale_dir (void)
{
  const char *from_env = g_getenv ("SHUANGSHI_LOCALEDIR");
  if (from_env != NULL && *from_env != '\0')
    return from_env;

  /* A program run from the build tree finds the freshly built catalogue. */
  g_autofree char *built_mo = g_build_filename (SS_BUILD_LOCALEDIR, "zh_CN",
                                                "LC_MESSAGES",
                                                GETTEXT_PACKAGE ".mo", NULL);
  if (g_file_test (built_mo, G_FILE_TEST_EXISTS))
    return SS_BUILD_LOCALEDIR;

  return SS_LOCALEDIR;
}

void
ss_i18n_init (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, pick_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
