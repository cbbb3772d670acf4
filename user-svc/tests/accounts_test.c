/*
 * accounts_test.c - user-svc's accounts through its real RPC path: register
 * (and a taken name, in any case), sign in, a session's token authenticates
 * until logout, wrong passwords and unknown users answer alike; a sign-in
 * whose password changed while it was checked makes no session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "redis.h"
#include "sessions.h"
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

/* A sign-in checks the password, then makes the session. A password
 * change in between ends every session but the changer's; the session made
 * after it must not survive it, so it is made only while the password is
 * the one that was checked. */
static void test_no_session_for_a_password_changed_meanwhile(void **state)
{
	Inkwell__User__V1__User *u = NULL;
	ink_redis *r = NULL;
	redisReply *rep = NULL;
	char why[256], uid[33], pwhash[256];
	int stored = -1;

	(void)state;
	assert_int_equal(reg("dave", "correct horse battery", &u, why), INK_OK);
	snprintf(uid, sizeof(uid), "%s", u->id);
	protobuf_c_message_free_unpacked(&u->base, NULL);
	assert_int_equal(ink_redis_open(getenv("INK_TEST_REDIS"), 2000, &r), INK_OK);
	assert_int_equal(ink_redis_cmd(r, &rep, why, sizeof(why), "HGET user:{%s} pwhash", uid),
	                 INK_OK);
	assert_int_equal(rep->type, REDIS_REPLY_STRING);
	snprintf(pwhash, sizeof(pwhash), "%s", rep->str);
	freeReplyObject(rep);
	const char *h1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *h2 = "2222222222222222222222222222222222222222222222222222222222222222";
	assert_int_equal(usvc_session_create(r, NULL, uid, "$argon2id$the-old-one", h1, "ua", 60,
	                                     &stored, why, sizeof(why)),
	                 INK_OK);
	assert_int_equal(stored, 0);
	assert_int_equal(usvc_h_redis_int("ZCARD user:{%s}:sessions", uid), 0);
	assert_int_equal(
	    usvc_session_create(r, NULL, uid, pwhash, h2, "ua", 60, &stored, why, sizeof(why)),
	    INK_OK);
	assert_int_equal(stored, 1);
	assert_int_equal(usvc_h_redis_int("ZCARD user:{%s}:sessions", uid), 1);
	ink_redis_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_register, usvc_h_flush),
	    cmocka_unit_test_setup(test_sessions, usvc_h_flush),
	    cmocka_unit_test_setup(test_no_session_for_a_password_changed_meanwhile, usvc_h_flush),
	};
	return cmocka_run_group_tests(tests, usvc_h_start, usvc_h_stop);
}
