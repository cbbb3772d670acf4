/*
 * session_gate.h - checking a session inside the script that reads the
 * caller's data (issue 16).
 *
 * A token of the shape `<user id>.<secret>` (common/session_token.h) names
 * the user whose slot holds its session: `user:{uid}:session:{sid}` keeps
 * the token's hash, and no other key is needed to authenticate it. So a
 * library read checks the session and reads in one user-slot script: the
 * gate below runs first, and the read only runs when it lets the call in.
 * The session's rules are those of sessions.c: the user exists and is not
 * being erased, the metadata names this hash, was made for a token of this
 * shape (field v, USVC_SESSION_V2: an older session's metadata never opens
 * the gate, whose rules need its `session:{hash}` key) and has not expired;
 * the use is recorded (last_used_at, to the minute: USVC_SESSION_USE_MS).
 * A logout, revocation, password change or
 * erasure removes the metadata or marks the user, so the very next call
 * is refused: no session is cached anywhere (the edge's kept library
 * pages, edge/page_cache.h, are sent only when this gate let the call in).
 */
#ifndef INKWELL_USER_SVC_SESSION_GATE_H
#define INKWELL_USER_SVC_SESSION_GATE_H

#include <hiredis/hiredis.h>

#include "err.h"
#include "keys.h"
#include "redis.h"
#include "rpc_server.h"
#include "sessions.h"

/* USVC_LUA_GATE defines gate(user key, meta key, hash, now) for a script
 * (after USVC_LUA): {username, role} when the session is live (its use
 * recorded), nil when not. */
#define USVC_LUA_GATE                                                                              \
	USVC_LUA_TOUCH                                                                             \
	"local function gate(ku, km, hash, now) "                                                  \
	"  local f = redis.call('HMGET', ku, 'username', 'role', 'erasing') "                      \
	"  if not f[1] or f[3] then return nil end "                                               \
	"  local m = redis.call('HMGET', km, 'hash', 'expires_at', 'v', 'last_used_at') "          \
	"  if m[1] ~= hash or m[3] ~= '" USVC_SESSION_V2 "' or "                                   \
	"     (tonumber(m[2]) or 0) <= tonumber(now) then return nil end "                         \
	"  touch(km, m[4], now) "                                                                  \
	"  return {f[1], f[2] or ''} "                                                             \
	"end "

/* A gated script takes the user key, the meta key, then its own keys, and
 * ARGV 1 hash, 2 now, then its own; it starts with USVC_LUA_GATE_OPEN and
 * returns USVC_LUA_GATE_RETURN(its result). */
#define USVC_LUA_GATE_OPEN                                                                         \
	USVC_LUA_GATE "local who = gate(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) "                      \
	              "if not who then return 0 end "
#define USVC_LUA_GATE_RETURN(x) "return {who[1], who[2], " x "}"

/* The gate's keys and arguments as ink_redis_cmd format and its values:
 * "EVAL %s <n> " USVC_GATE_KEYS " <own keys> " USVC_GATE_ARGS " <own args>"
 * with usvc_gate's uid, uid, sid, hash, now in their places. */
#define USVC_GATE_KEYS USVC_KEY_USER " " USVC_KEY_SESSION_META
#define USVC_GATE_ARGS "%s %lld"

/* usvc_gate: what a gated script needs of this call's token (ctx->token_hash
 * and ctx->token_user, set by the RPC server for INK_RPC_IDENTIFY_IN_METHOD
 * methods): the session id, and now. */
typedef struct usvc_gate {
	const char *uid;
	const char *hash;
	char sid[USVC_SID_LEN];
	long long now;
} usvc_gate;

/* usvc_gate_pending: 1 when ctx carries a token the handler must resolve
 * itself (and then fills *g), 0 when the caller is already resolved (or
 * anonymous). Pure but for the clock. */
int usvc_gate_pending(const ink_rpc_ctx *ctx, usvc_gate *g);

/* usvc_gate_take reads a gated script's reply: on INK_OK the caller is
 * resolved (ctx->who filled, ctx->caller pointing at it) and *inner is the
 * script's own result (owned by rep). A refused token is UNAUTHENTICATED
 * (through ink_rpc_fail); a reply of another shape INK_INTERNAL (likewise). */
INK_WUR ink_err usvc_gate_take(ink_rpc_ctx *ctx, const redisReply *rep, const redisReply **inner);

/* usvc_gate_who sets *who to user uid named {e[0], e[1]} = {username,
 * role} (reply elements of a session script) and returns 0; -1, *who
 * untouched, when they are not strings that fit. */
int usvc_gate_who(redisReply *const *e, const char *uid, ink_rpc_identity *who);

/* usvc_gate_nobody sets *who to no one (user_id ""). */
void usvc_gate_nobody(ink_rpc_identity *who);

/* usvc_gate_resolve resolves such a token alone (Authenticate, and methods
 * that do not gate their own script): who as usvc_session_resolve, user_id
 * "" when refused. Errors: ink_redis_cmd's (message in why). */
INK_WUR ink_err usvc_gate_resolve(ink_redis *r, const char *hash, const char *uid,
                                  ink_rpc_identity *who, char *why, size_t why_len);

#endif /* INKWELL_USER_SVC_SESSION_GATE_H */
