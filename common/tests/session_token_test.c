/*
 * session_token_test.c - the bearer token's shapes (common/session_token.h):
 * which user a token names, and what is no token at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "session_token.h"

#define UID    "0123456789abcdef0123456789abcdef"
#define SECRET "jJJ9iszQG2-JDDX4QYr3R-bEqScnjWt3hBL4K6CutmY"

static void test_a_token_names_its_user(void **state)
{
	char uid[INK_TOKEN_USER_CHARS + 1] = "x";

	(void)state;
	assert_int_equal(ink_token_user(UID "." SECRET, uid), 1);
	assert_string_equal(uid, UID);
	assert_int_equal(sizeof(UID "." SECRET) - 1, INK_TOKEN_CHARS);
}

static void test_an_older_token_names_nobody(void **state)
{
	char uid[INK_TOKEN_USER_CHARS + 1] = "x";

	(void)state;
	assert_int_equal(ink_token_user(SECRET, uid), 0);
	assert_string_equal(uid, "");
}

static void test_other_shapes_are_no_token(void **state)
{
	static const char *const bad[] = {
	    "",
	    "x",
	    SECRET "A",         /* a secret one character long */
	    UID "." SECRET "A", /* likewise */
	    UID "."
	        "short",                                /* a secret too short */
	    "0123456789ABCDEF0123456789abcdef." SECRET, /* upper-case hex is not an id */
	    "0123456789abcdef0123456789abcde." SECRET,  /* 31 digits */
	    UID ":" SECRET,                             /* another separator */
	    UID "."
	        "jJJ9iszQG2+JDDX4QYr3R/bEqScnjWt3hBL4K6CutmY", /* base64, not base64url */
	    UID "." SECRET "=",                                /* padding */
	};
	char uid[INK_TOKEN_USER_CHARS + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uid[0] = 'x';
		assert_int_equal(ink_token_user(bad[i], uid), -1);
		assert_string_equal(uid, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_token_names_its_user),
	    cmocka_unit_test(test_an_older_token_names_nobody),
	    cmocka_unit_test(test_other_shapes_are_no_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
