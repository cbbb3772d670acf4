/*
 * observe.h - what the edge records about each request besides its access
 * log line: its W3C trace context and its Prometheus metrics.
 *
 * Trace: a valid `traceparent` from the client makes this request a child
 * of the client's span; a missing or malformed one (the spec says ignore
 * it) starts a new trace. Either way the edge's own span gets a fresh id,
 * which goes into every log line, every RPC envelope (as the parent of the
 * service's span) and the response's `traceparent`. `tracestate` is kept
 * and echoed only beside a valid traceparent, as the spec requires.
 *
 * Metrics: requests by route template (never the raw path, which a client
 * chooses), method and status, and a latency histogram by route.
 */
#ifndef INKWELL_EDGE_OBSERVE_H
#define INKWELL_EDGE_OBSERVE_H

#include <stddef.h>

#include "trace.h"

/* The trace context of one request. */
typedef struct edge_trace {
	char trace_id[INK_TRACE_ID_LEN + 1];
	char span_id[INK_SPAN_ID_LEN + 1];   /* the edge's span */
	char parent_id[INK_SPAN_ID_LEN + 1]; /* the client's span; "" when we started the trace */
	unsigned flags;
	char tracestate[INK_TRACESTATE_MAX + 1];   /* "" when none or dropped */
	char traceparent[INK_TRACEPARENT_LEN + 1]; /* for the response */
} edge_trace;

/* edge_trace_begin fills *t from the request's traceparent / tracestate
 * header values (either may be NULL) and makes it this thread's log trace
 * context (log.h). Never fails: bad input starts a new trace. */
void edge_trace_begin(edge_trace *t, const char *traceparent, const char *tracestate);

/* edge_observe_request counts one answered request: route is the matched
 * pattern, or NULL (recorded as "unmatched"); ms its duration. */
void edge_observe_request(const char *route, const char *method, int status, double ms);

#endif /* INKWELL_EDGE_OBSERVE_H */
