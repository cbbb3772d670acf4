/*
 * redis_cluster_test.c - ink_redis against a real local Redis Cluster (3
 * masters, 3 replicas, started by tests/redis_cluster.py, whose seed list is
 * in INK_TEST_CLUSTER): keys spread over every master through one seed
 * address; a slot moved under a handle's feet (MOVED); a slot half migrated
 * (ASK); WAIT reaching the master that took the write; a master killed with
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

#define TIMEOUT_MS 1000

static const char *seeds(void)
{
	const char *s = getenv("INK_TEST_CLUSTER");

	if (s == NULL || s[0] == '\0')
		fail_msg("INK_TEST_CLUSTER is not set (run through tests/redis_cluster.py run --)");
	return s;
}

/* admin runs one command on the node at port, outside ink_redis. */
static redisReply *admin(int port, const char *fmt, ...)
{
	struct timeval tv = {5, 0};
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
	va_list ap;

	if (c == NULL || c->err)
		fail_msg("cannot connect to 127.0.0.1:%d", port);
	va_start(ap, fmt);
	redisReply *rep = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (rep == NULL)
		fail_msg("127.0.0.1:%d: %s", port, c->errstr);
	redisFree(c);
	return rep;
}

static void admin_ok(int port, const char *fmt, const char *arg1, const char *arg2)
{
	redisReply *rep = admin(port, fmt, arg1, arg2);

	if (rep->type == REDIS_REPLY_ERROR)
		fail_msg("127.0.0.1:%d %s: %s", port, fmt, rep->str);
	freeReplyObject(rep);
}

/* seed_port is the port of the first seed in INK_TEST_CLUSTER. */
static int seed_port(void)
{
	const char *colon = strchr(seeds(), ':');

	return (int)strtol(colon + 1, NULL, 10);
}

/* info_field reads "name:value" of INFO section on port as a number. */
static long info_field(int port, const char *section, const char *name)
{
	redisReply *rep = admin(port, "INFO %s", section);
	const char *at = strstr(rep->str, name);

	if (at == NULL)
		fail_msg("127.0.0.1:%d INFO %s has no %s", port, section, name);
	long v = strtol(at + strlen(name) + 1, NULL, 10);
	freeReplyObject(rep);
	return v;
}

/* owner_of returns the port of the master serving slot, per CLUSTER SLOTS
 * asked of the node at ask. */
static int owner_of(int ask, int slot)
{
	redisReply *rep = admin(ask, "CLUSTER SLOTS");
	int port = -1;

	for (size_t i = 0; i < rep->elements; i++) {
		redisReply *e = rep->element[i];
		if (e->element[0]->integer <= slot && slot <= e->element[1]->integer)
			port = (int)e->element[2]->element[1]->integer;
	}
	freeReplyObject(rep);
	if (port < 0)
		fail_msg("no master serves slot %d", slot);
	return port;
}

/* masters lists the master ports (at most 8) per CLUSTER SLOTS. */
static int masters(int ask, int *ports)
{
	redisReply *rep = admin(ask, "CLUSTER SLOTS");
	int n = 0;

	for (size_t i = 0; i < rep->elements && n < 8; i++) {
		int p = (int)rep->element[i]->element[2]->element[1]->integer;
		int seen = 0;
		for (int j = 0; j < n; j++)
			seen |= ports[j] == p;
		if (!seen)
			ports[n++] = p;
	}
	freeReplyObject(rep);
	return n;
}

static void node_id(int port, char *id, size_t len)
{
	redisReply *rep = admin(port, "CLUSTER MYID");

	snprintf(id, len, "%s", rep->str);
	freeReplyObject(rep);
}

static int other_master(int ask, int not_this)
{
	int ports[8];
	int n = masters(ask, ports);

	for (int i = 0; i < n; i++)
		if (ports[i] != not_this)
			return ports[i];
	fail_msg("no second master");
	return -1;
}

/* metric reads one series of this process's registry ("name{labels}"). */
static double metric(const char *series)
{
	char *text = NULL;
	size_t len = 0;
	double v = 0;

	assert_int_equal(ink_metrics_scrape(&text, &len), INK_OK);
	for (const char *line = text; line != NULL && *line;) {
		if (strncmp(line, series, strlen(series)) == 0 && line[strlen(series)] == ' ')
			v = strtod(line + strlen(series) + 1, NULL);
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	free(text);
	return v;
}

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

/* One seed address is enough: CLUSTER INFO tells the handle it is a
 * cluster, CLUSTER SLOTS where every key lives. */
static void test_spread(void **state)
{
	char seed[64];
	char key[32];
	int ports[8];
	(void)state;

	snprintf(seed, sizeof(seed), "127.0.0.1:%d", seed_port());
	ink_redis *r = open_handle(seed);
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "spread:%d", i);
		set_ok(r, key, key);
	}
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "spread:%d", i);
		get_is(r, key, key);
	}
	int n = masters(seed_port(), ports);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++)
		assert_true(info_field(ports[i], "keyspace", "db0:keys") > 0);
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
	ink_redis_close(r);
}

static void test_standalone_list_refused(void **state)
{
	ink_redis *r = NULL;
	(void)state;

	setenv("REDIS_CLUSTER", "off", 1);
	assert_int_equal(ink_redis_open(seeds(), TIMEOUT_MS, &r), INK_INVALID_ARGUMENT);
	setenv("REDIS_CLUSTER", "maybe", 1);
	assert_int_equal(ink_redis_open("127.0.0.1:1", TIMEOUT_MS, &r), INK_INVALID_ARGUMENT);
	unsetenv("REDIS_CLUSTER");
}

/* migrate_keys moves each key from port `from` to `to` (MIGRATE, one key at
 * a time, as redis-cli --cluster reshard does between the SETSLOTs). */
static void migrate_keys(int from, int to, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		redisReply *rep = admin(from, "MIGRATE 127.0.0.1 %d %s 0 5000", to, keys[i]);
		if (rep->type == REDIS_REPLY_ERROR)
			fail_msg("MIGRATE %s: %s", keys[i], rep->str);
		freeReplyObject(rep);
	}
}

static void slot_start_move(int slot, int from, int to)
{
	char s[16], idf[64], idt[64];

	snprintf(s, sizeof(s), "%d", slot);
	node_id(from, idf, sizeof(idf));
	node_id(to, idt, sizeof(idt));
	admin_ok(to, "CLUSTER SETSLOT %s IMPORTING %s", s, idf);
	admin_ok(from, "CLUSTER SETSLOT %s MIGRATING %s", s, idt);
}

static void slot_end_move(int slot, int to)
{
	char s[16], idt[64];
	int ports[8];

	snprintf(s, sizeof(s), "%d", slot);
	node_id(to, idt, sizeof(idt));
	admin_ok(to, "CLUSTER SETSLOT %s NODE %s", s, idt);
	int n = masters(to, ports);
	for (int i = 0; i < n; i++)
		if (ports[i] != to)
			admin_ok(ports[i], "CLUSTER SETSLOT %s NODE %s", s, idt);
}

static void test_moved(void **state)
{
	const char *key = "moved:{m}";
	int slot = ink_redis_keyslot(key, strlen(key));
	(void)state;

	ink_redis *r = open_handle(seeds());
	set_ok(r, key, "before"); /* r now maps slot to its owner */
	int from = owner_of(seed_port(), slot);
	int to = other_master(seed_port(), from);
	slot_start_move(slot, from, to);
	migrate_keys(from, to, &key, 1);
	slot_end_move(slot, to);
	double moved = metric("inkwell_redis_redirects_total{kind=\"moved\"}");
	get_is(r, key, "before");
	assert_true(metric("inkwell_redis_redirects_total{kind=\"moved\"}") >= moved + 1);
	set_ok(r, key, "after");
	redisReply *rep = admin(to, "GET %s", key);
	assert_string_equal(rep->str, "after"); /* the write went to the new owner */
	freeReplyObject(rep);
	ink_redis_close(r);
}

static void test_ask(void **state)
{
	const char *keys[] = {"ask:{q}1", "ask:{q}2"};
	int slot = ink_redis_keyslot(keys[0], strlen(keys[0]));
	(void)state;

	ink_redis *r = open_handle(seeds());
	set_ok(r, keys[0], "one");
	set_ok(r, keys[1], "two");
	int from = owner_of(seed_port(), slot);
	int to = other_master(seed_port(), from);
	slot_start_move(slot, from, to);
	migrate_keys(from, to, keys, 1); /* keys[0] moved, keys[1] not yet */
	double ask = metric("inkwell_redis_redirects_total{kind=\"ask\"}");
	get_is(r, keys[0], "one"); /* from answers ASK: ASKING + GET on to */
	assert_true(metric("inkwell_redis_redirects_total{kind=\"ask\"}") >= ask + 1);
	get_is(r, keys[1], "two"); /* still on from, no redirect */
	migrate_keys(from, to, keys + 1, 1);
	slot_end_move(slot, to);
	get_is(r, keys[1], "two"); /* MOVED now */
	ink_redis_close(r);
}

/* replica_of finds the port of master's (first) replica. */
static int replica_of(int master)
{
	redisReply *rep = admin(master, "INFO replication");
	const char *at = strstr(rep->str, "slave0:");
	const char *port = at ? strstr(at, "port=") : NULL;

	if (port == NULL)
		fail_msg("127.0.0.1:%d has no replica", master);
	int p = (int)strtol(port + 5, NULL, 10);
	freeReplyObject(rep);
	return p;
}

/* WAIT is keyless: it must go to the master that took the previous write.
 * With that master's replica stopped, WAIT there counts 0; any other master
 * would have counted its own live replica. */
static void test_wait_after_write(void **state)
{
	const char *key = "wait:{w}";
	(void)state;

	ink_redis *r = open_handle(seeds());
	set_ok(r, key, "1");
	assert_int_equal(wait_replicas(r, 1000), 1);
	int master = owner_of(seed_port(), ink_redis_keyslot(key, strlen(key)));
	pid_t replica = (pid_t)info_field(replica_of(master), "server", "process_id");
	assert_int_equal(kill(replica, SIGSTOP), 0);
	set_ok(r, key, "2");
	long long stopped = wait_replicas(r, 200);
	assert_int_equal(kill(replica, SIGCONT), 0);
	assert_int_equal(stopped, 0);
	assert_int_equal(wait_replicas(r, 2000), 1);
	ink_redis_close(r);
}

static void pause_ms(int ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};

	nanosleep(&ts, NULL); /* poll interval; the loop's condition decides */
}

/* kill -9 a master: commands on its slots fail (UNAVAILABLE, never a wrong
 * answer) until its replica is promoted, then pass on the same handle. */
static void test_failover(void **state)
{
	const char *key = "failover:{f}";
	char why[512] = "";
	char dead[64];
	(void)state;

	ink_redis *r = open_handle(seeds());
	set_ok(r, key, "kept");
	assert_int_equal(wait_replicas(r, 1000), 1);
	int master = owner_of(seed_port(), ink_redis_keyslot(key, strlen(key)));
	int ask = other_master(seed_port(), master);
	pid_t pid = (pid_t)info_field(master, "server", "process_id");
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
		pause_ms(20);
	}
	double window = ink_mono_ms() - killed;
	print_message("failover window %.0f ms, %d failed GETs, new owner 127.0.0.1:%d\n", window,
	              failures, owner_of(ask, ink_redis_keyslot(key, strlen(key))));
	assert_true(failures > 0); /* the kill was seen at all */
	assert_true(window < 8000);
	set_ok(r, key, "after");
	get_is(r, key, "after");
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
	    cmocka_unit_test(test_failover),
	};
	ink_metrics_init("redis_cluster_test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
