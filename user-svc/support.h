/*
 * support.h - small rules every user-svc handler shares, as template-svc's
 * support.h: who may call, and how a call to template-svc is made and its
 * reply unpacked. One copy, so every handler fails the same way.
 */
#ifndef INKWELL_USER_SVC_SUPPORT_H
#define INKWELL_USER_SVC_SUPPORT_H

#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "rpc_server.h"
#include "user.pb-c.h"

/* usvc_require_user returns INK_OK when the call has a signed-in caller,
 * else the code of ink_rpc_fail(UNAUTHENTICATED, "sign in first"). */
INK_WUR ink_err usvc_require_user(ink_rpc_ctx *ctx);

/* usvc_template_ref is how a handler taking a TemplateRef starts: a
 * signed-in caller (usvc_require_user), then the request unpacked into *out
 * (INVALID_ARGUMENT when it does not parse). Returns the failed call's code;
 * on INK_OK *out is the caller's: inkwell__user__v1__template_ref__free_unpacked. */
INK_WUR ink_err usvc_template_ref(ink_rpc_ctx *ctx, const uint8_t *body, size_t len,
                                  Inkwell__User__V1__TemplateRef **out);

/* Flags of usvc_call_template. */
#define USVC_CALL_NOT_FOUND_OK 1 /* NOT_FOUND is returned, the call not failed */

/* usvc_call_template calls template-svc's `method` with req, the caller and
 * the time the call has left, and unpacks its reply as `desc` into *out
 * (the caller frees it: protobuf_c_message_free_unpacked). On error the
 * call is failed with template-svc's code and reason, or INTERNAL when the
 * reply does not parse ("template-svc sent <what> that does not parse"),
 * and that code returned; with USVC_CALL_NOT_FOUND_OK a NOT_FOUND is
 * returned as it is, the call not failed. *out is set on INK_OK only. */
INK_WUR ink_err usvc_call_template(ink_rpc_ctx *ctx, const char *method,
                                   const ProtobufCMessage *req,
                                   const ProtobufCMessageDescriptor *desc, const char *what,
                                   int flags, ProtobufCMessage **out);

#endif /* INKWELL_USER_SVC_SUPPORT_H */
