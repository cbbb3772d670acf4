/*
 * session_token.h - the shape of a bearer token, one copy for the edge and
 * user-svc (issue 16).
 *
 * A token is `<user id>.<secret>`: the user's 32 hex digits, a dot, and 43
 * base64url characters of 32 random bytes. The user id is not a secret (it
 * names the Redis slot where the session lives, so user-svc can check the
 * session and read the user's data in one script); the secret is, and only
 * its holder can name the session: the session is found by the SHA-256 of
 * the whole token. Tokens issued before this shape are the bare 43-character
 * secret; they stay valid until they expire (user-svc's old lookup path).
 */
#ifndef INKWELL_COMMON_SESSION_TOKEN_H
#define INKWELL_COMMON_SESSION_TOKEN_H

#include <stddef.h>

#include "content_rules.h"

#define INK_TOKEN_SECRET_CHARS 43         /* base64url of 32 bytes, no padding */
#define INK_TOKEN_USER_CHARS   INK_ID_HEX /* a user id (ink_id_ok) */
/* The longest token: user id, '.', secret. */
#define INK_TOKEN_CHARS (INK_TOKEN_USER_CHARS + 1 + INK_TOKEN_SECRET_CHARS)

/* ink_token_user tells a token's shape: 1 for `<user id>.<secret>`, when
 * the user id (unverified: anyone can write one) goes to uid; 0 for a bare
 * secret from before (uid ""); -1 for anything else (uid ""). Pure. */
int ink_token_user(const char *token, char uid[INK_TOKEN_USER_CHARS + 1]);

#endif /* INKWELL_COMMON_SESSION_TOKEN_H */
