/*
 * redis_node.c - a self-healing hiredis connection to one node (see
 * redis_node.h).
 *
 * Lifecycle of ink_redis_node.ctx:
 *
 *    NULL --connect ok--> live --I/O error (ctx->err)--> freed, NULL again
 *      ^                                                   |
 *      +---------------- next command reconnects ---------+
 *
 * An error *reply* (WRONGTYPE, MOVED, a Lua error) leaves the connection
 * live; only I/O errors kill it, exactly as hiredis documents. A connection
 * that sat open while Redis restarted is only found dead by the next
 * command: that command is sent once more on a fresh connection when the
 * failure says the server had closed it (EOF, reset), so a restart costs no
 * request a 503.
 */
#include "redis_node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"

static const ink_metric_family redis_reconnects = {
    .name = "inkwell_redis_reconnects_total",
    .help = "New Redis connections made after a handle's first one.",
    .type = INK_METRIC_COUNTER,
};

ink_err ink_redis_node_init(ink_redis_node *n, const char *addr, size_t len)
{
	char buf[256];
	char *end = NULL;

	if (addr == NULL || len == 0 || len >= sizeof(buf))
		return INK_INVALID_ARGUMENT;
	memcpy(buf, addr, len);
	buf[len] = '\0';
	const char *colon = strrchr(buf, ':');
	if (colon == NULL || colon == buf || (size_t)(colon - buf) >= sizeof(n->host))
		return INK_INVALID_ARGUMENT;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return INK_INVALID_ARGUMENT;
	memset(n, 0, sizeof(*n));
	memcpy(n->addr, buf, len + 1);
	memcpy(n->host, buf, (size_t)(colon - buf));
	n->port = (int)port;
	return INK_OK;
}

void ink_redis_node_fini(ink_redis_node *n)
{
	if (n->ctx != NULL)
		redisFree(n->ctx);
	n->ctx = NULL;
}

static void node_drop(ink_redis_node *n)
{
	redisFree(n->ctx);
	n->ctx = NULL;
}

static ink_err node_connect(ink_redis_node *n, struct timeval tv, char *why, size_t why_len)
{
	if (n->ctx != NULL && (n->tv.tv_sec != tv.tv_sec || n->tv.tv_usec != tv.tv_usec)) {
		if (redisSetTimeout(n->ctx, tv) != REDIS_OK)
			node_drop(n); /* reconnect below with tv */
		else
			n->tv = tv;
	}
	if (n->ctx != NULL)
		return INK_OK;
	redisContext *c = redisConnectWithTimeout(n->host, n->port, tv);
	if (c == NULL) {
		ink_why(why, why_len, "redis %s: %s", n->addr, "out of memory");
		return INK_UNAVAILABLE;
	}
	if (c->err) {
		ink_why(why, why_len, "redis %s: %s", n->addr, c->errstr);
		redisFree(c);
		return INK_UNAVAILABLE;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		ink_why(why, why_len, "redis %s: %s", n->addr, "cannot set timeout");
		redisFree(c);
		return INK_UNAVAILABLE;
	}
	n->ctx = c;
	n->tv = tv;
	if (n->connected_once)
		ink_metrics_add(&redis_reconnects, NULL, 1);
	n->connected_once = 1;
	return INK_OK;
}

/* node_timed_out tells whether a command failed because its timeout ran
 * out (SO_SNDTIMEO / SO_RCVTIMEO: EAGAIN) rather than because the connection
 * broke. Such a command may have reached Redis and may still run (a Redis
 * that hangs, SIGSTOP, a slow fork, runs it when it resumes): its outcome is
 * unknown. `io_errno` is errno right after the failed command. */
static int node_timed_out(const redisContext *c, int io_errno)
{
	return c->err == REDIS_ERR_IO &&
	       (io_errno == EAGAIN || io_errno == EWOULDBLOCK || io_errno == ETIMEDOUT);
}

/* node_found_closed tells whether a command on a connection that was
 * already open failed because the server had closed it meanwhile (Redis
 * restarted, CLIENT KILL, idle timeout): end of file or a reset, never a
 * timeout. The command then never ran, so sending it once more on a fresh
 * connection is safe. */
static int node_found_closed(const redisContext *c, int io_errno)
{
	return c->err == REDIS_ERR_EOF ||
	       (c->err == REDIS_ERR_IO && (io_errno == ECONNRESET || io_errno == EPIPE));
}

/* node_failed turns a dead connection into our contract: a timeout is
 * INK_DEADLINE_EXCEEDED (the command may have run), anything else
 * INK_UNAVAILABLE; the connection is dropped either way. */
static ink_err node_failed(ink_redis_node *n, redisReply *rep, int io_errno, char *why,
                           size_t why_len)
{
	ink_err err = INK_UNAVAILABLE;

	if (node_timed_out(n->ctx, io_errno)) {
		err = INK_DEADLINE_EXCEEDED;
		ink_why(why, why_len, "redis %s: %s", n->addr,
		        "no answer in time; the command may have run");
	} else {
		ink_why(why, why_len, "redis %s: %s", n->addr,
		        n->ctx->err ? n->ctx->errstr : "connection lost");
	}
	if (rep != NULL)
		freeReplyObject(rep);
	node_drop(n);
	return err;
}

static redisReply *node_roundtrip(redisContext *c, const char *cmd, size_t len)
{
	void *rep = NULL;

	if (redisAppendFormattedCommand(c, cmd, len) != REDIS_OK)
		return NULL;
	if (redisGetReply(c, &rep) != REDIS_OK)
		return NULL;
	return rep;
}

ink_err ink_redis_node_send(ink_redis_node *n, struct timeval tv, const char *cmd, size_t len,
                            redisReply **reply, int *unsent, char *why, size_t why_len)
{
	for (int attempt = 0;; attempt++) {
		int reused = n->ctx != NULL;
		ink_err err = node_connect(n, tv, why, why_len);
		if (err != INK_OK) {
			*unsent = 1;
			return err;
		}
		errno = 0;
		redisReply *rep = node_roundtrip(n->ctx, cmd, len);
		int io_errno = errno;
		if (rep == NULL && reused && attempt == 0 && node_found_closed(n->ctx, io_errno)) {
			ink_log_info("redis %s: connection was closed (%s); reconnecting", n->addr,
			             n->ctx->errstr);
			node_drop(n);
			continue;
		}
		if (rep == NULL || n->ctx->err) {
			*unsent = 0;
			return node_failed(n, rep, io_errno, why, why_len);
		}
		*reply = rep;
		return INK_OK;
	}
}
