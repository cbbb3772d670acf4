/*
 * problem_test.c - RFC 9457 bodies: members, types, errors list, and bytes
 * from a client that are not UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "problem.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_shape(void **state)
{
	edge_problem p = {.status = 404, .detail = "no such template"};
	json_t *o = edge_problem_json(&p, "/v1/templates/x", "rid-1");

	assert_non_null(o);
	assert_string_equal(str(o, "type"), "https://inkwell.dev/problems/not-found");
	assert_string_equal(str(o, "title"), "Not Found");
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 404);
	assert_string_equal(str(o, "detail"), "no such template");
	assert_string_equal(str(o, "instance"), "/v1/templates/x");
	assert_string_equal(str(o, "request_id"), "rid-1");
	assert_null(json_object_get(o, "errors"));
	assert_int_equal(json_object_size(o), 6);
	json_decref(o);
}

static void test_optional_members(void **state)
{
	edge_problem p = {.status = 503, .slug = "custom", .title = "Backend down"};
	json_t *o = edge_problem_json(&p, NULL, NULL);

	assert_string_equal(str(o, "type"), "https://inkwell.dev/problems/custom");
	assert_string_equal(str(o, "title"), "Backend down");
	assert_null(json_object_get(o, "detail"));
	assert_null(json_object_get(o, "instance"));
	assert_null(json_object_get(o, "request_id"));
	json_decref(o);
}

static void test_errors(void **state)
{
	json_t *errors = NULL;

	assert_int_equal(edge_problem_add_error(&errors, "username", "too short"), 0);
	assert_int_equal(edge_problem_add_error(&errors, "password", "field required"), 0);
	edge_problem p = {.status = 400, .slug = "validation", .errors = errors};
	json_t *o = edge_problem_json(&p, "/v1/users", "r");
	json_t *e = json_object_get(o, "errors");
	assert_int_equal(json_array_size(e), 2);
	assert_string_equal(str(json_array_get(e, 0), "field"), "username");
	assert_string_equal(str(json_array_get(e, 1), "message"), "field required");
	json_decref(o);
	/* the caller still owns its array */
	assert_int_equal(json_array_size(errors), 2);
	json_decref(errors);
}

static void test_not_utf8(void **state)
{
	edge_problem p = {.status = 404, .detail = "bad \xff byte"};
	json_t *o = edge_problem_json(&p, "/x\xc3\x28y", "r");

	assert_non_null(o);
	assert_string_equal(str(o, "instance"), "/x?(y");
	assert_string_equal(str(o, "detail"), "bad ? byte");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shape),
	    cmocka_unit_test(test_optional_members),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_not_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
