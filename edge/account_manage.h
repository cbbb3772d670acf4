/*
 * account_manage.h - the routes of a signed-in user's own account (issue
 * 18): password, sessions, deletion; and an admin's removal of a user. The
 * export is export.h's. Bodies are validated like registration's (schema.h
 * with the shared account rules).
 */
#ifndef INKWELL_EDGE_ACCOUNT_MANAGE_H
#define INKWELL_EDGE_ACCOUNT_MANAGE_H

#include "http.h"

/* PUT /v1/users/me/password {current_password, new_password} -> 204; every
 * other session is revoked, the caller's stays. 400 (errors list), 401
 * (wrong current password). */
void edge_acm_password(edge_req *req);

/* GET /v1/users/me/sessions -> 200 {items: [session...]}, newest first. */
void edge_acm_sessions(edge_req *req);

/* DELETE /v1/users/me/sessions/{id} -> 204; 404 for an id that is not a
 * live session of the caller. */
void edge_acm_revoke(edge_req *req);

/* DELETE /v1/users/me {password} -> 204: the account and its data are
 * erased. 400, 401 (wrong password). */
void edge_acm_delete(edge_req *req);

/* DELETE /v1/admin/users/{id} -> 204: the same erasure; 403 for a
 * non-admin, 404 for no such user. */
void edge_acm_admin_remove(edge_req *req);

#endif /* INKWELL_EDGE_ACCOUNT_MANAGE_H */
