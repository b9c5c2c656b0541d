/* The impairment model of one link direction: random and Gilbert-Elliott
 * loss, a token-bucket rate limit feeding a drop-tail queue bounded in
 * time, propagation delay with uniform jitter, and reordering by holding
 * single packets back. It decides per packet from the arrival time, the
 * frame length and a caller-owned random source, and never reads a clock. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Settings of one direction. A zero value turns its feature off. */
typedef struct
{
  gint64 delay_us;
  /* Each packet's delay varies uniformly in [delay - jitter, delay +
   * jitter], never below zero. */
  gint64 jitter_us;

  /* Probability in [0, 1] that a packet is dropped at random. */
  double loss;

  /* Gilbert-Elliott loss: a two-state Markov chain stepped once per
   * packet, dropping with probability loss_in_bad in the bad state and
   * never in the good state. Probabilities are in [0, 1]. */
  gboolean burst_loss;
  double p_good_to_bad;
  double p_bad_to_good;
  double loss_in_bad;

  /* Probability in [0, 1] that a packet is held back by reorder_delay_us
   * on top of its delay, so that packets sent after it may overtake it. */
  double reorder;
  gint64 reorder_delay_us;

  /* Token bucket: rate_kbit in kbit/s (1 kbit = 1000 bits) of Ethernet
   * frames, 0 for no limit, refilling a bucket of rate_burst_bytes. A
   * packet that would wait longer than queue_us before leaving the bucket
   * is dropped, which makes the queue drop-tail and bounded in time. */
  guint64 rate_kbit;
  guint32 rate_burst_bytes;
  gint64 queue_us;
} SsLinkemParams;

#define SS_LINKEM_DEFAULT_REORDER_DELAY_US G_GINT64_CONSTANT (10000)
#define SS_LINKEM_DEFAULT_QUEUE_US G_GINT64_CONSTANT (100000)
#define SS_LINKEM_DEFAULT_RATE_BURST_BYTES 3028

/* Fill params with a link that passes every packet at once. */
void ss_linkem_params_init (SsLinkemParams *params);

typedef enum
{
  SS_LINKEM_VERDICT_PASS,
  /* The packet passes, held back by the reorder delay. */
  SS_LINKEM_VERDICT_REORDER,
  SS_LINKEM_VERDICT_DROP_LOSS,
  /* The rate limiter's queue would hold the packet longer than queue_us. */
  SS_LINKEM_VERDICT_DROP_QUEUE,
} SsLinkemVerdict;

typedef struct
{
  SsLinkemParams params;

  /* Gilbert-Elliott state. */
  gboolean bad_state;

  /* Token bucket: the bucket held bucket_millibits at bucket_time_us, the
   * time the last packet left it. A millibit per microsecond is a kbit/s,
   * so the refill is exact in integers. */
  gboolean bucket_started;
  gint64 bucket_time_us;
  gint64 bucket_millibits;

  /* Latest release time given to a packet that was not held back. Later
   * packets never leave before it, so jitter alone does not reorder. */
  gint64 last_release_us;
} SsLinkemImpair;

void ss_linkem_impair_init (SsLinkemImpair *impair, const SsLinkemParams *params);

/* Decide the fate of a frame of length bytes arriving at now_us. For the
 * two passing verdicts, *release_us is the time the frame leaves the
 * link, at least now_us. Drops leave the rate limiter's state as it
 * was. */
SsLinkemVerdict ss_linkem_impair_decide (SsLinkemImpair *impair,
                                         gint64 now_us,
                                         gsize length,
                                         GRand *rand,
                                         gint64 *release_us);

const char *ss_linkem_verdict_to_string (SsLinkemVerdict verdict);

G_END_DECLS
