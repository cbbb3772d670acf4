/* password.c - see password.h. The gate is a counting semaphore (hashing
 * slots) plus an atomic count of callers inside, checked before waiting. */
#include "password.h"

#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>

#include "log.h"

static sem_t pw_slots;
static atomic_int pw_inside;
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
	if (crypto_pwhash_str(pw_dummy, "inkwell-dummy-password", 22, PW_OPS, PW_MEM) != 0)
		return INK_RESOURCE_EXHAUSTED;
	return INK_OK;
}

static ink_err pw_enter(void)
{
	if (atomic_fetch_add(&pw_inside, 1) >= pw_max_waiting) {
		atomic_fetch_sub(&pw_inside, 1);
		ink_log_warn("password hashing saturated: shedding a sign-in");
		return INK_UNAVAILABLE;
	}
	while (sem_wait(&pw_slots) != 0) {
	}
	return INK_OK;
}

static void pw_leave(void)
{
	sem_post(&pw_slots);
	atomic_fetch_sub(&pw_inside, 1);
}

ink_err usvc_password_hash(const char *password, char out[USVC_PWHASH_LEN])
{
	ink_err err = pw_enter();

	if (err != INK_OK)
		return err;
	int rv = crypto_pwhash_str(out, password, strlen(password), PW_OPS, PW_MEM);
	pw_leave();
	return rv == 0 ? INK_OK : INK_RESOURCE_EXHAUSTED;
}

ink_err usvc_password_verify(const char *password, const char *hash)
{
	ink_err err = pw_enter();

	if (err != INK_OK)
		return err;
	int rv = crypto_pwhash_str_verify(hash ? hash : pw_dummy, password, strlen(password));
	pw_leave();
	return (rv == 0 && hash != NULL) ? INK_OK : INK_UNAUTHENTICATED;
}
