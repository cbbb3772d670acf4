/*
 * redis.c - a self-healing hiredis connection for one thread (see redis.h).
 *
 * Lifecycle of ink_redis.ctx:
 *
 *    NULL --connect ok--> live --I/O error (ctx->err)--> freed, NULL again
 *      ^                                                   |
 *      +---------------- next command reconnects ---------+
 *
 * An error *reply* (WRONGTYPE, a Lua error) leaves the connection live; only
 * I/O errors kill it, exactly as hiredis documents.
 */
#include "redis.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct ink_redis {
	char addr[256];
	char host[200];
	int port;
	struct timeval timeout;
	redisContext *ctx; /* NULL while disconnected */
};

static void redis_why(char *why, size_t why_len, const char *fmt, const char *a, const char *b)
{
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, fmt, a, b);
}

ink_err ink_redis_open(const char *addr, int timeout_ms, ink_redis **out)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	char *end = NULL;

	if (colon == NULL || colon == addr ||
	    (size_t)(colon - addr) >= sizeof(((ink_redis *)0)->host))
		return INK_INVALID_ARGUMENT;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535 || timeout_ms <= 0)
		return INK_INVALID_ARGUMENT;

	ink_redis *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return INK_RESOURCE_EXHAUSTED;
	snprintf(r->addr, sizeof(r->addr), "%s", addr);
	memcpy(r->host, addr, (size_t)(colon - addr));
	r->port = (int)port;
	r->timeout.tv_sec = timeout_ms / 1000;
	r->timeout.tv_usec = (timeout_ms % 1000) * 1000;
	*out = r;
	return INK_OK;
}

void ink_redis_close(ink_redis *r)
{
	if (r == NULL)
		return;
	if (r->ctx != NULL)
		redisFree(r->ctx);
	free(r);
}

const char *ink_redis_addr(const ink_redis *r)
{
	return r->addr;
}

static ink_err redis_connect(ink_redis *r, char *why, size_t why_len)
{
	if (r->ctx != NULL)
		return INK_OK;
	redisContext *c = redisConnectWithTimeout(r->host, r->port, r->timeout);
	if (c == NULL) {
		redis_why(why, why_len, "redis %s: %s", r->addr, "out of memory");
		return INK_UNAVAILABLE;
	}
	if (c->err) {
		redis_why(why, why_len, "redis %s: %s", r->addr, c->errstr);
		redisFree(c);
		return INK_UNAVAILABLE;
	}
	if (redisSetTimeout(c, r->timeout) != REDIS_OK) {
		redis_why(why, why_len, "redis %s: %s", r->addr, "cannot set timeout");
		redisFree(c);
		return INK_UNAVAILABLE;
	}
	r->ctx = c;
	return INK_OK;
}

/* redis_finish turns hiredis' result into our contract: a NULL reply or a
 * context error means the connection is dead and is dropped. */
static ink_err redis_finish(ink_redis *r, redisReply *rep, redisReply **reply, char *why,
                            size_t why_len)
{
	if (rep == NULL || r->ctx->err) {
		redis_why(why, why_len, "redis %s: %s", r->addr,
		          r->ctx->err ? r->ctx->errstr : "connection lost");
		if (rep != NULL)
			freeReplyObject(rep);
		redisFree(r->ctx);
		r->ctx = NULL;
		return INK_UNAVAILABLE;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		ink_log_error("redis %s error reply: %s", r->addr, rep->str);
		redis_why(why, why_len, "redis %s: %s", r->addr, rep->str);
		freeReplyObject(rep);
		return INK_INTERNAL;
	}
	*reply = rep;
	return INK_OK;
}

ink_err ink_redis_cmd(ink_redis *r, redisReply **reply, char *why, size_t why_len, const char *fmt,
                      ...)
{
	va_list ap;
	ink_err err = redis_connect(r, why, why_len);

	if (err != INK_OK)
		return err;
	va_start(ap, fmt);
	redisReply *rep = redisvCommand(r->ctx, fmt, ap);
	va_end(ap);
	return redis_finish(r, rep, reply, why, why_len);
}

ink_err ink_redis_cmd_argv(ink_redis *r, redisReply **reply, char *why, size_t why_len, int argc,
                           const char **argv, const size_t *argvlen)
{
	ink_err err = redis_connect(r, why, why_len);

	if (err != INK_OK)
		return err;
	redisReply *rep = redisCommandArgv(r->ctx, argc, argv, argvlen);
	return redis_finish(r, rep, reply, why, why_len);
}

ink_err ink_redis_ping(ink_redis *r, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err = ink_redis_cmd(r, &rep, why, why_len, "PING");

	if (err != INK_OK)
		return err == INK_INTERNAL ? INK_UNAVAILABLE : err;
	int ok = rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
	freeReplyObject(rep);
	if (!ok) {
		redis_why(why, why_len, "redis %s: %s", r->addr, "unexpected PING reply");
		return INK_UNAVAILABLE;
	}
	return INK_OK;
}
