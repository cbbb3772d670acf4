/*
 * manage.c - what a user does to their own account beyond signing in
 * (issue 18): change the password, delete the account; and an admin's
 * removal of a user. Each password check is one argon2id in a hashing slot,
 * like a sign-in, so these calls are shed the same way under load.
 */
#include "manage.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "account_rules.h"
#include "content_rules.h"
#include "erase.h"
#include "keys.h"
#include "log.h"
#include "password.h"
#include "sessions.h"
#include "support.h"
#include "svc.h"
#include "user.pb-c.h"

#define MANAGE_WRONG_PASSWORD "the password is wrong"

/* manage_check_password verifies `password` against the caller's stored
 * hash: INK_OK, or the code of ink_rpc_fail (UNAUTHENTICATED when wrong or
 * the account is gone, UNAVAILABLE when shed or Redis is down). */
static ink_err manage_check_password(ink_rpc_ctx *ctx, const char *password)
{
	const usvc_app *app = ctx->app;
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	usvc_pw_ticket pt;
	char why[256];
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                            "HGET " USVC_KEY_USER " pwhash", ctx->caller->user_id);

	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	if (usvc_password_slot(app->cfg.password, ctx->deadline_unix_ms, &pt) != INK_OK) {
		freeReplyObject(rep);
		return ink_rpc_fail(ctx, INK_UNAVAILABLE,
		                    "too many sign-ins at once; retry shortly");
	}
	err =
	    usvc_password_verify(&pt, password, rep->type == REDIS_REPLY_STRING ? rep->str : NULL);
	usvc_password_release(&pt);
	freeReplyObject(rep);
	return err == INK_OK ? INK_OK
	                     : ink_rpc_fail(ctx, INK_UNAUTHENTICATED, MANAGE_WRONG_PASSWORD);
}

/* manage_hash hashes a new password in a slot. */
static ink_err manage_hash(ink_rpc_ctx *ctx, const char *password, char out[USVC_PWHASH_LEN])
{
	const usvc_app *app = ctx->app;
	usvc_pw_ticket pt;

	if (usvc_password_slot(app->cfg.password, ctx->deadline_unix_ms, &pt) != INK_OK)
		return ink_rpc_fail(ctx, INK_UNAVAILABLE,
		                    "too many sign-ins at once; retry shortly");
	ink_err err = usvc_password_hash(&pt, password, out);
	usvc_password_release(&pt);
	return err == INK_OK ? INK_OK : ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
}

static ink_err manage_set_password(ink_rpc_ctx *ctx, const char *token, const char *pwhash)
{
	usvc_worker *w = ctx->worker;
	const usvc_app *app = ctx->app;
	char hash[USVC_HASH_HEX], keep[USVC_SID_LEN], why[256];
	int done = 0;

	usvc_session_hash(token, hash);
	usvc_session_id(hash, keep);
	ink_err err = usvc_sessions_revoke_others(w->redis, &app->cfg.wait, ctx->caller->user_id,
	                                          keep, pwhash, &done, why, sizeof(why));
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	if (!done)
		return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, "the account is gone");
	Inkwell__User__V1__Empty empty = INKWELL__USER__V1__EMPTY__INIT;
	return ink_rpc_reply(ctx, &empty.base);
}

ink_err usvc_change_password(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	char pwhash[USVC_PWHASH_LEN];

	ink_err err = usvc_require_user(ctx);
	if (err != INK_OK)
		return err;
	Inkwell__User__V1__ChangePasswordRequest *rq =
	    inkwell__user__v1__change_password_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	const char *bad = ink_rule_password(rq->new_password);
	err = bad ? ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "new_password %s", bad) : INK_OK;
	if (err == INK_OK)
		err = manage_check_password(ctx, rq->current_password);
	if (err == INK_OK)
		err = manage_hash(ctx, rq->new_password, pwhash);
	if (err == INK_OK) {
		err = manage_set_password(ctx, rq->token, pwhash);
		sodium_memzero(pwhash, sizeof(pwhash));
	}
	if (err == INK_OK)
		ink_log_info("user %s changed their password; other sessions revoked",
		             ctx->caller->user_id);
	inkwell__user__v1__change_password_request__free_unpacked(rq, NULL);
	return err;
}

/* manage_erase erases uid for the call; `by` is who asked. */
static ink_err manage_erase(ink_rpc_ctx *ctx, const char *uid, const char *by)
{
	usvc_app *app = ctx->app;
	usvc_worker *w = ctx->worker;
	char why[512] = "";
	ink_err err =
	    usvc_erase(app, w->redis, uid, by, ink_rpc_remaining_ms(ctx, app->cfg.rpc_timeout_ms),
	               why, sizeof(why));

	if (err == INK_NOT_FOUND)
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no user %s", uid);
	if (err != INK_OK)
		return ink_rpc_fail_db(ctx, err, "account erasure", why);
	Inkwell__User__V1__Empty empty = INKWELL__USER__V1__EMPTY__INIT;
	return ink_rpc_reply(ctx, &empty.base);
}

ink_err usvc_delete_account(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ink_err err = usvc_require_user(ctx);
	if (err != INK_OK)
		return err;
	Inkwell__User__V1__DeleteAccountRequest *rq =
	    inkwell__user__v1__delete_account_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	err = manage_check_password(ctx, rq->password);
	inkwell__user__v1__delete_account_request__free_unpacked(rq, NULL);
	if (err == INK_OK)
		err = manage_erase(ctx, ctx->caller->user_id, ctx->caller->user_id);
	return err;
}

ink_err usvc_remove_user(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ink_err err = usvc_require_user(ctx);
	if (err != INK_OK)
		return err;
	if (strcmp(ctx->caller->role, "admin") != 0)
		return ink_rpc_fail(ctx, INK_PERMISSION_DENIED, "only an admin may remove a user");
	Inkwell__User__V1__RemoveUserRequest *rq =
	    inkwell__user__v1__remove_user_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	if (!ink_id_ok(rq->user_id))
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, "no user with that id");
	if (err == INK_OK) {
		ink_log_info("admin %s (%s) removes user %s", ctx->caller->user_id,
		             ctx->caller->username, rq->user_id);
		err = manage_erase(ctx, rq->user_id, ctx->caller->user_id);
	}
	if (err == INK_OK)
		ink_log_info("user %s removed by admin %s", rq->user_id, ctx->caller->user_id);
	inkwell__user__v1__remove_user_request__free_unpacked(rq, NULL);
	return err;
}
