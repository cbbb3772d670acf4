/*
 * manage.h - account management handlers (issue 18): ChangePassword,
 * DeleteAccount and the admins' RemoveUser (see proto/user.proto).
 */
#ifndef INKWELL_USER_SVC_MANAGE_H
#define INKWELL_USER_SVC_MANAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rpc_server.h"

/* Every error is an RPC code with a message for a user: UNAUTHENTICATED
 * (anonymous, or a wrong password: the same 401 as a failed sign-in),
 * INVALID_ARGUMENT (a new password breaking the rules, a request that does
 * not parse), PERMISSION_DENIED (RemoveUser by a non-admin), NOT_FOUND (no
 * such user), UNAVAILABLE (Redis or template-svc down, or hashing shed: an
 * interrupted erasure is resumed by a retry or the sweeper). */
INK_WUR ink_err usvc_change_password(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_delete_account(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_remove_user(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_USER_SVC_MANAGE_H */
