/*
 * metrics.c - the registry: per-thread series shards, recording, the
 * collectors, and a scrape's outline (see metrics.h; the text format itself
 * is metrics_text.c).
 *
 * One registry per process, like the log's service name: what it holds
 * (every thread's shard, the collectors) belongs to the process, not to any
 * object main could pass around, and the recording calls sit deep in
 * common/ code (RPC, Redis, gates) that has no handle to pass it through.
 * Its mutex is taken only when a thread records for the first time, when a
 * collector comes or goes, and by a scrape; never per sample.
 *
 * A series slot is published by its owner with a release store of its
 * family pointer after its key is written; a scrape reads the family with
 * acquire, so a slot it sees is whole. Values are single 64-bit words
 * written only by their owner (relaxed), so a scrape sees each one either
 * before or after a sample, never torn.
 */
#include "metrics.h"
#include "metrics_priv.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"

#ifndef INK_VERSION
#define INK_VERSION "unknown"
#endif
#ifndef INK_GIT_HASH
#define INK_GIT_HASH "unknown"
#endif

const double ink_metrics_latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5,     10};
const int ink_metrics_latency_nbounds =
    (int)(sizeof(ink_metrics_latency_bounds) / sizeof(ink_metrics_latency_bounds[0]));

typedef struct metrics_collector {
	const ink_metric_family *family;
	ink_metrics_collect_fn fn;
	void *arg;
} metrics_collector;

static struct {
	pthread_mutex_t lock;
	pthread_once_t key_once;
	pthread_key_t key;
	int key_ok;
	metrics_shard *shards;   /* under lock */
	metrics_collector *coll; /* under lock */
	size_t ncoll, capcoll;
	/* Set by ink_metrics_init before threads start; read-only after. */
	const char *service;
	double start_unix_s;
	int disabled;
} metrics_reg = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .key_once = PTHREAD_ONCE_INIT,
    .service = "inkwell",
};

static _Thread_local metrics_shard *metrics_mine;

ink_err ink_metrics_init(const char *service)
{
	int64_t on = 1;
	ink_err err = ink_cfg_int("METRICS_ENABLED", 1, 0, 1, &on);

	metrics_reg.service = service;
	metrics_reg.start_unix_s = (double)ink_now_unix_ms() / 1000.0;
	metrics_reg.disabled = err == INK_OK && on == 0;
	return err;
}

int ink_metrics_enabled(void)
{
	return !metrics_reg.disabled;
}

/* metrics_release runs when a recording thread exits: its shard (and every
 * count in it) goes to the next thread that starts recording. */
static void metrics_release(void *p)
{
	metrics_shard *s = p;

	atomic_store(&s->owned, 0);
}

static void metrics_key_create(void)
{
	metrics_reg.key_ok = pthread_key_create(&metrics_reg.key, metrics_release) == 0;
}

/* metrics_shard_get returns this thread's shard, adopting a released one or
 * making one the first time; NULL when out of memory. */
static metrics_shard *metrics_shard_get(void)
{
	metrics_shard *s = metrics_mine;

	if (s != NULL)
		return s;
	pthread_once(&metrics_reg.key_once, metrics_key_create);
	pthread_mutex_lock(&metrics_reg.lock);
	for (s = metrics_reg.shards; s != NULL; s = s->next) {
		if (atomic_load(&s->owned) == 0)
			break;
	}
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s != NULL) {
			s->next = metrics_reg.shards;
			metrics_reg.shards = s;
		}
	}
	if (s != NULL)
		atomic_store(&s->owned, 1);
	pthread_mutex_unlock(&metrics_reg.lock);
	if (s != NULL && metrics_reg.key_ok)
		pthread_setspecific(metrics_reg.key, s);
	metrics_mine = s;
	return s;
}

/* metrics_key joins the label values into out (truncated to fit). */
static void metrics_key(const ink_metric_family *f, const char *const *values, char *out)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < f->nlabels && values != NULL; i++) {
		const char *v = values[i] != NULL ? values[i] : "";
		size_t n = strlen(v);
		if (used + n + 2 > METRICS_KEY_MAX)
			n = METRICS_KEY_MAX - used - 2;
		memcpy(out + used, v, n);
		used += n;
		out[used++] = METRICS_SEP;
		out[used] = '\0';
		if (used + 2 >= METRICS_KEY_MAX)
			break;
	}
}

static uint64_t metrics_hash(const ink_metric_family *f, const char *key)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)f;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ^ (h >> 29);
}

/* metrics_find returns this thread's series for f + values, claiming a free
 * slot for a new one; NULL when recording is off or nothing is left. */
static metrics_series *metrics_find(const ink_metric_family *f, const char *const *values)
{
	char key[METRICS_KEY_MAX];

	if (metrics_reg.disabled)
		return NULL;
	metrics_shard *s = metrics_shard_get();
	if (s == NULL)
		return NULL;
	metrics_key(f, values, key);
	uint64_t h = metrics_hash(f, key);
	for (unsigned i = 0; i < METRICS_SLOTS; i++) {
		metrics_series *m = &s->series[(h + i) & (METRICS_SLOTS - 1)];
		const ink_metric_family *have =
		    atomic_load_explicit(&m->family, memory_order_relaxed);
		if (have == NULL) {
			memcpy(m->key, key, sizeof(key));
			atomic_store_explicit(&m->family, f, memory_order_release);
			return m;
		}
		if (have == f && strcmp(m->key, key) == 0)
			return m;
	}
	atomic_store_explicit(&s->dropped,
	                      atomic_load_explicit(&s->dropped, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	return NULL;
}
/* metrics_bump_double adds n to a double kept in w; only w's owner writes. */
static void metrics_bump_double(_Atomic uint64_t *w, double n)
{
	double d = metrics_bits_double(atomic_load_explicit(w, memory_order_relaxed));

	atomic_store_explicit(w, metrics_double_bits(d + n), memory_order_relaxed);
}

static void metrics_bump(_Atomic uint64_t *w)
{
	atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

void ink_metrics_add(const ink_metric_family *f, const char *const *values, double n)
{
	metrics_series *m = metrics_find(f, values);

	if (m != NULL)
		metrics_bump_double(&m->v[0], n);
}

void ink_metrics_observe(const ink_metric_family *f, const char *const *values, double v)
{
	metrics_series *m = metrics_find(f, values);

	if (m == NULL)
		return;
	int nb = f->nbounds < INK_METRICS_BUCKETS ? f->nbounds : INK_METRICS_BUCKETS;
	int b = 0;
	while (b < nb && v > f->bounds[b])
		b++;
	metrics_bump(&m->v[b]);
	metrics_bump_double(&m->sum, v);
}

/* ---- collectors ------------------------------------------------------ */

ink_err ink_metrics_collector_add(const ink_metric_family *f, ink_metrics_collect_fn fn, void *arg)
{
	ink_err err = INK_OK;

	pthread_mutex_lock(&metrics_reg.lock);
	if (metrics_reg.ncoll == metrics_reg.capcoll) {
		size_t cap = metrics_reg.capcoll ? metrics_reg.capcoll * 2 : 8;
		metrics_collector *c = realloc(metrics_reg.coll, cap * sizeof(*c));
		if (c == NULL) {
			err = INK_RESOURCE_EXHAUSTED;
			goto out;
		}
		metrics_reg.coll = c;
		metrics_reg.capcoll = cap;
	}
	metrics_reg.coll[metrics_reg.ncoll++] = (metrics_collector){f, fn, arg};
out:
	pthread_mutex_unlock(&metrics_reg.lock);
	return err;
}

void ink_metrics_collector_remove(const ink_metric_family *f, ink_metrics_collect_fn fn, void *arg)
{
	pthread_mutex_lock(&metrics_reg.lock);
	for (size_t i = 0; i < metrics_reg.ncoll; i++) {
		const metrics_collector *c = &metrics_reg.coll[i];
		if (c->family == f && c->fn == fn && c->arg == arg) {
			metrics_reg.coll[i] = metrics_reg.coll[--metrics_reg.ncoll];
			break;
		}
	}
	if (metrics_reg.ncoll == 0) {
		free(metrics_reg.coll);
		metrics_reg.coll = NULL;
		metrics_reg.capcoll = 0;
	}
	pthread_mutex_unlock(&metrics_reg.lock);
}
/* metrics_write_collected runs every collector, grouped by family so each
 * family's HELP and TYPE come once; under the registry lock. */
static void metrics_write_collected(ink_metrics_buf *out)
{
	size_t n = metrics_reg.ncoll;
	int *done = calloc(n ? n : 1, sizeof(*done));

	if (done == NULL) {
		out->failed = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		const ink_metric_family *f = metrics_reg.coll[i].family;
		metrics_text_family(out, f);
		for (size_t j = i; j < n; j++) {
			const metrics_collector *c = &metrics_reg.coll[j];
			if (done[j] || strcmp(c->family->name, f->name) != 0)
				continue;
			done[j] = 1;
			c->fn(c->arg, c->family, out);
		}
	}
	free(done);
}

static void metrics_write_process(ink_metrics_buf *out, uint64_t dropped)
{
	double now = (double)ink_now_unix_ms() / 1000.0;

	ink_metrics_printf(out,
	                   "# HELP inkwell_build_info Which build is running (always 1).\n"
	                   "# TYPE inkwell_build_info gauge\n"
	                   "inkwell_build_info{service=\"%s\",version=\"%s\",git_hash=\"%s\"} 1\n",
	                   metrics_reg.service, INK_VERSION, INK_GIT_HASH);
	ink_metrics_printf(out,
	                   "# HELP inkwell_process_uptime_seconds Seconds since the process "
	                   "started.\n"
	                   "# TYPE inkwell_process_uptime_seconds gauge\n"
	                   "inkwell_process_uptime_seconds %.3f\n",
	                   metrics_reg.start_unix_s > 0 ? now - metrics_reg.start_unix_s : 0.0);
	ink_metrics_printf(out,
	                   "# HELP inkwell_process_start_time_seconds Start time of the process "
	                   "since the Unix epoch.\n"
	                   "# TYPE inkwell_process_start_time_seconds gauge\n"
	                   "inkwell_process_start_time_seconds %.3f\n",
	                   metrics_reg.start_unix_s);
	ink_metrics_printf(out,
	                   "# HELP inkwell_metrics_dropped_series_total Samples dropped because "
	                   "a thread's series table was full.\n"
	                   "# TYPE inkwell_metrics_dropped_series_total counter\n"
	                   "inkwell_metrics_dropped_series_total %llu\n",
	                   (unsigned long long)dropped);
}

ink_err ink_metrics_scrape(char **text, size_t *len)
{
	ink_metrics_buf out = {0};
	uint64_t dropped = 0;

	pthread_mutex_lock(&metrics_reg.lock);
	int rc = metrics_text_series(metrics_reg.shards, &out, &dropped);
	if (rc == 0)
		metrics_write_collected(&out);
	pthread_mutex_unlock(&metrics_reg.lock);
	metrics_write_process(&out, dropped);
	if (rc != 0 || out.failed || out.p == NULL) {
		free(out.p);
		return INK_RESOURCE_EXHAUSTED;
	}
	*text = out.p;
	*len = out.len;
	return INK_OK;
}
