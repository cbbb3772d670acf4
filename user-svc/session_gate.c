/*
 * session_gate.c - a session checked inside the caller's own script (see
 * session_gate.h).
 */
#include "session_gate.h"

#include <string.h>

#include "clock.h"

int usvc_gate_pending(const ink_rpc_ctx *ctx, usvc_gate *g)
{
	if (ctx->token_user == NULL || ctx->token_user[0] == '\0')
		return 0;
	g->uid = ctx->token_user;
	g->hash = ctx->token_hash;
	usvc_session_id(ctx->token_hash, g->sid);
	g->now = (long long)ink_now_unix_ms();
	return 1;
}

/* gate_copy copies reply string e into dst; 0, or -1 when it is not a
 * string that fits. */
static int gate_copy(const redisReply *e, char *dst, size_t dst_len)
{
	if (e->type != REDIS_REPLY_STRING || e->len >= dst_len)
		return -1;
	memcpy(dst, e->str, e->len + 1);
	return 0;
}

/* gate_point points who's Caller at its own strings. */
static void gate_point(ink_rpc_identity *who)
{
	who->caller.user_id = who->user_id;
	who->caller.username = who->username;
	who->caller.role = who->role;
}

int usvc_gate_who(redisReply *const *e, const char *uid, ink_rpc_identity *who)
{
	ink_rpc_identity found;

	inkwell__rpc__v1__caller__init(&found.caller);
	if (gate_copy(e[0], found.username, sizeof(found.username)) != 0 ||
	    gate_copy(e[1], found.role, sizeof(found.role)) != 0 ||
	    strlen(uid) >= sizeof(found.user_id))
		return -1;
	memcpy(found.user_id, uid, strlen(uid) + 1);
	*who = found;
	gate_point(who);
	return 0;
}

void usvc_gate_nobody(ink_rpc_identity *who)
{
	inkwell__rpc__v1__caller__init(&who->caller);
	who->user_id[0] = '\0';
	who->caller.user_id = who->caller.username = who->caller.role = who->user_id;
}

ink_err usvc_gate_take(ink_rpc_ctx *ctx, const redisReply *rep, const redisReply **inner)
{
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0)
		return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, USVC_BAD_TOKEN);
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
	    usvc_gate_who(rep->element, ctx->token_user, &ctx->who) != 0)
		return ink_rpc_fail(ctx, INK_INTERNAL, "session gate: unexpected reply");
	ctx->caller = &ctx->who.caller;
	ctx->token_hash = ctx->token_user = "";
	*inner = rep->element[2];
	return INK_OK;
}

/* KEYS: user, meta. ARGV: 1 hash, 2 now. {username, role} or 0. */
/* clang-format off */
static const char gate_alone_lua[] =
    USVC_LUA USVC_LUA_GATE
    "local who = gate(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) "
    "if not who then return 0 end "
    "return who";
/* clang-format on */

ink_err usvc_gate_resolve(ink_redis *r, const char *hash, const char *uid, ink_rpc_identity *who,
                          char *why, size_t why_len)
{
	char sid[USVC_SID_LEN];
	redisReply *rep = NULL;

	usvc_session_id(hash, sid);
	ink_err err =
	    ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 2 " USVC_GATE_KEYS " " USVC_GATE_ARGS,
	                  gate_alone_lua, uid, uid, sid, hash, (long long)ink_now_unix_ms());
	if (err != INK_OK)
		return err;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    usvc_gate_who(rep->element, uid, who) != 0)
		usvc_gate_nobody(who);
	freeReplyObject(rep);
	return INK_OK;
}
