/*
 * health.c - template-svc's health: it answers, and its public Redis PINGs.
 *
 * The PING gets half of what the caller still waits (the edge: its
 * HEALTH_TIMEOUT_MS; user-svc: part of its own budget), so a hung Redis is
 * reported as a failing public-redis while the caller still listens, instead
 * of the caller giving up on template-svc itself.
 */
#include "health.h"
#include "svc.h"

/* What the PING may take when the caller sent no deadline (the probe). */
#define TSVC_HEALTH_FALLBACK_MS 1000

ink_err tsvc_health(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	tsvc_worker *w = ctx->worker;
	const tsvc_config *cfg = ctx->app;
	ink_health_dep dep;

	int64_t budget = ink_rpc_remaining_ms(ctx, TSVC_HEALTH_FALLBACK_MS);
	int ping_ms = budget / 2 > 1 ? (int)(budget / 2) : 1;
	ink_redis_set_ping_timeout(w->redis, ping_ms);
	/* A cluster's nodes are each PINGed, so a dead one is named. */
	ink_health_dep_redis_nodes(w->redis, cfg->redis_addr, "public-redis", ping_ms, &dep);
	ink_redis_set_ping_timeout(w->redis, 0);
	ink_err err = ink_health_reply(ctx, body, len, TSVC_NAME, &dep, 1);
	ink_health_dep_fini(&dep);
	return err;
}
