/*
 * fuzz_convert.c - libFuzzer harness: any bytes through the whole pipeline (magic, both
 * decoders, EXIF, every stage, the report and the encoder). Limits are lowered so each run
 * stays fast; a crash, a sanitizer report or a broken contract (success without a PNG,
 * failure without a reason) aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	img_opts o;
	img_page p;
	char why[256];
	ink_err err;

	img_opts_default(&o);
	o.max_side = 256;
	o.limits.max_pixels = 4000000;
	o.limits.max_side = 8192;
	/* Let the first byte steer the options, so every detail and width is reached. */
	if (size > 0) {
		o.detail = 1 + data[size - 1] % 5;
		o.line_width = 1 + (data[size - 1] >> 3) % 8;
	}
	memset(&p, 0, sizeof(p));
	why[0] = '\0';
	err = img_convert(data, size, &o, size % 2, &p, why, sizeof(why));
	if (err == INK_OK) {
		if (p.png == NULL || p.png_len == 0 || p.width == 0 || p.height == 0)
			abort();
		img_page_fini(&p);
	} else if (why[0] == '\0' || p.png != NULL || err == INK_INTERNAL) {
		abort();
	}
	return 0;
}
