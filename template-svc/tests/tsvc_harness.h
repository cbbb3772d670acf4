/*
 * tsvc_harness.h - what template-svc's tests share: a real template-svc RPC
 * server (the binary's method table) over inproc, talking to the real
 * redis-server named by $INK_TEST_REDIS (with_redis.sh starts it), a client
 * to call it as any user, and PNGs made on the spot.
 */
#ifndef INKWELL_TEMPLATE_SVC_TSVC_HARNESS_H
#define INKWELL_TEMPLATE_SVC_TSVC_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "err.h"

#define TSVC_T(name) "inkwell.template.v1.Templates/" name

/* harness_start serves template-svc on inproc and connects a client;
 * 0 on success (cmocka group setup). harness_stop undoes it. */
int harness_start(void **state);
int harness_stop(void **state);

/* harness_flush empties the test Redis (FLUSHALL); 0 on success. */
int harness_flush(void **state);

/* harness_call calls `method` as user uid (NULL = anonymous) named uid with
 * role (NULL = "user"). On INK_OK *reply holds the body (free reply->data);
 * else `why` says why. */
ink_err harness_call(const char *method, const char *uid, const char *role,
                     const ProtobufCMessage *msg, ProtobufCBinaryData *reply, char *why,
                     size_t why_len);

/* harness_call_raw is harness_call with an already packed (or garbage) body. */
ink_err harness_call_raw(const char *method, const char *uid, const char *role, const uint8_t *body,
                         size_t len, ProtobufCBinaryData *reply, char *why, size_t why_len);

/* harness_png makes an 8-bit gray PNG of w x h: white with a black ring.
 * Returns a malloc'd buffer (free()) and its length in *len, NULL on error. */
uint8_t *harness_png(uint32_t w, uint32_t h, size_t *len);

/* harness_redis_int runs a Redis command that answers an integer (EXISTS,
 * ZCARD, ...) on the test Redis and returns it; -1 on error. */
long long harness_redis_int(const char *fmt, const char *arg);

#endif /* INKWELL_TEMPLATE_SVC_TSVC_HARNESS_H */
