/*
 * accounts.c - account routes (see accounts.h): JSON in, one user-svc RPC,
 * JSON out.
 */
#include "accounts.h"

#include "account_rules.h"
#include "params.h"
#include "library_routes.h"
#include "user.pb-c.h"
#include "views.h"

#define ACC_USERS "inkwell.user.v1.Users/"

static const edge_field acc_register_fields[] = {
    {.name = "username", .required = 1, .rule = ink_rule_username},
    {.name = "password", .required = 1, .rule = ink_rule_password},
    {.name = "email", .required = 0, .rule = ink_rule_email},
};
static const edge_schema acc_register_schema = {acc_register_fields, 3};

/* Login checks only shape: a wrong-length password is just a wrong password
 * (401), and must not tell an attacker anything about the rules. */
static const edge_field acc_login_fields[] = {
    {.name = "username", .required = 1, .rule = NULL},
    {.name = "password", .required = 1, .rule = NULL},
};
static const edge_schema acc_login_schema = {acc_login_fields, 2};

void edge_accounts_register(edge_req *req)
{
	Inkwell__User__V1__RegisterRequest rq = INKWELL__USER__V1__REGISTER_REQUEST__INIT;
	char key[EDGE_IDEM_KEY_MAX];
	json_t *obj = edge_json_body(req, &acc_register_schema);

	if (obj == NULL)
		return;
	if (edge_idem_key(req, key) != 0) {
		json_decref(obj);
		return;
	}
	/* A registration's key is scoped per client: nginx's X-Real-IP (it
	 * overwrites whatever a client sent), else the peer's address. */
	const char *client = edge_header(req, "X-Real-IP");
	rq.idempotency_key = key;
	rq.client = (char *)(client ? client : req->ri->remote_addr);
	rq.username = (char *)edge_json_str(obj, "username");
	rq.password = (char *)edge_json_str(obj, "password");
	rq.email = (char *)edge_json_str(obj, "email");
	Inkwell__User__V1__User *u = (Inkwell__User__V1__User *)edge_rpc_msg(
	    req, ACC_USERS "Register", &rq.base, &inkwell__user__v1__user__descriptor, 0);
	json_decref(obj);
	if (u == NULL)
		return;
	if (edge_add_header(req, "Location", "/v1/users/me") != 0)
		edge_send_problem(req, 500, NULL, "a response header could not be set");
	else
		edge_send_json(req, 201, edge_view_user(u, 0));
	protobuf_c_message_free_unpacked(&u->base, NULL);
}

void edge_accounts_login(edge_req *req)
{
	Inkwell__User__V1__LoginRequest rq = INKWELL__USER__V1__LOGIN_REQUEST__INIT;
	char expires[40];
	json_t *obj = edge_json_body(req, &acc_login_schema);

	if (obj == NULL)
		return;
	rq.username = (char *)edge_json_str(obj, "username");
	rq.password = (char *)edge_json_str(obj, "password");
	const char *agent = edge_header(req, "User-Agent");
	rq.user_agent = (char *)(agent ? agent : "");
	Inkwell__User__V1__LoginResponse *lr = (Inkwell__User__V1__LoginResponse *)edge_rpc_msg(
	    req, ACC_USERS "Login", &rq.base, &inkwell__user__v1__login_response__descriptor, 0);
	json_decref(obj);
	if (lr == NULL)
		return;
	edge_view_time(lr->expires_at_unix_ms, expires, sizeof(expires));
	if (edge_add_header(req, "Cache-Control", "no-store") != 0)
		edge_send_problem(req, 500, NULL, "a response header could not be set");
	else
		edge_send_json(req, 201,
		               json_pack("{s:s, s:s, s:s}", "token", lr->token, "token_type",
		                         "Bearer", "expires_at", expires));
	protobuf_c_message_free_unpacked(&lr->base, NULL);
}

void edge_accounts_logout(edge_req *req)
{
	Inkwell__User__V1__TokenRequest rq = INKWELL__USER__V1__TOKEN_REQUEST__INIT;

	rq.token = req->token;
	ProtobufCMessage *ok = edge_rpc_msg(req, ACC_USERS "Logout", &rq.base,
	                                    &inkwell__user__v1__empty__descriptor, 0);
	if (ok == NULL)
		return;
	protobuf_c_message_free_unpacked(ok, NULL);
	edge_send_empty(req, 204);
}

void edge_accounts_me(edge_req *req)
{
	Inkwell__User__V1__Empty rq = INKWELL__USER__V1__EMPTY__INIT;
	Inkwell__User__V1__User *u = (Inkwell__User__V1__User *)edge_rpc_msg(
	    req, ACC_USERS "GetMe", &rq.base, &inkwell__user__v1__user__descriptor, 0);

	if (u == NULL)
		return;
	if (edge_add_header(req, "Cache-Control", "no-store") != 0)
		edge_send_problem(req, 500, NULL, "a response header could not be set");
	else
		edge_send_json(req, 200, edge_view_user(u, 1));
	protobuf_c_message_free_unpacked(&u->base, NULL);
}
