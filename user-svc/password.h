/*
 * password.h - argon2id password hashing (libsodium) behind a gate
 * (common/slots.h): one hash per core at a time, the rest wait only while
 * their RPC deadline allows, so a burst of sign-ins is answered with 503 +
 * Retry-After instead of 504s and never occupies every worker.
 */
#ifndef INKWELL_USER_SVC_PASSWORD_H
#define INKWELL_USER_SVC_PASSWORD_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "slots.h"

#define USVC_PWHASH_LEN crypto_pwhash_STRBYTES

/* The hashing gate and the dummy hash, made once by main and kept in the
 * service's config (usvc_config.password), as template-svc keeps its
 * conversion gate: no process-wide state. Read-only once made. */
typedef struct usvc_password usvc_password;

/* One hashing slot while it is held: which gate, and how long the work in
 * it took (what the gate learns on release). On the holder's stack. */
typedef struct usvc_pw_ticket {
	usvc_password *pw;
	double work_ms;
} usvc_pw_ticket;

/* usvc_password_init computes the dummy hash used for unknown users and
 * makes the gate: `concurrency` hashes at once, at most `max_waiting`
 * requests waiting or hashing. Call after sodium_init. INK_RESOURCE_EXHAUSTED
 * if hashing itself fails (out of memory), INK_INVALID_ARGUMENT for bad
 * limits. On INK_OK the caller owns *out: usvc_password_fini. */
INK_WUR ink_err usvc_password_init(int concurrency, int max_waiting, usvc_password **out);

/* usvc_password_fini frees what usvc_password_init made; no slot may be
 * held. NULL is a no-op. */
void usvc_password_fini(usvc_password *pw);

/* usvc_password_slot waits for a hashing slot of pw until there is no
 * longer time to hash before deadline_unix_ms (0 = no deadline). INK_OK: the
 * caller holds *t and must give it back with usvc_password_release.
 * INK_UNAVAILABLE: shed (too many waiting, or too late); nothing to release,
 * *t untouched. */
INK_WUR ink_err usvc_password_slot(usvc_password *pw, int64_t deadline_unix_ms, usvc_pw_ticket *t);
void usvc_password_release(usvc_pw_ticket *t);

/* usvc_password_hash writes the argon2id string of `password` to out,
 * within the held slot t. INK_RESOURCE_EXHAUSTED when out of memory. */
INK_WUR ink_err usvc_password_hash(usvc_pw_ticket *t, const char *password,
                                   char out[USVC_PWHASH_LEN]);

/* usvc_password_verify checks `password` against `hash`, or against the
 * dummy hash when hash is NULL (unknown user: same work, same timing),
 * within the held slot t. INK_OK on a match; INK_UNAUTHENTICATED otherwise
 * (always for NULL). */
INK_WUR ink_err usvc_password_verify(usvc_pw_ticket *t, const char *password, const char *hash);

#endif /* INKWELL_USER_SVC_PASSWORD_H */
