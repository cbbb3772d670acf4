/*
 * edge_health.h - GET /healthz, /readyz, /livez (application/health+json).
 *
 * /healthz asks user-svc and template-svc for their health at once and shows
 * the whole tree: one check per peer, holding the peer's own checks (Redis,
 * peers of the peer...) nested exactly as the Health/Check reply has them.
 * 200 when every check passes, else 503 with "output" naming what failed.
 * Scaled out, each instance of a peer is a check of its own under it: one
 * down while the others serve is "warn", still 200, "output" naming it.
 * /readyz runs the same checks and says only pass/fail (+ output); /livez
 * calls nothing. Named edge_health.h so it does not shadow common/health.h.
 */
#ifndef INKWELL_EDGE_EDGE_HEALTH_H
#define INKWELL_EDGE_EDGE_HEALTH_H

#include <stddef.h>
#include <jansson.h>

#include "err.h"
#include "health.h"
#include "health.pb-c.h"
#include "http.h"

#define EDGE_HEALTH_CT "application/health+json"

/* Route handlers (router.h's edge_handler). */
void edge_health_healthz(edge_req *req);
void edge_health_readyz(edge_req *req);
void edge_health_livez(edge_req *req);

/* edge_health_peer_json builds the check of one peer named `component`:
 * from its reply `resp` when err is INK_OK (pass only when SERVING, with the
 * reply's checks nested), else a failing check whose message is `why`.
 * latency_ms is rounded to 0.01. Returns a new object (json_decref), NULL
 * when out of memory. Pure. */
json_t *edge_health_peer_json(const char *component, ink_err err,
                              const Inkwell__Health__V1__HealthCheckResponse *resp,
                              double latency_ms, const char *why);

/* edge_health_add_instances appends one check per instance (each[0..n): a
 * peer probed instance by instance) to the checks of `peer` (a check as
 * built above). Returns 0, or -1 when out of memory. */
INK_WUR int edge_health_add_instances(json_t *peer, const ink_health_dep *each, size_t n);

/* edge_health_output writes into out a line naming every failing leaf of
 * `checks` (an array of check objects as built above), e.g.
 * "public-redis (via template-svc) down: Connection refused"; "; " between
 * entries, truncated to out_len (always NUL-terminated). Returns the number
 * of failing leaves (0: all pass, out is ""). Pure. */
INK_WUR int edge_health_output(const json_t *checks, char *out, size_t out_len);

#endif /* INKWELL_EDGE_EDGE_HEALTH_H */
