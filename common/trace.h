/*
 * trace.h - W3C Trace Context (https://www.w3.org/TR/trace-context/):
 * parsing and writing `traceparent`, and making trace and span ids.
 *
 * A trace id (32 lowercase hex digits) names one request across every
 * process; a span id (16 hex digits) names one process's part of it. The
 * edge takes the caller's trace (or starts one), and every RPC hop is a
 * child span: the server makes a new span id, and the caller's span id is
 * its parent. The thread's current trace lives in the log context (log.h),
 * beside the request id, so log lines and outgoing RPCs pick it up.
 */
#ifndef INKWELL_COMMON_TRACE_H
#define INKWELL_COMMON_TRACE_H

#include <stddef.h>

#include "err.h"

#define INK_TRACE_ID_LEN    32
#define INK_SPAN_ID_LEN     16
#define INK_TRACEPARENT_LEN 55 /* "00-" trace "-" span "-" flags */
#define INK_TRACESTATE_MAX  512
#define INK_TRACE_SAMPLED   0x01

typedef struct ink_trace {
	char trace_id[INK_TRACE_ID_LEN + 1];
	char span_id[INK_SPAN_ID_LEN + 1]; /* the parent's span when parsed */
	unsigned flags;
} ink_trace;

/* ink_trace_parse reads a traceparent header value into *out. Returns 0, or
 * -1 (nothing set) when the value must be ignored per the spec: NULL, not
 * version-trace-span-flags with lowercase hex fields of 2/32/16/2 digits,
 * version ff, version 00 with anything after the flags, a later version
 * whose extra part does not start with '-', an all-zero trace or span id.
 * Pure. */
INK_WUR int ink_trace_parse(const char *header, ink_trace *out);

/* ink_trace_state_ok returns 1 when a tracestate header value may be passed
 * on: at most INK_TRACESTATE_MAX bytes of printable ASCII. Pure. */
int ink_trace_state_ok(const char *header);

/* ink_trace_new_id writes `hex_len` random lowercase hex digits (16 or 32)
 * and a NUL into out (out_len > hex_len), never all zeros (from
 * ink_trace_random_bytes; sodium_init must have run). */
void ink_trace_new_id(char *out, size_t out_len, size_t hex_len);

/* ink_trace_random_bytes fills buf[0..n) with bytes for ids that name things
 * (trace, span and request ids), not for secrets: tokens and keys take
 * randombytes_buf. Each thread has its own ChaCha20 keystream, keyed once
 * from libsodium's randombytes (sodium_init must have run) and stepped by a
 * counter per call, so ids stay unpredictable and distinct without a
 * getrandom(2) per id: three of those were ~7 % of a signed-in read's
 * syscalls (issue 16). Safe from any thread; n <= 64. */
void ink_trace_random_bytes(unsigned char *buf, size_t n);

/* ink_trace_format writes "00-<trace_id>-<span_id>-<flags>" into out
 * (out_len > INK_TRACEPARENT_LEN). */
void ink_trace_format(const char *trace_id, const char *span_id, unsigned flags, char *out,
                      size_t out_len);

/* ink_trace_id_ok returns 1 when s is exactly `len` lowercase hex digits,
 * not all zeros. Pure. */
int ink_trace_id_ok(const char *s, size_t len);

#endif /* INKWELL_COMMON_TRACE_H */
