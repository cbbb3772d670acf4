/*
 * redis_cluster_admin.c - the redis_cluster test's direct access to cluster
 * nodes and to its own metrics (see redis_cluster_admin.h).
 */
#include "redis_cluster_admin.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <time.h>

#include "metrics.h"

const char *rct_seeds(void)
{
	const char *s = getenv("INK_TEST_CLUSTER");

	if (s == NULL || s[0] == '\0')
		fail_msg("INK_TEST_CLUSTER is not set (run through tests/redis_cluster.py run --)");
	return s;
}

/* admin runs one command on the node at port, outside ink_redis. */
redisReply *rct_admin(int port, const char *fmt, ...)
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

void rct_admin_ok(int port, const char *fmt, const char *arg1, const char *arg2)
{
	redisReply *rep = rct_admin(port, fmt, arg1, arg2);

	if (rep->type == REDIS_REPLY_ERROR)
		fail_msg("127.0.0.1:%d %s: %s", port, fmt, rep->str);
	freeReplyObject(rep);
}

/* seed_port is the port of the first seed in INK_TEST_CLUSTER. */
int rct_seed_port(void)
{
	const char *colon = strchr(rct_seeds(), ':');

	return (int)strtol(colon + 1, NULL, 10);
}

/* info_field reads "name:value" of INFO section on port as a number. */
long rct_info_field(int port, const char *section, const char *name)
{
	redisReply *rep = rct_admin(port, "INFO %s", section);
	const char *at = strstr(rep->str, name);

	if (at == NULL)
		fail_msg("127.0.0.1:%d INFO %s has no %s", port, section, name);
	long v = strtol(at + strlen(name) + 1, NULL, 10);
	freeReplyObject(rep);
	return v;
}

/* owner_of returns the port of the master serving slot, per CLUSTER SLOTS
 * asked of the node at ask. */
int rct_owner_of(int ask, int slot)
{
	redisReply *rep = rct_admin(ask, "CLUSTER SLOTS");
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
int rct_masters(int ask, int *ports)
{
	redisReply *rep = rct_admin(ask, "CLUSTER SLOTS");
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

void rct_node_id(int port, char *id, size_t len)
{
	redisReply *rep = rct_admin(port, "CLUSTER MYID");

	snprintf(id, len, "%s", rep->str);
	freeReplyObject(rep);
}

int rct_other_master(int ask, int not_this)
{
	int ports[8];
	int n = rct_masters(ask, ports);

	for (int i = 0; i < n; i++)
		if (ports[i] != not_this)
			return ports[i];
	fail_msg("no second master");
	return -1;
}

/* metric reads one series of this process's registry ("name{labels}"). */
double rct_metric(const char *series)
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

/* migrate_keys moves each key from port `from` to `to` (MIGRATE, one key at
 * a time, as redis-cli --cluster reshard does between the SETSLOTs). */
void rct_migrate_keys(int from, int to, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		redisReply *rep = rct_admin(from, "MIGRATE 127.0.0.1 %d %s 0 5000", to, keys[i]);
		if (rep->type == REDIS_REPLY_ERROR)
			fail_msg("MIGRATE %s: %s", keys[i], rep->str);
		freeReplyObject(rep);
	}
}

void rct_slot_start_move(int slot, int from, int to)
{
	char s[16], idf[64], idt[64];

	snprintf(s, sizeof(s), "%d", slot);
	rct_node_id(from, idf, sizeof(idf));
	rct_node_id(to, idt, sizeof(idt));
	rct_admin_ok(to, "CLUSTER SETSLOT %s IMPORTING %s", s, idf);
	rct_admin_ok(from, "CLUSTER SETSLOT %s MIGRATING %s", s, idt);
}

void rct_slot_end_move(int slot, int to)
{
	char s[16], idt[64];
	int ports[8];

	snprintf(s, sizeof(s), "%d", slot);
	rct_node_id(to, idt, sizeof(idt));
	rct_admin_ok(to, "CLUSTER SETSLOT %s NODE %s", s, idt);
	int n = rct_masters(to, ports);
	for (int i = 0; i < n; i++)
		if (ports[i] != to)
			rct_admin_ok(ports[i], "CLUSTER SETSLOT %s NODE %s", s, idt);
}

/* replica_of finds the port of master's (first) replica. */
int rct_replica_of(int master)
{
	redisReply *rep = rct_admin(master, "INFO replication");
	const char *at = strstr(rep->str, "slave0:");
	const char *port = at ? strstr(at, "port=") : NULL;

	if (port == NULL)
		fail_msg("127.0.0.1:%d has no replica", master);
	int p = (int)strtol(port + 5, NULL, 10);
	freeReplyObject(rep);
	return p;
}

/* all_ports lists every node's port from INK_TEST_CLUSTER (at most 8). */
int rct_all_ports(int *ports)
{
	int n = 0;

	for (const char *p = strchr(rct_seeds(), ':'); p != NULL && n < 8; p = strchr(p + 1, ':'))
		ports[n++] = (int)strtol(p + 1, NULL, 10);
	return n;
}

int rct_cluster_ok_everywhere(void)
{
	int ports[8];
	int n = rct_all_ports(ports);

	for (int i = 0; i < n; i++) {
		redisReply *rep = rct_admin(ports[i], "CLUSTER INFO");
		int ok = rep->type == REDIS_REPLY_STRING && strstr(rep->str, "cluster_state:ok");
		freeReplyObject(rep);
		if (!ok)
			return 0;
	}
	return 1;
}

void rct_pause_ms(int ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};

	nanosleep(&ts, NULL); /* poll interval; the loop's condition decides */
}
