/*
 * health.h - the inkwell.health.v1.Health/Check method, both sides.
 *
 * Serving side: every service answers Check with its own status and a tree
 * of what it depends on (Redis PINGs, peers' own Check answers nested).
 * Calling side: the edge, user-svc and the probe ask a peer and get that
 * tree back. One copy of both, so the tree looks the same everywhere.
 *
 * Scaled out, one answer is not enough: a REQ socket sends to any live
 * instance, and a cluster client to any node, so a dead one would hide
 * behind the others. ink_health_instances and ink_health_dep_redis_nodes
 * probe each instance and each Redis node on a connection of its own and
 * name every one that is down.
 */
#ifndef INKWELL_COMMON_HEALTH_H
#define INKWELL_COMMON_HEALTH_H

#include <stddef.h>

#include "err.h"
#include "health.pb-c.h"
#include "redis.h"
#include "rpc_client.h"
#include "rpc_server.h"

#define INK_HEALTH_METHOD "inkwell.health.v1.Health/Check"

/* One dependency's result, as the serving side gathers it. Fill with the
 * helpers below; release with ink_health_dep_fini. */
typedef struct ink_health_dep {
	char component[96]; /* "<peer> host:port" for one instance */
	int serving;        /* 1 = pass */
	double latency_ms;
	char message[256];
	/* When the dependency is a peer service: its own answer (owned; its
	 * checks become this node's children). NULL otherwise. */
	Inkwell__Health__V1__HealthCheckResponse *nested;
	/* Each instance or node on its own (owned, n_kids of them; NULL when
	 * there is one): they follow the nested checks as children. */
	struct ink_health_dep *kids;
	size_t n_kids;
} ink_health_dep;

/* Most instances or nodes one check probes one by one. */
#define INK_HEALTH_MAX_EACH 16

/* ink_health_dep_redis PINGs `r` and records the result as `component`.
 * Never fails: a failed PING is a failing dependency. */
void ink_health_dep_redis(ink_redis *r, const char *component, ink_health_dep *out);

/* ink_health_dep_redis_nodes is ink_health_dep_redis for the database at
 * `addrs` (the configured address: "host:port", or a comma list of cluster
 * nodes). One address: the same as ink_health_dep_redis(r, ...). A list: each
 * node gets a PING on a short connection of its own, within timeout_ms in all
 * (a kid "<component> host:port", "PONG" or "unreachable: ..."), and the
 * check passes while a live node says cluster_state:ok. Never fails; free
 * with ink_health_dep_fini. */
void ink_health_dep_redis_nodes(ink_redis *r, const char *addrs, const char *component,
                                int timeout_ms, ink_health_dep *out);

/* ink_health_instances probes every address peer `c` dials now, each on a
 * REQ socket of its own dialled in the foreground, all at once, each within
 * timeout_ms. On INK_OK *out holds *n deps (component "<peer> host:port",
 * serving when that instance answers SERVING; message "serving", "not
 * serving" or "unreachable: ..."); free with ink_health_deps_free. A peer at
 * one address gives *n = 0 and *out NULL: its own check says it all.
 * INK_RESOURCE_EXHAUSTED when memory runs out. */
INK_WUR ink_err ink_health_instances(ink_rpc_client *c, int64_t timeout_ms, ink_health_dep **out,
                                     size_t *n);

/* ink_health_deps_free finis and frees an array of n deps. NULL: no-op. */
void ink_health_deps_free(ink_health_dep *deps, size_t n);

/* ink_health_dep_peer asks peer `c` for its health within timeout_ms and
 * records it as component ink_rpc_client_peer(c), keeping its tree. Never
 * fails: no answer is a failing dependency. Free with ink_health_dep_fini. */
void ink_health_dep_peer(ink_rpc_client *c, int64_t timeout_ms, ink_health_dep *out);

/* ink_health_dep_fini frees what a dep owns (its nested tree, its kids). */
void ink_health_dep_fini(ink_health_dep *d);

/* ink_health_reply answers a Check call for `service` with deps[0..n): the
 * status is SERVING only when all pass. A request naming another service
 * gets INK_NOT_FOUND. Returns what ink_rpc_reply / ink_rpc_fail return. */
INK_WUR ink_err ink_health_reply(ink_rpc_ctx *ctx, const uint8_t *body, size_t len,
                                 const char *service, const ink_health_dep *deps, size_t n);

/* ink_health_call asks a peer for its health (the probe and edge use it).
 * `service` may be "" (the peer itself). On INK_OK *out is the peer's answer
 * (caller frees: inkwell__health__v1__health_check_response__free_unpacked)
 * and *latency_ms the round trip; otherwise the transport or remote error as
 * in ink_rpc_call, with `why`. */
INK_WUR ink_err ink_health_call(ink_rpc_client *c, const char *service, int64_t timeout_ms,
                                Inkwell__Health__V1__HealthCheckResponse **out, double *latency_ms,
                                char *why, size_t why_len);

#endif /* INKWELL_COMMON_HEALTH_H */
