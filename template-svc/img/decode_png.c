/*
 * decode_png.c - PNG bytes to a page-size gray raster, via libpng.
 *
 * libpng turns every flavour (palette, gray 1..16 bit, RGB, alpha, tRNS, interlace) into
 * 8-bit gray (+ alpha); we composite alpha over white and stream rows into the shrinker, so
 * only the page is held (an interlaced PNG needs its whole gray image first: libpng fills
 * the rows pass by pass). Dimensions are checked from IHDR before anything is allocated,
 * and again by png_set_user_limits. libpng reports errors through png_error -> our error
 * function -> longjmp; its message becomes the user's reason.
 */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

/* Ancillary chunks (text, ICC) bigger than this are refused: a zTXt bomb can't grow. */
#define IMG_PNG_CHUNK_MAX ((png_alloc_size_t)8 * 1024 * 1024)

typedef struct img_png {
	png_structp png;
	png_infop info;
	const uint8_t *data;
	size_t len, pos;
	const img_opts *opts;
	img_gray page;  /* the result */
	img_shrink shr; /* valid when shr.acc != NULL */
	uint8_t *rows;  /* one row (or the whole image when interlaced), 1..2 bytes a pixel */
	uint8_t *gray;  /* one gray row */
	ink_err err;    /* what a longjmp means */
	char msg[160];
} img_png;

static void img_png_error(png_structp png, png_const_charp msg)
{
	img_png *c = png_get_error_ptr(png);

	if (c->err == INK_OK) {
		c->err = INK_INVALID_ARGUMENT;
		if (strcasestr(msg, "out of memory") != NULL ||
		    strcasestr(msg, "insufficient memory") != NULL)
			c->err = INK_RESOURCE_EXHAUSTED;
		else if (strstr(msg, "exceeds user limit") != NULL)
			c->err = INK_PAYLOAD_TOO_LARGE;
		img_why(c->msg, sizeof(c->msg), "PNG is corrupt: %s", msg);
	}
	png_longjmp(png, 1);
}

static void img_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void img_png_read(png_structp png, png_bytep out, size_t n)
{
	img_png *c = png_get_io_ptr(png);

	if (n > c->len - c->pos) {
		c->err = INK_INVALID_ARGUMENT;
		img_why(c->msg, sizeof(c->msg), "PNG is truncated");
		png_error(png, "truncated");
	}
	memcpy(out, c->data + c->pos, n);
	c->pos += n;
}

/* Gray (+ alpha over white) of one decoded row into c->gray. */
static void img_png_to_gray(img_png *c, const uint8_t *row, uint32_t w, int channels)
{
	if (channels == 1) {
		memcpy(c->gray, row, w);
		return;
	}
	for (uint32_t x = 0; x < w; x++) {
		unsigned v = row[2 * x], a = row[2 * x + 1];

		c->gray[x] = (uint8_t)((v * a + 255u * (255u - a) + 127u) / 255u);
	}
}

/* Everything that can png_error; runs under img_png_run's setjmp. Allocations go into c so
 * the caller can free them whatever happens. */
static void img_png_body(img_png *c)
{
	png_uint_32 w, h;
	int depth, ctype, ilace, passes, channels;
	uint32_t pw, ph;
	size_t rowbytes;

	png_set_read_fn(c->png, c, img_png_read);
	png_set_user_limits(c->png, c->opts->limits.max_side, c->opts->limits.max_side);
	png_set_chunk_malloc_max(c->png, IMG_PNG_CHUNK_MAX);
	png_set_chunk_cache_max(c->png, 1000);
	png_read_info(c->png, c->info);
	png_get_IHDR(c->png, c->info, &w, &h, &depth, &ctype, &ilace, NULL, NULL);
	c->err = img_check_dims(w, h, &c->opts->limits, "PNG", c->msg, sizeof(c->msg));
	if (c->err != INK_OK)
		png_longjmp(c->png, 1);

	png_set_expand(c->png);
	png_set_scale_16(c->png);
	if (ctype & PNG_COLOR_MASK_COLOR)
		png_set_rgb_to_gray_fixed(c->png, 1, 29900, 58700); /* ITU-R 601, as PIL's "L" */
	passes = png_set_interlace_handling(c->png);
	png_read_update_info(c->png, c->info);
	channels = png_get_channels(c->png, c->info);
	rowbytes = png_get_rowbytes(c->png, c->info);
	if ((channels != 1 && channels != 2) || rowbytes != (size_t)w * channels) {
		c->err = INK_INTERNAL;
		img_why(c->msg, sizeof(c->msg), "PNG transform gave %d channels", channels);
		png_longjmp(c->png, 1);
	}

	img_page_size(w, h, c->opts->max_side, &pw, &ph);
	c->page.px = img_xmalloc((size_t)pw, ph);
	c->gray = malloc(w);
	c->rows = img_xmalloc(rowbytes, passes > 1 ? h : 1);
	if (c->page.px == NULL || c->gray == NULL || c->rows == NULL ||
	    img_shrink_init(&c->shr, w, h, pw, ph, c->page.px) != INK_OK) {
		c->err = INK_RESOURCE_EXHAUSTED;
		img_why(c->msg, sizeof(c->msg), "out of memory decoding a %ux%u PNG", w, h);
		png_longjmp(c->png, 1);
	}
	c->page.w = pw;
	c->page.h = ph;

	if (passes > 1) {
		memset(c->rows, 0, rowbytes * h);
		for (int p = 0; p < passes; p++)
			for (png_uint_32 y = 0; y < h; y++)
				png_read_row(c->png, c->rows + rowbytes * y, NULL);
	}
	for (png_uint_32 y = 0; y < h; y++) {
		uint8_t *row = c->rows;

		if (passes > 1)
			row += rowbytes * y;
		else
			png_read_row(c->png, row, NULL);
		img_png_to_gray(c, row, w, channels);
		img_shrink_row(&c->shr, c->gray);
	}
}

static int img_png_run(img_png *c)
{
	if (setjmp(png_jmpbuf(c->png)))
		return -1;
	img_png_body(c);
	return 0;
}

ink_err img_decode_png(const uint8_t *d, size_t n, const img_opts *o, img_gray *out, char *why,
                       size_t why_len)
{
	img_png c;
	ink_err err = INK_OK;

	memset(&c, 0, sizeof(c));
	c.data = d;
	c.len = n;
	c.opts = o;
	if (n < 8 || png_sig_cmp(d, 0, 8) != 0) {
		img_why(why, why_len, "not a PNG file");
		return INK_INVALID_ARGUMENT;
	}
	/* Refuse a bomb from IHDR's bytes, before libpng allocates anything. */
	if (n >= 24 && memcmp(d + 12, "IHDR", 4) == 0) {
		uint32_t w =
		    (uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19];
		uint32_t h =
		    (uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 | (uint32_t)d[22] << 8 | d[23];

		err = img_check_dims(w, h, &o->limits, "PNG", why, why_len);
		if (err != INK_OK)
			return err;
	}
	c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, img_png_error, img_png_warning);
	if (c.png != NULL)
		c.info = png_create_info_struct(c.png);
	if (c.png == NULL || c.info == NULL) {
		img_why(why, why_len, "out of memory starting the PNG decoder");
		err = INK_RESOURCE_EXHAUSTED;
		goto out;
	}
	if (img_png_run(&c) != 0) {
		err = c.err != INK_OK ? c.err : INK_INTERNAL;
		img_why(why, why_len, "%s", c.msg[0] ? c.msg : "PNG decoder failed");
		goto out;
	}
	*out = c.page;
	c.page.px = NULL;
out:
	if (c.png != NULL)
		png_destroy_read_struct(&c.png, c.info ? &c.info : NULL, NULL);
	img_shrink_fini(&c.shr);
	free(c.rows);
	free(c.gray);
	img_gray_fini(&c.page);
	return err;
}
