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
 *   1 mark        user hash + `erasing` zset             (script)
 *   2 sessions    every session, its metadata and index  (script)
 *   3 public      template-svc ForgetUser: gallery items, reports (RPC)
 *   4 templates   private templates, PNGs, SVGs, 100 at a time (script)
 *   5 finish      user hash, library index, name -> held (TTL), unmark
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

/* clang-format off */
/* KEYS: user, erasing. ARGV: 1 uid, 2 now. The username, or nil (no user). */
static const char erase_mark_lua[] =
    "local name = redis.call('HGET', KEYS[1], 'username') "
    "if not name then redis.call('ZREM', KEYS[2], ARGV[1]) return false end "
    "redis.call('HSETNX', KEYS[1], 'erasing', ARGV[2]) "
    "redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1]) "
    "return name";

/* KEYS: library. ARGV: 1 uid. How many templates it deleted (0: none left). */
static const char erase_templates_lua[] =
    "local ids = redis.call('ZRANGE', KEYS[1], 0, " ERASE_BATCH " - 1) "
    "for _, t in ipairs(ids) do "
    "  local k = 'template:{' .. ARGV[1] .. '}:' .. t "
    "  redis.call('DEL', k, k .. ':png', k .. ':svg', k .. ':plain', k .. ':regions') "
    "  redis.call('ZREM', KEYS[1], t) "
    "end "
    "return #ids";

/* KEYS: user, library, sessions, username, erasing. ARGV: 1 uid, 2 hold (s).
 * 0 (nothing done) when a template landed meanwhile: a create that was
 * authenticated before the mark may still finish within its deadline. */
static const char erase_finish_lua[] =
    "if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end "
    "redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) "
    "if redis.call('GET', KEYS[4]) == ARGV[1] then "
    "  if tonumber(ARGV[2]) > 0 then "
    "    redis.call('SET', KEYS[4], '" USVC_NAME_HELD "' .. ARGV[1], 'EX', ARGV[2]) "
    "  else redis.call('DEL', KEYS[4]) end "
    "end "
    "redis.call('ZREM', KEYS[5], ARGV[1]) "
    "return 1";
/* clang-format on */

/* erase_mark runs step 1 and writes the folded username into folded. */
static ink_err erase_mark(ink_redis *r, const char *uid, char folded[INK_USERNAME_MAX + 1],
                          char *why, size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err = ink_redis_cmd(r, &rep, why, why_len,
	                            "EVAL %s 2 " USVC_KEY_USER " " USVC_KEY_ERASING " %s %lld",
	                            erase_mark_lua, uid, uid, (long long)ink_now_unix_ms());

	if (err != INK_OK)
		return err;
	if (rep->type != REDIS_REPLY_STRING) {
		freeReplyObject(rep);
		snprintf(why, why_len, "no user %s", uid);
		return INK_NOT_FOUND;
	}
	ink_username_fold(rep->str, folded, INK_USERNAME_MAX + 1);
	freeReplyObject(rep);
	return INK_OK;
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

/* erase_finish runs step 5. */
static ink_err erase_finish(usvc_app *app, ink_redis *r, const char *uid, const char *folded,
                            char *why, size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err = ink_redis_cmd(
	    r, &rep, why, why_len,
	    "EVAL %s 5 " USVC_KEY_USER " " USVC_KEY_LIBRARY " " USVC_KEY_SESSIONS
	    " " USVC_KEY_USERNAME " " USVC_KEY_ERASING " %s %lld",
	    erase_finish_lua, uid, uid, uid, folded, uid, (long long)app->cfg.username_hold_s);

	if (err != INK_OK)
		return err;
	long long done = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
	freeReplyObject(rep);
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
	ink_err err = erase_mark(r, uid, folded, why, why_len);

	if (err == INK_OK)
		err = usvc_sessions_revoke_others(r, uid, "", NULL, &done, why, why_len);
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
