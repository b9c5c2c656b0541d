/* Gettext set-up shared by every program that prints text a person reads.
 *
 * Source strings are English; the zh_CN catalogue translates them. The
 * catalogue is looked up in SHUANGSHI_LOCALEDIR when that is set, then in the
 * build tree (so programs run from build/ speak Chinese), then in the
 * installed locale directory.
 */
#pragma once

#include <glib/gi18n.h>

void ss_i18n_init (void);
