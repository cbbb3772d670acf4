/*
 * password.h - argon2id password hashing (libsodium) with bounded CPU use.
 *
 * Hashing costs ~64 MiB and tens of milliseconds by design. At most
 * `concurrency` hashes run at once (one per core); workers beyond that wait
 * their turn, and when too many wait we shed load with INK_UNAVAILABLE
 * rather than let sign-ins occupy every worker: health checks and other
 * calls must keep being answered during a burst of logins.
 */
#ifndef INKWELL_USER_SVC_PASSWORD_H
#define INKWELL_USER_SVC_PASSWORD_H

#include <sodium.h>
#include <stddef.h>

#include "err.h"

#define USVC_PWHASH_LEN crypto_pwhash_STRBYTES

/* usvc_password_init computes the dummy hash used for unknown users and
 * sets the limits: `concurrency` hashes at once, at most `max_waiting`
 * requests waiting or hashing. Call once from main after sodium_init.
 * Returns INK_RESOURCE_EXHAUSTED if hashing itself fails (out of memory). */
ink_err usvc_password_init(int concurrency, int max_waiting);

/* usvc_password_hash writes the argon2id string of `password` to out.
 * INK_UNAVAILABLE when shedding load, INK_RESOURCE_EXHAUSTED when out of
 * memory. */
ink_err usvc_password_hash(const char *password, char out[USVC_PWHASH_LEN]);

/* usvc_password_verify checks `password` against `hash`, or against the
 * dummy hash when hash is NULL (unknown user: same work, same timing).
 * INK_OK on a match; INK_UNAUTHENTICATED otherwise (always for NULL);
 * INK_UNAVAILABLE when shedding load. */
ink_err usvc_password_verify(const char *password, const char *hash);

#endif /* INKWELL_USER_SVC_PASSWORD_H */
