/*
 * fuzz_convert.c - libFuzzer harness: any bytes through the whole pipeline (magic, both
 * decoders, EXIF, every stage, the curves, their render, the report and the encoder), then
 * the page's SVG printed as a PDF, and the bytes themselves read as a stored SVG (pdf.c's
 * reader is bounded by the length: what comes back from Redis has no NUL to trust). Limits
 * are lowered so each run stays fast; a crash, a sanitizer report or a broken contract
 * (success without a PNG, failure without a reason, our own SVG not printable) aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints svg; INK_OK must come with a PDF, a refusal with its reason. Returns the error. */
static ink_err fuzz_print(const char *svg, size_t len, img_paper paper)
{
	uint8_t *pdf = NULL;
	size_t pdf_len = 0;
	char why[256];
	ink_err err;

	why[0] = '\0';
	/* No title: fontconfig keeps caches that a leak checker would count per input. */
	err = img_pdf_from_svg(svg, len, paper, NULL, &pdf, &pdf_len, why, sizeof(why));
	if (err == INK_OK && (pdf == NULL || pdf_len < 5 || memcmp(pdf, "%PDF-", 5) != 0))
		abort();
	if (err != INK_OK && (why[0] == '\0' || pdf != NULL))
		abort();
	free(pdf);
	return err;
}

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
		/* Our own SVG always prints (out of memory aside). */
		err = fuzz_print(p.svg, p.svg_len, size % 2 ? IMG_PAPER_LETTER : IMG_PAPER_A4);
		if (err != INK_OK && err != INK_RESOURCE_EXHAUSTED)
			abort();
		img_page_fini(&p);
	} else if (why[0] == '\0' || p.png != NULL || err == INK_INTERNAL) {
		abort();
	}
	/* Anything else is refused as not ours, never misread. */
	err = fuzz_print((const char *)data, size, IMG_PAPER_A4);
	if (err == INK_INTERNAL)
		abort();
	return 0;
}
