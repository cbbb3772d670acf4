/*
 * limits.c - options, limits and the page size: everything decided before a pixel exists.
 *
 * Decompression bombs are refused here, from the header's dimensions, before a decoder
 * allocates anything proportional to them. The reasons are written for users.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "img_priv.h"

void img_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_len == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

void img_opts_default(img_opts *o)
{
	o->detail = IMG_DETAIL_DEFAULT;
	o->line_width = IMG_LINE_WIDTH_DEFAULT;
	o->max_side = IMG_PAGE_SIDE_DEFAULT;
	o->limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
	o->limits.max_side = IMG_DEFAULT_MAX_SIDE;
	o->limits.max_pixels = IMG_DEFAULT_MAX_PIXELS;
	o->limits.deadline_ms = 0;
	o->style = IMG_STYLE_LINES;
	o->colors = IMG_COLORS_DEFAULT;
	o->palette = IMG_PALETTE_PHOTO;
}

int img_past_deadline(const img_limits *lim)
{
	return lim->deadline_ms != 0 && ink_now_unix_ms() >= lim->deadline_ms;
}

ink_err img_opts_check(const img_opts *o, char *why, size_t why_len)
{
	if (o->detail < IMG_DETAIL_MIN || o->detail > IMG_DETAIL_MAX) {
		img_why(why, why_len, "detail must be %d..%d, not %d", IMG_DETAIL_MIN,
		        IMG_DETAIL_MAX, o->detail);
		return INK_INVALID_ARGUMENT;
	}
	if (o->line_width < IMG_LINE_WIDTH_MIN || o->line_width > IMG_LINE_WIDTH_MAX) {
		img_why(why, why_len, "line width must be %d..%d px, not %d", IMG_LINE_WIDTH_MIN,
		        IMG_LINE_WIDTH_MAX, o->line_width);
		return INK_INVALID_ARGUMENT;
	}
	if (o->max_side < IMG_PAGE_SIDE_MIN || o->max_side > IMG_PAGE_SIDE_MAX) {
		img_why(why, why_len, "page side must be %u..%u px, not %u", IMG_PAGE_SIDE_MIN,
		        IMG_PAGE_SIDE_MAX, o->max_side);
		return INK_INVALID_ARGUMENT;
	}
	if (o->limits.max_bytes == 0 || o->limits.max_side == 0 || o->limits.max_pixels == 0) {
		img_why(why, why_len, "image limits must be positive");
		return INK_INVALID_ARGUMENT;
	}
	return img_numbers_opts_check(o, why, why_len);
}

ink_err img_check_dims(uint32_t w, uint32_t h, const img_limits *lim, const char *fmt_name,
                       char *why, size_t why_len)
{
	uint64_t px = (uint64_t)w * h;

	if (w == 0 || h == 0) {
		img_why(why, why_len, "%s has no pixels (%ux%u)", fmt_name, w, h);
		return INK_INVALID_ARGUMENT;
	}
	if (w > lim->max_side || h > lim->max_side) {
		img_why(why, why_len, "image is %ux%u, a side over the %u pixel limit", w, h,
		        lim->max_side);
		return INK_PAYLOAD_TOO_LARGE;
	}
	if (px > lim->max_pixels) {
		img_why(why, why_len, "image is %ux%u, over the %.3g megapixel limit", w, h,
		        (double)lim->max_pixels / 1e6);
		return INK_PAYLOAD_TOO_LARGE;
	}
	return INK_OK;
}

void img_page_size(uint32_t w, uint32_t h, uint32_t max_side, uint32_t *pw, uint32_t *ph)
{
	uint32_t longest = w > h ? w : h;
	uint64_t sw, sh;

	if (longest <= max_side) {
		*pw = w;
		*ph = h;
		return;
	}
	/* Rounded w * max_side / longest, in 64 bits so nothing overflows. */
	sw = ((uint64_t)w * max_side + longest / 2) / longest;
	sh = ((uint64_t)h * max_side + longest / 2) / longest;
	*pw = sw ? (uint32_t)sw : 1;
	*ph = sh ? (uint32_t)sh : 1;
}

void img_gray_fini(img_gray *g)
{
	if (g == NULL)
		return;
	free(g->px);
	free(g->rgb);
	g->px = NULL;
	g->rgb = NULL;
	g->w = g->h = 0;
}
