/*
 * rpc_resolve_test.c - a peer address that is a DNS name is dialled at every
 * address it has, and the dialer set follows the name: an address that
 * disappears loses its dialer and connection, one that (re)appears is dialled
 * by the next re-resolve, a name that fails to resolve keeps its dialers.
 * Real nng REQ/REP sockets over TCP on 127.0.0.1; the REP side counts the
 * connections it sees, so every check is what a server would observe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#include "clock.h"
#include "rpc_resolve.h"

/* A listening REP socket and the connections it has seen. */
typedef struct server {
	nng_socket sock;
	int port;
	atomic_int live;
	atomic_int adds;
} server;

static void server_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	server *s = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&s->live, 1);
		atomic_fetch_add(&s->adds, 1);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		atomic_fetch_sub(&s->live, 1);
	}
}

static void server_start(server *s)
{
	nng_listener l;
	nng_sockaddr sa;

	atomic_init(&s->live, 0);
	atomic_init(&s->adds, 0);
	assert_int_equal(nng_rep0_open(&s->sock), 0);
	assert_int_equal(nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_POST, server_pipe_event, s), 0);
	assert_int_equal(nng_pipe_notify(s->sock, NNG_PIPE_EV_REM_POST, server_pipe_event, s), 0);
	assert_int_equal(nng_listen(s->sock, "tcp://127.0.0.1:0", &l, 0), 0);
	assert_int_equal(nng_listener_get_addr(l, NNG_OPT_LOCADDR, &sa), 0);
	s->port = ntohs(sa.s_in.sa_port);
}

/* wait_live polls until s has `want` connections; fails after 5 s. */
static void wait_live(server *s, int want)
{
	double deadline = ink_mono_ms() + 5000;

	while (atomic_load(&s->live) != want && ink_mono_ms() < deadline)
		nng_msleep(10);
	assert_int_equal(atomic_load(&s->live), want);
}

static void req_open(nng_socket *sock)
{
	assert_int_equal(nng_req0_open(sock), 0);
	assert_int_equal(nng_socket_set_ms(*sock, NNG_OPT_RECONNMINT, 20), 0);
	assert_int_equal(nng_socket_set_ms(*sock, NNG_OPT_RECONNMAXT, 200), 0);
}

static int addrs_has(const ink_rpc_addrs *a, const char *url)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->url[i], url) == 0)
			return 1;
	return 0;
}

static void test_expand_names_lists_and_literals(void **state)
{
	ink_rpc_addrs a;
	char why[128];

	(void)state;
	/* A name: one literal address per record, all from entry 0. */
	assert_int_equal(ink_rpc_resolve_expand("tcp://localhost:7001", &a, why, sizeof(why)),
	                 INK_OK);
	assert_int_equal(a.sources, 1);
	assert_true(a.n >= 1);
	assert_true(addrs_has(&a, "tcp://127.0.0.1:7001"));
	for (size_t i = 0; i < a.n; i++)
		assert_int_equal(a.src[i], 0);

	/* Literals and other transports pass as given, trimmed; duplicates once. */
	assert_int_equal(ink_rpc_resolve_expand(" tcp://127.0.0.1:1 , tcp://[::1]:2,inproc://x,"
	                                        "tcp://127.0.0.1:1",
	                                        &a, why, sizeof(why)),
	                 INK_OK);
	assert_int_equal(a.sources, 4);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.url[0], "tcp://127.0.0.1:1");
	assert_string_equal(a.url[1], "tcp://[::1]:2");
	assert_string_equal(a.url[2], "inproc://x");

	/* A name that does not resolve: the rest still is, and `ok` says which. */
	assert_int_equal(ink_rpc_resolve_expand("tcp://no-such-host.invalid:1,tcp://127.0.0.1:5",
	                                        &a, why, sizeof(why)),
	                 INK_UNAVAILABLE);
	assert_non_null(strstr(why, "no-such-host.invalid"));
	assert_int_equal(a.sources, 2);
	assert_int_equal(a.ok[0], 0);
	assert_int_equal(a.ok[1], 1);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.url[0], "tcp://127.0.0.1:5");

	assert_int_equal(ink_rpc_resolve_expand("tcp://localhost", &a, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_int_equal(ink_rpc_resolve_expand("tcp://[::1]", &a, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_int_equal(ink_rpc_resolve_expand(" , ", &a, why, sizeof(why)), INK_INVALID_ARGUMENT);
	assert_int_equal(
	    ink_rpc_resolve_expand("tcp://localhost:no-such-service", &a, why, sizeof(why)),
	    INK_INVALID_ARGUMENT);
}

static void test_dialer_per_address_removed_one_closed(void **state)
{
	server s1, s2;
	nng_socket req;
	ink_rpc_resolver *r = NULL;
	char list[128], why[128], url1[64], url2[64];
	ink_rpc_addrs want;

	(void)state;
	server_start(&s1);
	server_start(&s2);
	req_open(&req);
	snprintf(list, sizeof(list), "tcp://127.0.0.1:%d,tcp://localhost:%d", s1.port, s2.port);
	snprintf(url1, sizeof(url1), "tcp://127.0.0.1:%d", s1.port);
	snprintf(url2, sizeof(url2), "tcp://127.0.0.1:%d", s2.port);
	assert_int_equal(
	    ink_rpc_resolver_open(req, "test", list, 0, NNG_FLAG_NONBLOCK, &r, why, sizeof(why)),
	    INK_OK);
	assert_true(ink_rpc_resolver_has(r, url1));
	assert_true(ink_rpc_resolver_has(r, url2));
	wait_live(&s1, 1);
	wait_live(&s2, 1);

	/* Entry 1 failed to resolve this round: its dialer stays. */
	memset(&want, 0, sizeof(want));
	want.sources = 2;
	want.ok[0] = 1;
	want.n = 1;
	snprintf(want.url[0], sizeof(want.url[0]), "%s", url1);
	assert_int_equal(ink_rpc_resolver_apply(r, &want), INK_OK);
	assert_int_equal(ink_rpc_resolver_count(r), 2);
	assert_true(ink_rpc_resolver_has(r, url2));

	/* Entry 1 resolved without s2's address: its dialer and connection go. */
	want.ok[1] = 1;
	assert_int_equal(ink_rpc_resolver_apply(r, &want), INK_OK);
	assert_int_equal(ink_rpc_resolver_count(r), 1);
	assert_false(ink_rpc_resolver_has(r, url2));
	wait_live(&s2, 0);
	assert_int_equal(atomic_load(&s2.adds), 1);
	assert_int_equal(atomic_load(&s1.live), 1);
	assert_int_equal(atomic_load(&s1.adds), 1);

	ink_rpc_resolver_close(r);
	nng_close(req);
	nng_close(s1.sock);
	nng_close(s2.sock);
}

static void test_reresolve_redials_and_keeps_connections(void **state)
{
	server s;
	nng_socket req;
	ink_rpc_resolver *r = NULL;
	char list[64], why[128];
	ink_rpc_addrs none;

	(void)state;
	server_start(&s);
	req_open(&req);
	snprintf(list, sizeof(list), "tcp://localhost:%d", s.port);
	assert_int_equal(
	    ink_rpc_resolver_open(req, "test", list, 50, NNG_FLAG_NONBLOCK, &r, why, sizeof(why)),
	    INK_OK);
	wait_live(&s, 1);

	/* Rounds that find the same addresses leave the connection alone. */
	uint64_t start = ink_rpc_resolver_rounds(r);
	double deadline = ink_mono_ms() + 5000;
	while (ink_rpc_resolver_rounds(r) < start + 3 && ink_mono_ms() < deadline)
		nng_msleep(10);
	assert_true(ink_rpc_resolver_rounds(r) >= start + 3);
	assert_int_equal(atomic_load(&s.live), 1);
	assert_int_equal(atomic_load(&s.adds), 1);

	/* Stand in for DNS dropping the address, then the thread's next round
	 * finds it again and dials it anew. */
	memset(&none, 0, sizeof(none));
	none.sources = 1;
	none.ok[0] = 1;
	assert_int_equal(ink_rpc_resolver_apply(r, &none), INK_OK);
	deadline = ink_mono_ms() + 5000;
	while (atomic_load(&s.adds) < 2 && ink_mono_ms() < deadline)
		nng_msleep(10);
	assert_int_equal(atomic_load(&s.adds), 2);
	wait_live(&s, 1);
	assert_int_equal(ink_rpc_resolver_count(r), 1);

	ink_rpc_resolver_close(r);
	nng_close(req);
	nng_close(s.sock);
}

static void test_foreground_unresolvable_is_unavailable(void **state)
{
	nng_socket req;
	ink_rpc_resolver *r = NULL;
	char why[128] = "";

	(void)state;
	req_open(&req);
	assert_int_equal(ink_rpc_resolver_open(req, "test", "tcp://no-such-host.invalid:1", 0, 0,
	                                       &r, why, sizeof(why)),
	                 INK_UNAVAILABLE);
	assert_null(r);
	assert_non_null(strstr(why, "no-such-host.invalid"));
	/* In the background the same name is retried, not an error. */
	assert_int_equal(ink_rpc_resolver_open(req, "test", "tcp://no-such-host.invalid:1", 1000,
	                                       NNG_FLAG_NONBLOCK, &r, why, sizeof(why)),
	                 INK_OK);
	assert_int_equal(ink_rpc_resolver_count(r), 0);
	ink_rpc_resolver_close(r);
	nng_close(req);
}

static void test_dialer_cap_holds_with_kept_dialers(void **state)
{
	nng_socket req;
	ink_rpc_resolver *r = NULL;
	char why[128];
	ink_rpc_addrs *want = calloc(1, sizeof(*want));

	(void)state;
	assert_non_null(want);
	req_open(&req);
	assert_int_equal(ink_rpc_resolver_open(req, "test", "inproc://cap-kept", 0,
	                                       NNG_FLAG_NONBLOCK, &r, why, sizeof(why)),
	                 INK_OK);
	/* Entry 0 failed (its dialer is kept) and entry 1 brings the full cap. */
	want->sources = 2;
	want->ok[1] = 1;
	for (int i = 0; i < INK_RPC_RESOLVE_MAX_ADDRS; i++) {
		snprintf(want->url[i], sizeof(want->url[i]), "inproc://cap-%d", i);
		want->src[i] = 1;
	}
	want->n = INK_RPC_RESOLVE_MAX_ADDRS;
	assert_int_equal(ink_rpc_resolver_apply(r, want), INK_INTERNAL);
	assert_int_equal(ink_rpc_resolver_count(r), INK_RPC_RESOLVE_MAX_ADDRS);
	assert_true(ink_rpc_resolver_has(r, "inproc://cap-kept"));
	ink_rpc_resolver_close(r);
	nng_close(req);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_expand_names_lists_and_literals),
	    cmocka_unit_test(test_dialer_per_address_removed_one_closed),
	    cmocka_unit_test(test_reresolve_redials_and_keeps_connections),
	    cmocka_unit_test(test_foreground_unresolvable_is_unavailable),
	    cmocka_unit_test(test_dialer_cap_holds_with_kept_dialers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
