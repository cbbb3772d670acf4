/*
 * erase.h - erasing an account with its data (issue 18), and the sweeper
 * that finishes an erasure a crash interrupted.
 */
#ifndef INKWELL_USER_SVC_ERASE_H
#define INKWELL_USER_SVC_ERASE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "redis.h"
#include "svc.h"

/* usvc_erase erases user uid: marks it erasing, revokes every session, has
 * template-svc forget its gallery items and reports, deletes its private
 * templates, then deletes the user and holds its name for
 * USERNAME_HOLD_SECONDS (see erase.c for the invariant). `by` is who asked
 * (the user's own id, or an admin's). Every step is idempotent, so calling
 * it again after any failure completes the erasure. Errors: INK_NOT_FOUND
 * (no such user: never was, or erased already), the users Redis's error,
 * or template-svc's (message in why; the user stays marked and is resumed
 * by a retry or the sweeper). */
INK_WUR ink_err usvc_erase(usvc_app *app, ink_redis *r, const char *uid, const char *by,
                           int64_t timeout_ms, char *why, size_t why_len);

typedef struct usvc_sweeper usvc_sweeper;

/* usvc_sweeper_start starts a thread with its own users-Redis connection
 * that resumes erasures begun ERASE_RETRY_SECONDS ago or more (their call
 * crashed or failed), checking that often. *out is freed by
 * usvc_sweeper_stop. INK_RESOURCE_EXHAUSTED when out of memory or no
 * thread; INK_INVALID_ARGUMENT for a bad USERS_REDIS_ADDR. */
INK_WUR ink_err usvc_sweeper_start(usvc_app *app, usvc_sweeper **out);

/* usvc_sweeper_stop stops and joins the thread (a round in progress
 * finishes first) and frees s. NULL: no-op. */
void usvc_sweeper_stop(usvc_sweeper *s);

#endif /* INKWELL_USER_SVC_ERASE_H */
