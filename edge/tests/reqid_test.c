/*
 * reqid_test.c - which X-Request-Id values are taken, and fresh ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "reqid.h"

static void test_valid(void **state)
{
	char max[EDGE_REQID_MAX + 2];

	assert_true(edge_reqid_valid("a"));
	assert_true(edge_reqid_valid("0af3c9e1-77b2.req_9"));
	memset(max, 'x', sizeof(max));
	max[EDGE_REQID_MAX] = '\0';
	assert_true(edge_reqid_valid(max));
	max[EDGE_REQID_MAX] = 'x';
	max[EDGE_REQID_MAX + 1] = '\0';
	assert_false(edge_reqid_valid(max));
	assert_false(edge_reqid_valid(NULL));
	assert_false(edge_reqid_valid(""));
	assert_false(edge_reqid_valid("has space"));
	assert_false(edge_reqid_valid("new\nline"));
	assert_false(edge_reqid_valid("quote\""));
	assert_false(edge_reqid_valid("caf\xc3\xa9"));
	assert_false(edge_reqid_valid("a/b"));
}

static void test_pick(void **state)
{
	char out[EDGE_REQID_MAX + 1];
	char other[EDGE_REQID_MAX + 1];

	edge_reqid_pick("from-nginx-1", out, sizeof(out));
	assert_string_equal(out, "from-nginx-1");
	edge_reqid_pick("bad id", out, sizeof(out));
	assert_int_equal(strlen(out), 32);
	assert_true(edge_reqid_valid(out));
	edge_reqid_pick(NULL, other, sizeof(other));
	assert_int_equal(strlen(other), 32);
	assert_string_not_equal(out, other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_pick),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
