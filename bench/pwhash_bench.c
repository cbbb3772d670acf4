/*
 * pwhash_bench.c - the floor for sign-in throughput: how many argon2id
 * hashes (the same parameters as user-svc) this machine makes per second
 * with N threads. bench/auth.sh prints the API's rates beside this one.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

typedef struct bench_worker {
	pthread_t thread;
	double until;
	long done;
	int failed;
} bench_worker;

static void *bench_main(void *arg)
{
	bench_worker *w = arg;
	char out[crypto_pwhash_STRBYTES];

	while (ink_mono_ms() < w->until) {
		if (crypto_pwhash_str(out, "correct horse battery", 21,
		                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
		                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			w->failed = 1;
			return NULL;
		}
		w->done++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
	double seconds = argc > 2 ? strtod(argv[2], NULL) : 5.0;
	bench_worker *w = calloc((size_t)(threads > 0 ? threads : 1), sizeof(*w));
	long total = 0;

	if (w == NULL || threads < 1 || seconds <= 0 || sodium_init() < 0) {
		fprintf(stderr, "usage: inkwell-pwhash-bench [THREADS] [SECONDS]\n");
		return 1;
	}
	double start = ink_mono_ms();
	for (int i = 0; i < threads; i++) {
		w[i].until = start + seconds * 1000.0;
		if (pthread_create(&w[i].thread, NULL, bench_main, &w[i]) != 0)
			return 1;
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].failed)
			return 1;
		total += w[i].done;
	}
	double elapsed = (ink_mono_ms() - start) / 1000.0;
	printf("%.1f\n", (double)total / elapsed);
	free(w);
	return 0;
}
