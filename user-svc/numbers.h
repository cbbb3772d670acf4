/*
 * numbers.h - a numbered page in the library (issue 19): what CreateTemplate keeps beside
 * the page (style, palette, the plain outline, the regions PNG) and the palette's one text
 * form in the template's hash.
 */
#ifndef INKWELL_USVC_NUMBERS_H
#define INKWELL_USVC_NUMBERS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "template.pb-c.h"
#include "user.pb-c.h"

/* usvc_numbers: a page's numbers part, borrowed from a ConvertResponse (nothing owned).
 * style "" or "lines": none of the rest. */
typedef struct usvc_numbers {
	const char *style;
	Inkwell__Template__V1__Swatch *const *palette;
	size_t n_palette;
	const uint8_t *plain_png, *regions_png;
	size_t plain_png_len, regions_png_len;
} usvc_numbers;

/* usvc_numbers_from_page points *n into a Convert reply. */
void usvc_numbers_from_page(const Inkwell__Template__V1__ConvertResponse *page, usvc_numbers *n);

/* usvc_palette_text writes the palette as "number|rgb|name" lines joined by ';' into out
 * (out_len bytes, NUL-terminated). INK_INVALID_ARGUMENT when it does not fit or a name holds
 * '|' or ';' (crayon names never do). */
INK_WUR ink_err usvc_palette_text(Inkwell__Template__V1__Swatch *const *pal, size_t n, char *out,
                                  size_t out_len);

/* usvc_palette_parse fills t->palette / n_palette from the text form (malloc'd; freed by
 * usvc_palette_free). A malformed entry is skipped. INK_RESOURCE_EXHAUSTED on OOM. */
INK_WUR ink_err usvc_palette_parse(const char *text, Inkwell__User__V1__Template *t);

/* usvc_palette_copy copies src's palette and style into dst (malloc'd; usvc_palette_free).
 * INK_RESOURCE_EXHAUSTED on OOM. */
INK_WUR ink_err usvc_palette_copy(const Inkwell__User__V1__Template *src,
                                  Inkwell__User__V1__Template *dst);

/* usvc_palette_free frees t->style and t->palette and clears them. */
void usvc_palette_free(Inkwell__User__V1__Template *t);

#endif /* INKWELL_USVC_NUMBERS_H */
