/*
 * redis.h - one hiredis connection owned by one thread, that heals itself.
 *
 * hiredis 0.14 contexts are not thread-safe and are dead after any I/O error.
 * An ink_redis hides that: each command first (re)connects if the previous
 * context died, so a Redis that goes away and comes back is used again
 * without restarting the service. Every command has a timeout.
 *
 * The same handle speaks to a Redis Cluster (redis_cluster.h): each command
 * goes to the node serving its key's slot, following the cluster's
 * redirects, so callers do not change. Keyless commands (WAIT, PING) go to
 * the node the previous command used: a WAIT right after a write reaches
 * the master that took the write.
 */
#ifndef INKWELL_COMMON_REDIS_H
#define INKWELL_COMMON_REDIS_H

#include <stddef.h>
#include <hiredis/hiredis.h>

#include "err.h"

typedef struct ink_redis ink_redis;

/* ink_redis_open makes a handle for "host:port", or for a Redis Cluster given
 * as a comma list of seed nodes "h1:p1,h2:p2,...", with a per-command
 * timeout. REDIS_CLUSTER (auto, on, off; default auto) picks the mode: auto
 * takes a list for a cluster and asks a single address CLUSTER INFO once, on
 * its first connect (a standalone Redis refuses it: standalone mode, with no
 * further cost per command). It does not connect yet (the first command
 * does), so a service starts even when Redis is still down. Returns
 * INK_INVALID_ARGUMENT for a malformed address or REDIS_CLUSTER (or a list
 * with REDIS_CLUSTER=off), INK_RESOURCE_EXHAUSTED when out of memory. On
 * success the caller owns *out and frees it with ink_redis_close. */
INK_WUR ink_err ink_redis_open(const char *addr, int timeout_ms, ink_redis **out);

/* ink_redis_close frees the handle and its connection. NULL is a no-op. */
void ink_redis_close(ink_redis *r);

/* ink_redis_addr returns the address this handle was opened with. */
const char *ink_redis_addr(const ink_redis *r);

/* ink_redis_cmd runs one command (hiredis format: %s, %b with (size_t) len,
 * ...). On INK_OK *reply is set and the caller frees it with freeReplyObject;
 * an error *reply (REDIS_REPLY_ERROR) is INK_INTERNAL, logged, and freed here.
 * Returns INK_UNAVAILABLE when Redis cannot be reached (the message in `why`
 * if non-NULL, up to why_len bytes), and the connection is rebuilt on the
 * next call. Returns INK_DEADLINE_EXCEEDED when the command was sent but no
 * answer came within the timeout: it may have run, or may still run once a
 * hung Redis resumes, so its outcome is unknown (never retry a write blindly). When the connection
 * had been closed by the server since its last use (EOF or reset, not a timeout), the command is
 * sent once more on a new one: it never reached Redis. (Should Redis itself die between running a
 * command and answering it, that command could run twice.) In cluster mode a
 * command is also resent after MOVED, ASK, TRYAGAIN or CLUSTERDOWN, and after
 * a connect refused (it never left) when the slot's owner has changed (a
 * failover); never after it may have run. */
INK_WUR ink_err ink_redis_cmd(ink_redis *r, redisReply **reply, char *why, size_t why_len,
                              const char *fmt, ...);

/* ink_redis_cmd_argv is ink_redis_cmd with an argument vector (binary-safe,
 * for Lua scripts with many keys). Same contract. */
INK_WUR ink_err ink_redis_cmd_argv(ink_redis *r, redisReply **reply, char *why, size_t why_len,
                                   int argc, const char **argv, const size_t *argvlen);

/* ink_redis_ping sends PING, waiting at most the PING timeout when one is
 * set (ink_redis_set_ping_timeout), else the command timeout. INK_OK when
 * Redis answers PONG; otherwise INK_UNAVAILABLE with the cause in `why`
 * ("... did not answer PING within N ms" when the PING timeout ran out). In
 * cluster mode every master of the slot map must answer; `why` names each
 * one that did not ("redis cluster: 127.0.0.1:7001 down (Connection
 * refused)"). */
INK_WUR ink_err ink_redis_ping(ink_redis *r, char *why, size_t why_len);

/* ink_redis_set_ping_timeout gives PING a limit of its own, for health checks
 * that must answer within their caller's deadline: later PINGs (connect
 * included) wait at most timeout_ms when that is shorter than the command
 * timeout; 0 (or less) goes back to the command timeout. Other commands keep
 * the command timeout. */
void ink_redis_set_ping_timeout(ink_redis *r, int timeout_ms);

/* ink_redis_node_fn is told of one node: its "host:port", whether it serves
 * slots (a master; always 1 for a standalone Redis), and INK_OK or the error
 * its PING met, with the cause in why ("" when up). */
typedef void (*ink_redis_node_fn)(void *arg, const char *addr, int is_master, ink_err err,
                                  const char *why);

/* ink_redis_each_node PINGs each node the handle knows (one for a standalone
 * Redis; every master and replica of a cluster) with the PING timeout and
 * tells fn of each, for health pages that list nodes. */
void ink_redis_each_node(ink_redis *r, ink_redis_node_fn fn, void *arg);

#endif /* INKWELL_COMMON_REDIS_H */
