/*
 * sessions.c - the session store and its per-user index (see sessions.h).
 *
 * A session is still `session:{sha256(token)}` -> user id with a TTL (so
 * Authenticate stays one lookup and no raw token is stored). Beside it,
 * `user:{uid}:session:{sid}` holds what the user sees of it and the hash
 * that names its key, and `user:{uid}:sessions` indexes the ids by expiry.
 * Every change of the three is one script, so a session never lacks its
 * index entry: revoking "all but this one" cannot miss one. Sessions made
 * before the index are adopted at their next use; once the user has reset
 * their sessions (changed password), an unindexed session is refused.
 */
#include "sessions.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "content_rules.h"
#include "keys.h"
#include "support.h"
#include "svc.h"
#include "user.pb-c.h"

#define SESS_LIST_MAX 200

/* ARGV: 1 uid, 2 ttl_s, 3 now, 4 expires_at, 5 sid, 6 hash, 7 user agent.
 * KEYS: session, meta, index, user. 0 when the user is gone or erasing. */
/* clang-format off */
static const char sess_create_lua[] =
    "if redis.call('EXISTS', KEYS[4]) == 0 or redis.call('HEXISTS', KEYS[4], 'erasing') == 1 "
    "then return 0 end "
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) "
    "redis.call('HSET', KEYS[2], 'hash', ARGV[6], 'created_at', ARGV[3], "
    "  'last_used_at', ARGV[3], 'expires_at', ARGV[4], 'user_agent', ARGV[7]) "
    "redis.call('EXPIRE', KEYS[2], ARGV[2]) "
    "redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3]) "
    "redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5]) "
    "if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[2]) * 1000 then "
    "  redis.call('EXPIRE', KEYS[3], ARGV[2]) end "
    "return 1";

/* KEYS: session. ARGV: 1 sid, 2 hash, 3 now. {user id, username, role}, or
 * nil. The user's name and role come in the same script (issue 16): one
 * round trip resolves a token into a whole Caller. */
static const char sess_resolve_lua[] =
    USVC_LUA_KEYS
    "local uid = redis.call('GET', KEYS[1]) "
    "if not uid then return false end "
    "local f = redis.call('HMGET', k_user(uid), 'username', 'role', 'erasing') "
    "if not f[1] or f[3] then return false end "
    "local who = {uid, f[1], f[2] or ''} "
    "local m = k_meta(uid, ARGV[1]) "
    "if redis.call('EXISTS', m) == 1 then "
    "  redis.call('HSET', m, 'last_used_at', ARGV[3]) return who end "
    "if redis.call('HEXISTS', k_user(uid), 'sessions_reset_at') == 1 then "
    "  redis.call('DEL', KEYS[1]) return false end "
    "local ttl = redis.call('PTTL', KEYS[1]) "
    "if ttl <= 0 then return false end "
    "local exp = tonumber(ARGV[3]) + ttl "
    "redis.call('HSET', m, 'hash', ARGV[2], 'created_at', ARGV[3], 'last_used_at', ARGV[3], "
    "  'expires_at', exp, 'user_agent', '') "
    "redis.call('PEXPIRE', m, ttl) "
    "redis.call('ZADD', k_sessions(uid), exp, ARGV[1]) "
    "if redis.call('PTTL', k_sessions(uid)) < ttl then redis.call('PEXPIRE', k_sessions(uid), ttl) end "
    "return who";

/* KEYS: session. ARGV: 1 sid. 1 when a session ended. */
static const char sess_end_lua[] =
    USVC_LUA_KEYS
    "local uid = redis.call('GET', KEYS[1]) "
    "if not uid then return 0 end "
    "redis.call('DEL', KEYS[1], k_meta(uid, ARGV[1])) "
    "redis.call('ZREM', k_sessions(uid), ARGV[1]) "
    "return 1";

#define SESS_LUA_DROP                                                                              \
	"local function drop(uid, s) "                                                             \
	"  local h = redis.call('HGET', k_meta(uid, s), 'hash') "                                  \
	"  if h then redis.call('DEL', k_session(h)) end "                                         \
	"  redis.call('DEL', k_meta(uid, s)) "                                                     \
	"  redis.call('ZREM', k_sessions(uid), s) "                                                \
	"  return h "                                                                              \
	"end "

/* ARGV: 1 uid, 2 sid. 1 when a live session was revoked. */
static const char sess_revoke_lua[] =
    USVC_LUA_KEYS SESS_LUA_DROP
    "if not redis.call('ZSCORE', k_sessions(ARGV[1]), ARGV[2]) then return 0 end "
    "if drop(ARGV[1], ARGV[2]) then return 1 end "
    "return 0";

/* ARGV: 1 uid, 2 sid to keep ("" none), 3 now, 4 new password hash ("" =
 * keep). -1 when a password was to be set and the user is gone or erasing. */
static const char sess_revoke_others_lua[] =
    USVC_LUA_KEYS SESS_LUA_DROP
    "local u = k_user(ARGV[1]) "
    "if ARGV[4] ~= '' then "
    "  if redis.call('EXISTS', u) == 0 or redis.call('HEXISTS', u, 'erasing') == 1 then "
    "    return -1 end "
    "  redis.call('HSET', u, 'pwhash', ARGV[4]) "
    "end "
    "local n = 0 "
    "for _, s in ipairs(redis.call('ZRANGE', k_sessions(ARGV[1]), 0, -1)) do "
    "  if s ~= ARGV[2] then drop(ARGV[1], s) n = n + 1 end "
    "end "
    "if redis.call('EXISTS', u) == 1 then redis.call('HSET', u, 'sessions_reset_at', ARGV[3]) end "
    "return n";

/* ARGV: 1 uid, 2 now, 3 max. Flat: sid, created, last used, expires, agent. */
static const char sess_list_lua[] =
    USVC_LUA_KEYS
    "local ix = k_sessions(ARGV[1]) "
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

/* sess_int takes the integer reply of the `what` script into *out and frees
 * rep; INK_INTERNAL (and why) for any other reply. Redis's own errors never
 * reach it: ink_redis_cmd has reported them with the server's words. */
static ink_err sess_int(redisReply *rep, const char *what, long long *out, char *why,
                        size_t why_len)
{
	if (rep->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(rep);
		ink_why(why, why_len, "%s script: unexpected reply", what);
		return INK_INTERNAL;
	}
	*out = rep->integer;
	freeReplyObject(rep);
	return INK_OK;
}

ink_err usvc_session_create(ink_redis *r, const char *uid, const char *hash, const char *ua,
                            int64_t ttl_s, int *stored, char *why, size_t why_len)
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
	ink_err err =
	    ink_redis_cmd(r, &rep, why, why_len,
	                  "EVAL %s 4 " USVC_KEY_SESSION " " USVC_KEY_SESSION_META
	                  " " USVC_KEY_SESSIONS " " USVC_KEY_USER " %s %lld %lld %lld %s %s %s",
	                  sess_create_lua, hash, uid, sid, uid, uid, uid, (long long)ttl_s,
	                  (long long)now, (long long)(now + ttl_s * 1000), sid, hash, agent);
	if (err == INK_OK)
		err = sess_int(rep, "session", &res, why, why_len);
	if (err == INK_OK)
		*stored = res == 1;
	return err;
}

/* sess_copy copies reply string e into dst; 0, or -1 when it is not a
 * string that fits. */
static int sess_copy(const redisReply *e, char *dst, size_t dst_len)
{
	if (e->type != REDIS_REPLY_STRING || e->len >= dst_len)
		return -1;
	memcpy(dst, e->str, e->len + 1);
	return 0;
}

ink_err usvc_session_resolve(ink_redis *r, const char *hash, ink_rpc_identity *who, char *why,
                             size_t why_len)
{
	char sid[USVC_SID_LEN];
	redisReply *rep = NULL;

	usvc_session_id(hash, sid);
	ink_err err =
	    ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 1 " USVC_KEY_SESSION " %s %s %lld",
	                  sess_resolve_lua, hash, sid, hash, (long long)ink_now_unix_ms());
	if (err != INK_OK)
		return err;
	inkwell__rpc__v1__caller__init(&who->caller);
	who->user_id[0] = '\0';
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 3 &&
	    (sess_copy(rep->element[0], who->user_id, sizeof(who->user_id)) != 0 ||
	     strlen(who->user_id) != 32 ||
	     sess_copy(rep->element[1], who->username, sizeof(who->username)) != 0 ||
	     sess_copy(rep->element[2], who->role, sizeof(who->role)) != 0))
		who->user_id[0] = '\0';
	freeReplyObject(rep);
	who->caller.user_id = who->user_id;
	who->caller.username = who->user_id[0] ? who->username : who->user_id;
	who->caller.role = who->user_id[0] ? who->role : who->user_id;
	return INK_OK;
}

ink_err usvc_session_end(ink_redis *r, const char *hash, int *ended, char *why, size_t why_len)
{
	char sid[USVC_SID_LEN];
	redisReply *rep = NULL;
	long long res = 0;

	usvc_session_id(hash, sid);
	ink_err err = ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 1 " USVC_KEY_SESSION " %s",
	                            sess_end_lua, hash, sid);
	if (err == INK_OK)
		err = sess_int(rep, "logout", &res, why, why_len);
	if (err == INK_OK)
		*ended = res == 1;
	return err;
}

ink_err usvc_sessions_revoke_others(ink_redis *r, const char *uid, const char *keep,
                                    const char *pwhash, int *done, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	long long res = 0;
	ink_err err =
	    ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 0 %s %s %lld %s", sess_revoke_others_lua,
	                  uid, keep, (long long)ink_now_unix_ms(), pwhash ? pwhash : "");

	if (err == INK_OK)
		err = sess_int(rep, "revoke", &res, why, why_len);
	if (err == INK_OK)
		*done = res >= 0;
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
	err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EVAL %s 0 %s %lld %d", sess_list_lua,
	                    ctx->caller->user_id, (long long)ink_now_unix_ms(), SESS_LIST_MAX);
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
	redisReply *rep = NULL;
	long long res = 0;
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
	err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EVAL %s 0 %s %s", sess_revoke_lua,
	                    ctx->caller->user_id, rq->id);
	if (err != INK_OK) {
		err = usvc_db_fail(ctx, err, why);
		goto out;
	}
	err = sess_int(rep, "revoke", &res, why, sizeof(why));
	if (err != INK_OK) {
		err = ink_rpc_fail(ctx, INK_INTERNAL, "%s", why);
		goto out;
	}
	if (res != 1) {
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no session %s", rq->id);
		goto out;
	}
	Inkwell__User__V1__Empty empty = INKWELL__USER__V1__EMPTY__INIT;
	err = ink_rpc_reply(ctx, &empty.base);
out:
	inkwell__user__v1__revoke_session_request__free_unpacked(rq, NULL);
	return err;
}
