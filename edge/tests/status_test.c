/*
 * status_test.c - the ink_err -> HTTP table is grpc-gateway's, plus 413.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "status.h"

static void test_map(void **state)
{
	static const struct {
		ink_err err;
		int status;
	} cases[] = {
	    {INK_OK, 200},
	    {INK_CANCELLED, 499},
	    {INK_UNKNOWN, 500},
	    {INK_INVALID_ARGUMENT, 400},
	    {INK_DEADLINE_EXCEEDED, 504},
	    {INK_NOT_FOUND, 404},
	    {INK_ALREADY_EXISTS, 409},
	    {INK_PERMISSION_DENIED, 403},
	    {INK_RESOURCE_EXHAUSTED, 429},
	    {INK_FAILED_PRECONDITION, 422}, /* Inkwell: Idempotency-Key reuse */
	    {INK_ABORTED, 409},
	    {INK_OUT_OF_RANGE, 400},
	    {INK_UNIMPLEMENTED, 501},
	    {INK_INTERNAL, 500},
	    {INK_UNAVAILABLE, 503},
	    {INK_DATA_LOSS, 500},
	    {INK_UNAUTHENTICATED, 401},
	    {INK_PAYLOAD_TOO_LARGE, 413},
	    {(ink_err)77, 500},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(edge_status_from_err(cases[i].err), cases[i].status);
}

static void test_titles(void **state)
{
	assert_string_equal(edge_status_title(404), "Not Found");
	assert_string_equal(edge_status_title(405), "Method Not Allowed");
	assert_string_equal(edge_status_title(413), "Content Too Large");
	assert_string_equal(edge_status_title(415), "Unsupported Media Type");
	assert_string_equal(edge_status_title(599), "Error");
	assert_string_equal(edge_status_slug(404), "not-found");
	assert_string_equal(edge_status_slug(413), "payload-too-large");
	assert_string_equal(edge_status_slug(599), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map),
	    cmocka_unit_test(test_titles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
