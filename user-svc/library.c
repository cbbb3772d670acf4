/*
 * library.c - a user's private templates in the users Redis.
 *
 * A template is three keys under the owner's hash tag: its hash, its PNG and
 * its entry in the owner's time-ordered index. They are written and removed
 * together by one Lua script each, so a crash never leaves an index entry
 * without its image or an image nobody can list. The owner's id is part of
 * every key name: another user's template cannot even be addressed.
 */
#include "library.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "idem.h"
#include "content_rules.h"
#include "keys.h"
#include "numbers.h"
#include "support.h"
#include "svc.h"
#include "template.pb-c.h"

#define LIB_CONVERT "inkwell.template.v1.Templates/Convert"

/* KEYS: 1 library, 2 template, 3 PNG, 4 SVG, 5 plain PNG, 6 regions PNG, 7 user,
 * 8 library version (all the owner's slot). ARGV: 1 quota, 2 id, 3 now, 4 title, 5 width,
 * 6 height, 7 detail, 8 line_width, 9 etag, 10 PNG, 11 SVG ("": a page kept before SVGs
 * were has none), 12 style, 13 palette (numbers.h's text), 14 plain PNG, 15 regions PNG
 * ("" for a lines page: issue 19), 16 the new library version. -2 when the user is gone or being
 * erased: a create authenticated before the erasure began must not land its keys after the erasure
 * ended (they would be orphans nobody can reach or delete). */
static const char lib_store_lua[] = USVC_LUA
    "if redis.call('EXISTS', KEYS[7]) == 0 or redis.call('HEXISTS', KEYS[7], 'erasing') == 1 "
    "then return -2 end "
    "if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end "
    "redis.call('HSET', KEYS[2], 'id', ARGV[2], 'created_at', ARGV[3], 'title', ARGV[4], "
    "'width', ARGV[5], 'height', ARGV[6], 'detail', ARGV[7], 'line_width', ARGV[8], "
    "'etag', ARGV[9], 'gallery_id', '', 'style', ARGV[12], 'palette', ARGV[13]) "
    "redis.call('SET', KEYS[3], ARGV[10]) "
    "if #ARGV[11] > 0 then redis.call('SET', KEYS[4], ARGV[11]) end "
    "if #ARGV[14] > 0 then redis.call('SET', KEYS[5], ARGV[14]) end "
    "if #ARGV[15] > 0 then redis.call('SET', KEYS[6], ARGV[15]) end "
    "redis.call('SET', KEYS[8], ARGV[16]) "
    "redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2]) return 1";

/* Spelled into the command's format: hiredis passes a %s as ONE argument.
 * The same fields as USVC_LIB_FIELDS_LUA (library.h), in the same order. */
#define LIB_FIELDS                                                                                 \
	"id title width height detail line_width created_at etag gallery_id style palette"

static const char *lib_owner(ink_rpc_ctx *ctx)
{
	return ctx->caller->user_id;
}

void usvc_lib_version_new(char out[USVC_LIB_VERSION_LEN])
{
	unsigned char raw[(USVC_LIB_VERSION_LEN - 1) / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, USVC_LIB_VERSION_LEN, raw, sizeof(raw));
}

/* KEYS template, version; ARGV field, value, version, '1' when the gallery
 * id must be ARGV[5]. */
static const char lib_set_field_lua[] =
    USVC_LUA "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end "
             "if ARGV[4] == '1' and redis.call('HGET', KEYS[1], 'gallery_id') ~= ARGV[5] then "
             "  return 0 end "
             "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
             "redis.call('SET', KEYS[2], ARGV[3]) return 1";

ink_err usvc_lib_set_field(ink_redis *r, const char *uid, const char *tid, const char *field,
                           const char *value, const char *if_gallery, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	char version[USVC_LIB_VERSION_LEN];

	usvc_lib_version_new(version);
	ink_err err = ink_redis_cmd(
	    r, &rep, why, why_len,
	    "EVAL %s 2 " USVC_KEY_TEMPLATE " " USVC_KEY_LIBRARY_VERSION " %s %s %s %s %s",
	    lib_set_field_lua, uid, tid, uid, field, value, version, if_gallery != NULL ? "1" : "0",
	    if_gallery != NULL ? if_gallery : "");
	if (err == INK_OK)
		freeReplyObject(rep);
	return err;
}

void usvc_lib_template_free(Inkwell__User__V1__Template *t)
{
	free(t->id);
	free(t->title);
	free(t->etag);
	free(t->gallery_id);
	usvc_palette_free(t);
	inkwell__user__v1__template__init(t);
}

/* A field's value, "" when absent, malloc'd (NULL when out of memory). */
static char *lib_str(const char *v)
{
	return strdup(v != NULL ? v : "");
}

static long long lib_num(const char *v)
{
	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

ink_err usvc_lib_from_fields(const char *const f[USVC_LIB_NFIELDS], Inkwell__User__V1__Template *t)
{
	if (f[0] == NULL)
		return INK_NOT_FOUND;
	inkwell__user__v1__template__init(t);
	t->id = lib_str(f[0]);
	t->title = lib_str(f[1]);
	t->width = (uint32_t)lib_num(f[2]);
	t->height = (uint32_t)lib_num(f[3]);
	t->detail = (int32_t)lib_num(f[4]);
	t->line_width = (int32_t)lib_num(f[5]);
	t->created_at_unix_ms = lib_num(f[6]);
	t->etag = lib_str(f[7]);
	t->gallery_id = lib_str(f[8]);
	t->style = lib_str(f[9]);
	if (!t->id || !t->title || !t->etag || !t->gallery_id || !t->style ||
	    usvc_palette_parse(f[10] ? f[10] : "", t) != INK_OK) {
		usvc_lib_template_free(t);
		return INK_RESOURCE_EXHAUSTED;
	}
	return INK_OK;
}

ink_err usvc_lib_from_reply(const redisReply *rep, Inkwell__User__V1__Template *t)
{
	const char *f[USVC_LIB_NFIELDS];

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != USVC_LIB_NFIELDS)
		return INK_NOT_FOUND;
	for (size_t i = 0; i < USVC_LIB_NFIELDS; i++)
		f[i] = rep->element[i]->type == REDIS_REPLY_STRING ? rep->element[i]->str : NULL;
	return usvc_lib_from_fields(f, t);
}

ink_err usvc_lib_load(ink_rpc_ctx *ctx, const char *id, Inkwell__User__V1__Template *out)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];

	if (!ink_id_ok(id))
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no template %.40s", id);
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                            "HMGET " USVC_KEY_TEMPLATE " " LIB_FIELDS, lib_owner(ctx), id);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	err = usvc_lib_take(ctx, rep, id, out);
	freeReplyObject(rep);
	return err;
}

ink_err usvc_lib_take(ink_rpc_ctx *ctx, const redisReply *rep, const char *id,
                      Inkwell__User__V1__Template *out)
{
	ink_err err = usvc_lib_from_reply(rep, out);

	if (err == INK_NOT_FOUND)
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no template %s", id);
	return err == INK_OK ? INK_OK : ink_rpc_fail(ctx, err, "out of memory");
}

/* lib_template_copy fills *out with copies of t's fields (strings malloc'd:
 * usvc_lib_template_free). */
static ink_err lib_template_copy(ink_rpc_ctx *ctx, const Inkwell__User__V1__Template *t,
                                 Inkwell__User__V1__Template *out)
{
	inkwell__user__v1__template__init(out);
	out->id = strdup(t->id);
	out->title = strdup(t->title);
	out->etag = strdup(t->etag);
	out->gallery_id = strdup(t->gallery_id);
	out->width = t->width;
	out->height = t->height;
	out->detail = t->detail;
	out->line_width = t->line_width;
	out->created_at_unix_ms = t->created_at_unix_ms;
	if (!out->id || !out->title || !out->etag || !out->gallery_id ||
	    usvc_palette_copy(t, out) != INK_OK) {
		usvc_lib_template_free(out);
		return ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
	}
	return INK_OK;
}

/* lib_store_run runs the store script argv (with the call's
 * Idempotency-Key when it has one: the key is marked done with `made` in
 * the same script) and fills *out with `made`, or with the template of an
 * earlier call with the same key that stored first. */
static ink_err lib_store_run(ink_rpc_ctx *ctx, const Inkwell__User__V1__Template *made, int argc,
                             const char **argv, const size_t *argvlen, char *why, size_t why_len,
                             Inkwell__User__V1__Template *out)
{
	usvc_app *app = ctx->app;
	redisReply *rep = NULL;
	size_t plen = inkwell__user__v1__template__get_packed_size(made);
	uint8_t *packed = malloc(plen ? plen : 1);

	if (packed == NULL)
		return ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
	inkwell__user__v1__template__pack(made, packed);
	ink_err err =
	    usvc_idem_store_argv(ctx, &rep, why, why_len, argc, argv, argvlen, packed, plen);
	free(packed);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
	    rep->element[0]->type == REDIS_REPLY_STRING) {
		Inkwell__User__V1__Template *first = inkwell__user__v1__template__unpack(
		    NULL, rep->element[0]->len, (const uint8_t *)rep->element[0]->str);
		freeReplyObject(rep);
		if (first == NULL)
			return ink_rpc_fail(ctx, INK_INTERNAL,
			                    "idempotency key: stored reply is bad");
		err = lib_template_copy(ctx, first, out);
		inkwell__user__v1__template__free_unpacked(first, NULL);
		return err;
	}
	long long res = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
	freeReplyObject(rep);
	if (res == -1)
		return ink_rpc_fail(ctx, INK_ABORTED,
		                    "a request with this Idempotency-Key is in progress");
	if (res == -2)
		return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, "this account is gone");
	err = usvc_replicated(ctx);
	if (err != INK_OK)
		return err;
	if (res != 1)
		return ink_rpc_fail(
		    ctx, INK_RESOURCE_EXHAUSTED,
		    "template quota reached: at most %lld templates; delete some first",
		    (long long)app->cfg.quota);
	return lib_template_copy(ctx, made, out);
}

ink_err usvc_lib_store(ink_rpc_ctx *ctx, const char *title, uint32_t width, uint32_t height,
                       int32_t detail, int32_t line_width, const uint8_t *png, size_t png_len,
                       const uint8_t *svg, size_t svg_len, Inkwell__User__V1__Template *out)
{
	usvc_numbers none = {.style = ""};

	return usvc_lib_store_numbers(ctx, title, width, height, detail, line_width, png, png_len,
	                              svg, svg_len, &none, out);
}

/* lib_made_palette points made's palette at sw/ptr, copies of nb's swatches. */
static void lib_made_palette(const usvc_numbers *nb, Inkwell__User__V1__Swatch *sw,
                             Inkwell__User__V1__Swatch **ptr, Inkwell__User__V1__Template *made)
{
	size_t n = nb->n_palette < 32 ? nb->n_palette : 32;

	for (size_t i = 0; i < n; i++) {
		inkwell__user__v1__swatch__init(&sw[i]);
		sw[i].number = nb->palette[i]->number;
		sw[i].rgb = nb->palette[i]->rgb;
		sw[i].name = nb->palette[i]->name;
		ptr[i] = &sw[i];
	}
	made->style = (char *)(nb->style[0] ? nb->style : "lines");
	made->palette = ptr;
	made->n_palette = n;
}

ink_err usvc_lib_store_numbers(ink_rpc_ctx *ctx, const char *title, uint32_t width, uint32_t height,
                               int32_t detail, int32_t line_width, const uint8_t *png,
                               size_t png_len, const uint8_t *svg, size_t svg_len,
                               const usvc_numbers *nb, Inkwell__User__V1__Template *out)
{
	usvc_app *app = ctx->app;
	char pal_text[2048], plain_key[USVC_KEY_MAX], regions_key[USVC_KEY_MAX];
	Inkwell__User__V1__Swatch sw[32], *swp[32];

	if (usvc_palette_text(nb->palette, nb->n_palette, pal_text, sizeof(pal_text)) != INK_OK)
		return ink_rpc_fail(ctx, INK_INTERNAL, "the page's palette cannot be stored");
	uint8_t raw[16], digest[16];
	char tid[33], etag[33], quota[24], created[24], ws[16], hs[16], ds[16], ls[16],
	    lib_key[USVC_KEY_MAX], tpl_key[USVC_KEY_MAX], png_key[USVC_KEY_MAX],
	    svg_key[USVC_KEY_MAX], user_key[USVC_KEY_MAX], ver_key[USVC_KEY_MAX],
	    version[USVC_LIB_VERSION_LEN], why[256];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(tid, sizeof(tid), raw, sizeof(raw));
	crypto_generichash(digest, sizeof(digest), png, png_len, NULL, 0);
	sodium_bin2hex(etag, sizeof(etag), digest, sizeof(digest));
	int64_t now = ink_now_unix_ms();
	snprintf(quota, sizeof(quota), "%lld", (long long)app->cfg.quota);
	snprintf(created, sizeof(created), "%lld", (long long)now);
	snprintf(ws, sizeof(ws), "%u", width);
	snprintf(hs, sizeof(hs), "%u", height);
	snprintf(ds, sizeof(ds), "%d", detail);
	snprintf(ls, sizeof(ls), "%d", line_width);
	snprintf(lib_key, sizeof(lib_key), USVC_KEY_LIBRARY, lib_owner(ctx));
	snprintf(tpl_key, sizeof(tpl_key), USVC_KEY_TEMPLATE, lib_owner(ctx), tid);
	snprintf(png_key, sizeof(png_key), USVC_KEY_TEMPLATE_PNG, lib_owner(ctx), tid);
	snprintf(svg_key, sizeof(svg_key), USVC_KEY_TEMPLATE_SVG, lib_owner(ctx), tid);
	snprintf(plain_key, sizeof(plain_key), USVC_KEY_TEMPLATE_PLAIN, lib_owner(ctx), tid);
	snprintf(regions_key, sizeof(regions_key), USVC_KEY_TEMPLATE_REGIONS, lib_owner(ctx), tid);
	snprintf(user_key, sizeof(user_key), USVC_KEY_USER, lib_owner(ctx));
	snprintf(ver_key, sizeof(ver_key), USVC_KEY_LIBRARY_VERSION, lib_owner(ctx));
	usvc_lib_version_new(version);
	const char *argv[] = {"EVAL",
	                      lib_store_lua,
	                      "8",
	                      lib_key,
	                      tpl_key,
	                      png_key,
	                      svg_key,
	                      plain_key,
	                      regions_key,
	                      user_key,
	                      ver_key,
	                      quota,
	                      tid,
	                      created,
	                      title,
	                      ws,
	                      hs,
	                      ds,
	                      ls,
	                      etag,
	                      (const char *)png,
	                      svg_len ? (const char *)svg : "",
	                      nb->style[0] ? nb->style : "lines",
	                      pal_text,
	                      nb->plain_png_len ? (const char *)nb->plain_png : "",
	                      nb->regions_png_len ? (const char *)nb->regions_png : "",
	                      version};
	/* The four pictures are binary: their lengths are their own. */
	enum { LIB_PNG = 20, LIB_SVG = 21, LIB_PLAIN = 24, LIB_REGIONS = 25, LIB_ARGC = 27 };
	_Static_assert(sizeof(argv) / sizeof(argv[0]) == LIB_ARGC, "lib_store_lua's arguments");
	size_t argvlen[LIB_ARGC];
	for (int i = 0; i < LIB_ARGC; i++) {
		int binary = i == LIB_PNG || i == LIB_SVG || i == LIB_PLAIN || i == LIB_REGIONS;
		argvlen[i] = binary ? 0 : strlen(argv[i]);
	}
	argvlen[LIB_PNG] = png_len;
	argvlen[LIB_SVG] = svg_len;
	argvlen[LIB_PLAIN] = nb->plain_png_len;
	argvlen[LIB_REGIONS] = nb->regions_png_len;
	Inkwell__User__V1__Template made = INKWELL__USER__V1__TEMPLATE__INIT;
	made.id = tid;
	made.title = (char *)title;
	made.etag = etag;
	made.width = width;
	made.height = height;
	made.detail = detail;
	made.line_width = line_width;
	made.created_at_unix_ms = now;
	lib_made_palette(nb, sw, swp, &made);
	return lib_store_run(ctx, &made, LIB_ARGC, argv, argvlen, why, sizeof(why), out);
}

/* lib_quota_left fails fast, before spending a conversion, when the
 * library is full. The store script checks again atomically. */
static ink_err lib_quota_left(ink_rpc_ctx *ctx)
{
	usvc_worker *w = ctx->worker;
	usvc_app *app = ctx->app;
	redisReply *rep = NULL;
	char why[256];
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "ZCARD " USVC_KEY_LIBRARY,
	                            lib_owner(ctx));

	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	long long n = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
	freeReplyObject(rep);
	if (n >= app->cfg.quota)
		return ink_rpc_fail(
		    ctx, INK_RESOURCE_EXHAUSTED,
		    "template quota reached: at most %lld templates; delete some first",
		    (long long)app->cfg.quota);
	return INK_OK;
}

static ink_err lib_convert(ink_rpc_ctx *ctx, const Inkwell__User__V1__CreateTemplateRequest *rq,
                           Inkwell__Template__V1__ConvertResponse **out)
{
	Inkwell__Template__V1__ConvertRequest conv = INKWELL__TEMPLATE__V1__CONVERT_REQUEST__INIT;

	conv.image = rq->image;
	conv.detail = rq->detail;
	conv.line_width = rq->line_width;
	conv.style = rq->style;
	conv.colors = rq->colors;
	conv.palette = rq->palette;
	return usvc_call_template(ctx, LIB_CONVERT, &conv.base,
	                          &inkwell__template__v1__convert_response__descriptor, "a page", 0,
	                          (ProtobufCMessage **)out);
}

ink_err usvc_lib_create(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Template__V1__ConvertResponse *page = NULL;
	Inkwell__User__V1__Template t = INKWELL__USER__V1__TEMPLATE__INIT;
	usvc_idem idem = {0};
	int replayed = 0;
	ink_err err = usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__CreateTemplateRequest *rq =
	    inkwell__user__v1__create_template_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "create request does not parse");
	const char *title = rq->title[0] ? rq->title : "Untitled";
	const char *bad = ink_rule_title(title);
	if (bad != NULL)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "title %s", bad);
	if (err == INK_OK && rq->image.len == 0)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "the image is empty");
	if (err == INK_OK)
		err = usvc_idem_begin(ctx, lib_owner(ctx), rq->idempotency_key, body, len, &idem,
		                      &replayed);
	if (err == INK_OK && replayed)
		goto out; /* the first call's reply, again */
	if (err == INK_OK)
		err = lib_quota_left(ctx);
	if (err == INK_OK)
		err = lib_convert(ctx, rq, &page);
	if (err == INK_OK) {
		usvc_numbers nb;

		usvc_numbers_from_page(page, &nb);
		err = usvc_lib_store_numbers(ctx, title, page->width, page->height, rq->detail,
		                             rq->line_width, page->png.data, page->png.len,
		                             page->svg.data, page->svg.len, &nb, &t);
	}
	if (err == INK_OK) {
		err = ink_rpc_reply(ctx, &t.base);
		usvc_lib_template_free(&t);
	}
	err = usvc_idem_end(ctx, &idem, err);
out:
	if (page != NULL)
		inkwell__template__v1__convert_response__free_unpacked(page, NULL);
	inkwell__user__v1__create_template_request__free_unpacked(rq, NULL);
	return err;
}
