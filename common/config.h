/*
 * config.h - 12-factor configuration: every setting is an environment
 * variable with a sane default (the README has the one table of them).
 *
 * A variable that is set but malformed or out of range is an error, never
 * silently replaced by the default: a typo in production must stop the
 * service at start, with a log line naming the variable.
 */
#ifndef INKWELL_COMMON_CONFIG_H
#define INKWELL_COMMON_CONFIG_H

#include <stdint.h>

#include "err.h"

/* ink_cfg_str returns $name, or `def` when it is unset or empty. The result
 * belongs to the environment (or is `def`): do not free it. */
const char *ink_cfg_str(const char *name, const char *def);

/* ink_cfg_int stores $name as an integer in [min, max] in *out, or `def` when
 * unset. Returns INK_INVALID_ARGUMENT (and logs which variable and why) if it
 * is not a whole decimal number or is out of range; *out is then untouched. */
INK_WUR ink_err ink_cfg_int(const char *name, int64_t def, int64_t min, int64_t max, int64_t *out);

/* ink_parse_duration_ms parses "250ms", "1s", "2m" or a bare number of
 * milliseconds into *out_ms. Returns INK_INVALID_ARGUMENT on anything else,
 * on a negative value or on overflow. */
INK_WUR ink_err ink_parse_duration_ms(const char *text, int64_t *out_ms);

#endif /* INKWELL_COMMON_CONFIG_H */
