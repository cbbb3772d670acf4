/*
 * forget.h - inkwell.template.v1.Templates/ForgetUser: the public side of
 * erasing an account (issue 18).
 */
#ifndef INKWELL_TEMPLATE_SVC_FORGET_H
#define INKWELL_TEMPLATE_SVC_FORGET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rpc_server.h"

/* forget_user: ForgetUserRequest -> ForgetUserResponse. Removes every
 * gallery item the user published and anonymises the reports they filed
 * (see forget.c). The caller must be that user or an admin:
 * UNAUTHENTICATED (anonymous), PERMISSION_DENIED (another user),
 * INVALID_ARGUMENT (malformed id), UNAVAILABLE / INTERNAL (public Redis).
 * Idempotent: forgetting a forgotten user answers {0, 0}. */
INK_WUR ink_err forget_user(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_TEMPLATE_SVC_FORGET_H */
