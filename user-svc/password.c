/*
 * password.c - see password.h. The hashing gate is common/slots.h; this file
 * adds argon2id's parameters and the dummy hash. Set up once in main, then
 * shared by workers only through the gate (which is thread-safe).
 */
#include "password.h"

#include <string.h>

#include "clock.h"
#include "slots.h"

static ink_slots *pw_gate;
static char pw_dummy[USVC_PWHASH_LEN];
/* How long this thread's last hash took: what the gate learns on release. */
static _Thread_local double pw_work_ms;

#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

ink_err usvc_password_init(int concurrency, int max_waiting)
{
	double start = ink_mono_ms();

	if (crypto_pwhash_str(pw_dummy, "inkwell-dummy-password", 22, PW_OPS, PW_MEM) != 0)
		return INK_RESOURCE_EXHAUSTED;
	int64_t took = (int64_t)(ink_mono_ms() - start) + 1;
	ink_err err = ink_slots_open(concurrency, max_waiting, took, &pw_gate);
	if (err == INK_OK)
		err = ink_slots_name(pw_gate, "pwhash");
	return err;
}

ink_err usvc_password_slot(int64_t deadline_unix_ms)
{
	pw_work_ms = 0;
	return ink_slots_enter(pw_gate, deadline_unix_ms);
}

void usvc_password_release(void)
{
	ink_slots_leave(pw_gate, pw_work_ms);
}

ink_err usvc_password_hash(const char *password, char out[USVC_PWHASH_LEN])
{
	double start = ink_mono_ms();
	int rv = crypto_pwhash_str(out, password, strlen(password), PW_OPS, PW_MEM);

	pw_work_ms = ink_mono_ms() - start;
	return rv == 0 ? INK_OK : INK_RESOURCE_EXHAUSTED;
}

ink_err usvc_password_verify(const char *password, const char *hash)
{
	double start = ink_mono_ms();
	int rv = crypto_pwhash_str_verify(hash ? hash : pw_dummy, password, strlen(password));

	pw_work_ms = ink_mono_ms() - start;
	return (rv == 0 && hash != NULL) ? INK_OK : INK_UNAUTHENTICATED;
}
