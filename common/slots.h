/*
 * slots.h - a gate for expensive work (argon2id hashing, image conversion):
 * at most N callers do the work at once, the rest wait, and nobody waits
 * past the point where the work could still finish before its caller's
 * deadline.
 *
 * Why: RPC workers are shared with cheap calls (health, reads). If every
 * worker could be inside slow CPU work, a burst of sign-ins or uploads would
 * make the service look dead to its health checks. With a gate, slow work
 * runs one per core and the workers beyond that sleep; a request that cannot
 * start in time is shed at once with INK_UNAVAILABLE (HTTP 503 + Retry-After)
 * instead of running anyway and timing out at the edge (504).
 *
 * The gate learns how long the work takes (an exponential average of what
 * it measured), so "too late to start" follows this machine and its load.
 */
#ifndef INKWELL_COMMON_SLOTS_H
#define INKWELL_COMMON_SLOTS_H

#include <stdint.h>

#include "err.h"

typedef struct ink_slots ink_slots;

/* ink_slots_open makes a gate of `slots` concurrent holders with at most
 * `max_inside` callers holding or waiting; guess_ms is the work's expected
 * duration until it has measured some. INK_INVALID_ARGUMENT for slots < 1
 * or max_inside < slots, INK_RESOURCE_EXHAUSTED. On INK_OK the caller owns
 * *out: ink_slots_close. */
INK_WUR ink_err ink_slots_open(int slots, int max_inside, int64_t guess_ms, ink_slots **out);

/* ink_slots_name names the gate in metrics ("convert", "pwhash"; a literal)
 * and reports it at every scrape: inkwell_gate_in_flight / _waiting now,
 * inkwell_gate_shed_total and the inkwell_gate_work_seconds histogram.
 * An unnamed gate's counts go under gate="unnamed". INK_RESOURCE_EXHAUSTED
 * when out of memory (the gate works, unreported). Call before any thread
 * uses the gate. */
ink_err ink_slots_name(ink_slots *s, const char *gate);

/* ink_slots_close frees the gate; nobody may be inside. NULL is a no-op. */
void ink_slots_close(ink_slots *s);

/* ink_slots_enter waits for a slot while clearly enough time is left before
 * deadline_unix_ms (0 = wait as long as it takes) for the work to finish.
 * INK_OK: the caller holds a slot and must call ink_slots_leave.
 * INK_UNAVAILABLE: shed (too many inside, or too late); nothing to leave. */
INK_WUR ink_err ink_slots_enter(ink_slots *s, int64_t deadline_unix_ms);

/* ink_slots_leave gives the slot back and records that the work took
 * work_ms (use ink_mono_ms around it). */
void ink_slots_leave(ink_slots *s, double work_ms);

/* ink_slots_waiting returns how many callers are queued for a slot right
 * now (a snapshot, for tests and metrics). Cannot fail. */
int ink_slots_waiting(ink_slots *s);

#endif /* INKWELL_COMMON_SLOTS_H */
