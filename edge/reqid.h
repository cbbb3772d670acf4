/*
 * reqid.h - request ids: accept nginx's X-Request-Id when it is safe to log
 * and forward, else make a fresh one.
 *
 * A request id travels into log lines and RPC envelopes, so only a short,
 * boring alphabet is accepted from outside: 1..EDGE_REQID_MAX characters of
 * [A-Za-z0-9._-]. Anything else is replaced, never repaired.
 */
#ifndef INKWELL_EDGE_REQID_H
#define INKWELL_EDGE_REQID_H

#include <stddef.h>

#define EDGE_REQID_MAX 64

/* edge_reqid_valid returns 1 when s is 1..EDGE_REQID_MAX characters of
 * [A-Za-z0-9._-], else 0 (also for NULL). Pure. */
int edge_reqid_valid(const char *s);

/* edge_reqid_new writes a fresh id, 32 random lowercase hex digits (128 bits
 * from ink_trace_random_bytes), into out (out_len >= 33). Call sodium_init()
 * once before. Never fails. */
void edge_reqid_new(char *out, size_t out_len);

/* edge_reqid_pick copies `from_client` into out when it is valid, else
 * writes a fresh id; out_len >= EDGE_REQID_MAX + 1. */
void edge_reqid_pick(const char *from_client, char *out, size_t out_len);

#endif /* INKWELL_EDGE_REQID_H */
