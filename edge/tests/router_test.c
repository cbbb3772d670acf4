/*
 * router_test.c - route matching: exact literals, {param} segments with
 * percent-decoding, 404 vs 405 with the Allow list, HEAD as GET.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "router.h"

static void h_a(edge_req *req)
{
	(void)req;
}

static const edge_route routes[] = {
    {"GET", "/healthz", h_a, EDGE_AUTH_NONE, EDGE_BODY_NONE},
    {"POST", "/v1/users", h_a, EDGE_AUTH_NONE, EDGE_BODY_JSON},
    {"GET", "/v1/users/me", h_a, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"GET", "/v1/templates/{id}", h_a, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"DELETE", "/v1/templates/{id}", h_a, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"PATCH", "/v1/templates/{id}", h_a, EDGE_AUTH_REQUIRED, EDGE_BODY_JSON},
    {"GET", "/v1/templates/{id}/image", h_a, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
    {"POST", "/v1/a/{x}/b/{y}", h_a, EDGE_AUTH_NONE, EDGE_BODY_NONE},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static edge_match match(const char *method, const char *path, const edge_route **r, edge_params *p,
                        char *allow, size_t allow_len)
{
	return edge_router_match(routes, N_ROUTES, method, path, r, p, allow, allow_len);
}

static void test_literal(void **state)
{
	const edge_route *r;
	edge_params p;
	char allow[64];

	assert_int_equal(match("GET", "/healthz", &r, &p, allow, sizeof(allow)), EDGE_MATCH_OK);
	assert_ptr_equal(r, &routes[0]);
	assert_int_equal(p.n, 0);
	assert_int_equal(match("POST", "/v1/users", &r, &p, allow, sizeof(allow)), EDGE_MATCH_OK);
	assert_ptr_equal(r, &routes[1]);
	/* a literal beats nothing: /v1/users/me is its own route */
	assert_int_equal(match("GET", "/v1/users/me", &r, &p, allow, sizeof(allow)), EDGE_MATCH_OK);
	assert_ptr_equal(r, &routes[2]);
}

static void test_not_found(void **state)
{
	const edge_route *r = (const edge_route *)1;
	edge_params p;
	char allow[64];
	const char *paths[] = {"/",
	                       "/nope",
	                       "/healthz/",
	                       "/healthzz",
	                       "//healthz",
	                       "/v1/templates",
	                       "/v1/templates/",
	                       "/v1/users/me/x",
	                       "/v1/templates/abc/image/x",
	                       "/v1/templates//image",
	                       ""};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(match("GET", paths[i], &r, &p, allow, sizeof(allow)),
		                 EDGE_MATCH_NOT_FOUND);
		assert_null(r);
	}
}

static void test_method_not_allowed(void **state)
{
	const edge_route *r;
	edge_params p;
	char allow[64];

	assert_int_equal(match("POST", "/healthz", &r, &p, allow, sizeof(allow)),
	                 EDGE_MATCH_BAD_METHOD);
	assert_null(r);
	assert_string_equal(allow, "GET, HEAD");
	assert_int_equal(match("GET", "/v1/users", &r, &p, allow, sizeof(allow)),
	                 EDGE_MATCH_BAD_METHOD);
	assert_string_equal(allow, "POST");
	assert_int_equal(match("POST", "/v1/templates/abc", &r, &p, allow, sizeof(allow)),
	                 EDGE_MATCH_BAD_METHOD);
	assert_string_equal(allow, "GET, HEAD, DELETE, PATCH");
	/* truncated Allow stays a NUL-terminated prefix */
	char tiny[8];
	assert_int_equal(match("PUT", "/v1/templates/abc", &r, &p, tiny, sizeof(tiny)),
	                 EDGE_MATCH_BAD_METHOD);
	assert_string_equal(tiny, "GET");
}

static void test_head_is_get(void **state)
{
	const edge_route *r;
	edge_params p;
	char allow[64];

	assert_int_equal(match("HEAD", "/healthz", &r, &p, allow, sizeof(allow)), EDGE_MATCH_OK);
	assert_ptr_equal(r, &routes[0]);
	assert_int_equal(match("HEAD", "/v1/users", &r, &p, allow, sizeof(allow)),
	                 EDGE_MATCH_BAD_METHOD);
}

static void test_params(void **state)
{
	const edge_route *r;
	edge_params p;
	char allow[64];

	assert_int_equal(match("GET", "/v1/templates/0123abcd", &r, &p, allow, sizeof(allow)),
	                 EDGE_MATCH_OK);
	assert_ptr_equal(r, &routes[3]);
	assert_int_equal(p.n, 1);
	assert_string_equal(edge_param(&p, "id"), "0123abcd");
	assert_null(edge_param(&p, "nope"));

	assert_int_equal(match("GET", "/v1/templates/xyz/image", &r, &p, allow, sizeof(allow)),
	                 EDGE_MATCH_OK);
	assert_ptr_equal(r, &routes[6]);
	assert_string_equal(edge_param(&p, "id"), "xyz");

	assert_int_equal(match("POST", "/v1/a/1/b/two", &r, &p, allow, sizeof(allow)),
	                 EDGE_MATCH_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(edge_param(&p, "x"), "1");
	assert_string_equal(edge_param(&p, "y"), "two");
}

static void test_param_decoding(void **state)
{
	const edge_route *r;
	edge_params p;
	char allow[64];
	char longid[200];

	assert_int_equal(match("GET", "/v1/templates/a%20b%41", &r, &p, allow, sizeof(allow)),
	                 EDGE_MATCH_OK);
	assert_string_equal(edge_param(&p, "id"), "a bA");
	/* an encoded '/' or NUL, a bad escape, a too long value: no match */
	const char *bad[] = {"/v1/templates/a%2Fb", "/v1/templates/a%00", "/v1/templates/a%zz",
	                     "/v1/templates/a%4", "/v1/templates/%"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(match("GET", bad[i], &r, &p, allow, sizeof(allow)),
		                 EDGE_MATCH_NOT_FOUND);
	memset(longid, 'a', sizeof(longid));
	memcpy(longid, "/v1/templates/", 14);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(match("GET", longid, &r, &p, allow, sizeof(allow)), EDGE_MATCH_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_literal),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_method_not_allowed),
	    cmocka_unit_test(test_head_is_get),
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_param_decoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
