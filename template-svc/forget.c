/*
 * forget.c - ForgetUser: what an erased account leaves in the public
 * database (issue 18). Its gallery items go, with everything that names
 * them (GALLERY_LUA_REMOVE: their open reports are resolved "removed" and
 * stay for the audit trail); the reports it filed on others' items stay for
 * moderators, with the reporter anonymised.
 *
 * Saved copies are not touched, and need not be: saving copies the page
 * into the saver's private library (user-svc/publish.c), so a copy lives on
 * without the item it came from.
 *
 * There is no index by publisher or reporter, so the script walks the
 * gallery index and SCANs the reports: O(items + reports) in one script.
 * That is fine at today's sizes; per-user indexes are the way out when it
 * is not. The script is idempotent: a retry after a crash finds less to do.
 */
#include "forget.h"

#include <stdio.h>
#include <string.h>

#include "blobs.h"
#include "clock.h"
#include "content_rules.h"
#include "gallery.h"
#include "keys.h"
#include "log.h"
#include "support.h"
#include "svc.h"

/* Shown instead of an erased reporter's name. */
#define FORGET_REPORTER_NAME "[deleted user]"

/* ARGV: 1 uid, 2 now, 3 resolver. Returns {items removed, reports
 * anonymised}. An anonymised report's reporter becomes "deleted:<rid>",
 * also as its field in the item's open-reports hash, so resolving it later
 * still finds that field. */
/* clang-format off */
static const char forget_lua[] =
    GALLERY_LUA GALLERY_LUA_KEYS GALLERY_LUA_REMOVE
    "local uid, now, resolver = ARGV[1], ARGV[2], ARGV[3] "
    "local removed, anon = 0, 0 "
    "for _, pid in ipairs(redis.call('ZRANGE', K_INDEX, 0, -1)) do "
    "  if redis.call('HGET', k_item(pid), 'publisher_id') == uid then "
    "    removed = removed + remove_item(pid, now, resolver, false) "
    "  end "
    "end "
    "local cursor = '0' "
    "repeat "
    "  local r = redis.call('SCAN', cursor, 'MATCH', 'report:{gallery}:*', 'COUNT', 1000) "
    "  cursor = r[1] "
    "  for _, k in ipairs(r[2]) do "
    "    local f = redis.call('HMGET', k, 'reporter_id', 'gallery_id', 'id') "
    "    if f[1] == uid and f[3] then "
    "      local anon_id = 'deleted:' .. f[3] "
    "      redis.call('HSET', k, 'reporter_id', anon_id, 'reporter_name', '"
    FORGET_REPORTER_NAME "') "
    "      if f[2] then "
    "        local ir = k_item_reports(f[2]) "
    "        local rid = redis.call('HGET', ir, uid) "
    "        if rid then redis.call('HDEL', ir, uid) redis.call('HSET', ir, anon_id, rid) end "
    "      end "
    "      anon = anon + 1 "
    "    end "
    "  end "
    "until cursor == '0' "
    "return {removed, anon}";
/* clang-format on */

/* forget_allowed: the user itself (user-svc erasing on its behalf) or an
 * admin may forget a user. */
static int forget_allowed(const ink_rpc_ctx *ctx, const char *uid)
{
	return tsvc_is_admin(ctx) || strcmp(ctx->caller->user_id, uid) == 0;
}

ink_err forget_user(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	tsvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256], now_s[24];
	ink_err err = tsvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__Template__V1__ForgetUserRequest *rq =
	    inkwell__template__v1__forget_user_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	if (!ink_id_ok(rq->user_id)) {
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "user_id is not an id");
		goto out;
	}
	if (!forget_allowed(ctx, rq->user_id)) {
		err = ink_rpc_fail(ctx, INK_PERMISSION_DENIED,
		                   "only an admin may forget another user");
		goto out;
	}
	snprintf(now_s, sizeof(now_s), "%lld", (long long)ink_now_unix_ms());
	const char *resolver = rq->resolver_id[0] ? rq->resolver_id : rq->user_id;
	err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                    "EVAL %s 1 " GALLERY_KEY_SLOT " %s %s %s", forget_lua, rq->user_id,
	                    now_s, resolver);
	if (err != INK_OK) {
		err = tsvc_db_fail(ctx, err, why);
		goto out;
	}
	Inkwell__Template__V1__ForgetUserResponse res =
	    INKWELL__TEMPLATE__V1__FORGET_USER_RESPONSE__INIT;
	int ok = rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	         rep->element[0]->type == REDIS_REPLY_INTEGER &&
	         rep->element[1]->type == REDIS_REPLY_INTEGER;
	if (ok) {
		res.items_removed = (uint32_t)rep->element[0]->integer;
		res.reports_anonymised = (uint32_t)rep->element[1]->integer;
	}
	freeReplyObject(rep);
	if (!ok) {
		err = ink_rpc_fail(ctx, INK_INTERNAL, "forget script: unexpected reply");
		goto out;
	}
	ink_log_info("user %s forgotten by %s: %u gallery items removed, %u reports anonymised",
	             rq->user_id, resolver, res.items_removed, res.reports_anonymised);
	blobs_reap(ctx);
	err = tsvc_replicated(ctx);
	if (err == INK_OK)
		err = ink_rpc_reply(ctx, &res.base);
out:
	inkwell__template__v1__forget_user_request__free_unpacked(rq, NULL);
	return err;
}
