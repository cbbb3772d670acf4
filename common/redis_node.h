/*
 * redis_node.h - one hiredis connection to one Redis node, healed on use
 * (private to common/redis*.c).
 *
 * Both modes are built of these: a standalone handle has one node, a
 * cluster handle one per cluster node. A node sends a command that is
 * already in RESP form (redisFormatCommand*), so a cluster can route it by
 * key and resend the same bytes after a redirect without formatting again.
 */
#ifndef INKWELL_COMMON_REDIS_NODE_H
#define INKWELL_COMMON_REDIS_NODE_H

#include <stddef.h>
#include <sys/time.h>
#include <hiredis/hiredis.h>

#include "err.h"

typedef struct ink_redis_node {
	char addr[256]; /* "host:port" */
	char host[200];
	int port;
	struct timeval tv;  /* the timeout ctx has (valid while ctx != NULL) */
	redisContext *ctx;  /* NULL while disconnected */
	int connected_once; /* a later connect is a reconnect */
} ink_redis_node;

/* ink_redis_node_init sets n up for "host:port" given as len bytes of addr
 * (not NUL-terminated: one item of a comma list), not connected. Returns
 * INK_INVALID_ARGUMENT for a malformed address; n is then untouched. */
INK_WUR ink_err ink_redis_node_init(ink_redis_node *n, const char *addr, size_t len);

/* ink_redis_node_fini closes n's connection (n itself is the caller's). */
void ink_redis_node_fini(ink_redis_node *n);

/* ink_redis_node_send connects if needed, sends the RESP command cmd (len
 * bytes) and reads one reply, with timeout tv for connect, send and reply.
 * INK_OK: *reply is set, an error reply included (the caller judges it and
 * frees it with freeReplyObject). INK_UNAVAILABLE: no answer, the cause in
 * why; *unsent is 1 when the command certainly never reached Redis (the
 * connect failed), else 0. INK_DEADLINE_EXCEEDED: sent, no answer within tv:
 * the outcome is unknown. After a failure the connection is dropped (the
 * next send reconnects). A reused connection found closed by the server
 * (EOF, reset) is replaced and the command sent once more: it never ran. */
INK_WUR ink_err ink_redis_node_send(ink_redis_node *n, struct timeval tv, const char *cmd,
                                    size_t len, redisReply **reply, int *unsent, char *why,
                                    size_t why_len);

#endif /* INKWELL_COMMON_REDIS_NODE_H */
