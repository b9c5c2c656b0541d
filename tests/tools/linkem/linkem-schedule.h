/* Frames waiting for their release time, earliest first. Frames with the
 * same release time leave in submission order. The capacity is fixed at
 * creation, so pushing never allocates. */
#pragma once

#include "linkem-pool.h"

G_BEGIN_DECLS

#define SS_LINKEM_NEVER G_MAXINT64

typedef struct SsLinkemSchedule SsLinkemSchedule;

SsLinkemSchedule *ss_linkem_schedule_new (guint capacity);
void ss_linkem_schedule_free (SsLinkemSchedule *schedule);

/* Queue slot to leave at release_us. Returns FALSE, leaving the slot with
 * the caller, when the schedule already contains capacity frames. */
gboolean ss_linkem_schedule_push (SsLinkemSchedule *schedule,
                                  SsLinkemSlot *slot,
                                  gint64 release_us);

/* Release time of the earliest frame, or SS_LINKEM_NEVER when empty. */
gint64 ss_linkem_schedule_next_release_us (const SsLinkemSchedule *schedule);

/* Remove and return the earliest frame if its release time is at or
 * before now_us, else NULL. */
SsLinkemSlot *ss_linkem_schedule_pop_ready (SsLinkemSchedule *schedule, gint64 now_us);

guint ss_linkem_schedule_get_length (const SsLinkemSchedule *schedule);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsLinkemSchedule, ss_linkem_schedule_free)

G_END_DECLS
