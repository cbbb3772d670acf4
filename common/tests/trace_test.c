/*
 * trace_test.c - the traceparent parser takes exactly what W3C Trace
 * Context allows and ignores the rest (bad version ff, all-zero ids, wrong
 * lengths, uppercase hex, a version 00 with extra fields), and new ids are
 * well formed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "trace.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define SID "00f067aa0ba902b7"

static void test_valid(void **state)
{
	ink_trace t;

	(void)state;
	assert_int_equal(ink_trace_parse("00-" TID "-" SID "-01", &t), 0);
	assert_string_equal(t.trace_id, TID);
	assert_string_equal(t.span_id, SID);
	assert_int_equal(t.flags, 1);
	assert_int_equal(ink_trace_parse("00-" TID "-" SID "-00", &t), 0);
	assert_int_equal(t.flags, 0);
	/* Optional whitespace around a header value is not part of it. */
	assert_int_equal(ink_trace_parse(" 00-" TID "-" SID "-01\t", &t), 0);
	/* A later version may carry more fields; we read the 00 part. */
	assert_int_equal(ink_trace_parse("cc-" TID "-" SID "-01-what-the-future-holds", &t), 0);
	assert_string_equal(t.trace_id, TID);
	assert_int_equal(ink_trace_parse("01-" TID "-" SID "-09", &t), 0);
	assert_int_equal(t.flags, 9);
}

static void test_ignored(void **state)
{
	ink_trace t;
	static const char *const bad[] = {
	    "",
	    "00",
	    "ff-" TID "-" SID "-01",                          /* version ff */
	    "00-00000000000000000000000000000000-" SID "-01", /* zero trace id */
	    "00-" TID "-0000000000000000-01",                 /* zero span id */
	    "00-" TID "-" SID "-01-extra",                    /* 00 is 55 chars */
	    "00-" TID "-" SID "-1",                           /* short flags */
	    "00-4bf92f3577b34da6a3ce929d0e0e473-" SID "-01",  /* 31-digit trace */
	    "00-" TID "-00f067aa0ba902b-01",                  /* 15-digit span */
	    "00-" TID "0-" SID "-01",                         /* 33-digit trace */
	    "00-4BF92F3577B34DA6A3CE929D0E0E4736-" SID "-01", /* uppercase */
	    "0g-" TID "-" SID "-01",                          /* not hex */
	    "00_" TID "_" SID "_01",                          /* wrong separators */
	    "cc-" TID "-" SID "-01x",                         /* no '-' before more */
	    "00-" TID "-" SID "-zz",
	};
	(void)state;
	memset(&t, 0x55, sizeof(t));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ink_trace before = t;
		assert_int_equal(ink_trace_parse(bad[i], &t), -1);
		assert_memory_equal(&before, &t, sizeof(t)); /* nothing set */
	}
	assert_int_equal(ink_trace_parse(NULL, &t), -1);
}

static void test_tracestate(void **state)
{
	char big[INK_TRACESTATE_MAX + 2];

	(void)state;
	assert_true(ink_trace_state_ok("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
	assert_false(ink_trace_state_ok(""));
	assert_false(ink_trace_state_ok(NULL));
	assert_false(ink_trace_state_ok("a=b\r\nX-Evil: 1"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(ink_trace_state_ok(big));
}

static void test_new_ids_and_format(void **state)
{
	char tid[INK_TRACE_ID_LEN + 1], sid[INK_SPAN_ID_LEN + 1], tp[INK_TRACEPARENT_LEN + 1];
	ink_trace t;

	(void)state;
	assert_true(sodium_init() >= 0);
	ink_trace_new_id(tid, sizeof(tid), INK_TRACE_ID_LEN);
	ink_trace_new_id(sid, sizeof(sid), INK_SPAN_ID_LEN);
	assert_true(ink_trace_id_ok(tid, INK_TRACE_ID_LEN));
	assert_true(ink_trace_id_ok(sid, INK_SPAN_ID_LEN));
	ink_trace_format(tid, sid, 1, tp, sizeof(tp));
	assert_int_equal(strlen(tp), INK_TRACEPARENT_LEN);
	/* What we send, we accept. */
	assert_int_equal(ink_trace_parse(tp, &t), 0);
	assert_string_equal(t.trace_id, tid);
	assert_string_equal(t.span_id, sid);
	assert_int_equal(t.flags, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_ignored),
	    cmocka_unit_test(test_tracestate),
	    cmocka_unit_test(test_new_ids_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
