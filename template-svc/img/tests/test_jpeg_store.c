/*
 * test_jpeg_store.c - img_jpeg_store (ctest img_jpeg_store): the compact coefficient store
 * of multi-scan JPEGs (decode_jpeg_store.c) against libjpeg's own. Every file is decoded
 * with both and the pages must match byte for byte (gray and RGB), at full size and at a
 * reduced DCT scale; the store's peak bytes are checked against libjpeg's on a real photo.
 * The JPEGs are made here with libjpeg, each with its own scan script: libjpeg's simple
 * progression, 96 scans of successive approximation, AC bands never refined (so the
 * output pass runs block smoothing over a five-row window), components in separate
 * sequential scans; 4:2:0, 4:2:2, 4:4:4, gray, CMYK; with and without restart markers; cut
 * short; noise (rows kept plain); and a budget the store must refuse to grow past.
 * argv[1]: a real photo (PNG) from Debian's libjxl-testdata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jpeglib.h>

#include "decode_jpeg_store.h"
#include "synth.h"

typedef enum st_script {
	ST_SIMPLE,     /* jpeg_simple_progression */
	ST_MANY,       /* DC and ten AC bands per component, each in three approximations */
	ST_UNREFINED,  /* DC and AC first scans only, Al 1 and 2: smoothing in the output */
	ST_SEQUENTIAL, /* not progressive, one scan per component */
} st_script;

typedef struct st_jpeg {
	int comps;  /* 1 gray, 3 YCbCr */
	int hs, vs; /* luma sampling factors */
	st_script script;
	int restart; /* restart interval in MCUs, 0: none */
	int quality;
} st_jpeg;

static const char *st_photo;

static int st_scan(jpeg_scan_info *s, int n, int comp, int ss, int se, int ah, int al)
{
	s[n].comps_in_scan = 1;
	s[n].component_index[0] = comp;
	s[n].Ss = ss;
	s[n].Se = se;
	s[n].Ah = ah;
	s[n].Al = al;
	return n + 1;
}

/* The DC scan of all components at once (interleaved), first (ah 0) or refining. */
static int st_dc(jpeg_scan_info *s, int n, int comps, int ah, int al)
{
	s[n].comps_in_scan = comps;
	for (int c = 0; c < comps; c++)
		s[n].component_index[c] = c;
	s[n].Ss = s[n].Se = 0;
	s[n].Ah = ah;
	s[n].Al = al;
	return n + 1;
}

/* Fills s (room for 128) with the script; returns the number of scans. */
static int st_script_fill(jpeg_scan_info *s, st_script script, int comps)
{
	static const int band[11] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 64};
	int n = 0;

	switch (script) {
	case ST_MANY:
		n = st_dc(s, n, comps, 0, 1);
		for (int c = 0; c < comps; c++)
			for (int b = 0; b < 10; b++) {
				n = st_scan(s, n, c, band[b], band[b + 1] - 1, 0, 2);
				n = st_scan(s, n, c, band[b], band[b + 1] - 1, 2, 1);
				n = st_scan(s, n, c, band[b], band[b + 1] - 1, 1, 0);
			}
		return st_dc(s, n, comps, 1, 0);
	case ST_UNREFINED:
		n = st_dc(s, n, comps, 0, 1);
		for (int c = 0; c < comps; c++)
			n = st_scan(s, n, c, 1, 63, 0, 2);
		return n;
	default:
		for (int c = 0; c < comps; c++)
			n = st_scan(s, n, c, 0, 63, 0, 0);
		return n;
	}
}

/* rgb (w x h x 3) as a JPEG made as j says; malloc'd (free()), length in *len. */
static uint8_t *st_encode(const uint8_t *rgb, uint32_t w, uint32_t h, const st_jpeg *j, size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	jpeg_scan_info scans[128];
	unsigned char *mem = NULL;
	unsigned long mlen = 0;
	uint8_t *row = malloc((size_t)w * 3), *out;

	assert_non_null(row);
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &mlen);
	c.image_width = w;
	c.image_height = h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, j->quality, TRUE);
	if (j->comps == 1)
		jpeg_set_colorspace(&c, JCS_GRAYSCALE);
	c.comp_info[0].h_samp_factor = j->hs;
	c.comp_info[0].v_samp_factor = j->vs;
	c.restart_interval = (unsigned)j->restart;
	if (j->script == ST_SIMPLE) {
		jpeg_simple_progression(&c);
	} else {
		c.num_scans = st_script_fill(scans, j->script, j->comps);
		c.scan_info = scans;
	}
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < h) {
		JSAMPROW r[1] = {row};

		memcpy(row, rgb + (size_t)c.next_scanline * w * 3, (size_t)w * 3);
		(void)jpeg_write_scanlines(&c, r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	out = malloc(mlen);
	assert_non_null(out);
	memcpy(out, mem, mlen);
	free(mem);
	*len = mlen;
	return out;
}

static uint8_t *st_rgb_of(const uint8_t *rgba, uint32_t w, uint32_t h)
{
	uint8_t *rgb = malloc((size_t)w * h * 3);

	assert_non_null(rgb);
	for (size_t i = 0; i < (size_t)w * h; i++)
		memcpy(rgb + 3 * i, rgba + 4 * i, 3);
	return rgb;
}

/* Decodes jpg with both stores at page size max_side: same status, same reason, same
 * page. Returns the compact store's stats. */
static img_jstore_stats st_compare(const uint8_t *jpg, size_t len, uint32_t max_side, ink_err want)
{
	img_opts o;
	img_gray a = {0}, b = {0};
	img_jstore_stats sa = {0}, sb = {0};
	char wa[256] = "", wb[256] = "";
	ink_err ea, eb;

	img_opts_default(&o);
	o.max_side = max_side;
	ea = img_decode_jpeg_with(jpg, len, &o, IMG_JSTORE_COMPACT, &a, &sa, wa, sizeof(wa));
	eb = img_decode_jpeg_with(jpg, len, &o, IMG_JSTORE_LIBJPEG, &b, &sb, wb, sizeof(wb));
	assert_int_equal(ea, want);
	assert_int_equal(eb, want);
	assert_string_equal(wa, wb);
	if (want != INK_OK)
		return sa;
	assert_int_equal(a.w, b.w);
	assert_int_equal(a.h, b.h);
	assert_memory_equal(a.px, b.px, (size_t)a.w * a.h);
	assert_true((a.rgb == NULL) == (b.rgb == NULL));
	if (a.rgb != NULL)
		assert_memory_equal(a.rgb, b.rgb, (size_t)a.w * a.h * 3);
	assert_int_equal(sa.libjpeg, sb.libjpeg);
	img_gray_fini(&a);
	img_gray_fini(&b);
	return sa;
}

/* Every flavour, on a scene of odd size (partial MCUs at the right and bottom), at full
 * size and at 1/2 and 1/8 scale. */
static void test_flavours(void **state)
{
	static const int samp[4][3] = {{3, 2, 2}, {3, 2, 1}, {3, 1, 1}, {1, 1, 1}};
	static const st_script scripts[4] = {ST_SIMPLE, ST_MANY, ST_UNREFINED, ST_SEQUENTIAL};
	const uint32_t w = 333, h = 217;
	uint8_t *rgba = synth_rgba(SYNTH_SHAPES, w, h);
	uint8_t *rgb = st_rgb_of(rgba, w, h);

	(void)state;
	for (int s = 0; s < 4; s++)
		for (int k = 0; k < 4; k++)
			for (int rst = 0; rst <= 1; rst++) {
				st_jpeg j = {samp[s][0], samp[s][1],  samp[s][2],
				             scripts[k], rst ? 7 : 0, 85};
				size_t len;
				uint8_t *jpg = st_encode(rgb, w, h, &j, &len);
				img_jstore_stats st = st_compare(jpg, len, 4096, INK_OK);

				/* One gray component in one sequential scan is a baseline file. */
				assert_int_equal(st.multi_scan, samp[s][0] > 1 || k != 3);
				assert_int_equal(st.peak > 0, st.multi_scan);
				(void)st_compare(jpg, len, 160, INK_OK);
				(void)st_compare(jpg, len, 64, INK_OK);
				free(jpg);
			}
	free(rgb);
	free(rgba);
}

/* Noise at quality 100: nearly every coefficient is non-zero, rows are kept plain, the
 * store stays within a few bytes a row of libjpeg's. */
static void test_noise(void **state)
{
	const uint32_t w = 256, h = 200;
	uint8_t *rgba = synth_rgba(SYNTH_NOISE, w, h);
	uint8_t *rgb = st_rgb_of(rgba, w, h);
	st_jpeg j = {3, 1, 1, ST_MANY, 0, 100};
	size_t len;
	uint8_t *jpg = st_encode(rgb, w, h, &j, &len);
	img_jstore_stats st;

	(void)state;
	st = st_compare(jpg, len, 4096, INK_OK);
	assert_true(st.peak > st.libjpeg / 2);
	assert_true(st.peak < st.libjpeg + st.libjpeg / 4);
	free(jpg);
	free(rgb);
	free(rgba);
}

/* A progressive file cut short, after a few scans and in the middle of the first: both
 * stores give the same error. */
static void test_truncated(void **state)
{
	const uint32_t w = 300, h = 200;
	uint8_t *rgba = synth_rgba(SYNTH_SHAPES, w, h);
	uint8_t *rgb = st_rgb_of(rgba, w, h);
	st_jpeg j = {3, 2, 2, ST_SIMPLE, 0, 85};
	size_t len;
	uint8_t *jpg = st_encode(rgb, w, h, &j, &len);

	(void)state;
	(void)st_compare(jpg, len / 2, 4096, INK_INVALID_ARGUMENT);
	(void)st_compare(jpg, len / 10, 4096, INK_INVALID_ARGUMENT);
	(void)st_compare(jpg, len - 2, 4096, INK_INVALID_ARGUMENT);
	free(jpg);
	free(rgb);
	free(rgba);
}

static uint8_t *st_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	d = malloc((size_t)n);
	assert_non_null(d);
	assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return d;
}

/* A real photo, progressive 4:2:0 at quality 90 and 4:4:4 at 95: the same page from both
 * stores, and the compact one's peak (rows, windows and scratch) a fraction of libjpeg's
 * 3 (4:2:0) or 6 (4:4:4) bytes a pixel. Figures go to stdout for the log. */
static void test_photo(void **state)
{
	size_t plen, len;
	uint8_t *png = st_read_file(st_photo, &plen);
	uint32_t w, h;
	uint8_t *rgb = synth_png_reference(png, plen, 1, &w, &h);
	static const st_jpeg js[2] = {{3, 2, 2, ST_SIMPLE, 0, 90}, {3, 1, 1, ST_SIMPLE, 0, 95}};

	(void)state;
	assert_non_null(rgb);
	for (int i = 0; i < 2; i++) {
		uint8_t *jpg = st_encode(rgb, w, h, &js[i], &len);
		img_jstore_stats st = st_compare(jpg, len, 1000, INK_OK);
		double px = (double)w * h;

		printf("photo %ux%u %s q%d: file %.2f B/px, libjpeg store %.2f B/px, compact store "
		       "peak %.3f B/px\n",
		       w, h, i ? "4:4:4" : "4:2:0", js[i].quality, (double)len / px,
		       (double)st.libjpeg / px, (double)st.peak / px);
		assert_true(st.multi_scan);
		assert_true((double)st.libjpeg / px >= (i ? 6.0 : 3.0));
		/* The goal is 3 bytes a pixel for the whole conversion; libjpeg's store alone takes
		 * that at 4:2:0. The compact one takes a quarter of libjpeg's at most here. */
		assert_true(st.peak <= st.libjpeg / 4);
		free(jpg);
	}
	free(rgb);
	free(png);
}

/* The compact store keeps to its budget (3 bytes a pixel, at least 32 MiB): 6 MP of noise
 * at quality 100 in 4:4:4 has nearly every coefficient, 6 bytes a pixel, and is refused
 * as it grows, from either store (libjpeg's from the header), with all memory released
 * (the leak check). */
static void test_budget(void **state)
{
	const uint32_t w = 3000, h = 2000;
	uint8_t *rgba = synth_rgba(SYNTH_NOISE, w, h);
	uint8_t *rgb = st_rgb_of(rgba, w, h);
	st_jpeg j = {3, 1, 1, ST_SIMPLE, 0, 100};
	size_t len;
	uint8_t *jpg;
	img_opts o;
	img_gray g = {0};
	char why[256];

	(void)state;
	free(rgba);
	jpg = st_encode(rgb, w, h, &j, &len);
	free(rgb);
	img_opts_default(&o);
	assert_int_equal(
	    img_decode_jpeg_with(jpg, len, &o, IMG_JSTORE_COMPACT, &g, NULL, why, sizeof(why)),
	    INK_PAYLOAD_TOO_LARGE);
	assert_non_null(strstr(why, "progressive JPEG needs more than the 32 MiB allowed"));
	assert_null(g.px);
	assert_int_equal(
	    img_decode_jpeg_with(jpg, len, &o, IMG_JSTORE_LIBJPEG, &g, NULL, why, sizeof(why)),
	    INK_PAYLOAD_TOO_LARGE);
	free(jpg);
}

/* synth.c's progressive gray, YCbCr and Adobe CMYK (four components) with EXIF
 * orientation: the same pages from both stores. */
static void test_synth_kinds(void **state)
{
	const uint32_t w = 200, h = 150;
	uint8_t *rgba = synth_rgba(SYNTH_SHAPES, w, h);

	(void)state;
	for (int c = 1; c <= 4; c++) {
		size_t len;
		uint8_t *jpg;

		if (c == 2)
			continue;
		jpg = synth_jpeg(rgba, w, h, c, 1, 80, 6, &len);
		assert_non_null(jpg);
		assert_true(st_compare(jpg, len, 4096, INK_OK).multi_scan);
		free(jpg);
	}
	free(rgba);
}

/* A baseline file never asks for a whole-image store. */
static void test_baseline(void **state)
{
	const uint32_t w = 120, h = 80;
	uint8_t *rgba = synth_rgba(SYNTH_SHAPES, w, h);
	uint8_t *jpg;
	size_t len;
	img_jstore_stats st;

	(void)state;
	jpg = synth_jpeg(rgba, w, h, 3, 0, 85, 0, &len);
	assert_non_null(jpg);
	st = st_compare(jpg, len, 4096, INK_OK);
	assert_false(st.multi_scan);
	assert_int_equal(st.peak, 0);
	free(jpg);
	free(rgba);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flavours),  cmocka_unit_test(test_noise),
	    cmocka_unit_test(test_truncated), cmocka_unit_test(test_photo),
	    cmocka_unit_test(test_budget),    cmocka_unit_test(test_synth_kinds),
	    cmocka_unit_test(test_baseline),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PHOTO.png\n", argv[0]);
		return 2;
	}
	st_photo = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
