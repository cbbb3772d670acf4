/*
 * password.c - see password.h. The hashing gate is common/slots.h; this file
 * adds argon2id's parameters and the dummy hash. Made once in main, then
 * shared by workers only through the gate (which is thread-safe).
 */
#include "password.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

struct usvc_password {
	ink_slots *gate;
	char dummy[USVC_PWHASH_LEN];
};

#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

ink_err usvc_password_init(int concurrency, int max_waiting, usvc_password **out)
{
	usvc_password *pw = calloc(1, sizeof(*pw));
	double start = ink_mono_ms();

	if (pw == NULL)
		return INK_RESOURCE_EXHAUSTED;
	if (crypto_pwhash_str(pw->dummy, "inkwell-dummy-password", 22, PW_OPS, PW_MEM) != 0) {
		free(pw);
		return INK_RESOURCE_EXHAUSTED;
	}
	int64_t took = (int64_t)(ink_mono_ms() - start) + 1;
	ink_err err = ink_slots_open(concurrency, max_waiting, took, &pw->gate);
	if (err == INK_OK)
		err = ink_slots_name(pw->gate, "pwhash");
	if (err != INK_OK) {
		ink_slots_close(pw->gate);
		free(pw);
		return err;
	}
	*out = pw;
	return INK_OK;
}

void usvc_password_fini(usvc_password *pw)
{
	if (pw == NULL)
		return;
	ink_slots_close(pw->gate);
	free(pw);
}

ink_err usvc_password_slot(usvc_password *pw, int64_t deadline_unix_ms, usvc_pw_ticket *t)
{
	ink_err err = ink_slots_enter(pw->gate, deadline_unix_ms);

	if (err != INK_OK)
		return err;
	*t = (usvc_pw_ticket){.pw = pw, .work_ms = 0};
	return INK_OK;
}

void usvc_password_release(usvc_pw_ticket *t)
{
	ink_slots_leave(t->pw->gate, t->work_ms);
}

ink_err usvc_password_hash(usvc_pw_ticket *t, const char *password, char out[USVC_PWHASH_LEN])
{
	double start = ink_mono_ms();
	int rv = crypto_pwhash_str(out, password, strlen(password), PW_OPS, PW_MEM);

	t->work_ms = ink_mono_ms() - start;
	return rv == 0 ? INK_OK : INK_RESOURCE_EXHAUSTED;
}

ink_err usvc_password_verify(usvc_pw_ticket *t, const char *password, const char *hash)
{
	double start = ink_mono_ms();
	int rv = crypto_pwhash_str_verify(hash ? hash : t->pw->dummy, password, strlen(password));

	t->work_ms = ink_mono_ms() - start;
	return (rv == 0 && hash != NULL) ? INK_OK : INK_UNAUTHENTICATED;
}
