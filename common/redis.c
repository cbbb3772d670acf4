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
 * I/O errors kill it, exactly as hiredis documents. A connection that sat
 * open while Redis restarted is only found dead by the next command: that
 * command is sent once more on a fresh connection when the failure says the
 * server had closed it (EOF, reset), so a restart costs no request a 503.
 */
#include "redis.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"

static const ink_metric_family redis_commands = {
    .name = "inkwell_redis_commands_total",
    .help = "Redis commands sent (a resend on a fresh connection counts once).",
    .type = INK_METRIC_COUNTER,
};

static const ink_metric_family redis_errors = {
    .name = "inkwell_redis_errors_total",
    .help = "Redis commands that failed, by kind: unavailable (no connection), timeout "
            "(outcome unknown), reply (an error reply).",
    .type = INK_METRIC_COUNTER,
    .nlabels = 1,
    .labels = {"kind"},
};

static const ink_metric_family redis_reconnects = {
    .name = "inkwell_redis_reconnects_total",
    .help = "New Redis connections made after a handle's first one.",
    .type = INK_METRIC_COUNTER,
};

static const ink_metric_family redis_seconds = {
    .name = "inkwell_redis_command_duration_seconds",
    .help = "Time from sending a Redis command to its reply, connecting included.",
    .type = INK_METRIC_HISTOGRAM,
    .nbounds = 14,
    .bounds = ink_metrics_latency_bounds,
};

struct ink_redis {
	char addr[256];
	char host[200];
	int port;
	struct timeval timeout;
	int ping_timeout_ms; /* PING's own limit when shorter than timeout; 0: none */
	redisContext *ctx;   /* NULL while disconnected */
	int connected_once;  /* a later connect is a reconnect */
};

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
		ink_why(why, why_len, "redis %s: %s", r->addr, "out of memory");
		return INK_UNAVAILABLE;
	}
	if (c->err) {
		ink_why(why, why_len, "redis %s: %s", r->addr, c->errstr);
		redisFree(c);
		return INK_UNAVAILABLE;
	}
	if (redisSetTimeout(c, r->timeout) != REDIS_OK) {
		ink_why(why, why_len, "redis %s: %s", r->addr, "cannot set timeout");
		redisFree(c);
		return INK_UNAVAILABLE;
	}
	r->ctx = c;
	if (r->connected_once)
		ink_metrics_add(&redis_reconnects, NULL, 1);
	r->connected_once = 1;
	return INK_OK;
}

/* redis_timed_out tells whether a command failed because its timeout ran
 * out (SO_SNDTIMEO / SO_RCVTIMEO: EAGAIN) rather than because the connection
 * broke. Such a command may have reached Redis and may still run (a Redis
 * that hangs, SIGSTOP, a slow fork, runs it when it resumes): its outcome is
 * unknown. `io_errno` is errno right after the failed command. */
static int redis_timed_out(const redisContext *c, int io_errno)
{
	return c->err == REDIS_ERR_IO &&
	       (io_errno == EAGAIN || io_errno == EWOULDBLOCK || io_errno == ETIMEDOUT);
}

/* redis_finish turns hiredis' result into our contract: a NULL reply or a
 * context error means the connection is dead and is dropped; a timeout is
 * INK_DEADLINE_EXCEEDED (the command may have run), any other failure
 * INK_UNAVAILABLE. */
static ink_err redis_finish(ink_redis *r, redisReply *rep, int io_errno, redisReply **reply,
                            char *why, size_t why_len)
{
	if (rep == NULL || r->ctx->err) {
		ink_err err = INK_UNAVAILABLE;
		if (redis_timed_out(r->ctx, io_errno)) {
			err = INK_DEADLINE_EXCEEDED;
			ink_why(why, why_len, "redis %s: %s", r->addr,
			        "no answer in time; the command may have run");
		} else {
			ink_why(why, why_len, "redis %s: %s", r->addr,
			        r->ctx->err ? r->ctx->errstr : "connection lost");
		}
		if (rep != NULL)
			freeReplyObject(rep);
		redisFree(r->ctx);
		r->ctx = NULL;
		return err;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		ink_log_error("redis %s error reply: %s", r->addr, rep->str);
		ink_why(why, why_len, "redis %s: %s", r->addr, rep->str);
		freeReplyObject(rep);
		return INK_INTERNAL;
	}
	*reply = rep;
	return INK_OK;
}

/* redis_found_closed tells whether a command on a connection that was
 * already open failed because the server had closed it meanwhile (Redis
 * restarted, CLIENT KILL, idle timeout): end of file or a reset, never a
 * timeout. The command then never ran, so sending it once more on a fresh
 * connection is safe. `io_errno` is errno right after the failed command. */
static int redis_found_closed(const redisContext *c, int io_errno)
{
	return c->err == REDIS_ERR_EOF ||
	       (c->err == REDIS_ERR_IO && (io_errno == ECONNRESET || io_errno == EPIPE));
}

/* redis_run sends one command through `send` (once more on a fresh
 * connection when a reused one turns out to have been closed). */
typedef redisReply *(*redis_send_fn)(redisContext *c, void *arg);

static ink_err redis_run_once(ink_redis *r, redis_send_fn send, void *arg, redisReply **reply,
                              char *why, size_t why_len);

/* redis_run is redis_run_once, counted and timed. */
static ink_err redis_run(ink_redis *r, redis_send_fn send, void *arg, redisReply **reply, char *why,
                         size_t why_len)
{
	double start = ink_mono_ms();
	ink_err err = redis_run_once(r, send, arg, reply, why, why_len);

	ink_metrics_add(&redis_commands, NULL, 1);
	ink_metrics_observe(&redis_seconds, NULL, (ink_mono_ms() - start) / 1000.0);
	if (err != INK_OK) {
		const char *kind[] = {err == INK_DEADLINE_EXCEEDED ? "timeout"
		                      : err == INK_INTERNAL        ? "reply"
		                                                   : "unavailable"};
		ink_metrics_add(&redis_errors, kind, 1);
	}
	return err;
}

static ink_err redis_run_once(ink_redis *r, redis_send_fn send, void *arg, redisReply **reply,
                              char *why, size_t why_len)
{
	for (int attempt = 0;; attempt++) {
		int reused = r->ctx != NULL;
		ink_err err = redis_connect(r, why, why_len);
		if (err != INK_OK)
			return err;
		errno = 0;
		redisReply *rep = send(r->ctx, arg);
		int io_errno = errno;
		if (rep == NULL && reused && attempt == 0 && redis_found_closed(r->ctx, io_errno)) {
			ink_log_info("redis %s: connection was closed (%s); reconnecting", r->addr,
			             r->ctx->errstr);
			redisFree(r->ctx);
			r->ctx = NULL;
			continue;
		}
		return redis_finish(r, rep, io_errno, reply, why, why_len);
	}
}

typedef struct redis_fmt_args {
	const char *fmt;
	va_list ap;
} redis_fmt_args;

static redisReply *redis_send_fmt(redisContext *c, void *arg)
{
	redis_fmt_args *a = arg;
	va_list ap;

	va_copy(ap, a->ap); /* a retry formats the same arguments again */
	redisReply *rep = redisvCommand(c, a->fmt, ap);
	va_end(ap);
	return rep;
}

ink_err ink_redis_cmd(ink_redis *r, redisReply **reply, char *why, size_t why_len, const char *fmt,
                      ...)
{
	redis_fmt_args a = {.fmt = fmt};

	va_start(a.ap, fmt);
	ink_err err = redis_run(r, redis_send_fmt, &a, reply, why, why_len);
	va_end(a.ap);
	return err;
}

typedef struct redis_argv_args {
	int argc;
	const char **argv;
	const size_t *argvlen;
} redis_argv_args;

static redisReply *redis_send_argv(redisContext *c, void *arg)
{
	const redis_argv_args *a = arg;

	return redisCommandArgv(c, a->argc, a->argv, a->argvlen);
}

ink_err ink_redis_cmd_argv(ink_redis *r, redisReply **reply, char *why, size_t why_len, int argc,
                           const char **argv, const size_t *argvlen)
{
	redis_argv_args a = {argc, argv, argvlen};

	return redis_run(r, redis_send_argv, &a, reply, why, why_len);
}

/* redis_ping_once sends one PING with the current timeout. */
static ink_err redis_ping_once(ink_redis *r, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err = ink_redis_cmd(r, &rep, why, why_len, "PING");

	if (err != INK_OK)
		return INK_UNAVAILABLE; /* a timed-out PING changed nothing */
	int ok = rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
	freeReplyObject(rep);
	if (!ok) {
		ink_why(why, why_len, "redis %s: %s", r->addr, "unexpected PING reply");
		return INK_UNAVAILABLE;
	}
	return INK_OK;
}

void ink_redis_set_ping_timeout(ink_redis *r, int timeout_ms)
{
	r->ping_timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
}

/* redis_use_timeout makes tv the limit of the next connect and of every
 * command on the live connection; a connection that refuses it is dropped
 * (the next command reconnects with tv). */
static void redis_use_timeout(ink_redis *r, struct timeval tv)
{
	r->timeout = tv;
	if (r->ctx != NULL && redisSetTimeout(r->ctx, tv) != REDIS_OK) {
		redisFree(r->ctx);
		r->ctx = NULL;
	}
}

/* The PING of a health check has a budget of its own, shorter than the
 * command timeout: a Redis that hangs (SIGSTOP, a slow fork) must show up as
 * "this Redis failed" within the health RPC's deadline, not as a service
 * that did not answer. The command timeout is put back afterwards. */
ink_err ink_redis_ping(ink_redis *r, char *why, size_t why_len)
{
	struct timeval full = r->timeout;
	long long full_ms = (long long)full.tv_sec * 1000 + full.tv_usec / 1000;
	int limit = r->ping_timeout_ms;

	if (limit == 0 || limit >= full_ms)
		return redis_ping_once(r, why, why_len);
	struct timeval tv = {.tv_sec = limit / 1000, .tv_usec = (limit % 1000) * 1000};
	redis_use_timeout(r, tv);
	double start = ink_mono_ms();
	ink_err err = redis_ping_once(r, why, why_len);
	double took = ink_mono_ms() - start;
	redis_use_timeout(r, full);
	if (err != INK_OK && took >= limit && why != NULL && why_len > 0)
		snprintf(why, why_len, "redis %s did not answer PING within %d ms", r->addr, limit);
	return err;
}
