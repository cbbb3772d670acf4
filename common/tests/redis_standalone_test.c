/*
 * redis_standalone_test.c - a single address of a standalone Redis stays a
 * plain connection: the CLUSTER INFO probe runs once per handle (on its
 * first connect), never per command; keyless and script commands work as
 * before; REDIS_CLUSTER=on against it fails with the server's words rather
 * than silently routing. Runs against the redis-server that
 * template-svc/tests/with_redis.sh starts (INK_TEST_REDIS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "redis.h"

static const char *addr(void)
{
	const char *a = getenv("INK_TEST_REDIS");

	if (a == NULL || a[0] == '\0')
		fail_msg("INK_TEST_REDIS is not set (run through with_redis.sh)");
	return a;
}

static redisReply *cmd_ok(ink_redis *r, const char *fmt, const char *arg)
{
	redisReply *rep = NULL;
	char why[256] = "";
	ink_err err = ink_redis_cmd(r, &rep, why, sizeof(why), fmt, arg);

	if (err != INK_OK)
		fail_msg("%s: %s (%s)", fmt, ink_strerror(err), why);
	return rep;
}

/* cluster_calls reads how many CLUSTER commands the server has run. */
static long cluster_calls(ink_redis *r)
{
	redisReply *rep = cmd_ok(r, "INFO %s", "commandstats");
	const char *at = strstr(rep->str, "cmdstat_cluster|info:calls=");
	long n = at ? strtol(at + strlen("cmdstat_cluster|info:calls="), NULL, 10) : 0;

	freeReplyObject(rep);
	return n;
}

static void count_node(void *arg, const char *a, int is_master, ink_err err, const char *why)
{
	int *n = arg;

	(void)why;
	assert_string_equal(a, addr());
	assert_true(is_master);
	assert_int_equal(err, INK_OK);
	(*n)++;
}

static void test_probe_once(void **state)
{
	ink_redis *r = NULL;
	char key[32];
	(void)state;

	assert_int_equal(ink_redis_open(addr(), 1000, &r), INK_OK);
	long before = cluster_calls(r); /* this first command probed once */
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "standalone:%d", i);
		freeReplyObject(cmd_ok(r, "SET %s v", key));
		redisReply *rep = cmd_ok(r, "GET %s", key);
		assert_string_equal(rep->str, "v");
		freeReplyObject(rep);
	}
	freeReplyObject(cmd_ok(r, "EVAL %s 0", "return 1"));
	freeReplyObject(cmd_ok(r, "WAIT 0 %s", "10"));
	assert_int_equal(ink_redis_ping(r, NULL, 0), INK_OK);
	assert_int_equal(cluster_calls(r), before); /* no probe per command */
	assert_true(before >= 1);
	int nodes = 0;
	ink_redis_each_node(r, count_node, &nodes);
	assert_int_equal(nodes, 1);
	ink_redis_close(r);

	/* A second handle probes once more, on its own first connect. */
	assert_int_equal(ink_redis_open(addr(), 1000, &r), INK_OK);
	assert_int_equal(cluster_calls(r), before + 1);
	ink_redis_close(r);
}

static void test_forced_cluster(void **state)
{
	ink_redis *r = NULL;
	redisReply *rep = NULL;
	char why[256] = "";
	(void)state;

	setenv("REDIS_CLUSTER", "on", 1);
	assert_int_equal(ink_redis_open(addr(), 1000, &r), INK_OK);
	unsetenv("REDIS_CLUSTER");
	assert_int_equal(ink_redis_cmd(r, &rep, why, sizeof(why), "GET k"), INK_UNAVAILABLE);
	if (strstr(why, "cluster support disabled") == NULL)
		fail_msg("why: %s", why);
	ink_redis_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe_once),
	    cmocka_unit_test(test_forced_cluster),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
