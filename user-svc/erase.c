/*
 * erase.c - erasing an account: a sequence of idempotent steps behind a
 * marker, and a sweeper that resumes an erasure its call did not finish.
 *
 * Invariant (docs/DESIGN-NOTES.md, "Erasing an account"): while the user
 * hash `user:{uid}` exists, the erasure can be completed from what is left;
 * it is deleted only by the last step. The marker (`erasing` in the user
 * hash, the id in the `erasing` zset) goes first, and from then on the
 * account is gone for its user: no session authenticates and no sign-in
 * makes one (sessions.c checks the marker in the same scripts that read or
 * write sessions). Then, each step safe to repeat:
 *
 *   1 mark        `erasing` zset, then the user hash
 *   2 sessions    every session's metadata and index (script), then keys
 *   3 public      template-svc ForgetUser: gallery items, reports (RPC)
 *   4 templates   private templates, PNGs, SVGs, 100 at a time (script)
 *   5 finish      name -> held (TTL), then user hash + library index,
 *                 then unmark (three slots, in that order)
 *
 * A crash or failure between steps leaves the marker: the user cannot use
 * the account, and a retry (the admin route, or the sweeper once
 * ERASE_RETRY_SECONDS have passed) runs the steps again from the first.
 * Idempotency-Key records of the user (`idem:{uid}:*`) are not walked:
 * they expire within 24 hours.
 */
#include "erase.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account_rules.h"
#include "clock.h"
#include "keys.h"
#include "log.h"
#include "sessions.h"
#include "template.pb-c.h"

#define ERASE_FORGET    "inkwell.template.v1.Templates/ForgetUser"
#define ERASE_BATCH     "100"
#define ERASE_SWEEP_MAX 20

/* Steps 1 and 5 span slots (the user's, the name's, the global `erasing`
 * zset), so they are ordered (DESIGN-NOTES "Invariants"): the zset entry
 * comes first and leaves last, so any crash in between leaves work the
 * sweeper finds; the name is held before the user hash goes, so the name
 * never points at nothing. */
/* clang-format off */
/* KEYS: user. ARGV: 1 now. The username, or nil (no user). */
static const char erase_mark_lua[] =
    USVC_LUA "local name = redis.call('HGET', KEYS[1], 'username') "
    "if not name then return false end "
    "redis.call('HSETNX', KEYS[1], 'erasing', ARGV[1]) "
    "return name";

/* KEYS: library. ARGV: 1 uid. How many templates it deleted (0: none left). */
static const char erase_templates_lua[] =
    USVC_LUA "local ids = redis.call('ZRANGE', KEYS[1], 0, " ERASE_BATCH " - 1) "
    "for _, t in ipairs(ids) do "
    "  local k = 'template:{' .. ARGV[1] .. '}:' .. t "
    "  redis.call('DEL', k, k .. ':png', k .. ':svg', k .. ':plain', k .. ':regions') "
    "  redis.call('ZREM', KEYS[1], t) "
    "end "
    "return #ids";

/* KEYS: username. ARGV: 1 uid, 2 hold (s). The name of uid becomes held
 * (or free when hold is 0); a repeat finds it held already. */
static const char erase_hold_lua[] =
    USVC_LUA "local v = redis.call('GET', KEYS[1]) "
    "if v ~= ARGV[1] and v ~= '" USVC_NAME_HELD "' .. ARGV[1] then return 0 end "
    "if tonumber(ARGV[2]) > 0 then "
    "  redis.call('SET', KEYS[1], '" USVC_NAME_HELD "' .. ARGV[1], 'EX', ARGV[2]) "
    "else redis.call('DEL', KEYS[1]) end "
    "return 1";

/* KEYS: user, library, sessions, library version. 0 (nothing done) when a
 * template landed meanwhile (a create authenticated before the mark that
 * stored first). */
static const char erase_finish_lua[] =
    USVC_LUA "if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end "
    "redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4]) "
    "return 1";
/* clang-format on */

/* erase_cmd runs one step's command, takes its integer reply into *res (-1
 * for another), and WAITs for the replicas. */
static ink_err erase_cmd(usvc_app *app, ink_redis *r, ink_err err, redisReply **rep, long long *res,
                         char *why, size_t why_len)
{
	if (err != INK_OK)
		return err;
	*res = (*rep)->type == REDIS_REPLY_INTEGER ? (*rep)->integer : -1;
	freeReplyObject(*rep);
	*rep = NULL;
	return ink_replica_wait(r, &app->cfg.wait, why, why_len);
}

/* erase_mark runs step 1 and writes the folded username into folded. */
static ink_err erase_mark(usvc_app *app, ink_redis *r, const char *uid,
                          char folded[INK_USERNAME_MAX + 1], char *why, size_t why_len)
{
	redisReply *rep = NULL;
	long long res = 0;
	long long now = (long long)ink_now_unix_ms();
	ink_err err = erase_cmd(
	    app, r,
	    ink_redis_cmd(r, &rep, why, why_len, "ZADD " USVC_KEY_ERASING " NX %lld %s", now, uid),
	    &rep, &res, why, why_len);

	if (err == INK_OK)
		err = ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 1 " USVC_KEY_USER " %lld",
		                    erase_mark_lua, uid, now);
	if (err != INK_OK)
		return err;
	if (rep->type != REDIS_REPLY_STRING) {
		freeReplyObject(rep);
		snprintf(why, why_len, "no user %s", uid);
		if (ink_redis_cmd(r, &rep, why, why_len, "ZREM " USVC_KEY_ERASING " %s", uid) ==
		    INK_OK)
			freeReplyObject(rep);
		return INK_NOT_FOUND;
	}
	ink_username_fold(rep->str, folded, INK_USERNAME_MAX + 1);
	freeReplyObject(rep);
	return ink_replica_wait(r, &app->cfg.wait, why, why_len);
}

/* erase_public runs step 3: template-svc forgets the user, asked as the
 * user itself (the one caller besides an admin it lets do so). */
static ink_err erase_public(usvc_app *app, const char *uid, const char *by, int64_t timeout_ms,
                            char *why, size_t why_len)
{
	Inkwell__Rpc__V1__Caller caller = INKWELL__RPC__V1__CALLER__INIT;
	Inkwell__Template__V1__ForgetUserRequest rq =
	    INKWELL__TEMPLATE__V1__FORGET_USER_REQUEST__INIT;
	ProtobufCBinaryData reply = {0, NULL};

	caller.user_id = (char *)uid;
	caller.role = "user";
	rq.user_id = (char *)uid;
	rq.resolver_id = (char *)by;
	ink_err err = ink_rpc_call(app->templates, ERASE_FORGET, &caller, timeout_ms, &rq.base,
	                           &reply, why, why_len);
	free(reply.data);
	return err;
}

/* erase_templates runs step 4, a batch at a time until none is left. */
static ink_err erase_templates(ink_redis *r, const char *uid, char *why, size_t why_len)
{
	for (;;) {
		redisReply *rep = NULL;
		ink_err err =
		    ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 1 " USVC_KEY_LIBRARY " %s",
		                  erase_templates_lua, uid, uid);
		if (err != INK_OK)
			return err;
		long long n = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
		freeReplyObject(rep);
		if (n < 0) {
			snprintf(why, why_len, "template erasure script: unexpected reply");
			return INK_INTERNAL;
		}
		if (n == 0)
			return INK_OK;
	}
}

/* erase_finish runs step 5: name held, user keys deleted, unmarked. */
static ink_err erase_finish(usvc_app *app, ink_redis *r, const char *uid, const char *folded,
                            char *why, size_t why_len)
{
	redisReply *rep = NULL;
	long long done = -1, res = 0;
	ink_err err = erase_cmd(
	    app, r,
	    ink_redis_cmd(r, &rep, why, why_len, "EVAL %s 1 " USVC_KEY_USERNAME " %s %lld",
	                  erase_hold_lua, folded, uid, (long long)app->cfg.username_hold_s),
	    &rep, &res, why, why_len);

	if (err == INK_OK)
		err = erase_cmd(app, r,
		                ink_redis_cmd(r, &rep, why, why_len,
		                              "EVAL %s 4 " USVC_KEY_USER " " USVC_KEY_LIBRARY
		                              " " USVC_KEY_SESSIONS " " USVC_KEY_LIBRARY_VERSION,
		                              erase_finish_lua, uid, uid, uid, uid),
		                &rep, &done, why, why_len);
	if (err == INK_OK && done == 1)
		err = erase_cmd(
		    app, r,
		    ink_redis_cmd(r, &rep, why, why_len, "ZREM " USVC_KEY_ERASING " %s", uid), &rep,
		    &res, why, why_len);
	if (err != INK_OK)
		return err;
	if (done == 0) {
		snprintf(why, why_len, "a template was added during the erasure");
		return INK_ABORTED;
	}
	if (done != 1) {
		snprintf(why, why_len, "erasure finish script: unexpected reply");
		return INK_INTERNAL;
	}
	return INK_OK;
}

ink_err usvc_erase(usvc_app *app, ink_redis *r, const char *uid, const char *by, int64_t timeout_ms,
                   char *why, size_t why_len)
{
	char folded[INK_USERNAME_MAX + 1];
	int done = 0;
	ink_err err = erase_mark(app, r, uid, folded, why, why_len);

	if (err == INK_OK)
		err = usvc_sessions_revoke_others(r, &app->cfg.wait, uid, "", NULL, &done, why,
		                                  why_len);
	if (err == INK_OK)
		err = erase_public(app, uid, by, timeout_ms, why, why_len);
	/* A template created meanwhile makes finish refuse: delete again. */
	for (int round = 0; round < 3 && (err == INK_OK || err == INK_ABORTED); round++) {
		err = erase_templates(r, uid, why, why_len);
		if (err == INK_OK)
			err = erase_finish(app, r, uid, folded, why, why_len);
		if (err == INK_OK)
			break;
	}
	if (err == INK_OK)
		ink_log_info("user %s erased (asked by %s)", uid, by);
	else if (err != INK_NOT_FOUND)
		ink_log_warn("user %s: erasure interrupted, to be resumed: %s", uid, why);
	return err;
}

struct usvc_sweeper {
	usvc_app *app;
	ink_redis *redis; /* the sweeper thread's own */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping; /* under lock */
};

/* sweeper_round resumes the erasures begun long enough ago. */
static void sweeper_round(usvc_sweeper *s)
{
	usvc_app *app = s->app;
	redisReply *rep = NULL;
	char why[256];
	long long before = (long long)(ink_now_unix_ms() - app->cfg.erase_retry_s * 1000);
	ink_err err = ink_redis_cmd(s->redis, &rep, why, sizeof(why),
	                            "ZRANGEBYSCORE " USVC_KEY_ERASING " -inf %lld LIMIT 0 %d",
	                            before, ERASE_SWEEP_MAX);

	if (err != INK_OK) {
		ink_log_warn("erasure sweeper: %s", why);
		return;
	}
	for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
		const redisReply *e = rep->element[i];
		if (e->type != REDIS_REPLY_STRING || e->len != 32)
			continue;
		ink_log_info("erasure sweeper: resuming the erasure of user %s", e->str);
		err = usvc_erase(app, s->redis, e->str, "erasure-sweeper", app->cfg.rpc_timeout_ms,
		                 why, sizeof(why));
		if (err != INK_OK && err != INK_NOT_FOUND)
			break; /* a dependency is down: next round */
	}
	freeReplyObject(rep);
}

static void *sweeper_main(void *arg)
{
	usvc_sweeper *s = arg;

	ink_log_set_request_id("erasure-sweeper");
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += s->app->cfg.erase_retry_s;
		pthread_cond_timedwait(&s->wake, &s->lock, &ts);
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->lock);
		sweeper_round(s);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

ink_err usvc_sweeper_start(usvc_app *app, usvc_sweeper **out)
{
	usvc_sweeper *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return INK_RESOURCE_EXHAUSTED;
	s->app = app;
	ink_err err =
	    ink_redis_open(app->cfg.redis_addr, (int)app->cfg.redis_timeout_ms, &s->redis);
	if (err != INK_OK) {
		free(s);
		return err;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (pthread_create(&s->thread, NULL, sweeper_main, s) != 0) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		ink_redis_close(s->redis);
		free(s);
		return INK_RESOURCE_EXHAUSTED;
	}
	*out = s;
	return INK_OK;
}

void usvc_sweeper_stop(usvc_sweeper *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	ink_redis_close(s->redis);
	free(s);
}
