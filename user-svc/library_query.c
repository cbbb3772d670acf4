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

#include "accounts.h"
#include "content_rules.h"
#include "keys.h"
#include "library.h"
#include "session_gate.h"
#include "support.h"
#include "svc.h"

#define LIB_PAGE_DEFAULT 20
#define LIB_PAGE_MAX     100
/* ix the library index, vk its version key; max the highest score ("+inf"
 * or the cursor's), n how many after the ties, owner the owner, known the
 * version of the copy the caller holds. The first element of `out` is the
 * library's version after '=' when it is `known` (and nothing follows: the
 * caller's copy is right), after '+' when the page follows (the version
 * empty when the library has none). Templates made in the
 * same millisecond share a score, and any number of them may sit at a page
 * boundary (a burst of saves): fetch all ties of the cursor's score on top,
 * so the ones already shown can be skipped without losing the rest. Each
 * id comes with its hash's LIB_FIELDS (issue 16: the page is one round
 * trip, not one per template), as one string per index entry: id, score
 * and the fields joined by NUL, an absent field empty, no fields when the
 * hash is gone (libq_row_split). One string, not an array of 13, because
 * each reply element costs Redis a Lua-to-RESP conversion and hiredis two
 * allocations: a 20-template page was ~280 of each. No value holds a NUL
 * (ids, numbers, the palette's text; titles are checked text). */
#define LIBQ_PAGE_LUA(ix, vk, max, n, owner, known)                                                \
	"local v = redis.call('GET', " vk ") or '' "                                               \
	"local out = {'+' .. v} "                                                                  \
	"if v ~= '' and v == " known " then out[1] = '=' .. v else "                               \
	"local ties = redis.call('ZCOUNT', " ix ", " max ", " max ") "                             \
	"local r = redis.call('ZREVRANGEBYSCORE', " ix ", " max ", '-inf', 'WITHSCORES', "         \
	"  'LIMIT', 0, tonumber(" n ") + ties) "                                                   \
	"for i = 1, #r, 2 do "                                                                     \
	"  local f = redis.call('HMGET', 'template:{' .. " owner " .. '}:' .. r[i], "              \
	"    " USVC_LIB_FIELDS_LUA ") "                                                            \
	"  if f[1] then "                                                                          \
	"    for j = 1, #f do f[j] = f[j] or '' end "                                              \
	"    out[#out + 1] = r[i] .. '\\0' .. r[i + 1] .. '\\0' .. table.concat(f, '\\0') "        \
	"  else "                                                                                  \
	"    out[#out + 1] = r[i] .. '\\0' .. r[i + 1] "                                           \
	"  end "                                                                                   \
	"end end "
/* KEYS index, version; ARGV max, n, owner, known. */
static const char libq_page_lua[] = USVC_LUA LIBQ_PAGE_LUA(
    "KEYS[1]", "KEYS[2]", "ARGV[1]", "ARGV[2]", "ARGV[3]", "ARGV[4]") "return out";
/* The same behind the session gate (session_gate.h): KEYS user, meta,
 * index, version; ARGV hash, now, then the four above. */
static const char libq_page_gated_lua[] = USVC_LUA USVC_LUA_GATE_OPEN LIBQ_PAGE_LUA(
    "KEYS[3]", "KEYS[4]", "ARGV[3]", "ARGV[4]", "ARGV[5]", "ARGV[6]") USVC_LUA_GATE_RETURN("out");
/* GetTemplate behind the gate: KEYS user, meta, template; ARGV hash, now. */
static const char libq_get_gated_lua[] = USVC_LUA USVC_LUA_GATE_OPEN
    "local t = redis.call('HMGET', KEYS[3], " USVC_LIB_FIELDS_LUA ") " USVC_LUA_GATE_RETURN("t");

/* libq_page: what one page read found. ids[]/scores[] are the index entries
 * shown (count; more: anything follows), items[] the templates among them
 * whose hash still exists (loaded; strings malloc'd). version: the
 * library's ("" none); unchanged: it is the caller's known version, and
 * nothing else was read. */
typedef struct libq_page {
	char version[USVC_LIB_VERSION_LEN];
	int unchanged;
	char ids[LIB_PAGE_MAX][33];
	long long scores[LIB_PAGE_MAX];
	Inkwell__User__V1__Template items[LIB_PAGE_MAX];
	Inkwell__User__V1__Template *ptrs[LIB_PAGE_MAX];
	int count, more, loaded;
} libq_page;

/* libq_row: one index entry of the page script's reply, split in place. */
typedef struct libq_row {
	const char *id, *score;
	const char *fields[USVC_LIB_NFIELDS]; /* all NULL: the hash is gone */
} libq_row;

/* libq_row_split splits a row of the page script (NUL-joined id, score and
 * no fields or all of them; see LIBQ_PAGE_LUA) into *row. Nonzero when it
 * has another shape. */
static int libq_row_split(const redisReply *e, libq_row *row)
{
	const char *parts[2 + USVC_LIB_NFIELDS];
	size_t n = 0;

	if (e->type != REDIS_REPLY_STRING)
		return -1;
	for (const char *p = e->str, *end = e->str + e->len;;) {
		if (n == 2 + USVC_LIB_NFIELDS)
			return -1;
		parts[n++] = p;
		/* hiredis ends every string with a NUL, so this finds one. */
		const char *nul = memchr(p, '\0', (size_t)(end - p) + 1);
		if (nul == NULL)
			return -1;
		if (nul == end)
			break;
		p = nul + 1;
	}
	if (n != 2 && n != 2 + USVC_LIB_NFIELDS)
		return -1;
	memset(row, 0, sizeof(*row));
	row->id = parts[0];
	row->score = parts[1];
	for (size_t i = 2; i < n; i++)
		row->fields[i - 2] = parts[i];
	return 0;
}

/* libq_page_take adds index entry id/score with its fields to pg. An id
 * can vanish between the index read and its hash (a concurrent delete): it
 * is shown (the cursor moves past it) but not loaded. */
static ink_err libq_page_take(ink_rpc_ctx *ctx, libq_page *pg, const libq_row *row, long long score)
{
	memcpy(pg->ids[pg->count], row->id, 33);
	pg->scores[pg->count] = score;
	pg->count++;
	ink_err err = usvc_lib_from_fields(row->fields, &pg->items[pg->loaded]);
	if (err == INK_NOT_FOUND)
		return INK_OK;
	if (err != INK_OK)
		return ink_rpc_fail(ctx, err, "out of memory");
	pg->ptrs[pg->loaded] = &pg->items[pg->loaded];
	pg->loaded++;
	return INK_OK;
}

/* libq_page_run runs the page script for the index below max_arg: behind
 * the gate when g is not NULL (the caller is resolved on INK_OK). *rep is
 * the reply to free, *page its page part. */
static ink_err libq_page_run(ink_rpc_ctx *ctx, const usvc_gate *g, const char *max_arg, int limit,
                             const char *known, redisReply **rep, const redisReply **page)
{
	usvc_worker *w = ctx->worker;
	char why[256];
	ink_err err;

	if (g == NULL)
		err = ink_redis_cmd(w->redis, rep, why, sizeof(why),
		                    "EVAL %s 2 " USVC_KEY_LIBRARY " " USVC_KEY_LIBRARY_VERSION
		                    " %s %d %s %s",
		                    libq_page_lua, ctx->caller->user_id, ctx->caller->user_id,
		                    max_arg, limit + 1, ctx->caller->user_id, known);
	else
		err = ink_redis_cmd(w->redis, rep, why, sizeof(why),
		                    "EVAL %s 4 " USVC_GATE_KEYS " " USVC_KEY_LIBRARY
		                    " " USVC_KEY_LIBRARY_VERSION " " USVC_GATE_ARGS " %s %d %s %s",
		                    libq_page_gated_lua, g->uid, g->uid, g->sid, g->uid, g->uid,
		                    g->hash, g->now, max_arg, limit + 1, g->uid, known);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	*page = *rep;
	if (g != NULL && (err = usvc_gate_take(ctx, *rep, page)) != INK_OK) {
		freeReplyObject(*rep);
		*rep = NULL;
	}
	return err;
}

/* libq_page_version reads the page script's first element (LIBQ_PAGE_LUA)
 * into pg: nonzero when it is not there or not of that shape. A version
 * that is not one of ours (not usvc_lib_version_new's length) is read as
 * none, so such a page is not kept. */
static int libq_page_version(const redisReply *page, libq_page *pg)
{
	if (page->type != REDIS_REPLY_ARRAY || page->elements < 1 ||
	    page->element[0]->type != REDIS_REPLY_STRING || page->element[0]->len < 1)
		return -1;
	const redisReply *v = page->element[0];
	if (v->str[0] != '=' && v->str[0] != '+')
		return -1;
	pg->unchanged = v->str[0] == '=';
	if (v->len - 1 == USVC_LIB_VERSION_LEN - 1)
		memcpy(pg->version, v->str + 1, USVC_LIB_VERSION_LEN);
	return pg->unchanged && pg->version[0] == '\0' ? -1 : 0;
}

/* libq_page_read reads up to `limit` templates below the cursor (checked:
 * max_score, after) into pg, or only the version when it is `known`;
 * behind the gate when g is not NULL. */
static ink_err libq_page_read(ink_rpc_ctx *ctx, const usvc_gate *g, long long max_score,
                              const char *after, int limit, const char *known, libq_page *pg)
{
	char max_arg[24] = "+inf";
	redisReply *rep = NULL;
	const redisReply *page = NULL;

	if (after[0] != '\0')
		snprintf(max_arg, sizeof(max_arg), "%lld", max_score);
	ink_err err = libq_page_run(ctx, g, max_arg, limit, known, &rep, &page);
	if (err != INK_OK)
		return err;
	if (libq_page_version(page, pg) != 0) {
		freeReplyObject(rep);
		return ink_rpc_fail(ctx, INK_INTERNAL, "library page script: unexpected reply");
	}
	for (size_t i = 1; err == INK_OK && !pg->unchanged && i < page->elements; i++) {
		libq_row row;
		if (libq_row_split(page->element[i], &row) != 0 || !ink_id_ok(row.id))
			continue;
		long long score = strtoll(row.score, NULL, 10);
		if (after[0] && score == max_score && strcmp(row.id, after) >= 0)
			continue; /* shown on an earlier page */
		if (pg->count == limit) {
			pg->more = 1;
			break;
		}
		err = libq_page_take(ctx, pg, &row, score);
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
	out.version = pg->version;
	out.unchanged = pg->unchanged;
	ctx->message[0] = '\0';
	return ink_rpc_reply(ctx, &out.base);
}

/* libq_refuse answers a request that is wrong in itself with err (from
 * ink_rpc_fail) - after resolving a token left to the method, so a caller
 * who is not signed in hears that first, as from any other method. */
static ink_err libq_refuse(ink_rpc_ctx *ctx, int gated, ink_err err)
{
	if (gated) {
		char message[sizeof(ctx->message)];
		memcpy(message, ctx->message, sizeof(message));
		ink_err auth = usvc_identify_now(ctx);
		if (auth != INK_OK)
			return auth;
		memcpy(ctx->message, message, sizeof(message));
	}
	return err;
}

/* libq_known is the known version a caller sent, as the page script
 * compares it: one not of our length can never match, so it is sent as
 * none (and a long one costs Redis nothing). */
static const char *libq_known(const char *known)
{
	return strlen(known) == USVC_LIB_VERSION_LEN - 1 ? known : "";
}

ink_err usvc_lib_list(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_gate g;
	int gated = usvc_gate_pending(ctx, &g);
	ink_err err = gated ? INK_OK : usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__ListTemplatesRequest *rq =
	    inkwell__user__v1__list_templates_request__unpack(NULL, len, body);
	if (rq == NULL)
		return libq_refuse(
		    ctx, gated,
		    ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "list request does not parse"));
	libq_page *pg = calloc(1, sizeof(*pg));
	int limit = rq->limit == 0 ? LIB_PAGE_DEFAULT : rq->limit;
	long long max_score = -1;
	char after[33] = "";
	if (pg == NULL)
		err = ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
	else if (limit < 1 || limit > LIB_PAGE_MAX)
		err = libq_refuse(ctx, gated,
		                  ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "limit must be 1-100"));
	else if (rq->cursor[0] != '\0' &&
	         ink_cursor_decode(rq->cursor, &max_score, after) != INK_OK)
		err = libq_refuse(ctx, gated,
		                  ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "cursor is not valid"));
	if (err == INK_OK)
		err = libq_page_read(ctx, gated ? &g : NULL, max_score, after, limit,
		                     libq_known(rq->known_version), pg);
	if (err == INK_OK)
		err = libq_list_reply(ctx, pg);
	for (int i = 0; pg != NULL && i < pg->loaded; i++)
		usvc_lib_template_free(&pg->items[i]);
	free(pg);
	inkwell__user__v1__list_templates_request__free_unpacked(rq, NULL);
	return err;
}

/* libq_load_gated is usvc_lib_load behind the gate: the caller is resolved
 * and *out filled on INK_OK. */
static ink_err libq_load_gated(ink_rpc_ctx *ctx, const usvc_gate *g, const char *id,
                               Inkwell__User__V1__Template *out)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	const redisReply *t = NULL;
	char why[256];

	if (!ink_id_ok(id))
		return libq_refuse(ctx, 1,
		                   ink_rpc_fail(ctx, INK_NOT_FOUND, "no template %.40s", id));
	ink_err err =
	    ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                  "EVAL %s 3 " USVC_GATE_KEYS " " USVC_KEY_TEMPLATE " " USVC_GATE_ARGS,
	                  libq_get_gated_lua, g->uid, g->uid, g->sid, g->uid, id, g->hash, g->now);

	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	err = usvc_gate_take(ctx, rep, &t);
	if (err == INK_OK)
		err = usvc_lib_take(ctx, t, id, out);
	freeReplyObject(rep);
	return err;
}

ink_err usvc_lib_get(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__User__V1__Template t;
	usvc_gate g;
	int gated = usvc_gate_pending(ctx, &g);
	ink_err err = gated ? INK_OK : usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__TemplateRef *ref =
	    inkwell__user__v1__template_ref__unpack(NULL, len, body);
	if (ref == NULL)
		return libq_refuse(
		    ctx, gated, ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse"));
	if (gated)
		err = libq_load_gated(ctx, &g, ref->id, &t);
	else
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
