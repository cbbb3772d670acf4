/*
 * decode_png.c - PNG bytes to a page-size gray (and RGB) raster, via libpng's progressive
 * reader.
 *
 * libpng expands every flavour (palette, gray 1..16 bit, RGB, alpha, tRNS) to 8-bit gray
 * (+ alpha) or to RGB (+ alpha), RGB keeping 16 bits when the file has them. The gray of a
 * colour pixel is computed here exactly as libpng's rgb_to_gray computes it (ITU-R 601
 * weights, through the file's gamma when it declares one; img_png_luma), so px is the same
 * as when libpng made the gray itself, and the RGB comes with it from one decode. Alpha
 * keeps the colour and makes only the fully transparent white (img_png_alpha). Rows stream into
 * shrink.c (an interlaced file's passes into a page of sums), so only the page is held.
 *
 * Why the progressive reader: we push the bytes, so decoding stops at the last row the
 * header declares. libpng's sequential reader, after the last row, inflates whatever is
 * left of the zlib stream to find its end; a 20 MB stream of compressed zeros there burned
 * a core for a minute. Here inflation stops at the declared size (rows * row bytes, and at
 * most one row more: libpng ends the stream at the first byte past the image), the bytes
 * after it are never looked at, and the deadline is checked every row. Dimensions are
 * checked from IHDR before anything is allocated, and again by png_set_user_limits. libpng
 * reports errors through png_error -> our error function -> longjmp; its message becomes
 * the user's reason.
 */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"
#include "png_luma.h"

/* Ancillary chunks (text, ICC) bigger than this are refused: a zTXt bomb can't grow. */
#define IMG_PNG_CHUNK_MAX ((png_alloc_size_t)8 * 1024 * 1024)
/* Bytes handed to libpng at a time; after the last row we stop handing. */
#define IMG_PNG_FEED ((size_t)64 * 1024)

typedef struct img_png {
	png_structp png;
	png_infop info;
	const uint8_t *data;
	size_t len;
	const img_opts *opts;
	uint32_t w, h;
	int ready;          /* IHDR seen, buffers made */
	int colour;         /* RGB or palette source: rgb is made too */
	int deep;           /* colour rows come out with 16-bit samples */
	int alpha;          /* rows carry alpha */
	int interlaced;     /* Adam7: rows come pass by pass, into the bins */
	uint64_t rows_left; /* rows (of every pass) still to come */
	img_png_luma luma;
	img_gray page;           /* the result */
	img_shrink shr, shr_rgb; /* not interlaced */
	img_bin bin, bin_rgb;    /* interlaced */
	uint8_t *gray, *rgb;     /* one converted row: w and 3w bytes */
	ink_err err;             /* what a longjmp means */
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

/* Fails the decode with err and a reason (under libpng's setjmp). */
static void img_png_fail(img_png *c, ink_err err, const char *what)
{
	if (c->err == INK_OK) {
		c->err = err;
		img_why(c->msg, sizeof(c->msg), "%s", what);
	}
	png_longjmp(c->png, 1);
}

/* Alpha: the photo's own colour wherever it has one, white paper where it has none. PNG
 * alpha is straight (not premultiplied), so a partly transparent pixel still holds the
 * photo's colour: a vignette or a faded export is a mask over the picture, and the page
 * draws the picture, as page-quality judges it (PIL's convert("L") drops the alpha).
 * Compositing over white (even with the alpha lifted 4x) washed a vignette's margin out to
 * white and its lines with it: tmshre_riaphotographs_alpha scored lines 0.83 and detail
 * 0.81 where the same pixels opaque score 0.86 and 0.84. A fully transparent pixel has no
 * colour (encoders leave anything there, often black): it is paper. */
static unsigned img_png_alpha(unsigned v, unsigned a)
{
	return a == 0 ? 255u : v;
}

/* One decoded row of n pixels -> c->gray (and c->rgb), transparent pixels white. */
static void img_png_convert(img_png *c, const uint8_t *row, uint32_t n)
{
	size_t step = (size_t)(3 + c->alpha) << c->deep;

	if (!c->colour) {
		if (!c->alpha) {
			memcpy(c->gray, row, n);
			return;
		}
		for (uint32_t x = 0; x < n; x++)
			c->gray[x] = (uint8_t)img_png_alpha(row[2 * x], row[2 * x + 1]);
		return;
	}
	for (uint32_t x = 0; x < n; x++) {
		const uint8_t *p = row + x * step;
		uint8_t *o = c->rgb + 3 * (size_t)x;
		unsigned r, g, b, y, a = 255;

		if (c->deep) {
			unsigned R = (unsigned)p[0] << 8 | p[1], G = (unsigned)p[2] << 8 | p[3];
			unsigned B = (unsigned)p[4] << 8 | p[5];

			y = img_png_scale16(img_png_luma16(&c->luma, R, G, B));
			r = img_png_scale16(R);
			g = img_png_scale16(G);
			b = img_png_scale16(B);
			if (c->alpha)
				a = img_png_scale16((unsigned)p[6] << 8 | p[7]);
		} else {
			r = p[0];
			g = p[1];
			b = p[2];
			y = img_png_luma8(&c->luma, r, g, b);
			if (c->alpha)
				a = p[3];
		}
		if (a != 255) {
			y = img_png_alpha(y, a);
			r = img_png_alpha(r, a);
			g = img_png_alpha(g, a);
			b = img_png_alpha(b, a);
		}
		c->gray[x] = (uint8_t)y;
		o[0] = (uint8_t)r;
		o[1] = (uint8_t)g;
		o[2] = (uint8_t)b;
	}
}

/* Rows of every non-empty Adam7 pass (libpng skips the empty ones). */
static uint64_t img_png_rows(uint32_t w, uint32_t h, int interlaced)
{
	uint64_t n = 0;

	if (!interlaced)
		return h;
	for (int p = 0; p < 7; p++)
		if (PNG_PASS_COLS(w, p) != 0 && PNG_PASS_ROWS(h, p) != 0)
			n += PNG_PASS_ROWS(h, p);
	return n;
}

/* Page buffers and the shrinkers (or bins) for a w x h source. */
static void img_png_alloc(img_png *c)
{
	uint32_t pw, ph;
	ink_err err;

	img_page_size(c->w, c->h, c->opts->max_side, &pw, &ph);
	c->page.px = img_xmalloc(pw, ph);
	c->gray = malloc(c->w);
	if (c->colour) {
		c->page.rgb = img_xmalloc((size_t)pw * ph, 3);
		c->rgb = img_xmalloc(c->w, 3);
	}
	if (c->page.px == NULL || c->gray == NULL || (c->colour && c->page.rgb == NULL) ||
	    (c->colour && c->rgb == NULL))
		img_png_fail(c, INK_RESOURCE_EXHAUSTED, "out of memory decoding the PNG");
	c->page.w = pw;
	c->page.h = ph;
	if (c->interlaced) {
		err = img_bin_init(&c->bin, c->w, c->h, pw, ph, 1, c->page.px);
		if (err == INK_OK && c->colour)
			err = img_bin_init(&c->bin_rgb, c->w, c->h, pw, ph, 3, c->page.rgb);
	} else {
		err = img_shrink_init(&c->shr, c->w, c->h, pw, ph, c->page.px);
		if (err == INK_OK && c->colour)
			err = img_shrink_init_ch(&c->shr_rgb, c->w, c->h, pw, ph, 3, c->page.rgb);
	}
	if (err != INK_OK)
		img_png_fail(c, err,
		             err == INK_PAYLOAD_TOO_LARGE ? "PNG is too large to shrink"
		                                          : "out of memory decoding the PNG");
}

/* libpng's info callback: IHDR and the chunks before the first IDAT are in. */
static void img_png_info(png_structp png, png_infop info)
{
	img_png *c = png_get_progressive_ptr(png);
	png_uint_32 w, h;
	int depth, ctype, ilace, channels;
	size_t rowbytes;

	png_get_IHDR(png, info, &w, &h, &depth, &ctype, &ilace, NULL, NULL);
	c->err = img_check_dims(w, h, &c->opts->limits, "PNG", c->msg, sizeof(c->msg));
	if (c->err != INK_OK)
		png_longjmp(png, 1);
	c->w = w;
	c->h = h;
	c->colour = (ctype & PNG_COLOR_MASK_COLOR) != 0;
	c->deep = c->colour && depth == 16;
	c->interlaced = ilace != PNG_INTERLACE_NONE;
	png_set_expand(png);
	if (!c->deep)
		png_set_scale_16(png);
	png_read_update_info(png, info);
	channels = png_get_channels(png, info);
	rowbytes = png_get_rowbytes(png, info);
	c->alpha = channels == (c->colour ? 4 : 2);
	if (channels != (c->colour ? 3 : 1) + c->alpha ||
	    rowbytes != ((size_t)w * (size_t)channels << c->deep)) {
		c->err = INK_INTERNAL;
		img_why(c->msg, sizeof(c->msg), "PNG transform gave %d channels", channels);
		png_longjmp(png, 1);
	}
	if (c->colour)
		img_png_luma_init(c->png, c->info, depth, &c->luma);
	img_png_alloc(c);
	c->rows_left = img_png_rows(c->w, c->h, c->interlaced);
	c->ready = 1;
}

/* libpng's row callback: row y of `pass` (an interlaced file's rows are the pass's own,
 * 1/8..1/1 as wide). */
static void img_png_row(png_structp png, png_bytep row, png_uint_32 y, int pass)
{
	img_png *c = png_get_progressive_ptr(png);
	uint32_t n = c->w, x0 = 0, step = 1;

	if (row == NULL || c->rows_left == 0)
		return;
	if (img_past_deadline(&c->opts->limits))
		img_png_fail(c, INK_DEADLINE_EXCEEDED, "conversion took longer than its deadline");
	if (c->interlaced) {
		n = PNG_PASS_COLS(c->w, pass);
		x0 = PNG_PASS_START_COL(pass);
		step = 1u << PNG_PASS_COL_SHIFT(pass);
		y = PNG_PASS_START_ROW(pass) + (y << PNG_PASS_ROW_SHIFT(pass));
	}
	img_png_convert(c, row, n);
	if (c->interlaced) {
		img_bin_add(&c->bin, y, x0, step, c->gray, n);
		if (c->colour)
			img_bin_add(&c->bin_rgb, y, x0, step, c->rgb, n);
	} else {
		img_shrink_row(&c->shr, c->gray);
		if (c->colour)
			img_shrink_row(&c->shr_rgb, c->rgb);
	}
	c->rows_left--;
}

/* Everything that can png_error; runs under img_png_run's setjmp. Allocations go into c so
 * the caller can free them whatever happens. */
static void img_png_body(img_png *c)
{
	png_set_user_limits(c->png, c->opts->limits.max_side, c->opts->limits.max_side);
	png_set_chunk_malloc_max(c->png, IMG_PNG_CHUNK_MAX);
	png_set_chunk_cache_max(c->png, 1000);
	png_set_progressive_read_fn(c->png, c, img_png_info, img_png_row, NULL);
	for (size_t pos = 0; pos < c->len && !(c->ready && c->rows_left == 0);) {
		size_t n = c->len - pos < IMG_PNG_FEED ? c->len - pos : IMG_PNG_FEED;

		if (img_past_deadline(&c->opts->limits))
			img_png_fail(c, INK_DEADLINE_EXCEEDED,
			             "conversion took longer than its deadline");
		/* libpng only reads the buffer (its prototype predates const). */
		png_process_data(c->png, c->info, (png_bytep)(uintptr_t)(c->data + pos), n);
		pos += n;
	}
	if (!c->ready || c->rows_left != 0)
		img_png_fail(c, INK_INVALID_ARGUMENT, "PNG is truncated");
	if (c->interlaced) {
		img_bin_finish(&c->bin);
		img_bin_finish(&c->bin_rgb);
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
	img_png *c;
	ink_err err = INK_OK;

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
	/* On the heap: the gamma tables are 25 KiB. */
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		img_why(why, why_len, "out of memory starting the PNG decoder");
		return INK_RESOURCE_EXHAUSTED;
	}
	c->data = d;
	c->len = n;
	c->opts = o;
	c->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, img_png_error, img_png_warning);
	if (c->png != NULL)
		c->info = png_create_info_struct(c->png);
	if (c->png == NULL || c->info == NULL) {
		img_why(why, why_len, "out of memory starting the PNG decoder");
		err = INK_RESOURCE_EXHAUSTED;
		goto out;
	}
	if (img_png_run(c) != 0) {
		err = c->err != INK_OK ? c->err : INK_INTERNAL;
		img_why(why, why_len, "%s", c->msg[0] ? c->msg : "PNG decoder failed");
		goto out;
	}
	*out = c->page;
	c->page.px = c->page.rgb = NULL;
out:
	if (c->png != NULL)
		png_destroy_read_struct(&c->png, c->info ? &c->info : NULL, NULL);
	img_shrink_fini(&c->shr);
	img_shrink_fini(&c->shr_rgb);
	img_bin_fini(&c->bin);
	img_bin_fini(&c->bin_rgb);
	free(c->gray);
	free(c->rgb);
	img_gray_fini(&c->page);
	free(c);
	return err;
}
