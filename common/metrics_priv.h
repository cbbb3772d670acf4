/*
 * metrics_priv.h - what metrics.c (the registry, recording) and
 * metrics_text.c (the text format writer) share: the layout of a thread's
 * shard and of a scrape's buffer. Not for other modules: they use metrics.h.
 */
#ifndef INKWELL_COMMON_METRICS_PRIV_H
#define INKWELL_COMMON_METRICS_PRIV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "metrics.h"

#define METRICS_SLOTS   512 /* series per thread; a power of two */
#define METRICS_KEY_MAX 192 /* label values joined by METRICS_SEP */
#define METRICS_SEP     '\x1f'
#define METRICS_MAX_OUT (8u << 20) /* a scrape larger than this is refused */

typedef struct metrics_series {
	/* NULL: a free slot. Set last, by the owner, with release. */
	_Atomic(const ink_metric_family *) family;
	char key[METRICS_KEY_MAX]; /* valid once family is set; never changes */
	/* Counter/gauge: v[0] holds a double's bits. Histogram: per-bucket
	 * counts (not cumulative), v[nbounds] the +Inf bucket. */
	_Atomic uint64_t v[INK_METRICS_BUCKETS + 1];
	_Atomic uint64_t sum; /* histogram: a double's bits */
} metrics_series;

typedef struct metrics_shard {
	struct metrics_shard *next; /* immutable once linked */
	atomic_int owned;           /* a live thread records here */
	_Atomic uint64_t dropped;   /* samples with no slot left */
	metrics_series series[METRICS_SLOTS];
} metrics_shard;

struct ink_metrics_buf {
	char *p;
	size_t len, cap;
	int failed;
};

static inline double metrics_bits_double(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

static inline uint64_t metrics_double_bits(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/* metrics_text_family writes f's HELP and TYPE lines. */
void metrics_text_family(ink_metrics_buf *out, const ink_metric_family *f);

/* metrics_text_series writes every series of the shards from `head` on,
 * summed across shards and sorted by family, and adds their dropped
 * samples to *dropped. Caller holds the registry lock. Returns 0, or -1
 * when out of memory (out may hold part of the text). */
int metrics_text_series(metrics_shard *head, ink_metrics_buf *out, uint64_t *dropped);

#endif /* INKWELL_COMMON_METRICS_PRIV_H */
