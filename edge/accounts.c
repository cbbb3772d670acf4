/*
 * accounts.c - account routes (see accounts.h): JSON in, one user-svc RPC,
 * JSON out.
 */
#include "accounts.h"

#include <stdlib.h>

#include "account_rules.h"
#include "schema.h"
#include "user.pb-c.h"
#include "views.h"

#define ACC_USERS "inkwell.user.v1.Users/"

static const edge_field acc_register_fields[] = {
    {"username", 1, ink_rule_username},
    {"password", 1, ink_rule_password},
    {"email", 0, ink_rule_email},
};
static const edge_schema acc_register_schema = {acc_register_fields, 3};

/* Login checks only shape: a wrong-length password is just a wrong password
 * (401), and must not tell an attacker anything about the rules. */
static const edge_field acc_login_fields[] = {
    {"username", 1, NULL},
    {"password", 1, NULL},
};
static const edge_schema acc_login_schema = {acc_login_fields, 2};

/* acc_parse validates the body; on failure a 400 is already sent. */
static json_t *acc_parse(edge_req *req, const edge_schema *schema)
{
	json_t *obj = NULL, *errors = NULL;
	int rc = edge_schema_validate(schema, req->body, req->body_len, &obj, &errors);

	if (rc == -1)
		edge_send_validation(req, errors);
	else if (rc != 0)
		edge_send_problem(req, 500, NULL, "out of memory");
	return rc == 0 ? obj : NULL;
}

static const char *acc_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

void edge_accounts_register(edge_req *req)
{
	Inkwell__User__V1__RegisterRequest rq = INKWELL__USER__V1__REGISTER_REQUEST__INIT;
	ProtobufCBinaryData reply;
	json_t *obj = acc_parse(req, &acc_register_schema);

	if (obj == NULL)
		return;
	rq.username = (char *)acc_str(obj, "username");
	rq.password = (char *)acc_str(obj, "password");
	rq.email = (char *)acc_str(obj, "email");
	ink_err err = edge_rpc(req, req->app->users, ACC_USERS "Register", &rq.base, &reply);
	json_decref(obj);
	if (err != INK_OK)
		return;
	Inkwell__User__V1__User *u = inkwell__user__v1__user__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (u == NULL) {
		edge_send_problem(req, 500, NULL, "user-svc sent a reply that does not parse");
		return;
	}
	edge_add_header(req, "Location", "/v1/users/me");
	edge_send_json(req, 201, edge_view_user(u, 0));
	inkwell__user__v1__user__free_unpacked(u, NULL);
}

void edge_accounts_login(edge_req *req)
{
	Inkwell__User__V1__LoginRequest rq = INKWELL__USER__V1__LOGIN_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char expires[40];
	json_t *obj = acc_parse(req, &acc_login_schema);

	if (obj == NULL)
		return;
	rq.username = (char *)acc_str(obj, "username");
	rq.password = (char *)acc_str(obj, "password");
	ink_err err = edge_rpc(req, req->app->users, ACC_USERS "Login", &rq.base, &reply);
	json_decref(obj);
	if (err != INK_OK)
		return;
	Inkwell__User__V1__LoginResponse *lr =
	    inkwell__user__v1__login_response__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (lr == NULL) {
		edge_send_problem(req, 500, NULL, "user-svc sent a reply that does not parse");
		return;
	}
	edge_view_time(lr->expires_at_unix_ms, expires, sizeof(expires));
	edge_add_header(req, "Cache-Control", "no-store");
	edge_send_json(req, 201,
	               json_pack("{s:s, s:s, s:s}", "token", lr->token, "token_type", "Bearer",
	                         "expires_at", expires));
	inkwell__user__v1__login_response__free_unpacked(lr, NULL);
}

void edge_accounts_logout(edge_req *req)
{
	Inkwell__User__V1__TokenRequest rq = INKWELL__USER__V1__TOKEN_REQUEST__INIT;
	ProtobufCBinaryData reply;

	rq.token = req->token;
	if (edge_rpc(req, req->app->users, ACC_USERS "Logout", &rq.base, &reply) != INK_OK)
		return;
	free(reply.data);
	edge_send_empty(req, 204);
}

void edge_accounts_me(edge_req *req)
{
	Inkwell__User__V1__Empty rq = INKWELL__USER__V1__EMPTY__INIT;
	ProtobufCBinaryData reply;

	if (edge_rpc(req, req->app->users, ACC_USERS "GetMe", &rq.base, &reply) != INK_OK)
		return;
	Inkwell__User__V1__User *u = inkwell__user__v1__user__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (u == NULL) {
		edge_send_problem(req, 500, NULL, "user-svc sent a reply that does not parse");
		return;
	}
	edge_add_header(req, "Cache-Control", "no-store");
	edge_send_json(req, 200, edge_view_user(u, 1));
	inkwell__user__v1__user__free_unpacked(u, NULL);
}
