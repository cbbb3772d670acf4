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
	char id[INK_TOKEN_USER_CHARS + 1];

	uid[0] = '\0';
	if (strnlen(token, INK_TOKEN_USER_CHARS + 1) > INK_TOKEN_USER_CHARS &&
	    token[INK_TOKEN_USER_CHARS] == '.' &&
	    token_secret_ok(token + INK_TOKEN_USER_CHARS + 1)) {
		memcpy(id, token, INK_TOKEN_USER_CHARS);
		id[INK_TOKEN_USER_CHARS] = '\0';
		if (!ink_id_ok(id))
			return -1;
		memcpy(uid, id, sizeof(id));
		return 1;
	}
	return token_secret_ok(token) ? 0 : -1;
}
