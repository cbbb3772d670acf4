/*
 * reqid.c - request id validation and generation (see reqid.h).
 */
#include "reqid.h"

#include "ink_assert.h"
#include "trace.h"
#include <string.h>
#include <sodium.h>

static int reqid_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int edge_reqid_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= EDGE_REQID_MAX || !reqid_char_ok(s[i]))
			return 0;
	}
	return i > 0;
}

void edge_reqid_new(char *out, size_t out_len)
{
	unsigned char raw[16];

	INK_ASSERT(out_len >= 2 * sizeof(raw) + 1);
	ink_trace_random_bytes(raw, sizeof(raw));
	sodium_bin2hex(out, out_len, raw, sizeof(raw));
}

void edge_reqid_pick(const char *from_client, char *out, size_t out_len)
{
	INK_ASSERT(out_len > EDGE_REQID_MAX);
	if (edge_reqid_valid(from_client)) {
		size_t n = strlen(from_client);
		memcpy(out, from_client, n + 1);
		return;
	}
	edge_reqid_new(out, out_len);
}
