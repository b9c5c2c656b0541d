/* Fuzz target for the relay's SDP offer parser and the answer written from
 * whatever it accepts. */
#include "sdp/sdp-answer.h"
#include "sdp/sdp-offer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
silence_log (const gchar *domain, GLogLevelFlags level, const gchar *message,
             gpointer user_data)
{
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static gboolean initialised;
  if (!initialised)
    {
      /* A GStreamer critical on odd input is a finding worth keeping: make
       * it fatal rather than a log line. */
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
      g_log_set_default_handler (silence_log, NULL);
      initialised = TRUE;
    }

  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (SsSdpOffer) offer = ss_sdp_offer_parse (text, NULL);
  if (offer == NULL)
    return 0;

  const char *const addresses[] = { "127.0.0.1", NULL };
  SsSdpAnswerTransport transport = {
    .ice_ufrag = "fuzzufrg",
    .ice_pwd = "fuzzpasswordfuzzpasswordfuzzpass",
    .fingerprint = "00:11",
    .addresses = addresses,
    .port = 40000,
  };
  g_autofree char *answer = ss_sdp_answer_build (offer, &transport, NULL, 0, TRUE);

  /* An offer the parser accepted must always get an answer. */
  if (answer == NULL || strncmp (answer, "v=0", 3) != 0)
    abort ();

  /* The same offer answered as a subscription: a stream on every m-line,
   * as the relay sends on each slot's m-lines. */
  g_autofree SsSdpSendStream *streams =
      g_new0 (SsSdpSendStream, offer->media->len);
  for (guint i = 0; i < offer->media->len; i++)
    streams[i] = (SsSdpSendStream){
      .ssrc = 1000 + i,
      .cname = "fuzz-slot",
      .msid_stream = "fuzz-slot",
      .msid_track = "track",
    };
  g_autofree char *subscriber_answer = ss_sdp_answer_build (
      offer, &transport, streams, offer->media->len, FALSE);
  if (subscriber_answer == NULL || strncmp (subscriber_answer, "v=0", 3) != 0)
    abort ();
  return 0;
}
