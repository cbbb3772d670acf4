/*
 * auth.h - bearer tokens: reading "Authorization: Bearer <token>" and asking
 * user-svc who it belongs to (inkwell.user.v1.Users/Authenticate).
 *
 * The edge keeps no session state: an authenticated request costs one
 * Authenticate RPC, and the answer becomes the Caller of the request's RPC
 * envelopes; or, on EDGE_AUTH_*_IN_CALL routes (router.h, issue 16), none:
 * the Caller carries the token's SHA-256 and user-svc resolves it inside
 * the method, in the same Redis round trip as the session's bookkeeping.
 * A missing or malformed header, or a token user-svc refuses, is 401
 * problem+json with WWW-Authenticate: Bearer (RFC 6750).
 */
#ifndef INKWELL_EDGE_AUTH_H
#define INKWELL_EDGE_AUTH_H

#include <stddef.h>

#include "http.h"

#define EDGE_AUTHENTICATE_METHOD "inkwell.user.v1.Users/Authenticate"

/* edge_bearer_parse extracts the token of an Authorization header value
 * "Bearer <token>" (scheme case-insensitive, one or more spaces, token of
 * RFC 6750 b64token characters [A-Za-z0-9-._~+/] then optional '='s) into
 * token (NUL-terminated). Returns 0, or -1 when the header is NULL, another
 * scheme, malformed, or the token does not fit in token_len. Pure. */
INK_WUR int edge_bearer_parse(const char *header, char *token, size_t token_len);

/* edge_authenticate applies req->route->auth. REQUIRED: a valid token or
 * 401; OPTIONAL: no Authorization header is fine (anonymous), a bad one is
 * 401; NONE: nothing. On success with a token, req->authenticated is 1 and
 * req->caller / req->token are set (IN_CALL routes: caller carries only
 * token_hash). Returns 0 when the request may go on,
 * -1 when a response was already sent (401; 503 when user-svc is
 * unavailable; 504 on timeout; 500 on a reply that does not parse). */
INK_WUR int edge_authenticate(edge_req *req);

#endif /* INKWELL_EDGE_AUTH_H */
