/* health.c - user-svc's health: its users Redis and template-svc, whose own
 * tree is nested under it so the edge can tell which one is down.
 *
 * Budget (the caller's deadline, at most HEALTH_TIMEOUT_MS): the PING of the
 * users Redis gets a quarter, template-svc three quarters of what is left,
 * and the rest is time to answer. So a hung Redis, here or behind
 * template-svc, is named as failing while the edge still listens. */
#include "health.h"
#include "svc.h"

/* usvc_health_budget is how long the caller still waits, at most
 * HEALTH_TIMEOUT_MS. */
static int64_t usvc_health_budget(const ink_rpc_ctx *ctx, const usvc_app *app)
{
	int64_t budget = ink_rpc_remaining_ms(ctx, app->cfg.health_timeout_ms);
	return budget < app->cfg.health_timeout_ms ? budget : app->cfg.health_timeout_ms;
}

ink_err usvc_health(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	usvc_app *app = ctx->app;
	ink_health_dep deps[2];

	int64_t ping_ms = usvc_health_budget(ctx, app) / 4;
	ink_redis_set_ping_timeout(w->redis, ping_ms > 1 ? (int)ping_ms : 1);
	/* A cluster's nodes are each PINGed, so a dead one is named. */
	ink_health_dep_redis_nodes(w->redis, app->cfg.redis_addr, "users-redis",
	                           ping_ms > 1 ? (int)ping_ms : 1, &deps[0]);
	ink_redis_set_ping_timeout(w->redis, 0);
	/* Leave time to answer our own caller even when template-svc hangs. */
	ink_health_dep_peer(app->templates, usvc_health_budget(ctx, app) * 3 / 4, &deps[1]);
	ink_err err = ink_health_reply(ctx, body, len, USVC_NAME, deps, 2);
	ink_health_dep_fini(&deps[0]);
	ink_health_dep_fini(&deps[1]);
	return err;
}
