/*
 * redis_slots.h - which Redis Cluster slot a command belongs to.
 *
 * A cluster client routes each command by one key: CRC16 (XMODEM) of the
 * key, or of its {hash tag} when it has a non-empty one, modulo 16384.
 * Which argument is that key depends on the command. Pure functions, no
 * I/O, so the routing rules are unit-tested against values a real Redis gave.
 */
#ifndef INKWELL_COMMON_REDIS_SLOTS_H
#define INKWELL_COMMON_REDIS_SLOTS_H

#include <stddef.h>

#include "err.h"

#define INK_REDIS_SLOTS 16384

/* ink_redis_keyslot returns the cluster slot (0..16383) of a key of len bytes,
 * as CLUSTER KEYSLOT does: only the part between the first '{' and the next
 * '}' counts when that part is not empty. */
int ink_redis_keyslot(const char *key, size_t len);

/* ink_redis_cmd_key finds the routing key of a command given as argv: argv[1]
 * for ordinary commands; for EVAL/EVALSHA/FCALL (and their _RO forms) the
 * first key after numkeys. Returns 1 and sets *key / *keylen (pointing into
 * argv) when the command has a key; 0 for keyless commands (PING, WAIT, INFO,
 * SCRIPT, CLUSTER, ..., or EVAL with 0 keys), which the caller sends to the
 * node it used last. */
int ink_redis_cmd_key(int argc, const char *const *argv, const size_t *argvlen, const char **key,
                      size_t *keylen);

/* INK_REDIS_KEY_ARGS is how many leading arguments ink_redis_cmd_key needs. */
#define INK_REDIS_KEY_ARGS 4

/* ink_redis_resp_args reads the first (at most max) arguments of a command in
 * RESP form (what redisFormatCommand writes: *N, then $len and the bytes of each
 * argument) into argv and argvlen, pointing into buf, and sets *argc to how many
 * it read. Returns INK_INVALID_ARGUMENT when buf is not such a command;
 * argv, argvlen and *argc are then unspecified. */
INK_WUR ink_err ink_redis_resp_args(const char *buf, size_t len, int max, const char **argv,
                                    size_t *argvlen, int *argc);

#endif /* INKWELL_COMMON_REDIS_SLOTS_H */
