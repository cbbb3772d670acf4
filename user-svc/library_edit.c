/*
 * library_edit.c - changing the caller's existing templates: rename and
 * delete. Each is one Lua script, so a delete racing a rename never leaves
 * a title without its template, nor an index entry without its keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"
#include "keys.h"
#include "library.h"
#include "support.h"
#include "svc.h"

ink_err usvc_lib_rename(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	Inkwell__User__V1__Template t;
	char why[256];
	ink_err err = usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__RenameTemplateRequest *rq =
	    inkwell__user__v1__rename_template_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "rename request does not parse");
	const char *bad = ink_rule_title(rq->title);
	err = bad == NULL ? usvc_lib_load(ctx, rq->id, &t)
	                  : ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "title %s", bad);
	if (err == INK_OK) {
		usvc_lib_template_free(&t);
		/* the hash exists (just loaded); a delete racing us must not
		 * recreate only a title: usvc_lib_set_field checks in its script */
		err = usvc_lib_set_field(w->redis, ctx->caller->user_id, rq->id, "title", rq->title,
		                         NULL, why, sizeof(why));
		if (err != INK_OK)
			err = usvc_db_fail(ctx, err, why);
		if (err == INK_OK)
			err = usvc_replicated(ctx);
	}
	if (err == INK_OK)
		err = usvc_lib_load(ctx, rq->id, &t);
	if (err == INK_OK) {
		err = ink_rpc_reply(ctx, &t.base);
		usvc_lib_template_free(&t);
	}
	inkwell__user__v1__rename_template_request__free_unpacked(rq, NULL);
	return err;
}

ink_err usvc_lib_delete(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	Inkwell__User__V1__TemplateRef *ref = NULL;
	redisReply *rep = NULL;
	char why[256], lib_key[USVC_KEY_MAX], tpl_key[USVC_KEY_MAX], png_key[USVC_KEY_MAX],
	    svg_key[USVC_KEY_MAX], plain_key[USVC_KEY_MAX], regions_key[USVC_KEY_MAX],
	    ver_key[USVC_KEY_MAX], version[USVC_LIB_VERSION_LEN];
	ink_err err = usvc_template_ref(ctx, body, len, &ref);

	if (err != INK_OK)
		return err;
	if (!ink_id_ok(ref->id)) {
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no template %.40s", ref->id);
		goto out;
	}
	snprintf(lib_key, sizeof(lib_key), USVC_KEY_LIBRARY, ctx->caller->user_id);
	snprintf(tpl_key, sizeof(tpl_key), USVC_KEY_TEMPLATE, ctx->caller->user_id, ref->id);
	snprintf(png_key, sizeof(png_key), USVC_KEY_TEMPLATE_PNG, ctx->caller->user_id, ref->id);
	snprintf(svg_key, sizeof(svg_key), USVC_KEY_TEMPLATE_SVG, ctx->caller->user_id, ref->id);
	snprintf(plain_key, sizeof(plain_key), USVC_KEY_TEMPLATE_PLAIN, ctx->caller->user_id,
	         ref->id);
	snprintf(regions_key, sizeof(regions_key), USVC_KEY_TEMPLATE_REGIONS, ctx->caller->user_id,
	         ref->id);
	snprintf(ver_key, sizeof(ver_key), USVC_KEY_LIBRARY_VERSION, ctx->caller->user_id);
	usvc_lib_version_new(version);
	err = ink_redis_cmd(
	    w->redis, &rep, why, sizeof(why), "EVAL %s 7 %s %s %s %s %s %s %s %s %s",
	    USVC_LUA "if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end "
	             "redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]) "
	             "redis.call('SET', KEYS[7], ARGV[2]) return 1",
	    lib_key, tpl_key, png_key, svg_key, plain_key, regions_key, ver_key, ref->id, version);
	if (err != INK_OK) {
		err = usvc_db_fail(ctx, err, why);
		goto out;
	}
	int deleted = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
	freeReplyObject(rep);
	if (!deleted) {
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no template %s", ref->id);
		goto out;
	}
	err = usvc_replicated(ctx);
	if (err != INK_OK)
		goto out;
	Inkwell__User__V1__Empty empty = INKWELL__USER__V1__EMPTY__INIT;
	err = ink_rpc_reply(ctx, &empty.base);
out:
	inkwell__user__v1__template_ref__free_unpacked(ref, NULL);
	return err;
}
