/*
 * worker.h - setting up and tearing down an RPC worker's own state, shared
 * by template-svc and user-svc (their rpc_server worker_init/worker_fini).
 *
 * Each worker owns one Redis connection (hiredis contexts are not
 * thread-safe), so a service's worker struct begins with `ink_redis *redis`
 * and may add fields of its own after it.
 */
#ifndef INKWELL_COMMON_WORKER_H
#define INKWELL_COMMON_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "redis.h"

/* ink_worker_open allocates `size` zeroed bytes (a struct whose first member
 * is an ink_redis *) and opens the Redis at addr into that member
 * (addr_var, e.g. "PUBLIC_REDIS_ADDR", names the setting in the log line
 * when addr is not host:port). Returns ink_redis_open's error or
 * INK_RESOURCE_EXHAUSTED; on INK_OK *state is the caller's:
 * ink_worker_close. */
INK_WUR ink_err ink_worker_open(size_t size, const char *addr_var, const char *addr,
                                int64_t timeout_ms, void **state);

/* ink_worker_close closes the worker's Redis and frees it. NULL is a no-op. */
void ink_worker_close(void *state);

#endif /* INKWELL_COMMON_WORKER_H */
