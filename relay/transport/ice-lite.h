/* The relay's side of ICE: a lite agent (RFC 8445 section 2.5) that only
 * replies to connectivity checks (section 7.3) and never sends any. */
#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* Lengths without the terminating NUL. RFC 8445 section 5.3 asks for at
 * least 4 characters of ufrag and 22 of password. */
#define SS_ICE_UFRAG_LEN 8
#define SS_ICE_PWD_LEN 32

/* Fills ufrag (SS_ICE_UFRAG_LEN + 1 bytes) and pwd (SS_ICE_PWD_LEN + 1
 * bytes) with random ice-chars (RFC 8839 section 5.4) from OpenSSL's
 * CSPRNG, NUL-terminated. Aborts if the CSPRNG fails, because a
 * predictable password would let anyone pass the checks. */
void ss_ice_generate_credentials (char ufrag[SS_ICE_UFRAG_LEN + 1],
                                  char pwd[SS_ICE_PWD_LEN + 1]);

/* Copies the local part of a binding request's USERNAME ("LOCAL:REMOTE")
 * into out, NUL-terminated, without checking MESSAGE-INTEGRITY, so the
 * worker can find the transport a request on the shared socket belongs to.
 * Returns FALSE when data is not a binding request, has no USERNAME, the
 * USERNAME has no colon, or the local part does not fit in out_cap. */
gboolean ss_ice_peek_local_ufrag (const guint8 *data,
                                  gsize len,
                                  char *out,
                                  gsize out_cap);

typedef struct _SsIceLite SsIceLite;

/* The credentials are copied. remote_ufrag may be NULL or empty when it is
 * not known yet, and then the remote part of USERNAME is not checked.
 * remote_pwd is not used, because a lite agent sends no checks. */
SsIceLite *ss_ice_lite_new (const char *local_ufrag,
                            const char *local_pwd,
                            const char *remote_ufrag,
                            const char *remote_pwd);
void ss_ice_lite_free (SsIceLite *ice);

typedef enum {
  SS_ICE_REPLY,     /* a success reply is written: send it back to the sender */
  SS_ICE_IGNORED,   /* a valid STUN message that needs no reply (indication, response) */
  SS_ICE_REJECTED,  /* bad integrity, fingerprint, username or role: dropped, with a
                     * 400, 401, 420 or 487 error reply written when *reply_len > 0 */
  SS_ICE_MALFORMED, /* not a complete STUN message */
} SsIceResult;

/* Handles one datagram that the demultiplexer classified as STUN. reply
 * receives the success or error response to send back to from; on entry
 * *reply_len is the capacity of reply, on return the bytes written (0 when
 * nothing is to be sent). *use_candidate is set to TRUE when a valid check
 * carries USE-CANDIDATE (the peer nominates from), FALSE otherwise.
 * Only SS_ICE_REPLY means the check from from is valid. */
SsIceResult ss_ice_lite_handle (SsIceLite *ice,
                                const guint8 *data,
                                gsize len,
                                const struct sockaddr *from,
                                socklen_t from_len,
                                guint8 *reply,
                                gsize *reply_len,
                                gboolean *use_candidate);

const char *ss_ice_result_to_string (SsIceResult result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsIceLite, ss_ice_lite_free)

G_END_DECLS
