/* libFuzzer target for the signaling message parser. Every input is parsed
 * as sent by a client and as sent by a server. A parsed message is
 * serialised again and a rejected one gets its error reply built, so the
 * builders see arbitrary input too. */
#include <glib.h>
#include <stdint.h>

#include "ss-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
parse_as (const uint8_t *data, size_t size, SsMessageSender sender)
{
  g_autoptr (GError) error = NULL;
  gint64 request_id = 0;

  g_autoptr (SsMessage) message = ss_message_parse (
      (const char *) data, size, sender, &request_id, &error);
  if (message == NULL)
    {
      /* The reply to a rejected frame must itself be a valid message. */
      g_assert_nonnull (error);
      g_assert_cmpint (request_id, >=, 0);
      g_assert_cmpint (request_id, <=, SS_MESSAGE_ID_MAX);
      g_autoptr (json_t) reply = ss_message_build_error (
          request_id, (SsProtocolError) error->code, error->message);
      g_autofree char *text = ss_message_to_string (reply);
      g_assert_nonnull (text);
      return;
    }

  g_autofree char *again = ss_message_to_string (message->json);
  g_assert_nonnull (again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  parse_as (data, size, SS_MESSAGE_SENDER_CLIENT);
  parse_as (data, size, SS_MESSAGE_SENDER_SERVER);
  return 0;
}
