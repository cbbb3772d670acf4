/*
 * redis.c - the ink_redis handle (see redis.h): one self-healing connection
 * to a standalone Redis (redis_node.c), or a Redis Cluster routed by key
 * (redis_cluster.c), behind one API.
 *
 * Every command is formatted once into RESP (redisvFormatCommand,
 * redisFormatCommandArgv): a standalone node sends those bytes as
 * redisvCommand would; a cluster reads the key out of them and can resend
 * the same bytes after a redirect.
 *
 * Mode of a handle:
 *
 *   AUTO --first connect: CLUSTER INFO--> error reply: STANDALONE
 *                                     \-> info:        CLUSTER (adopts the connection)
 *
 * A list of addresses or REDIS_CLUSTER=on starts in CLUSTER, REDIS_CLUSTER=off
 * in STANDALONE; a mode once known never changes for the handle's life.
 */
#include "redis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "redis_cluster.h"
#include "redis_node.h"
#include "redis_slots.h"

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

static const ink_metric_family redis_seconds = {
    .name = "inkwell_redis_command_duration_seconds",
    .help = "Time from sending a Redis command to its reply, connecting included.",
    .type = INK_METRIC_HISTOGRAM,
    .nbounds = 14,
    .bounds = ink_metrics_latency_bounds,
};

typedef enum redis_mode { REDIS_AUTO, REDIS_STANDALONE, REDIS_CLUSTER } redis_mode;

struct ink_redis {
	char *addr; /* as given to ink_redis_open */
	struct timeval timeout;
	int ping_timeout_ms; /* PING's own limit when shorter than timeout; 0: none */
	redis_mode mode;
	ink_redis_node node;   /* AUTO and STANDALONE: the one node */
	ink_redis_cluster *cl; /* CLUSTER only */
};

static ink_err redis_parse_mode(redis_mode *out)
{
	const char *v = ink_cfg_str("REDIS_CLUSTER", "auto");

	if (strcmp(v, "auto") == 0)
		*out = REDIS_AUTO;
	else if (strcmp(v, "on") == 0)
		*out = REDIS_CLUSTER;
	else if (strcmp(v, "off") == 0)
		*out = REDIS_STANDALONE;
	else {
		ink_log_error("config: REDIS_CLUSTER=\"%s\" is not auto, on or off", v);
		return INK_INVALID_ARGUMENT;
	}
	return INK_OK;
}

/* redis_open_nodes sets r's node(s) up for addr in the configured mode. */
static ink_err redis_open_nodes(ink_redis *r, const char *addr, redis_mode mode)
{
	if (strchr(addr, ',') != NULL) {
		if (mode == REDIS_STANDALONE)
			return INK_INVALID_ARGUMENT;
		r->mode = REDIS_CLUSTER;
		return ink_redis_cluster_open(addr, &r->cl);
	}
	ink_err err = ink_redis_node_init(&r->node, addr, strlen(addr));
	if (err != INK_OK)
		return err;
	r->mode = mode;
	return mode == REDIS_CLUSTER ? ink_redis_cluster_adopt(&r->node, &r->cl) : INK_OK;
}

ink_err ink_redis_open(const char *addr, int timeout_ms, ink_redis **out)
{
	redis_mode mode = REDIS_AUTO;

	if (addr == NULL || timeout_ms <= 0)
		return INK_INVALID_ARGUMENT;
	ink_err err = redis_parse_mode(&mode);
	if (err != INK_OK)
		return err;
	ink_redis *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return INK_RESOURCE_EXHAUSTED;
	r->addr = strdup(addr);
	err = r->addr == NULL ? INK_RESOURCE_EXHAUSTED : redis_open_nodes(r, addr, mode);
	if (err != INK_OK) {
		free(r->addr);
		free(r);
		return err;
	}
	r->timeout.tv_sec = timeout_ms / 1000;
	r->timeout.tv_usec = (timeout_ms % 1000) * 1000;
	*out = r;
	return INK_OK;
}

void ink_redis_close(ink_redis *r)
{
	if (r == NULL)
		return;
	ink_redis_node_fini(&r->node);
	ink_redis_cluster_close(r->cl);
	free(r->addr);
	free(r);
}

const char *ink_redis_addr(const ink_redis *r)
{
	return r->addr;
}

/* redis_detect settles an AUTO handle's mode on its first connect: only a
 * cluster node answers CLUSTER INFO. A failure leaves it AUTO (next time). */
static ink_err redis_detect(ink_redis *r, char *why, size_t why_len)
{
	static const char info[] = "*2\r\n$7\r\nCLUSTER\r\n$4\r\nINFO\r\n";
	redisReply *rep = NULL;
	int unsent = 0;

	if (r->mode != REDIS_AUTO)
		return INK_OK;
	ink_err err = ink_redis_node_send(&r->node, r->timeout, info, sizeof(info) - 1, &rep,
	                                  &unsent, why, why_len);
	if (err != INK_OK)
		return err;
	int cluster = rep->type != REDIS_REPLY_ERROR;
	freeReplyObject(rep);
	if (!cluster) {
		r->mode = REDIS_STANDALONE;
		return INK_OK;
	}
	err = ink_redis_cluster_adopt(&r->node, &r->cl);
	if (err != INK_OK)
		return err;
	r->mode = REDIS_CLUSTER;
	ink_log_info("redis %s: a cluster node; routing by slot", r->addr);
	return INK_OK;
}

/* redis_dispatch sends the RESP command to the standalone node, or to the
 * cluster node of its key. */
static ink_err redis_dispatch(ink_redis *r, const char *cmd, size_t len, redisReply **reply,
                              char *why, size_t why_len)
{
	const char *argv[INK_REDIS_KEY_ARGS];
	size_t argvlen[INK_REDIS_KEY_ARGS];
	const char *key = NULL;
	size_t keylen = 0;
	int argc = 0;
	int unsent = 0;

	ink_err err = redis_detect(r, why, why_len);
	if (err != INK_OK)
		return err;
	if (r->mode == REDIS_STANDALONE)
		return ink_redis_node_send(&r->node, r->timeout, cmd, len, reply, &unsent, why,
		                           why_len);
	err = ink_redis_resp_args(cmd, len, INK_REDIS_KEY_ARGS, argv, argvlen, &argc);
	if (err != INK_OK)
		return INK_INTERNAL; /* hiredis formatted it: cannot happen */
	if (!ink_redis_cmd_key(argc, argv, argvlen, &key, &keylen))
		key = NULL;
	return ink_redis_cluster_run(r->cl, r->timeout, cmd, len, key, keylen, reply, why, why_len);
}

/* redis_run is redis_dispatch, counted and timed, with an error reply made
 * INK_INTERNAL (logged and freed here). */
static ink_err redis_run(ink_redis *r, const char *cmd, size_t len, redisReply **reply, char *why,
                         size_t why_len)
{
	double start = ink_mono_ms();
	redisReply *rep = NULL;
	ink_err err = redis_dispatch(r, cmd, len, &rep, why, why_len);

	if (err == INK_OK && rep->type == REDIS_REPLY_ERROR) {
		ink_log_error("redis %s error reply: %s", r->addr, rep->str);
		ink_why(why, why_len, "redis %s: %s", r->addr, rep->str);
		freeReplyObject(rep);
		err = INK_INTERNAL;
	}
	ink_metrics_add(&redis_commands, NULL, 1);
	ink_metrics_observe(&redis_seconds, NULL, (ink_mono_ms() - start) / 1000.0);
	if (err != INK_OK) {
		const char *kind[] = {err == INK_DEADLINE_EXCEEDED ? "timeout"
		                      : err == INK_INTERNAL        ? "reply"
		                                                   : "unavailable"};
		ink_metrics_add(&redis_errors, kind, 1);
		return err;
	}
	*reply = rep;
	return INK_OK;
}

ink_err ink_redis_cmd(ink_redis *r, redisReply **reply, char *why, size_t why_len, const char *fmt,
                      ...)
{
	char *cmd = NULL;
	va_list ap;

	va_start(ap, fmt);
	int len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	if (len < 0) {
		ink_why(why, why_len, "redis %s: cannot format \"%s\"", r->addr, fmt);
		return INK_INTERNAL;
	}
	ink_err err = redis_run(r, cmd, (size_t)len, reply, why, why_len);
	redisFreeCommand(cmd);
	return err;
}

ink_err ink_redis_cmd_argv(ink_redis *r, redisReply **reply, char *why, size_t why_len, int argc,
                           const char **argv, const size_t *argvlen)
{
	char *cmd = NULL;
	int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);

	if (len < 0) {
		ink_why(why, why_len, "redis %s: cannot format a command", r->addr);
		return INK_INTERNAL;
	}
	ink_err err = redis_run(r, cmd, (size_t)len, reply, why, why_len);
	redisFreeCommand(cmd);
	return err;
}

/* redis_ping_once sends one PING (every master's, in a cluster) with the
 * current timeout. */
static ink_err redis_ping_once(ink_redis *r, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err = redis_detect(r, why, why_len);

	if (err != INK_OK)
		return INK_UNAVAILABLE;
	if (r->mode == REDIS_CLUSTER)
		return ink_redis_cluster_ping(r->cl, r->timeout, why, why_len);
	err = ink_redis_cmd(r, &rep, why, why_len, "PING");
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

/* redis_ping_limit is the PING timeout when it is set and shorter than the
 * command timeout, else 0. */
static int redis_ping_limit(const ink_redis *r)
{
	long long full_ms = (long long)r->timeout.tv_sec * 1000 + r->timeout.tv_usec / 1000;

	return r->ping_timeout_ms > 0 && r->ping_timeout_ms < full_ms ? r->ping_timeout_ms : 0;
}

/* The PING of a health check has a budget of its own, shorter than the
 * command timeout: a Redis that hangs (SIGSTOP, a slow fork) must show up as
 * "this Redis failed" within the health RPC's deadline, not as a service
 * that did not answer. The command timeout is put back afterwards (each
 * node applies the handle's timeout on its next use). */
ink_err ink_redis_ping(ink_redis *r, char *why, size_t why_len)
{
	struct timeval full = r->timeout;
	int limit = redis_ping_limit(r);

	if (limit == 0)
		return redis_ping_once(r, why, why_len);
	r->timeout.tv_sec = limit / 1000;
	r->timeout.tv_usec = (limit % 1000) * 1000;
	double start = ink_mono_ms();
	ink_err err = redis_ping_once(r, why, why_len);
	double took = ink_mono_ms() - start;
	r->timeout = full;
	if (err != INK_OK && took >= limit && r->mode != REDIS_CLUSTER)
		ink_why(why, why_len, "redis %s did not answer PING within %d ms", r->addr, limit);
	return err;
}

void ink_redis_each_node(ink_redis *r, ink_redis_node_fn fn, void *arg)
{
	struct timeval full = r->timeout;
	int limit = redis_ping_limit(r);
	char why[256] = "";

	if (limit > 0) {
		r->timeout.tv_sec = limit / 1000;
		r->timeout.tv_usec = (limit % 1000) * 1000;
	}
	if (redis_detect(r, why, sizeof(why)) == INK_OK && r->mode == REDIS_CLUSTER) {
		ink_redis_cluster_each_node(r->cl, r->timeout, fn, arg);
	} else {
		ink_err err = why[0] ? INK_UNAVAILABLE : redis_ping_once(r, why, sizeof(why));
		fn(arg, r->addr, 1, err, err == INK_OK ? "" : why);
	}
	r->timeout = full;
}
