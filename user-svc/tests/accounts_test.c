/*
 * accounts_test.c - user-svc's accounts through its real RPC path: register
 * (and a taken name, in any case), sign in, a session's token authenticates
 * until logout, wrong passwords and unknown users answer alike.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "usvc_harness.h"
#include "user.pb-c.h"

static ink_err reg(const char *name, const char *pw, Inkwell__User__V1__User **out, char *why)
{
	Inkwell__User__V1__RegisterRequest rq = INKWELL__USER__V1__REGISTER_REQUEST__INIT;

	rq.username = (char *)name;
	rq.password = (char *)pw;
	return usvc_h_call(USVC_U("Register"), NULL, &rq.base, &inkwell__user__v1__user__descriptor,
	                   (ProtobufCMessage **)out, why, 256);
}

static ink_err login(const char *name, const char *pw, Inkwell__User__V1__LoginResponse **out,
                     char *why)
{
	Inkwell__User__V1__LoginRequest rq = INKWELL__USER__V1__LOGIN_REQUEST__INIT;

	rq.username = (char *)name;
	rq.password = (char *)pw;
	return usvc_h_call(USVC_U("Login"), NULL, &rq.base,
	                   &inkwell__user__v1__login_response__descriptor, (ProtobufCMessage **)out,
	                   why, 256);
}

static ink_err token_call(const char *method, const char *token,
                          const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out, char *why)
{
	Inkwell__User__V1__TokenRequest rq = INKWELL__USER__V1__TOKEN_REQUEST__INIT;

	rq.token = (char *)token;
	return usvc_h_call(method, NULL, &rq.base, desc, out, why, 256);
}

static void test_register(void **state)
{
	Inkwell__User__V1__User *u = NULL;
	char why[256];

	(void)state;
	assert_int_equal(reg("alice", "correct horse battery", &u, why), INK_OK);
	assert_string_equal(u->username, "alice");
	assert_string_equal(u->role, "user");
	assert_int_equal(strlen(u->id), 32);
	protobuf_c_message_free_unpacked(&u->base, NULL);
	/* Names are unique ignoring case. */
	assert_int_equal(reg("ALICE", "another long password", NULL, why), INK_ALREADY_EXISTS);
	/* The rules of common/account_rules.h hold here too, not only at the edge. */
	assert_int_equal(reg("al", "correct horse battery", NULL, why), INK_INVALID_ARGUMENT);
	assert_int_equal(reg("bob", "short", NULL, why), INK_INVALID_ARGUMENT);
}

static void test_sessions(void **state)
{
	Inkwell__User__V1__LoginResponse *lr = NULL;
	Inkwell__User__V1__AuthenticateResponse *who = NULL;
	char why[256], token[128];

	(void)state;
	assert_int_equal(reg("carol", "correct horse battery", NULL, why), INK_OK);
	assert_int_equal(login("carol", "wrong password here", NULL, why), INK_UNAUTHENTICATED);
	char wrong[256];
	snprintf(wrong, sizeof(wrong), "%s", why);
	/* An unknown user is told exactly what a wrong password is told. */
	assert_int_equal(login("nobody", "wrong password here", NULL, why), INK_UNAUTHENTICATED);
	assert_string_equal(why, wrong);

	assert_int_equal(login("Carol", "correct horse battery", &lr, why), INK_OK);
	assert_true(strlen(lr->token) > 20 && strlen(lr->token) < sizeof(token));
	snprintf(token, sizeof(token), "%s", lr->token);
	protobuf_c_message_free_unpacked(&lr->base, NULL);

	assert_int_equal(token_call(USVC_U("Authenticate"), token,
	                            &inkwell__user__v1__authenticate_response__descriptor,
	                            (ProtobufCMessage **)&who, why),
	                 INK_OK);
	assert_string_equal(who->username, "carol");
	protobuf_c_message_free_unpacked(&who->base, NULL);

	assert_int_equal(
	    token_call(USVC_U("Logout"), token, &inkwell__user__v1__empty__descriptor, NULL, why),
	    INK_OK);
	assert_int_equal(token_call(USVC_U("Authenticate"), token,
	                            &inkwell__user__v1__authenticate_response__descriptor, NULL,
	                            why),
	                 INK_UNAUTHENTICATED);
	assert_int_equal(token_call(USVC_U("Authenticate"), "not-a-token",
	                            &inkwell__user__v1__authenticate_response__descriptor, NULL,
	                            why),
	                 INK_UNAUTHENTICATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_register, usvc_h_flush),
	    cmocka_unit_test_setup(test_sessions, usvc_h_flush),
	};
	return cmocka_run_group_tests(tests, usvc_h_start, usvc_h_stop);
}
