/* health.c - user-svc's health: its users Redis and template-svc, whose own
 * tree is nested under it so the edge can tell which one is down. */
#include "health.h"
#include "svc.h"

ink_err usvc_health(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	usvc_app *app = ctx->app;
	ink_health_dep deps[2];

	ink_health_dep_redis(w->redis, "users-redis", &deps[0]);
	int64_t budget = ink_rpc_remaining_ms(ctx, app->cfg.health_timeout_ms);
	if (budget > app->cfg.health_timeout_ms)
		budget = app->cfg.health_timeout_ms;
	/* Leave time to answer our own caller even when template-svc hangs. */
	ink_health_dep_peer(app->templates, budget * 3 / 4, &deps[1]);
	ink_err err = ink_health_reply(ctx, body, len, USVC_NAME, deps, 2);
	ink_health_dep_fini(&deps[1]);
	return err;
}
