/*
 * metrics_bench.c - what one metrics sample costs on the recording thread:
 * the ns of ink_metrics_add and ink_metrics_observe with the labels the RPC
 * layer uses (peer, full method name, code), in a tight loop on one thread.
 * bench/metrics.sh sets it beside the CPU time of one RPC round trip, since
 * an A/B throughput run on a shared 2-core machine is noisier than 3 %.
 *
 * Usage: inkwell-metrics-bench [SAMPLES]   prints "add NS" and "observe NS".
 */
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "metrics.h"

static const ink_metric_family bench_calls = {
    .name = "bench_calls_total",
    .help = "bench",
    .type = INK_METRIC_COUNTER,
    .nlabels = 3,
    .labels = {"peer", "method", "code"},
};

static const ink_metric_family bench_seconds = {
    .name = "bench_seconds",
    .help = "bench",
    .type = INK_METRIC_HISTOGRAM,
    .nlabels = 2,
    .labels = {"peer", "method"},
    .nbounds = 14,
    .bounds = ink_metrics_latency_bounds,
};

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000000;
	const char *labels[] = {"template-svc", "inkwell.template.v1.Templates/Convert", "OK"};
	/* Some neighbours in the table, as in a service that has served a while. */
	const char *other[] = {"user-svc", "inkwell.user.v1.Library/ListTemplates", "OK"};

	if (n < 1)
		n = 1;
	if (ink_metrics_init("metrics-bench") != INK_OK)
		return 2;
	for (int i = 0; i < 64; i++) {
		ink_metrics_add(&bench_calls, other, 1);
		other[2] = i % 2 ? "NOT_FOUND" : "OK";
	}
	double start = ink_mono_ms();
	for (long i = 0; i < n; i++)
		ink_metrics_add(&bench_calls, labels, 1);
	double add_ns = (ink_mono_ms() - start) * 1e6 / (double)n;
	start = ink_mono_ms();
	for (long i = 0; i < n; i++)
		ink_metrics_observe(&bench_seconds, labels, (double)(i % 1000) / 10000.0);
	double obs_ns = (ink_mono_ms() - start) * 1e6 / (double)n;
	printf("add %.1f\nobserve %.1f\n", add_ns, obs_ns);
	return 0;
}
