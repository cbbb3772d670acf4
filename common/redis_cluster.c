/*
 * redis_cluster.c - command routing over a Redis Cluster (see
 * redis_cluster.h); the slot map itself is kept in redis_cluster_map.c.
 *
 * One command's life:
 *
 *   pick node by slot --send--> reply --MOVED s n--> slot s := n, map stale, resend on n
 *        ^                       |  \--ASK s n----> ASKING + resend once on n
 *        |                       |  \--TRYAGAIN/CLUSTERDOWN--> backoff, resend (UNAVAILABLE
 *        |                       |                               once the timeout is spent)
 *        |                       \--connect refused (never sent)--> refresh map;
 *        +-------------------------- resend only if the slot's owner changed
 *
 * Redirects are bounded (CLUSTER_MAX_REDIRECTS), backoff by the command
 * timeout. A command that may have reached a node (a timeout, a connection
 * lost after sending) is never resent: its outcome is unknown.
 */
#include "redis_cluster_map.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "metrics.h"

#define CLUSTER_MAX_REDIRECTS 5
#define CLUSTER_BACKOFF_MS    10

static const ink_metric_family redis_redirects = {
    .name = "inkwell_redis_redirects_total",
    .help = "Redis Cluster redirects followed, by kind: moved (slot owner changed), ask "
            "(slot being migrated).",
    .type = INK_METRIC_COUNTER,
    .nlabels = 1,
    .labels = {"kind"},
};

static const ink_metric_family redis_retries = {
    .name = "inkwell_redis_retries_total",
    .help = "Redis Cluster commands resent, by reason: tryagain, clusterdown (after a backoff), "
            "refused (a connect refused before sending, to the slot's new owner).",
    .type = INK_METRIC_COUNTER,
    .nlabels = 1,
    .labels = {"reason"},
};

/* One command being routed. */
typedef struct cluster_call {
	struct timeval tv;
	const char *cmd;
	size_t len;
	int slot;        /* -1: keyless */
	int ask;         /* node to send ASKING + cmd to once, -1: none */
	int redirects;   /* MOVED + ASK followed so far */
	int refused;     /* node that refused the connect, -1: none */
	int backoff_ms;  /* next TRYAGAIN/CLUSTERDOWN wait */
	double deadline; /* ink_mono_ms() past which no backoff starts */
	char cause[200]; /* why the last map refresh failed, "" if it did not */
} cluster_call;

static void cluster_count(const ink_metric_family *f, const char *v)
{
	const char *values[] = {v};

	ink_metrics_add(f, values, 1);
}

static int cluster_has_prefix(const redisReply *rep, const char *p)
{
	size_t n = strlen(p);

	return rep->type == REDIS_REPLY_ERROR && (size_t)rep->len >= n &&
	       memcmp(rep->str, p, n) == 0;
}

/* cluster_send_asking precedes a command sent after ASK: the target serves
 * the migrating slot for this one command only. */
static ink_err cluster_send_asking(ink_redis_cluster *cl, int node, struct timeval tv, char *why,
                                   size_t why_len, int *unsent)
{
	static const char asking[] = "*1\r\n$6\r\nASKING\r\n";
	redisReply *rep = NULL;
	ink_err err = ink_redis_node_send(&cl->nodes[node], tv, asking, sizeof(asking) - 1, &rep,
	                                  unsent, why, why_len);

	if (err != INK_OK)
		return err;
	int ok = rep->type == REDIS_REPLY_STATUS;
	freeReplyObject(rep);
	if (!ok) {
		ink_why(why, why_len, "redis %s: ASKING refused", cl->nodes[node].addr);
		*unsent = 1;
		return INK_UNAVAILABLE;
	}
	return INK_OK;
}

/* cluster_target chooses the node for the next send, refreshing a stale map
 * first (a failed refresh keeps the old map: it may still be right).
 * Returns -1 when no node is known for the slot. */
static int cluster_target(ink_redis_cluster *cl, cluster_call *c)
{
	if (c->ask >= 0)
		return c->ask;
	if (cl->stale || (c->slot >= 0 && cl->slot[c->slot] == CLUSTER_NO_NODE)) {
		/* gcc warns on a (void) cast of an INK_WUR call; the cause is in c->cause */
		ink_err ignored = ink_redis_cluster_refresh(cl, c->tv, c->cause, sizeof(c->cause));
		(void)ignored;
	}
	return ink_redis_cluster_pick(cl, c->slot);
}

/* cluster_send sends once to node (ASKING first after an ASK). */
static ink_err cluster_send(ink_redis_cluster *cl, cluster_call *c, int node, redisReply **rep,
                            int *unsent, char *why, size_t why_len)
{
	int asked = c->ask == node;

	c->ask = -1;
	if (asked) {
		ink_err err = cluster_send_asking(cl, node, c->tv, why, why_len, unsent);
		if (err != INK_OK)
			return err;
	}
	return ink_redis_node_send(&cl->nodes[node], c->tv, c->cmd, c->len, rep, unsent, why,
	                           why_len);
}

/* cluster_backoff waits before resending after TRYAGAIN / CLUSTERDOWN.
 * Returns 0 when the command timeout leaves no room for it. */
static int cluster_backoff(cluster_call *c)
{
	double left = c->deadline - ink_mono_ms();

	if (left <= c->backoff_ms)
		return 0;
	struct timespec ts = {.tv_sec = c->backoff_ms / 1000,
	                      .tv_nsec = (long)(c->backoff_ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	c->backoff_ms *= 2;
	return 1;
}

/* What an error reply from a node means for the command. */
typedef enum cluster_next {
	CLUSTER_ANSWER,     /* it is the command's answer */
	CLUSTER_RESEND,     /* follow it: the reply was freed */
	CLUSTER_UNAVAILABLE /* the cluster stayed down for the whole timeout */
} cluster_next;

/* cluster_redirect follows MOVED (the slot's owner changed: remember it,
 * re-read the map) or ASK (the slot is migrating: ASKING once). */
static cluster_next cluster_redirect(ink_redis_cluster *cl, cluster_call *c, int node,
                                     redisReply *rep)
{
	int slot = -1;
	int to = -1;

	if (c->redirects >= CLUSTER_MAX_REDIRECTS ||
	    ink_redis_cluster_parse_redirect(cl, node, rep->str, &slot, &to) != INK_OK)
		return CLUSTER_ANSWER;
	c->redirects++;
	if (rep->str[0] == 'M') {
		cl->slot[slot] = (unsigned char)to;
		cl->stale = 1;
		cluster_count(&redis_redirects, "moved");
	} else {
		c->ask = to;
		cluster_count(&redis_redirects, "ask");
	}
	freeReplyObject(rep);
	return CLUSTER_RESEND;
}

/* cluster_follow looks at an error reply from node. TRYAGAIN (keys of a
 * migrating slot split between nodes) and CLUSTERDOWN (a failover under
 * way, a slot unserved) are resent after a backoff while the timeout
 * allows, then reported unavailable, not as an error of the command. */
static cluster_next cluster_follow(ink_redis_cluster *cl, cluster_call *c, int node,
                                   redisReply *rep)
{
	if (cluster_has_prefix(rep, "MOVED ") || cluster_has_prefix(rep, "ASK "))
		return cluster_redirect(cl, c, node, rep);
	if (!cluster_has_prefix(rep, "TRYAGAIN") && !cluster_has_prefix(rep, "CLUSTERDOWN"))
		return CLUSTER_ANSWER;
	int down = rep->str[0] == 'C';
	cl->stale |= down;
	if (!cluster_backoff(c))
		return CLUSTER_UNAVAILABLE;
	cluster_count(&redis_retries, down ? "clusterdown" : "tryagain");
	freeReplyObject(rep);
	return CLUSTER_RESEND;
}

/* cluster_after_refused decides whether a command whose connect node
 * refused may go elsewhere: once, after a map refresh, when the slot has
 * moved to another node (a replica promoted). */
static int cluster_after_refused(ink_redis_cluster *cl, cluster_call *c, int node)
{
	cl->stale = 1;
	if (c->refused >= 0 || c->slot < 0)
		return 0;
	c->refused = node;
	if (ink_redis_cluster_refresh(cl, c->tv, NULL, 0) != INK_OK)
		return 0;
	int now = ink_redis_cluster_pick(cl, c->slot);
	if (now < 0 || now == node)
		return 0;
	cluster_count(&redis_retries, "refused");
	return 1;
}

ink_err ink_redis_cluster_run(ink_redis_cluster *cl, struct timeval tv, const char *cmd, size_t len,
                              const char *key, size_t keylen, redisReply **reply, char *why,
                              size_t why_len)
{
	cluster_call c = {
	    .tv = tv,
	    .cmd = cmd,
	    .len = len,
	    .slot = -1,
	    .ask = -1,
	    .refused = -1,
	    .backoff_ms = CLUSTER_BACKOFF_MS,
	    .deadline = ink_mono_ms() + (double)tv.tv_sec * 1000 + (double)tv.tv_usec / 1000,
	};

	if (key != NULL)
		c.slot = ink_redis_keyslot(key, keylen);
	for (;;) {
		int node = cluster_target(cl, &c);
		if (node < 0) {
			ink_why(why, why_len, "redis cluster: no node known for slot %d (%s)",
			        c.slot, c.cause[0] ? c.cause : "no map yet");
			return INK_UNAVAILABLE;
		}
		redisReply *rep = NULL;
		int unsent = 0;
		ink_err err = cluster_send(cl, &c, node, &rep, &unsent, why, why_len);
		if (err != INK_OK) {
			cl->stale = 1;
			if (err == INK_UNAVAILABLE && unsent && cluster_after_refused(cl, &c, node))
				continue;
			return err;
		}
		cl->last = node;
		cluster_next next = cluster_follow(cl, &c, node, rep);
		if (next == CLUSTER_RESEND)
			continue;
		if (next == CLUSTER_ANSWER) {
			*reply = rep;
			return INK_OK;
		}
		ink_why(why, why_len, "redis %s: %s", cl->nodes[node].addr, rep->str);
		freeReplyObject(rep);
		return INK_UNAVAILABLE;
	}
}
