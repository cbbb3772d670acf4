/*
 * reports.c - flags on public gallery items and their resolution.
 *
 * A report is its hash `report:{gallery}:rid`; while open it is also in
 * the `reports:{gallery}:open` zset (by creation time, for the admins'
 * queue) and in its item's `public:{gallery}:pid:reports` hash (reporter ->
 * rid, so one reporter has one open report per item and removing an item
 * finds its reports). All in the `{gallery}` slot, so each change of these
 * keys is one Lua script. Resolved reports keep their hash for
 * GALLERY_RESOLVED_TTL_S as an audit trail.
 */
#include "reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"
#include "clock.h"
#include "gallery.h"
#include "keys.h"
#include "log.h"
#include "removed.h"
#include "support.h"
#include "svc.h"

#define REPORT_LIMIT_DEFAULT 100
#define REPORT_LIMIT_MAX     500

#define REPORT_NFIELDS 7
#define REPORT_FIELDS_LUA                                                                          \
	"'id', 'gallery_id', 'reason', 'reporter_id', 'reporter_name', 'created_at', 'status'"

/* ARGV: 1 pid, 2 rid, 3 reason, 4 reporter id, 5 reporter name, 6 now.
 * Returns 0 when there is no such item, {1} when it made the report, or
 * {0, the caller's open report's fields}. */
/* clang-format off */
static const char reports_create_lua[] =
    GALLERY_LUA GALLERY_LUA_KEYS
    "if redis.call('EXISTS', k_item(ARGV[1])) == 0 then return 0 end "
    "local old = redis.call('HGET', k_item_reports(ARGV[1]), ARGV[4]) "
    "if old then return {0, unpack(redis.call('HMGET', k_report(old), " REPORT_FIELDS_LUA
    "))} end "
    "redis.call('HSET', k_report(ARGV[2]), 'id', ARGV[2], 'gallery_id', ARGV[1], "
    "  'reason', ARGV[3], 'reporter_id', ARGV[4], 'reporter_name', ARGV[5], "
    "  'created_at', ARGV[6], 'status', 'open') "
    "redis.call('HSET', k_item_reports(ARGV[1]), ARGV[4], ARGV[2]) "
    "redis.call('ZADD', K_REPORTS_OPEN, ARGV[6], ARGV[2]) "
    "return {1}";
/* clang-format on */

/* ARGV: 1 limit. Returns the oldest open reports' fields, flat. */
/* clang-format off */
static const char reports_list_lua[] =
    GALLERY_LUA GALLERY_LUA_KEYS
    "local out = {} "
    "for _, r in ipairs(redis.call('ZRANGE', K_REPORTS_OPEN, 0, tonumber(ARGV[1]) - 1)) do "
    "  local f = redis.call('HMGET', k_report(r), " REPORT_FIELDS_LUA ") "
    "  for j = 1, #f do out[#out + 1] = f[j] end "
    "end "
    "return out";
/* clang-format on */

/* ARGV: 1 rid, 2 action (remove|dismiss), 3 now, 4 admin id. Returns 0 when
 * there is no such report, -1 when it was resolved the other way, else the
 * report's fields after resolving followed by the `removed_items` table (the items
 * this call removed: none for a dismissal or a repeated removal). */
/* clang-format off */
static const char reports_resolve_lua[] =
    GALLERY_LUA GALLERY_LUA_KEYS GALLERY_LUA_REMOVE
    "local k = k_report(ARGV[1]) "
    "local st = redis.call('HMGET', k, 'status', 'gallery_id', 'reporter_id') "
    "if not st[1] then return 0 end "
    "local want = 'dismissed' "
    "if ARGV[2] == 'remove' then want = 'removed' end "
    "if st[1] == 'open' then "
    "  if want == 'removed' then remove_item(st[2], ARGV[3], ARGV[4], true) "
    "  elseif redis.call('HGET', k_item_reports(st[2]), st[3]) == ARGV[1] then "
    "    redis.call('HDEL', k_item_reports(st[2]), st[3]) end "
    "  redis.call('ZREM', K_REPORTS_OPEN, ARGV[1]) "
    "  redis.call('HSET', k, 'status', want, 'resolved_at', ARGV[3], 'resolver_id', ARGV[4]) "
    "  redis.call('EXPIRE', k, " GALLERY_RESOLVED_TTL_S ") "
    "elseif st[1] ~= want then return -1 end "
    "local out = redis.call('HMGET', k, " REPORT_FIELDS_LUA ") "
    "for _, v in ipairs(removed_items) do out[#out + 1] = v end "
    "return out";
/* clang-format on */

static void reports_fini(Inkwell__Template__V1__Report *r)
{
	free(r->report_id);
	free(r->gallery_id);
	free(r->reason);
	free(r->reporter_id);
	free(r->reporter_name);
	free(r->status);
	inkwell__template__v1__report__init(r);
}

/* reports_from_reply fills *out from REPORT_NFIELDS elements. INK_NOT_FOUND
 * when the id is nil, INK_RESOURCE_EXHAUSTED; on INK_OK free with
 * reports_fini. */
static ink_err reports_from_reply(redisReply *const *e, Inkwell__Template__V1__Report *out)
{
	if (e[0]->type != REDIS_REPLY_STRING)
		return INK_NOT_FOUND;
	inkwell__template__v1__report__init(out);
	out->report_id = tsvc_reply_str(e[0]);
	out->gallery_id = tsvc_reply_str(e[1]);
	out->reason = tsvc_reply_str(e[2]);
	out->reporter_id = tsvc_reply_str(e[3]);
	out->reporter_name = tsvc_reply_str(e[4]);
	out->created_at_unix_ms = tsvc_reply_num(e[5]);
	out->status = tsvc_reply_str(e[6]);
	if (!out->report_id || !out->gallery_id || !out->reason || !out->reporter_id ||
	    !out->reporter_name || !out->status) {
		reports_fini(out);
		return INK_RESOURCE_EXHAUSTED;
	}
	return INK_OK;
}

/* reports_reply answers with report fields e[0..REPORT_NFIELDS) and, when
 * not NULL, the items the call removed. */
static ink_err reports_reply(ink_rpc_ctx *ctx, redisReply *const *e, const gallery_removed *removed)
{
	Inkwell__Template__V1__Report r = INKWELL__TEMPLATE__V1__REPORT__INIT;
	ink_err err = reports_from_reply(e, &r);

	if (err == INK_NOT_FOUND)
		return ink_rpc_fail(ctx, INK_INTERNAL, "report vanished while read");
	if (err != INK_OK)
		return tsvc_oom(ctx);
	if (removed != NULL) {
		r.removed = removed->ptrs;
		r.n_removed = removed->n;
	}
	err = ink_rpc_reply(ctx, &r.base);
	reports_fini(&r);
	return err;
}

static ink_err reports_store(ink_rpc_ctx *ctx, const Inkwell__Template__V1__ReportRequest *q)
{
	tsvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char rid[TSVC_ID_LEN], now_s[24], why[256];

	tsvc_new_id(rid);
	int64_t now = ink_now_unix_ms();
	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                            "EVAL %s 1 " GALLERY_KEY_SLOT " %s %s %s %s %s %s",
	                            reports_create_lua, q->gallery_id, rid, q->reason,
	                            ctx->caller->user_id, ctx->caller->username, now_s);
	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	if (rep->type == REDIS_REPLY_INTEGER) {
		freeReplyObject(rep);
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no gallery item %s", q->gallery_id);
	}
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 + REPORT_NFIELDS) {
		err = reports_reply(ctx, rep->element + 1, NULL);
		freeReplyObject(rep);
		return err;
	}
	int made = rep->type == REDIS_REPLY_ARRAY && rep->elements == 1;
	freeReplyObject(rep);
	if (!made)
		return ink_rpc_fail(ctx, INK_INTERNAL, "report script: unexpected reply");
	err = tsvc_replicated(ctx);
	if (err != INK_OK)
		return err;
	ink_log_info("report %s on gallery item %s by %s", rid, q->gallery_id,
	             ctx->caller->user_id);
	Inkwell__Template__V1__Report r = INKWELL__TEMPLATE__V1__REPORT__INIT;
	r.report_id = rid;
	r.gallery_id = q->gallery_id;
	r.reason = q->reason;
	r.reporter_id = ctx->caller->user_id;
	r.reporter_name = ctx->caller->username;
	r.created_at_unix_ms = now;
	r.status = "open";
	return ink_rpc_reply(ctx, &r.base);
}

ink_err reports_create(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ink_err err = tsvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__Template__V1__ReportRequest *q =
	    inkwell__template__v1__report_request__unpack(NULL, len, body);
	if (q == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "ReportRequest does not parse");
	const char *bad_reason = ink_rule_reason(q->reason);
	if (!ink_id_ok(q->gallery_id))
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                   "gallery_id must be 32 lowercase hex characters");
	else if (bad_reason != NULL)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "reason %s", bad_reason);
	else
		err = reports_store(ctx, q);
	inkwell__template__v1__report_request__free_unpacked(q, NULL);
	return err;
}

static ink_err reports_require_admin(ink_rpc_ctx *ctx)
{
	ink_err err = tsvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	return tsvc_is_admin(ctx) ? INK_OK
	                          : ink_rpc_fail(ctx, INK_PERMISSION_DENIED, "admins only");
}

static void reports_list_fini(Inkwell__Template__V1__ReportList *list)
{
	for (size_t i = 0; i < list->n_items; i++) {
		reports_fini(list->items[i]);
		free(list->items[i]);
	}
	free(list->items);
}

/* reports_list_fill fills list from the flat fields of the list script;
 * free with reports_list_fini, also on error. */
static ink_err reports_list_fill(const redisReply *rep, Inkwell__Template__V1__ReportList *list)
{
	size_t n = rep->elements / REPORT_NFIELDS;

	list->items = calloc(n ? n : 1, sizeof(*list->items));
	if (list->items == NULL)
		return INK_RESOURCE_EXHAUSTED;
	for (size_t i = 0; i < n; i++) {
		Inkwell__Template__V1__Report *r = malloc(sizeof(*r));
		if (r == NULL)
			return INK_RESOURCE_EXHAUSTED;
		ink_err err = reports_from_reply(rep->element + i * REPORT_NFIELDS, r);
		if (err != INK_OK) {
			free(r);
			if (err == INK_NOT_FOUND) /* open but its hash is gone: skip it */
				continue;
			return err;
		}
		list->items[list->n_items++] = r;
	}
	return INK_OK;
}

ink_err reports_list(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	tsvc_worker *w = ctx->worker;
	Inkwell__Template__V1__ReportList list = INKWELL__TEMPLATE__V1__REPORT_LIST__INIT;
	redisReply *rep = NULL;
	char why[256], lim[16];
	ink_err err = reports_require_admin(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__Template__V1__ListReportsRequest *q =
	    inkwell__template__v1__list_reports_request__unpack(NULL, len, body);
	if (q == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "ListReportsRequest does not parse");
	int32_t limit = q->limit == 0 ? REPORT_LIMIT_DEFAULT : q->limit;
	inkwell__template__v1__list_reports_request__free_unpacked(q, NULL);
	if (limit < 1 || limit > REPORT_LIMIT_MAX)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "limit must be 1-%d",
		                    REPORT_LIMIT_MAX);
	snprintf(lim, sizeof(lim), "%d", limit);
	err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EVAL %s 1 " GALLERY_KEY_SLOT " %s",
	                    reports_list_lua, lim);
	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements % REPORT_NFIELDS != 0) {
		freeReplyObject(rep);
		return ink_rpc_fail(ctx, INK_INTERNAL, "report list script: unexpected reply");
	}
	err = reports_list_fill(rep, &list);
	freeReplyObject(rep);
	err = err == INK_OK ? ink_rpc_reply(ctx, &list.base) : tsvc_oom(ctx);
	reports_list_fini(&list);
	return err;
}

/* reports_resolved_reply answers a resolve script's reply rep (the caller
 * frees it): the report's fields, then the items the call removed. */
static ink_err reports_resolved_reply(ink_rpc_ctx *ctx, const redisReply *rep)
{
	gallery_removed removed;
	ink_err err = tsvc_replicated(ctx);

	blobs_reap(ctx); /* after the WAIT: it names the node that removed */
	if (err != INK_OK)
		return err;
	err = gallery_removed_from_reply(rep->element + REPORT_NFIELDS,
	                                 rep->elements - REPORT_NFIELDS, &removed);
	if (err == INK_RESOURCE_EXHAUSTED)
		return tsvc_oom(ctx);
	if (err != INK_OK)
		return ink_rpc_fail(ctx, INK_INTERNAL, "resolve script: unexpected reply");
	err = reports_reply(ctx, rep->element, &removed);
	gallery_removed_fini(&removed);
	return err;
}

static ink_err reports_resolve_run(ink_rpc_ctx *ctx,
                                   const Inkwell__Template__V1__ResolveReportRequest *q)
{
	tsvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256], now_s[24];

	snprintf(now_s, sizeof(now_s), "%lld", (long long)ink_now_unix_ms());
	ink_err err = ink_redis_cmd(
	    w->redis, &rep, why, sizeof(why), "EVAL %s 1 " GALLERY_KEY_SLOT " %s %s %s %s",
	    reports_resolve_lua, q->report_id, q->action, now_s, ctx->caller->user_id);
	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= REPORT_NFIELDS) {
		ink_log_info("report %s resolved (%s) by %s", q->report_id, q->action,
		             ctx->caller->user_id);
		err = reports_resolved_reply(ctx, rep);
	} else if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0) {
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no report %s", q->report_id);
	} else if (rep->type == REDIS_REPLY_INTEGER && rep->integer == -1) {
		err = ink_rpc_fail(ctx, INK_ABORTED, "report %s was already resolved the other way",
		                   q->report_id);
	} else {
		err = ink_rpc_fail(ctx, INK_INTERNAL, "resolve script: unexpected reply");
	}
	freeReplyObject(rep);
	return err;
}

ink_err reports_resolve(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ink_err err = reports_require_admin(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__Template__V1__ResolveReportRequest *q =
	    inkwell__template__v1__resolve_report_request__unpack(NULL, len, body);
	if (q == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                    "ResolveReportRequest does not parse");
	if (!ink_id_ok(q->report_id))
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                   "report_id must be 32 lowercase hex characters");
	else if (strcmp(q->action, "remove") != 0 && strcmp(q->action, "dismiss") != 0)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                   "action must be \"remove\" or \"dismiss\"");
	else
		err = reports_resolve_run(ctx, q);
	inkwell__template__v1__resolve_report_request__free_unpacked(q, NULL);
	return err;
}
