/*
 * observe.c - a request's trace context and metrics (see observe.h).
 */
#include "observe.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "metrics.h"

static const ink_metric_family observe_requests = {
    .name = "inkwell_http_requests_total",
    .help = "HTTP requests answered by the edge, by route template, method and status.",
    .type = INK_METRIC_COUNTER,
    .nlabels = 3,
    .labels = {"route", "method", "status"},
};

static const ink_metric_family observe_seconds = {
    .name = "inkwell_http_request_duration_seconds",
    .help = "Time from a request's headers to its answer, by route template.",
    .type = INK_METRIC_HISTOGRAM,
    .nlabels = 1,
    .labels = {"route"},
    .nbounds = 14,
    .bounds = ink_metrics_latency_bounds,
};

/* The methods a route table uses; anything else is "other", so a client
 * cannot add label values. */
static const char *observe_method(const char *m)
{
	static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(m, known[i]) == 0)
			return known[i];
	}
	return "other";
}

void edge_observe_request(const char *route, const char *method, int status, double ms)
{
	char code[8];

	snprintf(code, sizeof(code), "%d", status);
	const char *labels[] = {route != NULL ? route : "unmatched",
	                        observe_method(method ? method : ""), code};
	ink_metrics_add(&observe_requests, labels, 1);
	ink_metrics_observe(&observe_seconds, labels, ms / 1000.0);
}

void edge_trace_begin(edge_trace *t, const char *traceparent, const char *tracestate)
{
	ink_trace in;

	memset(t, 0, sizeof(*t));
	if (ink_trace_parse(traceparent, &in) == 0) {
		memcpy(t->trace_id, in.trace_id, sizeof(t->trace_id));
		memcpy(t->parent_id, in.span_id, sizeof(t->parent_id));
		t->flags = in.flags;
		if (ink_trace_state_ok(tracestate))
			snprintf(t->tracestate, sizeof(t->tracestate), "%s", tracestate);
	} else {
		ink_trace_new_id(t->trace_id, sizeof(t->trace_id), INK_TRACE_ID_LEN);
	}
	ink_trace_new_id(t->span_id, sizeof(t->span_id), INK_SPAN_ID_LEN);
	ink_trace_format(t->trace_id, t->span_id, t->flags, t->traceparent, sizeof(t->traceparent));
	ink_log_set_trace(t->trace_id, t->span_id, t->flags);
}
