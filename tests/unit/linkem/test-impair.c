/* Unit tests of the impairment model through one link direction, driven
 * in simulated time: delay, jitter, random and burst loss, the rate
 * limiter and its queue bound, reordering, and seeding. */
#include <string.h>

#include "linkem-path.h"

#define START_US G_GINT64_CONSTANT (1000000)
#define POOL_SLOTS 8192
#define SLOT_SIZE 16
#define SEED 20240601

/* What happened to one submitted frame. */
typedef struct
{
  SsLinkemVerdict verdict;
  gint64 arrival_us;
  gint64 release_us;     /* time pop_ready returned it; -1 when dropped */
  guint position;        /* index among the released frames */
} Outcome;

typedef struct
{
  SsLinkemPool *pool;
  SsLinkemPath *path;
  Outcome *outcomes;
  guint count;
  guint released;
  /* Highest frame index released so far and the number of frames
   * released after a frame submitted later than them. */
  gint64 highest_released;
  guint overtaken;
} Sim;

/* Frame length for frame i. Passing NULL instead gives 1000-byte frames. */
typedef gsize (*LengthFunc) (guint i, gpointer data);

static void
sim_init (Sim *sim, const SsLinkemParams *params, guint64 seed, guint count)
{
  *sim = (Sim) {
    .pool = ss_linkem_pool_new (POOL_SLOTS, SLOT_SIZE),
    .path = ss_linkem_path_new (params, seed, 0, POOL_SLOTS),
    .outcomes = g_new0 (Outcome, count),
    .count = count,
    .highest_released = -1,
  };
}

static void
sim_clear (Sim *sim)
{
  ss_linkem_path_free (sim->path);
  ss_linkem_pool_free (sim->pool);
  g_free (sim->outcomes);
}

static void
sim_submit (Sim *sim, guint i, gsize length, gint64 now_us)
{
  SsLinkemSlot *slot = ss_linkem_pool_acquire (sim->pool);
  g_assert_nonnull (slot);

  guint32 index = i;
  memcpy (slot->data, &index, sizeof index);
  slot->length = sizeof index;

  SsLinkemVerdict verdict = ss_linkem_path_submit (sim->path, slot, length, now_us);
  sim->outcomes[i] = (Outcome) {
    .verdict = verdict,
    .arrival_us = now_us,
    .release_us = -1,
  };

  if (verdict == SS_LINKEM_VERDICT_DROP_LOSS || verdict == SS_LINKEM_VERDICT_DROP_QUEUE)
    ss_linkem_pool_release (sim->pool, slot);
}

static void
sim_release_due (Sim *sim, gint64 now_us)
{
  SsLinkemSlot *slot;

  while ((slot = ss_linkem_path_pop_ready (sim->path, now_us)) != NULL)
    {
      guint32 index = 0;
      memcpy (&index, slot->data, sizeof index);
      g_assert_cmpuint (index, <, sim->count);

      sim->outcomes[index].release_us = now_us;
      sim->outcomes[index].position = sim->released++;
      if ((gint64) index < sim->highest_released)
        sim->overtaken++;
      sim->highest_released = MAX (sim->highest_released, (gint64) index);

      ss_linkem_pool_release (sim->pool, slot);
    }
}

/* Submit sim->count frames interval_us apart, waking at every release
 * time in between as an event loop would, until all are released. */
static void
sim_run (Sim *sim, gint64 interval_us, LengthFunc length_func, gpointer data)
{
  gint64 next_submit_us = START_US;
  guint next = 0;

  while (next < sim->count || ss_linkem_path_get_queued (sim->path) > 0)
    {
      gint64 next_release_us = ss_linkem_path_next_release_us (sim->path);

      if (next < sim->count && next_submit_us <= next_release_us)
        {
          gsize length = length_func != NULL ? length_func (next, data) : 1000;
          sim_submit (sim, next, length, next_submit_us);
          next++;
          next_submit_us += interval_us;
        }
      else
        {
          sim_release_due (sim, next_release_us);
        }
    }
}

static guint
count_verdicts (const Sim *sim, SsLinkemVerdict verdict)
{
  guint n = 0;

  for (guint i = 0; i < sim->count; i++)
    if (sim->outcomes[i].verdict == verdict)
      n++;
  return n;
}

static void
test_no_impairment (void)
{
  SsLinkemParams params;
  Sim sim;

  ss_linkem_params_init (&params);
  sim_init (&sim, &params, SEED, 100);
  sim_run (&sim, 1000, NULL, NULL);

  for (guint i = 0; i < sim.count; i++)
    {
      g_assert_cmpint (sim.outcomes[i].verdict, ==, SS_LINKEM_VERDICT_PASS);
      g_assert_cmpint (sim.outcomes[i].release_us, ==, sim.outcomes[i].arrival_us);
    }
  g_assert_cmpuint (ss_linkem_path_get_counters (sim.path)->received, ==, 100);
  g_assert_cmpuint (ss_linkem_pool_get_free_count (sim.pool), ==, POOL_SLOTS);

  sim_clear (&sim);
}

static void
test_constant_delay (void)
{
  SsLinkemParams params;
  Sim sim;

  ss_linkem_params_init (&params);
  params.delay_us = 40000;
  sim_init (&sim, &params, SEED, 1000);

  /* One frame alone: not due a microsecond early, due exactly on time. */
  sim_submit (&sim, 0, 1000, START_US);
  g_assert_cmpint (ss_linkem_path_next_release_us (sim.path), ==, START_US + 40000);
  g_assert_null (ss_linkem_path_pop_ready (sim.path, START_US + 39999));
  sim_release_due (&sim, START_US + 40000);
  g_assert_cmpint (sim.outcomes[0].release_us, ==, START_US + 40000);
  g_assert_cmpint (ss_linkem_path_next_release_us (sim.path), ==, SS_LINKEM_NEVER);

  /* A stream with 40 frames in flight at a time. */
  sim_clear (&sim);
  sim_init (&sim, &params, SEED, 1000);
  sim_run (&sim, 1000, NULL, NULL);
  for (guint i = 0; i < sim.count; i++)
    {
      g_assert_cmpint (sim.outcomes[i].release_us - sim.outcomes[i].arrival_us, ==, 40000);
      g_assert_cmpuint (sim.outcomes[i].position, ==, i);
    }

  sim_clear (&sim);
}

static void
test_jitter_bounded_in_order (void)
{
  SsLinkemParams params;
  Sim sim;

  ss_linkem_params_init (&params);
  params.delay_us = 40000;
  params.jitter_us = 10000;

  /* Frames 1 ms apart with +-10 ms of jitter: without the order rule
   * many would overtake each other. */
  sim_init (&sim, &params, SEED, 20000);
  sim_run (&sim, 1000, NULL, NULL);

  for (guint i = 0; i < sim.count; i++)
    {
      gint64 delay = sim.outcomes[i].release_us - sim.outcomes[i].arrival_us;
      g_assert_cmpint (delay, >=, 30000);
      g_assert_cmpint (delay, <=, 50000);
      g_assert_cmpuint (sim.outcomes[i].position, ==, i);
    }
  g_assert_cmpuint (sim.overtaken, ==, 0);
  g_assert_cmpuint (ss_linkem_path_get_counters (sim.path)->reordered, ==, 0);

  sim_clear (&sim);
}

static void
test_jitter_spread (void)
{
  SsLinkemParams params;
  Sim sim;

  ss_linkem_params_init (&params);
  params.delay_us = 40000;
  params.jitter_us = 10000;

  /* 25 ms apart, more than the jitter range, so the order rule never
   * changes a delay and the draws show unaltered. */
  sim_init (&sim, &params, SEED, 20000);
  sim_run (&sim, 25000, NULL, NULL);

  gint64 min_delay = G_MAXINT64;
  gint64 max_delay = 0;
  double sum = 0.0;
  for (guint i = 0; i < sim.count; i++)
    {
      gint64 delay = sim.outcomes[i].release_us - sim.outcomes[i].arrival_us;
      min_delay = MIN (min_delay, delay);
      max_delay = MAX (max_delay, delay);
      sum += (double) delay;
    }

  g_assert_cmpint (min_delay, >=, 30000);
  g_assert_cmpint (min_delay, <, 30100);
  g_assert_cmpint (max_delay, <=, 50000);
  g_assert_cmpint (max_delay, >, 49900);
  g_assert_cmpfloat_with_epsilon (sum / sim.count, 40000.0, 200.0);

  sim_clear (&sim);
}

static void
test_jitter_above_delay (void)
{
  SsLinkemParams params;
  Sim sim;

  ss_linkem_params_init (&params);
  params.delay_us = 5000;
  params.jitter_us = 20000;
  sim_init (&sim, &params, SEED, 5000);
  sim_run (&sim, 50000, NULL, NULL);

  guint at_zero = 0;
  for (guint i = 0; i < sim.count; i++)
    {
      gint64 delay = sim.outcomes[i].release_us - sim.outcomes[i].arrival_us;
      g_assert_cmpint (delay, >=, 0);
      g_assert_cmpint (delay, <=, 25000);
      if (delay == 0)
        at_zero++;
    }

  /* Draws below -5 ms are clamped to no delay: 15 of 40 ms of range. */
  g_assert_cmpuint (at_zero, >, sim.count * 30 / 100);
  g_assert_cmpuint (at_zero, <, sim.count * 45 / 100);

  sim_clear (&sim);
}

static void
test_random_loss_rate (void)
{
  SsLinkemParams params;
  Sim sim;

  ss_linkem_params_init (&params);
  params.loss = 0.05;
  sim_init (&sim, &params, SEED, 100000);
  sim_run (&sim, 100, NULL, NULL);

  guint lost = count_verdicts (&sim, SS_LINKEM_VERDICT_DROP_LOSS);
  double ratio = (double) lost / sim.count;
  g_test_message ("random loss: %u of %u frames (%.3f %%)", lost, sim.count, ratio * 100.0);

  g_assert_cmpfloat (ratio, >=, 0.045);
  g_assert_cmpfloat (ratio, <=, 0.055);
  g_assert_cmpuint (ss_linkem_path_get_counters (sim.path)->dropped_loss, ==, lost);
  g_assert_cmpuint (sim.released, ==, sim.count - lost);

  sim_clear (&sim);
}

static void
test_loss_extremes (void)
{
  SsLinkemParams params;
  Sim sim;

  ss_linkem_params_init (&params);
  params.loss = 1.0;
  sim_init (&sim, &params, SEED, 1000);
  sim_run (&sim, 100, NULL, NULL);
  g_assert_cmpuint (count_verdicts (&sim, SS_LINKEM_VERDICT_DROP_LOSS), ==, 1000);
  g_assert_cmpuint (sim.released, ==, 0);
  sim_clear (&sim);

  params.loss = 0.0;
  params.burst_loss = TRUE;
  params.p_good_to_bad = 0.0;
  sim_init (&sim, &params, SEED, 1000);
  sim_run (&sim, 100, NULL, NULL);
  g_assert_cmpuint (count_verdicts (&sim, SS_LINKEM_VERDICT_PASS), ==, 1000);
  sim_clear (&sim);
}

typedef struct
{
  guint bursts;
  guint lost;
  guint longest;
} BurstStats;

static BurstStats
measure_bursts (const Sim *sim)
{
  BurstStats stats = { 0 };
  guint run = 0;

  for (guint i = 0; i <= sim->count; i++)
    {
      if (i < sim->count && sim->outcomes[i].verdict == SS_LINKEM_VERDICT_DROP_LOSS)
        {
          run++;
          stats.lost++;
          continue;
        }
      if (run > 0)
        stats.bursts++;
      stats.longest = MAX (stats.longest, run);
      run = 0;
    }
  return stats;
}

static void
test_burst_loss_bursts (void)
{
  SsLinkemParams params;
  Sim sim;

  /* Mean burst 1 / 0.25 = 4 frames. Stationary loss 0.01 / 0.26. */
  ss_linkem_params_init (&params);
  params.burst_loss = TRUE;
  params.p_good_to_bad = 0.01;
  params.p_bad_to_good = 0.25;
  params.loss_in_bad = 1.0;
  sim_init (&sim, &params, SEED, 100000);
  sim_run (&sim, 100, NULL, NULL);

  BurstStats bursts = measure_bursts (&sim);
  double mean_burst = (double) bursts.lost / bursts.bursts;
  double ratio = (double) bursts.lost / sim.count;
  g_test_message ("burst loss: %.3f %% lost, %u bursts, mean %.2f frames, longest %u",
                  ratio * 100.0, bursts.bursts, mean_burst, bursts.longest);

  g_assert_cmpfloat (mean_burst, >=, 3.6);
  g_assert_cmpfloat (mean_burst, <=, 4.4);
  g_assert_cmpfloat (ratio, >=, 0.033);
  g_assert_cmpfloat (ratio, <=, 0.044);
  g_assert_cmpuint (bursts.longest, >=, 15);
  sim_clear (&sim);

  /* Random loss at the same rate for contrast: bursts of about 1. */
  ss_linkem_params_init (&params);
  params.loss = ratio;
  sim_init (&sim, &params, SEED, 100000);
  sim_run (&sim, 100, NULL, NULL);
  BurstStats random = measure_bursts (&sim);
  g_assert_cmpfloat ((double) random.lost / random.bursts, <, 1.1);
  sim_clear (&sim);
}

static void
test_burst_loss_partial (void)
{
  SsLinkemParams params;
  Sim sim;

  /* Half the frames in the bad state are lost: about 0.5 * 0.01 / 0.11. */
  ss_linkem_params_init (&params);
  params.burst_loss = TRUE;
  params.p_good_to_bad = 0.01;
  params.p_bad_to_good = 0.10;
  params.loss_in_bad = 0.5;
  sim_init (&sim, &params, SEED, 100000);
  sim_run (&sim, 100, NULL, NULL);

  double ratio = (double) count_verdicts (&sim, SS_LINKEM_VERDICT_DROP_LOSS) / sim.count;
  g_assert_cmpfloat (ratio, >=, 0.040);
  g_assert_cmpfloat (ratio, <=, 0.051);

  sim_clear (&sim);
}

static gsize
fixed_1250 (guint i, gpointer data)
{
  return 1250;
}

/* Output rate of the frames released, from the first release to the last,
 * counting the bits of all frames but the first. */
static double
measure_rate_kbit (const Sim *sim, const gsize *lengths, gint64 *longest_wait)
{
  gint64 first_us = G_MAXINT64;
  gint64 last_us = G_MININT64;
  guint first_index = 0;
  guint64 bits = 0;

  *longest_wait = 0;
  for (guint i = 0; i < sim->count; i++)
    {
      const Outcome *o = &sim->outcomes[i];
      if (o->release_us < 0)
        continue;

      *longest_wait = MAX (*longest_wait, o->release_us - o->arrival_us);
      if (o->release_us < first_us)
        {
          first_us = o->release_us;
          first_index = i;
        }
      last_us = MAX (last_us, o->release_us);
      bits += 8 * (guint64) lengths[i];
    }

  bits -= 8 * (guint64) lengths[first_index];
  return (double) bits * 1000.0 / (double) (last_us - first_us);
}

static void
test_rate_limit_fixed_frames (void)
{
  SsLinkemParams params;
  Sim sim;

  /* 10 s of 1250-byte frames every 10 ms: 1 Mbit/s into a 400 kbit/s
   * limit with a 100 ms queue. */
  ss_linkem_params_init (&params);
  params.rate_kbit = 400;
  params.queue_us = 100000;
  sim_init (&sim, &params, SEED, 1000);
  sim_run (&sim, 10000, fixed_1250, NULL);

  gsize *lengths = g_new (gsize, sim.count);
  for (guint i = 0; i < sim.count; i++)
    lengths[i] = 1250;

  gint64 longest_wait = 0;
  double kbit = measure_rate_kbit (&sim, lengths, &longest_wait);
  guint dropped = count_verdicts (&sim, SS_LINKEM_VERDICT_DROP_QUEUE);
  g_test_message ("rate limit: %.1f kbit/s out, %u of %u frames dropped, longest wait %"
                  G_GINT64_FORMAT " us", kbit, dropped, sim.count, longest_wait);

  g_assert_cmpfloat (kbit, >=, 400.0 * 0.97);
  g_assert_cmpfloat (kbit, <=, 400.0 * 1.03);
  g_assert_cmpint (longest_wait, <=, params.queue_us);
  g_assert_cmpuint (dropped, ==, ss_linkem_path_get_counters (sim.path)->dropped_queue);
  g_assert_cmpuint (dropped, >=, 550);
  g_assert_cmpuint (dropped, <=, 650);
  g_assert_cmpuint (sim.overtaken, ==, 0);

  g_free (lengths);
  sim_clear (&sim);
}

typedef struct
{
  GRand *rand;
  gsize *lengths;
} MixedFrames;

static gsize
mixed_length (guint i, gpointer data)
{
  MixedFrames *mixed = data;

  mixed->lengths[i] = (gsize) g_rand_int_range (mixed->rand, 64, 1515);
  return mixed->lengths[i];
}

static void
test_rate_limit_mixed_frames (void)
{
  SsLinkemParams params;
  Sim sim;
  const guint count = 1584;

  /* Frames of 64 to 1514 bytes, 789 bytes on average, one every 6312 us:
   * about 1 Mbit/s for 10 s. */
  ss_linkem_params_init (&params);
  params.rate_kbit = 400;
  params.queue_us = 50000;
  params.delay_us = 20000;
  MixedFrames mixed = {
    .rand = g_rand_new_with_seed (99),
    .lengths = g_new0 (gsize, count),
  };

  sim_init (&sim, &params, SEED, count);
  sim_run (&sim, 6312, mixed_length, &mixed);

  gint64 longest_wait = 0;
  double kbit = measure_rate_kbit (&sim, mixed.lengths, &longest_wait);
  g_test_message ("rate limit, mixed frames: %.1f kbit/s out, longest wait %" G_GINT64_FORMAT
                  " us", kbit, longest_wait);

  g_assert_cmpfloat (kbit, >=, 400.0 * 0.97);
  g_assert_cmpfloat (kbit, <=, 400.0 * 1.03);
  g_assert_cmpint (longest_wait, <=, params.queue_us + params.delay_us);
  g_assert_cmpint (longest_wait, >, params.delay_us);

  g_rand_free (mixed.rand);
  g_free (mixed.lengths);
  sim_clear (&sim);
}

static void
test_rate_limit_exact_times (void)
{
  SsLinkemImpair impair;
  SsLinkemParams params;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gint64 release = 0;

  /* 1000 kbit/s is one bit per microsecond. The bucket size is 1500
   * bytes (12000 bits), and the bucket starts full. */
  ss_linkem_params_init (&params);
  params.rate_kbit = 1000;
  params.rate_burst_bytes = 1500;
  params.queue_us = 10000;
  ss_linkem_impair_init (&impair, &params);

  g_assert_cmpint (ss_linkem_impair_decide (&impair, 0, 1000, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, 0);

  /* 4000 bits left: the next 8000-bit frame waits 4000 us. */
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 0, 1000, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, 4000);

  /* The third would leave at 12000 us, 2 ms past the queue bound. */
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 0, 1000, rand, &release), ==,
                   SS_LINKEM_VERDICT_DROP_QUEUE);

  /* The drop took no tokens: 800 bits after the second frame. */
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 0, 100, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, 4800);

  /* After 95 ms idle the bucket is full again, and no fuller. */
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 100000, 1500, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, 100000);
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 100000, 1, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, 100008);
}

static void
test_rate_limit_large_frame (void)
{
  SsLinkemImpair impair;
  SsLinkemParams params;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gint64 release = 0;

  /* A frame larger than the bucket still passes, because the bucket grows
   * to fit it. */
  ss_linkem_params_init (&params);
  params.rate_kbit = 1000;
  params.rate_burst_bytes = 64;
  params.queue_us = 1000000;
  ss_linkem_impair_init (&impair, &params);

  g_assert_cmpint (ss_linkem_impair_decide (&impair, 0, 9000, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, 0);
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 0, 9000, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, 72000);

  /* A gap of years cannot overflow the refill. */
  g_assert_cmpint (ss_linkem_impair_decide (&impair, G_GINT64_CONSTANT (1) << 60, 64, rand,
                                            &release), ==, SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, G_GINT64_CONSTANT (1) << 60);
}

static void
test_rate_limit_zero_queue (void)
{
  SsLinkemImpair impair;
  SsLinkemParams params;
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  gint64 release = 0;

  ss_linkem_params_init (&params);
  params.rate_kbit = 1000;
  params.rate_burst_bytes = 1000;
  params.queue_us = 0;
  ss_linkem_impair_init (&impair, &params);

  /* Only frames that find enough tokens pass, because no frame may wait. */
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 0, 1000, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 1, 1000, rand, &release), ==,
                   SS_LINKEM_VERDICT_DROP_QUEUE);
  g_assert_cmpint (ss_linkem_impair_decide (&impair, 8000, 1000, rand, &release), ==,
                   SS_LINKEM_VERDICT_PASS);
  g_assert_cmpint (release, ==, 8000);
}

static void
test_reorder_rate (void)
{
  SsLinkemParams params;
  Sim sim;

  /* 1 ms apart with a 5 ms hold-back: each held frame is overtaken unless
   * the next four are all held too. The fifth leaves at the same time as
   * the held frame, after it, because equal times leave in FIFO order. */
  ss_linkem_params_init (&params);
  params.delay_us = 20000;
  params.reorder = 0.10;
  params.reorder_delay_us = 5000;
  sim_init (&sim, &params, SEED, 100000);
  sim_run (&sim, 1000, NULL, NULL);

  guint held_back = count_verdicts (&sim, SS_LINKEM_VERDICT_REORDER);
  double held_ratio = (double) held_back / sim.count;
  double overtaken_ratio = (double) sim.overtaken / sim.count;
  g_test_message ("reorder: %.3f %% held back, %.3f %% overtaken", held_ratio * 100.0,
                  overtaken_ratio * 100.0);

  g_assert_cmpfloat (held_ratio, >=, 0.095);
  g_assert_cmpfloat (held_ratio, <=, 0.105);
  g_assert_cmpfloat (overtaken_ratio, >=, 0.095);
  g_assert_cmpfloat (overtaken_ratio, <=, 0.105);
  g_assert_cmpuint (sim.overtaken, <=, held_back);
  g_assert_cmpuint (ss_linkem_path_get_counters (sim.path)->reordered, ==, held_back);
  g_assert_cmpuint (sim.released, ==, sim.count);

  for (guint i = 0; i < sim.count; i++)
    {
      gint64 delay = sim.outcomes[i].release_us - sim.outcomes[i].arrival_us;
      gint64 expected = sim.outcomes[i].verdict == SS_LINKEM_VERDICT_REORDER ? 25000 : 20000;
      g_assert_cmpint (delay, ==, expected);
    }

  sim_clear (&sim);
}

static void
run_everything (Sim *sim, guint64 seed)
{
  SsLinkemParams params;

  ss_linkem_params_init (&params);
  params.delay_us = 30000;
  params.jitter_us = 8000;
  params.loss = 0.03;
  params.burst_loss = TRUE;
  params.p_good_to_bad = 0.02;
  params.p_bad_to_good = 0.3;
  params.loss_in_bad = 0.8;
  params.reorder = 0.05;
  params.reorder_delay_us = 4000;
  params.rate_kbit = 800;
  params.queue_us = 60000;

  sim_init (sim, &params, seed, 20000);
  sim_run (sim, 1000, NULL, NULL);
}

static gboolean
same_outcomes (const Sim *a, const Sim *b)
{
  for (guint i = 0; i < a->count; i++)
    {
      if (a->outcomes[i].verdict != b->outcomes[i].verdict)
        return FALSE;
      if (a->outcomes[i].release_us != b->outcomes[i].release_us)
        return FALSE;
    }
  return TRUE;
}

static void
test_seed_repeats_run (void)
{
  Sim first;
  Sim second;
  Sim other;

  run_everything (&first, 7);
  run_everything (&second, 7);
  run_everything (&other, 8);

  /* Every feature took part. */
  g_assert_cmpuint (count_verdicts (&first, SS_LINKEM_VERDICT_DROP_LOSS), >, 0);
  g_assert_cmpuint (count_verdicts (&first, SS_LINKEM_VERDICT_DROP_QUEUE), >, 0);
  g_assert_cmpuint (count_verdicts (&first, SS_LINKEM_VERDICT_REORDER), >, 0);

  g_assert_true (same_outcomes (&first, &second));
  g_assert_false (same_outcomes (&first, &other));

  sim_clear (&first);
  sim_clear (&second);
  sim_clear (&other);
}

static void
test_streams_differ (void)
{
  SsLinkemParams params;
  g_autoptr (SsLinkemPool) pool = ss_linkem_pool_new (2, SLOT_SIZE);
  guint differences = 0;

  ss_linkem_params_init (&params);
  params.loss = 0.5;
  g_autoptr (SsLinkemPath) a_to_b = ss_linkem_path_new (&params, 7, 0, 2);
  g_autoptr (SsLinkemPath) b_to_a = ss_linkem_path_new (&params, 7, 1, 2);

  /* One seed, two directions: their loss patterns must not be copies. */
  for (guint i = 0; i < 1000; i++)
    {
      SsLinkemSlot *slot = ss_linkem_pool_acquire (pool);
      SsLinkemVerdict first = ss_linkem_path_submit (a_to_b, slot, 100, i);
      if (first != SS_LINKEM_VERDICT_DROP_LOSS)
        slot = ss_linkem_path_pop_ready (a_to_b, i);
      SsLinkemVerdict second = ss_linkem_path_submit (b_to_a, slot, 100, i);
      if (second != SS_LINKEM_VERDICT_DROP_LOSS)
        slot = ss_linkem_path_pop_ready (b_to_a, i);
      ss_linkem_pool_release (pool, slot);

      if (first != second)
        differences++;
    }

  g_assert_cmpuint (differences, >, 400);
  g_assert_cmpuint (differences, <, 600);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/linkem/impair/no-impairment", test_no_impairment);
  g_test_add_func ("/linkem/impair/constant-delay", test_constant_delay);
  g_test_add_func ("/linkem/impair/jitter-bounded-in-order", test_jitter_bounded_in_order);
  g_test_add_func ("/linkem/impair/jitter-spread", test_jitter_spread);
  g_test_add_func ("/linkem/impair/jitter-above-delay", test_jitter_above_delay);
  g_test_add_func ("/linkem/impair/random-loss-rate", test_random_loss_rate);
  g_test_add_func ("/linkem/impair/loss-extremes", test_loss_extremes);
  g_test_add_func ("/linkem/impair/burst-loss-bursts", test_burst_loss_bursts);
  g_test_add_func ("/linkem/impair/burst-loss-partial", test_burst_loss_partial);
  g_test_add_func ("/linkem/impair/rate-fixed-frames", test_rate_limit_fixed_frames);
  g_test_add_func ("/linkem/impair/rate-mixed-frames", test_rate_limit_mixed_frames);
  g_test_add_func ("/linkem/impair/rate-exact-times", test_rate_limit_exact_times);
  g_test_add_func ("/linkem/impair/rate-large-frame", test_rate_limit_large_frame);
  g_test_add_func ("/linkem/impair/rate-zero-queue", test_rate_limit_zero_queue);
  g_test_add_func ("/linkem/impair/reorder-rate", test_reorder_rate);
  g_test_add_func ("/linkem/impair/seed-repeats-run", test_seed_repeats_run);
  g_test_add_func ("/linkem/impair/streams-differ", test_streams_differ);

  return g_test_run ();
}
