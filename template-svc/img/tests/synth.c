/*
 * synth.c - see synth.h. Encoders are libpng's write API and libjpeg's compressor writing
 * to memory; the EXIF block is a minimal little-endian TIFF with one Orientation entry.
 */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <zlib.h>

#include "synth.h"

static uint32_t synth_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static double synth_abs(double v)
{
	return v < 0 ? -v : v;
}

static void synth_put(uint8_t *p, unsigned r, unsigned g, unsigned b, unsigned a)
{
	p[0] = (uint8_t)r;
	p[1] = (uint8_t)g;
	p[2] = (uint8_t)b;
	p[3] = (uint8_t)a;
}

/* Block letters I, N, K on a 5x7 grid each. */
static int synth_text_at(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	static const char *glyph[3][7] = {
	    {"11111", "00100", "00100", "00100", "00100", "00100", "11111"},
	    {"10001", "11001", "10101", "10101", "10011", "10001", "10001"},
	    {"10001", "10010", "10100", "11000", "10100", "10010", "10001"},
	};
	uint32_t cell = w / 22 < h / 11 ? w / 22 : h / 11;
	uint32_t gx, gy, ch;

	if (cell == 0)
		return 0;
	if (x < 2 * cell || y < 2 * cell)
		return 0;
	gx = (x - 2 * cell) / cell;
	gy = (y - 2 * cell) / cell;
	if (gy >= 7 || gx >= 18)
		return 0;
	ch = gx / 6;
	if (gx % 6 == 5)
		return 0;
	return glyph[ch][gy][gx % 6] == '1';
}

/* One pixel of SYNTH_SHAPES (fade 0) or SYNTH_ALPHA (fade 1: alpha falling left to right,
 * the last twentieth fully transparent over black, as encoders often leave it). */
static void synth_shapes_px(uint8_t *p, double fx, double fy, unsigned n, int fade)
{
	/* Ground: mid gray with mild texture. */
	unsigned g = 150 + (n & 15);
	unsigned a = fade ? (unsigned)(255 * (1 - fx)) : 255;
	double dx = fx - 0.3, dy = fy - 0.35;

	if (fade && fx >= 0.95) {
		synth_put(p, 0, 0, 0, 0);
		return;
	}
	synth_put(p, g, g + 10, g - 10, a);
	if (dx * dx + dy * dy < 0.04)
		synth_put(p, 220, 40, 40, a); /* disc */
	if (fx > 0.6 && fx < 0.9 && fy > 0.15 && fy < 0.45)
		synth_put(p, 30, 60, 200, a); /* square */
	if (fy > 0.6 && fy < 0.9 && synth_abs(fx - 0.5) < (fy - 0.6))
		synth_put(p, 250, 230, 60, a); /* triangle */
}

uint8_t *synth_rgba(synth_scene s, uint32_t w, uint32_t h)
{
	uint8_t *px = malloc((size_t)w * h * 4);
	uint32_t seed = 0x2545F491u;

	if (px == NULL)
		return NULL;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint8_t *p = px + ((size_t)y * w + x) * 4;
			double fx = (double)x / w, fy = (double)y / h;
			unsigned n = synth_rand(&seed);

			switch (s) {
			case SYNTH_SHAPES:
			case SYNTH_ALPHA:
				synth_shapes_px(p, fx, fy, n, s == SYNTH_ALPHA);
				break;
			case SYNTH_GRADIENT: {
				unsigned g = (unsigned)(255 * (fx + fy) / 2);

				synth_put(p, g, g, 255 - g, 255);
				break;
			}
			case SYNTH_NOISE:
				synth_put(p, n & 255, (n >> 8) & 255, (n >> 16) & 255, 255);
				break;
			case SYNTH_TEXT: {
				unsigned g = synth_text_at(x, y, w, h) ? 20 : 235;

				synth_put(p, g, g, g, 255);
				break;
			}
			case SYNTH_WHITE:
				synth_put(p, 255, 255, 255, 255);
				break;
			case SYNTH_BLACK:
				synth_put(p, 0, 0, 0, 255);
				break;
			}
		}
	}
	return px;
}

typedef struct synth_buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
} synth_buf;

/* Appends n bytes to b (b->oom latches a failed realloc). */
static void synth_append(synth_buf *b, const uint8_t *p, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2;
		uint8_t *np = realloc(b->p, cap);

		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void synth_png_write(png_structp png, png_bytep data, size_t n)
{
	synth_append(png_get_io_ptr(png), data, n);
}

static void synth_png_flush(png_structp png)
{
	(void)png;
}

static unsigned synth_luma(const uint8_t *p)
{
	return (p[0] * 299u + p[1] * 587u + p[2] * 114u + 500u) / 1000u;
}

/* One row of rgba in the layout of kind. */
static void synth_png_row(const uint8_t *rgba, uint32_t w, synth_png_kind kind, uint8_t *row)
{
	for (uint32_t x = 0; x < w; x++) {
		const uint8_t *p = rgba + 4 * (size_t)x;
		unsigned l = synth_luma(p);

		switch (kind) {
		case SP_GRAY8:
			row[x] = (uint8_t)l;
			break;
		case SP_GRAY1:
			if (x % 8 == 0)
				row[x / 8] = 0;
			if (l >= 128)
				row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
			break;
		case SP_GRAY16:
			row[2 * x] = (uint8_t)l;
			row[2 * x + 1] = (uint8_t)(x * 7);
			break;
		case SP_GRAYA8:
			row[2 * x] = (uint8_t)l;
			row[2 * x + 1] = p[3];
			break;
		case SP_RGB8:
		case SP_RGB8_TRNS:
			memcpy(row + 3 * x, p, 3);
			break;
		case SP_RGB16:
			for (int c = 0; c < 3; c++) {
				row[6 * x + 2 * c] = p[c];
				row[6 * x + 2 * c + 1] = p[c];
			}
			break;
		case SP_RGBA8:
			memcpy(row + 4 * x, p, 4);
			break;
		case SP_PALETTE:
			/* 6x6x6 colour cube index. */
			row[x] = (uint8_t)(p[0] / 43 * 36 + p[1] / 43 * 6 + p[2] / 43);
			break;
		}
	}
}

uint8_t *synth_png(const uint8_t *rgba, uint32_t w, uint32_t h, synth_png_kind kind, int interlace,
                   size_t *len)
{
	static const int ctype[] = {
	    PNG_COLOR_TYPE_GRAY,       PNG_COLOR_TYPE_GRAY,    PNG_COLOR_TYPE_GRAY,
	    PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,     PNG_COLOR_TYPE_RGB,
	    PNG_COLOR_TYPE_RGBA,       PNG_COLOR_TYPE_PALETTE, PNG_COLOR_TYPE_RGB};
	static const int depth[] = {8, 16, 1, 8, 8, 16, 8, 8, 8};
	synth_buf b = {0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *row = malloc((size_t)w * 8 + 8);
	png_color pal[216];
	png_byte trans[216];
	png_color_16 key = {0, 220, 40, 40, 0};

	if (png == NULL || info == NULL || row == NULL)
		goto fail;
	if (setjmp(png_jmpbuf(png)))
		goto fail;
	png_set_write_fn(png, &b, synth_png_write, synth_png_flush);
	png_set_IHDR(png, info, w, h, depth[kind], ctype[kind],
	             interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (kind == SP_PALETTE) {
		for (int i = 0; i < 216; i++) {
			pal[i].red = (png_byte)(i / 36 * 51);
			pal[i].green = (png_byte)(i / 6 % 6 * 51);
			pal[i].blue = (png_byte)(i % 6 * 51);
			trans[i] = (png_byte)(i < 36 ? 128 : 255);
		}
		png_set_PLTE(png, info, pal, 216);
		png_set_tRNS(png, info, trans, 216, NULL);
	}
	if (kind == SP_RGB8_TRNS)
		png_set_tRNS(png, info, NULL, 0, &key);
	png_write_info(png, info);
	{
		int passes = interlace ? png_set_interlace_handling(png) : 1;

		for (int pass = 0; pass < passes; pass++) {
			for (uint32_t y = 0; y < h; y++) {
				synth_png_row(rgba + (size_t)y * w * 4, w, kind, row);
				png_write_row(png, row);
			}
		}
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
fail:
	png_destroy_write_struct(&png, info ? &info : NULL);
	free(row);
	free(b.p);
	return NULL;
}

/* APP1 "Exif\0\0" + little-endian TIFF with IFD0 = { Orientation (0x0112) SHORT 1 = o }. */
static size_t synth_exif(uint8_t *out, int o)
{
	static const uint8_t tmpl[] = {
	    'E',  'x',  'i', 'f', 0, 0,                   /* header */
	    'I',  'I',  42,  0,   8, 0, 0, 0,             /* TIFF: LE, IFD0 at 8 */
	    1,    0,                                      /* 1 entry */
	    0x12, 0x01, 3,   0,   1, 0, 0, 0, 1, 0, 0, 0, /* Orientation SHORT x1 = ? */
	    0,    0,    0,   0,                           /* next IFD: none */
	};

	memcpy(out, tmpl, sizeof(tmpl));
	out[6 + 8 + 2 + 8] = (uint8_t)o;
	return sizeof(tmpl);
}

static uint8_t *synth_jpeg_any(const uint8_t *rgba, uint32_t w, uint32_t h, int components,
                               int progressive, int quality, int orientation, int hs, int vs,
                               size_t *len);

uint8_t *synth_jpeg(const uint8_t *rgba, uint32_t w, uint32_t h, int components, int progressive,
                    int quality, int orientation, size_t *len)
{
	return synth_jpeg_any(rgba, w, h, components, progressive, quality, orientation, 0, 0, len);
}

uint8_t *synth_jpeg_sampled(const uint8_t *rgba, uint32_t w, uint32_t h, int hs, int vs,
                            int progressive, int quality, size_t *len)
{
	return synth_jpeg_any(rgba, w, h, 3, progressive, quality, 0, hs, vs, len);
}

/* hs, vs: luma sampling factors, 0 for jpeg_set_defaults'. */
static uint8_t *synth_jpeg_any(const uint8_t *rgba, uint32_t w, uint32_t h, int components,
                               int progressive, int quality, int orientation, int hs, int vs,
                               size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *mem = NULL;
	unsigned long mlen = 0;
	uint8_t *row = malloc((size_t)w * 4), *out = NULL;

	if (row == NULL)
		return NULL;
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &mlen);
	c.image_width = w;
	c.image_height = h;
	c.input_components = components;
	c.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	if (hs > 0 && vs > 0) {
		c.comp_info[0].h_samp_factor = hs;
		c.comp_info[0].v_samp_factor = vs;
	}
	if (progressive)
		jpeg_simple_progression(&c);
	if (components == 4)
		c.write_Adobe_marker = TRUE;
	jpeg_start_compress(&c, TRUE);
	if (orientation > 0) {
		uint8_t exif[64];
		size_t n = synth_exif(exif, orientation);

		jpeg_write_marker(&c, JPEG_APP0 + 1, exif, (unsigned)n);
	}
	while (c.next_scanline < h) {
		const uint8_t *p = rgba + (size_t)c.next_scanline * w * 4;
		JSAMPROW r[1] = {row};

		for (uint32_t x = 0; x < w; x++) {
			if (components == 1) {
				row[x] = (uint8_t)synth_luma(p + 4 * x);
			} else if (components == 3) {
				memcpy(row + 3 * x, p + 4 * x, 3);
			} else {
				/* Adobe CMYK stores inverted: value = 255 - ink; K = 0 ink. */
				row[4 * x] = p[4 * x];
				row[4 * x + 1] = p[4 * x + 1];
				row[4 * x + 2] = p[4 * x + 2];
				row[4 * x + 3] = 255;
			}
		}
		jpeg_write_scanlines(&c, r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	out = malloc(mlen ? mlen : 1);
	if (out != NULL) {
		memcpy(out, mem, mlen);
		*len = mlen;
	}
	free(mem);
	return out;
}

uint8_t *synth_read_page(const uint8_t *png, size_t len, uint32_t *w, uint32_t *h)
{
	png_image img;
	uint8_t *px;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, png, len))
		return NULL;
	img.format = PNG_FORMAT_GRAY;
	px = malloc(PNG_IMAGE_SIZE(img));
	if (px == NULL || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
		free(px);
		png_image_free(&img);
		return NULL;
	}
	*w = img.width;
	*h = img.height;
	return px;
}

static void synth_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Appends one chunk (length, type, data, CRC) to b. */
static void synth_put_chunk(synth_buf *b, const char *type, const uint8_t *data, size_t n)
{
	uint8_t hdr[8], crc[4];
	uint32_t c = (uint32_t)crc32(0, (const Bytef *)type, 4);

	if (n > 0)
		c = (uint32_t)crc32(c, data, (uInt)n);
	synth_be32(hdr, (uint32_t)n);
	memcpy(hdr + 4, type, 4);
	synth_be32(crc, c);
	synth_append(b, hdr, 8);
	synth_append(b, data, n);
	synth_append(b, crc, 4);
}

static uint8_t *synth_take(synth_buf *b, size_t *len)
{
	if (b->oom) {
		free(b->p);
		return NULL;
	}
	*len = b->len;
	return b->p;
}

uint8_t *synth_png_chunk(const uint8_t *png, size_t len, const char *type, const uint8_t *data,
                         size_t n, size_t *out_len)
{
	synth_buf b = {0};
	const size_t ihdr_end = 8 + 8 + 13 + 4; /* signature, IHDR */

	if (len < ihdr_end)
		return NULL;
	synth_append(&b, png, ihdr_end);
	synth_put_chunk(&b, type, data, n);
	synth_append(&b, png + ihdr_end, len - ihdr_end);
	return synth_take(&b, out_len);
}

/* Deflates in[0..n) with `flush` into b. */
static int synth_deflate(z_stream *z, synth_buf *b, const uint8_t *in, size_t n, int flush)
{
	uint8_t out[16384];
	int ret;

	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)n;
	do {
		z->next_out = out;
		z->avail_out = sizeof(out);
		ret = deflate(z, flush);
		if (ret == Z_STREAM_ERROR)
			return -1;
		synth_append(b, out, sizeof(out) - z->avail_out);
	} while (z->avail_out == 0);
	return 0;
}

uint8_t *synth_png_trailing(uint32_t w, uint32_t h, uint64_t zeros, size_t *len)
{
	static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	const size_t mib = (size_t)1 << 20;
	synth_buf zs = {0}, out = {0};
	uint8_t ihdr[13], adler[4];
	uint8_t *row = calloc((size_t)w + 1, 1), *zero = calloc(mib, 1);
	uint32_t ad = (uint32_t)adler32(0, NULL, 0), ad_mib;
	size_t block_start, block_len;
	uint64_t blocks = (zeros + mib - 1) / mib;
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (row == NULL || zero == NULL || deflateInit(&z, 9) != Z_OK) {
		free(row);
		free(zero);
		return NULL;
	}
	for (uint32_t y = 0; y < h; y++) {
		row[0] = 0; /* filter: none */
		for (uint32_t x = 0; x < w; x++)
			row[1 + x] = (uint8_t)((x + y) * 255 / (w + h));
		ad = (uint32_t)adler32(ad, row, w + 1);
		(void)synth_deflate(&z, &zs, row, w + 1, Z_NO_FLUSH);
	}
	(void)synth_deflate(&z, &zs, NULL, 0, Z_FULL_FLUSH);
	/* After a full flush the compressor starts afresh, so a MiB of zeros compresses to the
	 * same bytes every time: make them once, repeat them. */
	block_start = zs.len;
	(void)synth_deflate(&z, &zs, zero, mib, Z_FULL_FLUSH);
	block_len = zs.len - block_start;
	ad_mib = (uint32_t)adler32(adler32(0, NULL, 0), zero, (uInt)mib);
	if (!zs.oom && block_len <= mib)
		memcpy(zero, zs.p + block_start, block_len); /* zero is spare now: the block */
	for (uint64_t i = 0; i < blocks; i++) {
		if (i > 0)
			synth_append(&zs, zero, block_len);
		ad = (uint32_t)adler32_combine(ad, ad_mib, (z_off_t)mib);
	}
	deflateEnd(&z);
	/* The end: an empty final block with fixed codes, then the Adler-32 of all of it. */
	synth_append(&zs, (const uint8_t *)"\x03\x00", 2);
	synth_be32(adler, ad);
	synth_append(&zs, adler, 4);
	free(row);
	free(zero);

	synth_be32(ihdr, w);
	synth_be32(ihdr + 4, h);
	ihdr[8] = 8;  /* depth */
	ihdr[9] = 0;  /* gray */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filters */
	ihdr[12] = 0; /* no interlace */
	synth_append(&out, sig, 8);
	synth_put_chunk(&out, "IHDR", ihdr, 13);
	for (size_t pos = 0; !zs.oom && pos < zs.len; pos += mib)
		synth_put_chunk(&out, "IDAT", zs.p + pos, zs.len - pos < mib ? zs.len - pos : mib);
	synth_put_chunk(&out, "IEND", NULL, 0);
	out.oom |= zs.oom;
	free(zs.p);
	return synth_take(&out, len);
}

typedef struct synth_src {
	const uint8_t *p;
	size_t len, pos;
} synth_src;

static void synth_png_read(png_structp png, png_bytep out, size_t n)
{
	synth_src *s = png_get_io_ptr(png);

	if (n > s->len - s->pos)
		png_error(png, "truncated");
	memcpy(out, s->p + s->pos, n);
	s->pos += n;
}

static void synth_png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

uint8_t *synth_png_reference(const uint8_t *data, size_t len, int rgb, uint32_t *w, uint32_t *h)
{
	synth_src src = {data, len, 0};
	png_structp png =
	    png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, synth_png_quiet);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *volatile img = NULL, *volatile out = NULL;
	png_bytep *volatile rows = NULL;
	png_uint_32 pw, ph;
	int depth, ctype, ch, och;

	if (png == NULL || info == NULL)
		goto fail;
	if (setjmp(png_jmpbuf(png)))
		goto fail;
	png_set_read_fn(png, &src, synth_png_read);
	png_read_info(png, info);
	png_get_IHDR(png, info, &pw, &ph, &depth, &ctype, NULL, NULL, NULL);
	if (rgb && !(ctype & PNG_COLOR_MASK_COLOR))
		goto fail;
	png_set_expand(png);
	png_set_scale_16(png);
	if (!rgb && (ctype & PNG_COLOR_MASK_COLOR))
		png_set_rgb_to_gray_fixed(png, 1, 29900, 58700);
	(void)png_set_interlace_handling(png);
	png_read_update_info(png, info);
	ch = png_get_channels(png, info);
	och = rgb ? 3 : 1;
	img = malloc((size_t)pw * ph * ch);
	out = malloc((size_t)pw * ph * och);
	rows = malloc(ph * sizeof(*rows));
	if (img == NULL || out == NULL || rows == NULL)
		goto fail;
	for (png_uint_32 y = 0; y < ph; y++)
		rows[y] = img + (size_t)y * pw * ch;
	png_read_image(png, rows);
	for (size_t i = 0; i < (size_t)pw * ph; i++) {
		unsigned a = ch == och + 1 ? img[i * ch + och] : 255;

		/* The engine keeps the colour under any alpha but 0 (decode_png.c). */
		for (int c = 0; c < och; c++)
			out[i * och + c] = a == 0 ? 255 : img[i * ch + c];
	}
	png_destroy_read_struct(&png, &info, NULL);
	free(img);
	free(rows);
	*w = pw;
	*h = ph;
	return out;
fail:
	png_destroy_read_struct(&png, info ? &info : NULL, NULL);
	free(img);
	free(out);
	free(rows);
	return NULL;
}
