/* Release schedule as a binary min-heap of slot pointers ordered by
 * (release time, submission number). Push and pop are O(log n). */
#include "linkem-schedule.h"

struct SsLinkemSchedule
{
  guint capacity;
  guint length;
  guint64 next_order;
  SsLinkemSlot **heap;
};

SsLinkemSchedule *
ss_linkem_schedule_new (guint capacity)
{
  g_return_val_if_fail (capacity > 0, NULL);

  SsLinkemSchedule *schedule = g_new0 (SsLinkemSchedule, 1);
  schedule->capacity = capacity;
  schedule->heap = g_new0 (SsLinkemSlot *, capacity);
  return schedule;
}

void
ss_linkem_schedule_free (SsLinkemSchedule *schedule)
{
  if (schedule == NULL)
    return;

  g_free (schedule->heap);
  g_free (schedule);
}

static gboolean
leaves_before (const SsLinkemSlot *a, const SsLinkemSlot *b)
{
  if (a->release_us != b->release_us)
    return a->release_us < b->release_us;
  return a->order < b->order;
}

static void
swap (SsLinkemSlot **heap, guint i, guint j)
{
  SsLinkemSlot *tmp = heap[i];
  heap[i] = heap[j];
  heap[j] = tmp;
}

static void
sift_up (SsLinkemSlot **heap, guint i)
{
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      if (!leaves_before (heap[i], heap[parent]))
        break;
      swap (heap, i, parent);
      i = parent;
    }
}

static void
sift_down (SsLinkemSlot **heap, guint length, guint i)
{
  for (;;)
    {
      guint left = 2 * i + 1;
      guint right = left + 1;
      guint first = i;

      if (left < length && leaves_before (heap[left], heap[first]))
        first = left;
      if (right < length && leaves_before (heap[right], heap[first]))
        first = right;
      if (first == i)
        break;

      swap (heap, i, first);
      i = first;
    }
}

gboolean
ss_linkem_schedule_push (SsLinkemSchedule *schedule, SsLinkemSlot *slot, gint64 release_us)
{
  g_return_val_if_fail (schedule != NULL, FALSE);
  g_return_val_if_fail (slot != NULL, FALSE);

  if (schedule->length == schedule->capacity)
    return FALSE;

  slot->release_us = release_us;
  slot->order = schedule->next_order++;

  schedule->heap[schedule->length] = slot;
  sift_up (schedule->heap, schedule->length);
  schedule->length++;
  return TRUE;
}

gint64
ss_linkem_schedule_next_release_us (const SsLinkemSchedule *schedule)
{
  g_return_val_if_fail (schedule != NULL, SS_LINKEM_NEVER);

  if (schedule->length == 0)
    return SS_LINKEM_NEVER;
  return schedule->heap[0]->release_us;
}

SsLinkemSlot *
ss_linkem_schedule_pop_ready (SsLinkemSchedule *schedule, gint64 now_us)
{
  g_return_val_if_fail (schedule != NULL, NULL);

  if (schedule->length == 0 || schedule->heap[0]->release_us > now_us)
    return NULL;

  SsLinkemSlot *slot = schedule->heap[0];
  schedule->length--;
  schedule->heap[0] = schedule->heap[schedule->length];
  schedule->heap[schedule->length] = NULL;
  sift_down (schedule->heap, schedule->length, 0);
  return slot;
}

guint
ss_linkem_schedule_get_length (const SsLinkemSchedule *schedule)
{
  g_return_val_if_fail (schedule != NULL, 0);

  return schedule->length;
}
