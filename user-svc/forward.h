/* forward.h - passing gallery calls on to template-svc (see forward.c). */
#ifndef INKWELL_USER_SVC_FORWARD_H
#define INKWELL_USER_SVC_FORWARD_H

#include "err.h"
#include "rpc_server.h"

/* usvc_forward sends the call's method and body to template-svc with the
 * same caller and the time left, and answers with its reply or its error
 * (code and message unchanged; UNAVAILABLE when template-svc is down). */
INK_WUR ink_err usvc_forward(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* usvc_forward_call is usvc_forward without the answer: on INK_OK *reply is
 * template-svc's reply body (the caller's to free or to pass on with
 * ink_rpc_reply_raw); otherwise the call is failed with template-svc's code
 * and message, and *reply is untouched. */
INK_WUR ink_err usvc_forward_call(ink_rpc_ctx *ctx, const uint8_t *body, size_t len,
                                  ProtobufCBinaryData *reply);

/* usvc_forward_report forwards ReportGalleryItem like usvc_forward, under
 * the request's Idempotency-Key (idem.h) when it has one: a retry gets the
 * first call's report. */
INK_WUR ink_err usvc_forward_report(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_USER_SVC_FORWARD_H */
