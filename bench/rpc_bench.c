/*
 * rpc_bench.c - what common/'s RPC layer costs over the nng REQ/REP it is
 * built on. In one process, over TCP loopback, with the same thread counts:
 *
 *   raw   nng contexts ping-ponging a 200-byte message (the floor: nng alone)
 *   ink   ink_rpc_call_raw -> ink_rpc_server (envelope, deadline, method
 *         table, request id, reply) with a 200-byte body echoed back
 *
 * Usage: inkwell-rpc-bench PORT [SECONDS [CLIENT_THREADS [SERVER_WORKERS]]]
 * listens on 127.0.0.1:PORT and PORT+1 (bench/rpc.sh finds free ones).
 * Prints one line per run: "raw|ink round_trips_per_s".
 */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "rpc_client.h"
#include "rpc_server.h"

#define BENCH_BODY    200
#define BENCH_THREADS 64

typedef struct bench_run {
	atomic_long round_trips;
	atomic_int stop;
	atomic_int failed;
	nng_socket req;         /* raw run */
	ink_rpc_client *client; /* ink run */
} bench_run;

/* ---- raw nng ----------------------------------------------------------- */

static void *raw_server(void *arg)
{
	nng_socket *rep = arg;
	nng_ctx ctx;
	nng_aio *aio;

	if (nng_ctx_open(&ctx, *rep) != 0 || nng_aio_alloc(&aio, NULL, NULL) != 0)
		return NULL;
	for (;;) {
		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0)
			break;
		nng_ctx_send(ctx, aio); /* the request goes back as its own reply */
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0)
			nng_msg_free(nng_aio_get_msg(aio));
	}
	nng_aio_free(aio);
	return NULL;
}

static void *raw_client(void *arg)
{
	bench_run *run = arg;
	nng_ctx ctx;
	nng_aio *aio;

	if (nng_ctx_open(&ctx, run->req) != 0 || nng_aio_alloc(&aio, NULL, NULL) != 0) {
		atomic_store(&run->failed, 1);
		return NULL;
	}
	while (!atomic_load(&run->stop)) {
		nng_msg *msg;
		if (nng_msg_alloc(&msg, BENCH_BODY) != 0)
			break;
		nng_aio_set_msg(aio, msg);
		nng_ctx_send(ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0) {
			nng_msg_free(msg);
			atomic_store(&run->failed, 1);
			break;
		}
		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0) {
			atomic_store(&run->failed, 1);
			break;
		}
		nng_msg_free(nng_aio_get_msg(aio));
		atomic_fetch_add(&run->round_trips, 1);
	}
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	return NULL;
}

/* ---- through common/ ----------------------------------------------------- */

static ink_err bench_echo(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ProtobufCBinaryData out = {len, malloc(len ? len : 1)};

	if (out.data == NULL)
		return ink_rpc_fail(ctx, INK_RESOURCE_EXHAUSTED, "out of memory");
	memcpy(out.data, body, len);
	ink_rpc_reply_raw(ctx, out);
	return INK_OK;
}

static void *ink_client(void *arg)
{
	bench_run *run = arg;
	uint8_t body[BENCH_BODY] = {0};

	ink_log_set_request_id("rpc-bench");
	while (!atomic_load(&run->stop)) {
		ProtobufCBinaryData reply;
		ink_err err = ink_rpc_call_raw(run->client, "bench.Echo/Echo", NULL, 2000, body,
		                               sizeof(body), &reply, NULL, 0);
		free(reply.data);
		if (err != INK_OK || reply.len != sizeof(body)) {
			atomic_store(&run->failed, 1);
			break;
		}
		atomic_fetch_add(&run->round_trips, 1);
	}
	return NULL;
}

/* bench_clients runs `threads` of fn for `seconds`; round trips per second,
 * or -1 when a call failed. */
static double bench_clients(bench_run *run, void *(*fn)(void *), int threads, int seconds)
{
	pthread_t t[BENCH_THREADS];
	int started = 0;

	for (; started < threads; started++) {
		if (pthread_create(&t[started], NULL, fn, run) != 0)
			break;
	}
	double start = ink_mono_ms();
	sleep((unsigned)seconds); /* the measuring window, not synchronisation */
	long n = atomic_load(&run->round_trips);
	double secs = (ink_mono_ms() - start) / 1000.0;
	atomic_store(&run->stop, 1);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	return started == threads && !atomic_load(&run->failed) ? (double)n / secs : -1;
}

static double bench_raw(const char *url, int seconds, int threads, int workers)
{
	bench_run run = {0};
	nng_socket rep;
	pthread_t w[BENCH_THREADS];
	double rate = -1;

	int started = 0;

	if (nng_rep0_open(&rep) != 0 || nng_listen(rep, url, NULL, 0) != 0)
		return -1;
	while (started < workers && pthread_create(&w[started], NULL, raw_server, &rep) == 0)
		started++;
	if (started == workers && nng_req0_open(&run.req) == 0 &&
	    nng_dial(run.req, url, NULL, 0) == 0)
		rate = bench_clients(&run, raw_client, threads, seconds);
	nng_close(run.req);
	nng_close(rep); /* workers' receives fail with ECLOSED */
	for (int i = 0; i < started; i++)
		pthread_join(w[i], NULL);
	return rate;
}

static double bench_ink(const char *url, int seconds, int threads, int workers)
{
	static const ink_rpc_method methods[] = {{"bench.Echo/Echo", bench_echo, 0},
	                                         {NULL, NULL, 0}};
	ink_rpc_server_config cfg = {
	    .service = "rpc-bench",
	    .listen = url,
	    .workers = workers,
	    .recv_max = 1 << 20,
	    .methods = methods,
	};
	ink_rpc_server *server = NULL;
	char why[256];
	bench_run run = {0};
	double rate = -1;

	if (ink_rpc_server_start(&cfg, &server) != INK_OK)
		return -1;
	if (ink_rpc_client_open_now("rpc-bench", url, 1 << 20, &run.client, why, sizeof(why)) ==
	    INK_OK) {
		rate = bench_clients(&run, ink_client, threads, seconds);
		ink_rpc_client_close(run.client);
	} else {
		fprintf(stderr, "inkwell-rpc-bench: %s\n", why);
	}
	ink_rpc_server_stop(server);
	return rate;
}

/* bench_arg reads argv[i] as a whole number, def when absent; -1 for text
 * that is not one (atoi would read it as 0, or as its leading digits). */
static int bench_arg(int argc, char **argv, int i, int def)
{
	char *end = NULL;

	if (argc <= i)
		return def;
	long v = strtol(argv[i], &end, 10);
	return end == argv[i] || *end != '\0' || v < 0 || v > 1000000 ? -1 : (int)v;
}

int main(int argc, char **argv)
{
	int port = bench_arg(argc, argv, 1, 0);
	int seconds = bench_arg(argc, argv, 2, 5);
	int threads = bench_arg(argc, argv, 3, 32);
	int workers = bench_arg(argc, argv, 4, 16);
	char url[64];

	if (port < 1 || port > 65534 || seconds < 1 || threads < 1 || threads > BENCH_THREADS ||
	    workers < 1 || workers > BENCH_THREADS) {
		fprintf(stderr,
		        "usage: inkwell-rpc-bench PORT [SECONDS [THREADS<=%d [WORKERS<=%d]]]\n",
		        BENCH_THREADS, BENCH_THREADS);
		return 2;
	}
	ink_log_init("rpc-bench");
	if (ink_metrics_init("rpc-bench") !=
	    INK_OK) /* METRICS_ENABLED=0: bench/metrics.sh's baseline */
		return 2;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	double raw = bench_raw(url, seconds, threads, workers);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port + 1);
	double ink = bench_ink(url, seconds, threads, workers);
	if (raw < 0 || ink < 0) {
		fprintf(stderr, "inkwell-rpc-bench: a run failed (raw %.0f, ink %.0f)\n", raw, ink);
		return 1;
	}
	printf("raw %.0f\nink %.0f\n", raw, ink);
	return 0;
}
