/*
 * forward.c - gallery methods that user-svc passes on to template-svc
 * unchanged, with the caller's identity, so the edge talks to one service.
 * template-svc decides what the caller may do (publisher or admin).
 */
#include "forward.h"

#include "idem.h"
#include "svc.h"
#include "template.pb-c.h"

ink_err usvc_forward_call(ink_rpc_ctx *ctx, const uint8_t *body, size_t len,
                          ProtobufCBinaryData *reply)
{
	usvc_app *app = ctx->app;
	char why[512];
	ink_err err = ink_rpc_call_raw(app->templates, ctx->method, ctx->caller,
	                               ink_rpc_remaining_ms(ctx, app->cfg.rpc_timeout_ms), body,
	                               len, reply, why, sizeof(why));

	return err == INK_OK ? INK_OK : ink_rpc_fail(ctx, err, "%s", why);
}

ink_err usvc_forward(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ProtobufCBinaryData reply;
	ink_err err = usvc_forward_call(ctx, body, len, &reply);

	if (err != INK_OK)
		return err;
	ink_rpc_reply_raw(ctx, reply);
	return INK_OK;
}

ink_err usvc_forward_report(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_idem idem = {0};
	int replayed = 0;
	Inkwell__Template__V1__ReportRequest *rq =
	    inkwell__template__v1__report_request__unpack(NULL, len, body);

	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "ReportRequest does not parse");
	ink_err err = INK_OK;
	if (ctx->caller->user_id[0] != '\0') /* anonymous: template-svc refuses it */
		err = usvc_idem_begin(ctx, ctx->caller->user_id, rq->idempotency_key, body, len,
		                      &idem, &replayed);
	inkwell__template__v1__report_request__free_unpacked(rq, NULL);
	if (err != INK_OK || replayed)
		return err;
	return usvc_idem_end(ctx, &idem, usvc_forward(ctx, body, len));
}
