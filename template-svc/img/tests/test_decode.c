/*
 * test_decode.c - the engine's input side on images made in memory: options, byte and
 * pixel limits (bombs refused from the header), every PNG and JPEG flavour, odd sizes
 * (1x1, 1x10000), flat and noise images, alpha (colour kept, transparent white), EXIF orientation,
 * truncation at every KiB and random corruption: a page or a clean error, never a crash.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <cmocka.h>
#include <jpeglib.h>

#include "decode_jpeg_store.h"
#include "img_priv.h"
#include "synth.h"
#include "testutil.h"

static void test_opts(void **state)
{
	img_opts o;
	char why[256];

	(void)state;
	img_opts_default(&o);
	assert_int_equal(img_opts_check(&o, why, sizeof(why)), INK_OK);
	assert_int_equal(o.detail, 3);
	assert_int_equal(o.line_width, 2);
	assert_int_equal(o.limits.max_bytes, 20u << 20);
	assert_int_equal(o.limits.max_side, 16384);
	assert_true(o.limits.max_pixels == 50000000ull);
	o.detail = 6;
	assert_int_equal(img_opts_check(&o, why, sizeof(why)), INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "detail"));
	img_opts_default(&o);
	o.line_width = 0;
	assert_int_equal(img_opts_check(&o, why, sizeof(why)), INK_INVALID_ARGUMENT);
	img_opts_default(&o);
	o.max_side = 10;
	assert_int_equal(img_opts_check(&o, why, sizeof(why)), INK_INVALID_ARGUMENT);
	/* img_convert refuses bad opts before looking at the image. */
	assert_int_equal(img_convert((const uint8_t *)"x", 1, &o, 0, NULL, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
}

static void test_empty_and_magic(void **state)
{
	static const uint8_t gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00";
	static const uint8_t fake_png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
	img_page p = {0};
	char why[256];

	(void)state;
	assert_int_equal(conv(NULL, 0, NULL, &p, why), INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(conv(gif, sizeof(gif), NULL, &p, why), INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "not a PNG or JPEG"));
	assert_int_equal(conv((const uint8_t *)"\xff\xd8\xff", 3, NULL, &p, why),
	                 INK_INVALID_ARGUMENT);
	assert_int_equal(conv(fake_png, sizeof(fake_png), NULL, &p, why), INK_INVALID_ARGUMENT);
	assert_null(p.png); /* *out untouched on error */
}

static void test_max_bytes(void **state)
{
	img_opts o;
	img_page p = {0};
	char why[256];
	size_t len;
	uint8_t *png = scene_png(SYNTH_SHAPES, 64, 64, SP_RGB8, 0, &len);

	(void)state;
	img_opts_default(&o);
	o.limits.max_bytes = len - 1;
	assert_int_equal(conv(png, len, &o, &p, why), INK_PAYLOAD_TOO_LARGE);
	assert_non_null(strstr(why, "MiB"));
	free(png);
}

/* Rewrites IHDR's size (and its CRC) of a PNG in place. */
static void png_set_size(uint8_t *png, uint32_t w, uint32_t h)
{
	uint32_t crc;

	for (int i = 0; i < 4; i++) {
		png[16 + i] = (uint8_t)(w >> (24 - 8 * i));
		png[20 + i] = (uint8_t)(h >> (24 - 8 * i));
	}
	crc = (uint32_t)crc32(0, png + 12, 17);
	for (int i = 0; i < 4; i++)
		png[29 + i] = (uint8_t)(crc >> (24 - 8 * i));
}

/* Rewrites the SOF0/SOF2 frame size of a JPEG in place. */
static void jpeg_set_size(uint8_t *jpg, size_t len, uint16_t w, uint16_t h)
{
	for (size_t i = 2; i + 9 < len; i++) {
		if (jpg[i] == 0xFF && (jpg[i + 1] == 0xC0 || jpg[i + 1] == 0xC2)) {
			jpg[i + 5] = (uint8_t)(h >> 8);
			jpg[i + 6] = (uint8_t)h;
			jpg[i + 7] = (uint8_t)(w >> 8);
			jpg[i + 8] = (uint8_t)w;
			return;
		}
	}
	fail_msg("no SOF in JPEG");
}

static void test_bombs(void **state)
{
	img_page p = {0};
	char why[256];
	size_t len;
	uint8_t *png = scene_png(SYNTH_SHAPES, 32, 32, SP_GRAY8, 0, &len);
	uint8_t *jpg;

	(void)state;
	png_set_size(png, 20000, 20000);
	assert_int_equal(conv(png, len, NULL, &p, why), INK_PAYLOAD_TOO_LARGE);
	assert_non_null(strstr(why, "20000x20000"));
	png_set_size(png, 16000, 4000); /* sides fine, 64 MP too many */
	assert_int_equal(conv(png, len, NULL, &p, why), INK_PAYLOAD_TOO_LARGE);
	assert_non_null(strstr(why, "megapixel"));
	png_set_size(png, 0, 10);
	assert_int_equal(conv(png, len, NULL, &p, why), INK_INVALID_ARGUMENT);
	free(png);

	jpg = scene_jpeg(SYNTH_SHAPES, 32, 32, 3, 0, 0, &len);
	jpeg_set_size(jpg, len, 30000, 30000);
	assert_int_equal(conv(jpg, len, NULL, &p, why), INK_PAYLOAD_TOO_LARGE);
	jpeg_set_size(jpg, len, 10000, 6000); /* 60 MP */
	assert_int_equal(conv(jpg, len, NULL, &p, why), INK_PAYLOAD_TOO_LARGE);
	free(jpg);
}

static void test_odd_sizes(void **state)
{
	static const uint32_t sz[][2] = {{1, 1}, {1, 10000}, {10000, 1}, {2, 3}, {17, 5}};
	img_page p;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		size_t len;
		uint8_t *png = scene_png(SYNTH_NOISE, sz[i][0], sz[i][1], SP_RGB8, 0, &len);
		uint8_t *jpg = scene_jpeg(SYNTH_NOISE, sz[i][0], sz[i][1], 3, 0, 0, &len);

		assert_int_equal(conv(png, len, NULL, &p, why), INK_OK);
		assert_true(p.width >= 1 && p.width <= 1000 && p.height >= 1 && p.height <= 1000);
		assert_true(p.report.ink < 0.5); /* a tiny page is not filled in as a "sliver" */
		img_page_fini(&p);
		img_page_fini(&p); /* idempotent */
		assert_int_equal(conv(jpg, len, NULL, &p, why), INK_OK);
		img_page_fini(&p);
		free(png);
		free(jpg);
	}
}

static void test_flat_and_noise(void **state)
{
	static const synth_scene sc[] = {SYNTH_WHITE, SYNTH_BLACK, SYNTH_NOISE, SYNTH_GRADIENT};
	img_page p;
	char why[256];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		size_t len;
		uint8_t *png = scene_png(sc[i], 300, 200, SP_RGB8, 0, &len);

		assert_int_equal(conv(png, len, NULL, &p, why), INK_OK);
		assert_int_equal(p.width, 300);
		assert_int_equal(p.report.specks, 0);
		if (sc[i] == SYNTH_NOISE) {
			/* Noise must not come out as pepper: bounded ink, no slivers flood. */
			assert_true(p.report.ink <= 0.30);
		}
		img_page_fini(&p);
		free(png);
	}
}

static void test_png_kinds(void **state)
{
	img_page p;
	char why[256];

	(void)state;
	for (int k = SP_GRAY8; k <= SP_RGB8_TRNS; k++) {
		for (int il = 0; il <= 1; il++) {
			size_t len;
			uint8_t *png =
			    scene_png(SYNTH_SHAPES, 160, 120, (synth_png_kind)k, il, &len);

			assert_int_equal(conv(png, len, NULL, &p, why), INK_OK);
			assert_int_equal(p.width, 160);
			assert_int_equal(p.height, 120);
			assert_true(p.report.ink > 0.0);
			img_page_fini(&p);
			free(png);
		}
	}
}

static void test_alpha_over_white(void **state)
{
	img_opts o;
	img_gray g = {0};
	char why[256];
	size_t len, lga;
	uint8_t *png = scene_png(SYNTH_ALPHA, 200, 100, SP_RGBA8, 0, &len);
	uint8_t *pga = scene_png(SYNTH_ALPHA, 200, 100, SP_GRAYA8, 1, &lga);

	(void)state;
	img_opts_default(&o);
	assert_int_equal(img_decode_png(png, len, &o, &g, why, sizeof(why)), INK_OK);
	/* Last column: alpha 0 over black -> white paper; first column: opaque ground (~155);
	 * column 180, alpha 25: the same ground, not faded towards white. */
	assert_true(g.px[50 * 200 + 199] >= 250);
	assert_true(g.px[50 * 200 + 0] < 200);
	assert_true(g.px[50 * 200 + 180] > 130 && g.px[50 * 200 + 180] < 190);
	img_gray_fini(&g);
	assert_int_equal(img_decode_png(pga, lga, &o, &g, why, sizeof(why)), INK_OK);
	assert_true(g.px[50 * 200 + 199] >= 250);
	assert_true(g.px[50 * 200 + 180] > 130 && g.px[50 * 200 + 180] < 190);
	img_gray_fini(&g);
	free(png);
	free(pga);
}

static void test_jpeg_kinds(void **state)
{
	img_opts o;
	img_page p;
	img_gray g = {0}, ref = {0};
	char why[256];

	(void)state;
	img_opts_default(&o);
	for (int comps = 1; comps <= 4; comps++) {
		for (int prog = 0; prog <= 1; prog++) {
			size_t len;
			uint8_t *jpg;

			if (comps == 2)
				continue;
			jpg = scene_jpeg(SYNTH_SHAPES, 320, 240, comps, prog, 0, &len);
			assert_int_equal(conv(jpg, len, NULL, &p, why), INK_OK);
			assert_int_equal(p.width, 320);
			img_page_fini(&p);
			assert_int_equal(img_decode_jpeg(jpg, len, &o, &g, why, sizeof(why)),
			                 INK_OK);
			if (ref.px == NULL) {
				ref = g;
				g.px = NULL;
			} else {
				/* Every flavour decodes to about the same gray. */
				long diff = 0;

				for (size_t i = 0; i < 320 * 240; i++)
					diff += labs((long)g.px[i] - ref.px[i]);
				assert_true(diff / (320 * 240) < 12);
			}
			img_gray_fini(&g);
			free(jpg);
		}
	}
	img_gray_fini(&ref);
}

/* Left half black, right half white; checks where black lands after orientation o. */
static void test_exif_orientation(void **state)
{
	static const struct {
		int o;
		uint32_t w, h;
		uint32_t bx, by; /* a pixel that must be black */
		uint32_t wx, wy; /* and one that must be white */
	} cases[] = {
	    {1, 200, 100, 20, 50, 180, 50}, {3, 200, 100, 180, 50, 20, 50},
	    {6, 100, 200, 50, 20, 50, 180}, {8, 100, 200, 50, 180, 50, 20},
	    {2, 200, 100, 180, 50, 20, 50},
	};
	uint8_t *rgba = malloc(200 * 100 * 4);
	img_opts o;

	(void)state;
	assert_non_null(rgba);
	for (uint32_t i = 0; i < 200 * 100; i++) {
		uint8_t v = (i % 200) < 100 ? 0 : 255;

		rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = v;
		rgba[4 * i + 3] = 255;
	}
	img_opts_default(&o);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t len;
		uint8_t *jpg = synth_jpeg(rgba, 200, 100, 3, 0, 90, cases[c].o, &len);
		img_gray g = {0};
		char why[256];

		assert_non_null(jpg);
		assert_int_equal(img_decode_jpeg(jpg, len, &o, &g, why, sizeof(why)), INK_OK);
		assert_int_equal(g.w, cases[c].w);
		assert_int_equal(g.h, cases[c].h);
		assert_true(g.px[cases[c].by * g.w + cases[c].bx] < 30);
		assert_true(g.px[cases[c].wy * g.w + cases[c].wx] > 225);
		img_gray_fini(&g);
		free(jpg);
	}
	free(rgba);
}

/* One prefix of an image must give a clean error or a page, never a crash. */
static void truncate_at(const uint8_t *d, size_t cut)
{
	img_page p = {0};
	char why[256];
	ink_err err = conv(d, cut, NULL, &p, why);

	assert_true(err == INK_OK || err == INK_INVALID_ARGUMENT);
	img_page_fini(&p);
}

/* Every prefix at 1 KiB steps, and one byte short. */
static void truncate_all(const uint8_t *d, size_t len)
{
	for (size_t cut = 0; cut < len; cut += 1024)
		truncate_at(d, cut);
	truncate_at(d, len - 1);
}

static void test_truncated(void **state)
{
	size_t l1, l2, l3, l4;
	uint8_t *png = scene_png(SYNTH_NOISE, 300, 200, SP_RGB8, 0, &l1);
	uint8_t *pngi = scene_png(SYNTH_SHAPES, 200, 150, SP_PALETTE, 1, &l2);
	uint8_t *jpg = scene_jpeg(SYNTH_SHAPES, 400, 300, 3, 0, 0, &l3);
	uint8_t *jpgp = scene_jpeg(SYNTH_NOISE, 400, 300, 3, 1, 6, &l4);
	img_page p = {0};
	char why[256];

	(void)state;
	truncate_all(png, l1);
	assert_int_equal(conv(png, l1 / 2, NULL, &p, why), INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "PNG is truncated"));
	truncate_all(pngi, l2);
	truncate_all(jpg, l3);
	assert_int_equal(conv(jpg, l3 / 2, NULL, &p, why), INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "JPEG is truncated"));
	truncate_all(jpgp, l4);
	free(png);
	free(pngi);
	free(jpg);
	free(jpgp);
}

static void test_corrupt(void **state)
{
	size_t len[2];
	uint8_t *img[2];
	uint32_t seed = 12345;

	(void)state;
	img[0] = scene_png(SYNTH_SHAPES, 120, 90, SP_RGB8, 0, &len[0]);
	img[1] = scene_jpeg(SYNTH_SHAPES, 120, 90, 3, 1, 0, &len[1]);
	for (int f = 0; f < 2; f++) {
		uint8_t *copy = malloc(len[f]);

		assert_non_null(copy);
		for (int it = 0; it < 150; it++) {
			img_page p = {0};
			char why[256];
			ink_err err;

			memcpy(copy, img[f], len[f]);
			for (int k = 0; k < 1 + it % 4; k++) {
				seed = seed * 1103515245u + 12345u;
				copy[(seed >> 8) % len[f]] ^= (uint8_t)(1u << (seed >> 28 & 7));
			}
			err = conv(copy, len[f], NULL, &p, why);
			assert_true(err == INK_OK || err == INK_INVALID_ARGUMENT ||
			            err == INK_PAYLOAD_TOO_LARGE);
			img_page_fini(&p);
		}
		free(copy);
		free(img[f]);
	}
}

/* Noise with every alpha value, so both the weights and the gamma tables get exercised. */
static uint8_t *noise_rgba(uint32_t w, uint32_t h)
{
	uint8_t *rgba = synth_rgba(SYNTH_NOISE, w, h);

	assert_non_null(rgba);
	for (size_t i = 0; i < (size_t)w * h; i++)
		rgba[4 * i + 3] = (uint8_t)(i * 37 % 256);
	for (size_t i = 0; i < 256 && i < (size_t)w * h; i++) /* and some true grays */
		rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = (uint8_t)i;
	return rgba;
}

/* img_decode_png at full size against the engine's old gray (libpng's own rgb_to_gray) and
 * libpng's RGB: byte for byte, for every kind, with and without a gamma (gAMA, sRGB, sBIT). */
static void check_png_exact(const uint8_t *png, size_t len, int colour)
{
	img_opts o;
	img_gray g = {0};
	char why[256];
	uint32_t rw, rh;
	uint8_t *ref = synth_png_reference(png, len, 0, &rw, &rh);
	uint8_t *ref_rgb = synth_png_reference(png, len, 1, &rw, &rh);

	assert_non_null(ref);
	img_opts_default(&o);
	assert_int_equal(img_decode_png(png, len, &o, &g, why, sizeof(why)), INK_OK);
	assert_int_equal(g.w, rw);
	assert_int_equal(g.h, rh);
	assert_memory_equal(g.px, ref, (size_t)rw * rh);
	if (colour) {
		assert_non_null(ref_rgb);
		assert_non_null(g.rgb);
		assert_memory_equal(g.rgb, ref_rgb, (size_t)rw * rh * 3);
	} else {
		assert_null(g.rgb);
	}
	img_gray_fini(&g);
	free(ref);
	free(ref_rgb);
}

static void test_png_gray_exact(void **state)
{
	static const uint8_t gama_srgb[4] = {0, 0, 0xb1, 0x8f}; /* 45455 */
	static const uint8_t gama_2[4] = {0, 0, 0xc3, 0x50};    /* 50000 */
	static const uint8_t gama_1[4] = {0, 1, 0x86, 0xa0};    /* 100000: no correction */
	static const uint8_t srgb[1] = {0};
	static const uint8_t sbit12[3] = {12, 12, 11};
	const uint32_t w = 97, h = 61;
	uint8_t *rgba = noise_rgba(w, h);

	(void)state;
	for (int k = SP_GRAY8; k <= SP_RGB8_TRNS; k++) {
		for (int il = 0; il <= 1; il++) {
			size_t len, l2, l3;
			uint8_t *png = synth_png(rgba, w, h, (synth_png_kind)k, il, &len);
			int colour = k >= SP_RGB8;
			const uint8_t *gamas[] = {NULL, gama_srgb, gama_2, gama_1, srgb};

			assert_non_null(png);
			for (size_t v = 0; v < sizeof(gamas) / sizeof(gamas[0]); v++) {
				uint8_t *p2 = png, *p3 = NULL;

				l2 = len;
				if (gamas[v] != NULL)
					p2 = synth_png_chunk(
					    png, len, gamas[v] == srgb ? "sRGB" : "gAMA", gamas[v],
					    gamas[v] == srgb ? 1 : 4, &l2);
				assert_non_null(p2);
				check_png_exact(p2, l2, colour);
				if (k == SP_RGB16) { /* sBIT changes libpng's 16-bit table layout */
					p3 = synth_png_chunk(p2, l2, "sBIT", sbit12, 3, &l3);
					assert_non_null(p3);
					check_png_exact(p3, l3, colour);
					free(p3);
				}
				if (p2 != png)
					free(p2);
			}
			free(png);
		}
	}
	free(rgba);
}

/* An interlaced PNG (its passes binned into a page of sums) and the same picture plain (rows
 * streamed through img_shrink) shrink to the same bytes, gray and RGB. */
static void test_png_interlace_shrink(void **state)
{
	static const synth_png_kind kinds[] = {SP_GRAY8, SP_GRAYA8, SP_RGB8, SP_RGBA8, SP_PALETTE};
	const uint32_t w = 203, h = 157;
	uint8_t *rgba = noise_rgba(w, h);
	img_opts o;
	char why[256];

	(void)state;
	img_opts_default(&o);
	o.max_side = 64;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		img_gray a = {0}, b = {0};
		size_t la, lb;
		uint8_t *pa = synth_png(rgba, w, h, kinds[k], 0, &la);
		uint8_t *pb = synth_png(rgba, w, h, kinds[k], 1, &lb);

		assert_int_equal(img_decode_png(pa, la, &o, &a, why, sizeof(why)), INK_OK);
		assert_int_equal(img_decode_png(pb, lb, &o, &b, why, sizeof(why)), INK_OK);
		assert_int_equal(a.w, 64);
		assert_int_equal(a.h, 49);
		assert_int_equal(b.w, a.w);
		assert_int_equal(b.h, a.h);
		assert_memory_equal(a.px, b.px, (size_t)a.w * a.h);
		assert_true((a.rgb == NULL) == (kinds[k] < SP_RGB8));
		assert_true((b.rgb == NULL) == (a.rgb == NULL));
		if (a.rgb != NULL)
			assert_memory_equal(a.rgb, b.rgb, (size_t)a.w * a.h * 3);
		img_gray_fini(&a);
		img_gray_fini(&b);
		free(pa);
		free(pb);
	}
	free(rgba);
}

/* Left half pure red, right half pure green. */
static uint8_t *red_green(uint32_t w, uint32_t h)
{
	uint8_t *rgba = malloc((size_t)w * h * 4);

	assert_non_null(rgba);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint8_t *p = rgba + ((size_t)y * w + x) * 4;

			p[0] = x < w / 2 ? 255 : 0;
			p[1] = x < w / 2 ? 0 : 255;
			p[2] = 0;
			p[3] = 255;
		}
	}
	return rgba;
}

static void assert_rgb_near(const img_gray *g, uint32_t x, uint32_t y, int r, int gr, int b,
                            int tol)
{
	const uint8_t *p = g->rgb + ((size_t)y * g->w + x) * 3;

	if (abs(p[0] - r) > tol || abs(p[1] - gr) > tol || abs(p[2] - b) > tol)
		fail_msg("rgb at %u,%u is %u,%u,%u, want %d,%d,%d (+-%d)", x, y, p[0], p[1], p[2],
		         r, gr, b, tol);
}

/* A 400x200 red|green photo gives a 100x50 page whose rgb is red on the left and green on
 * the right, from PNG and from every colour JPEG; gray sources give no rgb. */
static void test_colour_page(void **state)
{
	uint8_t *rgba = red_green(400, 200);
	img_opts o;
	img_gray g = {0};
	char why[256];
	size_t len;
	uint8_t *png = synth_png(rgba, 400, 200, SP_RGB8, 0, &len);

	(void)state;
	img_opts_default(&o);
	o.max_side = 100;
	assert_non_null(png);
	assert_int_equal(img_decode_png(png, len, &o, &g, why, sizeof(why)), INK_OK);
	assert_int_equal(g.w, 100);
	assert_int_equal(g.h, 50);
	assert_non_null(g.rgb);
	assert_rgb_near(&g, 10, 25, 255, 0, 0, 0);
	assert_rgb_near(&g, 90, 25, 0, 255, 0, 0);
	assert_int_equal(g.px[25 * 100 + 10], 76);  /* libpng's 601 gray of red */
	assert_int_equal(g.px[25 * 100 + 90], 149); /* and of green */
	img_gray_fini(&g);
	free(png);
	for (int comps = 3; comps <= 4; comps++) {
		for (int prog = 0; prog <= 1; prog++) {
			uint8_t *jpg = synth_jpeg(rgba, 400, 200, comps, prog, 95, 0, &len);

			assert_non_null(jpg);
			assert_int_equal(img_decode_jpeg(jpg, len, &o, &g, why, sizeof(why)),
			                 INK_OK);
			assert_int_equal(g.w, 100);
			assert_non_null(g.rgb);
			assert_rgb_near(&g, 10, 25, 255, 0, 0, 40);
			assert_rgb_near(&g, 90, 25, 0, 255, 0, 40);
			assert_true(abs(g.px[25 * 100 + 10] - 76) < 20);
			img_gray_fini(&g);
			free(jpg);
		}
	}
	png = synth_png(rgba, 400, 200, SP_GRAY8, 1, &len);
	assert_int_equal(img_decode_png(png, len, &o, &g, why, sizeof(why)), INK_OK);
	assert_null(g.rgb);
	img_gray_fini(&g);
	free(png);
	png = synth_jpeg(rgba, 400, 200, 1, 1, 90, 0, &len);
	assert_int_equal(img_decode_jpeg(png, len, &o, &g, why, sizeof(why)), INK_OK);
	assert_null(g.rgb);
	img_gray_fini(&g);
	free(png);
	free(rgba);
}

/* EXIF orientation turns rgb with px: red|green turned 90 clockwise is red over green. */
static void test_orientation_rgb(void **state)
{
	static const struct {
		int o;
		uint32_t w, h;
		uint32_t rx, ry, gx, gy; /* a red pixel and a green one */
	} cases[] = {
	    {1, 200, 100, 20, 50, 180, 50}, {3, 200, 100, 180, 50, 20, 50},
	    {6, 100, 200, 50, 20, 50, 180}, {8, 100, 200, 50, 180, 50, 20},
	    {5, 100, 200, 50, 20, 50, 180}, {2, 200, 100, 180, 50, 20, 50},
	};
	uint8_t *rgba = red_green(200, 100);
	img_opts o;

	(void)state;
	img_opts_default(&o);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t len;
		uint8_t *jpg = synth_jpeg(rgba, 200, 100, 3, 0, 95, cases[c].o, &len);
		img_gray g = {0};
		char why[256];

		assert_non_null(jpg);
		assert_int_equal(img_decode_jpeg(jpg, len, &o, &g, why, sizeof(why)), INK_OK);
		assert_int_equal(g.w, cases[c].w);
		assert_int_equal(g.h, cases[c].h);
		assert_rgb_near(&g, cases[c].rx, cases[c].ry, 255, 0, 0, 40);
		assert_rgb_near(&g, cases[c].gx, cases[c].gy, 0, 255, 0, 40);
		img_gray_fini(&g);
		free(jpg);
	}
	free(rgba);
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Inflates the IDATs of png to the end of the stream: Z_STREAM_END (the Adler-32 holds)
 * and how many bytes came out. */
static uint64_t inflate_idat(const uint8_t *png, size_t len)
{
	z_stream z;
	uint8_t out[65536];
	uint64_t total = 0;
	int ret = Z_OK;

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit(&z), Z_OK);
	for (size_t pos = 8; pos + 12 <= len && ret != Z_STREAM_END;) {
		uint32_t n = (uint32_t)png[pos] << 24 | (uint32_t)png[pos + 1] << 16 |
		             (uint32_t)png[pos + 2] << 8 | png[pos + 3];

		if (memcmp(png + pos + 4, "IDAT", 4) == 0) {
			z.next_in = (Bytef *)(uintptr_t)(png + pos + 8);
			z.avail_in = n;
			while (z.avail_in > 0 && ret != Z_STREAM_END) {
				z.next_out = out;
				z.avail_out = sizeof(out);
				ret = inflate(&z, Z_NO_FLUSH);
				assert_true(ret == Z_OK || ret == Z_STREAM_END);
				total += sizeof(out) - z.avail_out;
			}
		}
		pos += 12 + (size_t)n;
	}
	assert_int_equal(ret, Z_STREAM_END);
	inflateEnd(&z);
	return total;
}

/* Issue 12: a 100x100 PNG whose zlib stream goes on with 1 GiB of compressed zeros after
 * its rows (a 1 MB file). The rows decode; what follows is never inflated. */
static void test_png_trailing_zlib(void **state)
{
	img_opts o;
	img_gray g = {0};
	img_page p = {0};
	char why[256];
	size_t len;
	uint8_t *small = synth_png_trailing(100, 100, (uint64_t)4 << 20, &len);
	uint8_t *bomb;
	double t0;

	(void)state;
	assert_non_null(small);
	/* The file is what it claims: a valid stream of rows + 4 MiB of zeros. */
	assert_true(inflate_idat(small, len) == 100u * 101 + ((uint64_t)4 << 20));
	assert_int_equal(conv(small, len, NULL, &p, why), INK_OK);
	assert_int_equal(p.width, 100);
	img_page_fini(&p);
	free(small);

	bomb = synth_png_trailing(100, 100, (uint64_t)1 << 30, &len);
	assert_non_null(bomb);
	assert_true(len < (size_t)2 << 20);
	img_opts_default(&o);
	t0 = mono_s();
	assert_int_equal(img_decode_png(bomb, len, &o, &g, why, sizeof(why)), INK_OK);
	/* Inflating the GiB takes libpng seconds; the rows alone take microseconds. */
	assert_true(mono_s() - t0 < 0.5);
	assert_int_equal(g.w, 100);
	assert_int_equal(g.px[0], 0);                           /* the ramp's corner */
	assert_int_equal(g.px[99 * 100 + 99], 198 * 255 / 200); /* and its other end */
	img_gray_fini(&g);
	free(bomb);
}

/* A deadline that has passed stops both decoders with DEADLINE_EXCEEDED. */
static void test_deadline(void **state)
{
	img_opts o;
	img_gray g = {0};
	char why[256];
	size_t lp, lj;
	uint8_t *png = scene_png(SYNTH_SHAPES, 64, 48, SP_RGB8, 0, &lp);
	uint8_t *jpg = scene_jpeg(SYNTH_SHAPES, 64, 48, 3, 1, 0, &lj);

	(void)state;
	img_opts_default(&o);
	o.limits.deadline_ms = 1; /* 1970 */
	assert_int_equal(img_decode_png(png, lp, &o, &g, why, sizeof(why)), INK_DEADLINE_EXCEEDED);
	assert_non_null(strstr(why, "deadline"));
	assert_int_equal(img_decode_jpeg(jpg, lj, &o, &g, why, sizeof(why)), INK_DEADLINE_EXCEEDED);
	assert_non_null(strstr(why, "deadline"));
	assert_null(g.px);
	o.limits.deadline_ms = (int64_t)time(NULL) * 1000 + 600000;
	assert_int_equal(img_decode_png(png, lp, &o, &g, why, sizeof(why)), INK_OK);
	img_gray_fini(&g);
	assert_int_equal(img_decode_jpeg(jpg, lj, &o, &g, why, sizeof(why)), INK_OK);
	img_gray_fini(&g);
	free(png);
	free(jpg);
}

/* Issue 12: a progressive JPEG keeps all its coefficients while it decodes. libjpeg's own
 * store (2 bytes each) would need 6 bytes a pixel at 4:4:4, over the 3 allowed
 * (IMG_JPEG_COEF_BPP) once past the 32 MiB floor: with it such a file is refused from the
 * header. The decoder's compact store (decode_jpeg_store.c; issue 11) only holds the
 * non-zero ones and takes any sampling at any size up to the pixel limit, so the same
 * files get past the header; with a deadline in the past they stop at the first scan
 * (the patched data would decode to mush). Sizes are patched into small files' SOF. */
static void test_progressive_memory(void **state)
{
	uint8_t *rgba = synth_rgba(SYNTH_SHAPES, 320, 240);
	img_opts o;
	img_gray g = {0};
	char why[256];
	size_t len;
	uint8_t *p444 = synth_jpeg_sampled(rgba, 320, 240, 1, 1, 1, 90, &len);
	size_t l420, lbase;
	uint8_t *p420 = synth_jpeg_sampled(rgba, 320, 240, 2, 2, 1, 90, &l420);
	uint8_t *b444 = synth_jpeg_sampled(rgba, 320, 240, 1, 1, 0, 90, &lbase);

	(void)state;
	assert_non_null(p444);
	assert_non_null(p420);
	assert_non_null(b444);
	img_opts_default(&o);
	/* Small 4:4:4 progressive: 0.5 MiB of coefficients, under the floor, decodes. */
	assert_int_equal(img_decode_jpeg(p444, len, &o, &g, why, sizeof(why)), INK_OK);
	assert_non_null(g.rgb);
	img_gray_fini(&g);
	/* 8000x6000 (48 MP) 4:4:4 progressive: 275 MiB in libjpeg's store, refused there; also
	 * 3000x2000 (34 MiB). The compact store gets past the header. */
	o.limits.deadline_ms = 1;
	jpeg_set_size(p444, len, 8000, 6000);
	assert_int_equal(
	    img_decode_jpeg_with(p444, len, &o, IMG_JSTORE_LIBJPEG, &g, NULL, why, sizeof(why)),
	    INK_PAYLOAD_TOO_LARGE);
	assert_non_null(strstr(why, "progressive JPEG of 8000x6000"));
	assert_non_null(strstr(why, "275 MiB"));
	assert_null(g.px);
	assert_int_equal(img_decode_jpeg(p444, len, &o, &g, why, sizeof(why)),
	                 INK_DEADLINE_EXCEEDED);
	jpeg_set_size(p444, len, 3000, 2000);
	assert_int_equal(
	    img_decode_jpeg_with(p444, len, &o, IMG_JSTORE_LIBJPEG, &g, NULL, why, sizeof(why)),
	    INK_PAYLOAD_TOO_LARGE);
	assert_int_equal(img_decode_jpeg(p444, len, &o, &g, why, sizeof(why)),
	                 INK_DEADLINE_EXCEEDED);
	/* 4:2:0 progressive at 12 MP and 48 MP, and baseline 4:4:4 at 48 MP, get past it with
	 * either store. */
	jpeg_set_size(p420, l420, 4000, 3000);
	assert_int_equal(img_decode_jpeg(p420, l420, &o, &g, why, sizeof(why)),
	                 INK_DEADLINE_EXCEEDED);
	jpeg_set_size(p420, l420, 8000, 6000);
	assert_int_equal(img_decode_jpeg(p420, l420, &o, &g, why, sizeof(why)),
	                 INK_DEADLINE_EXCEEDED);
	assert_int_equal(
	    img_decode_jpeg_with(p420, l420, &o, IMG_JSTORE_LIBJPEG, &g, NULL, why, sizeof(why)),
	    INK_DEADLINE_EXCEEDED);
	jpeg_set_size(b444, lbase, 8000, 6000);
	assert_int_equal(img_decode_jpeg(b444, lbase, &o, &g, why, sizeof(why)),
	                 INK_DEADLINE_EXCEEDED);
	free(p444);
	free(p420);
	free(b444);
	free(rgba);
}

/* libjpeg's own gray of a JPEG at full size (out_color_space GRAYSCALE, with the settings
 * of decode_jpeg.c): what px was before the decoder kept colour. */
static uint8_t *jpeg_reference_gray(const uint8_t *jpg, size_t len, uint32_t *w, uint32_t *h)
{
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr err;
	uint8_t *px;

	d.err = jpeg_std_error(&err);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, jpg, (unsigned long)len);
	assert_int_equal(jpeg_read_header(&d, TRUE), JPEG_HEADER_OK);
	d.out_color_space = JCS_GRAYSCALE;
	d.dct_method = JDCT_IFAST;
	d.do_fancy_upsampling = FALSE;
	assert_true(jpeg_start_decompress(&d));
	px = malloc((size_t)d.output_width * d.output_height);
	assert_non_null(px);
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = px + (size_t)d.output_scanline * d.output_width;

		assert_int_equal(jpeg_read_scanlines(&d, &row, 1), 1);
	}
	*w = d.output_width;
	*h = d.output_height;
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	return px;
}

/* A YCbCr JPEG now comes out as YCbCr to make rgb; its Y must be exactly the gray libjpeg
 * made when asked for gray, at every chroma sampling, baseline and progressive. */
static void test_jpeg_gray_exact(void **state)
{
	static const int samp[][2] = {{1, 1}, {2, 1}, {2, 2}};
	uint8_t *rgba = noise_rgba(331, 211);
	img_opts o;

	(void)state;
	img_opts_default(&o);
	for (size_t i = 0; i < sizeof(samp) / sizeof(samp[0]); i++) {
		for (int prog = 0; prog <= 1; prog++) {
			size_t len;
			uint32_t w, h;
			uint8_t *jpg = synth_jpeg_sampled(rgba, 331, 211, samp[i][0], samp[i][1],
			                                  prog, 85, &len);
			uint8_t *ref;
			img_gray g = {0};
			char why[256];

			assert_non_null(jpg);
			ref = jpeg_reference_gray(jpg, len, &w, &h);
			assert_int_equal(img_decode_jpeg(jpg, len, &o, &g, why, sizeof(why)),
			                 INK_OK);
			assert_int_equal(g.w, w);
			assert_int_equal(g.h, h);
			assert_memory_equal(g.px, ref, (size_t)w * h);
			assert_non_null(g.rgb);
			img_gray_fini(&g);
			free(ref);
			free(jpg);
		}
	}
	free(rgba);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_opts),
	    cmocka_unit_test(test_empty_and_magic),
	    cmocka_unit_test(test_max_bytes),
	    cmocka_unit_test(test_bombs),
	    cmocka_unit_test(test_odd_sizes),
	    cmocka_unit_test(test_flat_and_noise),
	    cmocka_unit_test(test_png_kinds),
	    cmocka_unit_test(test_alpha_over_white),
	    cmocka_unit_test(test_jpeg_kinds),
	    cmocka_unit_test(test_exif_orientation),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_png_gray_exact),
	    cmocka_unit_test(test_png_interlace_shrink),
	    cmocka_unit_test(test_colour_page),
	    cmocka_unit_test(test_orientation_rgb),
	    cmocka_unit_test(test_png_trailing_zlib),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_progressive_memory),
	    cmocka_unit_test(test_jpeg_gray_exact),
	};

	/* IMG_TEST_FILTER=test_png* runs only the matching tests (cmocka's glob). */
	if (getenv("IMG_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("IMG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
