/* Command-line options of the impairment model. Every option exists in
 * three forms: --NAME sets both directions, --a-to-b-NAME and
 * --b-to-a-NAME set one direction and take precedence over --NAME,
 * whatever their order on the command line. */
#pragma once

#include "linkem-impair.h"

G_BEGIN_DECLS

typedef enum
{
  SS_LINKEM_DIRECTION_A_TO_B,
  SS_LINKEM_DIRECTION_B_TO_A,
} SsLinkemDirection;

typedef struct SsLinkemOptions SsLinkemOptions;

SsLinkemOptions *ss_linkem_options_new (void);
void ss_linkem_options_free (SsLinkemOptions *options);

/* Create a GOption group with the impairment options, to become the
 * context's main group. The program may add its own entries to it. The
 * group refers to options, which must outlive it. */
GOptionGroup *ss_linkem_options_create_group (SsLinkemOptions *options);

/* Check and store one option, named as on the command line without the
 * leading dashes ("delay", "a-to-b-loss"). A repeated option replaces the
 * earlier value. Fails with G_OPTION_ERROR_BAD_VALUE on an invalid value
 * and G_OPTION_ERROR_UNKNOWN_OPTION on an unknown name. */
gboolean ss_linkem_options_set (SsLinkemOptions *options,
                                const char *name,
                                const char *value,
                                GError **error);

/* Fill params with the settings of one direction: defaults, then the
 * options for both directions, then the direction's own options. */
void ss_linkem_options_resolve (const SsLinkemOptions *options,
                                SsLinkemDirection direction,
                                SsLinkemParams *params);

/* Describe params in one line for the start-up log, as
 * "delay=40.000ms jitter=0.000ms ...", leaving out the features that are
 * off. */
char *ss_linkem_params_describe (const SsLinkemParams *params);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLinkemOptions, ss_linkem_options_free)

G_END_DECLS
