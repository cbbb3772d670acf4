/*
 * usvc_harness.h - a real user-svc for tests, as template-svc's
 * tsvc_harness.h: the production method table and worker state of both
 * services (user-svc calls template-svc over inproc REQ/REP), a real
 * redis-server from with_redis.sh ($INK_TEST_REDIS). Nothing is mocked.
 */
#ifndef INKWELL_USER_SVC_TESTS_HARNESS_H
#define INKWELL_USER_SVC_TESTS_HARNESS_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define USVC_U(m) "inkwell.user.v1.Users/" m
#define USVC_L(m) "inkwell.user.v1.Library/" m

/* cmocka group setup/teardown: start both services / stop them. 0 = ok. */
int usvc_h_start(void **state);
int usvc_h_stop(void **state);

/* usvc_h_flush empties the scratch Redis (a cmocka per-test setup). */
int usvc_h_flush(void **state);

/* usvc_h_redis_int runs a Redis command answering an integer (fmt with one
 * %s for arg) on the scratch Redis; its value, -1 on error. */
long long usvc_h_redis_int(const char *fmt, const char *arg);

/* usvc_h_user makes a minimal user hash for uid (stores need their user to
 * exist and not be erasing); 0 on success. */
int usvc_h_user(const char *uid);

/* usvc_h_call packs msg, calls user-svc's method as caller uid (NULL =
 * anonymous) and unpacks the reply as desc into *out (caller frees:
 * protobuf_c_message_free_unpacked; out may be NULL to drop it). Returns the
 * RPC's code; why gets its reason. *out is set on INK_OK only. */
INK_WUR ink_err usvc_h_call(const char *method, const char *uid, const ProtobufCMessage *msg,
                            const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out,
                            char *why, size_t why_len);

/* usvc_h_png makes a small PNG (seeded: another seed, another page);
 * malloc'd, free(). NULL when out of memory. */
uint8_t *usvc_h_png(uint32_t seed, size_t *len);

#endif /* INKWELL_USER_SVC_TESTS_HARNESS_H */
