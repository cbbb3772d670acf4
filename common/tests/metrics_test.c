/*
 * metrics_test.c - counts recorded on several threads add up in one scrape,
 * histograms are cumulative with _count equal to the +Inf bucket, label
 * values are escaped, a collector appears until removed, and
 * METRICS_ENABLED=0 records nothing. The text it writes is checked by
 * promtool in the integration test (tests/test_metrics.py).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

static const ink_metric_family t_counter = {
    .name = "t_requests_total",
    .help = "test counter",
    .type = INK_METRIC_COUNTER,
    .nlabels = 2,
    .labels = {"method", "code"},
};

static const double t_bounds[] = {1, 2, 5};
static const ink_metric_family t_hist = {
    .name = "t_seconds",
    .help = "test histogram",
    .type = INK_METRIC_HISTOGRAM,
    .nlabels = 1,
    .labels = {"method"},
    .nbounds = 3,
    .bounds = t_bounds,
};

#define T_THREADS 4
#define T_EACH    10000

static void *t_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < T_EACH; i++)
		ink_metrics_add(&t_counter, (const char *[]){"Get", "OK"}, 1);
	ink_metrics_observe(&t_hist, (const char *[]){"Get"}, 0.5);
	ink_metrics_observe(&t_hist, (const char *[]){"Get"}, 3);
	return NULL;
}

static char *t_scrape(void)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(ink_metrics_scrape(&text, &len), INK_OK);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_threads_sum(void **state)
{
	pthread_t th[T_THREADS];

	(void)state;
	for (int i = 0; i < T_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, t_worker, NULL), 0);
	for (int i = 0; i < T_THREADS; i++)
		pthread_join(th[i], NULL);
	/* A new thread takes over an exited one's shard: counts stay. */
	pthread_create(&th[0], NULL, t_worker, NULL);
	pthread_join(th[0], NULL);
	char *text = t_scrape();
	assert_non_null(strstr(text, "# TYPE t_requests_total counter\n"));
	assert_non_null(strstr(text, "t_requests_total{method=\"Get\",code=\"OK\"} 50000\n"));
	assert_non_null(strstr(text, "# TYPE t_seconds histogram\n"));
	assert_non_null(strstr(text, "t_seconds_bucket{method=\"Get\",le=\"1\"} 5\n"));
	assert_non_null(strstr(text, "t_seconds_bucket{method=\"Get\",le=\"2\"} 5\n"));
	assert_non_null(strstr(text, "t_seconds_bucket{method=\"Get\",le=\"5\"} 10\n"));
	assert_non_null(strstr(text, "t_seconds_bucket{method=\"Get\",le=\"+Inf\"} 10\n"));
	assert_non_null(strstr(text, "t_seconds_sum{method=\"Get\"} 17.5\n"));
	assert_non_null(strstr(text, "t_seconds_count{method=\"Get\"} 10\n"));
	assert_non_null(strstr(text, "inkwell_build_info{service=\"metrics_test\""));
	/* One HELP per family, however many shards hold it. */
	char *first = strstr(text, "# HELP t_requests_total");
	assert_non_null(first);
	assert_null(strstr(first + 1, "# HELP t_requests_total"));
	free(text);
}

static void test_escaping(void **state)
{
	(void)state;
	ink_metrics_add(&t_counter, (const char *[]){"a\"b\\c\nd", "OK"}, 2);
	char *text = t_scrape();
	assert_non_null(
	    strstr(text, "t_requests_total{method=\"a\\\"b\\\\c\\nd\",code=\"OK\"} 2\n"));
	free(text);
}

static const ink_metric_family t_gauge = {
    .name = "t_gauge",
    .help = "test gauge",
    .type = INK_METRIC_GAUGE,
    .nlabels = 1,
    .labels = {"peer"},
};

static void t_collect(void *arg, const ink_metric_family *f, ink_metrics_buf *out)
{
	ink_metrics_printf(out, "%s{peer=\"p%d\"} %d\n", f->name, *(int *)arg, *(int *)arg);
}

static void test_collector(void **state)
{
	int v = 7, w = 8;

	(void)state;
	assert_int_equal(ink_metrics_collector_add(&t_gauge, t_collect, &v), INK_OK);
	assert_int_equal(ink_metrics_collector_add(&t_gauge, t_collect, &w), INK_OK);
	char *text = t_scrape();
	/* Two collectors of one family: one HELP, both samples. */
	assert_non_null(strstr(text, "# TYPE t_gauge gauge\nt_gauge{peer=\"p7\"} 7\n"
	                             "t_gauge{peer=\"p8\"} 8\n"));
	char *help = strstr(text, "# HELP t_gauge");
	assert_non_null(help);
	assert_null(strstr(help + 1, "# HELP t_gauge"));
	free(text);
	ink_metrics_collector_remove(&t_gauge, t_collect, &w);
	ink_metrics_collector_remove(&t_gauge, t_collect, &v);
	text = t_scrape();
	assert_null(strstr(text, "t_gauge"));
	free(text);
}

static void test_disabled(void **state)
{
	(void)state;
	setenv("METRICS_ENABLED", "0", 1);
	assert_int_equal(ink_metrics_init("metrics_test"), INK_OK);
	assert_false(ink_metrics_enabled());
	ink_metrics_add(&t_counter, (const char *[]){"Off", "OK"}, 1);
	char *text = t_scrape();
	assert_null(strstr(text, "method=\"Off\""));
	free(text);
	/* A typo is refused (the service would not start), not read as "on". */
	setenv("METRICS_ENABLED", "off", 1);
	assert_int_equal(ink_metrics_init("metrics_test"), INK_INVALID_ARGUMENT);
	assert_true(ink_metrics_enabled());
	unsetenv("METRICS_ENABLED");
	assert_int_equal(ink_metrics_init("metrics_test"), INK_OK);
	assert_true(ink_metrics_enabled());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threads_sum),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_collector),
	    cmocka_unit_test(test_disabled),
	};
	if (ink_metrics_init("metrics_test") != INK_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
