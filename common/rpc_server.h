/*
 * rpc_server.h - serving RPCs: a REP socket, a pool of worker threads, a
 * method table.
 *
 * Each worker owns one nng_ctx and runs a synchronous recv -> handle -> send
 * loop on its own thread, so handlers may block (Redis, argon2, image
 * conversion) without starving nng's small callback pool. Each worker also
 * owns the per-thread state its service needs (a hiredis connection) made by
 * worker_init, so nothing is shared between workers without a lock.
 *
 * Requests flow:  bytes --unpack--> Request --deadline?--> method lookup
 *                   --> handler --> Response --pack--> bytes
 * Garbage bytes get INVALID_ARGUMENT, an unknown method UNIMPLEMENTED, a
 * request already past its deadline DEADLINE_EXCEEDED (the handler never
 * runs): a client can never crash a server.
 */
#ifndef INKWELL_COMMON_RPC_SERVER_H
#define INKWELL_COMMON_RPC_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "rpc.pb-c.h"

/* Who a call's Caller.token_hash named, as the server's `identify` hook
 * resolved it (issue 16): valid once identify returned INK_OK, when
 * ctx->caller points at `caller`, whose strings point into the arrays. */
typedef struct ink_rpc_identity {
	Inkwell__Rpc__V1__Caller caller;
	char user_id[33];
	char username[64];
	char role[32];
} ink_rpc_identity;

/* What a handler sees of one call. Valid only during the handler. */
typedef struct ink_rpc_ctx {
	const char *method;
	const char *request_id;
	const Inkwell__Rpc__V1__Caller *caller; /* never NULL; user_id "" = anonymous */
	int64_t deadline_unix_ms;               /* 0 = none */
	void *worker;                           /* this worker's state from worker_init */
	void *app;                              /* the server's app pointer */
	/* Output, set through ink_rpc_reply / ink_rpc_fail only. */
	ProtobufCBinaryData out;
	char message[512];
	ink_rpc_identity who; /* see ink_rpc_identity */
	/* INK_RPC_IDENTIFY_IN_METHOD methods only: the token this call carries,
	 * not resolved yet (caller is anonymous until the handler resolves it;
	 * both "" when the call has none). Strings are the request's. */
	const char *token_hash;
	const char *token_user;
} ink_rpc_ctx;

/* A handler gets the method's request body (unparsed: it unpacks its own
 * message type) and returns INK_OK after ink_rpc_reply, or the code returned
 * by ink_rpc_fail. */
typedef ink_err (*ink_rpc_handler)(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* ink_rpc_method.flags. INK_RPC_IDENTIFY_IN_METHOD: a call whose token
 * names its user (Caller.token_user) is not resolved by `identify` before
 * the handler; the handler resolves it itself, in the same Redis script as
 * its read (issue 16), from ctx->token_hash / ctx->token_user. Calls with an
 * older token are resolved first as for any method. */
#define INK_RPC_IDENTIFY_IN_METHOD 1

typedef struct ink_rpc_method {
	const char *name; /* "inkwell.template.v1.Templates/Convert" */
	ink_rpc_handler handler;
	int flags; /* INK_RPC_* above; 0 for most */
} ink_rpc_method;

typedef struct ink_rpc_server_config {
	const char *service;           /* for logs: "template-svc" */
	const char *listen;            /* nng URL, e.g. tcp://127.0.0.1:7102 */
	int workers;                   /* threads, >= 1 */
	size_t recv_max;               /* largest request accepted, bytes */
	const ink_rpc_method *methods; /* terminated by {NULL, NULL} */
	void *app;
	/* Called once on each worker thread before it serves; sets *state.
	 * A non-OK return stops ink_rpc_server_start. May be NULL. */
	ink_err (*worker_init)(void *app, void **state);
	void (*worker_fini)(void *app, void *state);
	/* Resolves a Caller.token_hash (64 hex digits, checked before) into
	 * *who on the worker's thread, before the method runs: INK_OK, or the
	 * code of ink_rpc_fail (UNAUTHENTICATED: no such live session; the
	 * method does not run). NULL: a call with a token_hash is refused
	 * UNAUTHENTICATED (only the service that owns sessions resolves them).
	 * token_user is the call's Caller.token_user ("" for older tokens). */
	ink_err (*identify)(ink_rpc_ctx *ctx, const char *token_hash, const char *token_user,
	                    ink_rpc_identity *who);
} ink_rpc_server_config;

typedef struct ink_rpc_server ink_rpc_server;

/* ink_rpc_server_start binds cfg->listen and starts the workers. `cfg` and
 * what it points to must outlive the server. Returns INK_UNAVAILABLE if the
 * address cannot be bound, INK_INVALID_ARGUMENT for a bad config, or a
 * worker_init error. On success the caller owns *out: ink_rpc_server_stop. */
INK_WUR ink_err ink_rpc_server_start(const ink_rpc_server_config *cfg, ink_rpc_server **out);

/* ink_rpc_server_stop closes the socket, joins every worker (each finishes
 * the call it is in) and frees the server. NULL is a no-op. */
void ink_rpc_server_stop(ink_rpc_server *s);

/* ink_rpc_dispatch runs one request envelope through the same path a worker
 * uses (unpack, deadline, lookup, handler, pack) without any socket; used by
 * workers and by unit tests. Always produces a Response: *resp (malloc'd,
 * caller frees with free()) and *resp_len. Returns INK_RESOURCE_EXHAUSTED
 * only when even the error reply cannot be allocated. */
INK_WUR ink_err ink_rpc_dispatch(const ink_rpc_server_config *cfg, void *worker, const uint8_t *req,
                                 size_t req_len, uint8_t **resp, size_t *resp_len);

/* ink_rpc_dispatch_request is ink_rpc_dispatch for an envelope already
 * unpacked (the calls of a Batch, rpc_batch.h); req stays the caller's. */
INK_WUR ink_err ink_rpc_dispatch_request(const ink_rpc_server_config *cfg, void *worker,
                                         const Inkwell__Rpc__V1__Request *req, uint8_t **resp,
                                         size_t *resp_len);

/* ink_rpc_reply packs `msg` as the call's reply body. Returns INK_OK, or
 * INK_RESOURCE_EXHAUSTED (then return it from the handler). */
INK_WUR ink_err ink_rpc_reply(ink_rpc_ctx *ctx, const ProtobufCMessage *msg);

/* ink_rpc_reply_raw makes `body` (malloc'd, already packed) the reply body;
 * the call owns it from here on, also when the handler then fails. */
void ink_rpc_reply_raw(ink_rpc_ctx *ctx, ProtobufCBinaryData body);

/* ink_rpc_fail records why the call failed and returns `code`, so a handler
 * can `return ink_rpc_fail(ctx, INK_NOT_FOUND, "no template %s", id);`. */
INK_WUR ink_err ink_rpc_fail(ink_rpc_ctx *ctx, ink_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ink_rpc_fail_db fails the call for a database error `err` (from common/redis.c, reason
 * `why`), saying "<db>: <why>". UNAVAILABLE (nothing was done: retry) and DEADLINE_EXCEEDED
 * (the command may have run: the outcome is unknown) keep their code so the caller can tell
 * them apart; anything else is INTERNAL. Returns the code. */
INK_WUR ink_err ink_rpc_fail_db(ink_rpc_ctx *ctx, ink_err err, const char *db, const char *why);

/* ink_rpc_remaining_ms returns how long the caller still waits (for calls
 * this handler makes downstream), at least 1; `fallback` when no deadline. */
int64_t ink_rpc_remaining_ms(const ink_rpc_ctx *ctx, int64_t fallback);

#endif /* INKWELL_COMMON_RPC_SERVER_H */
