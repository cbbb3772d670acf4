/*
 * trace.c - traceparent parsing and id making (see trace.h).
 *
 * The parser follows the spec's "a vendor MUST ignore traceparent when"
 * list: anything it cannot fully trust starts a new trace instead of being
 * repaired, since ids go into every log line and every RPC envelope.
 */
#include "trace.h"

#include "ink_assert.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

static int trace_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* trace_hex_run tells whether s[0..len) is lowercase hex. */
static int trace_hex_run(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (trace_hex(s[i]) < 0)
			return 0;
	}
	return 1;
}

int ink_trace_id_ok(const char *s, size_t len)
{
	int nonzero = 0;

	if (s == NULL || strlen(s) != len || !trace_hex_run(s, len))
		return 0;
	for (size_t i = 0; i < len; i++)
		nonzero |= s[i] != '0';
	return nonzero;
}

int ink_trace_parse(const char *h, ink_trace *out)
{
	ink_trace t;

	if (h == NULL)
		return -1;
	while (*h == ' ' || *h == '\t')
		h++;
	size_t n = strlen(h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (n < INK_TRACEPARENT_LEN || !trace_hex_run(h, 2) || h[2] != '-' || h[35] != '-' ||
	    h[52] != '-' || !trace_hex_run(h + 53, 2))
		return -1;
	if (h[0] == 'f' && h[1] == 'f')
		return -1;
	/* Version 00 is exactly 55 characters; a later version may append
	 * fields, each after a '-', and we read only the 00 part. */
	int v00 = h[0] == '0' && h[1] == '0';
	if ((v00 && n != INK_TRACEPARENT_LEN) || (!v00 && n > INK_TRACEPARENT_LEN && h[55] != '-'))
		return -1;
	memcpy(t.trace_id, h + 3, INK_TRACE_ID_LEN);
	t.trace_id[INK_TRACE_ID_LEN] = '\0';
	memcpy(t.span_id, h + 36, INK_SPAN_ID_LEN);
	t.span_id[INK_SPAN_ID_LEN] = '\0';
	if (!ink_trace_id_ok(t.trace_id, INK_TRACE_ID_LEN) ||
	    !ink_trace_id_ok(t.span_id, INK_SPAN_ID_LEN))
		return -1;
	t.flags = (unsigned)(trace_hex(h[53]) * 16 + trace_hex(h[54]));
	*out = t;
	return 0;
}

int ink_trace_state_ok(const char *h)
{
	size_t n = 0;

	if (h == NULL)
		return 0;
	for (; h[n] != '\0'; n++) {
		if (n >= INK_TRACESTATE_MAX || h[n] < 0x20 || h[n] > 0x7e)
			return 0;
	}
	return n > 0;
}

/* trace_stream: one thread's keystream. Thread-local rather than shared so
 * that making an id takes no lock; the key never leaves the thread. */
typedef struct trace_stream {
	unsigned char key[crypto_stream_chacha20_ietf_KEYBYTES];
	uint64_t counter;
	int keyed;
} trace_stream;

static _Thread_local trace_stream trace_thread_stream;

void ink_trace_random_bytes(unsigned char *buf, size_t n)
{
	trace_stream *ts = &trace_thread_stream;
	unsigned char nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {0};

	INK_ASSERT(n <= 64);
	if (!ts->keyed) {
		randombytes_buf(ts->key, sizeof(ts->key));
		ts->keyed = 1;
	}
	/* One nonce per call: the counter never repeats under one key, so no
	 * two calls share keystream. */
	memcpy(nonce, &ts->counter, sizeof(ts->counter));
	ts->counter++;
	crypto_stream_chacha20_ietf(buf, n, nonce, ts->key);
}

void ink_trace_new_id(char *out, size_t out_len, size_t hex_len)
{
	unsigned char raw[INK_TRACE_ID_LEN / 2];
	size_t n = hex_len / 2;

	INK_ASSERT((hex_len == INK_TRACE_ID_LEN || hex_len == INK_SPAN_ID_LEN) &&
	           out_len > hex_len);
	do {
		ink_trace_random_bytes(raw, n);
		sodium_bin2hex(out, out_len, raw, n);
	} while (!ink_trace_id_ok(out, hex_len));
}

void ink_trace_format(const char *trace_id, const char *span_id, unsigned flags, char *out,
                      size_t out_len)
{
	snprintf(out, out_len, "00-%s-%s-%02x", trace_id, span_id, flags & 0xffu);
}
