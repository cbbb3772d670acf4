/*
 * password.c - see password.h. The gate is a counting semaphore (hashing
 * slots) plus an atomic count of callers inside. How long a hash takes is
 * learnt from the hashes made (an exponential average), so "too late to
 * start" tracks this machine and its load. Set once in main, then shared by
 * workers only through the semaphore and atomics.
 */
#include "password.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

static sem_t pw_slots;
static atomic_int pw_inside;
static atomic_int pw_hash_ms = 100; /* average time of one hash */
static int pw_max_waiting;
static char pw_dummy[USVC_PWHASH_LEN];

#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

ink_err usvc_password_init(int concurrency, int max_waiting)
{
	if (sem_init(&pw_slots, 0, (unsigned)concurrency) != 0)
		return INK_INTERNAL;
	pw_max_waiting = max_waiting;
	atomic_init(&pw_inside, 0);
	double start = ink_mono_ms();
	if (crypto_pwhash_str(pw_dummy, "inkwell-dummy-password", 22, PW_OPS, PW_MEM) != 0)
		return INK_RESOURCE_EXHAUSTED;
	atomic_store(&pw_hash_ms, (int)(ink_mono_ms() - start) + 1);
	return INK_OK;
}

static void pw_learn(double start)
{
	int took = (int)(ink_mono_ms() - start) + 1;
	int avg = atomic_load(&pw_hash_ms);
	atomic_store(&pw_hash_ms, (avg * 7 + took) / 8);
}

ink_err usvc_password_slot(int64_t deadline_unix_ms)
{
	if (atomic_fetch_add(&pw_inside, 1) >= pw_max_waiting) {
		atomic_fetch_sub(&pw_inside, 1);
		ink_log_warn("password hashing saturated: shedding a sign-in");
		return INK_UNAVAILABLE;
	}
	if (deadline_unix_ms == 0) {
		while (sem_wait(&pw_slots) != 0) {
		}
		return INK_OK;
	}
	/* Start hashing only while clearly enough time is left: a hash under
	 * contention takes a few times its average, and the reply must still
	 * travel back before the caller gives up. */
	int64_t until = deadline_unix_ms - 3 * (int64_t)atomic_load(&pw_hash_ms) - 500;
	struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
	int rc;
	while ((rc = sem_timedwait(&pw_slots, &ts)) != 0 && errno == EINTR) {
	}
	if (rc != 0) {
		atomic_fetch_sub(&pw_inside, 1);
		ink_log_warn("no hashing slot before the deadline: shedding a sign-in");
		return INK_UNAVAILABLE;
	}
	return INK_OK;
}

void usvc_password_release(void)
{
	sem_post(&pw_slots);
	atomic_fetch_sub(&pw_inside, 1);
}

ink_err usvc_password_hash(const char *password, char out[USVC_PWHASH_LEN])
{
	double start = ink_mono_ms();
	int rv = crypto_pwhash_str(out, password, strlen(password), PW_OPS, PW_MEM);

	pw_learn(start);
	return rv == 0 ? INK_OK : INK_RESOURCE_EXHAUSTED;
}

ink_err usvc_password_verify(const char *password, const char *hash)
{
	double start = ink_mono_ms();
	int rv = crypto_pwhash_str_verify(hash ? hash : pw_dummy, password, strlen(password));

	pw_learn(start);
	return (rv == 0 && hash != NULL) ? INK_OK : INK_UNAUTHENTICATED;
}
