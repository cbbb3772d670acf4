/*
 * slots_test.c - the gate for expensive work: holders up to the limit get
 * in, a caller that could not finish before its deadline is shed at once,
 * too many callers are shed, and a freed slot is handed on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
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

/* A waiter on its own thread: enters, records its turn, holds the slot
 * until told to leave. */
typedef struct {
	ink_slots *s;
	int id;
	atomic_int *order; /* order[turn] = id */
	atomic_int *turns;
	atomic_int release; /* set by the test: leave now */
	atomic_int done;
	ink_err err;
} slots_t_waiter;

static void *slots_t_run(void *arg)
{
	slots_t_waiter *w = arg;

	w->err = ink_slots_enter(w->s, ink_now_unix_ms() + 30000);
	if (w->err == INK_OK) {
		int turn = atomic_fetch_add(w->turns, 1);
		atomic_store(&w->order[turn], w->id);
		while (!atomic_load(&w->release))
			nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
		ink_slots_leave(w->s, 1);
	}
	atomic_store(&w->done, 1);
	return NULL;
}

/* Polls for up to 10 s until `waiting` callers queue (-1: any) and, given
 * turns, want_turns have entered: state, never a delay. */
static int slots_t_until(ink_slots *s, int waiting, atomic_int *turns, int want_turns)
{
	double end = ink_mono_ms() + 10000;

	while (ink_mono_ms() < end) {
		if ((waiting < 0 || ink_slots_waiting(s) == waiting) &&
		    (turns == NULL || atomic_load(turns) == want_turns))
			return 1;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	return 0;
}

static void test_handoff_between_threads_fifo(void **state)
{
	enum { N = 3 };
	ink_slots *s = NULL;
	atomic_int order[N], turns = 0;
	slots_t_waiter w[N];
	pthread_t th[N];

	(void)state;
	assert_int_equal(ink_slots_open(1, N + 1, 10, &s), INK_OK);
	assert_int_equal(ink_slots_enter(s, 0), INK_OK); /* the test holds it */
	for (int i = 0; i < N; i++) {
		atomic_init(&order[i], -1);
		w[i] = (slots_t_waiter){.s = s, .id = i, .order = order, .turns = &turns};
		atomic_init(&w[i].release, 0);
		atomic_init(&w[i].done, 0);
		assert_int_equal(pthread_create(&th[i], NULL, slots_t_run, &w[i]), 0);
		/* Queued before the next one starts: arrival order is i. */
		assert_true(slots_t_until(s, i + 1, NULL, 0));
	}
	assert_int_equal(atomic_load(&turns), 0); /* nobody got past the holder */
	ink_slots_leave(s, 1);
	for (int i = 0; i < N; i++) {
		/* Exactly one more thread holds the slot, and it is the i-th to
		 * arrive; the others still wait. */
		assert_true(slots_t_until(s, N - 1 - i, &turns, i + 1));
		assert_int_equal(atomic_load(&order[i]), i);
		atomic_store(&w[i].release, 1);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].err, INK_OK);
	}
	/* Every slot came back: the gate is free again. */
	assert_int_equal(ink_slots_enter(s, 0), INK_OK);
	ink_slots_leave(s, 1);
	ink_slots_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limits_and_deadlines),
	    cmocka_unit_test(test_too_many_inside_shed),
	    cmocka_unit_test(test_handoff_between_threads_fifo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
