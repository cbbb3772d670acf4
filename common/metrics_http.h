/*
 * metrics_http.h - the admin HTTP listener that serves GET /metrics.
 *
 * Every process gets one on its own address (METRICS_LISTEN), apart from the
 * public API: the services speak only nng, and the edge's metrics must not
 * be reachable through the public nginx. civetweb serves it with two
 * threads: a scrape every second or so needs no more.
 */
#ifndef INKWELL_COMMON_METRICS_HTTP_H
#define INKWELL_COMMON_METRICS_HTTP_H

#include "err.h"

typedef struct ink_metrics_http ink_metrics_http;

/* ink_metrics_http_start serves the metrics registry (metrics.h) at
 * http://<listen>/metrics; `listen` is a civetweb listening_ports value
 * ("127.0.0.1:9101"). An empty or NULL `listen` serves nothing: INK_OK with
 * *out NULL. INK_UNAVAILABLE when the address cannot be bound (logged). On
 * INK_OK the caller owns *out and frees it with ink_metrics_http_stop. */
INK_WUR ink_err ink_metrics_http_start(const char *listen, ink_metrics_http **out);

/* ink_metrics_http_stop stops the listener and frees it. NULL is a no-op. */
void ink_metrics_http_stop(ink_metrics_http *h);

/* ink_metrics_http_port returns the TCP port the listener is bound to (for
 * tests that bind port 0), or -1. */
int ink_metrics_http_port(const ink_metrics_http *h);

#endif /* INKWELL_COMMON_METRICS_HTTP_H */
