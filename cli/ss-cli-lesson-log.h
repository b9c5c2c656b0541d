/* The text of `shuangshi lesson log LESSON`: a lesson's chat, hands,
 * floor, phases and attendance, run by run, rendered from the admin API's
 * GET /api/v1/lessons/ID/log. Pure, so tests render canned replies.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "ss-cli-screens.h"

G_BEGIN_DECLS

char *ss_cli_render_lesson_log (json_t *reply,
                                const SsCliScreenOptions *options);

G_END_DECLS
