/*
 * rpc_failover_test.c - an instance that dies holding a call (issue 14): a
 * read is resent to another live instance and answered; a write is not
 * resent (it may have been done) and fails as "outcome unknown".
 *
 * The instances are bare nng REP sockets over inproc, each on a thread: the
 * first request any of them receives makes that one close its socket without
 * answering (a kill -9 as its peer sees it); every later one is answered.
 */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "rpc_client.h"

typedef struct fo_instance {
	nng_socket sock;
	pthread_t thread;
	atomic_int *received; /* shared by the instances of one test */
	atomic_int died;
} fo_instance;

/* fo_reply answers msg's call with INK_OK and the body "ok". */
static int fo_reply(nng_socket sock, nng_msg *msg)
{
	Inkwell__Rpc__V1__Response resp = INKWELL__RPC__V1__RESPONSE__INIT;
	uint8_t buf[64];

	resp.code = 0;
	resp.body.data = (uint8_t *)"ok";
	resp.body.len = 2;
	size_t n = inkwell__rpc__v1__response__pack(&resp, buf);
	nng_msg_clear(msg);
	if (nng_msg_append(msg, buf, n) != 0)
		return -1;
	return nng_sendmsg(sock, msg, 0);
}

static void *fo_run(void *arg)
{
	fo_instance *in = arg;

	for (;;) {
		nng_msg *msg = NULL;
		if (nng_recvmsg(in->sock, &msg, 0) != 0)
			return NULL; /* closed */
		if (atomic_fetch_add(in->received, 1) == 0) {
			nng_msg_free(msg);
			atomic_store(&in->died, 1);
			nng_close(in->sock);
			return NULL;
		}
		if (fo_reply(in->sock, msg) != 0)
			nng_msg_free(msg);
	}
}

static void fo_start(fo_instance *in, const char *url, atomic_int *received)
{
	in->received = received;
	atomic_init(&in->died, 0);
	assert_int_equal(nng_rep0_open(&in->sock), 0);
	assert_int_equal(nng_listen(in->sock, url, NULL, 0), 0);
	assert_int_equal(pthread_create(&in->thread, NULL, fo_run, in), 0);
}

static void fo_stop(fo_instance *in)
{
	if (!atomic_load(&in->died))
		nng_close(in->sock);
	assert_int_equal(pthread_join(in->thread, NULL), 0);
}

/* fo_call opens a client on both instances and makes one call of method. */
static ink_err fo_call(const char *list, const char *method, char *why, size_t why_len,
                       double *took_ms)
{
	ink_rpc_client *c = NULL;
	ProtobufCBinaryData reply = {0, NULL};
	char owhy[256] = "";

	assert_int_equal(ink_rpc_client_open_now("fo", list, 1 << 20, &c, owhy, sizeof(owhy)),
	                 INK_OK);
	/* Both pipes up before the call, so the request may go to either. */
	double deadline = ink_mono_ms() + 5000;
	while (ink_rpc_client_connected(c) < 2 && ink_mono_ms() < deadline)
		nng_msleep(5); /* polling a condition, with a deadline */
	assert_int_equal(ink_rpc_client_connected(c), 2);
	double start = ink_mono_ms();
	ink_err err = ink_rpc_call_raw(c, method, NULL, 3000, NULL, 0, &reply, why, why_len);
	*took_ms = ink_mono_ms() - start;
	if (err == INK_OK) {
		assert_int_equal(reply.len, 2);
		assert_memory_equal(reply.data, "ok", 2);
	}
	free(reply.data);
	ink_rpc_client_close(c);
	return err;
}

static void test_read_resent_to_live_instance(void **state)
{
	(void)state;
	atomic_int received;
	fo_instance a, b;
	char why[256] = "";
	double took = 0;

	atomic_init(&received, 0);
	fo_start(&a, "inproc://fo-read-a", &received);
	fo_start(&b, "inproc://fo-read-b", &received);
	ink_err err = fo_call("inproc://fo-read-a,inproc://fo-read-b", "inkwell.test.v1.T/GetThing",
	                      why, sizeof(why), &took);
	assert_int_equal(err, INK_OK);
	assert_int_equal(atomic_load(&received), 2); /* the dead one's, then the resend */
	assert_true(atomic_load(&a.died) + atomic_load(&b.died) == 1);
	assert_true(took < 2000); /* at once, not after a resend timer */
	fo_stop(&a);
	fo_stop(&b);
}

static void test_write_not_resent(void **state)
{
	(void)state;
	atomic_int received;
	fo_instance a, b;
	char why[256] = "";
	double took = 0;

	atomic_init(&received, 0);
	fo_start(&a, "inproc://fo-write-a", &received);
	fo_start(&b, "inproc://fo-write-b", &received);
	ink_err err = fo_call("inproc://fo-write-a,inproc://fo-write-b",
	                      "inkwell.test.v1.T/CreateThing", why, sizeof(why), &took);
	assert_int_equal(err, INK_DEADLINE_EXCEEDED);
	assert_non_null(strstr(why, "outcome is unknown"));
	assert_true(took < 2000); /* told at once, not at the deadline */
	fo_stop(&a);
	fo_stop(&b);
	assert_int_equal(atomic_load(&received), 1); /* never sent to the other one */
}

static void test_idempotent_methods(void **state)
{
	(void)state;
	static const char *const reads[] = {
	    "inkwell.user.v1.Library/GetTemplate",      "inkwell.user.v1.Library/ListTemplates",
	    "inkwell.template.v1.Templates/PrintPage",  "inkwell.health.v1.Health/Check",
	    "inkwell.user.v1.Users/Authenticate",       "inkwell.template.v1.Templates/Convert",
	    "inkwell.template.v1.Templates/ListGallery"};
	static const char *const writes[] = {"inkwell.user.v1.Users/Register",
	                                     "inkwell.user.v1.Library/CreateTemplate",
	                                     "inkwell.user.v1.Library/SaveGalleryItem",
	                                     "inkwell.template.v1.Templates/Publish",
	                                     "inkwell.template.v1.Templates/ReportGalleryItem",
	                                     "Get",
	                                     "",
	                                     NULL};

	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		assert_true(ink_rpc_idempotent(reads[i]));
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		assert_false(ink_rpc_idempotent(writes[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_resent_to_live_instance),
	    cmocka_unit_test(test_write_not_resent),
	    cmocka_unit_test(test_idempotent_methods),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
