/*
 * redis_cluster_test.c - ink_redis against a real local Redis Cluster (3
 * masters, 3 replicas, started by tests/redis_cluster.py, whose seed list is
 * in INK_TEST_CLUSTER): keys spread over every master through one seed
 * address; a slot moved under a handle's feet (MOVED); a slot half migrated
 * (ASK, and TRYAGAIN for both its keys at once); a slot no node serves
 * (CLUSTERDOWN); WAIT reaching the master that took the write; a master killed with
 * SIGKILL (commands fail only until its replica is promoted, then pass on the
 * same handle, and PING names the dead node meanwhile). Runs in this order:
 * the failover test kills a node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <signal.h>
#include <time.h>
#include <hiredis/hiredis.h>

#include "clock.h"
#include "metrics.h"
#include "redis.h"
#include "redis_slots.h"
#include "redis_cluster_admin.h"

#define TIMEOUT_MS 1000

static ink_redis *open_handle(const char *addr)
{
	ink_redis *r = NULL;

	assert_int_equal(ink_redis_open(addr, TIMEOUT_MS, &r), INK_OK);
	return r;
}

static void set_ok(ink_redis *r, const char *key, const char *val)
{
	redisReply *rep = NULL;
	char why[256] = "";
	ink_err err = ink_redis_cmd(r, &rep, why, sizeof(why), "SET %s %s", key, val);

	if (err != INK_OK)
		fail_msg("SET %s: %s (%s)", key, ink_strerror(err), why);
	freeReplyObject(rep);
}

/* get_is asserts that GET key through r answers val. */
static void get_is(ink_redis *r, const char *key, const char *val)
{
	redisReply *rep = NULL;
	char why[256] = "";
	ink_err err = ink_redis_cmd(r, &rep, why, sizeof(why), "GET %s", key);

	if (err != INK_OK)
		fail_msg("GET %s: %s (%s)", key, ink_strerror(err), why);
	assert_int_equal(rep->type, REDIS_REPLY_STRING);
	assert_string_equal(rep->str, val);
	freeReplyObject(rep);
}

static long long wait_replicas(ink_redis *r, int ms)
{
	redisReply *rep = NULL;
	char why[256] = "";
	ink_err err = ink_redis_cmd(r, &rep, why, sizeof(why), "WAIT %d %d", 1, ms);

	if (err != INK_OK)
		fail_msg("WAIT: %s (%s)", ink_strerror(err), why);
	assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
	long long n = rep->integer;
	freeReplyObject(rep);
	return n;
}

/* node_tally counts what ink_redis_each_node reports. */
typedef struct node_tally {
	int nodes, masters, down;
	char down_addr[64];
} node_tally;

static void tally_node(void *arg, const char *addr, int is_master, ink_err err, const char *why)
{
	node_tally *t = arg;

	t->nodes++;
	t->masters += is_master;
	if (err != INK_OK) {
		t->down++;
		snprintf(t->down_addr, sizeof(t->down_addr), "%s", addr);
		assert_true(why[0] != '\0');
	}
}

/* One seed address is enough: CLUSTER INFO tells the handle it is a
 * cluster, CLUSTER SLOTS where every key lives. */
static void test_spread(void **state)
{
	char seed[64];
	char key[32];
	int ports[8];
	(void)state;

	snprintf(seed, sizeof(seed), "127.0.0.1:%d", rct_seed_port());
	ink_redis *r = open_handle(seed);
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "spread:%d", i);
		set_ok(r, key, key);
	}
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "spread:%d", i);
		get_is(r, key, key);
	}
	int n = rct_masters(rct_seed_port(), ports);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++)
		assert_true(rct_info_field(ports[i], "keyspace", "db0:keys") > 0);
	/* A script routes by its first key; both keys share a hash tag. */
	redisReply *rep = NULL;
	assert_int_equal(ink_redis_cmd(r, &rep, NULL, 0, "EVAL %s 2 {s}a {s}b %s",
	                               "redis.call('SET', KEYS[1], ARGV[1]) "
	                               "return redis.call('SET', KEYS[2], ARGV[1])",
	                               "v"),
	                 INK_OK);
	freeReplyObject(rep);
	get_is(r, "{s}b", "v");
	assert_int_equal(ink_redis_ping(r, NULL, 0), INK_OK);
	node_tally t = {0};
	ink_redis_each_node(r, tally_node, &t);
	/* Replicas are known when CLUSTER SLOTS lists them; redis 7.0 may not yet. */
	assert_true(t.nodes >= 3);
	assert_int_equal(t.masters, 3);
	assert_int_equal(t.down, 0);
	ink_redis_close(r);
}

/* open_handle is below; the config test needs it first. */
static ink_redis *open_handle(const char *addr);

static void test_standalone_list_refused(void **state)
{
	ink_redis *r = NULL;
	(void)state;

	setenv("REDIS_CLUSTER", "off", 1);
	assert_int_equal(ink_redis_open(rct_seeds(), TIMEOUT_MS, &r), INK_INVALID_ARGUMENT);
	setenv("REDIS_CLUSTER", "maybe", 1);
	assert_int_equal(ink_redis_open("127.0.0.1:1", TIMEOUT_MS, &r), INK_INVALID_ARGUMENT);
	unsetenv("REDIS_CLUSTER");

	/* A cluster none of whose seeds answers is unavailable, with the cause. */
	char why[256] = "";
	redisReply *rep = NULL;
	r = open_handle("127.0.0.1:1,127.0.0.1:2");
	assert_int_equal(ink_redis_cmd(r, &rep, why, sizeof(why), "GET k"), INK_UNAVAILABLE);
	if (strstr(why, "127.0.0.1:2") == NULL || strstr(why, "refused") == NULL)
		fail_msg("why: %s", why);
	assert_int_equal(ink_redis_ping(r, why, sizeof(why)), INK_UNAVAILABLE);
	ink_redis_close(r);
}

static void test_moved(void **state)
{
	const char *key = "moved:{m}";
	int slot = ink_redis_keyslot(key, strlen(key));
	(void)state;

	ink_redis *r = open_handle(rct_seeds());
	set_ok(r, key, "before"); /* r now maps slot to its owner */
	int from = rct_owner_of(rct_seed_port(), slot);
	int to = rct_other_master(rct_seed_port(), from);
	rct_slot_start_move(slot, from, to);
	rct_migrate_keys(from, to, &key, 1);
	rct_slot_end_move(slot, to);
	double moved = rct_metric("inkwell_redis_redirects_total{kind=\"moved\"}");
	get_is(r, key, "before");
	assert_true(rct_metric("inkwell_redis_redirects_total{kind=\"moved\"}") >= moved + 1);
	set_ok(r, key, "after");
	redisReply *rep = rct_admin(to, "GET %s", key);
	assert_string_equal(rep->str, "after"); /* the write went to the new owner */
	freeReplyObject(rep);
	ink_redis_close(r);
}

static void test_ask(void **state)
{
	const char *keys[] = {"ask:{q}1", "ask:{q}2"};
	int slot = ink_redis_keyslot(keys[0], strlen(keys[0]));
	(void)state;

	ink_redis *r = open_handle(rct_seeds());
	set_ok(r, keys[0], "one");
	set_ok(r, keys[1], "two");
	int from = rct_owner_of(rct_seed_port(), slot);
	int to = rct_other_master(rct_seed_port(), from);
	rct_slot_start_move(slot, from, to);
	rct_migrate_keys(from, to, keys, 1); /* keys[0] moved, keys[1] not yet */
	double ask = rct_metric("inkwell_redis_redirects_total{kind=\"ask\"}");
	get_is(r, keys[0], "one"); /* from answers ASK: ASKING + GET on to */
	assert_true(rct_metric("inkwell_redis_redirects_total{kind=\"ask\"}") >= ask + 1);
	get_is(r, keys[1], "two"); /* still on from, no redirect */
	/* Both keys at once while they are split: TRYAGAIN, resent with backoff
	 * for the whole timeout, then UNAVAILABLE. */
	double again = rct_metric("inkwell_redis_retries_total{reason=\"tryagain\"}");
	redisReply *rep = NULL;
	char why[256] = "";
	assert_int_equal(ink_redis_cmd(r, &rep, why, sizeof(why), "MGET %s %s", keys[0], keys[1]),
	                 INK_UNAVAILABLE);
	if (strstr(why, "TRYAGAIN") == NULL)
		fail_msg("why: %s", why);
	assert_true(rct_metric("inkwell_redis_retries_total{reason=\"tryagain\"}") >= again + 2);
	rct_migrate_keys(from, to, keys + 1, 1);
	rct_slot_end_move(slot, to);
	get_is(r, keys[1], "two"); /* MOVED now */
	ink_redis_close(r);
}

/* key_away writes into key (len bytes) a key that the first seed's node does
 * not serve, so routing to "some default node" cannot pass for routing to
 * the write's master. */
static void key_away(char *key, size_t len, const char *prefix)
{
	for (int i = 0; i < 1000; i++) {
		snprintf(key, len, "%s:{%d}", prefix, i);
		if (rct_owner_of(rct_seed_port(), ink_redis_keyslot(key, strlen(key))) !=
		    rct_seed_port())
			return;
	}
	fail_msg("every key is on the first seed");
}

/* WAIT is keyless: it must go to the master that took the previous write.
 * With that master's replica stopped, WAIT there counts 0; any other master
 * would have counted its own live replica. */
static void test_wait_after_write(void **state)
{
	char key[32];
	(void)state;

	key_away(key, sizeof(key), "wait");
	ink_redis *r = open_handle(rct_seeds());
	set_ok(r, key, "1");
	assert_int_equal(wait_replicas(r, 1000), 1);
	int master = rct_owner_of(rct_seed_port(), ink_redis_keyslot(key, strlen(key)));
	pid_t replica = (pid_t)rct_info_field(rct_replica_of(master), "server", "process_id");
	set_ok(r, "wait:elsewhere", "x"); /* the handle has used other nodes too */
	assert_int_equal(kill(replica, SIGSTOP), 0);
	set_ok(r, key, "2");
	long long stopped = wait_replicas(r, 200);
	assert_int_equal(kill(replica, SIGCONT), 0);
	assert_int_equal(stopped, 0);
	assert_int_equal(wait_replicas(r, 2000), 1);
	ink_redis_close(r);
}

/* A slot no node serves: its owner answers CLUSTERDOWN, which is resent
 * after a backoff and, the slot staying unserved, ends as UNAVAILABLE (a
 * 503), never as an error of the command (a 500). */
static void test_clusterdown(void **state)
{
	const char *key = "down:{d}";
	int slot = ink_redis_keyslot(key, strlen(key));
	char s[16], id[64], why[256] = "";
	int ports[8];
	redisReply *rep = NULL;
	(void)state;

	ink_redis *r = open_handle(rct_seeds());
	set_ok(r, key, "v");
	int owner = rct_owner_of(rct_seed_port(), slot);
	snprintf(s, sizeof(s), "%d", slot);
	int n = rct_all_ports(ports);
	for (int i = 0; i < n; i++)
		freeReplyObject(
		    rct_admin(ports[i], "CLUSTER DELSLOTS %s", s)); /* unassigned: an error */
	double down = rct_metric("inkwell_redis_retries_total{reason=\"clusterdown\"}");
	assert_int_equal(ink_redis_cmd(r, &rep, why, sizeof(why), "GET %s", key), INK_UNAVAILABLE);
	assert_true(rct_metric("inkwell_redis_retries_total{reason=\"clusterdown\"}") >= down + 1);

	rct_node_id(owner, id, sizeof(id));
	rct_admin_ok(owner, "CLUSTER ADDSLOTS %s", s, NULL);
	int m = rct_masters(owner, ports);
	for (int i = 0; i < m; i++)
		if (ports[i] != owner)
			rct_admin_ok(ports[i], "CLUSTER SETSLOT %s NODE %s", s, id);
	double deadline = ink_mono_ms() + 15000;
	while (!rct_cluster_ok_everywhere()) {
		if (ink_mono_ms() > deadline)
			fail_msg("cluster_state not ok again 15 s after ADDSLOTS");
		rct_pause_ms(20);
	}
	get_is(r, key, "v"); /* the same handle, once the slot is served again */
	ink_redis_close(r);
}

/* kill -9 a master: commands on its slots fail (UNAVAILABLE, never a wrong
 * answer) until its replica is promoted, then pass on the same handle. */
static void test_failover(void **state)
{
	const char *key = "failover:{f}";
	char why[512] = "";
	char dead[64];
	(void)state;

	ink_redis *r = open_handle(rct_seeds());
	set_ok(r, key, "kept");
	assert_int_equal(wait_replicas(r, 1000), 1);
	int master = rct_owner_of(rct_seed_port(), ink_redis_keyslot(key, strlen(key)));
	int ask = rct_other_master(rct_seed_port(), master);
	pid_t pid = (pid_t)rct_info_field(master, "server", "process_id");
	snprintf(dead, sizeof(dead), "127.0.0.1:%d", master);
	double killed = ink_mono_ms();
	assert_int_equal(kill(pid, SIGKILL), 0);

	assert_int_equal(ink_redis_ping(r, why, sizeof(why)), INK_UNAVAILABLE);
	if (strstr(why, dead) == NULL)
		fail_msg("PING's why does not name %s: %s", dead, why);
	int failures = 0;
	for (;;) {
		redisReply *rep = NULL;
		ink_err err = ink_redis_cmd(r, &rep, why, sizeof(why), "GET %s", key);
		if (err == INK_OK) {
			assert_int_equal(rep->type, REDIS_REPLY_STRING);
			assert_string_equal(rep->str, "kept");
			freeReplyObject(rep);
			break;
		}
		assert_int_not_equal(err, INK_INTERNAL);
		failures++;
		if (ink_mono_ms() - killed > 15000)
			fail_msg("still failing 15 s after the kill: %s", why);
		rct_pause_ms(20);
	}
	double window = ink_mono_ms() - killed;
	print_message("failover window %.0f ms, %d failed GETs, new owner 127.0.0.1:%d\n", window,
	              failures, rct_owner_of(ask, ink_redis_keyslot(key, strlen(key))));
	assert_true(failures > 0); /* the kill was seen at all */
	assert_true(window < 8000);
	set_ok(r, key, "after");
	get_is(r, key, "after");
	node_tally t = {0};
	ink_redis_each_node(r, tally_node, &t);
	assert_int_equal(t.down, 1);
	assert_string_equal(t.down_addr, dead);
	assert_int_equal(t.masters, 3); /* the promoted replica, not the dead node */
	ink_redis_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_standalone_list_refused),
	    cmocka_unit_test(test_moved),
	    cmocka_unit_test(test_ask),
	    cmocka_unit_test(test_wait_after_write),
	    cmocka_unit_test(test_clusterdown),
	    cmocka_unit_test(test_failover),
	};
	if (ink_metrics_init("redis_cluster_test") != INK_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
