/*
 * forward.c - gallery methods that user-svc passes on to template-svc
 * unchanged, with the caller's identity, so the edge talks to one service.
 * template-svc decides what the caller may do (publisher or admin).
 */
#include "forward.h"

#include "svc.h"

ink_err usvc_forward(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_app *app = ctx->app;
	ProtobufCBinaryData reply;
	char why[512];
	ink_err err = ink_rpc_call_raw(app->templates, ctx->method, ctx->caller,
	                               ink_rpc_remaining_ms(ctx, app->cfg.rpc_timeout_ms), body,
	                               len, &reply, why, sizeof(why));

	if (err != INK_OK)
		return ink_rpc_fail(ctx, err, "%s", why);
	ink_rpc_reply_raw(ctx, reply);
	return INK_OK;
}
