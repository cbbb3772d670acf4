/*
 * idem.h - the Idempotency-Key of the calls that create things (register,
 * upload, save, publish, report): a retry with the same key and the same
 * request gets the first call's reply for 24 hours and creates nothing new
 * (IETF httpapi draft "The Idempotency-Key HTTP Header Field").
 *
 * A key is one hash in the users Redis, `idem:{scope}:<key>` (keys.h),
 * scoped per user (per client address for a registration):
 *
 *   (none) --begin--> pending (owner, fp; lease = the call's deadline + 1 s)
 *   pending --finish (the call succeeded)--> done (reply kept 24 h)
 *   pending --abort (the call failed, the outcome known)--> (none)
 *   pending --lease runs out (crash, outcome unknown)--> (none)
 *
 * `fp` is the SHA-256 of what the call asks (method and request; for a
 * registration without the password, so no fast hash of it is stored). A
 * call with the key of another request is FAILED_PRECONDITION (HTTP 422); a
 * call while the key is pending is ABORTED (409, "in progress"); a call on a
 * done key gets its reply again. Uploads and saves mark the key done in the
 * very script that stores the template (usvc_idem_store_argv), so a store
 * that timed out and ran later (a hung Redis) still leaves the reply to
 * replay, and a late store never adds a second template.
 */
#ifndef INKWELL_USER_SVC_IDEM_H
#define INKWELL_USER_SVC_IDEM_H

#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>

#include "err.h"
#include "rpc_server.h"

/* Longest client key (characters A-Z a-z 0-9 - _ . : + / =). */
#define USVC_IDEM_KEY_MAX 128
/* How long a done key keeps its reply (seconds). */
#define USVC_IDEM_TTL_S 86400

typedef struct usvc_idem {
	int on;         /* 0: the call has no key; every function is a no-op */
	char key[256];  /* the Redis key; valid when on */
	char fp[65];    /* hex SHA-256 of the request; valid when on */
	char owner[33]; /* this call's claim (random hex); valid when on */
} usvc_idem;

/* usvc_idem_key_ok returns NULL when k is a well-formed client key, else
 * what is wrong with it (a static string). */
const char *usvc_idem_key_ok(const char *k);

/* usvc_idem_begin claims `client_key` ("" = no key: *idem is off, INK_OK)
 * in `scope` (a user id, or "client:<address>") for this call, which asks
 * `what` (bytes that differ exactly when the request does). On INK_OK with
 * *replayed = 1 the key was done: its reply is this call's reply already
 * (ink_rpc_reply_raw): return INK_OK at once. On INK_OK with *replayed = 0
 * the call goes on and ends with usvc_idem_finish or usvc_idem_abort; the
 * worker's `idem` points to *idem until then (usvc_idem_store_argv).
 * Errors (after ink_rpc_fail): INVALID_ARGUMENT (malformed key),
 * FAILED_PRECONDITION (the key was used for another request), ABORTED
 * (a call with this key is in progress), UNAVAILABLE / DEADLINE_EXCEEDED. */
INK_WUR ink_err usvc_idem_begin(ink_rpc_ctx *ctx, const char *scope, const char *client_key,
                                const uint8_t *what, size_t what_len, usvc_idem *idem,
                                int *replayed);

/* usvc_idem_finish keeps the call's reply (ctx->out, set by ink_rpc_reply)
 * as the key's result for USVC_IDEM_TTL_S. Best effort: when it fails the
 * key stays pending until its lease ends, then a retry runs again. */
void usvc_idem_finish(ink_rpc_ctx *ctx, usvc_idem *idem);

/* usvc_idem_end ends the call's claim after `err`: INK_OK finishes
 * (usvc_idem_finish), any other code aborts: the pending key is dropped so
 * a retry may run at once - except DEADLINE_EXCEEDED (its outcome is
 * unknown: the key waits for its lease, or for the late store to finish
 * it). Returns err. */
INK_WUR ink_err usvc_idem_end(ink_rpc_ctx *ctx, usvc_idem *idem, ink_err err);

/* usvc_idem_store_argv runs a store script (EVAL argv with numkeys at
 * argv[2]) so that, when the worker's call holds a key, the same script
 * first checks the key and then marks it done with `reply` (the packed
 * reply the call will send). Without a key it is ink_redis_cmd_argv. On
 * INK_OK *rep is the script's own reply, or an array {reply} when another
 * call with this key finished first (then return that reply), or the
 * integer -1 when another call holds the key now (ABORTED). The script must
 * return 1 when it stored. Same errors as ink_redis_cmd_argv. When the key
 * ends done (stored, or answered from the first call) the claim is over:
 * usvc_idem_end has nothing left to do. */
INK_WUR ink_err usvc_idem_store_argv(ink_rpc_ctx *ctx, redisReply **rep, char *why, size_t why_len,
                                     int argc, const char **argv, const size_t *argvlen,
                                     const uint8_t *reply, size_t reply_len);

#endif /* INKWELL_USER_SVC_IDEM_H */
