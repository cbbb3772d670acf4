/*
 * redis_slots.c - CRC16 key slots, hash tags and key positions (see
 * redis_slots.h), as Redis' own cluster.c keyHashSlot and hiredis-cluster's
 * command table define them.
 */
#include "redis_slots.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), bit by bit: the keys
 * are short and a table would be 512 bytes of constants to get wrong. */
static uint16_t slots_crc16(const unsigned char *p, size_t len)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc =
			    (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

int ink_redis_keyslot(const char *key, size_t len)
{
	const char *open = memchr(key, '{', len);

	if (open != NULL) {
		size_t from = (size_t)(open - key) + 1;
		const char *close = memchr(open + 1, '}', len - from);
		if (close != NULL && close > open + 1)
			return slots_crc16((const unsigned char *)open + 1,
			                   (size_t)(close - open - 1)) &
			       (INK_REDIS_SLOTS - 1);
	}
	return slots_crc16((const unsigned char *)key, len) & (INK_REDIS_SLOTS - 1);
}

static int slots_is(const char *arg, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(arg, name, len) == 0;
}

/* Commands whose argv[1] is not a key: sent to the node used last. */
static const char *const slots_keyless[] = {
    "PING",     "WAIT",    "INFO",      "CLUSTER",  "SCRIPT",    "ECHO",    "TIME",   "DBSIZE",
    "CLIENT",   "CONFIG",  "SELECT",    "FLUSHDB",  "FLUSHALL",  "MULTI",   "EXEC",   "DISCARD",
    "AUTH",     "COMMAND", "ASKING",    "READONLY", "READWRITE", "KEYS",    "SCAN",   "RANDOMKEY",
    "FUNCTION", "PUBLISH", "SUBSCRIBE", "HELLO",    "LASTSAVE",  "SLOWLOG", "MEMORY", "LATENCY",
};

static int slots_keyless_cmd(const char *cmd, size_t len)
{
	for (size_t i = 0; i < sizeof(slots_keyless) / sizeof(slots_keyless[0]); i++)
		if (slots_is(cmd, len, slots_keyless[i]))
			return 1;
	return 0;
}

static int slots_is_script(const char *cmd, size_t len)
{
	return slots_is(cmd, len, "EVAL") || slots_is(cmd, len, "EVALSHA") ||
	       slots_is(cmd, len, "EVAL_RO") || slots_is(cmd, len, "EVALSHA_RO") ||
	       slots_is(cmd, len, "FCALL") || slots_is(cmd, len, "FCALL_RO");
}

/* slots_numkeys reads a script's numkeys argument: > 0 when a key follows. */
static long slots_numkeys(const char *arg, size_t len)
{
	char buf[24];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, arg, len);
	buf[len] = '\0';
	char *end = NULL;
	long n = strtol(buf, &end, 10);
	return *end == '\0' && n > 0 ? n : 0;
}

int ink_redis_cmd_key(int argc, const char *const *argv, const size_t *argvlen, const char **key,
                      size_t *keylen)
{
	int at = 1;

	if (argc < 2 || slots_keyless_cmd(argv[0], argvlen[0]))
		return 0;
	if (slots_is_script(argv[0], argvlen[0])) {
		if (argc < 4 || slots_numkeys(argv[2], argvlen[2]) == 0)
			return 0;
		at = 3;
	}
	*key = argv[at];
	*keylen = argvlen[at];
	return 1;
}

/* slots_read_len reads "<c><digits>\r\n" at buf[*at], leaving *at after it. */
static ink_err slots_read_len(const char *buf, size_t len, size_t *at, char c, size_t *out)
{
	size_t i = *at;
	size_t n = 0;

	if (i >= len || buf[i] != c)
		return INK_INVALID_ARGUMENT;
	for (i++; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (n > (SIZE_MAX - 9) / 10)
			return INK_INVALID_ARGUMENT;
		n = n * 10 + (size_t)(buf[i] - '0');
	}
	if (i + 1 >= len || buf[i] != '\r' || buf[i + 1] != '\n' || i == *at + 1)
		return INK_INVALID_ARGUMENT;
	*at = i + 2;
	*out = n;
	return INK_OK;
}

ink_err ink_redis_resp_args(const char *buf, size_t len, int max, const char **argv,
                            size_t *argvlen, int *argc)
{
	size_t at = 0;
	size_t n = 0;
	int got = 0;

	if (slots_read_len(buf, len, &at, '*', &n) != INK_OK || n == 0)
		return INK_INVALID_ARGUMENT;
	for (size_t i = 0; i < n && got < max; i++) {
		size_t alen = 0;
		if (slots_read_len(buf, len, &at, '$', &alen) != INK_OK || alen > len - at ||
		    len - at - alen < 2)
			return INK_INVALID_ARGUMENT;
		argv[got] = buf + at;
		argvlen[got] = alen;
		got++;
		at += alen + 2;
	}
	*argc = got;
	return INK_OK;
}
