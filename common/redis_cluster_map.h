/*
 * redis_cluster_map.h - the cluster handle's nodes and slot map (private to
 * redis_cluster*.c): who serves which slot, learnt from CLUSTER SLOTS and
 * corrected by MOVED.
 */
#ifndef INKWELL_COMMON_REDIS_CLUSTER_MAP_H
#define INKWELL_COMMON_REDIS_CLUSTER_MAP_H

#include "redis_cluster.h"
#include "redis_slots.h"

#define CLUSTER_MAX_NODES 64
#define CLUSTER_NO_NODE   0xff

/* Nodes are only ever added, so a node's index stays valid for the handle's
 * life (slot[] and last refer to nodes by index). */
struct ink_redis_cluster {
	ink_redis_node nodes[CLUSTER_MAX_NODES];
	unsigned char master[CLUSTER_MAX_NODES]; /* serves slots in the last map read */
	size_t nnodes;
	unsigned char slot[INK_REDIS_SLOTS]; /* node index, CLUSTER_NO_NODE: unknown */
	int stale;                           /* read CLUSTER SLOTS before the next command */
	int last;                            /* node of the previous command, -1: none yet */
};

/* ink_redis_cluster_refresh reads CLUSTER SLOTS from the first node that
 * answers (connected ones first) and replaces the map. INK_UNAVAILABLE (why:
 * the last node's failure) when none answers with a map; the old map stays. */
INK_WUR ink_err ink_redis_cluster_refresh(ink_redis_cluster *cl, struct timeval tv, char *why,
                                          size_t why_len);

/* ink_redis_cluster_pick returns the node for slot (-1: keyless, the node
 * used last, else the first master), or -1 when none is known. */
int ink_redis_cluster_pick(const ink_redis_cluster *cl, int slot);

/* ink_redis_cluster_parse_redirect reads "MOVED <slot> <host>:<port>" (or
 * ASK) sent by node `from` (an empty host means from's host) into *slot and
 * *to (the node, added when new). INK_INVALID_ARGUMENT when malformed,
 * INK_RESOURCE_EXHAUSTED when the node table is full. */
INK_WUR ink_err ink_redis_cluster_parse_redirect(ink_redis_cluster *cl, int from, const char *text,
                                                 int *slot, int *to);

#endif /* INKWELL_COMMON_REDIS_CLUSTER_MAP_H */
