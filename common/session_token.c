/*
 * session_token.c - reading a bearer token's shape (see session_token.h).
 */
#include "session_token.h"

#include <string.h>

static int token_b64url(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* token_secret_ok: exactly INK_TOKEN_SECRET_CHARS base64url characters. */
static int token_secret_ok(const char *s)
{
	size_t n = 0;

	while (n <= INK_TOKEN_SECRET_CHARS && token_b64url(s[n]))
		n++;
	return n == INK_TOKEN_SECRET_CHARS && s[n] == '\0';
}

int ink_token_user(const char *token, char uid[INK_TOKEN_USER_CHARS + 1])
{
	size_t n = 0;

	uid[0] = '\0';
	while (n < INK_TOKEN_USER_CHARS &&
	       ((token[n] >= '0' && token[n] <= '9') || (token[n] >= 'a' && token[n] <= 'f')))
		n++;
	if (n == INK_TOKEN_USER_CHARS && token[n] == '.' && token_secret_ok(token + n + 1)) {
		memcpy(uid, token, INK_TOKEN_USER_CHARS);
		uid[INK_TOKEN_USER_CHARS] = '\0';
		return 1;
	}
	return token_secret_ok(token) ? 0 : -1;
}
