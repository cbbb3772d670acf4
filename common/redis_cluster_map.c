/*
 * redis_cluster_map.c - the cluster handle's nodes and slot map (see
 * redis_cluster_map.h), its health checks, and making and freeing it.
 *
 * The map is only a cache: a wrong entry costs one MOVED, a dead master one
 * refused connect and a refresh. It is read again when a MOVED, a
 * CLUSTERDOWN or a connection error marks it stale, never on a timer.
 */
#include "redis_cluster_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static const ink_metric_family redis_map_reads = {
    .name = "inkwell_redis_cluster_map_reads_total",
    .help = "CLUSTER SLOTS maps read by Redis Cluster handles.",
    .type = INK_METRIC_COUNTER,
};

static ink_redis_cluster *map_new(void)
{
	ink_redis_cluster *cl = calloc(1, sizeof(*cl));

	if (cl == NULL)
		return NULL;
	memset(cl->slot, CLUSTER_NO_NODE, sizeof(cl->slot));
	cl->stale = 1;
	cl->last = -1;
	return cl;
}

ink_err ink_redis_cluster_open(const char *addrs, ink_redis_cluster **out)
{
	ink_redis_cluster *cl = map_new();

	if (cl == NULL)
		return INK_RESOURCE_EXHAUSTED;
	for (const char *p = addrs; cl->nnodes < CLUSTER_MAX_NODES;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (ink_redis_node_init(&cl->nodes[cl->nnodes], p, len) != INK_OK) {
			free(cl);
			return INK_INVALID_ARGUMENT;
		}
		cl->nnodes++;
		if (comma == NULL) {
			*out = cl;
			return INK_OK;
		}
		p = comma + 1;
	}
	free(cl);
	return INK_INVALID_ARGUMENT; /* more seeds than nodes we keep */
}

ink_err ink_redis_cluster_adopt(ink_redis_node *seed, ink_redis_cluster **out)
{
	ink_redis_cluster *cl = map_new();

	if (cl == NULL)
		return INK_RESOURCE_EXHAUSTED;
	cl->nodes[0] = *seed;
	cl->nnodes = 1;
	seed->ctx = NULL;
	*out = cl;
	return INK_OK;
}

void ink_redis_cluster_close(ink_redis_cluster *cl)
{
	if (cl == NULL)
		return;
	for (size_t i = 0; i < cl->nnodes; i++)
		ink_redis_node_fini(&cl->nodes[i]);
	free(cl);
}

/* map_node finds host:port among the nodes, adding it when new. Returns its
 * index, or -1 (INK_RESOURCE_EXHAUSTED in spirit) when the table is full. */
static int map_node(ink_redis_cluster *cl, const char *host, size_t hostlen, long port)
{
	char addr[256];
	int n = snprintf(addr, sizeof(addr), "%.*s:%ld", (int)hostlen, host, port);

	if (n <= 0 || (size_t)n >= sizeof(addr))
		return -1;
	for (size_t i = 0; i < cl->nnodes; i++)
		if (strcmp(cl->nodes[i].addr, addr) == 0)
			return (int)i;
	if (cl->nnodes == CLUSTER_MAX_NODES ||
	    ink_redis_node_init(&cl->nodes[cl->nnodes], addr, (size_t)n) != INK_OK)
		return -1;
	return (int)cl->nnodes++;
}

/* map_entry_node reads [ip, port, ...] of a CLUSTER SLOTS entry; an empty
 * ip means the node that answered. Returns the node's index or -1. */
static int map_entry_node(ink_redis_cluster *cl, int asked, const redisReply *e)
{
	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_INTEGER)
		return -1;
	const char *host = e->element[0]->str;
	size_t hostlen = (size_t)e->element[0]->len;
	if (hostlen == 0 || strcmp(host, "?") == 0) {
		host = cl->nodes[asked].host;
		hostlen = strlen(host);
	}
	return map_node(cl, host, hostlen, (long)e->element[1]->integer);
}

/* map_apply_range records one [start, end, master, replicas...] entry into
 * slot (a new map being built) and master flags. */
static ink_err map_apply_range(ink_redis_cluster *cl, int asked, const redisReply *r,
                               unsigned char *slot, unsigned char *master)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_INTEGER)
		return INK_INVALID_ARGUMENT;
	long long from = r->element[0]->integer;
	long long to = r->element[1]->integer;
	int m = map_entry_node(cl, asked, r->element[2]);
	if (m < 0 || from < 0 || to < from || to >= INK_REDIS_SLOTS)
		return INK_INVALID_ARGUMENT;
	for (size_t i = 3; i < r->elements; i++)
		(void)map_entry_node(cl, asked, r->element[i]); /* replicas: known for health */
	memset(slot + from, m, (size_t)(to - from + 1));
	master[m] = 1;
	return INK_OK;
}

static ink_err map_apply(ink_redis_cluster *cl, int asked, const redisReply *rep)
{
	unsigned char slot[INK_REDIS_SLOTS];
	unsigned char master[CLUSTER_MAX_NODES] = {0};

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0)
		return INK_INVALID_ARGUMENT;
	memset(slot, CLUSTER_NO_NODE, sizeof(slot));
	for (size_t i = 0; i < rep->elements; i++) {
		ink_err err = map_apply_range(cl, asked, rep->element[i], slot, master);
		if (err != INK_OK)
			return err;
	}
	memcpy(cl->slot, slot, sizeof(slot));
	memcpy(cl->master, master, sizeof(master));
	cl->stale = 0;
	ink_metrics_add(&redis_map_reads, NULL, 1);
	return INK_OK;
}

static ink_err map_read_from(ink_redis_cluster *cl, int node, struct timeval tv, char *why,
                             size_t why_len)
{
	static const char slots[] = "*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n";
	redisReply *rep = NULL;
	int unsent = 0;
	ink_err err = ink_redis_node_send(&cl->nodes[node], tv, slots, sizeof(slots) - 1, &rep,
	                                  &unsent, why, why_len);

	if (err != INK_OK)
		return err;
	err = map_apply(cl, node, rep);
	if (err != INK_OK)
		ink_why(why, why_len, "redis %s: %s", cl->nodes[node].addr,
		        rep->type == REDIS_REPLY_ERROR ? rep->str : "no usable CLUSTER SLOTS");
	freeReplyObject(rep);
	return err == INK_OK ? INK_OK : INK_UNAVAILABLE;
}

/* Connected nodes first: a dead node costs a connect, a live one a reply. */
ink_err ink_redis_cluster_refresh(ink_redis_cluster *cl, struct timeval tv, char *why,
                                  size_t why_len)
{
	ink_err err = INK_UNAVAILABLE;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cl->nnodes; i++) {
			if ((cl->nodes[i].ctx != NULL) != (pass == 0))
				continue;
			err = map_read_from(cl, (int)i, tv, why, why_len);
			if (err == INK_OK)
				return INK_OK;
		}
	}
	return err;
}

int ink_redis_cluster_pick(const ink_redis_cluster *cl, int slot)
{
	if (slot >= 0)
		return cl->slot[slot] == CLUSTER_NO_NODE ? -1 : cl->slot[slot];
	if (cl->last >= 0)
		return cl->last;
	for (size_t i = 0; i < cl->nnodes; i++)
		if (cl->master[i])
			return (int)i;
	return cl->nnodes > 0 ? 0 : -1;
}

ink_err ink_redis_cluster_parse_redirect(ink_redis_cluster *cl, int from, const char *text,
                                         int *slot, int *to)
{
	const char *sp = strchr(text, ' ');
	char *end = NULL;

	if (sp == NULL)
		return INK_INVALID_ARGUMENT;
	long s = strtol(sp + 1, &end, 10);
	if (end == sp + 1 || *end != ' ' || s < 0 || s >= INK_REDIS_SLOTS)
		return INK_INVALID_ARGUMENT;
	const char *addr = end + 1;
	const char *colon = strrchr(addr, ':');
	if (colon == NULL)
		return INK_INVALID_ARGUMENT;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return INK_INVALID_ARGUMENT;
	const char *host = colon == addr ? cl->nodes[from].host : addr;
	size_t hostlen = colon == addr ? strlen(host) : (size_t)(colon - addr);
	int n = map_node(cl, host, hostlen, port);
	if (n < 0)
		return INK_RESOURCE_EXHAUSTED;
	*slot = (int)s;
	*to = n;
	return INK_OK;
}

static ink_err map_ping(ink_redis_cluster *cl, size_t i, struct timeval tv, char *why,
                        size_t why_len)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";
	redisReply *rep = NULL;
	int unsent = 0;
	ink_err err = ink_redis_node_send(&cl->nodes[i], tv, ping, sizeof(ping) - 1, &rep, &unsent,
	                                  why, why_len);

	if (err != INK_OK)
		return INK_UNAVAILABLE;
	int ok = rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
	if (!ok)
		ink_why(why, why_len, "redis %s: %s", cl->nodes[i].addr,
		        rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected PING reply");
	freeReplyObject(rep);
	return ok ? INK_OK : INK_UNAVAILABLE;
}

/* map_uncovered counts slots no master serves in the map. */
static int map_uncovered(const ink_redis_cluster *cl)
{
	int n = 0;

	for (int s = 0; s < INK_REDIS_SLOTS; s++)
		n += cl->slot[s] == CLUSTER_NO_NODE;
	return n;
}

/* A master that fails turns the whole answer to INK_UNAVAILABLE, and `why`
 * lists each failing master ("a down (cause); b down (cause)"). */
ink_err ink_redis_cluster_ping(ink_redis_cluster *cl, struct timeval tv, char *why, size_t why_len)
{
	char one[256];
	char all[1024] = "";
	size_t used = 0;

	if (cl->stale && ink_redis_cluster_refresh(cl, tv, one, sizeof(one)) != INK_OK) {
		ink_why(why, why_len, "redis cluster: no node answered CLUSTER SLOTS (%s)", one);
		return INK_UNAVAILABLE;
	}
	for (size_t i = 0; i < cl->nnodes; i++) {
		if (!cl->master[i] || map_ping(cl, i, tv, one, sizeof(one)) == INK_OK)
			continue;
		int n = snprintf(all + used, sizeof(all) - used, "%s%s down (%s)", used ? "; " : "",
		                 cl->nodes[i].addr, one);
		used = n > 0 && (size_t)n < sizeof(all) - used ? used + (size_t)n : sizeof(all) - 1;
	}
	if (used == 0 && map_uncovered(cl) > 0)
		used = (size_t)snprintf(all, sizeof(all), "%d slots have no master",
		                        map_uncovered(cl));
	if (used == 0)
		return INK_OK;
	cl->stale = 1;
	ink_why(why, why_len, "redis cluster: %s", all);
	return INK_UNAVAILABLE;
}

void ink_redis_cluster_each_node(ink_redis_cluster *cl, struct timeval tv, ink_redis_node_fn fn,
                                 void *arg)
{
	char why[256];

	if (cl->stale) { /* a failed refresh keeps the old map, whose nodes are pinged below */
		ink_err ignored = ink_redis_cluster_refresh(cl, tv, NULL, 0);
		(void)ignored;
	}
	for (size_t i = 0; i < cl->nnodes; i++) {
		why[0] = '\0';
		ink_err err = map_ping(cl, i, tv, why, sizeof(why));
		fn(arg, cl->nodes[i].addr, cl->master[i], err, err == INK_OK ? "" : why);
	}
}
