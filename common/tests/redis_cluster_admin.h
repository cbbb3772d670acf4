/*
 * redis_cluster_admin.h - what the redis_cluster test does to the cluster
 * outside ink_redis (raw hiredis to one node: CLUSTER SETSLOT, MIGRATE, INFO,
 * DELSLOTS), and how it reads this process's metrics. Test code only: every
 * failure fails the running cmocka test.
 */
#ifndef INKWELL_COMMON_TESTS_REDIS_CLUSTER_ADMIN_H
#define INKWELL_COMMON_TESTS_REDIS_CLUSTER_ADMIN_H

#include <stddef.h>
#include <hiredis/hiredis.h>

/* rct_seeds returns INK_TEST_CLUSTER (fails the test when unset). */
const char *rct_seeds(void);

/* admin runs one command on the node at port, outside ink_redis. */
redisReply *rct_admin(int port, const char *fmt, ...);

/* rct_admin_ok runs fmt (up to two %s) on port and fails the test on an error reply. */
void rct_admin_ok(int port, const char *fmt, const char *arg1, const char *arg2);

/* seed_port is the port of the first seed in INK_TEST_CLUSTER. */
int rct_seed_port(void);

/* info_field reads "name:value" of INFO section on port as a number. */
long rct_info_field(int port, const char *section, const char *name);

/* owner_of returns the port of the master serving slot, per CLUSTER SLOTS
 * asked of the node at ask. */
int rct_owner_of(int ask, int slot);

/* masters lists the master ports (at most 8) per CLUSTER SLOTS. */
int rct_masters(int ask, int *ports);

/* rct_node_id writes the node id of the node at port into id. */
void rct_node_id(int port, char *id, size_t len);

/* rct_other_master returns a master port other than not_this. */
int rct_other_master(int ask, int not_this);

/* metric reads one series of this process's registry ("name{labels}"). */
double rct_metric(const char *series);

/* migrate_keys moves each key from port `from` to `to` (MIGRATE, one key at
 * a time, as redis-cli --cluster reshard does between the SETSLOTs). */
void rct_migrate_keys(int from, int to, const char *const *keys, size_t n);

/* rct_slot_start_move marks slot IMPORTING on `to` and MIGRATING on `from`. */
void rct_slot_start_move(int slot, int from, int to);

/* rct_slot_end_move gives slot to `to` on every master (SETSLOT NODE). */
void rct_slot_end_move(int slot, int to);

/* replica_of finds the port of master's (first) replica. */
int rct_replica_of(int master);

/* all_ports lists every node's port from INK_TEST_CLUSTER (at most 8). */
int rct_all_ports(int *ports);

/* rct_cluster_ok_everywhere is 1 when every node says cluster_state:ok. */
int rct_cluster_ok_everywhere(void);

/* rct_pause_ms waits ms milliseconds: a poll interval, never synchronisation. */
void rct_pause_ms(int ms);

#endif /* INKWELL_COMMON_TESTS_REDIS_CLUSTER_ADMIN_H */
