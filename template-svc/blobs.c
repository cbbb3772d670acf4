/*
 * blobs.c - writing and reaping items' PNG and SVG bytes (see blobs.h): the
 * one place that touches `public:{pid}:png` / `:svg` but for the plain reads
 * of gallery.c and print.c.
 */
#include "blobs.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "keys.h"
#include "log.h"
#include "support.h"
#include "svc.h"

#define BLOBS_REAP_BATCH   16
#define BLOBS_REAP_BATCHES 4

ink_err blobs_write(ink_rpc_ctx *ctx, const char *pid, const uint8_t *png, size_t png_len,
                    const uint8_t *svg, size_t svg_len)
{
	tsvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256], png_key[GALLERY_KEY_MAX], svg_key[GALLERY_KEY_MAX];
	long long when = (long long)(ink_now_unix_ms() + BLOBS_PENDING_MS);
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                            "ZADD " GALLERY_KEY_BLOBS_DOOMED " %lld %s", when, pid);

	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	freeReplyObject(rep);
	snprintf(png_key, sizeof(png_key), GALLERY_KEY_ITEM_PNG, pid);
	snprintf(svg_key, sizeof(svg_key), GALLERY_KEY_ITEM_SVG, pid);
	const char *argv[] = {"MSET", png_key, (const char *)png, svg_key, (const char *)svg};
	size_t argvlen[] = {4, strlen(png_key), png_len, strlen(svg_key), svg_len};
	err = ink_redis_cmd_argv(w->redis, &rep, why, sizeof(why), svg_len ? 5 : 3, argv, argvlen);
	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	freeReplyObject(rep);
	return tsvc_replicated(ctx);
}

void blobs_doom(ink_rpc_ctx *ctx, const char *pid)
{
	tsvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];

	if (ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                  "ZADD " GALLERY_KEY_BLOBS_DOOMED " %lld %s", (long long)ink_now_unix_ms(),
	                  pid) == INK_OK)
		freeReplyObject(rep);
}

/* blobs_reap_one deletes one item's blobs, then its queue entry. */
static ink_err blobs_reap_one(ink_redis *r, const char *pid, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err = ink_redis_cmd(r, &rep, why, why_len,
	                            "DEL " GALLERY_KEY_ITEM_PNG " " GALLERY_KEY_ITEM_SVG, pid, pid);

	if (err != INK_OK)
		return err;
	freeReplyObject(rep);
	err = ink_redis_cmd(r, &rep, why, why_len, "ZREM " GALLERY_KEY_BLOBS_DOOMED " %s", pid);
	if (err == INK_OK)
		freeReplyObject(rep);
	return err;
}

/* blobs_reap_batch reaps up to BLOBS_REAP_BATCH due items; *n how many. */
static ink_err blobs_reap_batch(ink_redis *r, size_t *n, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err =
	    ink_redis_cmd(r, &rep, why, why_len,
	                  "ZRANGEBYSCORE " GALLERY_KEY_BLOBS_DOOMED " -inf %lld LIMIT 0 %d",
	                  (long long)ink_now_unix_ms(), BLOBS_REAP_BATCH);

	if (err != INK_OK)
		return err;
	*n = 0;
	for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
		const redisReply *e = rep->element[i];
		if (e->type != REDIS_REPLY_STRING || !ink_id_ok(e->str))
			continue;
		err = blobs_reap_one(r, e->str, why, why_len);
		if (err != INK_OK)
			break;
		(*n)++;
	}
	freeReplyObject(rep);
	return err;
}

void blobs_reap(ink_rpc_ctx *ctx)
{
	tsvc_worker *w = ctx->worker;
	char why[256];

	for (int b = 0; b < BLOBS_REAP_BATCHES; b++) {
		size_t n = 0;
		if (blobs_reap_batch(w->redis, &n, why, sizeof(why)) != INK_OK) {
			ink_log_warn("reaping removed items' images: %s (left for later)", why);
			return;
		}
		if (n < BLOBS_REAP_BATCH)
			return;
	}
}
