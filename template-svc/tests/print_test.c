/*
 * print_test.c - the vector and print forms through the real template-svc
 * RPC path (print.c): Convert's SVG printed by PrintPage on either paper
 * with stable ETags of its inputs; bad paper, titles, SVGs and empty ones
 * refused; a published SVG read back and printed from the gallery, gone with
 * its item; an item published without one has no vector form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "print.h"
#include "template.pb-c.h"
#include "tsvc_harness.h"

/* The page every test prints: a converted ring. */
typedef struct print_fixture {
	Inkwell__Template__V1__ConvertResponse *page;
} print_fixture;

static int print_setup(void **state)
{
	static print_fixture fx;
	Inkwell__Template__V1__ConvertRequest req = INKWELL__TEMPLATE__V1__CONVERT_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];
	size_t len = 0;

	if (harness_start(state) != 0)
		return -1;
	uint8_t *png = harness_png(240, 180, &len);
	req.image.data = png;
	req.image.len = len;
	ink_err err =
	    harness_call(TSVC_T("Convert"), ALICE, NULL, &req.base, &reply, why, sizeof(why));
	free(png);
	if (err != INK_OK)
		return -1;
	fx.page = inkwell__template__v1__convert_response__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	*state = &fx;
	return fx.page != NULL && fx.page->svg.len > 0 ? 0 : -1;
}

static int print_teardown(void **state)
{
	print_fixture *fx = *state;

	inkwell__template__v1__convert_response__free_unpacked(fx->page, NULL);
	int rc = harness_stop(state);
	print_fini(); /* as template-svc's main does: fontconfig's caches */
	return rc;
}

/* print calls PrintPage; on INK_OK *out is the page (free_unpacked). */
static ink_err print(const uint8_t *svg, size_t len, const char *title, const char *paper,
                     Inkwell__Template__V1__PrintedPage **out, char *why, size_t why_len)
{
	Inkwell__Template__V1__PrintPageRequest req =
	    INKWELL__TEMPLATE__V1__PRINT_PAGE_REQUEST__INIT;
	ProtobufCBinaryData reply;

	req.svg.data = (uint8_t *)svg;
	req.svg.len = len;
	req.title = (char *)title;
	req.paper = (char *)paper;
	ink_err err =
	    harness_call(TSVC_T("PrintPage"), ALICE, NULL, &req.base, &reply, why, why_len);
	if (err != INK_OK)
		return err;
	*out = inkwell__template__v1__printed_page__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(*out);
	return INK_OK;
}

/* print_etag prints and returns the page's ETag (malloc'd). */
static char *print_etag(const Inkwell__Template__V1__ConvertResponse *page, const char *title,
                        const char *paper)
{
	Inkwell__Template__V1__PrintedPage *p = NULL;
	char why[256];

	assert_int_equal(print(page->svg.data, page->svg.len, title, paper, &p, why, sizeof(why)),
	                 INK_OK);
	assert_true(p->pdf.len > 5);
	assert_memory_equal(p->pdf.data, "%PDF-", 5);
	assert_int_equal(strlen(p->etag), 32);
	char *etag = strdup(p->etag);
	inkwell__template__v1__printed_page__free_unpacked(p, NULL);
	return etag;
}

static void test_print_page(void **state)
{
	print_fixture *fx = *state;
	char *a4 = print_etag(fx->page, "Ring", "a4");
	char *a4_again = print_etag(fx->page, "Ring", "");
	char *a4_upper = print_etag(fx->page, "Ring", "A4");
	char *letter = print_etag(fx->page, "Ring", "letter");
	char *renamed = print_etag(fx->page, "Circle", "a4");

	assert_string_equal(a4, a4_again); /* "" is a4; same inputs, same tag */
	assert_string_equal(a4, a4_upper);
	assert_string_not_equal(a4, letter);
	assert_string_not_equal(a4, renamed);
	free(a4);
	free(a4_again);
	free(a4_upper);
	free(letter);
	free(renamed);
}

/* Issue 19: a palette prints as a legend below the drawing: part of the ETag; a malformed
 * swatch is INVALID_ARGUMENT. */
static void test_print_page_legend(void **state)
{
	print_fixture *fx = *state;
	Inkwell__Template__V1__PrintPageRequest req =
	    INKWELL__TEMPLATE__V1__PRINT_PAGE_REQUEST__INIT;
	Inkwell__Template__V1__Swatch sw[2] = {INKWELL__TEMPLATE__V1__SWATCH__INIT,
	                                       INKWELL__TEMPLATE__V1__SWATCH__INIT};
	Inkwell__Template__V1__Swatch *ptr[2] = {&sw[0], &sw[1]};
	ProtobufCBinaryData reply;
	char why[256];
	char *plain = print_etag(fx->page, "Ring", "a4");

	sw[0].number = 1;
	sw[0].rgb = "#1f2a44";
	sw[1].number = 2;
	sw[1].rgb = "#ffffff";
	sw[1].name = "white";
	req.svg = fx->page->svg;
	req.title = "Ring";
	req.paper = "a4";
	req.n_palette = 2;
	req.palette = ptr;
	assert_int_equal(
	    harness_call(TSVC_T("PrintPage"), ALICE, NULL, &req.base, &reply, why, sizeof(why)),
	    INK_OK);
	Inkwell__Template__V1__PrintedPage *p =
	    inkwell__template__v1__printed_page__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(p);
	assert_memory_equal(p->pdf.data, "%PDF-", 5);
	assert_string_not_equal(p->etag, plain);
	inkwell__template__v1__printed_page__free_unpacked(p, NULL);
	sw[1].rgb = "white";
	assert_int_equal(
	    harness_call(TSVC_T("PrintPage"), ALICE, NULL, &req.base, &reply, why, sizeof(why)),
	    INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "rgb"));
	free(plain);
}

static void test_print_page_refuses(void **state)
{
	print_fixture *fx = *state;
	Inkwell__Template__V1__PrintedPage *p = NULL;
	const char *junk = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>";
	char why[256];
	ProtobufCBinaryData reply;

	assert_int_equal(
	    print(fx->page->svg.data, fx->page->svg.len, "Ring", "a5", &p, why, sizeof(why)),
	    INK_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "paper"));
	assert_int_equal(
	    print(fx->page->svg.data, fx->page->svg.len, "Ri\nng", "a4", &p, why, sizeof(why)),
	    INK_INVALID_ARGUMENT);
	assert_int_equal(print(NULL, 0, "Ring", "a4", &p, why, sizeof(why)), INK_NOT_FOUND);
	assert_non_null(strstr(why, "no vector form"));
	assert_int_equal(
	    print((const uint8_t *)junk, strlen(junk), "Ring", "a4", &p, why, sizeof(why)),
	    INK_INVALID_ARGUMENT);
	assert_int_equal(harness_call_raw(TSVC_T("PrintPage"), ALICE, NULL,
	                                  (const uint8_t *)"\xff\xff\xff", 3, &reply, why,
	                                  sizeof(why)),
	                 INK_INVALID_ARGUMENT);
}

/* gallery_print calls PrintGalleryPage for id on paper. */
static ink_err gallery_print(const char *id, const char *paper, char *why, size_t why_len)
{
	Inkwell__Template__V1__PrintGalleryRequest req =
	    INKWELL__TEMPLATE__V1__PRINT_GALLERY_REQUEST__INIT;
	ProtobufCBinaryData reply;

	req.gallery_id = (char *)id;
	req.paper = (char *)paper;
	ink_err err =
	    harness_call(TSVC_T("PrintGalleryPage"), NULL, NULL, &req.base, &reply, why, why_len);
	if (err != INK_OK)
		return err;
	Inkwell__Template__V1__PrintedPage *p =
	    inkwell__template__v1__printed_page__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(p);
	assert_memory_equal(p->pdf.data, "%PDF-", 5);
	inkwell__template__v1__printed_page__free_unpacked(p, NULL);
	return INK_OK;
}

static void test_gallery_keeps_and_prints_the_svg(void **state)
{
	print_fixture *fx = *state;
	Inkwell__Template__V1__PublishRequest req = INKWELL__TEMPLATE__V1__PUBLISH_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[256];

	assert_int_equal(harness_flush(state), 0);
	req.source_key = "print:1";
	req.title = "Ring";
	req.width = fx->page->width;
	req.height = fx->page->height;
	req.png = fx->page->png;
	req.svg = fx->page->svg;
	assert_int_equal(
	    harness_call(TSVC_T("Publish"), ALICE, NULL, &req.base, &reply, why, sizeof(why)),
	    INK_OK);
	Inkwell__Template__V1__GalleryItem *it =
	    inkwell__template__v1__gallery_item__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(it);

	assert_int_equal(harness_ref(TSVC_T("GetGallerySvg"), NULL, NULL, it->gallery_id, &reply),
	                 INK_OK);
	Inkwell__Template__V1__GalleryImage *img =
	    inkwell__template__v1__gallery_image__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	assert_non_null(img);
	assert_int_equal(img->svg.len, fx->page->svg.len);
	assert_memory_equal(img->svg.data, fx->page->svg.data, img->svg.len);
	assert_int_equal(img->png.len, 0);
	assert_int_equal(strlen(img->etag), 32);
	inkwell__template__v1__gallery_image__free_unpacked(img, NULL);
	assert_int_equal(gallery_print(it->gallery_id, "letter", why, sizeof(why)), INK_OK);
	assert_int_equal(gallery_print(it->gallery_id, "legal", why, sizeof(why)),
	                 INK_INVALID_ARGUMENT);
	assert_int_equal(gallery_print("not-an-id", "a4", why, sizeof(why)), INK_INVALID_ARGUMENT);
	assert_int_equal(gallery_print(NOID, "a4", why, sizeof(why)), INK_NOT_FOUND);

	/* Unpublishing takes the SVG with it. */
	assert_int_equal(harness_redis_int("EXISTS public:{%s}:svg", it->gallery_id), 1);
	assert_int_equal(harness_ref_drop(TSVC_T("DeleteGalleryItem"), ALICE, NULL, it->gallery_id),
	                 INK_OK);
	assert_int_equal(harness_redis_int("EXISTS public:{%s}:svg", it->gallery_id), 0);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGallerySvg"), NULL, NULL, it->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(gallery_print(it->gallery_id, "a4", why, sizeof(why)), INK_NOT_FOUND);
	inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
}

static void test_gallery_item_without_svg(void **state)
{
	char why[256];

	assert_int_equal(harness_flush(state), 0);
	Inkwell__Template__V1__GalleryItem *it = harness_publish_ok(ALICE, "print:old", "Old");
	assert_int_equal(harness_redis_int("EXISTS public:{%s}:svg", it->gallery_id), 0);
	assert_int_equal(harness_ref_drop(TSVC_T("GetGallerySvg"), NULL, NULL, it->gallery_id),
	                 INK_NOT_FOUND);
	assert_int_equal(gallery_print(it->gallery_id, "a4", why, sizeof(why)), INK_NOT_FOUND);
	assert_non_null(strstr(why, "no vector form"));
	inkwell__template__v1__gallery_item__free_unpacked(it, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_print_page),
	    cmocka_unit_test(test_print_page_refuses),
	    cmocka_unit_test(test_print_page_legend),
	    cmocka_unit_test(test_gallery_keeps_and_prints_the_svg),
	    cmocka_unit_test(test_gallery_item_without_svg),
	};
	return cmocka_run_group_tests(tests, print_setup, print_teardown);
}
