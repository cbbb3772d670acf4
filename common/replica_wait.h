/*
 * replica_wait.h - "an acknowledged write is on a replica" (issue 14): after
 * each write the API acknowledges, WAIT for REDIS_WAIT_REPLICAS replicas.
 *
 * Redis replicates asynchronously: a primary that dies right after answering
 * a write can lose it in the failover. WAIT blocks until n replicas confirm
 * every write this connection made, or the timeout ends. It is sent on the
 * handle that wrote, right after the write (a cluster client sends a keyless
 * command to the node of the previous one). With 0 replicas (the default, for
 * a standalone Redis) nothing is sent.
 */
#ifndef HEADER_INK_REPLICA_WAIT_H
#define HEADER_INK_REPLICA_WAIT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "redis.h"

typedef struct ink_replica_cfg {
	int64_t replicas;   /* REDIS_WAIT_REPLICAS; 0 = off */
	int64_t timeout_ms; /* REDIS_WAIT_TIMEOUT_MS */
} ink_replica_cfg;

/* ink_replica_wait_config reads REDIS_WAIT_REPLICAS (default 0, 0..16) and
 * REDIS_WAIT_TIMEOUT_MS (default 500, 1..60000) into *out. INK_INVALID_ARGUMENT
 * (logged by ink_cfg_int) for a malformed value; *out is set on INK_OK only. */
INK_WUR ink_err ink_replica_wait_config(ink_replica_cfg *out);

/* ink_replica_wait sends `WAIT replicas timeout_ms` on r when rw asks for
 * replicas (rw NULL or 0 replicas: INK_OK at once). INK_OK when enough
 * replicas confirmed. INK_DEADLINE_EXCEEDED when fewer did in time: the write
 * is on the primary but could be lost by a failover, so its outcome is
 * unknown to the client (never answer 2xx); why says how many confirmed.
 * Other errors are ink_redis_cmd's (UNAVAILABLE: the write may still be on
 * the primary alone - callers that wrote treat it as unknown too). */
INK_WUR ink_err ink_replica_wait(ink_redis *r, const ink_replica_cfg *rw, char *why,
                                 size_t why_len);

#endif /* HEADER_INK_REPLICA_WAIT_H */
