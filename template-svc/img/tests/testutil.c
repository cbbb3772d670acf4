/*
 * testutil.c - see testutil.h.
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

ink_err conv(const uint8_t *d, size_t n, const img_opts *o, img_page *p, char *why)
{
	ink_err err = img_convert(d, n, o, 1, p, why, 256);

	if (err == INK_OK) {
		uint32_t w, h;
		uint8_t *px = synth_read_page(p->png, p->png_len, &w, &h);

		assert_non_null(px);
		assert_int_equal(w, p->width);
		assert_int_equal(h, p->height);
		free(px);
		assert_true(p->report.ink >= 0 && p->report.ink <= 1);
	} else {
		assert_true(why[0] != '\0');
		assert_null(strchr(why, '\n'));
	}
	return err;
}

uint8_t *scene_png(synth_scene s, uint32_t w, uint32_t h, synth_png_kind k, int il, size_t *len)
{
	uint8_t *rgba = synth_rgba(s, w, h);
	uint8_t *png;

	assert_non_null(rgba);
	png = synth_png(rgba, w, h, k, il, len);
	free(rgba);
	assert_non_null(png);
	return png;
}

uint8_t *scene_jpeg(synth_scene s, uint32_t w, uint32_t h, int comps, int prog, int orient,
                    size_t *len)
{
	uint8_t *rgba = synth_rgba(s, w, h);
	uint8_t *jpg;

	assert_non_null(rgba);
	jpg = synth_jpeg(rgba, w, h, comps, prog, 90, orient, len);
	free(rgba);
	assert_non_null(jpg);
	return jpg;
}
