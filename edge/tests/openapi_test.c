/*
 * openapi_test.c - the route table compiled into the edge (routes.c) against the OpenAPI
 * document compiled into it (docs/openapi.yaml): every route is documented, every documented
 * operation is routed. Adding a route without documenting it (or the other way) fails here.
 * Patterns starting with "/_" are nginx's internal error pages (an `internal;` location in
 * deploy/nginx): not public, so not in the document.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <jansson.h>

#include "openapi.h"
#include "routes.h"

static const char *const doc_methods[] = {"get",   "put",     "post",  "delete",
                                          "patch", "options", "trace", "head"};

static json_t *load_doc(void)
{
	json_error_t e;
	json_t *doc = json_loadb((const char *)edge_openapi_json, edge_openapi_json_len, 0, &e);
	if (doc == NULL)
		fail_msg("openapi.json does not parse: %s (line %d)", e.text, e.line);
	return doc;
}

static int is_internal(const char *pattern)
{
	return strncmp(pattern, "/_", 2) == 0;
}

/* undocumented counts (and prints) the public routes with no operation in doc. */
static int undocumented(const edge_route *routes, size_t n, const json_t *doc)
{
	const json_t *paths = json_object_get(doc, "paths");
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		char m[16];
		size_t k;
		if (is_internal(routes[i].pattern))
			continue;
		for (k = 0; routes[i].method[k] && k < sizeof(m) - 1; k++)
			m[k] = (char)tolower((unsigned char)routes[i].method[k]);
		m[k] = '\0';
		if (!json_is_object(
		        json_object_get(json_object_get(paths, routes[i].pattern), m))) {
			printf("routed, not in docs/openapi.yaml: %s %s\n", routes[i].method,
			       routes[i].pattern);
			bad++;
		}
	}
	return bad;
}

static int routed(const edge_route *routes, size_t n, const char *pattern, const char *method)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(routes[i].pattern, pattern) == 0 &&
		    strcasecmp(routes[i].method, method) == 0)
			return 1;
	}
	return 0;
}

/* unrouted counts (and prints) the documented operations no route answers. */
static int unrouted(const edge_route *routes, size_t n, const json_t *doc)
{
	const char *path;
	const json_t *item;
	int bad = 0;

	json_object_foreach(json_object_get(doc, "paths"), path, item)
	{
		for (size_t k = 0; k < sizeof(doc_methods) / sizeof(doc_methods[0]); k++) {
			if (json_object_get(item, doc_methods[k]) == NULL ||
			    routed(routes, n, path, doc_methods[k]))
				continue;
			printf("in docs/openapi.yaml, not routed: %s %s\n", doc_methods[k], path);
			bad++;
		}
	}
	return bad;
}

static void test_doc_is_openapi_31(void **state)
{
	json_t *doc = load_doc();

	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	assert_true(json_object_size(json_object_get(doc, "paths")) > 0);
	assert_int_equal(edge_openapi_json[edge_openapi_json_len], 0);
	assert_int_equal(strlen(edge_openapi_etag), 32);
	json_decref(doc);
}

static void test_every_route_documented(void **state)
{
	json_t *doc = load_doc();

	assert_int_equal(undocumented(edge_routes, edge_routes_len, doc), 0);
	json_decref(doc);
}

static void test_every_operation_routed(void **state)
{
	json_t *doc = load_doc();

	assert_int_equal(unrouted(edge_routes, edge_routes_len, doc), 0);
	json_decref(doc);
}

static void h_none(edge_req *req)
{
	(void)req;
}

/* The checks themselves catch a drift, both ways (a route the document lacks, an operation
 * with no route), and skip the internal pages. */
static void test_checks_catch_drift(void **state)
{
	static const edge_route extra[] = {
	    {"GET", "/v1/users/me", h_none, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
	    {"PUT", "/v1/users/me", h_none, EDGE_AUTH_REQUIRED, EDGE_BODY_NONE},
	    {"GET", "/v1/nowhere", h_none, EDGE_AUTH_NONE, EDGE_BODY_NONE},
	    {"GET", "/_problem/999", h_none, EDGE_AUTH_NONE, EDGE_BODY_NONE},
	};
	json_t *doc = load_doc();

	assert_int_equal(undocumented(extra, 4, doc), 2);
	/* Only GET /v1/users/me is routed: every other documented operation is not. */
	assert_int_equal(unrouted(extra, 4, doc), unrouted(edge_routes, 0, doc) - 1);
	assert_true(unrouted(edge_routes, 0, doc) > 20);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doc_is_openapi_31),
	    cmocka_unit_test(test_every_route_documented),
	    cmocka_unit_test(test_every_operation_routed),
	    cmocka_unit_test(test_checks_catch_drift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
