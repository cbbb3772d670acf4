/*
 * accounts.h - the account routes: register, log in, log out, profile.
 * Bodies are validated strictly at the edge (schema.h with the shared
 * account rules) so every bad field is reported at once and nothing invalid
 * reaches user-svc; user-svc checks the rules again (it trusts no caller).
 */
#ifndef INKWELL_EDGE_ACCOUNTS_H
#define INKWELL_EDGE_ACCOUNTS_H

#include "http.h"

/* POST /v1/users -> 201 user + Location; 400 (errors list), 409, 415, 413. */
void edge_accounts_register(edge_req *req);
/* POST /v1/sessions -> 201 {token, token_type, expires_at}; 400, 401. */
void edge_accounts_login(edge_req *req);
/* DELETE /v1/sessions/current -> 204; the token stops working at once. */
void edge_accounts_logout(edge_req *req);
/* GET /v1/users/me -> 200 profile (never any password material). */
void edge_accounts_me(edge_req *req);

#endif /* INKWELL_EDGE_ACCOUNTS_H */
