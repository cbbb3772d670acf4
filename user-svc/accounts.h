/*
 * accounts.h - inkwell.user.v1.Users: Register, Login, Logout,
 * Authenticate, GetMe, and granting the admin role.
 */
#ifndef INKWELL_USER_SVC_ACCOUNTS_H
#define INKWELL_USER_SVC_ACCOUNTS_H

#include "err.h"
#include "redis.h"
#include "rpc_server.h"

/* Handlers: see proto/user.proto for their messages. Every error is an RPC
 * code with a message for a user: INVALID_ARGUMENT (field rules),
 * ALREADY_EXISTS (username taken, ignoring case), UNAUTHENTICATED (bad
 * credentials or token: the same message for unknown user and wrong
 * password), NOT_FOUND (GetMe of a deleted user), UNAVAILABLE (Redis down or
 * sign-ins shed). */
INK_WUR ink_err usvc_register(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_login(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_logout(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_authenticate(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_get_me(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* usvc_identify is user-svc's ink_rpc_server_config.identify (issue 16):
 * the session of token_hash (naming token_user: "" for an older token),
 * resolved into *who as Authenticate would (session_gate.h: one script for
 * the session, its bookkeeping, the user's name and role). INK_OK, or
 * UNAUTHENTICATED (no live session: the method does not run), UNAVAILABLE
 * (the users Redis is down or slow: nothing was done). */
INK_WUR ink_err usvc_identify(ink_rpc_ctx *ctx, const char *token_hash, const char *token_user,
                              ink_rpc_identity *who);

/* usvc_identify_now resolves the token the RPC server left to an
 * INK_RPC_IDENTIFY_IN_METHOD handler (ctx->token_user set) as usvc_identify
 * would, for a handler that answers without running its gated script; then
 * ctx->caller is the user. INK_OK at once when nothing is pending. */
INK_WUR ink_err usvc_identify_now(ink_rpc_ctx *ctx);

/* usvc_grant_admin gives the existing user `username` the role "admin".
 * INK_NOT_FOUND if there is no such user; INK_UNAVAILABLE if Redis is down
 * (message in why). */
INK_WUR ink_err usvc_grant_admin(ink_redis *r, const char *username, char *why, size_t why_len);

#endif /* INKWELL_USER_SVC_ACCOUNTS_H */
