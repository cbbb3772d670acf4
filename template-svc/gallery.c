/*
 * gallery.c - one public gallery item at a time: publish, read, image,
 * delete (gallery_list.c pages through them).
 *
 * An item is its hash, its PNG and SVG (and a numbered item's plain and
 * regions images; on the item's own cluster slot, blobs.c), its entry in the time-ordered `gallery`
 * index and the `published:{gallery}:source_key` marker that makes publishing idempotent. The bytes
 * are written first; then one Lua script on the `{gallery}` slot makes the item, its index entry
 * and marker together, so a crash never leaves an index entry without its item or a marker pointing
 * nowhere, and two concurrent publishes of one source make one item.
 */
#include "gallery.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"
#include "gallery_numbers.h"
#include "clock.h"
#include "keys.h"
#include "removed.h"
#include "log.h"
#include "support.h"
#include "svc.h"

#define GALLERY_SOURCE_MAX 200
/* SHA-256 as 64 lowercase hex characters, plus the NUL */
#define GALLERY_SHA256_LEN (2 * crypto_hash_sha256_BYTES + 1)

/* KEYS: 1 the `{gallery}` slot. ARGV: 1 source_key, 2 pid, 3 title, 4 width,
 * 5 height, 6 publisher_id, 7 publisher_name, 8 now, 9 etag, 10 style,
 * 11 sha256 of the png, 12 palette (text, gallery_numbers.h). The PNG and SVG are on the item's
 * slot, written before (blobs_write): the item made here takes them out of the reap queue. Returns
 * 1 when it created the item, -1 when moderation took this source's item down, -2 when it took down
 * a page with this PNG (another copy), else {0, the existing item's fields}. */
/* clang-format off */
static const char gallery_publish_lua[] =
    GALLERY_LUA GALLERY_LUA_KEYS
    "local old = redis.call('GET', k_published(ARGV[1])) "
    "if old and string.sub(old, 1, #'" GALLERY_TOMBSTONE "') == '" GALLERY_TOMBSTONE "' then "
    "  return -1 "
    "end "
    "if old then "
    "  local it = redis.call('HMGET', k_item(old), " GALLERY_ITEM_FIELDS_LUA ") "
    "  if it[1] then return {0, unpack(it)} end "
    "end "
    "if redis.call('EXISTS', k_takedown(ARGV[11])) == 1 then return -2 end "
    "redis.call('HSET', k_item(ARGV[2]), 'id', ARGV[2], 'source_key', ARGV[1], "
    "  'title', ARGV[3], 'width', ARGV[4], 'height', ARGV[5], 'publisher_id', ARGV[6], "
    "  'publisher_name', ARGV[7], 'published_at', ARGV[8], 'etag', ARGV[9], "
    "  'sha256', ARGV[11], 'style', ARGV[10], 'palette', ARGV[12]) "
    "redis.call('ZREM', K_BLOBS_DOOMED, ARGV[2]) "
    "redis.call('ZADD', K_INDEX, ARGV[8], ARGV[2]) "
    "redis.call('SADD', k_copies(ARGV[11]), ARGV[2]) "
    "redis.call('SET', k_published(ARGV[1]), ARGV[2]) "
    "return 1";
/* clang-format on */

/* ARGV: 1 pid, 2 caller id, 3 "1" when the caller is an admin, 4 now.
 * Returns the `removed_items` table (pid, publisher, source key per item removed)
 * when removed, 0 when there is no such item, -1 when not allowed. An admin
 * removing someone else's item is moderation. */
/* clang-format off */
static const char gallery_delete_lua[] =
    GALLERY_LUA GALLERY_LUA_KEYS GALLERY_LUA_REMOVE
    "local pub = redis.call('HGET', k_item(ARGV[1]), 'publisher_id') "
    "if not pub then return 0 end "
    "if ARGV[3] ~= '1' and pub ~= ARGV[2] then return -1 end "
    "remove_item(ARGV[1], ARGV[4], ARGV[2], pub ~= ARGV[2]) "
    "return removed_items";
/* clang-format on */

void gallery_item_fini(Inkwell__Template__V1__GalleryItem *it)
{
	free(it->gallery_id);
	free(it->title);
	free(it->publisher_id);
	free(it->publisher_name);
	free(it->etag);
	if (it->style != protobuf_c_empty_string)
		free(it->style);
	gallery_palette_free(it);
	inkwell__template__v1__gallery_item__init(it);
}

ink_err gallery_item_from_reply(redisReply *const *e, size_t n,
                                Inkwell__Template__V1__GalleryItem *out)
{
	if (n < GALLERY_ITEM_NFIELDS || e[0]->type != REDIS_REPLY_STRING)
		return INK_NOT_FOUND;
	inkwell__template__v1__gallery_item__init(out);
	out->gallery_id = tsvc_reply_str(e[0]);
	out->title = tsvc_reply_str(e[1]);
	out->width = (uint32_t)tsvc_reply_num(e[2]);
	out->height = (uint32_t)tsvc_reply_num(e[3]);
	out->publisher_id = tsvc_reply_str(e[4]);
	out->publisher_name = tsvc_reply_str(e[5]);
	out->published_at_unix_ms = tsvc_reply_num(e[6]);
	out->etag = tsvc_reply_str(e[7]);
	out->style = tsvc_reply_str(e[8]);
	if (!out->gallery_id || !out->title || !out->publisher_id || !out->publisher_name ||
	    !out->etag || !out->style ||
	    gallery_palette_parse(e[9]->type == REDIS_REPLY_STRING ? e[9]->str : NULL, out) !=
	        INK_OK) {
		gallery_item_fini(out);
		return INK_RESOURCE_EXHAUSTED;
	}
	return INK_OK;
}

ink_err gallery_ref_unpack(ink_rpc_ctx *ctx, const uint8_t *body, size_t len,
                           Inkwell__Template__V1__GalleryRef **out)
{
	Inkwell__Template__V1__GalleryRef *ref =
	    inkwell__template__v1__gallery_ref__unpack(NULL, len, body);

	if (ref == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "GalleryRef does not parse");
	if (!ink_id_ok(ref->gallery_id)) {
		inkwell__template__v1__gallery_ref__free_unpacked(ref, NULL);
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                    "gallery_id must be 32 lowercase hex characters");
	}
	*out = ref;
	return INK_OK;
}

/* gallery_source_ok: 1..GALLERY_SOURCE_MAX printable ASCII bytes, no space
 * (it becomes part of a key name). */
static int gallery_source_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		if (s[n] <= 0x20 || s[n] >= 0x7f || n >= GALLERY_SOURCE_MAX)
			return 0;
	}
	return n > 0;
}

static ink_err gallery_publish_check(ink_rpc_ctx *ctx,
                                     const Inkwell__Template__V1__PublishRequest *r)
{
	const tsvc_config *cfg = ctx->app;
	uint32_t w = 0, h = 0;

	if (!gallery_source_ok(r->source_key))
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                    "source_key must be 1-%d printable ASCII characters",
		                    GALLERY_SOURCE_MAX);
	const char *bad_title = ink_rule_title(r->title);
	if (bad_title != NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "title %s", bad_title);
	if (r->png.len > (size_t)cfg->max_image_bytes)
		return ink_rpc_fail(ctx, INK_PAYLOAD_TOO_LARGE, "png is larger than %lld bytes",
		                    (long long)cfg->max_image_bytes);
	if (r->svg.len > (size_t)cfg->max_image_bytes)
		return ink_rpc_fail(ctx, INK_PAYLOAD_TOO_LARGE, "svg is larger than %lld bytes",
		                    (long long)cfg->max_image_bytes);
	if (r->plain_png.len + r->plain_svg.len + r->regions_png.len > (size_t)cfg->max_image_bytes)
		return ink_rpc_fail(ctx, INK_PAYLOAD_TOO_LARGE,
		                    "plain and regions images are larger than %lld bytes",
		                    (long long)cfg->max_image_bytes);
	if (strcmp(r->style, "") != 0 && strcmp(r->style, "lines") != 0 &&
	    strcmp(r->style, "numbers") != 0)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "style must be lines or numbers");
	if (tsvc_png_size(r->png.data, r->png.len, &w, &h) != INK_OK)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "png is not a PNG image");
	if (w == 0 || h == 0 || w != r->width || h != r->height)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                    "width x height %ux%u does not match the PNG's %ux%u", r->width,
		                    r->height, w, h);
	return INK_OK;
}

/* gallery_fingerprint writes the hex SHA-256 of png[0..len) into out: what a
 * takedown remembers of a page (GALLERY_KEY_TAKEDOWN). Byte-identical copies
 * (a saved copy, the same photo converted again) share it. */
static void gallery_fingerprint(const uint8_t *png, size_t len, char out[GALLERY_SHA256_LEN])
{
	uint8_t digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, png, len);
	sodium_bin2hex(out, GALLERY_SHA256_LEN, digest, sizeof(digest));
}

/* gallery_publish_new fills *out with the item the script just created. */
static ink_err gallery_publish_new(ink_rpc_ctx *ctx, const Inkwell__Template__V1__PublishRequest *r,
                                   const char *pid, int64_t now, const char *etag,
                                   const char *style, const char *palette,
                                   Inkwell__Template__V1__GalleryItem *out)
{
	inkwell__template__v1__gallery_item__init(out);
	out->gallery_id = strdup(pid);
	out->title = strdup(r->title);
	out->width = r->width;
	out->height = r->height;
	out->publisher_id = strdup(ctx->caller->user_id);
	out->publisher_name = strdup(ctx->caller->username);
	out->published_at_unix_ms = now;
	out->etag = strdup(etag);
	out->created = 1;
	out->style = strdup(style);
	if (!out->gallery_id || !out->title || !out->publisher_id || !out->publisher_name ||
	    !out->etag || !out->style || gallery_palette_parse(palette, out) != INK_OK) {
		gallery_item_fini(out);
		return tsvc_oom(ctx);
	}
	return INK_OK;
}

/* gallery_publish_not_new answers a publish script's reply rep (freed here) that did not
 * create the item: refused by moderation, or *out the existing item. */
static ink_err gallery_publish_not_new(ink_rpc_ctx *ctx,
                                       const Inkwell__Template__V1__PublishRequest *r,
                                       redisReply *rep, Inkwell__Template__V1__GalleryItem *out)
{
	ink_err err;

	if (rep->type == REDIS_REPLY_INTEGER && rep->integer < 0) {
		ink_log_info("publish %s refused: %s", r->source_key,
		             rep->integer == -1 ? "its item was taken down"
		                                : "a copy of this page was taken down");
		freeReplyObject(rep);
		return ink_rpc_fail(ctx, INK_PERMISSION_DENIED,
		                    "this page was removed by a moderator: gallery moderation took "
		                    "it down, and no copy of it can be published again");
	}
	err = INK_INTERNAL;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 + GALLERY_ITEM_NFIELDS)
		err = gallery_item_from_reply(rep->element + 1, rep->elements - 1, out);
	freeReplyObject(rep);
	if (err == INK_RESOURCE_EXHAUSTED)
		return tsvc_oom(ctx);
	if (err != INK_OK)
		return ink_rpc_fail(ctx, INK_INTERNAL, "publish script: unexpected reply");
	ink_log_info("publish %s: already published as %s", r->source_key, out->gallery_id);
	return INK_OK;
}

/* gallery_publish_store runs the publish script and fills *out with the new
 * or the existing item. */
static ink_err gallery_publish_store(ink_rpc_ctx *ctx,
                                     const Inkwell__Template__V1__PublishRequest *r,
                                     Inkwell__Template__V1__GalleryItem *out)
{
	tsvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char pid[TSVC_ID_LEN], etag[TSVC_ID_LEN], sha[GALLERY_SHA256_LEN], ws[16], hs[16],
	    now_s[24], why[256], palette[GALLERY_PALETTE_TEXT_MAX];
	const char *style = strcmp(r->style, "numbers") == 0 ? "numbers" : "lines";

	if (gallery_palette_text(r->palette, r->n_palette, palette, sizeof(palette)) != INK_OK)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "palette is malformed");
	tsvc_new_id(pid);
	tsvc_etag(r->png.data, r->png.len, etag);
	gallery_fingerprint(r->png.data, r->png.len, sha);
	int64_t now = ink_now_unix_ms();
	snprintf(ws, sizeof(ws), "%u", r->width);
	snprintf(hs, sizeof(hs), "%u", r->height);
	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	const char *argv[] = {"EVAL",
	                      gallery_publish_lua,
	                      "1",
	                      GALLERY_KEY_SLOT,
	                      r->source_key,
	                      pid,
	                      r->title,
	                      ws,
	                      hs,
	                      ctx->caller->user_id,
	                      ctx->caller->username,
	                      now_s,
	                      etag,
	                      style,
	                      sha,
	                      palette};
	size_t argvlen[16];
	for (size_t i = 0; i < 16; i++)
		argvlen[i] = strlen(argv[i]);
	ink_err err = blobs_write(ctx, pid, r);
	if (err != INK_OK)
		return err;
	err = ink_redis_cmd_argv(w->redis, &rep, why, sizeof(why), 16, argv, argvlen);
	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1) {
		freeReplyObject(rep);
		err = tsvc_replicated(ctx);
		blobs_reap(ctx); /* what a crashed publish or removal left, if due */
		return err == INK_OK
		           ? gallery_publish_new(ctx, r, pid, now, etag, style, palette, out)
		           : err;
	}
	blobs_doom(ctx, pid); /* not this call's item: its bytes go */
	blobs_reap(ctx);
	return gallery_publish_not_new(ctx, r, rep, out);
}

ink_err gallery_publish(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Template__V1__GalleryItem item = INKWELL__TEMPLATE__V1__GALLERY_ITEM__INIT;
	ink_err err = tsvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__Template__V1__PublishRequest *r =
	    inkwell__template__v1__publish_request__unpack(NULL, len, body);
	if (r == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "PublishRequest does not parse");
	err = gallery_publish_check(ctx, r);
	if (err == INK_OK)
		err = gallery_publish_store(ctx, r, &item);
	if (err == INK_OK) {
		err = ink_rpc_reply(ctx, &item.base);
		gallery_item_fini(&item);
	}
	inkwell__template__v1__publish_request__free_unpacked(r, NULL);
	return err;
}

/* gallery_load reads item `pid` (already validated) into *out; the code of
 * ink_rpc_fail (NOT_FOUND, ...) on error. */
static ink_err gallery_load(ink_rpc_ctx *ctx, const char *pid,
                            Inkwell__Template__V1__GalleryItem *out)
{
	tsvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                            "HMGET " GALLERY_KEY_ITEM " " GALLERY_ITEM_FIELDS, pid);

	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	err = INK_NOT_FOUND;
	if (rep->type == REDIS_REPLY_ARRAY)
		err = gallery_item_from_reply(rep->element, rep->elements, out);
	freeReplyObject(rep);
	if (err == INK_NOT_FOUND)
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no gallery item %s", pid);
	return err == INK_OK ? INK_OK : tsvc_oom(ctx);
}

ink_err gallery_get(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Template__V1__GalleryRef *ref = NULL;
	Inkwell__Template__V1__GalleryItem item = INKWELL__TEMPLATE__V1__GALLERY_ITEM__INIT;
	ink_err err = gallery_ref_unpack(ctx, body, len, &ref);

	if (err != INK_OK)
		return err;
	err = gallery_load(ctx, ref->gallery_id, &item);
	if (err == INK_OK) {
		err = ink_rpc_reply(ctx, &item.base);
		gallery_item_fini(&item);
	}
	inkwell__template__v1__gallery_ref__free_unpacked(ref, NULL);
	return err;
}

/* gallery_image_load reads item pid's etag and PNG and replies with them.
 * Two plain reads, no script: the PNG is immutable, so the only race is a
 * delete in between, which reads as NOT_FOUND like a delete before. Plain
 * GET also spares Redis copying a large PNG through Lua. */
static ink_err gallery_image_load(ink_rpc_ctx *ctx, const char *pid, const char *key_fmt)
{
	tsvc_worker *w = ctx->worker;
	Inkwell__Template__V1__GalleryImage img = INKWELL__TEMPLATE__V1__GALLERY_IMAGE__INIT;
	redisReply *etag = NULL, *png = NULL;
	char why[256];
	ink_err err =
	    ink_redis_cmd(w->redis, &etag, why, sizeof(why), "HGET " GALLERY_KEY_ITEM " etag", pid);

	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	if (etag->type != REDIS_REPLY_STRING) {
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no gallery item %s", pid);
		goto out;
	}
	char key[GALLERY_KEY_MAX];
	snprintf(key, sizeof(key), key_fmt, pid);
	err = ink_redis_cmd(w->redis, &png, why, sizeof(why), "GET %s", key);
	if (err != INK_OK) {
		err = tsvc_db_fail(ctx, err, why);
		goto out;
	}
	if (png->type != REDIS_REPLY_STRING && strcmp(key_fmt, GALLERY_KEY_ITEM_PLAIN) == 0) {
		/* a lines item has no plain image: its page is already plain */
		freeReplyObject(png);
		png = NULL;
		freeReplyObject(etag);
		return gallery_image_load(ctx, pid, GALLERY_KEY_ITEM_PNG);
	}
	if (png->type != REDIS_REPLY_STRING) {
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "gallery item %s has no such image", pid);
		goto out;
	}
	char vetag[TSVC_ID_LEN];
	img.etag = etag->str;
	if (strcmp(key_fmt, GALLERY_KEY_ITEM_PNG) != 0) { /* the item's etag names its PNG */
		tsvc_etag((const uint8_t *)png->str, png->len, vetag);
		img.etag = vetag;
	}
	img.png.data = (uint8_t *)png->str;
	img.png.len = png->len;
	err = ink_rpc_reply(ctx, &img.base);
out:
	freeReplyObject(etag);
	if (png != NULL)
		freeReplyObject(png);
	return err;
}

ink_err gallery_image(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Template__V1__GalleryRef *ref = NULL;
	ink_err err = gallery_ref_unpack(ctx, body, len, &ref);

	if (err != INK_OK)
		return err;
	if (strcmp(ref->variant, "") == 0)
		err = gallery_image_load(ctx, ref->gallery_id, GALLERY_KEY_ITEM_PNG);
	else if (strcmp(ref->variant, "plain") == 0)
		err = gallery_image_load(ctx, ref->gallery_id, GALLERY_KEY_ITEM_PLAIN);
	else if (strcmp(ref->variant, "regions") == 0)
		err = gallery_image_load(ctx, ref->gallery_id, GALLERY_KEY_ITEM_REGIONS);
	else
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "variant must be plain or regions");
	inkwell__template__v1__gallery_ref__free_unpacked(ref, NULL);
	return err;
}

/* gallery_delete_reply answers a delete that removed the items rep (the
 * script's `removed_items` table, freed by the caller) names. */
static ink_err gallery_delete_reply(ink_rpc_ctx *ctx, const char *gid, const redisReply *rep)
{
	Inkwell__Template__V1__Removal out = INKWELL__TEMPLATE__V1__REMOVAL__INIT;
	gallery_removed removed;
	ink_err err = tsvc_replicated(ctx);

	blobs_reap(ctx); /* after the WAIT: it names the node that removed */
	if (err != INK_OK)
		return err;
	ink_log_info("gallery item %s deleted by %s (%zu items)", gid, ctx->caller->user_id,
	             rep->elements / 3);
	err = gallery_removed_from_reply(rep->element, rep->elements, &removed);
	if (err == INK_RESOURCE_EXHAUSTED)
		return tsvc_oom(ctx);
	if (err != INK_OK)
		return ink_rpc_fail(ctx, INK_INTERNAL, "delete script: unexpected reply");
	out.removed = removed.ptrs;
	out.n_removed = removed.n;
	err = ink_rpc_reply(ctx, &out.base);
	gallery_removed_fini(&removed);
	return err;
}

ink_err gallery_delete(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	tsvc_worker *w = ctx->worker;
	Inkwell__Template__V1__GalleryRef *ref = NULL;
	redisReply *rep = NULL;
	char why[256];
	ink_err err = tsvc_require_user(ctx);

	if (err == INK_OK)
		err = gallery_ref_unpack(ctx, body, len, &ref);
	if (err != INK_OK)
		return err;
	char now_s[24];
	snprintf(now_s, sizeof(now_s), "%lld", (long long)ink_now_unix_ms());
	err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                    "EVAL %s 1 " GALLERY_KEY_SLOT " %s %s %s %s", gallery_delete_lua,
	                    ref->gallery_id, ctx->caller->user_id, tsvc_is_admin(ctx) ? "1" : "0",
	                    now_s);
	if (err != INK_OK) {
		err = tsvc_db_fail(ctx, err, why);
		goto out;
	}
	long long res = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -2;
	if (rep->type == REDIS_REPLY_ARRAY)
		err = gallery_delete_reply(ctx, ref->gallery_id, rep);
	else if (res == 0)
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no gallery item %s", ref->gallery_id);
	else if (res == -1)
		err = ink_rpc_fail(ctx, INK_PERMISSION_DENIED,
		                   "only its publisher or an admin may delete gallery item %s",
		                   ref->gallery_id);
	else
		err = ink_rpc_fail(ctx, INK_INTERNAL, "delete script: unexpected reply");
	freeReplyObject(rep);
out:
	inkwell__template__v1__gallery_ref__free_unpacked(ref, NULL);
	return err;
}
