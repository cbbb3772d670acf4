/*
 * test_pipeline.c - the engine's output side on images made in memory: drawn shapes and
 * letters come out closed (a flood fill from inside stays inside), line width and page
 * size do what they say, concurrent conversions agree, the report's bands, spur pruning.
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

/* 4-connected flood over white from (x, y); returns the filled size, *corner set if it
 * reached (0,0). */
static size_t flood(uint8_t *px, uint32_t w, uint32_t h, uint32_t x, uint32_t y, int *corner)
{
	uint32_t *st = malloc((size_t)w * h * sizeof(*st));
	size_t sp = 0, n = 0;

	assert_non_null(st);
	*corner = 0;
	if (px[(size_t)y * w + x] < 128) {
		free(st);
		return 0;
	}
	px[(size_t)y * w + x] = 1;
	st[sp++] = y * w + x;
	while (sp > 0) {
		uint32_t q = st[--sp], qx = q % w, qy = q / w;
		uint32_t nb[4][2] = {{qx - 1, qy}, {qx + 1, qy}, {qx, qy - 1}, {qx, qy + 1}};

		n++;
		if (q == 0)
			*corner = 1;
		for (int i = 0; i < 4; i++) {
			uint32_t nx = nb[i][0], ny = nb[i][1];

			if (nx >= w || ny >= h || px[(size_t)ny * w + nx] < 128)
				continue;
			px[(size_t)ny * w + nx] = 1;
			st[sp++] = ny * w + nx;
		}
	}
	free(st);
	return n;
}

/* The disc, the square and the triangle of SYNTH_SHAPES must each be closed: a fill from
 * inside stays inside (smaller than the shape, never reaching the corner). */
static void test_shapes_closed(void **state)
{
	static const double centre[3][2] = {{0.3, 0.35}, {0.75, 0.30}, {0.5, 0.80}};
	static const double area[3] = {0.1257, 0.09, 0.09};
	static const int widths[] = {1, 2, 3, 5};
	size_t len;
	uint8_t *png = scene_png(SYNTH_SHAPES, 640, 480, SP_RGB8, 0, &len);

	(void)state;
	for (int d = 1; d <= 5; d += 2) {
		for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
			img_opts o;
			img_page p;
			char why[256];
			uint32_t w, h;
			uint8_t *px;

			img_opts_default(&o);
			o.detail = d;
			o.line_width = widths[wi];
			assert_int_equal(conv(png, len, &o, &p, why), INK_OK);
			assert_int_equal(p.report.specks, 0);
			px = synth_read_page(p.png, p.png_len, &w, &h);
			assert_non_null(px);
			for (int s = 0; s < 3; s++) {
				int corner;
				uint32_t x = (uint32_t)(centre[s][0] * w),
				         y = (uint32_t)(centre[s][1] * h);
				size_t n = flood(px, w, h, x, y, &corner);

				if (n == 0) /* landed on a line: try beside it */
					n = flood(px, w, h, x + 7, y + 7, &corner);
				assert_true(n > 0);
				assert_false(corner);
				assert_true((double)n < area[s] * 1.1 * w * h);
			}
			free(px);
			img_page_fini(&p);
		}
	}
	free(png);
}

/* Letters: inside a letter's stroke is its own region, never the background's. */
/* A blank (noisy but flat) background is one region, not cut along its noise. */
static void test_flat_background(void **state)
{
	size_t len;
	uint8_t *png = scene_png(SYNTH_SHAPES, 640, 480, SP_RGB8, 0, &len);
	img_page p;
	char why[256];
	uint32_t w, h;
	uint8_t *px;
	int corner;

	(void)state;
	assert_int_equal(conv(png, len, NULL, &p, why), INK_OK);
	px = synth_read_page(p.png, p.png_len, &w, &h);
	assert_non_null(px);
	/* The ground is about 66 % of the picture. */
	assert_true((double)flood(px, w, h, w - 3, h - 3, &corner) > 0.55 * w * h);
	assert_true(corner);
	assert_true(p.report.fillable <= 8);
	free(px);
	img_page_fini(&p);
	free(png);
}

static void test_text_closed(void **state)
{
	size_t len;
	uint8_t *png = scene_png(SYNTH_TEXT, 660, 330, SP_GRAY8, 0, &len);
	img_page p;
	char why[256];
	uint32_t w, h;
	uint8_t *px;
	int corner;
	size_t n;

	(void)state;
	assert_int_equal(conv(png, len, NULL, &p, why), INK_OK);
	assert_int_equal(p.report.specks, 0);
	px = synth_read_page(p.png, p.png_len, &w, &h);
	assert_non_null(px);
	/* Cell = 30 px; the I's top bar spans cells (2..6, 2): its middle is (135, 75). */
	n = flood(px, w, h, 135, 75, &corner);
	assert_true(n > 0);
	assert_false(corner);
	assert_true(n < (size_t)w * h / 10);
	free(px);
	img_page_fini(&p);
	free(png);
}

/* Stroke width of a page: per ink pixel the shorter of its horizontal and vertical ink
 * runs, median over the page (a w-px stroke gives w .. w+2). */
static uint32_t stroke_width(const uint8_t *px, uint32_t w, uint32_t h)
{
	uint32_t hist[64] = {0}, n = 0, acc = 0;

	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint32_t l = x, r = x, u = y, d = y, run;

			if (px[(size_t)y * w + x] >= 128)
				continue;
			while (l > 0 && px[(size_t)y * w + l - 1] < 128)
				l--;
			while (r + 1 < w && px[(size_t)y * w + r + 1] < 128)
				r++;
			while (u > 0 && px[(size_t)(u - 1) * w + x] < 128)
				u--;
			while (d + 1 < h && px[(size_t)(d + 1) * w + x] < 128)
				d++;
			run = r - l < d - u ? r - l + 1 : d - u + 1;
			hist[run < 63 ? run : 63]++;
			n++;
		}
	}
	for (uint32_t i = 0; i < 64; i++) {
		acc += hist[i];
		if (2 * acc >= n)
			return i;
	}
	return 63;
}

static void test_line_width(void **state)
{
	size_t len;
	uint8_t *png = scene_png(SYNTH_SHAPES, 400, 300, SP_RGB8, 0, &len);

	(void)state;
	for (int lw = 1; lw <= 8; lw++) {
		img_opts o;
		img_page p;
		char why[256];
		uint32_t w, h, sw;
		uint8_t *px;

		img_opts_default(&o);
		o.line_width = lw;
		assert_int_equal(conv(png, len, &o, &p, why), INK_OK);
		px = synth_read_page(p.png, p.png_len, &w, &h);
		assert_non_null(px);
		sw = stroke_width(px, w, h);
		print_message("line width %d: stroke %u px, ink %.3f\n", lw, sw, p.report.ink);
		/* Diagonal lines read wider than they are: allow +2. */
		assert_true(sw >= (uint32_t)lw && sw <= (uint32_t)lw + 2);
		free(px);
		img_page_fini(&p);
	}
	free(png);
}

static void test_max_side(void **state)
{
	size_t len;
	uint8_t *jpg = scene_jpeg(SYNTH_SHAPES, 1600, 1200, 3, 0, 0, &len);
	img_opts o;
	img_page p;
	char why[256];

	(void)state;
	img_opts_default(&o);
	o.max_side = 400;
	assert_int_equal(conv(jpg, len, &o, &p, why), INK_OK);
	assert_int_equal(p.width, 400);
	assert_int_equal(p.height, 300);
	img_page_fini(&p);
	free(jpg);
}

typedef struct conv_job {
	const uint8_t *d;
	size_t n;
	img_page page;
	ink_err err;
} conv_job;

static void *conv_thread(void *arg)
{
	conv_job *j = arg;
	char why[256];

	j->err = img_convert(j->d, j->n, NULL, 1, &j->page, why, sizeof(why));
	return NULL;
}

static void test_threads(void **state)
{
	size_t len;
	uint8_t *jpg = scene_jpeg(SYNTH_SHAPES, 800, 600, 3, 1, 0, &len);
	conv_job j[4];
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		j[i] = (conv_job){jpg, len, {0}, INK_INTERNAL};
		assert_int_equal(pthread_create(&t[i], NULL, conv_thread, &j[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(j[i].err, INK_OK);
		assert_int_equal(j[i].page.png_len, j[0].page.png_len);
		assert_memory_equal(j[i].page.png, j[0].page.png, j[0].page.png_len);
	}
	for (int i = 0; i < 4; i++)
		img_page_fini(&j[i].page);
	free(jpg);
}

static void test_report_ok(void **state)
{
	img_report r = {0.1, 0, 20, 2, 0.3, 0.95, 0.9, 0.95};

	(void)state;
	assert_true(img_report_ok(&r));
	r.detail = 0.8;
	assert_false(img_report_ok(&r));
	r.detail = -1; /* not computed: not judged */
	assert_true(img_report_ok(&r));
	r.specks = 1;
	assert_false(img_report_ok(&r));
}

/* Pruning takes a short branch off a line and leaves strokes whole: their open ends stay
 * where they were, and so does a branch longer than the prune. */
static void test_prune_spurs(void **state)
{
	enum { W = 40, H = 20 };
	uint8_t ink[W * H] = {0}, want[W * H] = {0};
	uint32_t stack[W * H];

	(void)state;
	for (int x = 5; x <= 34; x++)
		want[10 * W + x] = 1; /* a stroke with two open ends */
	for (int y = 3; y <= 9; y++)
		want[y * W + 10] = 1; /* a 7 px branch: longer than the prune */
	memcpy(ink, want, sizeof(ink));
	ink[9 * W + 20] = ink[8 * W + 20] = 1; /* a 2 px spur */
	img_prune_spurs(ink, W, H, 3, stack);
	assert_memory_equal(ink, want, sizeof(ink));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shapes_closed), cmocka_unit_test(test_flat_background),
	    cmocka_unit_test(test_text_closed),   cmocka_unit_test(test_line_width),
	    cmocka_unit_test(test_max_side),      cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_report_ok),     cmocka_unit_test(test_prune_spurs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
