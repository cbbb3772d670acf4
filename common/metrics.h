/*
 * metrics.h - Prometheus counters and histograms that cost no lock to bump,
 * and the text format 0.0.4 they are scraped in.
 *
 * Hot paths (every RPC, every HTTP request, every Redis command) only touch
 * memory of their own thread: each thread that records gets a shard (a
 * fixed table of series) the first time, registered once under the
 * registry's mutex. The owner is the only writer of its shard and updates
 * values with relaxed atomic loads and stores (no lock, no read-modify-write
 * bus lock); a scrape sums every shard. A thread that exits leaves its shard
 * to the next new thread, so counts never go backwards and memory stays
 * bounded by the peak number of threads.
 *
 * Gauges that are a state rather than a sum (peers connected, work in
 * flight) are read at scrape time by collectors: callbacks that append
 * their own lines.
 *
 * Families are static const descriptions in the module that records them;
 * a series is a family plus its label values (at most INK_METRICS_LABELS).
 * Label values must come from a small set (route templates, method names,
 * codes), never from raw client input, or the series table fills up: a
 * series that no longer fits is dropped and counted in
 * inkwell_metrics_dropped_series_total.
 */
#ifndef INKWELL_COMMON_METRICS_H
#define INKWELL_COMMON_METRICS_H

#include <stddef.h>

#include "err.h"

#define INK_METRICS_LABELS  3
#define INK_METRICS_BUCKETS 16 /* finite bucket bounds of a histogram, at most */

typedef enum ink_metric_type {
	INK_METRIC_COUNTER = 0,
	INK_METRIC_GAUGE,
	INK_METRIC_HISTOGRAM,
} ink_metric_type;

typedef struct ink_metric_family {
	const char *name; /* "inkwell_rpc_server_requests_total" */
	const char *help;
	ink_metric_type type;
	int nlabels;
	const char *labels[INK_METRICS_LABELS];
	/* Histograms: ascending finite upper bounds; +Inf is implied. */
	int nbounds;
	const double *bounds;
} ink_metric_family;

/* Bounds for latencies in seconds, 0.5 ms .. 10 s. */
extern const double ink_metrics_latency_bounds[];
extern const int ink_metrics_latency_nbounds;

/* ink_metrics_init records the service name, version and git hash for
 * inkwell_build_info, the start time for inkwell_process_uptime_seconds,
 * and whether recording is on: $METRICS_ENABLED (default 1; 0 turns every
 * ink_metrics_add / observe into a no-op, for the benchmark's baseline).
 * Call once from main before any thread starts; `service` must outlive the
 * process (a literal). Without it recording is on and build info says
 * "unknown". Returns INK_INVALID_ARGUMENT (logged, recording stays on) when
 * METRICS_ENABLED is neither 0 nor 1: a service refuses to start on it. */
INK_WUR ink_err ink_metrics_init(const char *service);

/* ink_metrics_enabled returns 0 when METRICS_ENABLED=0 turned recording off. */
int ink_metrics_enabled(void);

/* ink_metrics_add adds n to the counter (or gauge) series of family f with
 * label values `values` (f->nlabels of them; NULL when none). Never fails
 * visibly: without memory for this thread's shard, or with the shard full,
 * the sample is dropped. */
void ink_metrics_add(const ink_metric_family *f, const char *const *values, double n);

/* ink_metrics_observe records one sample v in histogram family f. Same
 * contract as ink_metrics_add. */
void ink_metrics_observe(const ink_metric_family *f, const char *const *values, double v);

/* A collector appends the sample lines of one family f (no HELP or TYPE:
 * the scrape writes those once, however many collectors share f, such as
 * one per RPC client) through ink_metrics_printf. It runs on the scraping
 * thread, under the registry lock: it must only read what it may read from
 * there (atomics, or state under its own lock) and must not record. */
typedef struct ink_metrics_buf ink_metrics_buf;
typedef void (*ink_metrics_collect_fn)(void *arg, const ink_metric_family *f, ink_metrics_buf *out);

/* ink_metrics_collector_add makes fn(arg, f, ...) part of every scrape
 * until ink_metrics_collector_remove(f, fn, arg). INK_RESOURCE_EXHAUSTED
 * when out of memory. */
INK_WUR ink_err ink_metrics_collector_add(const ink_metric_family *f, ink_metrics_collect_fn fn,
                                          void *arg);

/* ink_metrics_collector_remove forgets fn(arg) for f; after it returns no
 * scrape calls it any more, so arg may be freed. Unknown ones are ignored. */
void ink_metrics_collector_remove(const ink_metric_family *f, ink_metrics_collect_fn fn, void *arg);

/* ink_metrics_printf appends formatted text to a scrape being written. A
 * buffer that cannot grow keeps what it had and marks the scrape failed. */
void ink_metrics_printf(ink_metrics_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ink_metrics_label_value appends v as an escaped label value (backslash,
 * quote and newline escaped as the text format requires). */
void ink_metrics_label_value(ink_metrics_buf *out, const char *v);

/* ink_metrics_scrape writes every family in text format 0.0.4 into a fresh
 * NUL-terminated buffer: *text (caller frees with free()) of *len bytes.
 * INK_RESOURCE_EXHAUSTED when out of memory (nothing is set). */
INK_WUR ink_err ink_metrics_scrape(char **text, size_t *len);

#endif /* INKWELL_COMMON_METRICS_H */
