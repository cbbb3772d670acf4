/*
 * palette_text.h - a numbered page's palette (issue 19) as one text field,
 * "number|#rrggbb|name;...": how user-svc keeps it in a library template's
 * hash and template-svc in a gallery item's, so a list reads it with the
 * rest of the hash and redis-cli shows it. One codec for both services; each
 * keeps its own swatch type (the two protos' Swatch messages) and only
 * allocates.
 */
#ifndef INKWELL_COMMON_PALETTE_TEXT_H
#define INKWELL_COMMON_PALETTE_TEXT_H

#include <stddef.h>

#include "err.h"

/* Most swatches a palette has (colors is 4..32). */
#define INK_PALETTE_MAX 32

/* ink_swatch_text: one entry read back; rgb and name point into the text
 * (not NUL-terminated: use the lengths). */
typedef struct ink_swatch_text {
	int number;
	const char *rgb;
	size_t rgb_len;
	const char *name;
	size_t name_len;
} ink_swatch_text;

/* ink_palette_text_put appends swatch number/rgb/name (name NULL: "") to out
 * (out_len bytes, NUL-terminated; *used bytes written so far, 0 for the
 * first) and advances *used. INK_INVALID_ARGUMENT when it does not fit or rgb
 * or name holds '|' or ';' (out then holds a prefix: discard it). */
INK_WUR ink_err ink_palette_text_put(char *out, size_t out_len, size_t *used, int number,
                                     const char *rgb, const char *name);

/* ink_palette_text_next reads the next well-formed entry at *p into *sw and
 * moves *p past it, skipping malformed entries. Returns 1 when an entry was
 * read, 0 at the end (p NULL or "" included). Pure. */
int ink_palette_text_next(const char **p, ink_swatch_text *sw);

#endif /* INKWELL_COMMON_PALETTE_TEXT_H */
