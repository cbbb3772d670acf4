/* support.c - see support.h. */
#include "support.h"

#include <stdlib.h>

#include "svc.h"

ink_err usvc_require_user(ink_rpc_ctx *ctx)
{
	return ctx->caller->user_id[0] != '\0'
	           ? INK_OK
	           : ink_rpc_fail(ctx, INK_UNAUTHENTICATED, "sign in first");
}

ink_err usvc_template_ref(ink_rpc_ctx *ctx, const uint8_t *body, size_t len,
                          Inkwell__User__V1__TemplateRef **out)
{
	ink_err err = usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__TemplateRef *ref =
	    inkwell__user__v1__template_ref__unpack(NULL, len, body);
	if (ref == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	*out = ref;
	return INK_OK;
}

ink_err usvc_call_template(ink_rpc_ctx *ctx, const char *method, const ProtobufCMessage *req,
                           const ProtobufCMessageDescriptor *desc, const char *what, int flags,
                           ProtobufCMessage **out)
{
	usvc_app *app = ctx->app;
	ProtobufCBinaryData reply = {0, NULL};
	char why[512];
	ink_err err = ink_rpc_call(app->templates, method, ctx->caller,
	                           ink_rpc_remaining_ms(ctx, app->cfg.rpc_timeout_ms), req, &reply,
	                           why, sizeof(why));

	if (err == INK_NOT_FOUND && (flags & USVC_CALL_NOT_FOUND_OK))
		return err;
	if (err != INK_OK)
		return ink_rpc_fail(ctx, err, "%s", why);
	ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, reply.len, reply.data);
	free(reply.data);
	if (m == NULL)
		return ink_rpc_fail(ctx, INK_INTERNAL, "template-svc sent %s that does not parse",
		                    what);
	*out = m;
	return INK_OK;
}
