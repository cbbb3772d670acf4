/*
 * slots_test.c - the gate for expensive work: holders up to the limit get
 * in, a caller that could not finish before its deadline is shed at once,
 * too many callers are shed, and a freed slot is handed on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "slots.h"

static void test_limits_and_deadlines(void **state)
{
	ink_slots *s = NULL;

	(void)state;
	assert_int_equal(ink_slots_open(0, 1, 10, &s), INK_INVALID_ARGUMENT);
	assert_int_equal(ink_slots_open(2, 1, 10, &s), INK_INVALID_ARGUMENT);
	assert_int_equal(ink_slots_open(1, 2, 100, &s), INK_OK);

	/* The one slot is free: in, whatever the deadline. */
	assert_int_equal(ink_slots_enter(s, 0), INK_OK);
	/* Slot taken and the deadline too close for 3 x 100 ms of work: shed
	 * without waiting for it. */
	double start = ink_mono_ms();
	assert_int_equal(ink_slots_enter(s, ink_now_unix_ms() + 200), INK_UNAVAILABLE);
	assert_true(ink_mono_ms() - start < 150);
	/* A deadline far enough away: waits, then is shed when the slot never
	 * frees in time (bounded by deadline - 3 x avg - 500 ms). */
	start = ink_mono_ms();
	assert_int_equal(ink_slots_enter(s, ink_now_unix_ms() + 1000), INK_UNAVAILABLE);
	assert_true(ink_mono_ms() - start < 900);
	ink_slots_leave(s, 100);
	/* Freed: the next caller gets it. */
	assert_int_equal(ink_slots_enter(s, ink_now_unix_ms() + 5000), INK_OK);
	ink_slots_leave(s, 100);
	ink_slots_close(s);
}

static void test_too_many_inside_shed(void **state)
{
	ink_slots *s = NULL;

	(void)state;
	assert_int_equal(ink_slots_open(1, 1, 10, &s), INK_OK);
	assert_int_equal(ink_slots_enter(s, 0), INK_OK);
	/* max_inside 1: a second caller is not even allowed to wait. */
	assert_int_equal(ink_slots_enter(s, ink_now_unix_ms() + 60000), INK_UNAVAILABLE);
	ink_slots_leave(s, 10);
	ink_slots_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limits_and_deadlines),
	    cmocka_unit_test(test_too_many_inside_shed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
