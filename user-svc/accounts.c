/*
 * accounts.c - users and sessions in the users Redis.
 *
 * Registration hashes the password first (slow, outside Redis), then claims
 * the folded name with SET NX (a lease), writes the user hash and makes the
 * claim permanent: of twenty racing registrations of one name exactly one
 * wins, and a crash leaves at most a claim that expires by itself. Tokens are 256-bit random; only
 * their SHA-256 is stored, so a leaked database holds no usable token.
 */
#include "accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_rules.h"
#include "clock.h"
#include "content_rules.h"
#include "idem.h"
#include "keys.h"
#include "log.h"
#include "password.h"
#include "session_token.h"
#include "sessions.h"
#include "svc.h"
#include "user.pb-c.h"

#define USVC_TOKEN_BYTES     32
#define USVC_BAD_CREDENTIALS "invalid username or password"

/* Registration spans two slots (the name's and the user's), so it is three
 * ordered steps, each safe to repeat (DESIGN-NOTES "Invariants"):
 *   1 claim   SET username:{name} uid NX PX lease  - the name is ours for the
 *             call's deadline + 1 s; a crash leaves a claim that expires
 *   2 user    user:{uid} written (only if absent), expiring with the lease
 *   3 keep    the claim made permanent, if it is still ours
 *   4 persist the user made permanent
 * A failure in 2 with a known outcome releases the claim at once. A crash
 * between 3 and 4 leaves a permanent name whose user expires: such a
 * dangling name is released on the next registration of it (usvc_name_live),
 * so no name is lost to a crash. */
/* clang-format off */
/* KEYS: user. ARGV: 1 uid, 2 username, 3 pwhash, 4 email, 5 created, 6 lease (ms). */
static const char usvc_register_user_lua[] =
    USVC_LUA "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
    "redis.call('HSET', KEYS[1], 'id', ARGV[1], 'username', ARGV[2], 'pwhash', ARGV[3], "
    "'email', ARGV[4], 'created_at', ARGV[5], 'role', 'user') "
    "redis.call('PEXPIRE', KEYS[1], ARGV[6]) return 1";
/* KEYS: username. {the uid it names, its pttl}, or {} when there is none. */
static const char usvc_name_read_lua[] =
    USVC_LUA "local v = redis.call('GET', KEYS[1]) "
    "if not v then return {} end return {v, redis.call('PTTL', KEYS[1])}";
/* KEYS: username. ARGV: 1 uid. 1 when the claim was ours (now permanent). */
static const char usvc_name_keep_lua[] =
    USVC_LUA "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
    "redis.call('PERSIST', KEYS[1]) return 1";
/* KEYS: username. ARGV: 1 uid. Drops the claim if it is still ours. */
static const char usvc_name_release_lua[] =
    USVC_LUA "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end "
    "return 0";
/* clang-format on */

static void usvc_user_free(Inkwell__User__V1__User *u)
{
	free(u->id);
	free(u->username);
	free(u->role);
	free(u->email);
}

/* usvc_load_user reads the user hash of `uid` into u (strings malloc'd; free
 * with usvc_user_free). INK_NOT_FOUND when absent. */
static ink_err usvc_load_user(ink_redis *r, const char *uid, Inkwell__User__V1__User *u, char *why,
                              size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err =
	    ink_redis_cmd(r, &rep, why, why_len,
	                  "HMGET " USVC_KEY_USER " id username role email created_at", uid);
	if (err != INK_OK)
		return err;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 5 ||
	    rep->element[0]->type != REDIS_REPLY_STRING) {
		freeReplyObject(rep);
		return INK_NOT_FOUND;
	}
	inkwell__user__v1__user__init(u);
	char **fields[4] = {&u->id, &u->username, &u->role, &u->email};
	for (int i = 0; i < 4; i++) {
		redisReply *e = rep->element[i];
		*fields[i] = strdup(e->type == REDIS_REPLY_STRING ? e->str : "");
	}
	redisReply *c = rep->element[4];
	u->created_at_unix_ms = c->type == REDIS_REPLY_STRING ? strtoll(c->str, NULL, 10) : 0;
	freeReplyObject(rep);
	if (!u->id || !u->username || !u->role || !u->email) {
		usvc_user_free(u);
		return INK_RESOURCE_EXHAUSTED;
	}
	return INK_OK;
}

static ink_err usvc_check_fields(ink_rpc_ctx *ctx, const char *username, const char *password)
{
	const char *bad = ink_rule_username(username);

	if (bad != NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "username %s", bad);
	bad = ink_rule_password(password);
	if (bad != NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "password %s", bad);
	return INK_OK;
}

/* usvc_script1 runs a one-key script with string ARGV and takes its integer
 * reply into *res; an error fails the call (usvc_db_fail). */
static ink_err usvc_script1(ink_rpc_ctx *ctx, const char *lua, const char *key, int argc,
                            const char **args, long long *res)
{
	usvc_worker *w = ctx->worker;
	const char *argv[10] = {"EVAL", lua, "1", key};
	size_t argvlen[10];
	redisReply *rep = NULL;
	char why[256];

	for (int i = 0; i < argc && i < 6; i++)
		argv[4 + i] = args[i];
	for (int i = 0; i < 4 + argc; i++)
		argvlen[i] = strlen(argv[i]);
	ink_err err = ink_redis_cmd_argv(w->redis, &rep, why, sizeof(why), 4 + argc, argv, argvlen);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	*res = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
	freeReplyObject(rep);
	return INK_OK;
}

/* usvc_name_read reads whether the name key exists, the user id it names
 * ("" when it names none: a held name) and its pttl. */
static ink_err usvc_name_read(ink_rpc_ctx *ctx, const char *name_key, int *exists, char uid[33],
                              long long *pttl)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EVAL %s 1 %s",
	                            usvc_name_read_lua, name_key);

	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	uid[0] = '\0';
	*exists = rep->type == REDIS_REPLY_ARRAY && rep->elements == 2;
	if (*exists && rep->element[0]->type == REDIS_REPLY_STRING &&
	    ink_id_ok(rep->element[0]->str) && rep->element[1]->type == REDIS_REPLY_INTEGER) {
		memcpy(uid, rep->element[0]->str, 33);
		*pttl = rep->element[1]->integer;
	}
	freeReplyObject(rep);
	return INK_OK;
}

/* usvc_name_live sets *live 0 when name_key is free, or names a user that
 * is gone for good (a permanent name whose registration crashed before
 * step 4: the name is released here, if it still names that user); else 1.
 * A claim with a lease is a registration under way: live. */
static ink_err usvc_name_live(ink_rpc_ctx *ctx, const char *name_key, int *live)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char uid[33], user_key[USVC_KEY_MAX], why[256];
	long long pttl = 0, res = 0;
	int exists = 0;
	ink_err err = usvc_name_read(ctx, name_key, &exists, uid, &pttl);

	if (err != INK_OK)
		return err;
	if (!exists || uid[0] == '\0' || pttl != -1) { /* free, held, or a lease */
		*live = exists;
		return INK_OK;
	}
	snprintf(user_key, sizeof(user_key), USVC_KEY_USER, uid);
	err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "EXISTS %s", user_key);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	int gone = rep->type == REDIS_REPLY_INTEGER && rep->integer == 0;
	freeReplyObject(rep);
	if (!gone) {
		*live = 1;
		return INK_OK;
	}
	const char *args[] = {uid};
	err = usvc_script1(ctx, usvc_name_release_lua, name_key, 1, args, &res);
	if (err == INK_OK) {
		ink_log_warn("registration: released %s, which named user %s that is gone",
		             name_key, uid);
		*live = 0;
	}
	return err;
}

/* usvc_name_claim is step 1: INK_OK with *claimed 0 when the name is taken.
 * A dangling name (usvc_name_live) is released and claimed once more. */
static ink_err usvc_name_claim(ink_rpc_ctx *ctx, const char *name_key, const char *uid,
                               const char *lease, int *claimed)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];
	int live = 1;

	for (int round = 0; round < 2; round++) {
		ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "SET %s %s NX PX %s",
		                            name_key, uid, lease);
		if (err != INK_OK)
			return usvc_db_fail(ctx, err, why);
		*claimed = rep->type == REDIS_REPLY_STATUS;
		freeReplyObject(rep);
		if (*claimed)
			return usvc_replicated(ctx);
		if (round == 0 && ((err = usvc_name_live(ctx, name_key, &live)) != INK_OK || live))
			return err;
	}
	return INK_OK;
}

/* usvc_user_persist is step 4: the new user no longer expires. */
static ink_err usvc_user_persist(ink_rpc_ctx *ctx, const char *user_key)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "PERSIST %s", user_key);

	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	int kept = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
	freeReplyObject(rep);
	if (!kept) /* the user's lease ran out first; its name is released when next claimed */
		return ink_rpc_fail(ctx, INK_UNAVAILABLE, "registration took too long; try again");
	return usvc_replicated(ctx);
}

/* usvc_register_write is steps 2 to 4 for a claimed name. */
static ink_err usvc_register_write(ink_rpc_ctx *ctx, const char *name_key, const char *user_key,
                                   const char **args)
{
	long long res = 0;
	ink_err err = usvc_script1(ctx, usvc_register_user_lua, user_key, 6, args, &res);

	if (err == INK_OK && res != 1)
		err = ink_rpc_fail(ctx, INK_INTERNAL, "a user with this id exists");
	if (err == INK_OK)
		err = usvc_replicated(ctx);
	if (err == INK_OK)
		err = usvc_script1(ctx, usvc_name_keep_lua, name_key, 1, args, &res);
	if (err == INK_OK && res != 1) /* the lease ran out first: the name is not ours */
		err = ink_rpc_fail(ctx, INK_UNAVAILABLE, "registration took too long; try again");
	if (err == INK_OK)
		err = usvc_replicated(ctx);
	if (err == INK_OK)
		err = usvc_user_persist(ctx, user_key);
	return err;
}

static ink_err usvc_register_store(ink_rpc_ctx *ctx, const Inkwell__User__V1__RegisterRequest *rq,
                                   const char *pwhash, Inkwell__User__V1__User *u)
{
	uint8_t raw[16];
	const usvc_app *app = ctx->app;
	char uid[33], folded[INK_USERNAME_MAX + 1], created[24], lease[24], name_key[USVC_KEY_MAX],
	    user_key[USVC_KEY_MAX];
	int claimed = 0;
	long long res = 0;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(uid, sizeof(uid), raw, sizeof(raw));
	ink_username_fold(rq->username, folded, sizeof(folded));
	int64_t now = ink_now_unix_ms();
	snprintf(created, sizeof(created), "%lld", (long long)now);
	snprintf(name_key, sizeof(name_key), USVC_KEY_USERNAME, folded);
	snprintf(user_key, sizeof(user_key), USVC_KEY_USER, uid);
	snprintf(lease, sizeof(lease), "%lld",
	         (long long)ink_rpc_remaining_ms(ctx, app->cfg.rpc_timeout_ms) + 1000);
	const char *args[] = {uid, rq->username, pwhash, rq->email, created, lease};
	ink_err err = usvc_name_claim(ctx, name_key, uid, lease, &claimed);
	if (err != INK_OK)
		return err;
	if (!claimed)
		return ink_rpc_fail(ctx, INK_ALREADY_EXISTS, "username \"%s\" is taken",
		                    rq->username);
	err = usvc_register_write(ctx, name_key, user_key, args);
	if (err != INK_OK && err != INK_DEADLINE_EXCEEDED &&
	    usvc_script1(ctx, usvc_name_release_lua, name_key, 1, args, &res) != INK_OK)
		ink_log_warn("registration: the claim on %s stays until its lease ends", name_key);
	if (err != INK_OK)
		return err;
	/* The new id is the caller's to free: protobuf-c's INIT leaves a
	 * static "" in u->id, so only an id set here may be freed. */
	u->id = strdup(uid);
	u->username = rq->username;
	u->role = "user";
	u->email = rq->email;
	u->created_at_unix_ms = now;
	return u->id ? INK_OK : ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
}

static ink_err usvc_shed(ink_rpc_ctx *ctx)
{
	return ink_rpc_fail(ctx, INK_UNAVAILABLE, "too many sign-ins at once; retry shortly");
}

/* usvc_name_taken: 1 when the folded username is registered (or being so;
 * a dangling name is released: usvc_name_live). */
static ink_err usvc_name_taken(ink_rpc_ctx *ctx, const char *username, int *taken)
{
	char folded[INK_USERNAME_MAX + 1], name_key[USVC_KEY_MAX];

	ink_username_fold(username, folded, sizeof(folded));
	snprintf(name_key, sizeof(name_key), USVC_KEY_USERNAME, folded);
	return usvc_name_live(ctx, name_key, taken);
}

/* usvc_register_hash hashes the password in a hashing slot. The name is
 * checked once the slot is ours: of many racing registrations of one name,
 * those that waited behind the winner answer 409 without hashing at all.
 * (The store script still decides atomically.) */
static ink_err usvc_register_hash(ink_rpc_ctx *ctx, const char *username, const char *password,
                                  char pwhash[USVC_PWHASH_LEN])
{
	const usvc_app *app = ctx->app;
	usvc_pw_ticket pt;
	int taken = 0;

	if (usvc_password_slot(app->cfg.password, ctx->deadline_unix_ms, &pt) != INK_OK)
		return usvc_shed(ctx);
	ink_err err = usvc_name_taken(ctx, username, &taken);
	if (err == INK_OK && taken)
		err = ink_rpc_fail(ctx, INK_ALREADY_EXISTS, "username \"%s\" is taken", username);
	if (err == INK_OK && usvc_password_hash(&pt, password, pwhash) != INK_OK)
		err = ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
	usvc_password_release(&pt);
	return err;
}

/* usvc_register_idem claims the registration's Idempotency-Key, scoped per
 * client. The fingerprint leaves the password out: a fast hash of it must
 * not sit in Redis for a day (a replay checks it: usvc_register_replayed_ok). */
static ink_err usvc_register_idem(ink_rpc_ctx *ctx, Inkwell__User__V1__RegisterRequest *rq,
                                  usvc_idem *idem, int *replayed)
{
	char scope[96];
	const char *client = rq->client;

	for (const char *p = client; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '{' || *p == '}' || p - client >= 64) {
			client = "unknown";
			break;
		}
	}
	snprintf(scope, sizeof(scope), "client:%s", client[0] ? client : "unknown");
	char *password = rq->password;
	rq->password = "";
	size_t n = inkwell__user__v1__register_request__get_packed_size(rq);
	uint8_t *what = malloc(n ? n : 1);
	if (what != NULL)
		inkwell__user__v1__register_request__pack(rq, what);
	rq->password = password;
	if (what == NULL)
		return ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
	ink_err err = usvc_idem_begin(ctx, scope, rq->idempotency_key, what, n, idem, replayed);
	free(what);
	return err;
}

/* usvc_register_replayed_ok checks a replayed registration's password: it
 * is not in the key's fingerprint, so the retry's password is verified
 * against the account the first call made (one argon2id, like a sign-in).
 * Another password is another request: FAILED_PRECONDITION (422). */
static ink_err usvc_register_replayed_ok(ink_rpc_ctx *ctx, const char *password)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];
	Inkwell__User__V1__User *u =
	    inkwell__user__v1__user__unpack(NULL, ctx->out.len, ctx->out.data);

	if (u == NULL)
		return ink_rpc_fail(ctx, INK_INTERNAL, "idempotency key: stored reply is bad");
	ink_err err =
	    ink_redis_cmd(w->redis, &rep, why, sizeof(why), "HGET " USVC_KEY_USER " pwhash", u->id);
	inkwell__user__v1__user__free_unpacked(u, NULL);
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	if (rep->type != REDIS_REPLY_STRING) { /* the account is gone since: nothing to compare */
		freeReplyObject(rep);
		return INK_OK;
	}
	const usvc_app *app = ctx->app;
	usvc_pw_ticket pt;
	if (usvc_password_slot(app->cfg.password, ctx->deadline_unix_ms, &pt) != INK_OK) {
		freeReplyObject(rep);
		return usvc_shed(ctx);
	}
	err = usvc_password_verify(&pt, password, rep->str);
	usvc_password_release(&pt);
	freeReplyObject(rep);
	if (err != INK_OK)
		return ink_rpc_fail(
		    ctx, INK_FAILED_PRECONDITION,
		    "this Idempotency-Key was already used for a different request");
	return INK_OK;
}

ink_err usvc_register(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__User__V1__User u = INKWELL__USER__V1__USER__INIT;
	usvc_idem idem = {0};
	int replayed = 0;
	char pwhash[USVC_PWHASH_LEN];
	Inkwell__User__V1__RegisterRequest *rq =
	    inkwell__user__v1__register_request__unpack(NULL, len, body);

	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "register request does not parse");
	ink_err err = usvc_check_fields(ctx, rq->username, rq->password);
	if (err == INK_OK && rq->email[0] != '\0' && ink_rule_email(rq->email) != NULL)
		err =
		    ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "email %s", ink_rule_email(rq->email));
	if (err == INK_OK)
		err = usvc_register_idem(ctx, rq, &idem, &replayed);
	if (err == INK_OK && replayed) { /* the first call's reply, again */
		err = usvc_register_replayed_ok(ctx, rq->password);
		goto out;
	}
	if (err == INK_OK)
		err = usvc_register_hash(ctx, rq->username, rq->password, pwhash);
	if (err == INK_OK)
		err = usvc_register_store(ctx, rq, pwhash, &u);
	if (err == INK_OK) {
		err = ink_rpc_reply(ctx, &u.base);
		free(u.id);
	}
	err = usvc_idem_end(ctx, &idem, err);
out:
	sodium_memzero(pwhash, sizeof(pwhash));
	inkwell__user__v1__register_request__free_unpacked(rq, NULL);
	return err;
}

/* usvc_lookup_credentials finds the user id and password hash for a
 * username; both stay empty for an unknown user (not an error). */
static ink_err usvc_lookup_credentials(ink_redis *r, const char *username, char uid[33],
                                       char pwhash[USVC_PWHASH_LEN], char *why, size_t why_len)
{
	char folded[INK_USERNAME_MAX + 1];
	redisReply *rep = NULL;

	uid[0] = pwhash[0] = '\0';
	if (ink_rule_username(username) != NULL)
		return INK_OK; /* cannot exist */
	ink_username_fold(username, folded, sizeof(folded));
	ink_err err = ink_redis_cmd(r, &rep, why, why_len, "GET " USVC_KEY_USERNAME, folded);
	if (err != INK_OK)
		return err;
	if (rep->type == REDIS_REPLY_STRING && rep->len == 32)
		memcpy(uid, rep->str, 33);
	freeReplyObject(rep);
	if (uid[0] == '\0')
		return INK_OK;
	err = ink_redis_cmd(r, &rep, why, why_len, "HGET " USVC_KEY_USER " pwhash", uid);
	if (err != INK_OK)
		return err;
	if (rep->type == REDIS_REPLY_STRING && rep->len < USVC_PWHASH_LEN)
		memcpy(pwhash, rep->str, rep->len + 1);
	freeReplyObject(rep);
	return INK_OK;
}

static ink_err usvc_new_session(ink_rpc_ctx *ctx, const char *uid, const char *pwhash,
                                const char *user_agent)
{
	usvc_worker *w = ctx->worker;
	usvc_app *app = ctx->app;
	uint8_t raw[USVC_TOKEN_BYTES];
	char token[INK_TOKEN_CHARS + 1], hash[USVC_HASH_HEX], why[256];
	int stored = 0;

	/* `<uid>.<secret>` (common/session_token.h): the session lives in the
	 * user's slot, found without a lookup first. */
	if (!ink_id_ok(uid))
		return ink_rpc_fail(ctx, INK_INTERNAL, "the user's id is not an id");
	memcpy(token, uid, INK_TOKEN_USER_CHARS);
	token[INK_TOKEN_USER_CHARS] = '.';
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token + INK_TOKEN_USER_CHARS + 1, INK_TOKEN_SECRET_CHARS + 1, raw,
	                  sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	usvc_session_hash(token, hash);
	ink_err err = usvc_session_create(w->redis, &app->cfg.wait, uid, pwhash, hash, user_agent,
	                                  app->cfg.session_ttl_s, &stored, why, sizeof(why));
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	if (!stored) /* erased, or its password changed, since it was checked */
		return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, USVC_BAD_CREDENTIALS);
	Inkwell__User__V1__LoginResponse out = INKWELL__USER__V1__LOGIN_RESPONSE__INIT;
	out.token = token;
	out.expires_at_unix_ms = ink_now_unix_ms() + app->cfg.session_ttl_s * 1000;
	err = ink_rpc_reply(ctx, &out.base);
	sodium_memzero(token, sizeof(token));
	return err;
}

ink_err usvc_login(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	const usvc_app *app = ctx->app;
	usvc_pw_ticket pt;
	usvc_worker *w = ctx->worker;
	char uid[33], pwhash[USVC_PWHASH_LEN], why[256];
	Inkwell__User__V1__LoginRequest *rq =
	    inkwell__user__v1__login_request__unpack(NULL, len, body);

	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "login request does not parse");
	ink_err err =
	    usvc_lookup_credentials(w->redis, rq->username, uid, pwhash, why, sizeof(why));
	if (err != INK_OK) {
		err = usvc_db_fail(ctx, err, why);
		goto out;
	}
	if (usvc_password_slot(app->cfg.password, ctx->deadline_unix_ms, &pt) != INK_OK) {
		err = usvc_shed(ctx);
		goto out;
	}
	/* Unknown users cost a verification too: timing must not tell them apart. */
	err = usvc_password_verify(&pt, rq->password, pwhash[0] ? pwhash : NULL);
	usvc_password_release(&pt);
	if (err != INK_OK)
		err = ink_rpc_fail(ctx, INK_UNAUTHENTICATED, USVC_BAD_CREDENTIALS);
	else
		err = usvc_new_session(ctx, uid, pwhash, rq->user_agent);
out:
	inkwell__user__v1__login_request__free_unpacked(rq, NULL);
	return err;
}

/* usvc_token_arg unpacks a TokenRequest and checks the token's shape, so no
 * garbage is ever hashed into a key. Fills hash, and user with the user id
 * the token names ("" for an older token), on INK_OK. */
static ink_err usvc_token_arg(ink_rpc_ctx *ctx, const uint8_t *body, size_t len,
                              char hash[USVC_HASH_HEX], char user[INK_TOKEN_USER_CHARS + 1])
{
	Inkwell__User__V1__TokenRequest *rq =
	    inkwell__user__v1__token_request__unpack(NULL, len, body);

	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "token request does not parse");
	int ok = ink_token_user(rq->token, user) >= 0;
	if (ok)
		usvc_session_hash(rq->token, hash);
	inkwell__user__v1__token_request__free_unpacked(rq, NULL);
	return ok ? INK_OK : ink_rpc_fail(ctx, INK_UNAUTHENTICATED, USVC_BAD_TOKEN);
}

ink_err usvc_logout(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	const usvc_app *app = ctx->app;
	char hash[USVC_HASH_HEX], user[INK_TOKEN_USER_CHARS + 1], why[256];
	int ended = 0;
	ink_err err = usvc_token_arg(ctx, body, len, hash, user);

	if (err != INK_OK)
		return err;
	err = usvc_session_end(w->redis, &app->cfg.wait, hash, user, &ended, why, sizeof(why));
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	if (!ended)
		return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, USVC_BAD_TOKEN);
	Inkwell__User__V1__Empty empty = INKWELL__USER__V1__EMPTY__INIT;
	return ink_rpc_reply(ctx, &empty.base);
}

/* usvc_auth_fail: Authenticate only records the session's use, so a timeout
 * changed nothing that matters:
 * UNAVAILABLE (try again), never "the outcome is unknown" for the request
 * the edge was about to make. */
static ink_err usvc_auth_fail(ink_rpc_ctx *ctx, ink_err err, const char *why)
{
	return usvc_db_fail(ctx, err == INK_DEADLINE_EXCEEDED ? INK_UNAVAILABLE : err, why);
}

ink_err usvc_identify(ink_rpc_ctx *ctx, const char *token_hash, const char *token_user,
                      ink_rpc_identity *who)
{
	usvc_worker *w = ctx->worker;
	char why[256];
	ink_err err = usvc_session_resolve(w->redis, token_hash, token_user, who, why, sizeof(why));

	if (err != INK_OK)
		return usvc_auth_fail(ctx, err, why);
	if (who->user_id[0] == '\0')
		return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, USVC_BAD_TOKEN);
	return INK_OK;
}

ink_err usvc_identify_now(ink_rpc_ctx *ctx)
{
	if (ctx->token_user == NULL || ctx->token_user[0] == '\0')
		return INK_OK;
	ink_err err = usvc_identify(ctx, ctx->token_hash, ctx->token_user, &ctx->who);
	if (err != INK_OK)
		return err;
	ctx->caller = &ctx->who.caller;
	ctx->token_hash = ctx->token_user = "";
	return INK_OK;
}

ink_err usvc_authenticate(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	char hash[USVC_HASH_HEX], user[INK_TOKEN_USER_CHARS + 1];
	ink_rpc_identity who;
	ink_err err = usvc_token_arg(ctx, body, len, hash, user);

	if (err != INK_OK)
		return err;
	err = usvc_identify(ctx, hash, user, &who);
	if (err != INK_OK)
		return err;
	Inkwell__User__V1__AuthenticateResponse out =
	    INKWELL__USER__V1__AUTHENTICATE_RESPONSE__INIT;
	out.user_id = who.user_id;
	out.username = who.username;
	out.role = who.role;
	return ink_rpc_reply(ctx, &out.base);
}

ink_err usvc_get_me(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	Inkwell__User__V1__User u;
	char why[256];

	(void)body;
	(void)len;
	if (ctx->caller->user_id[0] == '\0')
		return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, "sign in first");
	ink_err err = usvc_load_user(w->redis, ctx->caller->user_id, &u, why, sizeof(why));
	if (err == INK_NOT_FOUND)
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no such user");
	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	err = ink_rpc_reply(ctx, &u.base);
	usvc_user_free(&u);
	return err;
}

ink_err usvc_grant_admin(ink_redis *r, const char *username, char *why, size_t why_len)
{
	char uid[33], pwhash[USVC_PWHASH_LEN];
	redisReply *rep = NULL;
	ink_err err = usvc_lookup_credentials(r, username, uid, pwhash, why, why_len);

	if (err != INK_OK)
		return err;
	if (uid[0] == '\0') {
		snprintf(why, why_len, "no user named \"%s\"", username);
		return INK_NOT_FOUND;
	}
	err = ink_redis_cmd(r, &rep, why, why_len, "HSET " USVC_KEY_USER " role admin", uid);
	if (err == INK_OK)
		freeReplyObject(rep);
	return err;
}
