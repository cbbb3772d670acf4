/*
 * metrics_text.c - Prometheus text format 0.0.4 (see metrics.h): label
 * escaping, one HELP and TYPE per family, histograms as cumulative buckets
 * with _sum and _count, every shard's copy of a series summed into one
 * sample. A histogram's count is the sum of its buckets as read, so _count
 * always equals the +Inf bucket.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_priv.h"

static int metrics_grow(ink_metrics_buf *out, size_t need)
{
	if (out->failed)
		return -1;
	if (out->len + need + 1 <= out->cap)
		return 0;
	size_t cap = out->cap ? out->cap : 16384;
	while (cap < out->len + need + 1)
		cap *= 2;
	char *p = cap <= METRICS_MAX_OUT ? realloc(out->p, cap) : NULL;
	if (p == NULL) {
		out->failed = 1;
		return -1;
	}
	out->p = p;
	out->cap = cap;
	return 0;
}

void ink_metrics_printf(ink_metrics_buf *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || metrics_grow(out, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(out->p + out->len, out->cap - out->len, fmt, ap);
	va_end(ap);
	out->len += (size_t)n;
}

static void metrics_putc(ink_metrics_buf *out, char c)
{
	if (metrics_grow(out, 1) != 0)
		return;
	out->p[out->len++] = c;
	out->p[out->len] = '\0';
}

void ink_metrics_label_value(ink_metrics_buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"') {
			metrics_putc(out, '\\');
			metrics_putc(out, *v);
		} else if (*v == '\n') {
			metrics_putc(out, '\\');
			metrics_putc(out, 'n');
		} else {
			metrics_putc(out, *v);
		}
	}
}

/* metrics_labels writes {a="x",b="y"[,extra]} for a series key; `le` (may
 * be NULL) is a histogram bucket's bound, already formatted. */
static void metrics_labels(ink_metrics_buf *out, const ink_metric_family *f, const char *key,
                           const char *le)
{
	const char *p = key;
	int first = 1;

	if (f->nlabels == 0 && le == NULL)
		return;
	metrics_putc(out, '{');
	for (int i = 0; i < f->nlabels; i++) {
		const char *end = strchr(p, METRICS_SEP);
		char v[METRICS_KEY_MAX];
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		memcpy(v, p, n);
		v[n] = '\0';
		ink_metrics_printf(out, "%s%s=\"", first ? "" : ",", f->labels[i]);
		ink_metrics_label_value(out, v);
		metrics_putc(out, '"');
		first = 0;
		p = end != NULL ? end + 1 : p + n;
	}
	if (le != NULL)
		ink_metrics_printf(out, "%sle=\"%s\"", first ? "" : ",", le);
	metrics_putc(out, '}');
}

/* metrics_num formats a sample value as the text format wants it. */
static void metrics_num(char *buf, size_t len, double v)
{
	if (isinf(v))
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (isnan(v))
		snprintf(buf, len, "NaN");
	else
		snprintf(buf, len, "%.15g", v);
}

static int metrics_cmp(const void *a, const void *b)
{
	const metrics_series *x = *(const metrics_series *const *)a;
	const metrics_series *y = *(const metrics_series *const *)b;
	const ink_metric_family *fx = atomic_load_explicit(&x->family, memory_order_acquire);
	const ink_metric_family *fy = atomic_load_explicit(&y->family, memory_order_acquire);
	int c = strcmp(fx->name, fy->name);

	return c != 0 ? c : strcmp(x->key, y->key);
}

static const char *metrics_type_name(ink_metric_type t)
{
	return t == INK_METRIC_COUNTER ? "counter" : t == INK_METRIC_GAUGE ? "gauge" : "histogram";
}

/* metrics_emit writes one series, summed over the run all[0..n) of copies
 * of it in different shards. */
static void metrics_emit(ink_metrics_buf *out, metrics_series *const *all, size_t n)
{
	const ink_metric_family *f = atomic_load_explicit(&all[0]->family, memory_order_acquire);
	char num[48];

	if (f->type != INK_METRIC_HISTOGRAM) {
		double v = 0;
		for (size_t i = 0; i < n; i++)
			v += metrics_bits_double(
			    atomic_load_explicit(&all[i]->v[0], memory_order_relaxed));
		metrics_num(num, sizeof(num), v);
		ink_metrics_printf(out, "%s", f->name);
		metrics_labels(out, f, all[0]->key, NULL);
		ink_metrics_printf(out, " %s\n", num);
		return;
	}
	int nb = f->nbounds < INK_METRICS_BUCKETS ? f->nbounds : INK_METRICS_BUCKETS;
	uint64_t cum = 0;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum +=
		    metrics_bits_double(atomic_load_explicit(&all[i]->sum, memory_order_relaxed));
	for (int b = 0; b <= nb; b++) {
		for (size_t i = 0; i < n; i++)
			cum += atomic_load_explicit(&all[i]->v[b], memory_order_relaxed);
		char le[48];
		if (b < nb)
			metrics_num(le, sizeof(le), f->bounds[b]);
		else
			snprintf(le, sizeof(le), "+Inf");
		ink_metrics_printf(out, "%s_bucket", f->name);
		metrics_labels(out, f, all[0]->key, le);
		ink_metrics_printf(out, " %llu\n", (unsigned long long)cum);
	}
	metrics_num(num, sizeof(num), sum);
	ink_metrics_printf(out, "%s_sum", f->name);
	metrics_labels(out, f, all[0]->key, NULL);
	ink_metrics_printf(out, " %s\n%s_count", num, f->name);
	metrics_labels(out, f, all[0]->key, NULL);
	ink_metrics_printf(out, " %llu\n", (unsigned long long)cum);
}

int metrics_text_series(metrics_shard *head, ink_metrics_buf *out, uint64_t *dropped)
{
	size_t n = 0;

	for (metrics_shard *s = head; s != NULL; s = s->next)
		n += METRICS_SLOTS;
	metrics_series **all = malloc((n ? n : 1) * sizeof(*all));
	if (all == NULL)
		return -1;
	n = 0;
	for (metrics_shard *s = head; s != NULL; s = s->next) {
		*dropped += atomic_load_explicit(&s->dropped, memory_order_relaxed);
		for (size_t i = 0; i < METRICS_SLOTS; i++) {
			if (atomic_load_explicit(&s->series[i].family, memory_order_acquire) !=
			    NULL)
				all[n++] = &s->series[i];
		}
	}
	qsort(all, n, sizeof(*all), metrics_cmp);
	const ink_metric_family *last = NULL;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && metrics_cmp(&all[i], &all[j]) == 0)
			j++;
		const ink_metric_family *f =
		    atomic_load_explicit(&all[i]->family, memory_order_acquire);
		if (last == NULL || strcmp(last->name, f->name) != 0)
			metrics_text_family(out, f);
		last = f;
		metrics_emit(out, &all[i], j - i);
		i = j;
	}
	free(all);
	return 0;
}

void metrics_text_family(ink_metrics_buf *out, const ink_metric_family *f)
{
	ink_metrics_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
	                   metrics_type_name(f->type));
}
