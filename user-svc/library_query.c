/*
 * library_query.c - reading the caller's templates: list (newest first,
 * cursor pages), get, image. The writes are library.c (create) and
 * library_edit.c (rename, delete).
 *
 * Cursors are opaque to clients: common/content_rules.h's cursor naming
 * (created_ms, id) of the last item shown. Paging walks the time index
 * downwards from there, so uploads made while a client pages never shift
 * or repeat items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"
#include "keys.h"
#include "library.h"
#include "support.h"
#include "svc.h"

#define LIB_PAGE_DEFAULT 20
#define LIB_PAGE_MAX     100
/* KEYS[1] the library index; ARGV: 1 highest score ("+inf" or the
 * cursor's), 2 how many after the ties. Templates made in the same
 * millisecond share a score, and any number of them may sit at a page
 * boundary (a burst of saves): fetch all ties of the cursor's score on top,
 * so the ones already shown can be skipped without losing the rest. */
static const char libq_page_lua[] =
    "local ties = redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[1]) "
    "return redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'WITHSCORES', "
    "  'LIMIT', 0, tonumber(ARGV[2]) + ties)";

/* libq_page_ids reads up to `limit` ids below the cursor into ids[], their
 * scores into scores[]; *more says whether anything follows. */
static ink_err libq_page_ids(ink_rpc_ctx *ctx, const char *cursor, int limit, char ids[][33],
                             long long *scores, int *count, int *more)
{
	usvc_worker *w = ctx->worker;
	long long max_score = -1;
	char after[33] = "", max_arg[24] = "+inf", why[256];
	redisReply *rep = NULL;

	if (cursor[0] != '\0') {
		if (ink_cursor_decode(cursor, &max_score, after) != INK_OK)
			return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "cursor is not valid");
		snprintf(max_arg, sizeof(max_arg), "%lld", max_score);
	}
	ink_err err =
	    ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EVAL %s 1 " USVC_KEY_LIBRARY " %s %d",
	                  libq_page_lua, ctx->caller->user_id, max_arg, limit + 1);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	*count = 0;
	*more = 0;
	for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i + 1 < rep->elements; i += 2) {
		const char *id = rep->element[i]->str;
		long long score = strtoll(rep->element[i + 1]->str, NULL, 10);
		if (after[0] && score == max_score && strcmp(id, after) >= 0)
			continue; /* shown on an earlier page */
		if (!ink_id_ok(id))
			continue;
		if (*count == limit) {
			*more = 1;
			break;
		}
		memcpy(ids[*count], id, 33);
		scores[*count] = score;
		(*count)++;
	}
	freeReplyObject(rep);
	return INK_OK;
}

ink_err usvc_lib_list(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	char ids[LIB_PAGE_MAX][33], next[INK_CURSOR_MAX] = "";
	long long scores[LIB_PAGE_MAX];
	Inkwell__User__V1__Template items[LIB_PAGE_MAX];
	Inkwell__User__V1__Template *ptrs[LIB_PAGE_MAX];
	int count = 0, more = 0, loaded = 0;
	ink_err err = usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__ListTemplatesRequest *rq =
	    inkwell__user__v1__list_templates_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "list request does not parse");
	int limit = rq->limit == 0 ? LIB_PAGE_DEFAULT : rq->limit;
	if (limit < 1 || limit > LIB_PAGE_MAX)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "limit must be 1-100");
	if (err == INK_OK)
		err = libq_page_ids(ctx, rq->cursor, limit, ids, scores, &count, &more);
	/* An id can vanish between the index read and its hash (a concurrent
	 * delete): skip it rather than fail the page. */
	for (int i = 0; err == INK_OK && i < count; i++) {
		err = usvc_lib_load(ctx, ids[i], &items[loaded]);
		if (err == INK_NOT_FOUND) {
			err = INK_OK;
			continue;
		}
		if (err == INK_OK)
			ptrs[loaded] = &items[loaded], loaded++;
	}
	if (err == INK_OK)
		usvc_lib_check_gallery(ctx, ptrs, (size_t)loaded);
	if (err == INK_OK) {
		Inkwell__User__V1__TemplateList out = INKWELL__USER__V1__TEMPLATE_LIST__INIT;
		/* The ids and scores were checked as they were read: a cursor
		 * that does not encode is our bug, and ends the listing. */
		if (more && count > 0 &&
		    ink_cursor_encode(scores[count - 1], ids[count - 1], next) != INK_OK)
			next[0] = '\0';
		out.n_items = (size_t)loaded;
		out.items = ptrs;
		out.next_cursor = next;
		ctx->message[0] = '\0';
		err = ink_rpc_reply(ctx, &out.base);
	}
	for (int i = 0; i < loaded; i++)
		usvc_lib_template_free(&items[i]);
	inkwell__user__v1__list_templates_request__free_unpacked(rq, NULL);
	return err;
}

ink_err usvc_lib_get(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__User__V1__TemplateRef *ref = NULL;
	Inkwell__User__V1__Template t;
	ink_err err = usvc_template_ref(ctx, body, len, &ref);

	if (err != INK_OK)
		return err;
	err = usvc_lib_load(ctx, ref->id, &t);
	if (err == INK_OK) {
		Inkwell__User__V1__Template *one = &t;
		usvc_lib_check_gallery(ctx, &one, 1);
		err = ink_rpc_reply(ctx, &t.base);
		usvc_lib_template_free(&t);
	}
	inkwell__user__v1__template_ref__free_unpacked(ref, NULL);
	return err;
}

/* lib_image_key picks the key of GetTemplateImage's variant (issue 19): "" the page,
 * "plain" a numbered page's outline (a lines page is its own), "regions" a numbered page's
 * regions PNG (NOT_FOUND for a lines page). */
static ink_err lib_image_key(ink_rpc_ctx *ctx, const char *variant,
                             const Inkwell__User__V1__Template *t, const char **key)
{
	int numbered = strcmp(t->style, "numbers") == 0;

	if (variant[0] == '\0' || (strcmp(variant, "plain") == 0 && !numbered))
		*key = "GET " USVC_KEY_TEMPLATE_PNG;
	else if (strcmp(variant, "plain") == 0)
		*key = "GET " USVC_KEY_TEMPLATE_PLAIN;
	else if (strcmp(variant, "regions") == 0 && numbered)
		*key = "GET " USVC_KEY_TEMPLATE_REGIONS;
	else if (strcmp(variant, "regions") == 0)
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "template %s is not a numbered page",
		                    t->id);
	else
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "variant must be plain or regions");
	return INK_OK;
}

ink_err usvc_lib_image(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	Inkwell__User__V1__TemplateRef *ref = NULL;
	Inkwell__User__V1__Template t;
	redisReply *rep = NULL;
	char why[256];
	ink_err err = usvc_template_ref(ctx, body, len, &ref);

	if (err != INK_OK)
		return err;
	const char *key = NULL;

	err = usvc_lib_load(ctx, ref->id, &t);
	if (err == INK_OK) {
		err = lib_image_key(ctx, ref->variant, &t, &key);
		if (err != INK_OK)
			usvc_lib_template_free(&t);
	}
	if (err == INK_OK) {
		err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), key, ctx->caller->user_id,
		                    ref->id);
		if (err != INK_OK) {
			err = usvc_db_fail(ctx, err, why);
		} else if (rep->type != REDIS_REPLY_STRING) {
			err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no template %s", ref->id);
		} else {
			Inkwell__User__V1__TemplateImage img =
			    INKWELL__USER__V1__TEMPLATE_IMAGE__INIT;
			img.png.data = (uint8_t *)rep->str;
			img.png.len = rep->len;
			img.etag = t.etag;
			err = ink_rpc_reply(ctx, &img.base);
		}
		if (rep != NULL)
			freeReplyObject(rep);
		usvc_lib_template_free(&t);
	}
	inkwell__user__v1__template_ref__free_unpacked(ref, NULL);
	return err;
}
