/*
 * rpc_envelope_test.c - the RPC envelope must turn anything a client sends
 * into a Response: garbage, empty, unknown method, expired deadline. Also a
 * real REQ/REP round trip over inproc, its deadline, and a peer that is down.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "health.h"
#include "log.h"
#include "rpc_client.h"
#include "rpc_server.h"

static int handler_calls;

static ink_err echo_handler(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Health__V1__HealthCheckRequest *req =
	    inkwell__health__v1__health_check_request__unpack(NULL, len, body);

	handler_calls++;
	if (req == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "body does not parse");
	Inkwell__Health__V1__HealthCheckResponse resp =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	resp.service = req->service;
	resp.status = INKWELL__HEALTH__V1__SERVING_STATUS__SERVING;
	ink_err err = ink_rpc_reply(ctx, &resp.base);
	inkwell__health__v1__health_check_request__free_unpacked(req, NULL);
	return err;
}

static ink_err slow_handler(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	usleep(300 * 1000); /* the behaviour under test is a handler slower than its caller */
	return ink_rpc_fail(ctx, INK_INTERNAL, "too late");
}

static ink_err caller_handler(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	return ink_rpc_fail(ctx, INK_PERMISSION_DENIED, "user=%s role=%s rid=%s",
	                    ctx->caller->user_id, ctx->caller->role, ctx->request_id);
}

/* What an INK_RPC_IDENTIFY_IN_METHOD handler is given to resolve itself. */
static ink_err late_handler(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	return ink_rpc_fail(ctx, INK_PERMISSION_DENIED, "user=%s hash=%.4s token_user=%s",
	                    ctx->caller->user_id, ctx->token_hash, ctx->token_user);
}

static const ink_rpc_method methods[] = {
    {"test.v1.Echo/Echo", echo_handler, 0},
    {"test.v1.Echo/Slow", slow_handler, 0},
    {"test.v1.Echo/Caller", caller_handler, 0},
    {"test.v1.Echo/Late", late_handler, INK_RPC_IDENTIFY_IN_METHOD},
    {NULL, NULL, 0},
};

static const ink_rpc_server_config server_cfg = {
    .service = "test-svc",
    .listen = "inproc://rpc-envelope-test",
    .workers = 2,
    .recv_max = 1 << 20,
    .methods = methods,
};

/* dispatch runs raw bytes through the server path and unpacks the Response. */
static Inkwell__Rpc__V1__Response *dispatch(const uint8_t *in, size_t len)
{
	uint8_t *out = NULL;
	size_t out_len = 0;

	assert_int_equal(ink_rpc_dispatch(&server_cfg, NULL, in, len, &out, &out_len), INK_OK);
	Inkwell__Rpc__V1__Response *resp = inkwell__rpc__v1__response__unpack(NULL, out_len, out);
	free(out);
	assert_non_null(resp);
	return resp;
}

static Inkwell__Rpc__V1__Response *dispatch_request(const char *method, int64_t deadline)
{
	Inkwell__Rpc__V1__Request req = INKWELL__RPC__V1__REQUEST__INIT;
	Inkwell__Health__V1__HealthCheckRequest body =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	uint8_t body_buf[64];
	uint8_t buf[256];

	body.service = "x";
	req.method = (char *)method;
	req.request_id = "rid-1";
	req.deadline_unix_ms = deadline;
	req.body.len = inkwell__health__v1__health_check_request__pack(&body, body_buf);
	req.body.data = body_buf;
	size_t n = inkwell__rpc__v1__request__pack(&req, buf);
	return dispatch(buf, n);
}

static void test_garbage_bytes_invalid_argument(void **state)
{
	const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99};

	(void)state;
	handler_calls = 0;
	Inkwell__Rpc__V1__Response *r = dispatch(garbage, sizeof(garbage));
	assert_int_equal(r->code, INK_INVALID_ARGUMENT);
	assert_non_null(strstr(r->message, "does not parse"));
	assert_int_equal(handler_calls, 0);
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
}

static void test_empty_message_unimplemented(void **state)
{
	(void)state;
	Inkwell__Rpc__V1__Response *r = dispatch((const uint8_t *)"", 0);
	assert_int_equal(r->code, INK_UNIMPLEMENTED);
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
}

static void test_unknown_method_unimplemented(void **state)
{
	(void)state;
	Inkwell__Rpc__V1__Response *r = dispatch_request("test.v1.Echo/Nope", 0);
	assert_int_equal(r->code, INK_UNIMPLEMENTED);
	assert_non_null(strstr(r->message, "test.v1.Echo/Nope"));
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
}

static void test_expired_deadline_not_run(void **state)
{
	(void)state;
	handler_calls = 0;
	Inkwell__Rpc__V1__Response *r =
	    dispatch_request("test.v1.Echo/Echo", ink_now_unix_ms() - 1000);
	assert_int_equal(r->code, INK_DEADLINE_EXCEEDED);
	assert_int_equal(handler_calls, 0);
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
}

static void test_good_request_answered(void **state)
{
	(void)state;
	Inkwell__Rpc__V1__Response *r =
	    dispatch_request("test.v1.Echo/Echo", ink_now_unix_ms() + 5000);
	assert_int_equal(r->code, INK_OK);
	Inkwell__Health__V1__HealthCheckResponse *h =
	    inkwell__health__v1__health_check_response__unpack(NULL, r->body.len, r->body.data);
	assert_non_null(h);
	assert_string_equal(h->service, "x");
	inkwell__health__v1__health_check_response__free_unpacked(h, NULL);
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
}

/* Issue 16: a Caller with a token_hash is resolved by the config's
 * identify hook before the method runs; the method sees only what identify
 * vouched for, never the user_id the envelope claimed. */
#define GOOD_HASH  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER_HASH "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static ink_err id_hook(ink_rpc_ctx *ctx, const char *token_hash, const char *token_user,
                       ink_rpc_identity *who)
{
	(void)token_user;
	if (strcmp(token_hash, GOOD_HASH) != 0)
		return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, "no such session");
	inkwell__rpc__v1__caller__init(&who->caller);
	snprintf(who->user_id, sizeof(who->user_id), "u-from-session");
	snprintf(who->role, sizeof(who->role), "admin");
	who->username[0] = '\0';
	who->caller.user_id = who->user_id;
	who->caller.username = who->username;
	who->caller.role = who->role;
	return INK_OK;
}

static Inkwell__Rpc__V1__Response *dispatch_to(const ink_rpc_server_config *cfg, const char *method,
                                               const char *claimed, const char *token_hash,
                                               const char *token_user)
{
	Inkwell__Rpc__V1__Request req = INKWELL__RPC__V1__REQUEST__INIT;
	Inkwell__Rpc__V1__Caller caller = INKWELL__RPC__V1__CALLER__INIT;
	uint8_t buf[512], *out = NULL;
	size_t out_len = 0;

	caller.user_id = (char *)claimed;
	caller.token_hash = (char *)token_hash;
	caller.token_user = (char *)token_user;
	req.method = (char *)method;
	req.request_id = "rid-2";
	req.caller = &caller;
	size_t n = inkwell__rpc__v1__request__pack(&req, buf);
	assert_int_equal(ink_rpc_dispatch(cfg, NULL, buf, n, &out, &out_len), INK_OK);
	Inkwell__Rpc__V1__Response *resp = inkwell__rpc__v1__response__unpack(NULL, out_len, out);
	free(out);
	assert_non_null(resp);
	return resp;
}

static Inkwell__Rpc__V1__Response *dispatch_as(const ink_rpc_server_config *cfg,
                                               const char *claimed, const char *token_hash)
{
	return dispatch_to(cfg, "test.v1.Echo/Caller", claimed, token_hash, "");
}

#define TOKEN_USER "0123456789abcdef0123456789abcdef"

/* A method that resolves the token itself gets it unresolved and runs as
 * anonymous until it does; an older token (no user) is resolved first. */
static void test_token_left_to_an_identify_in_method_handler(void **state)
{
	ink_rpc_server_config cfg = server_cfg;
	Inkwell__Rpc__V1__Response *r;

	(void)state;
	cfg.identify = id_hook;
	r = dispatch_to(&cfg, "test.v1.Echo/Late", "u-claimed", OTHER_HASH, TOKEN_USER);
	assert_int_equal(r->code, INK_PERMISSION_DENIED);
	assert_string_equal(r->message, "user= hash=bbbb token_user=" TOKEN_USER);
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
	r = dispatch_to(&cfg, "test.v1.Echo/Late", "u-claimed", GOOD_HASH, "");
	assert_int_equal(r->code, INK_PERMISSION_DENIED);
	assert_string_equal(r->message, "user=u-from-session hash= token_user=");
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
	r = dispatch_to(&cfg, "test.v1.Echo/Late", "u-claimed", OTHER_HASH, "not-a-user-id");
	assert_int_equal(r->code, INK_UNAUTHENTICATED); /* resolved first, and refused */
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
	r = dispatch_to(&cfg, "test.v1.Echo/Caller", "u-claimed", OTHER_HASH, TOKEN_USER);
	assert_int_equal(r->code, INK_UNAUTHENTICATED); /* other methods: resolved first */
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
	/* A token user that is not an id never reaches identify (it would name
	 * the Redis keys to look in), even beside a live session's hash. */
	r = dispatch_to(&cfg, "test.v1.Echo/Caller", "u-claimed", GOOD_HASH, "x}:{other");
	assert_int_equal(r->code, INK_UNAUTHENTICATED);
	assert_string_equal(r->message, "the token is not valid");
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
}

static void test_token_hash_resolved_before_the_method(void **state)
{
	ink_rpc_server_config cfg = server_cfg;
	Inkwell__Rpc__V1__Response *r;

	(void)state;
	cfg.identify = id_hook;
	r = dispatch_as(&cfg, "u-claimed", GOOD_HASH); /* the method ran as the session's user */
	assert_int_equal(r->code, INK_PERMISSION_DENIED);
	assert_string_equal(r->message, "user=u-from-session role=admin rid=rid-2");
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
	r = dispatch_as(&cfg, "u-claimed", OTHER_HASH); /* no session: not run */
	assert_int_equal(r->code, INK_UNAUTHENTICATED);
	assert_string_equal(r->message, "no such session");
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
	r = dispatch_as(&cfg, "u-claimed", "AAAA"); /* not a hash: identify never sees it */
	assert_int_equal(r->code, INK_UNAUTHENTICATED);
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
	r = dispatch_as(&server_cfg, "u-claimed", GOOD_HASH); /* a service without sessions */
	assert_int_equal(r->code, INK_UNAUTHENTICATED);
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
	r = dispatch_as(&cfg, "u-claimed", ""); /* no token: the Caller as sent */
	assert_int_equal(r->code, INK_PERMISSION_DENIED);
	assert_non_null(strstr(r->message, "user=u-claimed "));
	inkwell__rpc__v1__response__free_unpacked(r, NULL);
}

static void test_socket_roundtrip_deadline_and_caller(void **state)
{
	ink_rpc_server *server = NULL;
	ink_rpc_client *client = NULL;
	ProtobufCBinaryData reply;
	char why[256];
	Inkwell__Health__V1__HealthCheckRequest body =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	Inkwell__Rpc__V1__Caller caller = INKWELL__RPC__V1__CALLER__INIT;

	(void)state;
	assert_int_equal(ink_rpc_server_start(&server_cfg, &server), INK_OK);
	assert_int_equal(ink_rpc_client_open_now("test-svc", server_cfg.listen, 1 << 20, &client,
	                                         why, sizeof(why)),
	                 INK_OK);
	body.service = "round";
	assert_int_equal(ink_rpc_call(client, "test.v1.Echo/Echo", NULL, 2000, &body.base, &reply,
	                              why, sizeof(why)),
	                 INK_OK);
	assert_true(reply.len > 0);
	free(reply.data);

	/* The caller's identity and the request id travel in the envelope. */
	caller.user_id = "u1";
	caller.role = "admin";
	ink_log_set_request_id("req-42");
	assert_int_equal(ink_rpc_call(client, "test.v1.Echo/Caller", &caller, 2000, NULL, &reply,
	                              why, sizeof(why)),
	                 INK_PERMISSION_DENIED);
	assert_string_equal(why, "user=u1 role=admin rid=req-42");
	ink_log_set_request_id(NULL);

	/* A handler slower than the caller's deadline: the caller gets
	 * DEADLINE_EXCEEDED on time instead of waiting. */
	double start = ink_mono_ms();
	assert_int_equal(
	    ink_rpc_call(client, "test.v1.Echo/Slow", NULL, 100, NULL, &reply, why, sizeof(why)),
	    INK_DEADLINE_EXCEEDED);
	assert_true(ink_mono_ms() - start < 280);

	ink_rpc_client_close(client);
	ink_rpc_server_stop(server);
}

static void test_peer_down_unavailable(void **state)
{
	ink_rpc_client *client = NULL;
	ProtobufCBinaryData reply;
	char why[256];

	(void)state;
	assert_int_equal(ink_rpc_client_open("nobody", "inproc://nobody-listens", 1 << 20, &client),
	                 INK_OK);
	assert_int_equal(
	    ink_rpc_call(client, "test.v1.Echo/Echo", NULL, 2000, NULL, &reply, why, sizeof(why)),
	    INK_UNAVAILABLE);
	assert_non_null(strstr(why, "nobody"));
	ink_rpc_client_close(client);
	assert_int_equal(ink_rpc_client_open_now("nobody", "inproc://nobody-listens", 1 << 20,
	                                         &client, why, sizeof(why)),
	                 INK_UNAVAILABLE);
}

static ink_err name_handler(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	(void)body;
	(void)len;
	return ink_rpc_fail(ctx, INK_ABORTED, "%s", (const char *)ctx->app);
}

static const ink_rpc_method name_methods[] = {
    {"test.v1.Name/Get", name_handler, 0},
    {NULL, NULL, 0},
};

/* A comma-separated peer list: the client dials every instance and spreads
 * calls over them, so a service scales by running more of itself. */
static void test_comma_list_reaches_every_instance(void **state)
{
	ink_rpc_server_config a = {.service = "a",
	                           .listen = "inproc://scale-a",
	                           .workers = 1,
	                           .recv_max = 1 << 16,
	                           .methods = name_methods,
	                           .app = "a"};
	ink_rpc_server_config b = a;
	ink_rpc_server *sa = NULL, *sb = NULL;
	ink_rpc_client *client = NULL;
	ProtobufCBinaryData reply;
	char why[64];
	int seen_a = 0, seen_b = 0;

	(void)state;
	b.service = "b";
	b.listen = "inproc://scale-b";
	b.app = "b";
	assert_int_equal(ink_rpc_server_start(&a, &sa), INK_OK);
	assert_int_equal(ink_rpc_server_start(&b, &sb), INK_OK);
	assert_int_equal(ink_rpc_client_open_now("scaled", "inproc://scale-a, inproc://scale-b",
	                                         1 << 16, &client, why, sizeof(why)),
	                 INK_OK);
	assert_int_equal(ink_rpc_client_connected(client), 2);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(ink_rpc_call(client, "test.v1.Name/Get", NULL, 2000, NULL, &reply,
		                              why, sizeof(why)),
		                 INK_ABORTED);
		seen_a += strcmp(why, "a") == 0;
		seen_b += strcmp(why, "b") == 0;
	}
	assert_int_equal(seen_a + seen_b, 20);
	assert_true(seen_a > 0 && seen_b > 0);
	ink_rpc_client_close(client);
	ink_rpc_server_stop(sa);
	ink_rpc_server_stop(sb);
}

static void test_durations(void **state)
{
	int64_t ms = 0;

	(void)state;
	assert_int_equal(ink_parse_duration_ms("250ms", &ms), INK_OK);
	assert_int_equal(ms, 250);
	assert_int_equal(ink_parse_duration_ms("2s", &ms), INK_OK);
	assert_int_equal(ms, 2000);
	assert_int_equal(ink_parse_duration_ms("-1s", &ms), INK_INVALID_ARGUMENT);
	assert_int_equal(ink_parse_duration_ms("1h", &ms), INK_INVALID_ARGUMENT);
	assert_int_equal(ink_parse_duration_ms("", &ms), INK_INVALID_ARGUMENT);
	assert_int_equal(ink_parse_duration_ms("99999999999999999999s", &ms), INK_INVALID_ARGUMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_garbage_bytes_invalid_argument),
	    cmocka_unit_test(test_empty_message_unimplemented),
	    cmocka_unit_test(test_unknown_method_unimplemented),
	    cmocka_unit_test(test_expired_deadline_not_run),
	    cmocka_unit_test(test_good_request_answered),
	    cmocka_unit_test(test_token_hash_resolved_before_the_method),
	    cmocka_unit_test(test_token_left_to_an_identify_in_method_handler),
	    cmocka_unit_test(test_socket_roundtrip_deadline_and_caller),
	    cmocka_unit_test(test_peer_down_unavailable),
	    cmocka_unit_test(test_comma_list_reaches_every_instance),
	    cmocka_unit_test(test_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
