/*
 * redis_slots_test.c - key slots and key positions as a real Redis Cluster
 * computes them: the CRC16 / hash tag vectors are CLUSTER KEYSLOT answers of
 * redis-server 7.0; the routing key of ordinary, script and keyless
 * commands; and reading arguments back out of hiredis' RESP formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "redis_slots.h"

static void test_keyslot_vectors(void **state)
{
	/* key, CLUSTER KEYSLOT key (redis-server 7.0.15) */
	static const struct {
		const char *key;
		int slot;
	} v[] = {
	    {"", 0},
	    {"a", 15495},
	    {"foo", 12182},
	    {"bar", 5061},
	    {"123456789", 12739},
	    {"user:1000", 1649},
	    {"{user1000}.following", 3443},
	    {"{user1000}.followers", 3443},
	    {"foo{}{bar}", 8363},    /* empty first tag: the whole key */
	    {"foo{{bar}}zap", 4015}, /* tag is "{bar" */
	    {"foo{bar}{zap}", 5061}, /* first tag only: "bar" */
	    {"{}foo", 9500},
	    {"username:{alice}", 749},
	    {"gallery", 1519},
	    {"{a", 10276}, /* no closing brace: the whole key */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int got = ink_redis_keyslot(v[i].key, strlen(v[i].key));
		if (got != v[i].slot)
			fail_msg("keyslot(\"%s\") = %d, Redis says %d", v[i].key, got, v[i].slot);
	}
	/* Binary-safe: the NUL is part of the key. */
	assert_int_equal(ink_redis_keyslot("a\0b{x}", 6), ink_redis_keyslot("x", 1));
}

static int key_of(int argc, const char *const *argv, const char **key)
{
	size_t len[8];
	size_t keylen = 0;

	for (int i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	int has = ink_redis_cmd_key(argc, argv, len, key, &keylen);
	if (has)
		assert_int_equal(keylen, strlen(*key));
	return has;
}

static void test_cmd_key(void **state)
{
	const char *key = NULL;
	const char *get[] = {"GET", "user:1"};
	const char *eval[] = {"EVAL", "return 1", "2", "{u}a", "{u}b", "x"};
	const char *evalsha[] = {"evalsha", "abc", "1", "k"};
	const char *eval0[] = {"EVAL", "return 1", "0", "arg"};
	const char *wait[] = {"WAIT", "1", "100"};
	const char *ping[] = {"PING"};
	const char *script[] = {"SCRIPT", "LOAD", "return 1"};

	(void)state;
	assert_true(key_of(2, get, &key));
	assert_string_equal(key, "user:1");
	assert_true(key_of(6, eval, &key));
	assert_string_equal(key, "{u}a");
	assert_true(key_of(4, evalsha, &key));
	assert_string_equal(key, "k");
	assert_false(key_of(4, eval0, &key));
	assert_false(key_of(3, wait, &key));
	assert_false(key_of(1, ping, &key));
	assert_false(key_of(3, script, &key));
}

static void test_resp_args(void **state)
{
	char *cmd = NULL;
	const char *argv[INK_REDIS_KEY_ARGS];
	size_t len[INK_REDIS_KEY_ARGS];
	int argc = 0;

	(void)state;
	int n =
	    redisFormatCommand(&cmd, "EVALSHA %s %d %b %s", "f00", 1, "k\r\ney", (size_t)5, "v");
	assert_true(n > 0);
	assert_int_equal(ink_redis_resp_args(cmd, (size_t)n, INK_REDIS_KEY_ARGS, argv, len, &argc),
	                 0);
	assert_int_equal(argc, 4); /* 5 arguments, the first 4 read */
	assert_int_equal(len[0], 7);
	assert_memory_equal(argv[0], "EVALSHA", 7);
	assert_int_equal(len[3], 5);
	assert_memory_equal(argv[3], "k\r\ney", 5);
	/* Cut short or not RESP at all: refused, never read past the end. */
	assert_int_not_equal(ink_redis_resp_args(cmd, 12, 4, argv, len, &argc), 0);
	assert_int_not_equal(ink_redis_resp_args("GET k\r\n", 7, 4, argv, len, &argc), 0);
	assert_int_not_equal(ink_redis_resp_args("*1\r\n$99\r\nab\r\n", 13, 4, argv, len, &argc),
	                     0);
	redisFreeCommand(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keyslot_vectors),
	    cmocka_unit_test(test_cmd_key),
	    cmocka_unit_test(test_resp_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
