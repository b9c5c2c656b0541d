/* The counter report ss-linkem prints on SIGUSR1 and at exit: one JSON
 * object on one line, with an object per direction. */
#pragma once

#include "linkem-path.h"

G_BEGIN_DECLS

/* Format the counters of both directions as one line of JSON without a
 * newline. final is TRUE for the report printed at exit. */
char *ss_linkem_report_format (SsLinkemPath *a_to_b, SsLinkemPath *b_to_a, gboolean final);

G_END_DECLS
