/* SRTP sessions with fixed keys: one side's local key is the other side's
 * remote key, as DTLS-SRTP exports them. */
#include <glib.h>
#include <string.h>

#include "transport/srtp.h"

#define RTP_HEADER_LEN 12
#define PAYLOAD_LEN 100

typedef struct {
  guint8 data[RTP_HEADER_LEN + PAYLOAD_LEN + SS_SRTP_MAX_RTCP_OVERHEAD];
  gsize len;
} Packet;

typedef struct {
  SsSrtpSession *sender;
  SsSrtpSession *receiver;
} Pair;

static void
fill_keys (SsSrtpProfile profile, SsSrtpKeys *a, SsSrtpKeys *b)
{
  gsize key_len = ss_srtp_profile_get_key_len (profile);

  *a = (SsSrtpKeys) { .profile = profile, .key_len = key_len };
  for (gsize i = 0; i < key_len; i++)
    {
      a->local_key[i] = (guint8) (i + 1);
      a->remote_key[i] = (guint8) (0xa0 + i);
    }

  *b = (SsSrtpKeys) { .profile = profile, .key_len = key_len };
  memcpy (b->local_key, a->remote_key, key_len);
  memcpy (b->remote_key, a->local_key, key_len);
}

static Pair
pair_new (SsSrtpProfile profile)
{
  SsSrtpKeys sender_keys;
  SsSrtpKeys receiver_keys;
  g_autoptr (GError) error = NULL;
  Pair pair;

  fill_keys (profile, &sender_keys, &receiver_keys);
  pair.sender = ss_srtp_session_new (&sender_keys, &error);
  g_assert_no_error (error);
  pair.receiver = ss_srtp_session_new (&receiver_keys, &error);
  g_assert_no_error (error);
  return pair;
}

static void
pair_free (Pair *pair)
{
  ss_srtp_session_free (pair->sender);
  ss_srtp_session_free (pair->receiver);
}

static Packet
make_rtp (guint32 ssrc, guint16 seq)
{
  Packet packet = { .len = RTP_HEADER_LEN + PAYLOAD_LEN };
  guint32 timestamp = seq * 3000u;

  packet.data[0] = 0x80;
  packet.data[1] = 96;
  packet.data[2] = seq >> 8;
  packet.data[3] = seq & 0xff;
  for (int i = 0; i < 4; i++)
    {
      packet.data[4 + i] = (guint8) (timestamp >> (24 - 8 * i));
      packet.data[8 + i] = (guint8) (ssrc >> (24 - 8 * i));
    }
  for (gsize i = 0; i < PAYLOAD_LEN; i++)
    packet.data[RTP_HEADER_LEN + i] = (guint8) (seq + i);
  return packet;
}

/* An empty receiver report (RFC 3550 section 6.4.2). */
static Packet
make_rtcp (guint32 ssrc)
{
  Packet packet = { .len = 8 };

  packet.data[0] = 0x80;
  packet.data[1] = 201;
  packet.data[2] = 0;
  packet.data[3] = 1;
  for (int i = 0; i < 4; i++)
    packet.data[4 + i] = (guint8) (ssrc >> (24 - 8 * i));
  return packet;
}

static void
check_rtp_round_trip (SsSrtpProfile profile, gsize tag_len)
{
  Pair pair = pair_new (profile);
  Packet original = make_rtp (0x11223344, 1000);
  Packet packet = original;

  g_assert_true (ss_srtp_protect_rtp (pair.sender, packet.data, &packet.len,
                                      sizeof packet.data));
  g_assert_cmpuint (packet.len, ==, original.len + tag_len);
  g_assert_true (memcmp (packet.data + RTP_HEADER_LEN,
                         original.data + RTP_HEADER_LEN, PAYLOAD_LEN)
                 != 0);

  g_assert_true (ss_srtp_unprotect_rtp (pair.receiver, packet.data,
                                        &packet.len));
  g_assert_cmpmem (packet.data, packet.len, original.data, original.len);

  pair_free (&pair);
}

static void
test_rtp_round_trip_cm (void)
{
  check_rtp_round_trip (SS_SRTP_PROFILE_AES128_CM_SHA1_80, 10);
}

static void
test_rtp_round_trip_gcm (void)
{
  check_rtp_round_trip (SS_SRTP_PROFILE_AEAD_AES_128_GCM, 16);
}

static void
check_rtcp_round_trip (SsSrtpProfile profile, gsize overhead)
{
  Pair pair = pair_new (profile);
  Packet original = make_rtcp (0x55667788);
  Packet packet = original;

  g_assert_true (ss_srtp_protect_rtcp (pair.sender, packet.data, &packet.len,
                                       sizeof packet.data));
  g_assert_cmpuint (packet.len, ==, original.len + overhead);

  g_assert_true (ss_srtp_unprotect_rtcp (pair.receiver, packet.data,
                                         &packet.len));
  g_assert_cmpmem (packet.data, packet.len, original.data, original.len);

  pair_free (&pair);
}

static void
test_rtcp_round_trip_cm (void)
{
  check_rtcp_round_trip (SS_SRTP_PROFILE_AES128_CM_SHA1_80, 14);
}

static void
test_rtcp_round_trip_gcm (void)
{
  check_rtcp_round_trip (SS_SRTP_PROFILE_AEAD_AES_128_GCM, 20);
}

static void
test_protect_needs_room (void)
{
  Pair pair = pair_new (SS_SRTP_PROFILE_AES128_CM_SHA1_80);
  Packet packet = make_rtp (1, 1);
  gsize len = packet.len;

  g_assert_false (ss_srtp_protect_rtp (pair.sender, packet.data, &len,
                                       packet.len + 9));
  g_assert_cmpuint (len, ==, packet.len);

  Packet report = make_rtcp (1);
  len = report.len;
  g_assert_false (ss_srtp_protect_rtcp (pair.sender, report.data, &len,
                                        report.len + 13));

  pair_free (&pair);
}

static void
test_tampered_rejected (void)
{
  SsSrtpProfile profiles[] = {
    SS_SRTP_PROFILE_AES128_CM_SHA1_80,
    SS_SRTP_PROFILE_AEAD_AES_128_GCM,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      Pair pair = pair_new (profiles[i]);
      Packet packet = make_rtp (7, 5);

      g_assert_true (ss_srtp_protect_rtp (pair.sender, packet.data,
                                          &packet.len, sizeof packet.data));
      packet.data[RTP_HEADER_LEN + 3] ^= 0x40;
      g_assert_false (ss_srtp_unprotect_rtp (pair.receiver, packet.data,
                                             &packet.len));
      pair_free (&pair);
    }
}

static void
test_short_packets_rejected (void)
{
  Pair pair = pair_new (SS_SRTP_PROFILE_AES128_CM_SHA1_80);
  Packet packet = make_rtp (7, 5);

  for (gsize len = 0; len < RTP_HEADER_LEN + 10; len++)
    {
      gsize truncated_len = len;
      g_assert_false (ss_srtp_unprotect_rtp (pair.receiver, packet.data,
                                             &truncated_len));
    }
  for (gsize len = 0; len < 8 + 14; len++)
    {
      gsize truncated_len = len;
      g_assert_false (ss_srtp_unprotect_rtcp (pair.receiver, packet.data,
                                              &truncated_len));
    }

  pair_free (&pair);
}

static void
test_duplicate_rejected (void)
{
  Pair pair = pair_new (SS_SRTP_PROFILE_AES128_CM_SHA1_80);
  Packet packet = make_rtp (9, 10);

  g_assert_true (ss_srtp_protect_rtp (pair.sender, packet.data, &packet.len,
                                      sizeof packet.data));
  Packet copy = packet;

  g_assert_true (ss_srtp_unprotect_rtp (pair.receiver, packet.data,
                                        &packet.len));
  g_assert_false (ss_srtp_unprotect_rtp (pair.receiver, copy.data, &copy.len));

  pair_free (&pair);
}

/* A packet lost on its first sending is retransmitted on its SSRC with the
 * same sequence number after 200 newer ones (RFC 4585 NACK without RTX).
 * Protect must accept it twice and unprotect must still accept it. With
 * libsrtp2's default 128-packet window both would fail. */
static void
test_retransmission_after_200 (void)
{
  const guint32 ssrc = 0xabcdef01;
  Pair pair = pair_new (SS_SRTP_PROFILE_AES128_CM_SHA1_80);

  Packet lost = make_rtp (ssrc, 1000);
  g_assert_true (ss_srtp_protect_rtp (pair.sender, lost.data, &lost.len,
                                      sizeof lost.data));

  for (guint16 seq = 1001; seq <= 1200; seq++)
    {
      Packet newer = make_rtp (ssrc, seq);
      g_assert_true (ss_srtp_protect_rtp (pair.sender, newer.data, &newer.len,
                                          sizeof newer.data));
      g_assert_true (ss_srtp_unprotect_rtp (pair.receiver, newer.data,
                                            &newer.len));
    }

  Packet original = make_rtp (ssrc, 1000);
  Packet retransmission = original;
  g_assert_true (ss_srtp_protect_rtp (pair.sender, retransmission.data,
                                      &retransmission.len,
                                      sizeof retransmission.data));
  g_assert_true (ss_srtp_unprotect_rtp (pair.receiver, retransmission.data,
                                        &retransmission.len));
  g_assert_cmpmem (retransmission.data, retransmission.len, original.data,
                   original.len);

  pair_free (&pair);
}

static void
test_many_ssrcs_one_session (void)
{
  Pair pair = pair_new (SS_SRTP_PROFILE_AEAD_AES_128_GCM);

  for (guint32 ssrc = 1; ssrc <= 50; ssrc++)
    for (guint16 seq = 0; seq < 3; seq++)
      {
        Packet original = make_rtp (ssrc * 0x01010101u, seq);
        Packet packet = original;

        g_assert_true (ss_srtp_protect_rtp (pair.sender, packet.data,
                                            &packet.len, sizeof packet.data));
        g_assert_true (ss_srtp_unprotect_rtp (pair.receiver, packet.data,
                                              &packet.len));
        g_assert_cmpmem (packet.data, packet.len, original.data, original.len);
      }

  pair_free (&pair);
}

static void
test_bad_keys_rejected (void)
{
  SsSrtpKeys keys = {
    .profile = SS_SRTP_PROFILE_AES128_CM_SHA1_80,
    .key_len = 28,
  };
  g_autoptr (GError) error = NULL;

  g_autoptr (SsSrtpSession) wrong_len = ss_srtp_session_new (&keys, &error);
  g_assert_null (wrong_len);
  g_assert_error (error, SS_SRTP_ERROR, SS_SRTP_ERROR_BAD_KEYS);
  g_clear_error (&error);

  keys.profile = 2;
  keys.key_len = 30;
  g_autoptr (SsSrtpSession) wrong_profile = ss_srtp_session_new (&keys,
                                                                 &error);
  g_assert_null (wrong_profile);
  g_assert_error (error, SS_SRTP_ERROR, SS_SRTP_ERROR_BAD_KEYS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/srtp/rtp-round-trip-cm", test_rtp_round_trip_cm);
  g_test_add_func ("/srtp/rtp-round-trip-gcm", test_rtp_round_trip_gcm);
  g_test_add_func ("/srtp/rtcp-round-trip-cm", test_rtcp_round_trip_cm);
  g_test_add_func ("/srtp/rtcp-round-trip-gcm", test_rtcp_round_trip_gcm);
  g_test_add_func ("/srtp/protect-needs-room", test_protect_needs_room);
  g_test_add_func ("/srtp/tampered-rejected", test_tampered_rejected);
  g_test_add_func ("/srtp/short-packets-rejected", test_short_packets_rejected);
  g_test_add_func ("/srtp/duplicate-rejected", test_duplicate_rejected);
  g_test_add_func ("/srtp/retransmission-after-200",
                   test_retransmission_after_200);
  g_test_add_func ("/srtp/many-ssrcs-one-session", test_many_ssrcs_one_session);
  g_test_add_func ("/srtp/bad-keys-rejected", test_bad_keys_rejected);

  return g_test_run ();
}
