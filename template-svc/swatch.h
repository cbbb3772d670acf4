/*
 * swatch.h - paint by numbers over RPC (issue 19): Convert's style, colors and palette
 * options onto img_opts, and a numbered page's palette between img_swatch and the proto's
 * Swatch (Convert's reply, PrintPage's legend).
 */
#ifndef INKWELL_TSVC_SWATCH_H
#define INKWELL_TSVC_SWATCH_H

#include "err.h"
#include "img.h"
#include "template.pb-c.h"

/* tsvc_swatch_opts sets style, colors and palette of *o from r ("" / 0 keep the defaults).
 * INK_INVALID_ARGUMENT with a reason in why for an unknown style or palette (colors are
 * checked by img_opts_check). */
INK_WUR ink_err tsvc_swatch_opts(const Inkwell__Template__V1__ConvertRequest *r, img_opts *o,
                                 char *why, size_t why_len);

/* tsvc_swatch_out: a palette ready to pack, pointing into the img_page it was made from and
 * into its own rgb strings (no allocation; valid while both live). */
typedef struct tsvc_swatch_out {
	Inkwell__Template__V1__Swatch sw[IMG_COLORS_MAX];
	Inkwell__Template__V1__Swatch *ptr[IMG_COLORS_MAX];
	char rgb[IMG_COLORS_MAX][8];
	size_t n;
} tsvc_swatch_out;

/* tsvc_swatch_from_page fills *out from p's palette. Cannot fail. */
void tsvc_swatch_from_page(const img_page *p, tsvc_swatch_out *out);

/* tsvc_swatch_read turns a request's swatches (n of them) into img_swatch (names point into
 * in, valid while it lives). INK_INVALID_ARGUMENT with why when there are over
 * IMG_COLORS_MAX, a number is not 1..99 or an rgb not "#rrggbb". */
INK_WUR ink_err tsvc_swatch_read(Inkwell__Template__V1__Swatch *const *in, size_t n,
                                 img_swatch *out, int *nout, char *why, size_t why_len);

#endif /* INKWELL_TSVC_SWATCH_H */
