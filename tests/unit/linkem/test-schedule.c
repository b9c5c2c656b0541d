/* Unit tests of the frame pool and the release schedule: exhaustion and
 * reuse, release order, ties, the due-time boundary and capacity. */
#include "linkem-pool.h"
#include "linkem-schedule.h"

static void
test_pool_exhaustion (void)
{
  g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (3, 64);
  SsLinkemSlot *slots[3];

  g_assert_cmpuint (ss_linkem_pool_get_slot_count (pool), ==, 3);
  g_assert_cmpuint (ss_linkem_pool_get_slot_size (pool), ==, 64);

  for (guint i = 0; i < 3; i++)
    {
      slots[i] = ss_linkem_pool_acquire (pool);
      g_assert_nonnull (slots[i]);
      g_assert_cmpuint (slots[i]->index, ==, i);
    }
  g_assert_cmpuint (ss_linkem_pool_get_free_count (pool), ==, 0);
  g_assert_null (ss_linkem_pool_acquire (pool));

  /* Slots do not overlap. */
  g_assert_true (slots[1]->data == slots[0]->data + 64);
  g_assert_true (slots[2]->data == slots[1]->data + 64);

  slots[1]->length = 40;
  ss_linkem_pool_release (pool, slots[1]);
  g_assert_cmpuint (ss_linkem_pool_get_free_count (pool), ==, 1);

  SsLinkemSlot *again = ss_linkem_pool_acquire (pool);
  g_assert_true (again == slots[1]);
  g_assert_cmpuint (again->length, ==, 0);

  for (guint i = 0; i < 3; i++)
    ss_linkem_pool_release (pool, slots[i]);
  g_assert_cmpuint (ss_linkem_pool_get_free_count (pool), ==, 3);
}

static void
test_pool_rejects_foreign_slot (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (1, 16);
      g_autoptr (SsLinkemPool) other = ss_linkem_pool_new (1, 16);
      SsLinkemSlot *slot = ss_linkem_pool_acquire (other);

      ss_linkem_pool_release (pool, slot);
      return;
    }

  /* Releasing another pool's slot is a programming error, reported by a
   * critical warning, and the pool stays unchanged. */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*");
}

static void
test_schedule_order (void)
{
  g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (64, 8);
  g_autoptr (SsLinkemSchedule) schedule = ss_linkem_schedule_new (64);
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  gint64 previous = G_MININT64;

  g_assert_cmpint (ss_linkem_schedule_next_release_us (schedule), ==, SS_LINKEM_NEVER);
  g_assert_null (ss_linkem_schedule_pop_ready (schedule, G_MAXINT64));

  for (guint i = 0; i < 64; i++)
    {
      SsLinkemSlot *slot = ss_linkem_pool_acquire (pool);
      g_assert_true (ss_linkem_schedule_push (schedule, slot, g_rand_int_range (rand, 0, 1000)));
    }
  g_assert_cmpuint (ss_linkem_schedule_get_length (schedule), ==, 64);

  SsLinkemSlot *slot;
  while ((slot = ss_linkem_schedule_pop_ready (schedule, G_MAXINT64)) != NULL)
    {
      g_assert_cmpint (slot->release_us, >=, previous);
      previous = slot->release_us;
      ss_linkem_pool_release (pool, slot);
    }
  g_assert_cmpuint (ss_linkem_schedule_get_length (schedule), ==, 0);
  g_assert_cmpuint (ss_linkem_pool_get_free_count (pool), ==, 64);
}

static void
test_schedule_ties_fifo (void)
{
  g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (32, 8);
  g_autoptr (SsLinkemSchedule) schedule = ss_linkem_schedule_new (32);

  /* Thirty frames in three groups with equal release times, pushed with
   * the groups interleaved. */
  for (guint i = 0; i < 30; i++)
    {
      SsLinkemSlot *slot = ss_linkem_pool_acquire (pool);
      slot->data[0] = (guint8) i;
      g_assert_true (ss_linkem_schedule_push (schedule, slot, 100 * (2 - i % 3)));
    }

  for (guint group = 0; group < 3; group++)
    for (guint k = 0; k < 10; k++)
      {
        SsLinkemSlot *slot = ss_linkem_schedule_pop_ready (schedule, G_MAXINT64);
        g_assert_nonnull (slot);
        g_assert_cmpuint (slot->data[0], ==, 3 * k + (2 - group));
        ss_linkem_pool_release (pool, slot);
      }
}

static void
test_schedule_due_boundary (void)
{
  g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (2, 8);
  g_autoptr (SsLinkemSchedule) schedule = ss_linkem_schedule_new (2);

  g_assert_true (ss_linkem_schedule_push (schedule, ss_linkem_pool_acquire (pool), 5000));
  g_assert_true (ss_linkem_schedule_push (schedule, ss_linkem_pool_acquire (pool), -20));

  /* Times before zero are valid, because the clock is only an origin. */
  g_assert_cmpint (ss_linkem_schedule_next_release_us (schedule), ==, -20);
  g_assert_null (ss_linkem_schedule_pop_ready (schedule, -21));
  g_assert_nonnull (ss_linkem_schedule_pop_ready (schedule, -20));

  g_assert_cmpint (ss_linkem_schedule_next_release_us (schedule), ==, 5000);
  g_assert_null (ss_linkem_schedule_pop_ready (schedule, 4999));
  g_assert_nonnull (ss_linkem_schedule_pop_ready (schedule, 5000));
  g_assert_cmpint (ss_linkem_schedule_next_release_us (schedule), ==, SS_LINKEM_NEVER);
}

static void
test_schedule_capacity (void)
{
  g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (3, 8);
  g_autoptr (SsLinkemSchedule) schedule = ss_linkem_schedule_new (2);

  g_assert_true (ss_linkem_schedule_push (schedule, ss_linkem_pool_acquire (pool), 1));
  g_assert_true (ss_linkem_schedule_push (schedule, ss_linkem_pool_acquire (pool), 2));

  SsLinkemSlot *third = ss_linkem_pool_acquire (pool);
  g_assert_false (ss_linkem_schedule_push (schedule, third, 0));
  g_assert_cmpuint (ss_linkem_schedule_get_length (schedule), ==, 2);
  g_assert_cmpint (ss_linkem_schedule_next_release_us (schedule), ==, 1);
}

static void
test_schedule_interleaved (void)
{
  g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (128, 8);
  g_autoptr (SsLinkemSchedule) schedule = ss_linkem_schedule_new (128);
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  gint64 now = 0;
  guint pushed = 0;
  guint popped = 0;

  /* Push and pop in a random mix, as the event loop does. Every pop must
   * be due, and the earliest of those queued. */
  for (guint step = 0; step < 20000; step++)
    {
      now += g_rand_int_range (rand, 0, 50);
      SsLinkemSlot *slot = ss_linkem_pool_acquire (pool);
      if (slot != NULL && g_rand_boolean (rand))
        {
          g_assert_true (ss_linkem_schedule_push (schedule, slot,
                                                  now + g_rand_int_range (rand, 0, 500)));
          pushed++;
          continue;
        }
      if (slot != NULL)
        ss_linkem_pool_release (pool, slot);

      gint64 next = ss_linkem_schedule_next_release_us (schedule);
      SsLinkemSlot *due = ss_linkem_schedule_pop_ready (schedule, now);
      if (due == NULL)
        {
          g_assert_true (next == SS_LINKEM_NEVER || next > now);
          continue;
        }
      g_assert_cmpint (due->release_us, ==, next);
      g_assert_cmpint (due->release_us, <=, now);
      g_assert_cmpint (ss_linkem_schedule_next_release_us (schedule), >=, next);
      ss_linkem_pool_release (pool, due);
      popped++;
    }

  g_assert_cmpuint (pushed - popped, ==, ss_linkem_schedule_get_length (schedule));
  g_assert_cmpuint (popped, >, 5000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/linkem/pool/exhaustion", test_pool_exhaustion);
  g_test_add_func ("/linkem/pool/rejects-foreign-slot", test_pool_rejects_foreign_slot);
  g_test_add_func ("/linkem/schedule/order", test_schedule_order);
  g_test_add_func ("/linkem/schedule/ties-fifo", test_schedule_ties_fifo);
  g_test_add_func ("/linkem/schedule/due-boundary", test_schedule_due_boundary);
  g_test_add_func ("/linkem/schedule/capacity", test_schedule_capacity);
  g_test_add_func ("/linkem/schedule/interleaved", test_schedule_interleaved);

  return g_test_run ();
}
