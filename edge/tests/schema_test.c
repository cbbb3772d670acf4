/*
 * schema_test.c - every way a JSON body can be wrong gives one error entry
 * naming the field; a right body passes untouched.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "account_rules.h"
#include "content_rules.h"
#include "schema.h"

static const edge_field register_fields[] = {
    {.name = "username", .required = 1, .rule = ink_rule_username},
    {.name = "password", .required = 1, .rule = ink_rule_password},
    {.name = "email", .required = 0, .rule = ink_rule_email},
};
static const edge_schema register_schema = {register_fields, 3};

/* expect_errors validates `body` and checks the errors name exactly `fields`
 * (comma separated, in order). */
static void expect_errors(const char *body, size_t len, const char *fields)
{
	json_t *obj = NULL, *errors = NULL;
	char got[256] = "";
	size_t i;
	json_t *e;

	assert_int_equal(edge_schema_validate(&register_schema, body, len, &obj, &errors), -1);
	assert_null(obj);
	json_array_foreach(errors, i, e)
	{
		const char *f = json_string_value(json_object_get(e, "field"));
		assert_non_null(f);
		assert_non_null(json_string_value(json_object_get(e, "message")));
		if (i > 0)
			strncat(got, ",", sizeof(got) - strlen(got) - 1);
		strncat(got, f, sizeof(got) - strlen(got) - 1);
	}
	json_decref(errors);
	assert_string_equal(got, fields);
}

#define EXPECT(body, fields) expect_errors(body, sizeof(body) - 1, fields)

static void test_valid_body_passes(void **state)
{
	const char body[] = "{\"username\":\"alice_1\",\"password\":\"correct horse\"}";
	json_t *obj = NULL, *errors = NULL;

	(void)state;
	assert_int_equal(
	    edge_schema_validate(&register_schema, body, sizeof(body) - 1, &obj, &errors), 0);
	assert_non_null(obj);
	assert_null(errors);
	assert_string_equal(json_string_value(json_object_get(obj, "username")), "alice_1");
	json_decref(obj);
}

static void test_shape_errors(void **state)
{
	(void)state;
	EXPECT("", "body");
	EXPECT("[]", "body");
	EXPECT("\"x\"", "body");
	EXPECT("null", "body");
	EXPECT("{\"username\":\"alice\",\"password\":\"0123456789\"} x", "body");
	EXPECT("{\"username\":\"alice\",\"username\":\"bob\",\"password\":\"0123456789\"}", "body");
	EXPECT("{\"username\":\"al\xff\xfe\",\"password\":\"0123456789\"}", "body");
	EXPECT("{\"username\":\"al\\u0000ice\",\"password\":\"0123456789\"}", "body");
	EXPECT("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}", "body");
}

/* Deep nesting is refused before jansson's recursive parser sees it, on a
 * thread whose stack is as small as a civetweb connection thread's: 100k
 * levels of '[' (or '{"a":') must come back as one "body" error, not a
 * stack overflow. Brackets inside strings are not nesting. */
static void *deep_bodies(void *arg)
{
	enum { DEEP = 100000 };
	char *body = malloc(DEEP * 5 + 64);

	(void)arg;
	assert_non_null(body);
	memset(body, '[', DEEP);
	expect_errors(body, DEEP, "body");
	size_t n = 0;
	for (int i = 0; i < DEEP; i++) {
		memcpy(body + n, "{\"a\":", 5);
		n += 5;
	}
	expect_errors(body, n, "body");
	free(body);
	/* four levels are allowed; brackets in strings and escapes do not count */
	EXPECT("{\"username\":\"[[[[[[{{{{{\\\"[[[[\",\"password\":\"0123456789\"}", "username");
	EXPECT("{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", "a,username,password");
	return NULL;
}

static void test_deep_nesting_is_refused_on_a_small_stack(void **state)
{
	pthread_attr_t attr;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 128 * 1024), 0);
	assert_int_equal(pthread_create(&t, &attr, deep_bodies, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
}

static void test_field_errors(void **state)
{
	(void)state;
	EXPECT("{}", "username,password");
	EXPECT("{\"username\":null,\"password\":\"0123456789\"}", "username");
	EXPECT("{\"username\":42,\"password\":\"0123456789\"}", "username");
	EXPECT("{\"username\":[\"a\"],\"password\":true}", "username,password");
	EXPECT("{\"username\":\"alice\",\"password\":\"0123456789\",\"admin\":true}", "admin");
	EXPECT("{\"username\":\"ab\",\"password\":\"0123456789\"}", "username");
	EXPECT("{\"username\":\"a b c\",\"password\":\"0123456789\"}", "username");
	EXPECT("{\"username\":\"alice\",\"password\":\"short\"}", "password");
	EXPECT("{\"username\":\"alice\",\"password\":\"0123456789\",\"email\":\"nope\"}", "email");
	EXPECT("{\"username\":\"ali\\tce\",\"password\":\"0123456789\"}", "username");
	EXPECT("{\"username\":\"alice\",\"password\":\"0123456789\",\"email\":7}", "email");
}

static void test_optional_null_is_absent(void **state)
{
	const char body[] = "{\"username\":\"alice\",\"password\":\"0123456789\",\"email\":null}";
	json_t *obj = NULL, *errors = NULL;

	(void)state;
	assert_int_equal(
	    edge_schema_validate(&register_schema, body, sizeof(body) - 1, &obj, &errors), 0);
	json_decref(obj);
}

/* A report's reason may have line breaks (the web app's box has rows); a
 * title may not, and no field takes other control characters. */
static void test_line_breaks_only_where_allowed(void **state)
{
	static const edge_field f[] = {
	    {.name = "reason", .required = 1, .rule = ink_rule_reason, .line_breaks = 1},
	    {.name = "title", .required = 0, .rule = ink_rule_title},
	};
	static const edge_schema sch = {f, 2};
	json_t *obj = NULL, *errors = NULL;
	const char ok[] = "{\"reason\": \"line one\\r\\nline two\\n\\tthree\"}";
	const char title[] = "{\"reason\": \"x\", \"title\": \"a\\nb\"}";
	const char bell[] = "{\"reason\": \"ring\\u0007\"}";

	(void)state;
	assert_int_equal(edge_schema_validate(&sch, ok, sizeof(ok) - 1, &obj, &errors), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "reason")),
	                    "line one\r\nline two\n\tthree");
	json_decref(obj);
	for (int i = 0; i < 2; i++) {
		const char *b = i == 0 ? title : bell;
		assert_int_equal(edge_schema_validate(&sch, b, strlen(b), &obj, &errors), -1);
		assert_int_equal(json_array_size(errors), 1);
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(errors, 0), "field")),
		    i == 0 ? "title" : "reason");
		json_decref(errors);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_body_passes),
	    cmocka_unit_test(test_shape_errors),
	    cmocka_unit_test(test_deep_nesting_is_refused_on_a_small_stack),
	    cmocka_unit_test(test_field_errors),
	    cmocka_unit_test(test_optional_null_is_absent),
	    cmocka_unit_test(test_line_breaks_only_where_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
