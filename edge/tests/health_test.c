/*
 * health_test.c - the health tree mirrors the Health/Check reply, and the
 * output line names the failing leaves with the chain they were seen through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "edge_health.h"

static Inkwell__Health__V1__ComponentCheck check(const char *name, int serving, const char *msg)
{
	Inkwell__Health__V1__ComponentCheck c = INKWELL__HEALTH__V1__COMPONENT_CHECK__INIT;
	c.component = (char *)name;
	c.status = serving ? INKWELL__HEALTH__V1__SERVING_STATUS__SERVING
	                   : INKWELL__HEALTH__V1__SERVING_STATUS__NOT_SERVING;
	c.message = (char *)msg;
	c.latency_ms = 0.123456;
	return c;
}

static void test_tree_and_output(void **state)
{
	/* user-svc: users-redis ok, template-svc (public-redis down) */
	Inkwell__Health__V1__ComponentCheck pub = check("public-redis", 0, "Connection refused");
	Inkwell__Health__V1__ComponentCheck *pub_list[] = {&pub};
	Inkwell__Health__V1__ComponentCheck tpl = check("template-svc", 0, "not serving");
	tpl.checks = pub_list;
	tpl.n_checks = 1;
	Inkwell__Health__V1__ComponentCheck ur = check("users-redis", 1, "PONG");
	Inkwell__Health__V1__ComponentCheck *u_list[] = {&ur, &tpl};
	Inkwell__Health__V1__HealthCheckResponse u =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	u.status = INKWELL__HEALTH__V1__SERVING_STATUS__NOT_SERVING;
	u.checks = u_list;
	u.n_checks = 2;

	json_t *checks = json_array();
	json_t *uj = edge_health_peer_json("user-svc", INK_OK, &u, 0.8149, "");
	assert_non_null(uj);
	assert_string_equal(json_string_value(json_object_get(uj, "status")), "fail");
	assert_true(json_real_value(json_object_get(uj, "latency_ms")) == 0.81);
	json_t *kids = json_object_get(uj, "checks");
	assert_int_equal(json_array_size(kids), 2);
	json_t *t = json_array_get(kids, 1);
	assert_string_equal(json_string_value(json_object_get(t, "component")), "template-svc");
	json_t *p = json_array_get(json_object_get(t, "checks"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "component")), "public-redis");
	assert_string_equal(json_string_value(json_object_get(p, "message")), "Connection refused");
	assert_null(json_object_get(p, "checks")); /* leaves have no empty list */
	json_array_append_new(checks, uj);
	json_array_append_new(checks,
	                      edge_health_peer_json("template-svc", INK_UNAVAILABLE, NULL, 0.01,
	                                            "no connection to tcp://127.0.0.1:8082"));

	char out[512];
	assert_int_equal(edge_health_output(checks, out, sizeof(out)), 2);
	assert_string_equal(out,
	                    "public-redis (via user-svc > template-svc) down: Connection "
	                    "refused; template-svc down: no connection to tcp://127.0.0.1:8082");
	char tiny[10];
	assert_int_equal(edge_health_output(checks, tiny, sizeof(tiny)), 2);
	assert_int_equal(strlen(tiny), 9);
	json_decref(checks);
}

static void test_all_pass(void **state)
{
	Inkwell__Health__V1__ComponentCheck pr = check("public-redis", 1, "PONG");
	Inkwell__Health__V1__ComponentCheck *list[] = {&pr};
	Inkwell__Health__V1__HealthCheckResponse r =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	r.status = INKWELL__HEALTH__V1__SERVING_STATUS__SERVING;
	r.checks = list;
	r.n_checks = 1;

	json_t *checks = json_array();
	json_array_append_new(checks, edge_health_peer_json("template-svc", INK_OK, &r, 1, NULL));
	char out[64];
	assert_int_equal(edge_health_output(checks, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	json_t *c = json_array_get(checks, 0);
	assert_string_equal(json_string_value(json_object_get(c, "status")), "pass");
	assert_string_equal(json_string_value(json_object_get(c, "message")), "serving");
	json_decref(checks);
}

/* Scaled out: the peer serves (another instance answered), yet one instance
 * and one Redis node below a passing check are down: each is named. */
static void test_dead_instance_under_passing_peer(void **state)
{
	Inkwell__Health__V1__ComponentCheck n1 = check("users-redis 127.0.0.1:7001", 1, "PONG");
	Inkwell__Health__V1__ComponentCheck n2 =
	    check("users-redis 127.0.0.1:7002", 0, "unreachable: Connection refused");
	Inkwell__Health__V1__ComponentCheck *nodes[] = {&n1, &n2};
	Inkwell__Health__V1__ComponentCheck ur = check("users-redis", 1, "cluster_state:ok");
	ur.checks = nodes;
	ur.n_checks = 2;
	Inkwell__Health__V1__ComponentCheck *list[] = {&ur};
	Inkwell__Health__V1__HealthCheckResponse r =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	r.status = INKWELL__HEALTH__V1__SERVING_STATUS__SERVING;
	r.checks = list;
	r.n_checks = 1;
	ink_health_dep each[2] = {
	    {.component = "user-svc 127.0.0.1:8083", .serving = 1, .message = "serving"},
	    {.component = "user-svc 127.0.0.1:9083", .message = "unreachable: Connection refused"}};

	json_t *checks = json_array();
	json_t *u = edge_health_peer_json("user-svc", INK_OK, &r, 1, NULL);
	assert_int_equal(edge_health_add_instances(u, each, 2), 0);
	json_array_append_new(checks, u);
	assert_string_equal(json_string_value(json_object_get(u, "status")), "pass");
	assert_int_equal(json_array_size(json_object_get(u, "checks")), 3);
	char out[512];
	assert_int_equal(edge_health_output(checks, out, sizeof(out)), 2);
	assert_string_equal(out, "users-redis 127.0.0.1:7002 (via user-svc > users-redis) down: "
	                         "unreachable: Connection refused; user-svc 127.0.0.1:9083 (via "
	                         "user-svc) down: unreachable: Connection refused");
	json_decref(checks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_and_output),
	    cmocka_unit_test(test_all_pass),
	    cmocka_unit_test(test_dead_instance_under_passing_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
