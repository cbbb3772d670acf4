/*
 * content_rules_test.c - the one copy of the content rules: titles are one
 * line of 1-100 characters, reasons 1-500 with line breaks allowed, ids are
 * ours, and a cursor reads back as what it was made from and nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "content_rules.h"

static const char id[] = "0123456789abcdef0123456789abcdef";

static void test_title_and_reason(void **state)
{
	char s[INK_REASON_MAX * 2 + 2];

	(void)state;
	assert_null(ink_rule_title("Rose"));
	assert_null(ink_rule_title("Ros\xc3\xa9"));
	assert_non_null(ink_rule_title(""));
	assert_non_null(ink_rule_title(NULL));
	assert_non_null(ink_rule_title("two\nlines"));
	assert_non_null(ink_rule_title("bell\a"));
	memset(s, 'a', INK_TITLE_MAX);
	s[INK_TITLE_MAX] = '\0';
	assert_null(ink_rule_title(s));
	s[INK_TITLE_MAX] = 'a';
	s[INK_TITLE_MAX + 1] = '\0';
	assert_non_null(ink_rule_title(s));
	/* 100 two-byte characters are 100 characters, not 200. */
	for (int i = 0; i < INK_TITLE_MAX; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	s[2 * INK_TITLE_MAX] = '\0';
	assert_null(ink_rule_title(s));

	assert_null(ink_rule_reason("spam\nand more spam\r\n\tindented"));
	assert_non_null(ink_rule_reason(""));
	assert_non_null(ink_rule_reason("nul\x01"));
	assert_non_null(ink_rule_reason("del\x7f"));
	memset(s, 'a', INK_REASON_MAX);
	s[INK_REASON_MAX] = '\0';
	assert_null(ink_rule_reason(s));
	s[INK_REASON_MAX] = 'a';
	s[INK_REASON_MAX + 1] = '\0';
	assert_non_null(ink_rule_reason(s));
	assert_int_equal(ink_text_chars("a\nb", 3, 0), -1);
	assert_int_equal(ink_text_chars("a\nb", 3, 1), 3);
}

static void test_ids(void **state)
{
	(void)state;
	assert_true(ink_id_ok(id));
	assert_false(ink_id_ok(NULL));
	assert_false(ink_id_ok(""));
	assert_false(ink_id_ok("0123456789ABCDEF0123456789abcdef"));
	assert_false(ink_id_ok("0123456789abcdef0123456789abcde"));
	assert_false(ink_id_ok("0123456789abcdef0123456789abcdef0"));
}

static void test_cursor_round_trip(void **state)
{
	char c[INK_CURSOR_MAX] = "", got[INK_ID_LEN] = "x";
	long long score = -1;

	(void)state;
	assert_int_equal(ink_cursor_encode(9223372036854775807LL, id, c), INK_OK);
	assert_true(strlen(c) < INK_CURSOR_MAX);
	/* base64url: nothing a query string would need escaped. */
	assert_int_equal(
	    strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
	    strlen(c));
	assert_int_equal(ink_cursor_decode(c, &score, got), INK_OK);
	assert_true(score == 9223372036854775807LL);
	assert_string_equal(got, id);

	assert_int_equal(ink_cursor_encode(1700000000000LL, id, c), INK_OK);
	assert_int_equal(ink_cursor_decode(c, &score, got), INK_OK);
	assert_true(score == 1700000000000LL);

	assert_int_equal(ink_cursor_encode(-1, id, c), INK_INVALID_ARGUMENT);
	assert_int_equal(ink_cursor_encode(1, "nope", c), INK_INVALID_ARGUMENT);
	/* Anything we did not make is refused, and the outputs stay put. */
	score = 7;
	memcpy(got, "kept", 5);
	const char *bad[] = {
	    "", "%%%", "AAAA", "MTIz", /* "123" */
	    "MTIzOm5vcGU",             /* "123:nope" */
	    /* hex of "1:<id>", the gallery's old form */
	    "313a3031323334353637383961626364656630313233343536373839616263646566"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ink_cursor_decode(bad[i], &score, got), INK_INVALID_ARGUMENT);
	assert_true(score == 7);
	assert_string_equal(got, "kept");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_title_and_reason),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_cursor_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
