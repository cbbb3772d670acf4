/*
 * slots.c - see slots.h. A FIFO gate: waiters queue in arrival order, each
 * on its own condition variable, and a leaving holder hands its slot
 * straight to the head of the queue. (A POSIX semaphore is not fair: under
 * a burst some waiters starve past their deadline while later ones get in.)
 *
 *   enter: free slot and empty queue -> hold
 *          else queue up -> granted by a leaver -> hold
 *                        -> cut-off time passes first -> leave the queue, shed
 *   leave: queue non-empty -> grant head (the slot changes hands)
 *          else -> one more free slot
 */
#include "slots.h"

#include "ink_assert.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "metrics.h"

static const ink_metric_family slots_shed = {
    .name = "inkwell_gate_shed_total",
    .help = "Callers a gate turned away (too many inside, or too late to start).",
    .type = INK_METRIC_COUNTER,
    .nlabels = 1,
    .labels = {"gate"},
};

/* Conversions and hashes take 10 ms to tens of seconds. */
static const double slots_work_bounds[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                           2.5,  5,     10,   20,  40,   80};

static const ink_metric_family slots_work = {
    .name = "inkwell_gate_work_seconds",
    .help = "Time the work behind a gate took (conversion, password hash), by gate.",
    .type = INK_METRIC_HISTOGRAM,
    .nlabels = 1,
    .labels = {"gate"},
    .nbounds = (int)(sizeof(slots_work_bounds) / sizeof(slots_work_bounds[0])),
    .bounds = slots_work_bounds,
};

typedef struct slots_waiter {
	pthread_cond_t cv;
	int granted;
	struct slots_waiter *next;
} slots_waiter;

struct ink_slots {
	pthread_mutex_t lock;
	int free;   /* slots nobody holds; under lock */
	int inside; /* holders + waiters; under lock */
	int max_inside;
	slots_waiter *head, *tail; /* FIFO of waiters; under lock */
	atomic_int avg_ms;         /* how long the work usually takes */
	int slots;
	const char *name; /* for metrics; set before use */
};

ink_err ink_slots_open(int slots, int max_inside, int64_t guess_ms, ink_slots **out)
{
	if (slots < 1 || max_inside < slots || guess_ms < 1)
		return INK_INVALID_ARGUMENT;
	ink_slots *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return INK_RESOURCE_EXHAUSTED;
	pthread_mutex_init(&s->lock, NULL);
	s->free = slots;
	s->slots = slots;
	s->name = "unnamed";
	s->max_inside = max_inside;
	atomic_init(&s->avg_ms, (int)guess_ms);
	*out = s;
	return INK_OK;
}

static const ink_metric_family slots_in_flight = {
    .name = "inkwell_gate_in_flight",
    .help = "Callers doing the work behind a gate now.",
    .type = INK_METRIC_GAUGE,
    .nlabels = 1,
    .labels = {"gate"},
};

static const ink_metric_family slots_waiting = {
    .name = "inkwell_gate_waiting",
    .help = "Callers queued for a gate's slot now.",
    .type = INK_METRIC_GAUGE,
    .nlabels = 1,
    .labels = {"gate"},
};

/* slots_collect reports how many hold a slot (f = slots_in_flight) or wait
 * for one (slots_waiting). */
static void slots_collect(void *arg, const ink_metric_family *f, ink_metrics_buf *out)
{
	ink_slots *s = arg;

	pthread_mutex_lock(&s->lock);
	int holding = s->slots - s->free;
	int waiting = s->inside - holding;
	pthread_mutex_unlock(&s->lock);
	ink_metrics_printf(out, "%s{gate=\"", f->name);
	ink_metrics_label_value(out, s->name);
	ink_metrics_printf(out, "\"} %d\n", f == &slots_in_flight ? holding : waiting);
}

ink_err ink_slots_name(ink_slots *s, const char *gate)
{
	s->name = gate;
	ink_err err = ink_metrics_collector_add(&slots_in_flight, slots_collect, s);
	if (err == INK_OK)
		err = ink_metrics_collector_add(&slots_waiting, slots_collect, s);
	return err;
}

void ink_slots_close(ink_slots *s)
{
	if (s == NULL)
		return;
	ink_metrics_collector_remove(&slots_in_flight, slots_collect, s);
	ink_metrics_collector_remove(&slots_waiting, slots_collect, s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* slots_check asserts the gate's invariants (under lock): counts are never
 * negative, a free slot never coexists with a waiter (a leaver hands its
 * slot on instead), and head/tail are both set or both NULL. Our bug if not. */
static void slots_check(const ink_slots *s)
{
	INK_ASSERT(s->free >= 0 && s->inside >= 0 && s->inside <= s->max_inside);
	INK_ASSERT(s->free == 0 || s->head == NULL);
	INK_ASSERT((s->head == NULL) == (s->tail == NULL));
}

static void slots_unlink(ink_slots *s, slots_waiter *w)
{
	slots_waiter **p = &s->head;

	while (*p != w)
		p = &(*p)->next;
	*p = w->next;
	if (s->tail == w) {
		s->tail = NULL;
		for (slots_waiter *q = s->head; q != NULL; q = q->next)
			s->tail = q;
	}
}

ink_err ink_slots_enter(ink_slots *s, int64_t deadline_unix_ms)
{
	slots_waiter w = {.granted = 0, .next = NULL};
	ink_err err = INK_OK;

	pthread_mutex_lock(&s->lock);
	slots_check(s);
	if (s->inside >= s->max_inside) {
		pthread_mutex_unlock(&s->lock);
		ink_log_warn("slots: %d callers inside, shedding one", s->max_inside);
		ink_metrics_add(&slots_shed, (const char *[]){s->name}, 1);
		return INK_UNAVAILABLE;
	}
	s->inside++;
	if (s->free > 0 && s->head == NULL) {
		s->free--;
		pthread_mutex_unlock(&s->lock);
		return INK_OK;
	}
	/* Under contention the work takes a few times its average, and the
	 * reply still has to travel back before the caller gives up. */
	int64_t until = deadline_unix_ms - 3 * (int64_t)atomic_load(&s->avg_ms) - 500;
	struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_cond_init(&w.cv, &attr); /* CLOCK_REALTIME, like the deadline */
	pthread_condattr_destroy(&attr);
	if (s->tail != NULL)
		s->tail->next = &w;
	else
		s->head = &w;
	s->tail = &w;
	while (!w.granted) {
		if (deadline_unix_ms == 0) {
			pthread_cond_wait(&w.cv, &s->lock);
		} else if (pthread_cond_timedwait(&w.cv, &s->lock, &ts) != 0 && !w.granted) {
			slots_unlink(s, &w);
			s->inside--;
			err = INK_UNAVAILABLE;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	pthread_cond_destroy(&w.cv);
	if (err != INK_OK) {
		ink_log_warn("slots: no slot before the deadline, shedding one");
		ink_metrics_add(&slots_shed, (const char *[]){s->name}, 1);
	}
	return err;
}

void ink_slots_leave(ink_slots *s, double work_ms)
{
	int avg = atomic_load(&s->avg_ms);

	atomic_store(&s->avg_ms, (avg * 7 + (int)work_ms + 1) / 8);
	ink_metrics_observe(&slots_work, (const char *[]){s->name}, work_ms / 1000.0);
	pthread_mutex_lock(&s->lock);
	INK_ASSERT(s->inside > 0); /* a leave without its enter */
	s->inside--;
	slots_waiter *w = s->head;
	if (w != NULL) {
		s->head = w->next;
		if (s->head == NULL)
			s->tail = NULL;
		w->granted = 1; /* the slot passes straight to the longest waiter */
		pthread_cond_signal(&w->cv);
	} else {
		s->free++;
	}
	slots_check(s);
	pthread_mutex_unlock(&s->lock);
}

int ink_slots_waiting(ink_slots *s)
{
	int n = 0;

	pthread_mutex_lock(&s->lock);
	for (slots_waiter *w = s->head; w != NULL; w = w->next)
		n++;
	pthread_mutex_unlock(&s->lock);
	return n;
}
