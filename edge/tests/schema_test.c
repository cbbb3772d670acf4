/*
 * schema_test.c - every way a JSON body can be wrong gives one error entry
 * naming the field; a right body passes untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "account_rules.h"
#include "schema.h"

static const edge_field register_fields[] = {
    {"username", 1, ink_rule_username},
    {"password", 1, ink_rule_password},
    {"email", 0, ink_rule_email},
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_body_passes),
	    cmocka_unit_test(test_shape_errors),
	    cmocka_unit_test(test_field_errors),
	    cmocka_unit_test(test_optional_null_is_absent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
