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

#define USVC_PWHASH_LEN crypto_pwhash_STRBYTES

/* usvc_password_init computes the dummy hash used for unknown users and
 * sets the limits: `concurrency` hashes at once, at most `max_waiting`
 * requests waiting or hashing. Call once from main after sodium_init.
 * Returns INK_RESOURCE_EXHAUSTED if hashing itself fails (out of memory). */
INK_WUR ink_err usvc_password_init(int concurrency, int max_waiting);

/* usvc_password_slot waits for a hashing slot until there is no longer time
 * to hash before deadline_unix_ms (0 = no deadline). INK_OK: the caller holds
 * a slot and must give it back with usvc_password_release. INK_UNAVAILABLE:
 * shed (too many waiting, or too late); nothing to release. */
INK_WUR ink_err usvc_password_slot(int64_t deadline_unix_ms);
void usvc_password_release(void);

/* usvc_password_hash writes the argon2id string of `password` to out. The
 * caller holds a slot. INK_RESOURCE_EXHAUSTED when out of memory. */
INK_WUR ink_err usvc_password_hash(const char *password, char out[USVC_PWHASH_LEN]);

/* usvc_password_verify checks `password` against `hash`, or against the
 * dummy hash when hash is NULL (unknown user: same work, same timing). The
 * caller holds a slot. INK_OK on a match; INK_UNAUTHENTICATED otherwise
 * (always for NULL). */
INK_WUR ink_err usvc_password_verify(const char *password, const char *hash);

#endif /* INKWELL_USER_SVC_PASSWORD_H */
