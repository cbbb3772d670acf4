/*
 * auth.c - bearer token parsing and the Authenticate call, or for the
 * routes that authenticate inside their call, the token's hash (see auth.h).
 */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "session_token.h"
#include "user.pb-c.h"

static int auth_token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

int edge_bearer_parse(const char *header, char *token, size_t token_len)
{
	size_t n = 0;

	if (header == NULL || token_len == 0 || strncasecmp(header, "Bearer ", 7) != 0)
		return -1;
	const char *p = header + 7;
	while (*p == ' ')
		p++;
	while (auth_token_char(p[n]))
		n++;
	if (n == 0)
		return -1;
	while (p[n] == '=')
		n++;
	size_t end = n;
	while (p[end] == ' ')
		end++;
	if (p[end] != '\0' || n >= token_len)
		return -1;
	memcpy(token, p, n);
	token[n] = '\0';
	return 0;
}

/* auth_refuse sends 401 with the RFC 6750 challenge; `error` may be NULL
 * (no credentials at all) or "invalid_token". */
static void auth_refuse(edge_req *req, const char *error, const char *detail)
{
	char challenge[96];

	if (error != NULL)
		snprintf(challenge, sizeof(challenge), "Bearer realm=\"inkwell\", error=\"%s\"",
		         error);
	else
		snprintf(challenge, sizeof(challenge), "Bearer realm=\"inkwell\"");
	if (edge_add_header(req, "WWW-Authenticate", challenge) != 0)
		ink_log_error("WWW-Authenticate not added");
	edge_send_problem(req, 401, NULL, detail);
}

/* auth_copy copies a reply string into a caller field; -1 if it is too long. */
static int auth_copy(char *dst, size_t dst_len, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= dst_len)
		return -1;
	memcpy(dst, src ? src : "", n + 1);
	return 0;
}

/* auth_call asks user-svc about req->token; 0 or -1 (response sent). */
static int auth_call(edge_req *req)
{
	char why[256];
	ProtobufCBinaryData reply = {0, NULL};
	Inkwell__User__V1__TokenRequest treq = INKWELL__USER__V1__TOKEN_REQUEST__INIT;

	treq.token = req->token;
	ink_err err =
	    ink_rpc_call(req->app->users, EDGE_AUTHENTICATE_METHOD, NULL,
	                 req->app->cfg->rpc_timeout_ms, &treq.base, &reply, why, sizeof(why));
	if (err == INK_UNAUTHENTICATED || err == INK_INVALID_ARGUMENT || err == INK_NOT_FOUND ||
	    err == INK_PERMISSION_DENIED) {
		auth_refuse(req, "invalid_token", why[0] ? why : "the token is not valid");
		return -1;
	}
	if (err != INK_OK) {
		edge_send_ink_err(req, err, why);
		return -1;
	}
	Inkwell__User__V1__AuthenticateResponse *ar =
	    inkwell__user__v1__authenticate_response__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	int bad = ar == NULL || ar->user_id == NULL || ar->user_id[0] == '\0';
	if (!bad) {
		bad |= auth_copy(req->caller_user_id, sizeof(req->caller_user_id), ar->user_id);
		bad |= auth_copy(req->caller_username, sizeof(req->caller_username), ar->username);
		bad |= auth_copy(req->caller_role, sizeof(req->caller_role), ar->role);
	}
	if (ar != NULL)
		inkwell__user__v1__authenticate_response__free_unpacked(ar, NULL);
	if (bad) {
		edge_send_ink_err(req, INK_INTERNAL,
		                  "user-svc sent an Authenticate reply that does not parse");
		return -1;
	}
	req->caller.user_id = req->caller_user_id;
	req->caller.username = req->caller_username;
	req->caller.role = req->caller_role;
	req->authenticated = 1;
	return 0;
}

/* auth_in_call prepares an EDGE_AUTH_*_IN_CALL request: the token's hash
 * goes in the Caller, with the user id the token names (unverified: it
 * only says where the session lives), and user-svc resolves it inside the
 * call (issue 16). No state is kept here, so a logout takes effect on the very next call. */
static int auth_in_call(edge_req *req)
{
	uint8_t digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const uint8_t *)req->token, strlen(req->token));
	sodium_bin2hex(req->token_hash, sizeof(req->token_hash), digest, sizeof(digest));
	req->caller.token_hash = req->token_hash;
	if (ink_token_user(req->token, req->token_user) == 1)
		req->caller.token_user = req->token_user;
	req->authenticated = 1;
	return 0;
}

int edge_authenticate(edge_req *req)
{
	edge_auth need = req->route ? req->route->auth : EDGE_AUTH_NONE;
	int in_call = need == EDGE_AUTH_REQUIRED_IN_CALL;

	if (need == EDGE_AUTH_NONE)
		return 0;
	const char *h = edge_header(req, "Authorization");
	if (h == NULL) {
		if (need == EDGE_AUTH_OPTIONAL)
			return 0;
		auth_refuse(req, NULL, "this route needs an Authorization: Bearer token");
		return -1;
	}
	if (edge_bearer_parse(h, req->token, sizeof(req->token)) != 0) {
		auth_refuse(req, "invalid_token", "the Authorization header is not a Bearer token");
		return -1;
	}
	return in_call ? auth_in_call(req) : auth_call(req);
}
