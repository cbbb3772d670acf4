/* health.c - template-svc's health: it answers, and its public Redis PINGs. */
#include "health.h"
#include "svc.h"

ink_err tsvc_health(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	tsvc_worker *w = ctx->worker;
	ink_health_dep dep;

	ink_health_dep_redis(w->redis, "public-redis", &dep);
	return ink_health_reply(ctx, body, len, TSVC_NAME, &dep, 1);
}
