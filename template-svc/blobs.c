/*
 * blobs.c - writing and reaping items' PNG and SVG bytes, and a numbered
 * item's plain and regions ones (see blobs.h): the one place that touches
 * `public:{pid}:png` / `:svg` / ... but for the plain reads
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

/* BLOBS_N: the most blobs an item has (png, svg, plain, plain_svg, regions). */
#define BLOBS_N 5

/* blobs_add appends key fmt(pid) = data to the MSET arguments unless empty. */
static void blobs_add(const char **argv, size_t *argvlen, int *argc, char *key, const char *fmt,
                      const char *pid, const ProtobufCBinaryData *data)
{
	if (data->len == 0)
		return;
	snprintf(key, GALLERY_KEY_MAX, fmt, pid);
	argv[*argc] = key;
	argvlen[(*argc)++] = strlen(key);
	argv[*argc] = (const char *)data->data;
	argvlen[(*argc)++] = data->len;
}

ink_err blobs_write(ink_rpc_ctx *ctx, const char *pid,
                    const Inkwell__Template__V1__PublishRequest *r)
{
	tsvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256], keys[BLOBS_N][GALLERY_KEY_MAX];
	long long when = (long long)(ink_now_unix_ms() + BLOBS_PENDING_MS);
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                            "ZADD " GALLERY_KEY_BLOBS_DOOMED " %lld %s", when, pid);

	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	freeReplyObject(rep);
	const char *argv[1 + 2 * BLOBS_N] = {"MSET"};
	size_t argvlen[1 + 2 * BLOBS_N] = {4};
	int argc = 1;
	/* the PNG always goes: a publish was refused without one */
	snprintf(keys[0], GALLERY_KEY_MAX, GALLERY_KEY_ITEM_PNG, pid);
	argv[argc] = keys[0];
	argvlen[argc++] = strlen(keys[0]);
	argv[argc] = (const char *)r->png.data;
	argvlen[argc++] = r->png.len;
	blobs_add(argv, argvlen, &argc, keys[1], GALLERY_KEY_ITEM_SVG, pid, &r->svg);
	blobs_add(argv, argvlen, &argc, keys[2], GALLERY_KEY_ITEM_PLAIN, pid, &r->plain_png);
	blobs_add(argv, argvlen, &argc, keys[3], GALLERY_KEY_ITEM_PLAIN_SVG, pid, &r->plain_svg);
	blobs_add(argv, argvlen, &argc, keys[4], GALLERY_KEY_ITEM_REGIONS, pid, &r->regions_png);
	err = ink_redis_cmd_argv(w->redis, &rep, why, sizeof(why), argc, argv, argvlen);
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
	                            "DEL " GALLERY_KEY_ITEM_PNG " " GALLERY_KEY_ITEM_SVG
	                            " " GALLERY_KEY_ITEM_PLAIN " " GALLERY_KEY_ITEM_PLAIN_SVG
	                            " " GALLERY_KEY_ITEM_REGIONS,
	                            pid, pid, pid, pid, pid);

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
