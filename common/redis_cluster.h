/*
 * redis_cluster.h - routing commands over a Redis Cluster (private to
 * common/redis*.c; services use redis.h, which is the same in both modes).
 *
 * Modelled on hiredis-cluster (Nordix/hiredis-cluster), rewritten small for
 * hiredis 0.14: a slot map from CLUSTER SLOTS, one connection per node,
 * MOVED / ASK redirects, TRYAGAIN / CLUSTERDOWN retried with backoff within
 * the command timeout, and a map refresh after a MOVED or a connection error
 * (a failover promotes a replica and moves the dead master's slots).
 */
#ifndef INKWELL_COMMON_REDIS_CLUSTER_H
#define INKWELL_COMMON_REDIS_CLUSTER_H

#include <stddef.h>
#include <sys/time.h>
#include <hiredis/hiredis.h>

#include "err.h"
#include "redis.h"
#include "redis_node.h"

typedef struct ink_redis_cluster ink_redis_cluster;

/* ink_redis_cluster_open makes a cluster from a comma list of seed nodes
 * "h1:p1,h2:p2,...". Connects nothing yet. Returns INK_INVALID_ARGUMENT for a
 * malformed list, INK_RESOURCE_EXHAUSTED when out of memory; on INK_OK the
 * caller frees *out with ink_redis_cluster_close. */
INK_WUR ink_err ink_redis_cluster_open(const char *addrs, ink_redis_cluster **out);

/* ink_redis_cluster_adopt makes a cluster whose first node is *seed, taking
 * over its live connection (seed is left disconnected). Same errors. */
INK_WUR ink_err ink_redis_cluster_adopt(ink_redis_node *seed, ink_redis_cluster **out);

/* ink_redis_cluster_close frees the cluster and its connections. NULL: no-op. */
void ink_redis_cluster_close(ink_redis_cluster *cl);

/* ink_redis_cluster_run sends the RESP command cmd to the node that serves
 * its key (key == NULL: the node used last), following MOVED and ASK (at most
 * 5 redirects), retrying TRYAGAIN and CLUSTERDOWN with backoff until tv runs
 * out (then INK_UNAVAILABLE), and moving to the new owner after a connection
 * refused before sending.
 * Other failures are never resent. Results as ink_redis_node_send: INK_OK with
 * *reply (possibly an error reply, the caller's to free),
 * INK_UNAVAILABLE (why names the node), INK_DEADLINE_EXCEEDED (outcome
 * unknown). */
INK_WUR ink_err ink_redis_cluster_run(ink_redis_cluster *cl, struct timeval tv, const char *cmd,
                                      size_t len, const char *key, size_t keylen,
                                      redisReply **reply, char *why, size_t why_len);

/* ink_redis_cluster_ping PINGs every master of the current map (refreshed
 * first when stale). INK_OK when all answer PONG; otherwise INK_UNAVAILABLE
 * with the node(s) down and why in `why`. */
INK_WUR ink_err ink_redis_cluster_ping(ink_redis_cluster *cl, struct timeval tv, char *why,
                                       size_t why_len);

/* ink_redis_cluster_each_node PINGs every known node (masters and replicas)
 * and tells fn of each (see ink_redis_each_node), in the order they were
 * learnt. */
void ink_redis_cluster_each_node(ink_redis_cluster *cl, struct timeval tv, ink_redis_node_fn fn,
                                 void *arg);

#endif /* INKWELL_COMMON_REDIS_CLUSTER_H */
