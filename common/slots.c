/* slots.c - see slots.h: a counting semaphore for the slots, an atomic count
 * of callers inside (holding or waiting), and the learnt work time. */
#include "slots.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

struct ink_slots {
	sem_t free;
	atomic_int inside;
	atomic_int avg_ms; /* how long the work usually takes */
	int max_inside;
};

ink_err ink_slots_open(int slots, int max_inside, int64_t guess_ms, ink_slots **out)
{
	if (slots < 1 || max_inside < slots || guess_ms < 1)
		return INK_INVALID_ARGUMENT;
	ink_slots *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return INK_RESOURCE_EXHAUSTED;
	if (sem_init(&s->free, 0, (unsigned)slots) != 0) {
		free(s);
		return INK_INTERNAL;
	}
	atomic_init(&s->inside, 0);
	atomic_init(&s->avg_ms, (int)guess_ms);
	s->max_inside = max_inside;
	*out = s;
	return INK_OK;
}

void ink_slots_close(ink_slots *s)
{
	if (s == NULL)
		return;
	sem_destroy(&s->free);
	free(s);
}

ink_err ink_slots_enter(ink_slots *s, int64_t deadline_unix_ms)
{
	int rc;

	if (atomic_fetch_add(&s->inside, 1) >= s->max_inside) {
		atomic_fetch_sub(&s->inside, 1);
		ink_log_warn("slots: %d callers inside, shedding one", s->max_inside);
		return INK_UNAVAILABLE;
	}
	if (deadline_unix_ms == 0) {
		while ((rc = sem_wait(&s->free)) != 0 && errno == EINTR) {
		}
		return INK_OK;
	}
	/* Under contention the work takes a few times its average, and the
	 * reply still has to travel back before the caller gives up. */
	int64_t until = deadline_unix_ms - 3 * (int64_t)atomic_load(&s->avg_ms) - 500;
	struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
	while ((rc = sem_timedwait(&s->free, &ts)) != 0 && errno == EINTR) {
	}
	if (rc != 0) {
		atomic_fetch_sub(&s->inside, 1);
		ink_log_warn("slots: no slot before the deadline, shedding one");
		return INK_UNAVAILABLE;
	}
	return INK_OK;
}

void ink_slots_leave(ink_slots *s, double work_ms)
{
	int avg = atomic_load(&s->avg_ms);

	atomic_store(&s->avg_ms, (avg * 7 + (int)work_ms + 1) / 8);
	sem_post(&s->free);
	atomic_fetch_sub(&s->inside, 1);
}
