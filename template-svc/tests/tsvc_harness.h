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
#include "template.pb-c.h"

#define TSVC_T(name) "inkwell.template.v1.Templates/" name

/* Callers of the tests (user ids are ids: 32 lowercase hex). */
#define ALICE "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define BOB   "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define ADMIN "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
#define NOID  "0123456789abcdef0123456789abcdef" /* well-formed, never issued */

/* harness_start serves template-svc on inproc and connects a client;
 * 0 on success (cmocka group setup). harness_stop undoes it. */
int harness_start(void **state);
int harness_stop(void **state);

/* harness_flush empties the test Redis (FLUSHALL); 0 on success. */
int harness_flush(void **state);

/* harness_call calls `method` as user uid (NULL = anonymous) named uid with
 * role (NULL = "user"). On INK_OK *reply holds the body (free reply->data);
 * else `why` says why. */
INK_WUR ink_err harness_call(const char *method, const char *uid, const char *role,
                             const ProtobufCMessage *msg, ProtobufCBinaryData *reply, char *why,
                             size_t why_len);

/* harness_call_raw is harness_call with an already packed (or garbage) body. */
INK_WUR ink_err harness_call_raw(const char *method, const char *uid, const char *role,
                                 const uint8_t *body, size_t len, ProtobufCBinaryData *reply,
                                 char *why, size_t why_len);

/* harness_png makes an 8-bit gray PNG of w x h: white with a black ring.
 * Returns a malloc'd buffer (free()) and its length in *len, NULL on error. */
uint8_t *harness_png(uint32_t w, uint32_t h, size_t *len);

/* harness_png_seeded is harness_png with the low 32 bits of `seed` drawn
 * into its first row: another seed, another page (another SHA-256).
 * harness_png is seed 0. harness_seed hashes a string into a seed. */
uint8_t *harness_png_seeded(uint32_t w, uint32_t h, uint32_t seed, size_t *len);
uint32_t harness_seed(const char *s);

/* harness_redis_int runs a Redis command that answers an integer (EXISTS,
 * ZCARD, ...) on the test Redis and returns it; -1 on error. */
long long harness_redis_int(const char *fmt, const char *arg);

/* harness_publish publishes a 40x30 PNG of its own for each source
 * (harness_png_seeded(harness_seed(source))) as uid (NULL = anonymous)
 * under `source` with `title`; on INK_OK *out is the item (free_unpacked;
 * out may be NULL when the call is expected to fail). */
INK_WUR ink_err harness_publish(const char *uid, const char *source, const char *title,
                                Inkwell__Template__V1__GalleryItem **out);

/* harness_publish_png is harness_publish with a given 40x30 PNG (copies of
 * one page under several sources). */
INK_WUR ink_err harness_publish_png(const char *uid, const char *source, const char *title,
                                    const uint8_t *png, size_t len,
                                    Inkwell__Template__V1__GalleryItem **out);

/* harness_publish_ok is harness_publish that must succeed. */
Inkwell__Template__V1__GalleryItem *harness_publish_ok(const char *uid, const char *source,
                                                       const char *title);

/* harness_ref calls a GalleryRef method (Get, GetImage, Delete) on id; on
 * INK_OK the caller frees reply->data. harness_ref_drop drops the reply. */
INK_WUR ink_err harness_ref(const char *method, const char *uid, const char *role, const char *id,
                            ProtobufCBinaryData *reply);
INK_WUR ink_err harness_ref_drop(const char *method, const char *uid, const char *role,
                                 const char *id);

#endif /* INKWELL_TEMPLATE_SVC_TSVC_HARNESS_H */
