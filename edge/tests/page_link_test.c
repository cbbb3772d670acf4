/*
 * page_link_test.c - the RFC 8288 next link: its exact form, the cursor percent-encoded
 * (so a cursor with '&', '=' or '%' cannot change the query), and refusal when it does not
 * fit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "page_link.h"

static void test_plain_cursor(void **state)
{
	char out[128];

	assert_int_equal(
	    edge_page_link_format("/v1/gallery", 20, "1764633600123-ab_c.~", out, sizeof(out)), 0);
	assert_string_equal(out,
	                    "</v1/gallery?limit=20&cursor=1764633600123-ab_c.~>; rel=\"next\"");
}

static void test_cursor_encoded(void **state)
{
	char out[128];

	assert_int_equal(
	    edge_page_link_format("/v1/templates", 3, "a:b&c=d%/ \xff", out, sizeof(out)), 0);
	assert_string_equal(
	    out, "</v1/templates?limit=3&cursor=a%3Ab%26c%3Dd%25%2F%20%FF>; rel=\"next\"");
}

static void test_too_long(void **state)
{
	char out[40];
	char big[300];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(edge_page_link_format("/v1/gallery", 20, big, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	/* Exactly fitting: the NUL counts. */
	const char *want = "</v1/g?limit=1&cursor=%2F>; rel=\"next\"";
	char exact[40];
	assert_int_equal(strlen(want) + 1, 39);
	assert_int_equal(edge_page_link_format("/v1/g", 1, "/", exact, 39), 0);
	assert_string_equal(exact, want);
	assert_int_equal(edge_page_link_format("/v1/g", 1, "/", exact, 38), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_cursor),
	    cmocka_unit_test(test_cursor_encoded),
	    cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
