/*
 * rpc_batch_test.c - reads combined into one round trip (rpc_batch.h) must
 * answer each caller exactly as if it had called alone: its own reply, its
 * own error, its own deadline; and a batch may carry reads only. A real
 * REQ/REP server over inproc, real threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>

#include "clock.h"
#include "health.pb-c.h"
#include "log.h"
#include "metrics.h"
#include "rpc_batch.h"
#include "rpc_client.h"
#include "rpc_envelope.h"
#include "rpc_server.h"

static sem_t hold_entered, hold_release;
static int write_calls;

/* A read answering with the name it was sent; "missing" is NOT_FOUND. */
static ink_err get_echo(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Health__V1__HealthCheckRequest *req =
	    inkwell__health__v1__health_check_request__unpack(NULL, len, body);

	if (req == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "body does not parse");
	if (strcmp(req->service, "missing") == 0) {
		inkwell__health__v1__health_check_request__free_unpacked(req, NULL);
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no %s for %s", "missing", ctx->request_id);
	}
	Inkwell__Health__V1__HealthCheckResponse resp =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	resp.service = req->service;
	ink_err err = ink_rpc_reply(ctx, &resp.base);
	inkwell__health__v1__health_check_request__free_unpacked(req, NULL);
	return err;
}

/* A read that holds its batch's lane until the test lets it go. */
static ink_err get_hold(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	sem_post(&hold_entered);
	sem_wait(&hold_release);
	return get_echo(ctx, body, len);
}

static ink_err save_thing(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	write_calls++;
	return ink_rpc_fail(ctx, INK_INTERNAL, "a write ran");
}

static const ink_rpc_method methods[] = {
    {"test.v1.T/GetEcho", get_echo, 0},
    {"test.v1.T/GetHold", get_hold, 0},
    {"test.v1.T/SaveThing", save_thing, 0},
    {NULL, NULL, 0},
};

static const ink_rpc_server_config server_cfg = {
    .service = "test-svc",
    .listen = "inproc://rpc-batch-test",
    .workers = 2,
    .recv_max = 1 << 20,
    .methods = methods,
};

typedef struct fixture {
	ink_rpc_server *server;
	ink_rpc_client *client;
	ink_rpc_batcher *reads;
} fixture;

static int setup(void **state)
{
	static fixture f;
	char why[128];

	memset(&f, 0, sizeof(f));
	write_calls = 0;
	if (sem_init(&hold_entered, 0, 0) != 0 || sem_init(&hold_release, 0, 0) != 0 ||
	    ink_rpc_server_start(&server_cfg, &f.server) != INK_OK ||
	    ink_rpc_client_open_now("test-svc", server_cfg.listen, 1 << 20, &f.client, why,
	                            sizeof(why)) != INK_OK ||
	    ink_rpc_batcher_open(f.client, 1, &f.reads) != INK_OK)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	ink_rpc_batcher_close(f->reads);
	ink_rpc_client_close(f->client);
	ink_rpc_server_stop(f->server);
	sem_destroy(&hold_entered);
	sem_destroy(&hold_release);
	return 0;
}

/* echo calls method with `name` through the batcher; the code, and the
 * name answered in *got (when OK) or the error message in why. */
static ink_err echo(fixture *f, const char *method, const char *name, int64_t timeout_ms, char *got,
                    size_t got_len, char *why, size_t why_len)
{
	Inkwell__Health__V1__HealthCheckRequest body =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	ProtobufCBinaryData reply;

	body.service = (char *)name;
	ink_err err = ink_rpc_batch_call(f->reads, method, NULL, timeout_ms, &body.base, &reply,
	                                 why, why_len);
	if (err == INK_OK) {
		Inkwell__Health__V1__HealthCheckResponse *r =
		    inkwell__health__v1__health_check_response__unpack(NULL, reply.len, reply.data);
		assert_non_null(r);
		snprintf(got, got_len, "%s", r->service);
		inkwell__health__v1__health_check_response__free_unpacked(r, NULL);
	}
	free(reply.data);
	return err;
}

/* server_batches reads how many Batch requests the server answered. */
static long server_batches(void)
{
	char *text = NULL;
	size_t len = 0;
	long n = 0;
	const char *key =
	    "inkwell_rpc_server_requests_total{method=\"" INK_RPC_BATCH_METHOD "\",code=\"OK\"} ";

	assert_int_equal(ink_metrics_scrape(&text, &len), INK_OK);
	const char *at = strstr(text, key);
	if (at != NULL)
		n = strtol(at + strlen(key), NULL, 10);
	free(text);
	return n;
}

typedef struct caller_arg {
	fixture *f;
	char name[32];
	ink_err err;
	char got[32];
	char why[128];
} caller_arg;

static void *caller_main(void *p)
{
	caller_arg *a = p;

	a->err = echo(a->f, "test.v1.T/GetEcho", a->name, 5000, a->got, sizeof(a->got), a->why,
	              sizeof(a->why));
	return NULL;
}

static void *holder_main(void *p)
{
	caller_arg *a = p;

	a->err = echo(a->f, "test.v1.T/GetHold", a->name, 5000, a->got, sizeof(a->got), a->why,
	              sizeof(a->why));
	return NULL;
}

/* Calls that queue while the lane is busy go together in one batch, and
 * each gets its own answer: its name back, or its own NOT_FOUND. */
static void test_queued_reads_share_one_batch_each_its_own_answer(void **state)
{
	enum { N = 12 };
	fixture *f = *state;
	caller_arg hold = {.f = f, .name = "holder"}, args[N];
	pthread_t holder, callers[N];
	long before = server_batches();

	assert_int_equal(pthread_create(&holder, NULL, holder_main, &hold), 0);
	sem_wait(&hold_entered); /* the one lane is taken */
	for (int i = 0; i < N; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].f = f;
		snprintf(args[i].name, sizeof(args[i].name), i == 5 ? "missing" : "caller-%d", i);
		assert_int_equal(pthread_create(&callers[i], NULL, caller_main, &args[i]), 0);
	}
	while (ink_rpc_batcher_queued(f->reads) < N)
		sched_yield(); /* a state, not a time: every caller is waiting */
	sem_post(&hold_release);
	assert_int_equal(pthread_join(holder, NULL), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(pthread_join(callers[i], NULL), 0);

	assert_int_equal(hold.err, INK_OK);
	assert_string_equal(hold.got, "holder");
	for (int i = 0; i < N; i++) {
		if (i == 5) {
			assert_int_equal(args[i].err, INK_NOT_FOUND);
			assert_non_null(strstr(args[i].why, "no missing"));
		} else {
			assert_int_equal(args[i].err, INK_OK);
			assert_string_equal(args[i].got, args[i].name);
		}
	}
	/* The holder's batch, then one for all twelve. */
	assert_int_equal(server_batches() - before, 2);
}

/* A caller alone is answered at once, in a batch of one. */
static void test_lone_read_answered(void **state)
{
	fixture *f = *state;
	char got[32] = "", why[128];

	assert_int_equal(
	    echo(f, "test.v1.T/GetEcho", "alone", 2000, got, sizeof(got), why, sizeof(why)),
	    INK_OK);
	assert_string_equal(got, "alone");
}

/* A queued call whose deadline passes while the lane stays busy fails on
 * its own deadline, and is never sent. */
static void test_queued_call_keeps_its_deadline(void **state)
{
	fixture *f = *state;
	caller_arg hold = {.f = f, .name = "holder"};
	pthread_t holder;
	char got[32] = "", why[128];

	assert_int_equal(pthread_create(&holder, NULL, holder_main, &hold), 0);
	sem_wait(&hold_entered);
	double start = ink_mono_ms();
	assert_int_equal(
	    echo(f, "test.v1.T/GetEcho", "late", 50, got, sizeof(got), why, sizeof(why)),
	    INK_DEADLINE_EXCEEDED);
	assert_true(ink_mono_ms() - start >= 49);
	assert_non_null(strstr(why, "did not answer within 50 ms"));
	assert_int_equal(ink_rpc_batcher_queued(f->reads), 0);
	sem_post(&hold_release);
	assert_int_equal(pthread_join(holder, NULL), 0);
	assert_int_equal(hold.err, INK_OK);
}

/* Writes are never batched: refused by the client before sending, and by
 * the server if a batch carries one anyway (it does not run). */
static void test_writes_are_not_batched(void **state)
{
	fixture *f = *state;
	char got[32] = "", why[128];
	ProtobufCBinaryData env, reply;

	assert_int_equal(
	    echo(f, "test.v1.T/SaveThing", "x", 2000, got, sizeof(got), why, sizeof(why)),
	    INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "not a read"));
	assert_int_equal(write_calls, 0);

	assert_int_equal(ink_rpc_request_pack("test.v1.T/SaveThing", NULL, 0, NULL, 0, &env),
	                 INK_OK);
	Inkwell__Rpc__V1__Batch batch = INKWELL__RPC__V1__BATCH__INIT;
	batch.n_calls = 1;
	batch.calls = &env;
	assert_int_equal(ink_rpc_call(f->client, INK_RPC_BATCH_METHOD, NULL, 2000, &batch.base,
	                              &reply, why, sizeof(why)),
	                 INK_OK);
	free(env.data);
	Inkwell__Rpc__V1__Batch *answers =
	    inkwell__rpc__v1__batch__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(answers);
	assert_int_equal(answers->n_calls, 1);
	ProtobufCBinaryData body = {0, NULL};
	assert_int_equal(ink_rpc_response_take("test-svc", answers->calls[0].data,
	                                       answers->calls[0].len, &body, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "only reads"));
	inkwell__rpc__v1__batch__free_unpacked(answers, NULL);
	assert_int_equal(write_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_queued_reads_share_one_batch_each_its_own_answer,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lone_read_answered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queued_call_keeps_its_deadline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_writes_are_not_batched, setup, teardown),
	};

	ink_log_init("rpc_batch_test");
	if (ink_metrics_init("rpc_batch_test") != INK_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
