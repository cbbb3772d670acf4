/*
 * auth_test.c - parsing "Authorization: Bearer <token>", and media types.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "auth.h"
#include "http.h"

static void test_bearer_ok(void **state)
{
	char tok[64];

	assert_int_equal(edge_bearer_parse("Bearer abc.DEF-123_~+/", tok, sizeof(tok)), 0);
	assert_string_equal(tok, "abc.DEF-123_~+/");
	assert_int_equal(edge_bearer_parse("bearer   xyz==", tok, sizeof(tok)), 0);
	assert_string_equal(tok, "xyz==");
	assert_int_equal(edge_bearer_parse("BEARER t ", tok, sizeof(tok)), 0);
	assert_string_equal(tok, "t");
}

static void test_bearer_bad(void **state)
{
	char tok[8];
	const char *bad[] = {
	    "Basic dXNlcjpwdw==", "Bearer",      "Bearer ",   "Bearer a b",       "Bearer =abc",
	    "Bearer ab=c",        "Bearer a\"b", "Bearerabc", "Bearer 123456789",
	};

	assert_int_equal(edge_bearer_parse(NULL, tok, sizeof(tok)), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(edge_bearer_parse(bad[i], tok, sizeof(tok)), -1);
}

static void test_media_type(void **state)
{
	assert_true(edge_media_type_is("application/json", "application/json"));
	assert_true(edge_media_type_is("Application/JSON; charset=utf-8", "application/json"));
	assert_true(edge_media_type_is(" image/png ", "image/png"));
	assert_false(edge_media_type_is("application/jsonx", "application/json"));
	assert_false(edge_media_type_is("text/plain", "application/json"));
	assert_false(edge_media_type_is(NULL, "application/json"));
	assert_false(edge_media_type_is("", "image/png"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bearer_ok),
	    cmocka_unit_test(test_bearer_bad),
	    cmocka_unit_test(test_media_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
