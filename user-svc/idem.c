/*
 * idem.c - Idempotency-Key claims in the users Redis (see idem.h for the
 * states). Every change of a key is one script, so two calls with one key
 * never both see it free, and a late store never finishes a key that
 * another call holds.
 */
#include "idem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "svc.h"

/* The lease outlives the call's deadline by this much (ms). */
#define IDEM_LEASE_SLACK_MS 1000
#define IDEM_TTL            "86400"
#define IDEM_ARGV_MAX       40

/* KEYS[1] the key; ARGV: 1 fp, 2 owner, 3 lease (ms). Returns {1} when
 * claimed, {-1} for another request's key, {2, reply} when done, {0, ttl
 * ms} while pending. */
static const char idem_begin_lua[] =
    USVC_LUA "local h = redis.call('HMGET', KEYS[1], 'state', 'fp', 'reply') "
             "if not h[1] then "
             "  redis.call('HSET', KEYS[1], 'state', 'pending', 'fp', ARGV[1], 'owner', ARGV[2]) "
             "  redis.call('PEXPIRE', KEYS[1], ARGV[3]) "
             "  return {1} "
             "end "
             "if h[2] ~= ARGV[1] then return {-1} end "
             "if h[1] == 'done' then return {2, h[3]} end "
             "return {0, redis.call('PTTL', KEYS[1])}";

/* KEYS[1] the key; ARGV: 1 owner, 2 fp, 3 reply, 4 ttl (s). Done unless
 * another call holds or finished the key (a lease ran out meanwhile). */
static const char idem_finish_lua[] =
    USVC_LUA "local st = redis.call('HMGET', KEYS[1], 'state', 'owner') "
             "if st[1] and (st[1] == 'done' or st[2] ~= ARGV[1]) then return 0 end "
             "redis.call('HSET', KEYS[1], 'state', 'done', 'owner', ARGV[1], 'fp', ARGV[2], "
             "  'reply', ARGV[3]) "
             "redis.call('EXPIRE', KEYS[1], ARGV[4]) "
             "return 1";

/* KEYS[1] the key; ARGV[1] owner: drop our pending claim, nothing else. */
static const char idem_abort_lua[] = USVC_LUA
    "local st = redis.call('HMGET', KEYS[1], 'state', 'owner') "
    "if st[1] == 'pending' and st[2] == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end "
    "return 0";

/* Around a store script (after its own KEYS and ARGV come the key, then
 * owner, fp, reply, ttl): check the claim first, mark the key done in the
 * same script when the store returned 1. */
static const char idem_wrap_head[] = USVC_LUA
    "local IK = KEYS[#KEYS] "
    "local io, ifp, irep, ittl = ARGV[#ARGV - 3], ARGV[#ARGV - 2], ARGV[#ARGV - 1], ARGV[#ARGV] "
    "local st = redis.call('HMGET', IK, 'state', 'owner', 'fp', 'reply') "
    "if st[1] == 'done' and st[3] == ifp then return {st[4]} end "
    "if st[1] and st[2] ~= io then return -1 end "
    "local r = (function() ";
static const char idem_wrap_tail[] =
    " end)() "
    "if r == 1 then "
    "  redis.call('HSET', IK, 'state', 'done', 'owner', io, 'fp', ifp, 'reply', irep) "
    "  redis.call('EXPIRE', IK, ittl) "
    "end "
    "return r";

const char *usvc_idem_key_ok(const char *k)
{
	size_t n = 0;

	for (; k[n] != '\0'; n++) {
		char c = k[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-_.:+/=", c) != NULL))
			return "must be 1-128 characters of A-Z a-z 0-9 - _ . : + / = (a UUID will "
			       "do)";
	}
	if (n == 0 || n > USVC_IDEM_KEY_MAX)
		return "must be 1-128 characters of A-Z a-z 0-9 - _ . : + / = (a UUID will do)";
	return NULL;
}

/* idem_fingerprint: hex SHA-256 of method, a NUL, then what. */
static void idem_fingerprint(const char *method, const uint8_t *what, size_t what_len, char out[65])
{
	crypto_hash_sha256_state st;
	uint8_t digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)method, strlen(method) + 1);
	crypto_hash_sha256_update(&st, what, what_len);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

/* idem_replay makes the stored reply e this call's reply. */
static ink_err idem_replay(ink_rpc_ctx *ctx, const redisReply *e)
{
	ProtobufCBinaryData body = {0, NULL};

	if (e->type != REDIS_REPLY_STRING)
		return ink_rpc_fail(ctx, INK_INTERNAL, "idempotency key: no stored reply");
	body.data = malloc(e->len ? e->len : 1);
	if (body.data == NULL)
		return ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
	memcpy(body.data, e->str, e->len);
	body.len = e->len;
	ink_rpc_reply_raw(ctx, body);
	return INK_OK;
}

/* idem_begin_answer turns the begin script's reply into the call's fate. */
static ink_err idem_begin_answer(ink_rpc_ctx *ctx, const redisReply *rep, int *replayed)
{
	long long st = -9;

	if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 1 &&
	    rep->element[0]->type == REDIS_REPLY_INTEGER)
		st = rep->element[0]->integer;
	if (st == 1)
		return INK_OK;
	if (st == -1)
		return ink_rpc_fail(
		    ctx, INK_FAILED_PRECONDITION,
		    "this Idempotency-Key was already used for a different request");
	if (st == 2 && rep->elements == 2) {
		ink_err err = idem_replay(ctx, rep->element[1]);
		*replayed = err == INK_OK;
		return err;
	}
	if (st == 0 && rep->elements == 2 && rep->element[1]->type == REDIS_REPLY_INTEGER) {
		long long ms = rep->element[1]->integer;
		return ink_rpc_fail(ctx, INK_ABORTED,
		                    "a request with this Idempotency-Key is in progress; try again "
		                    "in %lld s",
		                    ms > 0 ? (ms + 999) / 1000 : 1);
	}
	return ink_rpc_fail(ctx, INK_INTERNAL, "idempotency script: unexpected reply");
}

ink_err usvc_idem_begin(ink_rpc_ctx *ctx, const char *scope, const char *client_key,
                        const uint8_t *what, size_t what_len, usvc_idem *idem, int *replayed)
{
	usvc_worker *w = ctx->worker;
	usvc_app *app = ctx->app;
	redisReply *rep = NULL;
	uint8_t raw[16];
	char lease[24], why[256];

	memset(idem, 0, sizeof(*idem));
	*replayed = 0;
	if (client_key == NULL || client_key[0] == '\0')
		return INK_OK;
	const char *bad = usvc_idem_key_ok(client_key);
	if (bad != NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "Idempotency-Key %s", bad);
	int n = snprintf(idem->key, sizeof(idem->key), USVC_KEY_IDEM, scope, client_key);
	if (n < 0 || (size_t)n >= sizeof(idem->key))
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "idempotency scope is too long");
	idem_fingerprint(ctx->method, what, what_len, idem->fp);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(idem->owner, sizeof(idem->owner), raw, sizeof(raw));
	snprintf(lease, sizeof(lease), "%lld",
	         (long long)ink_rpc_remaining_ms(ctx, app->cfg.rpc_timeout_ms) +
	             IDEM_LEASE_SLACK_MS);
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EVAL %s 1 %s %s %s %s",
	                            idem_begin_lua, idem->key, idem->fp, idem->owner, lease);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	err = idem_begin_answer(ctx, rep, replayed);
	freeReplyObject(rep);
	if (err == INK_OK && !*replayed) {
		idem->on = 1;
		w->idem = idem;
	}
	return err;
}

void usvc_idem_finish(ink_rpc_ctx *ctx, usvc_idem *idem)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];

	if (!idem->on)
		return;
	w->idem = NULL;
	idem->on = 0;
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EVAL %s 1 %s %s %s %b %s",
	                            idem_finish_lua, idem->key, idem->owner, idem->fp,
	                            ctx->out.data ? (const char *)ctx->out.data : "",
	                            (size_t)ctx->out.len, IDEM_TTL);
	if (err != INK_OK) {
		ink_log_warn(
		    "idempotency key not finished (it stays pending until its lease ends): %s",
		    why);
		return;
	}
	freeReplyObject(rep);
	/* The reply is already replicated; this makes its replay survive a failover too. A
	 * replica that does not confirm in time loses nothing the caller sees: a repeat with
	 * the key then runs the call again, which answers as the state it finds. */
	const usvc_app *app = ctx->app;
	if (ink_replica_wait(w->redis, &app->cfg.wait, why, sizeof(why)) != INK_OK)
		ink_log_warn("idempotency key's record not confirmed by a replica: %s", why);
}

ink_err usvc_idem_end(ink_rpc_ctx *ctx, usvc_idem *idem, ink_err err)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];

	if (!idem->on)
		return err;
	if (err == INK_OK) {
		usvc_idem_finish(ctx, idem);
		return err;
	}
	w->idem = NULL;
	idem->on = 0;
	if (err == INK_DEADLINE_EXCEEDED)
		return err; /* it may still happen: keep the claim until its lease ends */
	if (ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EVAL %s 1 %s %s", idem_abort_lua,
	                  idem->key, idem->owner) != INK_OK) {
		ink_log_warn("idempotency key not released (it waits for its lease): %s", why);
		return err;
	}
	freeReplyObject(rep);
	return err;
}

/* idem_wrap returns the store script `lua` (len bytes) inside the key check
 * (malloc'd, free(); its length in *out_len), or NULL when out of memory. The
 * store script's own shebang would be a syntax error inside the wrapper,
 * which starts with one already, so it is left out. */
static char *idem_wrap(const char *lua, size_t len, size_t *out_len)
{
	if (len >= sizeof(USVC_LUA) - 1 && memcmp(lua, USVC_LUA, sizeof(USVC_LUA) - 1) == 0) {
		lua += sizeof(USVC_LUA) - 1;
		len -= sizeof(USVC_LUA) - 1;
	}
	size_t slen = sizeof(idem_wrap_head) - 1 + len + sizeof(idem_wrap_tail) - 1;
	char *script = malloc(slen + 1);
	if (script == NULL)
		return NULL;
	snprintf(script, slen + 1, "%s%.*s%s", idem_wrap_head, (int)len, lua, idem_wrap_tail);
	*out_len = slen;
	return script;
}

ink_err usvc_idem_store_argv(ink_rpc_ctx *ctx, redisReply **rep, char *why, size_t why_len,
                             int argc, const char **argv, const size_t *argvlen,
                             const uint8_t *reply, size_t reply_len)
{
	usvc_worker *w = ctx->worker;
	usvc_idem *idem = w->idem;
	const char *av[IDEM_ARGV_MAX];
	size_t avlen[IDEM_ARGV_MAX];
	char numkeys[16];

	if (idem == NULL || !idem->on)
		return ink_redis_cmd_argv(w->redis, rep, why, why_len, argc, argv, argvlen);
	long nk = argc >= 3 ? strtol(argv[2], NULL, 10) : -1;
	if (argc + 5 > IDEM_ARGV_MAX || nk < 0 || 3 + nk > argc)
		return ink_rpc_fail(ctx, INK_INTERNAL, "store script: bad arguments");
	size_t slen = 0;
	char *script = idem_wrap(argv[1], argvlen[1], &slen);
	if (script == NULL)
		return INK_RESOURCE_EXHAUSTED;
	snprintf(numkeys, sizeof(numkeys), "%ld", nk + 1);
	int n = 0;
	av[n] = argv[0], avlen[n++] = argvlen[0];
	av[n] = script, avlen[n++] = slen;
	av[n] = numkeys, avlen[n++] = strlen(numkeys);
	for (int i = 3; i < 3 + nk; i++)
		av[n] = argv[i], avlen[n++] = argvlen[i];
	av[n] = idem->key, avlen[n++] = strlen(idem->key);
	for (int i = 3 + (int)nk; i < argc; i++)
		av[n] = argv[i], avlen[n++] = argvlen[i];
	av[n] = idem->owner, avlen[n++] = strlen(idem->owner);
	av[n] = idem->fp, avlen[n++] = strlen(idem->fp);
	av[n] = reply_len ? (const char *)reply : "", avlen[n++] = reply_len;
	av[n] = IDEM_TTL, avlen[n++] = strlen(IDEM_TTL);
	ink_err err = ink_redis_cmd_argv(w->redis, rep, why, why_len, n, av, avlen);
	free(script);
	if (err == INK_OK && ((*rep)->type == REDIS_REPLY_ARRAY ||
	                      ((*rep)->type == REDIS_REPLY_INTEGER && (*rep)->integer == 1))) {
		idem->on = 0; /* the key is done: nothing left to finish or abort */
		w->idem = NULL;
	}
	return err;
}
