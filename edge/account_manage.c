/*
 * account_manage.c - a user's own account routes and the admins' removal
 * (see account_manage.h): JSON in, one user-svc RPC, JSON out.
 */
#include "account_manage.h"

#include "account_rules.h"
#include "log.h"
#include "params.h"
#include "user.pb-c.h"
#include "views.h"

#define ACM_USERS "inkwell.user.v1.Users/"

/* The current password is checked for shape only: a wrong-length one is
 * just wrong (401), as at sign-in. */
static const edge_field acm_password_fields[] = {
    {.name = "current_password", .required = 1, .rule = NULL},
    {.name = "new_password", .required = 1, .rule = ink_rule_password},
};
static const edge_schema acm_password_schema = {acm_password_fields, 2};

static const edge_field acm_delete_fields[] = {
    {.name = "password", .required = 1, .rule = NULL},
};
static const edge_schema acm_delete_schema = {acm_delete_fields, 1};

/* acm_call_empty calls a method answering Empty; 204 on success. */
static void acm_call_empty(edge_req *req, const char *method, const ProtobufCMessage *rq)
{
	ProtobufCMessage *ok =
	    edge_rpc_msg(req, method, rq, &inkwell__user__v1__empty__descriptor, 0);

	if (ok == NULL)
		return;
	protobuf_c_message_free_unpacked(ok, NULL);
	edge_send_empty(req, 204);
}

void edge_acm_password(edge_req *req)
{
	Inkwell__User__V1__ChangePasswordRequest rq =
	    INKWELL__USER__V1__CHANGE_PASSWORD_REQUEST__INIT;
	json_t *obj = edge_json_body(req, &acm_password_schema);

	if (obj == NULL)
		return;
	rq.token = req->token;
	rq.current_password = (char *)edge_json_str(obj, "current_password");
	rq.new_password = (char *)edge_json_str(obj, "new_password");
	acm_call_empty(req, ACM_USERS "ChangePassword", &rq.base);
	json_decref(obj);
}

void edge_acm_sessions(edge_req *req)
{
	Inkwell__User__V1__SessionsRequest rq = INKWELL__USER__V1__SESSIONS_REQUEST__INIT;

	rq.token = req->token;
	Inkwell__User__V1__SessionList *l = (Inkwell__User__V1__SessionList *)edge_rpc_msg(
	    req, ACM_USERS "ListSessions", &rq.base, &inkwell__user__v1__session_list__descriptor,
	    0);
	if (l == NULL)
		return;
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < l->n_items; i++)
		items = edge_view_append(items, edge_view_session(l->items[i]));
	protobuf_c_message_free_unpacked(&l->base, NULL);
	edge_send_json(req, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}

void edge_acm_revoke(edge_req *req)
{
	Inkwell__User__V1__RevokeSessionRequest rq =
	    INKWELL__USER__V1__REVOKE_SESSION_REQUEST__INIT;

	rq.id = (char *)edge_path_param(req, "id");
	acm_call_empty(req, ACM_USERS "RevokeSession", &rq.base);
}

void edge_acm_delete(edge_req *req)
{
	Inkwell__User__V1__DeleteAccountRequest rq =
	    INKWELL__USER__V1__DELETE_ACCOUNT_REQUEST__INIT;
	json_t *obj = edge_json_body(req, &acm_delete_schema);

	if (obj == NULL)
		return;
	rq.password = (char *)edge_json_str(obj, "password");
	acm_call_empty(req, ACM_USERS "DeleteAccount", &rq.base);
	json_decref(obj);
}

void edge_acm_admin_remove(edge_req *req)
{
	Inkwell__User__V1__RemoveUserRequest rq = INKWELL__USER__V1__REMOVE_USER_REQUEST__INIT;

	rq.user_id = (char *)edge_path_param(req, "id");
	ink_log_info("user %s (role %s) asks to remove user %s", req->caller_user_id,
	             req->caller_role, rq.user_id);
	acm_call_empty(req, ACM_USERS "RemoveUser", &rq.base);
}
