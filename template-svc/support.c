/*
 * support.c - the small shared rules of template-svc's handlers (see
 * support.h): new ids, reply fields, database errors. One copy, so every
 * handler reports Redis failures the same way. (What a valid id or text is
 * lives in common/content_rules.h, shared with the edge.)
 */
#include "support.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"

void tsvc_new_id(char out[TSVC_ID_LEN])
{
	uint8_t raw[16];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, TSVC_ID_LEN, raw, sizeof(raw));
}

void tsvc_etag(const uint8_t *png, size_t len, char out[TSVC_ID_LEN])
{
	uint8_t digest[16];

	/* crypto_generichash cannot fail for an output of 16 bytes and no key. */
	crypto_generichash(digest, sizeof(digest), png, len, NULL, 0);
	sodium_bin2hex(out, TSVC_ID_LEN, digest, sizeof(digest));
}

ink_err tsvc_require_user(ink_rpc_ctx *ctx)
{
	if (ctx->caller->user_id[0] != '\0')
		return INK_OK;
	return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, "sign in first");
}

ink_err tsvc_replicated(ink_rpc_ctx *ctx)
{
	const tsvc_config *cfg = ctx->app;
	tsvc_worker *w = ctx->worker;
	char why[256];
	ink_err err = ink_replica_wait(w->redis, &cfg->wait, why, sizeof(why));

	return err == INK_OK ? INK_OK : tsvc_db_fail(ctx, err, why);
}

int tsvc_is_admin(const ink_rpc_ctx *ctx)
{
	return ctx->caller->user_id[0] != '\0' && strcmp(ctx->caller->role, "admin") == 0;
}

ink_err tsvc_db_fail(ink_rpc_ctx *ctx, ink_err err, const char *why)
{
	return ink_rpc_fail_db(ctx, err, "public database", why);
}

ink_err tsvc_oom(ink_rpc_ctx *ctx)
{
	return ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
}

char *tsvc_reply_str(const redisReply *e)
{
	if (e == NULL || e->type != REDIS_REPLY_STRING)
		return strdup("");
	return strndup(e->str, e->len);
}

long long tsvc_reply_num(const redisReply *e)
{
	char *end = NULL;

	if (e == NULL)
		return 0;
	if (e->type == REDIS_REPLY_INTEGER)
		return e->integer;
	if (e->type != REDIS_REPLY_STRING || e->len == 0)
		return 0;
	long long v = strtoll(e->str, &end, 10);
	return *end == '\0' ? v : 0;
}

ink_err tsvc_png_size(const uint8_t *png, size_t len, uint32_t *width, uint32_t *height)
{
	static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

	/* signature (8), IHDR length (4), "IHDR" (4), width (4), height (4) */
	if (len < 24 || memcmp(png, sig, sizeof(sig)) != 0 || memcmp(png + 12, "IHDR", 4) != 0)
		return INK_INVALID_ARGUMENT;
	*width =
	    (uint32_t)png[16] << 24 | (uint32_t)png[17] << 16 | (uint32_t)png[18] << 8 | png[19];
	*height =
	    (uint32_t)png[20] << 24 | (uint32_t)png[21] << 16 | (uint32_t)png[22] << 8 | png[23];
	return INK_OK;
}
