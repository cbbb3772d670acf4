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
 * cursor's), 2 how many after the ties, 3 the owner. Templates made in the
 * same millisecond share a score, and any number of them may sit at a page
 * boundary (a burst of saves): fetch all ties of the cursor's score on top,
 * so the ones already shown can be skipped without losing the rest. Each
 * id comes with its score and its hash's LIB_FIELDS (issue 16: the page is
 * one round trip, not one per template). */
static const char libq_page_lua[] =
    USVC_LUA "local ties = redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[1]) "
             "local r = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'WITHSCORES', "
             "  'LIMIT', 0, tonumber(ARGV[2]) + ties) "
             "local out = {} "
             "for i = 1, #r, 2 do "
             "  out[#out + 1] = r[i] out[#out + 1] = r[i + 1] "
             "  out[#out + 1] = redis.call('HMGET', 'template:{' .. ARGV[3] .. '}:' .. r[i], "
             "    " USVC_LIB_FIELDS_LUA ") "
             "end "
             "return out";

/* libq_page: what one page read found. ids[]/scores[] are the index entries
 * shown (count; more: anything follows), items[] the templates among them
 * whose hash still exists (loaded; strings malloc'd). */
typedef struct libq_page {
	char ids[LIB_PAGE_MAX][33];
	long long scores[LIB_PAGE_MAX];
	Inkwell__User__V1__Template items[LIB_PAGE_MAX];
	Inkwell__User__V1__Template *ptrs[LIB_PAGE_MAX];
	int count, more, loaded;
} libq_page;

/* libq_page_take adds index entry id/score with its fields reply to pg. An
 * id can vanish between the index read and its hash (a concurrent delete):
 * it is shown (the cursor moves past it) but not loaded. */
static ink_err libq_page_take(ink_rpc_ctx *ctx, libq_page *pg, const char *id, long long score,
                              const redisReply *fields)
{
	memcpy(pg->ids[pg->count], id, 33);
	pg->scores[pg->count] = score;
	pg->count++;
	ink_err err = usvc_lib_from_reply(fields, &pg->items[pg->loaded]);
	if (err == INK_NOT_FOUND)
		return INK_OK;
	if (err != INK_OK)
		return ink_rpc_fail(ctx, err, "out of memory");
	pg->ptrs[pg->loaded] = &pg->items[pg->loaded];
	pg->loaded++;
	return INK_OK;
}

/* libq_page_read reads up to `limit` templates below the cursor into pg. */
static ink_err libq_page_read(ink_rpc_ctx *ctx, const char *cursor, int limit, libq_page *pg)
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
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                            "EVAL %s 1 " USVC_KEY_LIBRARY " %s %d %s", libq_page_lua,
	                            ctx->caller->user_id, max_arg, limit + 1, ctx->caller->user_id);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	for (size_t i = 0; err == INK_OK && rep->type == REDIS_REPLY_ARRAY && i + 2 < rep->elements;
	     i += 3) {
		const char *id = rep->element[i]->str;
		long long score = strtoll(rep->element[i + 1]->str, NULL, 10);
		if (after[0] && score == max_score && strcmp(id, after) >= 0)
			continue; /* shown on an earlier page */
		if (!ink_id_ok(id))
			continue;
		if (pg->count == limit) {
			pg->more = 1;
			break;
		}
		err = libq_page_take(ctx, pg, id, score, rep->element[i + 2]);
	}
	freeReplyObject(rep);
	return err;
}

/* libq_list_reply answers a page read. */
static ink_err libq_list_reply(ink_rpc_ctx *ctx, libq_page *pg)
{
	char next[INK_CURSOR_MAX] = "";
	Inkwell__User__V1__TemplateList out = INKWELL__USER__V1__TEMPLATE_LIST__INIT;

	/* The ids and scores were checked as they were read: a cursor that
	 * does not encode is our bug, and ends the listing. */
	if (pg->more && pg->count > 0 &&
	    ink_cursor_encode(pg->scores[pg->count - 1], pg->ids[pg->count - 1], next) != INK_OK)
		next[0] = '\0';
	out.n_items = (size_t)pg->loaded;
	out.items = pg->ptrs;
	out.next_cursor = next;
	ctx->message[0] = '\0';
	return ink_rpc_reply(ctx, &out.base);
}

ink_err usvc_lib_list(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ink_err err = usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__ListTemplatesRequest *rq =
	    inkwell__user__v1__list_templates_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "list request does not parse");
	libq_page *pg = calloc(1, sizeof(*pg));
	int limit = rq->limit == 0 ? LIB_PAGE_DEFAULT : rq->limit;
	if (pg == NULL)
		err = ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
	else if (limit < 1 || limit > LIB_PAGE_MAX)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "limit must be 1-100");
	if (err == INK_OK)
		err = libq_page_read(ctx, rq->cursor, limit, pg);
	if (err == INK_OK)
		err = libq_list_reply(ctx, pg);
	for (int i = 0; pg != NULL && i < pg->loaded; i++)
		usvc_lib_template_free(&pg->items[i]);
	free(pg);
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
