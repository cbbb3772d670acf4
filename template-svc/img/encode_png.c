/*
 * encode_png.c - the page as an 8-bit grayscale PNG in memory, via libpng.
 *
 * Pages are white with antialiased black curves: long white runs, so zlib's fastest level
 * with the RLE strategy and no row filter is both the quickest and nearly the smallest.
 */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

typedef struct img_penc {
	png_structp png;
	png_infop info;
	img_bytes out;
	uint8_t *row;
	ink_err err;
	char msg[160];
} img_penc;

static void img_penc_error(png_structp png, png_const_charp msg)
{
	img_penc *c = png_get_error_ptr(png);

	if (c->err == INK_OK) {
		c->err = INK_INTERNAL;
		img_why(c->msg, sizeof(c->msg), "PNG encoder: %s", msg);
	}
	png_longjmp(png, 1);
}

static void img_penc_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void img_penc_write(png_structp png, png_bytep data, size_t n)
{
	img_penc *c = png_get_io_ptr(png);

	if (img_bytes_add(&c->out, data, n) != INK_OK) {
		c->err = INK_RESOURCE_EXHAUSTED;
		img_why(c->msg, sizeof(c->msg), "out of memory encoding the page");
		png_error(png, "out of memory");
	}
}

static void img_penc_flush(png_structp png)
{
	(void)png;
}

static int img_penc_run(img_penc *c, const uint8_t *gray, uint32_t w, uint32_t h)
{
	if (setjmp(png_jmpbuf(c->png)))
		return -1;
	png_set_write_fn(c->png, c, img_penc_write, img_penc_flush);
	png_set_IHDR(c->png, c->info, w, h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(c->png, 1);
	png_set_compression_strategy(c->png, 3 /* Z_RLE */);
	png_set_filter(c->png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	png_write_info(c->png, c->info);
	for (uint32_t y = 0; y < h; y++) {
		memcpy(c->row, gray + (size_t)y * w, w);
		png_write_row(c->png, c->row);
	}
	png_write_end(c->png, NULL);
	return 0;
}

ink_err img_encode_png(const uint8_t *gray, uint32_t w, uint32_t h, uint8_t **png, size_t *len,
                       char *why, size_t why_len)
{
	img_penc c;
	ink_err err = INK_OK;

	memset(&c, 0, sizeof(c));
	c.row = malloc(w);
	if (c.row != NULL)
		c.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, img_penc_error,
		                                img_penc_warning);
	if (c.png != NULL)
		c.info = png_create_info_struct(c.png);
	if (c.row == NULL || c.png == NULL || c.info == NULL) {
		img_why(why, why_len, "out of memory encoding the page");
		err = INK_RESOURCE_EXHAUSTED;
		goto out;
	}
	if (img_penc_run(&c, gray, w, h) != 0) {
		err = c.err != INK_OK ? c.err : INK_INTERNAL;
		img_why(why, why_len, "%s", c.msg[0] ? c.msg : "PNG encoder failed");
		goto out;
	}
	*png = c.out.buf;
	*len = c.out.len;
	c.out.buf = NULL;
out:
	if (c.png != NULL)
		png_destroy_write_struct(&c.png, c.info ? &c.info : NULL);
	free(c.out.buf);
	free(c.row);
	return err;
}
