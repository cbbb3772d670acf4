/*
 * config.c - environment variables as settings (see config.h).
 *
 * strtoll with every error path checked: trailing garbage, overflow and
 * empty strings are refused rather than read as 0 (what atoi would do).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

const char *ink_cfg_str(const char *name, const char *def)
{
	const char *v = getenv(name);

	return (v == NULL || v[0] == '\0') ? def : v;
}

static ink_err cfg_parse_i64(const char *text, int64_t *out, const char **rest)
{
	char *end = NULL;

	if (text[0] == '\0' || text[0] == ' ' || text[0] == '+')
		return INK_INVALID_ARGUMENT;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno != 0 || end == text)
		return INK_INVALID_ARGUMENT;
	*out = (int64_t)v;
	*rest = end;
	return INK_OK;
}

ink_err ink_cfg_int(const char *name, int64_t def, int64_t min, int64_t max, int64_t *out)
{
	const char *v = getenv(name);
	const char *rest = NULL;
	int64_t n = 0;

	if (v == NULL || v[0] == '\0') {
		*out = def;
		return INK_OK;
	}
	if (cfg_parse_i64(v, &n, &rest) != INK_OK || *rest != '\0') {
		ink_log_error("config: %s=\"%s\" is not a whole number", name, v);
		return INK_INVALID_ARGUMENT;
	}
	if (n < min || n > max) {
		ink_log_error("config: %s=%lld is outside [%lld, %lld]", name, (long long)n,
		              (long long)min, (long long)max);
		return INK_INVALID_ARGUMENT;
	}
	*out = n;
	return INK_OK;
}

ink_err ink_parse_duration_ms(const char *text, int64_t *out_ms)
{
	const char *unit = NULL;
	int64_t n = 0;
	int64_t scale = 1;

	if (text == NULL || cfg_parse_i64(text, &n, &unit) != INK_OK || n < 0)
		return INK_INVALID_ARGUMENT;
	if (strcmp(unit, "") == 0 || strcmp(unit, "ms") == 0)
		scale = 1;
	else if (strcmp(unit, "s") == 0)
		scale = 1000;
	else if (strcmp(unit, "m") == 0)
		scale = 60000;
	else
		return INK_INVALID_ARGUMENT;
	if (n > INT64_MAX / scale)
		return INK_INVALID_ARGUMENT;
	*out_ms = n * scale;
	return INK_OK;
}
