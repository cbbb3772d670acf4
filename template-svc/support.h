/*
 * support.h - small rules every template-svc handler shares: new random
 * ids, reading fields out of Redis replies, and how a database failure
 * becomes an RPC error.
 */
#ifndef INKWELL_TEMPLATE_SVC_SUPPORT_H
#define INKWELL_TEMPLATE_SVC_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>

#include "content_rules.h"
#include "err.h"
#include "rpc_server.h"

/* Ids are common/content_rules.h's: INK_ID_LEN bytes with the NUL. */
#define TSVC_ID_LEN INK_ID_LEN

/* tsvc_new_id writes a fresh 128-bit random id (libsodium) as hex into out. */
void tsvc_new_id(char out[TSVC_ID_LEN]);

/* tsvc_etag writes the hex BLAKE2b-128 of png[0..len) into out. */
void tsvc_etag(const uint8_t *png, size_t len, char out[TSVC_ID_LEN]);

/* tsvc_require_user returns INK_OK when the call has a signed-in caller,
 * else the code of ink_rpc_fail(UNAUTHENTICATED). */
INK_WUR ink_err tsvc_require_user(ink_rpc_ctx *ctx);

/* tsvc_is_admin returns 1 when the caller is signed in with role "admin". */
int tsvc_is_admin(const ink_rpc_ctx *ctx);

/* tsvc_db_fail fails the call for a Redis error `err` (UNAVAILABLE and
 * DEADLINE_EXCEEDED - a timeout, outcome unknown - stay as they are,
 * anything else is INTERNAL) with `why`; returns that code. */
INK_WUR ink_err tsvc_db_fail(ink_rpc_ctx *ctx, ink_err err, const char *why);

/* tsvc_replicated is called right after a write the call will acknowledge:
 * it WAITs for the replicas REDIS_WAIT_REPLICAS asks for, on the worker's
 * handle that wrote (common/replica_wait.h). INK_OK, or the call is failed
 * with DEADLINE_EXCEEDED (outcome unknown, never 2xx) and that code returned. */
INK_WUR ink_err tsvc_replicated(ink_rpc_ctx *ctx);

/* tsvc_oom fails the call with RESOURCE_EXHAUSTED ("out of memory"). */
INK_WUR ink_err tsvc_oom(ink_rpc_ctx *ctx);

/* tsvc_reply_str returns a malloc'd copy of a string element ("" for nil or
 * any other type), or NULL when out of memory. Caller frees with free(). */
char *tsvc_reply_str(const redisReply *e);

/* tsvc_reply_num returns a string or integer element as a number; 0 for
 * nil, other types or text that is not a whole number. */
long long tsvc_reply_num(const redisReply *e);

/* tsvc_png_size reads the width and height from a PNG's IHDR. Returns
 * INK_OK, or INK_INVALID_ARGUMENT when the bytes do not start like a PNG. */
INK_WUR ink_err tsvc_png_size(const uint8_t *png, size_t len, uint32_t *width, uint32_t *height);

#endif /* INKWELL_TEMPLATE_SVC_SUPPORT_H */
