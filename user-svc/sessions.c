/*
 * sessions.c - the session store and its per-user index (see sessions.h).
 *
 * A session lives in its user's slot: `user:{uid}:session:{sid}` holds what
 * the user sees of it and the SHA-256 of its token (no raw token is
 * stored), and `user:{uid}:sessions` indexes the ids by expiry. Tokens name
 * their user (`<uid>.<secret>`, common/session_token.h), so every change of
 * a session is one user-slot script, and a read checks the session in its
 * own script (session_gate.h; issue 16).
 *
 * Tokens issued before that are a bare secret: their session is found
 * through `session:{sha256(token)}` -> user id (with a TTL), beside the
 * same metadata. Those keep working until they expire (nothing new is
 * made that way); sessions made before the index are adopted at their next
 * use, and once the user has reset their sessions (changed password), an
 * unindexed one is refused.
 */
#include "sessions.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "content_rules.h"
#include "keys.h"
#include "session_gate.h"
#include "support.h"
#include "svc.h"
#include "user.pb-c.h"

#define SESS_LIST_MAX 200

/* An older session's key `session:{hash}` and its user's keys are in
 * different slots, so each change of one is ordered steps, and one rule
 * makes every order safe (DESIGN-NOTES "Invariants"): a session key
 * authenticates only beside its metadata `user:{uid}:session:{sid}` - or,
 * for a session from before the index, while the user has never reset
 * their sessions. So:
 *   end      key first (GET + DEL), then metadata + index
 *   revoke   key first (found through the metadata), then metadata + index
 *   reset    metadata + index + sessions_reset_at in one user-slot script,
 *            then the keys (refused meanwhile by the rule)
 * A crash between the steps of end or revoke leaves a dead session listed
 * until its metadata expires with it. A session of a token that names its
 * user has no such key: its metadata alone authenticates it, so create and
 * end are one script each, and revoke and reset need no second step. */
/* KEYS: meta, index, user. ARGV: 1 ttl_s, 2 now, 3 expires_at, 4 sid,
 * 5 hash, 6 user agent, 7 the password hash the sign-in checked. 0 when
 * the user is gone or erasing, or its password changed since (a change
 * ends every other session; one made after it must not outlive it). */
/* clang-format off */
static const char sess_create_lua[] =
    USVC_LUA "local u = redis.call('HMGET', KEYS[3], 'pwhash', 'erasing') "
    "if not u[1] or u[1] ~= ARGV[7] or u[2] then return 0 end "
    "redis.call('HSET', KEYS[1], 'hash', ARGV[5], 'created_at', ARGV[2], "
    "  'last_used_at', ARGV[2], 'expires_at', ARGV[3], 'user_agent', ARGV[6], "
    "  'v', '" USVC_SESSION_V2 "') "
    "redis.call('EXPIRE', KEYS[1], ARGV[1]) "
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2]) "
    "redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4]) "
    "if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[1]) * 1000 then "
    "  redis.call('EXPIRE', KEYS[2], ARGV[1]) end "
    "return 1";

/* KEYS: session. {uid, pttl} or {} (no session). */
static const char sess_lookup_lua[] =
    USVC_LUA "local uid = redis.call('GET', KEYS[1]) "
    "if not uid then return {} end "
    "return {uid, redis.call('PTTL', KEYS[1])}";

/* KEYS: user, meta, index. ARGV: 1 sid, 2 hash, 3 now, 4 the key's pttl.
 * {username, role} live (use recorded; issue 16: the caller whole in this
 * one user-slot script), 0 refused, -1 refused and the key is to go. */
static const char sess_resolve_lua[] =
    USVC_LUA USVC_LUA_TOUCH "local f = redis.call('HMGET', KEYS[1], 'username', 'role', 'erasing') "
    "if not f[1] or f[3] then return 0 end "
    "local who = {f[1], f[2] or ''} "
    "if redis.call('EXISTS', KEYS[2]) == 1 then "
    "  touch(KEYS[2], redis.call('HGET', KEYS[2], 'last_used_at'), ARGV[3]) return who end "
    "if redis.call('HEXISTS', KEYS[1], 'sessions_reset_at') == 1 then return -1 end "
    "local ttl = tonumber(ARGV[4]) "
    "if ttl <= 0 then return 0 end "
    "local exp = tonumber(ARGV[3]) + ttl "
    "redis.call('HSET', KEYS[2], 'hash', ARGV[2], 'created_at', ARGV[3], 'last_used_at', ARGV[3], "
    "  'expires_at', exp, 'user_agent', '') "
    "redis.call('PEXPIRE', KEYS[2], ttl) "
    "redis.call('ZADD', KEYS[3], exp, ARGV[1]) "
    "if redis.call('PTTL', KEYS[3]) < ttl then redis.call('PEXPIRE', KEYS[3], ttl) end "
    "return who";

/* KEYS: session. The user id it named (the key is gone), or nil. */
static const char sess_take_lua[] =
    USVC_LUA "local uid = redis.call('GET', KEYS[1]) "
    "if uid then redis.call('DEL', KEYS[1]) end "
    "return uid";

/* KEYS: meta, index. ARGV: 1 sid, 2 hash. 1 when the metadata named this
 * hash (and is gone with its index entry), else 0. */
static const char sess_end_lua[] =
    USVC_LUA "if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[2] then return 0 end "
    "redis.call('DEL', KEYS[1]) redis.call('ZREM', KEYS[2], ARGV[1]) return 1";

/* KEYS: meta, index. ARGV: 1 sid. */
static const char sess_forget_lua[] =
    USVC_LUA "redis.call('DEL', KEYS[1]) redis.call('ZREM', KEYS[2], ARGV[1]) return 1";

/* KEYS: index, meta. ARGV: 1 sid. nil when it is not a live session of
 * this user; 1 when it was one of a token naming its user (its metadata is
 * its authority: gone now, with its index entry); else the token hash of an
 * older session, whose key must go first. */
static const char sess_find_lua[] =
    USVC_LUA "if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return false end "
    "local m = redis.call('HMGET', KEYS[2], 'hash', 'v') "
    "if m[2] == '" USVC_SESSION_V2 "' then "
    "  redis.call('DEL', KEYS[2]) redis.call('ZREM', KEYS[1], ARGV[1]) return 1 end "
    "return m[1]";

/* KEYS: user, index. ARGV: 1 uid, 2 sid to keep ("" none), 3 now, 4 new
 * password hash ("" = keep). {-1} when a password was to be set and the user
 * is gone or erasing; else {n, hash...}: the token hashes whose keys are to
 * be deleted (refused already: sessions_reset_at is set; a session of a
 * token naming its user has no key, so none is listed). */
static const char sess_revoke_others_lua[] =
    USVC_LUA USVC_LUA_KEYS
    "local u = KEYS[1] "
    "if ARGV[4] ~= '' then "
    "  if redis.call('EXISTS', u) == 0 or redis.call('HEXISTS', u, 'erasing') == 1 then "
    "    return {-1} end "
    "  redis.call('HSET', u, 'pwhash', ARGV[4]) "
    "end "
    "if redis.call('EXISTS', u) == 1 then redis.call('HSET', u, 'sessions_reset_at', ARGV[3]) end "
    "local out = {0} "
    "for _, s in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do "
    "  if s ~= ARGV[2] then "
    "    local m = redis.call('HMGET', k_meta(ARGV[1], s), 'hash', 'v') "
    "    if m[1] and m[2] ~= '" USVC_SESSION_V2 "' then out[#out + 1] = m[1] end "
    "    redis.call('DEL', k_meta(ARGV[1], s)) "
    "    redis.call('ZREM', KEYS[2], s) "
    "    out[1] = out[1] + 1 "
    "  end "
    "end "
    "return out";

/* ARGV: 1 uid, 2 now, 3 max. Flat: sid, created, last used, expires, agent. */
static const char sess_list_lua[] =
    USVC_LUA USVC_LUA_KEYS
    "local ix = KEYS[1] "
    "redis.call('ZREMRANGEBYSCORE', ix, '-inf', ARGV[2]) "
    "local out = {} "
    "for _, s in ipairs(redis.call('ZREVRANGE', ix, 0, tonumber(ARGV[3]) - 1)) do "
    "  local f = redis.call('HMGET', k_meta(ARGV[1], s), 'created_at', 'last_used_at', "
    "    'expires_at', 'user_agent') "
    "  if f[1] then "
    "    out[#out + 1] = s "
    "    for j = 1, 4 do out[#out + 1] = f[j] or '' end "
    "  else redis.call('ZREM', ix, s) end "
    "end "
    "return out";
/* clang-format on */

void usvc_session_hash(const char *token, char hex[USVC_HASH_HEX])
{
	uint8_t digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const uint8_t *)token, strlen(token));
	sodium_bin2hex(hex, USVC_HASH_HEX, digest, sizeof(digest));
}

void usvc_session_id(const char *hash, char sid[USVC_SID_LEN])
{
	uint8_t digest[16];

	crypto_generichash(digest, sizeof(digest), (const uint8_t *)hash, strlen(hash), NULL, 0);
	sodium_bin2hex(sid, USVC_SID_LEN, digest, sizeof(digest));
}

/* sess_step finishes a command ink_redis_cmd ran (its result err, its reply
 * *rep): the integer reply, if any, goes to *res (-1 for another reply) and
 * the reply is freed; then, when rw asks, it WAITs for the replicas. */
static ink_err sess_step(ink_redis *r, const ink_replica_cfg *rw, ink_err err, redisReply **rep,
                         long long *res, char *why, size_t why_len)
{
	if (err != INK_OK)
		return err;
	*res = (*rep)->type == REDIS_REPLY_INTEGER ? (*rep)->integer : -1;
	freeReplyObject(*rep);
	*rep = NULL;
	return ink_replica_wait(r, rw, why, why_len);
}

ink_err usvc_session_create(ink_redis *r, const ink_replica_cfg *rw, const char *uid,
                            const char *pwhash, const char *hash, const char *ua, int64_t ttl_s,
                            int *stored, char *why, size_t why_len)
{
	char sid[USVC_SID_LEN], agent[USVC_UA_MAX + 1];
	redisReply *rep = NULL;
	long long res = 0;
	int64_t now = ink_now_unix_ms();

	usvc_session_id(hash, sid);
	size_t n = 0;
	for (const char *p = ua ? ua : ""; *p && n < USVC_UA_MAX;
	     p++) /* shown as JSON: ASCII only */
		agent[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	agent[n] = '\0';
	ink_err err = sess_step(
	    r, rw,
	    ink_redis_cmd(r, &rep, why, why_len,
	                  "EVAL %s 3 " USVC_KEY_SESSION_META " " USVC_KEY_SESSIONS " " USVC_KEY_USER
	                  " %lld %lld %lld %s %s %s %s",
	                  sess_create_lua, uid, sid, uid, uid, (long long)ttl_s, (long long)now,
	                  (long long)(now + ttl_s * 1000), sid, hash, agent, pwhash),
	    &rep, &res, why, why_len);
	if (err == INK_OK)
		*stored = res == 1;
	return err;
}

/* sess_lookup reads the user id and remaining life (ms) of session `hash`;
 * uid "" when there is none. */
static ink_err sess_lookup(ink_redis *r, const char *hash, char uid[33], long long *pttl, char *why,
                           size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err = ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 1 " USVC_KEY_SESSION,
	                            sess_lookup_lua, hash);

	if (err != INK_OK)
		return err;
	uid[0] = '\0';
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	    rep->element[0]->type == REDIS_REPLY_STRING && rep->element[0]->len == 32 &&
	    rep->element[1]->type == REDIS_REPLY_INTEGER) {
		memcpy(uid, rep->element[0]->str, 33);
		*pttl = rep->element[1]->integer;
	}
	freeReplyObject(rep);
	return INK_OK;
}

ink_err usvc_session_resolve(ink_redis *r, const char *hash, const char *token_user,
                             ink_rpc_identity *who, char *why, size_t why_len)
{
	char sid[USVC_SID_LEN], found[33];
	redisReply *rep = NULL;
	long long pttl = 0, res = 0;

	if (token_user[0] != '\0')
		return usvc_gate_resolve(r, hash, token_user, who, why, why_len);
	usvc_gate_nobody(who);
	usvc_session_id(hash, sid);
	ink_err err = sess_lookup(r, hash, found, &pttl, why, why_len);
	if (err != INK_OK || found[0] == '\0')
		return err;
	err = ink_redis_cmd(r, &rep, why, why_len,
	                    "EVAL %s 3 " USVC_KEY_USER " " USVC_KEY_SESSION_META
	                    " " USVC_KEY_SESSIONS " %s %s %lld %lld",
	                    sess_resolve_lua, found, found, sid, found, sid, hash,
	                    (long long)ink_now_unix_ms(), pttl);
	if (err != INK_OK)
		return err;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2)
		(void)usvc_gate_who(rep->element, found, who); /* -1: not live, who stays nobody */
	int drop = rep->type == REDIS_REPLY_INTEGER && rep->integer == -1;
	freeReplyObject(rep);
	if (drop) /* unindexed after a reset: never again */
		return sess_step(
		    r, NULL, ink_redis_cmd(r, &rep, why, why_len, "DEL " USVC_KEY_SESSION, hash),
		    &rep, &res, why, why_len);
	return INK_OK;
}

ink_err usvc_session_end(ink_redis *r, const ink_replica_cfg *rw, const char *hash,
                         const char *token_user, int *ended, char *why, size_t why_len)
{
	char sid[USVC_SID_LEN], uid[33] = "";
	redisReply *rep = NULL;
	long long res = 0;

	usvc_session_id(hash, sid);
	if (token_user[0] != '\0') {
		ink_err err = sess_step(
		    r, rw,
		    ink_redis_cmd(r, &rep, why, why_len,
		                  "EVAL %s 2 " USVC_KEY_SESSION_META " " USVC_KEY_SESSIONS " %s %s",
		                  sess_end_lua, token_user, sid, token_user, sid, hash),
		    &rep, &res, why, why_len);
		if (err == INK_OK)
			*ended = res == 1;
		return err;
	}
	ink_err err = ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 1 " USVC_KEY_SESSION,
	                            sess_take_lua, hash);
	if (err != INK_OK)
		return err;
	if (rep->type == REDIS_REPLY_STRING && rep->len == 32)
		memcpy(uid, rep->str, 33);
	freeReplyObject(rep);
	if (uid[0] == '\0') {
		*ended = 0;
		return INK_OK;
	}
	err = ink_replica_wait(r, rw, why, why_len);
	if (err == INK_OK)
		err = sess_step(r, rw,
		                ink_redis_cmd(r, &rep, why, why_len,
		                              "EVAL %s 2 " USVC_KEY_SESSION_META
		                              " " USVC_KEY_SESSIONS " %s",
		                              sess_forget_lua, uid, sid, uid, sid),
		                &rep, &res, why, why_len);
	if (err == INK_OK)
		*ended = 1;
	return err;
}

/* sess_revoke ends the live session `sid` of uid: one of a token naming
 * its user in one script; an older one key first, then its metadata and
 * index entry. *done 0 when it is not one. */
static ink_err sess_revoke(ink_redis *r, const ink_replica_cfg *rw, const char *uid,
                           const char *sid, int *done, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	char hash[USVC_HASH_HEX] = "";
	long long res = 0;
	ink_err err = ink_redis_cmd(r, &rep, why, why_len,
	                            "EVAL %s 2 " USVC_KEY_SESSIONS " " USVC_KEY_SESSION_META " %s",
	                            sess_find_lua, uid, uid, sid, sid);

	if (err != INK_OK)
		return err;
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1) {
		*done = 1; /* ended in the script */
		return sess_step(r, rw, INK_OK, &rep, &res, why, why_len);
	}
	if (rep->type == REDIS_REPLY_STRING && rep->len + 1 == sizeof(hash))
		memcpy(hash, rep->str, sizeof(hash));
	freeReplyObject(rep);
	*done = hash[0] != '\0';
	if (hash[0] != '\0')
		err = sess_step(r, rw,
		                ink_redis_cmd(r, &rep, why, why_len, "DEL " USVC_KEY_SESSION, hash),
		                &rep, &res, why, why_len);
	if (err == INK_OK)
		err = sess_step(r, rw,
		                ink_redis_cmd(r, &rep, why, why_len,
		                              "EVAL %s 2 " USVC_KEY_SESSION_META
		                              " " USVC_KEY_SESSIONS " %s",
		                              sess_forget_lua, uid, sid, uid, sid),
		                &rep, &res, why, why_len);
	return err;
}

/* sess_drop_keys deletes the session keys named by a reset's reply (from
 * element 1 on). They are refused already; this only frees them early. */
static void sess_drop_keys(ink_redis *r, const redisReply *rep)
{
	char why[128];

	for (size_t i = 1; i < rep->elements; i++) {
		const redisReply *e = rep->element[i];
		redisReply *del = NULL;
		if (e->type != REDIS_REPLY_STRING)
			continue;
		if (ink_redis_cmd(r, &del, why, sizeof(why), "DEL " USVC_KEY_SESSION, e->str) ==
		    INK_OK)
			freeReplyObject(del);
	}
}

ink_err usvc_sessions_revoke_others(ink_redis *r, const ink_replica_cfg *rw, const char *uid,
                                    const char *keep, const char *pwhash, int *done, char *why,
                                    size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err =
	    ink_redis_cmd(r, &rep, why, why_len,
	                  "EVAL %s 2 " USVC_KEY_USER " " USVC_KEY_SESSIONS " %s %s %lld %s",
	                  sess_revoke_others_lua, uid, uid, uid, keep, (long long)ink_now_unix_ms(),
	                  pwhash ? pwhash : "");

	if (err != INK_OK)
		return err;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
	    rep->element[0]->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(rep);
		ink_why(why, why_len, "revoke script: unexpected reply");
		return INK_INTERNAL;
	}
	int ok = rep->element[0]->integer >= 0;
	err = ink_replica_wait(r, rw, why, why_len);
	if (err == INK_OK)
		sess_drop_keys(r, rep);
	freeReplyObject(rep);
	if (err == INK_OK)
		*done = ok;
	return err;
}

/* sess_reply_ms reads a decimal reply element as unix ms (0 when not one). */
static int64_t sess_reply_ms(const redisReply *e)
{
	return e->type == REDIS_REPLY_STRING ? strtoll(e->str, NULL, 10) : 0;
}

/* sess_list_reply answers ListSessions from the list script's flat reply;
 * the strings stay the reply's. */
static ink_err sess_list_reply(ink_rpc_ctx *ctx, const redisReply *rep, const char *current)
{
	size_t n = rep->elements / 5;
	Inkwell__User__V1__Session *items = calloc(n ? n : 1, sizeof(*items));
	Inkwell__User__V1__Session **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
	Inkwell__User__V1__SessionList out = INKWELL__USER__V1__SESSION_LIST__INIT;
	ink_err err = INK_OK;

	if (items == NULL || ptrs == NULL) {
		err = ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		redisReply *const *e = rep->element + i * 5;
		Inkwell__User__V1__Session *s = &items[i];
		inkwell__user__v1__session__init(s);
		if (e[0]->type != REDIS_REPLY_STRING || e[4]->type != REDIS_REPLY_STRING) {
			err = ink_rpc_fail(ctx, INK_INTERNAL, "session list: unexpected reply");
			goto out;
		}
		s->id = e[0]->str;
		s->created_at_unix_ms = sess_reply_ms(e[1]);
		s->last_used_at_unix_ms = sess_reply_ms(e[2]);
		s->expires_at_unix_ms = sess_reply_ms(e[3]);
		s->user_agent = e[4]->str;
		s->current = strcmp(s->id, current) == 0;
		ptrs[i] = s;
	}
	out.items = ptrs;
	out.n_items = n;
	err = ink_rpc_reply(ctx, &out.base);
out:
	free(items);
	free(ptrs);
	return err;
}

ink_err usvc_list_sessions(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	char hash[USVC_HASH_HEX], current[USVC_SID_LEN], why[256];
	redisReply *rep = NULL;

	ink_err err = usvc_require_user(ctx);
	if (err != INK_OK)
		return err;
	Inkwell__User__V1__SessionsRequest *rq =
	    inkwell__user__v1__sessions_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	usvc_session_hash(rq->token, hash);
	usvc_session_id(hash, current);
	inkwell__user__v1__sessions_request__free_unpacked(rq, NULL);
	err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                    "EVAL %s 1 " USVC_KEY_SESSIONS " %s %lld %d", sess_list_lua,
	                    ctx->caller->user_id, ctx->caller->user_id,
	                    (long long)ink_now_unix_ms(), SESS_LIST_MAX);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	if (rep->type != REDIS_REPLY_ARRAY)
		err = ink_rpc_fail(ctx, INK_INTERNAL, "session list: unexpected reply");
	else
		err = sess_list_reply(ctx, rep, current);
	freeReplyObject(rep);
	return err;
}

ink_err usvc_revoke_session(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	const usvc_app *app = ctx->app;
	int done = 0;
	char why[256];

	ink_err err = usvc_require_user(ctx);
	if (err != INK_OK)
		return err;
	Inkwell__User__V1__RevokeSessionRequest *rq =
	    inkwell__user__v1__revoke_session_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	err = INK_OK;
	if (!ink_id_ok(rq->id)) {
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no session %s", "with that id");
		goto out;
	}
	err = sess_revoke(w->redis, &app->cfg.wait, ctx->caller->user_id, rq->id, &done, why,
	                  sizeof(why));
	if (err != INK_OK) {
		err = usvc_db_fail(ctx, err, why);
		goto out;
	}
	if (!done) {
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no session %s", rq->id);
		goto out;
	}
	Inkwell__User__V1__Empty empty = INKWELL__USER__V1__EMPTY__INIT;
	err = ink_rpc_reply(ctx, &empty.base);
out:
	inkwell__user__v1__revoke_session_request__free_unpacked(rq, NULL);
	return err;
}
