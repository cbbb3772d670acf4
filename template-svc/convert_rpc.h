/*
 * convert_rpc.h - inkwell.template.v1.Templates/Convert: the RPC face of the
 * conversion engine (img/img.h).
 */
#ifndef INKWELL_TEMPLATE_SVC_CONVERT_RPC_H
#define INKWELL_TEMPLATE_SVC_CONVERT_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rpc_server.h"

/* tsvc_convert: ConvertRequest -> ConvertResponse. detail and line_width 0
 * mean the engine's defaults. Returns INK_OK after ink_rpc_reply, or the
 * code of ink_rpc_fail with the engine's reason: INVALID_ARGUMENT (bad
 * options; empty, unknown, corrupt image), PAYLOAD_TOO_LARGE (bytes, side,
 * pixels over the limits of tsvc_config), RESOURCE_EXHAUSTED, INTERNAL. */
INK_WUR ink_err tsvc_convert(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_TEMPLATE_SVC_CONVERT_RPC_H */
