/* content_rules.c - see content_rules.h. Cursors use libsodium's base64 (a
 * Debian library, constant-time and strict about its alphabet). */
#include "content_rules.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long ink_text_chars(const char *s, size_t len, int line_breaks)
{
	long chars = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int brk = c == '\n' || c == '\r' || c == '\t';
		if ((c < 0x20 && !(line_breaks && brk)) || c == 0x7f)
			return -1;
		chars += (c & 0xC0) != 0x80;
	}
	return chars;
}

int ink_id_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0' && n <= INK_ID_HEX; n++) {
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	}
	return n == INK_ID_HEX;
}

static int rules_text_ok(const char *s, long max, int line_breaks)
{
	long n = s == NULL ? -1 : ink_text_chars(s, strlen(s), line_breaks);

	return n >= 1 && n <= max;
}

const char *ink_rule_title(const char *s)
{
	return rules_text_ok(s, INK_TITLE_MAX, 0)
	           ? NULL
	           : "must be 1-100 characters without control characters or line breaks";
}

const char *ink_rule_reason(const char *s)
{
	return rules_text_ok(s, INK_REASON_MAX, 1)
	           ? NULL
	           : "must be 1-500 characters without control characters (line breaks are fine)";
}

ink_err ink_cursor_encode(long long score, const char *id, char out[INK_CURSOR_MAX])
{
	char raw[INK_CURSOR_RAW_MAX + 8];

	if (score < 0 || !ink_id_ok(id))
		return INK_INVALID_ARGUMENT;
	int n = snprintf(raw, sizeof(raw), "%lld:%s", score, id);
	if (n < 0 || (size_t)n > INK_CURSOR_RAW_MAX)
		return INK_INVALID_ARGUMENT;
	sodium_bin2base64(out, INK_CURSOR_MAX, (const unsigned char *)raw, (size_t)n,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return INK_OK;
}

ink_err ink_cursor_decode(const char *cursor, long long *score, char id[INK_ID_LEN])
{
	char raw[INK_CURSOR_RAW_MAX + 1];
	size_t n = 0, digits = 0;

	if (cursor == NULL || strlen(cursor) >= INK_CURSOR_MAX ||
	    sodium_base642bin((unsigned char *)raw, sizeof(raw) - 1, cursor, strlen(cursor), NULL,
	                      &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return INK_INVALID_ARGUMENT;
	raw[n] = '\0';
	while (digits < n && digits < 19 && raw[digits] >= '0' && raw[digits] <= '9')
		digits++;
	if (digits == 0 || digits >= n || raw[digits] != ':' || !ink_id_ok(raw + digits + 1))
		return INK_INVALID_ARGUMENT;
	char *end = NULL;
	long long v = strtoll(raw, &end, 10);
	if (end != raw + digits || v < 0)
		return INK_INVALID_ARGUMENT;
	*score = v;
	memcpy(id, raw + digits + 1, INK_ID_LEN);
	return INK_OK;
}
