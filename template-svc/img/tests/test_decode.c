/*
 * test_decode.c - the engine's input side on images made in memory: options, byte and
 * pixel limits (bombs refused from the header), every PNG and JPEG flavour, odd sizes
 * (1x1, 1x10000), flat and noise images, alpha over white, EXIF orientation, truncation
 * at every KiB and random corruption: a page or a clean error, never a crash.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

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
	/* Last column: alpha ~0 -> white; first column: opaque ground (~155). */
	assert_true(g.px[50 * 200 + 199] >= 250);
	assert_true(g.px[50 * 200 + 0] < 200);
	img_gray_fini(&g);
	assert_int_equal(img_decode_png(pga, lga, &o, &g, why, sizeof(why)), INK_OK);
	assert_true(g.px[50 * 200 + 199] >= 250);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_opts),       cmocka_unit_test(test_empty_and_magic),
	    cmocka_unit_test(test_max_bytes),  cmocka_unit_test(test_bombs),
	    cmocka_unit_test(test_odd_sizes),  cmocka_unit_test(test_flat_and_noise),
	    cmocka_unit_test(test_png_kinds),  cmocka_unit_test(test_alpha_over_white),
	    cmocka_unit_test(test_jpeg_kinds), cmocka_unit_test(test_exif_orientation),
	    cmocka_unit_test(test_truncated),  cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
