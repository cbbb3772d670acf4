/*
 * convert_test.c - Convert through the real template-svc RPC path: a PNG
 * made here becomes a coloring page (a PNG with sane size and, when asked, a
 * quality report); garbage, empty images and bad options are clean errors
 * with the engine's reason; an image over the pixel limit is
 * PAYLOAD_TOO_LARGE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "img.h"
#include "template.pb-c.h"
#include "tsvc_harness.h"

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static ink_err convert(const uint8_t *img, size_t len, int32_t detail, int32_t line_width,
                       int want_report, Inkwell__Template__V1__ConvertResponse **out, char *why,
                       size_t why_len)
{
	Inkwell__Template__V1__ConvertRequest req = INKWELL__TEMPLATE__V1__CONVERT_REQUEST__INIT;
	ProtobufCBinaryData reply;

	req.image.data = (uint8_t *)img;
	req.image.len = len;
	req.detail = detail;
	req.line_width = line_width;
	req.want_report = want_report;
	ink_err err = harness_call(TSVC_T("Convert"), "u1", NULL, &req.base, &reply, why, why_len);
	if (err != INK_OK)
		return err;
	*out = inkwell__template__v1__convert_response__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(*out);
	return INK_OK;
}

static void test_png_becomes_page(void **state)
{
	Inkwell__Template__V1__ConvertResponse *r = NULL;
	char why[256];
	size_t len = 0;
	uint8_t *png = harness_png(240, 180, &len);

	(void)state;
	assert_non_null(png);
	assert_int_equal(convert(png, len, 0, 0, 0, &r, why, sizeof(why)), INK_OK);
	assert_true(r->png.len > sizeof(png_sig));
	assert_memory_equal(r->png.data, png_sig, sizeof(png_sig));
	assert_int_equal(r->width, 240);
	assert_int_equal(r->height, 180);
	assert_null(r->report);
	inkwell__template__v1__convert_response__free_unpacked(r, NULL);

	assert_int_equal(convert(png, len, 5, 3, 1, &r, why, sizeof(why)), INK_OK);
	assert_memory_equal(r->png.data, png_sig, sizeof(png_sig));
	assert_non_null(r->report);
	assert_true(r->report->ink > 0.0 && r->report->ink < 1.0);
	inkwell__template__v1__convert_response__free_unpacked(r, NULL);
	free(png);
}

static void test_bad_input_clean_errors(void **state)
{
	Inkwell__Template__V1__ConvertResponse *r = NULL;
	char why[256];
	size_t len = 0;
	uint8_t *png = harness_png(64, 64, &len);
	static const uint8_t garbage[] = "this is not an image, it is a sentence of text.";

	(void)state;
	assert_int_equal(convert(garbage, sizeof(garbage), 0, 0, 0, &r, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_true(why[0] != '\0');
	assert_int_equal(convert(garbage, 0, 0, 0, 0, &r, why, sizeof(why)), INK_INVALID_ARGUMENT);
	/* A truncated PNG. */
	assert_int_equal(convert(png, len / 2, 0, 0, 0, &r, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	/* Options out of range. */
	assert_int_equal(convert(png, len, 6, 0, 0, &r, why, sizeof(why)), INK_INVALID_ARGUMENT);
	assert_int_equal(convert(png, len, -1, 0, 0, &r, why, sizeof(why)), INK_INVALID_ARGUMENT);
	assert_int_equal(convert(png, len, 0, 9, 0, &r, why, sizeof(why)), INK_INVALID_ARGUMENT);
	free(png);
}

static void test_pixel_bomb_too_large(void **state)
{
	Inkwell__Template__V1__ConvertResponse *r = NULL;
	char why[256];
	size_t len = 0;
	uint8_t *png = harness_png(64, 64, &len);

	(void)state;
	/* Claim 30000 x 30000 in IHDR (side and pixels over the limits) and
	 * recompute its CRC, so libpng accepts the header and only the limits
	 * can refuse it: a build without limits answers otherwise. */
	for (int i = 0; i < 4; i++) {
		png[16 + i] = (uint8_t)(30000u >> (24 - 8 * i));
		png[20 + i] = (uint8_t)(30000u >> (24 - 8 * i));
	}
	uint32_t crc = (uint32_t)crc32(0, png + 12, 17);
	for (int i = 0; i < 4; i++)
		png[29 + i] = (uint8_t)(crc >> (24 - 8 * i));
	assert_int_equal(convert(png, len, 0, 0, 0, &r, why, sizeof(why)), INK_PAYLOAD_TOO_LARGE);
	assert_true(why[0] != '\0');
	free(png);
}

/* convert_numbers: Convert with paint-by-numbers options. */
static ink_err convert_numbers(const uint8_t *img, size_t len, const char *style, int32_t colors,
                               const char *palette, Inkwell__Template__V1__ConvertResponse **out,
                               char *why, size_t why_len)
{
	Inkwell__Template__V1__ConvertRequest req = INKWELL__TEMPLATE__V1__CONVERT_REQUEST__INIT;
	ProtobufCBinaryData reply;

	req.image.data = (uint8_t *)img;
	req.image.len = len;
	req.style = (char *)style;
	req.colors = colors;
	req.palette = (char *)palette;
	ink_err err = harness_call(TSVC_T("Convert"), "u1", NULL, &req.base, &reply, why, why_len);
	if (err != INK_OK)
		return err;
	*out = inkwell__template__v1__convert_response__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(*out);
	return INK_OK;
}

/* Issue 19: a numbered page comes back whole (numbered and plain PNG and SVG, the regions
 * PNG, the palette), a lines page has none of it, and bad options are INVALID_ARGUMENT. */
static void test_numbers_page(void **state)
{
	Inkwell__Template__V1__ConvertResponse *r = NULL;
	char why[256];
	size_t len = 0;
	uint8_t *png = harness_png(240, 180, &len);

	(void)state;
	assert_int_equal(convert_numbers(png, len, "numbers", 4, "", &r, why, sizeof(why)), INK_OK);
	assert_string_equal(r->style, "numbers");
	assert_true(r->n_palette >= 1 && r->n_palette <= 4);
	for (size_t i = 0; i < r->n_palette; i++) {
		assert_int_equal(r->palette[i]->number, (int32_t)i + 1);
		assert_int_equal(strlen(r->palette[i]->rgb), 7);
		assert_string_equal(r->palette[i]->name, "");
	}
	assert_memory_equal(r->plain_png.data, png_sig, sizeof(png_sig));
	assert_memory_equal(r->regions_png.data, png_sig, sizeof(png_sig));
	assert_true(r->plain_svg.len > 0 && r->svg.len > r->plain_svg.len);
	inkwell__template__v1__convert_response__free_unpacked(r, NULL);

	assert_int_equal(convert_numbers(png, len, "numbers", 0, "crayons24", &r, why, sizeof(why)),
	                 INK_OK);
	assert_true(r->n_palette >= 1 && r->n_palette <= 12);
	for (size_t i = 0; i < r->n_palette; i++)
		assert_true(r->palette[i]->name[0] != '\0');
	inkwell__template__v1__convert_response__free_unpacked(r, NULL);

	assert_int_equal(convert_numbers(png, len, "", 0, "", &r, why, sizeof(why)), INK_OK);
	assert_string_equal(r->style, "lines");
	assert_int_equal(r->n_palette, 0);
	assert_int_equal(r->plain_png.len, 0);
	assert_int_equal(r->regions_png.len, 0);
	inkwell__template__v1__convert_response__free_unpacked(r, NULL);

	assert_int_equal(convert_numbers(png, len, "dots", 0, "", &r, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "style"));
	assert_int_equal(convert_numbers(png, len, "numbers", 0, "paints", &r, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "palette"));
	assert_int_equal(convert_numbers(png, len, "numbers", 3, "", &r, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_int_equal(convert_numbers(png, len, "numbers", 33, "", &r, why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "colors"));
	free(png);
}

/* A numbered page draws its numbers with fontconfig's fonts: free its caches, as
 * template-svc's main does at exit. */
static int convert_teardown(void **state)
{
	int rc = harness_stop(state);

	img_fini();
	return rc;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_png_becomes_page),
	    cmocka_unit_test(test_bad_input_clean_errors),
	    cmocka_unit_test(test_pixel_bomb_too_large),
	    cmocka_unit_test(test_numbers_page),
	};
	return cmocka_run_group_tests(tests, harness_start, convert_teardown);
}
