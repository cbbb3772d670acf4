/*
 * http_test.c - the whole request path over a real socket: a civetweb server
 * started exactly as main.c does (edge_server_start), with a test route
 * table, and peers that are not running. Checks what unit tests of the parts
 * cannot: 404/405/413/415/401/503/500 all come back as problem+json with the
 * request id, the body limit holds for chunked bodies, HEAD has no body,
 * "Expect: 100-continue" works, and civetweb's own errors are problem+json.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "dispatch.h"
#include "http.h"
#include "log.h"

/* ---- test handlers --------------------------------------------------- */

static void h_echo(edge_req *req)
{
	char x[32];
	int n = edge_query(req, "x", x, sizeof(x));
	const char *id = edge_path_param(req, "id");

	edge_send_json(req, 200,
	               json_pack("{s:I, s:s, s:s?, s:s}", "len", (json_int_t)req->body_len, "x",
	                         n >= 0 ? x : "(none)", "id", id, "rid", ink_log_request_id()));
}

static void h_image(edge_req *req)
{
	char loc[160];

	snprintf(loc, sizeof(loc), "/v1/templates/%s", edge_path_param(req, "id"));
	if (edge_add_header(req, "Location", loc) != 0)
		return edge_send_problem(req, 500, NULL, "header");
	edge_send_json(req, 201, json_pack("{s:I}", "len", (json_int_t)req->body_len));
}

static void h_ok(edge_req *req)
{
	edge_send_json(req, 200, json_pack("{s:b}", "authenticated", req->authenticated));
}

/* h_big answers {"s":"xxx..."} with ?n= x's: bodies around edge_send_json's
 * stack buffer (16 KB). */
static void h_big(edge_req *req)
{
	char n[16];
	size_t len = edge_query(req, "n", n, sizeof(n)) >= 0 ? strtoul(n, NULL, 10) : 0;
	char *x = malloc(len + 1);

	if (x == NULL)
		return edge_send_problem(req, 500, NULL, "memory");
	memset(x, 'x', len);
	x[len] = '\0';
	edge_send_json(req, 200, json_pack("{s:s}", "s", x));
	free(x);
}

static void h_silent(edge_req *req)
{
	(void)req;
}

static void h_rpc(edge_req *req)
{
	ProtobufCBinaryData reply;

	if (edge_rpc(req, req->app->users, "inkwell.user.v1.Users/GetMe", NULL, &reply) != INK_OK)
		return;
	free(reply.data);
	edge_send_empty(req, 204);
}

static const edge_route test_routes[] = {
    {"POST", "/echo", h_echo, EDGE_AUTH_NONE, EDGE_BODY_JSON},
    {"POST", "/echo/{id}", h_echo, EDGE_AUTH_NONE, EDGE_BODY_JSON},
    {"POST", "/img/{id}", h_image, EDGE_AUTH_NONE, EDGE_BODY_IMAGE},
    {"GET", "/auth", h_ok, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"GET", "/opt", h_ok, EDGE_AUTH_OPTIONAL, EDGE_BODY_NONE},
    {"GET", "/silent", h_silent, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"GET", "/big", h_big, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"GET", "/rpc", h_rpc, EDGE_AUTH_NONE, EDGE_BODY_NONE},
};

/* ---- a server for the whole group ------------------------------------- */

typedef struct fixture {
	edge_config cfg;
	edge_app app;
	struct mg_context *ctx;
	int port;
	char resp[65536]; /* the last roundtrip's response */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || sodium_init() < 0)
		return -1;
	f->cfg = (edge_config){
	    .listen = "127.0.0.1:0",
	    .user_addr = "tcp://127.0.0.1:1",
	    .template_addr = "tcp://127.0.0.1:2",
	    .threads = 4,
	    .max_json = 64,
	    .max_upload = 1000,
	    .rpc_timeout_ms = 300,
	    .health_timeout_ms = 300,
	    .request_timeout_ms = 500,
	    .keep_alive_timeout_ms = 1000,
	};
	f->app.cfg = &f->cfg;
	f->app.routes = test_routes;
	f->app.n_routes = sizeof(test_routes) / sizeof(test_routes[0]);
	if (ink_rpc_client_open("user-svc", f->cfg.user_addr, 1 << 20, &f->app.users) != INK_OK ||
	    ink_rpc_client_open("template-svc", f->cfg.template_addr, 1 << 20, &f->app.templates) !=
	        INK_OK)
		return -1;
	mg_init_library(0);
	f->ctx = edge_server_start(&f->app);
	if (f->ctx == NULL)
		return -1;
	f->port = edge_server_port(f->ctx);
	*state = f;
	return f->port > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;

	mg_stop(f->ctx);
	mg_exit_library();
	ink_rpc_client_close(f->app.users);
	ink_rpc_client_close(f->app.templates);
	free(f);
	return 0;
}

/* ---- a tiny client ---------------------------------------------------- */

static int dial(const fixture *f)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->port)};
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

static void send_all(int s, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(s, data, len, MSG_NOSIGNAL);
		if (n <= 0)
			return; /* the server may close early (413): fine */
		data += n;
		len -= (size_t)n;
	}
}

/* response_done: buf holds a final response head and its whole body. */
static int response_done(const char *buf, size_t used)
{
	const char *end = strstr(buf, "\r\n\r\n");
	const char *cl = strstr(buf, "Content-Length: ");
	unsigned long len = 0;

	if (end == NULL || strncmp(buf, "HTTP/1.1 100 ", 13) == 0)
		return 0;
	if (cl != NULL && cl < end && sscanf(cl, "Content-Length: %lu", &len) != 1)
		return 0;
	return (size_t)(end + 4 - buf) + len <= used;
}

/* read_some reads until the peer closes, `until` appears, or (until NULL)
 * one whole response has arrived; returns the length. */
static size_t read_some(int s, char *buf, size_t size, const char *until)
{
	size_t used = 0;

	while (used + 1 < size) {
		ssize_t n = recv(s, buf + used, size - 1 - used, 0);
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		if (until != NULL ? strstr(buf, until) != NULL : response_done(buf, used))
			break;
	}
	buf[used] = '\0';
	return used;
}

/* roundtrip sends a raw request and returns the whole response, held in
 * f->resp until the next roundtrip. */
static const char *roundtrip(fixture *f, const char *req, size_t len)
{
	int s = dial(f);

	send_all(s, req, len ? len : strlen(req));
	read_some(s, f->resp, sizeof(f->resp), NULL);
	close(s);
	return f->resp;
}

static int status_of(const char *resp)
{
	int st = 0;
	if (sscanf(resp, "HTTP/1.1 %d", &st) != 1)
		return -1;
	return st;
}

static void assert_problem(const char *resp, int status)
{
	assert_int_equal(status_of(resp), status);
	assert_non_null(strstr(resp, "Content-Type: application/problem+json\r\n"));
	assert_non_null(strstr(resp, "X-Request-Id: "));
	const char *body = strstr(resp, "\r\n\r\n");
	assert_non_null(body);
	json_error_t e;
	json_t *o = json_loads(body + 4, 0, &e);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "status")), status);
	assert_non_null(json_string_value(json_object_get(o, "type")));
	assert_non_null(json_string_value(json_object_get(o, "title")));
	assert_non_null(json_string_value(json_object_get(o, "request_id")));
	json_decref(o);
}

/* ---- tests ------------------------------------------------------------ */

static void test_404_405_and_request_id(void **state)
{
	fixture *f = *state;
	const char *r;

	r = roundtrip(f,
	              "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "X-Request-Id: abc.DEF-1_2\r\n\r\n",
	              0);
	assert_problem(r, 404);
	assert_non_null(strstr(r, "X-Request-Id: abc.DEF-1_2\r\n"));
	assert_non_null(strstr(r, "\"request_id\":\"abc.DEF-1_2\""));
	assert_non_null(strstr(r, "\"instance\":\"/nope\""));

	r = roundtrip(f,
	              "DELETE /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "X-Request-Id: bad id!\r\n\r\n",
	              0);
	assert_problem(r, 405);
	assert_non_null(strstr(r, "Allow: POST\r\n"));
	assert_null(strstr(r, "bad id!"));
}

static void test_json_body(void **state)
{
	fixture *f = *state;
	const char *r;

	r = roundtrip(f,
	              "POST /echo/t%41g?x=a%20b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "X-Request-Id: rid-7\r\n"
	              "Content-Type: application/json; charset=utf-8\r\n"
	              "Content-Length: 2\r\n\r\n{}",
	              0);
	assert_int_equal(status_of(r), 200);
	assert_non_null(strstr(r, "{\"len\":2,\"x\":\"a b\",\"id\":\"tAg\",\"rid\":\"rid-7\"}"));

	r = roundtrip(f,
	              "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}",
	              0);
	assert_problem(r, 415);
	r = roundtrip(f,
	              "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Content-Length: 2\r\n\r\n{}",
	              0);
	assert_problem(r, 415);
}

/* A JSON body is whole whether it fits edge_send_json's buffer, fills it
 * exactly, or needs the heap. */
static void test_json_sizes(void **state)
{
	fixture *f = *state;
	const size_t sizes[] = {0, 100, 16376, 16377, 40000};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char req[128], want[64];
		snprintf(req, sizeof(req),
		         "GET /big?n=%zu HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		         sizes[i]);
		const char *r = roundtrip(f, req, 0);
		assert_int_equal(status_of(r), 200);
		snprintf(want, sizeof(want), "Content-Length: %zu\r\n", sizes[i] + 8);
		assert_non_null(strstr(r, want));
		const char *body = strstr(r, "\r\n\r\n") + 4;
		assert_int_equal(strlen(body), sizes[i] + 8);
		assert_memory_equal(body, "{\"s\":\"", 6);
		assert_memory_equal(body + 6 + sizes[i], "\"}", 2);
		for (size_t j = 0; j < sizes[i]; j++)
			if (body[6 + j] != 'x')
				fail_msg("byte %zu of %zu is not the string's", j, sizes[i]);
	}
}

static void test_413(void **state)
{
	fixture *f = *state;
	char req[4096];
	char chunk[200];
	const char *r;

	/* declared too large: refused before reading */
	r = roundtrip(f,
	              "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	              "Content-Length: 100000\r\n\r\n{",
	              0);
	assert_problem(r, 413);
	assert_non_null(strstr(r, "Connection: close\r\n"));

	/* chunked, no length: caught while reading */
	memset(chunk, 'a', sizeof(chunk));
	int n = snprintf(req, sizeof(req),
	                 "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	                 "Transfer-Encoding: chunked\r\n\r\n%x\r\n%.*s\r\n0\r\n\r\n",
	                 (unsigned)sizeof(chunk), (int)sizeof(chunk), chunk);
	r = roundtrip(f, req, (size_t)n);
	assert_problem(r, 413);

	/* chunked and small: fine */
	r = roundtrip(f,
	              "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	              "3\r\n[1]\r\n0\r\n\r\n",
	              0);
	assert_int_equal(status_of(r), 200);
	assert_non_null(strstr(r, "\"len\":3"));

	/* images have their own limit and types */
	r = roundtrip(f,
	              "POST /img/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Content-Type: image/png\r\nContent-Length: 10\r\n\r\n0123456789",
	              0);
	assert_int_equal(status_of(r), 201);
	assert_non_null(strstr(r, "Location: /v1/templates/abc\r\n"));
	assert_non_null(strstr(r, "{\"len\":10}"));
	r = roundtrip(f,
	              "POST /img/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Content-Type: image/gif\r\nContent-Length: 1\r\n\r\nx",
	              0);
	assert_problem(r, 415);
	r = roundtrip(f,
	              "POST /img/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 3\r\n\r\n"
	              "--b",
	              0);
	assert_int_equal(status_of(r), 201);
	/* over the upload limit (1000 in this fixture) */
	r = roundtrip(f,
	              "POST /img/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Content-Type: image/jpeg\r\nContent-Length: 1001\r\n\r\n",
	              0);
	assert_problem(r, 413);
}

static void test_expect_continue(void **state)
{
	fixture *f = *state;
	char buf[4096];
	int s = dial(f);
	const char *head = "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	                   "Content-Type: application/json\r\nContent-Length: 4\r\n"
	                   "Expect: 100-continue\r\n\r\n";

	send_all(s, head, strlen(head));
	read_some(s, buf, sizeof(buf), "\r\n\r\n");
	assert_string_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	send_all(s, "true", 4);
	read_some(s, buf, sizeof(buf), NULL);
	close(s);
	assert_int_equal(status_of(buf), 200);
	assert_non_null(strstr(buf, "\"len\":4"));
}

static void test_auth(void **state)
{
	fixture *f = *state;
	const char *r;

	r = roundtrip(f, "GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0);
	assert_problem(r, 401);
	assert_non_null(strstr(r, "WWW-Authenticate: Bearer realm=\"inkwell\"\r\n"));
	r = roundtrip(f,
	              "GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Authorization: Basic eDp5\r\n\r\n",
	              0);
	assert_problem(r, 401);
	assert_non_null(strstr(r, "error=\"invalid_token\""));
	/* a well-formed token, but user-svc is down: 503, not 401 */
	r = roundtrip(f,
	              "GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	              "Authorization: Bearer abc\r\n\r\n",
	              0);
	assert_problem(r, 503);
	assert_non_null(strstr(r, "Retry-After: 1\r\n"));
	assert_null(strstr(r, "tcp://")); /* internal addresses stay in the log */
	/* optional: no header is anonymous */
	r = roundtrip(f, "GET /opt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0);
	assert_int_equal(status_of(r), 200);
	assert_non_null(strstr(r, "{\"authenticated\":false}"));
}

static void test_head_silent_rpc(void **state)
{
	fixture *f = *state;
	const char *r;

	r = roundtrip(f, "HEAD /opt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0);
	assert_int_equal(status_of(r), 200);
	assert_non_null(strstr(r, "Content-Length: 23\r\n"));
	assert_string_equal(strstr(r, "\r\n\r\n"), "\r\n\r\n"); /* no body */

	r = roundtrip(f, "GET /silent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0);
	assert_problem(r, 500);
	r = roundtrip(f, "GET /rpc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0);
	assert_problem(r, 503);
}

static void test_keep_alive(void **state)
{
	fixture *f = *state;
	char buf[8192];
	int s = dial(f);
	const char *two = "GET /opt HTTP/1.1\r\nHost: x\r\n\r\n";

	for (int i = 0; i < 3; i++) {
		send_all(s, two, strlen(two));
		read_some(s, buf, sizeof(buf), "{\"authenticated\":false}");
		assert_int_equal(status_of(buf), 200);
		assert_non_null(strstr(buf, "Connection: keep-alive\r\n"));
	}
	close(s);
}

static void test_civetweb_errors(void **state)
{
	fixture *f = *state;
	const char *r;

	r = roundtrip(f, "BLAH\r\n\r\n", 0);
	assert_problem(r, status_of(r));
	assert_true(status_of(r) >= 400);
	r = roundtrip(f, "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 0);
	assert_true(status_of(r) >= 400);
	assert_problem(r, status_of(r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_404_405_and_request_id),
	    cmocka_unit_test(test_json_body),
	    cmocka_unit_test(test_json_sizes),
	    cmocka_unit_test(test_413),
	    cmocka_unit_test(test_expect_continue),
	    cmocka_unit_test(test_auth),
	    cmocka_unit_test(test_head_silent_rpc),
	    cmocka_unit_test(test_keep_alive),
	    cmocka_unit_test(test_civetweb_errors),
	};
	ink_log_init("edge-test");
	return cmocka_run_group_tests(tests, setup, teardown);
}
