/* Unit tests of the signaling request/reply layer and the reconnect
 * backoff, without sockets or clocks. */
#include "ss-agent-backoff.h"
#include "ss-agent-signaling.h"

#include <math.h>
#include <string.h>

typedef struct {
  GPtrArray *sent;
  GPtrArray *events;
  guint replies;
  guint64 last_reply_id;
  json_t *last_result;
  GError *last_error;
} Recorder;

static void
record_send (const char *text, gsize length, gpointer data)
{
  Recorder *recorder = data;

  g_ptr_array_add (recorder->sent, g_strndup (text, length));
}

static void
record_event (const char *type, json_t *message, gpointer data)
{
  Recorder *recorder = data;

  g_ptr_array_add (recorder->events, g_strdup (type));
}

static void
record_reply (guint64 id, json_t *result, const GError *error, gpointer data)
{
  Recorder *recorder = data;

  recorder->replies++;
  recorder->last_reply_id = id;
  g_clear_pointer (&recorder->last_result, json_decref);
  g_clear_error (&recorder->last_error);
  if (result != NULL)
    recorder->last_result = json_incref (result);
  if (error != NULL)
    recorder->last_error = g_error_copy (error);
}

static void
recorder_init (Recorder *recorder)
{
  *recorder = (Recorder) {
    .sent = g_ptr_array_new_with_free_func (g_free),
    .events = g_ptr_array_new_with_free_func (g_free),
  };
}

static void
recorder_clear (Recorder *recorder)
{
  g_ptr_array_unref (recorder->sent);
  g_ptr_array_unref (recorder->events);
  g_clear_pointer (&recorder->last_result, json_decref);
  g_clear_error (&recorder->last_error);
}

static json_t *
parse_sent (Recorder *recorder, guint index)
{
  g_assert_cmpuint (recorder->sent->len, >, index);
  json_t *message = json_loads (g_ptr_array_index (recorder->sent, index), 0,
                                NULL);
  g_assert_nonnull (message);
  return message;
}

static gboolean
feed (SsSignaling *signaling, const char *text)
{
  g_autoptr (GError) error = NULL;

  return ss_signaling_receive (signaling, text, strlen (text), &error);
}

static void
test_request_envelope (void)
{
  Recorder recorder;
  recorder_init (&recorder);
  g_autoptr (SsSignaling) signaling = ss_signaling_new (record_send,
                                                        record_event,
                                                        &recorder);
  json_t *payload = json_pack ("{s:s, s:s}", "role", "lead",
                               "classroom", "c1");

  guint64 first = ss_signaling_request (signaling, "hello", payload, 0,
                                        record_reply, &recorder);
  guint64 second = ss_signaling_request (signaling, "lesson.join", NULL, 0,
                                         record_reply, &recorder);

  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpuint (second, ==, 2);
  g_assert_cmpuint (ss_signaling_get_pending (signaling), ==, 2);

  json_t *message = parse_sent (&recorder, 0);
  g_assert_cmpint (json_integer_value (json_object_get (message, "v")), ==, 1);
  g_assert_cmpstr (json_string_value (json_object_get (message, "type")), ==,
                   "hello");
  g_assert_cmpint (json_integer_value (json_object_get (message, "id")), ==, 1);
  g_assert_cmpstr (json_string_value (json_object_get (message, "classroom")),
                   ==, "c1");
  json_decref (message);
  recorder_clear (&recorder);
}

static void
test_reply_matched_by_id (void)
{
  Recorder recorder;
  recorder_init (&recorder);
  g_autoptr (SsSignaling) signaling = ss_signaling_new (record_send,
                                                        record_event,
                                                        &recorder);

  ss_signaling_request (signaling, "hello", NULL, 0, record_reply, &recorder);
  ss_signaling_request (signaling, "lesson.join", NULL, 0, record_reply,
                        &recorder);

  g_assert_true (feed (signaling,
                       "{\"v\":1,\"type\":\"result\",\"id\":2,\"live\":true}"));
  g_assert_cmpuint (recorder.replies, ==, 1);
  g_assert_cmpuint (recorder.last_reply_id, ==, 2);
  g_assert_true (json_is_true (json_object_get (recorder.last_result, "live")));
  g_assert_cmpuint (ss_signaling_get_pending (signaling), ==, 1);

  /* A second reply with the same id matches nothing. */
  g_assert_true (feed (signaling, "{\"v\":1,\"type\":\"result\",\"id\":2}"));
  g_assert_cmpuint (recorder.replies, ==, 1);
  recorder_clear (&recorder);
}

static void
test_error_reply_code (void)
{
  Recorder recorder;
  recorder_init (&recorder);
  g_autoptr (SsSignaling) signaling = ss_signaling_new (record_send,
                                                        record_event,
                                                        &recorder);

  ss_signaling_request (signaling, "subscribe", NULL, 0, record_reply,
                        &recorder);
  g_assert_true (feed (signaling,
                       "{\"v\":1,\"type\":\"error\",\"id\":1,"
                       "\"code\":\"not_live\",\"message\":\"no lead\"}"));

  g_assert_cmpuint (recorder.replies, ==, 1);
  g_assert_null (recorder.last_result);
  g_assert_error (recorder.last_error, SS_SIGNALING_ERROR,
                  SS_SIGNALING_ERROR_NOT_LIVE);

  ss_signaling_request (signaling, "subscribe", NULL, 0, record_reply,
                        &recorder);
  g_assert_true (feed (signaling,
                       "{\"v\":1,\"type\":\"error\",\"id\":2,"
                       "\"code\":\"from_the_future\"}"));
  g_assert_error (recorder.last_error, SS_SIGNALING_ERROR,
                  SS_SIGNALING_ERROR_UNKNOWN);
  recorder_clear (&recorder);
}

static void
test_events_dispatched (void)
{
  Recorder recorder;
  recorder_init (&recorder);
  g_autoptr (SsSignaling) signaling = ss_signaling_new (record_send,
                                                        record_event,
                                                        &recorder);

  g_assert_true (feed (signaling,
                       "{\"v\":1,\"type\":\"lesson.live\",\"lesson\":\"l1\"}"));
  g_assert_true (feed (signaling,
                       "{\"v\":1,\"type\":\"lesson.offline\",\"lesson\":\"l1\","
                       "\"reason\":\"left\",\"extra\":[1,2]}"));

  g_assert_cmpuint (recorder.events->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (recorder.events, 0), ==, "lesson.live");
  g_assert_cmpstr (g_ptr_array_index (recorder.events, 1), ==,
                   "lesson.offline");
  recorder_clear (&recorder);
}

static void
test_malformed_input_rejected (void)
{
  Recorder recorder;
  recorder_init (&recorder);
  g_autoptr (SsSignaling) signaling = ss_signaling_new (record_send,
                                                        record_event,
                                                        &recorder);
  const struct {
    const char *text;
    SsSignalingError code;
  } cases[] = {
    { "", SS_SIGNALING_ERROR_BAD_JSON },
    { "{\"v\":1,", SS_SIGNALING_ERROR_BAD_JSON },
    { "[1,2,3]", SS_SIGNALING_ERROR_BAD_JSON },
    { "{\"v\":1,\"v\":1,\"type\":\"x\"}", SS_SIGNALING_ERROR_BAD_JSON },
    { "{\"type\":\"lesson.live\"}", SS_SIGNALING_ERROR_BAD_MESSAGE },
    { "{\"v\":\"1\",\"type\":\"lesson.live\"}", SS_SIGNALING_ERROR_BAD_MESSAGE },
    { "{\"v\":1,\"type\":7}", SS_SIGNALING_ERROR_BAD_MESSAGE },
    { "{\"v\":2,\"type\":\"lesson.live\"}", SS_SIGNALING_ERROR_UNSUPPORTED_VERSION },
    { "{\"v\":1,\"type\":\"result\"}", SS_SIGNALING_ERROR_BAD_MESSAGE },
    { "{\"v\":1,\"type\":\"result\",\"id\":0}", SS_SIGNALING_ERROR_BAD_MESSAGE },
    { "{\"v\":1,\"type\":\"result\",\"id\":-5}", SS_SIGNALING_ERROR_BAD_MESSAGE },
    { "{\"v\":1,\"type\":\"result\",\"id\":1.5}", SS_SIGNALING_ERROR_BAD_MESSAGE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    gboolean accepted = ss_signaling_receive (signaling, cases[i].text,
                                              strlen (cases[i].text), &error);
    g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].text);
    g_assert_false (accepted);
    g_assert_error (error, SS_SIGNALING_ERROR, (gint) cases[i].code);
  }

  g_assert_cmpuint (recorder.events->len, ==, 0);

  /* An error without id is reported by log only and accepted. */
  g_test_expect_message ("shuangshi-agent", G_LOG_LEVEL_WARNING,
                         "*bad_message*");
  g_assert_true (feed (signaling,
                       "{\"v\":1,\"type\":\"error\",\"code\":\"bad_message\","
                       "\"message\":\"bad candidate\"}"));
  g_test_assert_expected_messages ();
  recorder_clear (&recorder);
}

static void
test_oversized_message_rejected (void)
{
  Recorder recorder;
  recorder_init (&recorder);
  g_autoptr (SsSignaling) signaling = ss_signaling_new (record_send,
                                                        record_event,
                                                        &recorder);
  g_autoptr (GError) error = NULL;
  gsize length = SS_SIGNALING_MAX_MESSAGE_SIZE + 1;
  g_autofree char *text = g_malloc (length);

  memset (text, ' ', length);
  g_assert_false (ss_signaling_receive (signaling, text, length, &error));
  g_assert_error (error, SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_TOO_LARGE);
  recorder_clear (&recorder);
}

static void
test_request_timeout (void)
{
  Recorder recorder;
  recorder_init (&recorder);
  g_autoptr (SsSignaling) signaling = ss_signaling_new (record_send,
                                                        record_event,
                                                        &recorder);
  gint64 start_us = 1000 * G_TIME_SPAN_SECOND;

  ss_signaling_request (signaling, "publish", NULL, start_us, record_reply,
                        &recorder);
  ss_signaling_request (signaling, "candidate-late", NULL,
                        start_us + G_TIME_SPAN_SECOND, record_reply,
                        &recorder);

  g_assert_cmpuint (ss_signaling_expire (signaling,
                                         start_us + SS_SIGNALING_REQUEST_TIMEOUT_US - 1),
                    ==, 0);
  g_assert_cmpuint (recorder.replies, ==, 0);

  g_assert_cmpuint (ss_signaling_expire (signaling,
                                         start_us + SS_SIGNALING_REQUEST_TIMEOUT_US),
                    ==, 1);
  g_assert_cmpuint (recorder.replies, ==, 1);
  g_assert_cmpuint (recorder.last_reply_id, ==, 1);
  g_assert_error (recorder.last_error, SS_SIGNALING_ERROR,
                  SS_SIGNALING_ERROR_TIMED_OUT);
  g_assert_cmpuint (ss_signaling_get_pending (signaling), ==, 1);

  /* The late reply to the expired request is dropped. */
  g_assert_true (feed (signaling, "{\"v\":1,\"type\":\"result\",\"id\":1}"));
  g_assert_cmpuint (recorder.replies, ==, 1);
  recorder_clear (&recorder);
}

typedef struct {
  SsSignaling *signaling;
  guint calls;
  guint64 new_id;
} ResetState;

/* Sends a new request from inside the reset callback, as the agent does
 * when it retries. */
static void
reply_and_resend (guint64 id, json_t *result, const GError *error,
                  gpointer data)
{
  ResetState *state = data;

  state->calls++;
  g_assert_error (error, SS_SIGNALING_ERROR, SS_SIGNALING_ERROR_DISCONNECTED);
  if (state->new_id == 0)
    state->new_id = ss_signaling_request (state->signaling, "hello", NULL, 0,
                                          NULL, NULL);
}

static void
test_reset_fails_pending (void)
{
  Recorder recorder;
  recorder_init (&recorder);
  g_autoptr (SsSignaling) signaling = ss_signaling_new (record_send,
                                                        record_event,
                                                        &recorder);
  ResetState state = { .signaling = signaling };

  ss_signaling_request (signaling, "hello", NULL, 0, reply_and_resend, &state);
  ss_signaling_request (signaling, "lesson.join", NULL, 0, reply_and_resend,
                        &state);
  ss_signaling_reset (signaling);

  g_assert_cmpuint (state.calls, ==, 2);
  g_assert_cmpuint (state.new_id, ==, 3);
  g_assert_cmpuint (ss_signaling_get_pending (signaling), ==, 1);
  recorder_clear (&recorder);
}

static void
test_backoff_sequence (void)
{
  g_assert_cmpint (ss_backoff_delay_us (0, 1.0), ==, 500 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (ss_backoff_delay_us (1, 1.0), ==, G_TIME_SPAN_SECOND);
  g_assert_cmpint (ss_backoff_delay_us (2, 1.0), ==, 2 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (ss_backoff_delay_us (5, 1.0), ==, 16 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (ss_backoff_delay_us (6, 1.0), ==, 30 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (ss_backoff_delay_us (G_MAXUINT, 1.0), ==,
                   30 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (ss_backoff_delay_us (0, 0.0), ==, 250 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (ss_backoff_delay_us (10, 0.0), ==, 15 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (ss_backoff_delay_us (3, -4.0), ==, 2 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (ss_backoff_delay_us (3, 9.0), ==, 4 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (ss_backoff_delay_us (3, NAN), ==, 2 * G_TIME_SPAN_SECOND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/agent/signaling/request-envelope", test_request_envelope);
  g_test_add_func ("/agent/signaling/reply-matched-by-id", test_reply_matched_by_id);
  g_test_add_func ("/agent/signaling/error-reply-code", test_error_reply_code);
  g_test_add_func ("/agent/signaling/events-dispatched", test_events_dispatched);
  g_test_add_func ("/agent/signaling/malformed-input-rejected", test_malformed_input_rejected);
  g_test_add_func ("/agent/signaling/oversized-message-rejected", test_oversized_message_rejected);
  g_test_add_func ("/agent/signaling/request-timeout", test_request_timeout);
  g_test_add_func ("/agent/signaling/reset-fails-pending", test_reset_fails_pending);
  g_test_add_func ("/agent/backoff/sequence", test_backoff_sequence);

  return g_test_run ();
}
