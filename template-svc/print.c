/*
 * print.c - a page's vector and print forms (see print.h): PrintPage for
 * any SVG the engine made (user-svc's private templates), and a gallery
 * item's SVG and PDF from the SVG stored beside its PNG (keys.h).
 *
 * cairo stamps every PDF with the time it was made, so a PDF's bytes differ
 * on each print: its ETag is a hash of what it is printed from instead
 * (print_etag), and the same SVG, title and paper always give the same tag.
 */
#include "print.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "gallery.h"
#include "gallery_numbers.h"
#include "img.h"
#include "keys.h"
#include "log.h"
#include "support.h"
#include "svc.h"
#include "swatch.h"
#include "template.pb-c.h"

/* Bump when img_pdf_from_svg prints differently, so clients' cached PDFs
 * (ETag) are replaced by the new print. */
#define PRINT_ETAG_VERSION "inkwell-pdf-1"

/* print_paper_name is the canonical name of a paper (part of the ETag). */
static const char *print_paper_name(img_paper p)
{
	return p == IMG_PAPER_LETTER ? "letter" : "a4";
}

/* print_etag writes the hex BLAKE2b-128 of (version, paper, title, svg)
 * into out; NUL bytes between the parts keep them apart. */
static void print_etag(const char *svg, size_t svg_len, const char *title, img_paper paper,
                       const img_swatch *pal, int npal, char out[TSVC_ID_LEN])
{
	crypto_generichash_state st;
	const char *paper_name = print_paper_name(paper);
	uint8_t digest[16];

	/* Cannot fail for a 16-byte output and no key. */
	crypto_generichash_init(&st, NULL, 0, sizeof(digest));
	crypto_generichash_update(&st, (const uint8_t *)PRINT_ETAG_VERSION,
	                          sizeof(PRINT_ETAG_VERSION));
	crypto_generichash_update(&st, (const uint8_t *)paper_name, strlen(paper_name) + 1);
	crypto_generichash_update(&st, (const uint8_t *)title, strlen(title) + 1);
	crypto_generichash_update(&st, (const uint8_t *)svg, svg_len);
	/* A numbered page's legend (issue 19): its swatches are part of the print. */
	for (int i = 0; i < npal; i++) {
		const char *name = pal[i].name != NULL ? pal[i].name : "";

		crypto_generichash_update(&st, (const uint8_t *)&pal[i].number,
		                          sizeof(pal[i].number));
		crypto_generichash_update(&st, pal[i].rgb, 3);
		crypto_generichash_update(&st, (const uint8_t *)name, strlen(name) + 1);
	}
	crypto_generichash_final(&st, digest, sizeof(digest));
	sodium_bin2hex(out, TSVC_ID_LEN, digest, sizeof(digest));
}

/* print_reply prints svg[0..len) with title on `paper` (a name for
 * img_paper_parse) and replies with the PDF and its ETag. */
static ink_err print_reply(ink_rpc_ctx *ctx, const char *svg, size_t svg_len, const char *title,
                           const char *paper_name, const img_swatch *pal, int npal)
{
	const tsvc_config *cfg = ctx->app;
	Inkwell__Template__V1__PrintedPage out = INKWELL__TEMPLATE__V1__PRINTED_PAGE__INIT;
	char etag[TSVC_ID_LEN], why[256] = "";
	uint8_t *pdf = NULL;
	size_t pdf_len = 0;
	img_paper paper;

	if (img_paper_parse(paper_name, &paper) != INK_OK)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "paper must be a4 or letter");
	/* An empty title prints no heading. */
	if (title[0] != '\0' && ink_rule_title(title) != NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "title %s", ink_rule_title(title));
	if (svg_len > (size_t)cfg->max_image_bytes)
		return ink_rpc_fail(ctx, INK_PAYLOAD_TOO_LARGE, "svg is larger than %lld bytes",
		                    (long long)cfg->max_image_bytes);
	if (ink_slots_enter(cfg->convert_gate, ctx->deadline_unix_ms) != INK_OK)
		return ink_rpc_fail(ctx, INK_UNAVAILABLE, "too many pages at once; retry shortly");
	double start = ink_mono_ms();
	ink_err err = npal > 0 ? img_pdf_numbers(svg, svg_len, pal, npal, paper, title, &pdf,
	                                         &pdf_len, why, sizeof(why))
	                       : img_pdf_from_svg(svg, svg_len, paper, title, &pdf, &pdf_len, why,
	                                          sizeof(why));
	ink_slots_leave(cfg->convert_gate, ink_mono_ms() - start);
	if (err != INK_OK)
		return ink_rpc_fail(ctx, err, "%s", why[0] ? why : ink_strerror(err));
	print_etag(svg, svg_len, title, paper, pal, npal, etag);
	out.pdf.data = pdf;
	out.pdf.len = pdf_len;
	out.etag = etag;
	ink_log_info("printed a %s page of %zu bytes", print_paper_name(paper), pdf_len);
	err = ink_rpc_reply(ctx, &out.base);
	free(pdf);
	return err;
}

ink_err print_page(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Template__V1__PrintPageRequest *r =
	    inkwell__template__v1__print_page_request__unpack(NULL, len, body);

	if (r == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "PrintPageRequest does not parse");
	img_swatch pal[IMG_COLORS_MAX];
	int npal = 0;
	char why[128];
	ink_err err = INK_OK;

	if (tsvc_swatch_read(r->palette, r->n_palette, pal, &npal, why, sizeof(why)) != INK_OK)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "%s", why);
	else if (r->svg.len == 0)
		err = ink_rpc_fail(ctx, INK_NOT_FOUND, PRINT_NO_VECTOR);
	else
		err = print_reply(ctx, (const char *)r->svg.data, r->svg.len, r->title, r->paper,
		                  pal, npal);
	inkwell__template__v1__print_page_request__free_unpacked(r, NULL);
	return err;
}

/* print_load reads gallery item pid's `field` and its SVG. Two plain reads,
 * no script: the SVG is immutable, so the only race is a delete in
 * between, which reads as not found like a delete before. On INK_OK the
 * caller frees both replies (freeReplyObject). */
static ink_err print_load(ink_rpc_ctx *ctx, const char *pid, const char *field, const char *svg_fmt,
                          redisReply **value, redisReply **svg)
{
	tsvc_worker *w = ctx->worker;
	redisReply *v = NULL, *s = NULL;
	char why[256];
	ink_err err = ink_redis_cmd(w->redis, &v, why, sizeof(why), "HGET " GALLERY_KEY_ITEM " %s",
	                            pid, field);

	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	if (v->type != REDIS_REPLY_STRING) {
		freeReplyObject(v);
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no gallery item %s", pid);
	}
	char key[GALLERY_KEY_MAX];
	snprintf(key, sizeof(key), svg_fmt, pid);
	err = ink_redis_cmd(w->redis, &s, why, sizeof(why), "GET %s", key);
	if (err != INK_OK) {
		freeReplyObject(v);
		return tsvc_db_fail(ctx, err, why);
	}
	if (s->type != REDIS_REPLY_STRING) {
		freeReplyObject(v);
		freeReplyObject(s);
		return ink_rpc_fail(ctx, INK_NOT_FOUND, PRINT_NO_VECTOR);
	}
	*value = v;
	*svg = s;
	return INK_OK;
}

ink_err print_gallery_svg(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Template__V1__GalleryRef *ref = NULL;
	Inkwell__Template__V1__GalleryImage img = INKWELL__TEMPLATE__V1__GALLERY_IMAGE__INIT;
	redisReply *id = NULL, *svg = NULL;
	char etag[TSVC_ID_LEN];
	ink_err err = gallery_ref_unpack(ctx, body, len, &ref);

	if (err != INK_OK)
		return err;
	if (strcmp(ref->variant, "") == 0)
		err = print_load(ctx, ref->gallery_id, "id", GALLERY_KEY_ITEM_SVG, &id, &svg);
	else if (strcmp(ref->variant, "plain") == 0) /* issue 19: a numbered item's outline */
		err = print_load(ctx, ref->gallery_id, "id", GALLERY_KEY_ITEM_PLAIN_SVG, &id, &svg);
	else
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "an SVG's variant must be plain");
	if (err == INK_OK) {
		tsvc_etag((const uint8_t *)svg->str, svg->len, etag);
		img.svg.data = (uint8_t *)svg->str;
		img.svg.len = svg->len;
		img.etag = etag;
		err = ink_rpc_reply(ctx, &img.base);
		freeReplyObject(id);
		freeReplyObject(svg);
	}
	inkwell__template__v1__gallery_ref__free_unpacked(ref, NULL);
	return err;
}

/* print_gallery_palette reads item pid's palette (issue 19) into it and pal; none for a lines
 * item. On INK_OK the caller frees it (gallery_palette_free); pal's names point into it. */
static ink_err print_gallery_palette(ink_rpc_ctx *ctx, const char *pid,
                                     Inkwell__Template__V1__GalleryItem *it, img_swatch *pal,
                                     int *npal)
{
	tsvc_worker *w = ctx->worker;
	redisReply *v = NULL;
	char why[256];
	ink_err err =
	    ink_redis_cmd(w->redis, &v, why, sizeof(why), "HGET " GALLERY_KEY_ITEM " palette", pid);

	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	err = gallery_palette_parse(v->type == REDIS_REPLY_STRING ? v->str : NULL, it);
	freeReplyObject(v);
	if (err == INK_OK &&
	    tsvc_swatch_read(it->palette, it->n_palette, pal, npal, why, sizeof(why)) != INK_OK)
		err = INK_INTERNAL;
	if (err != INK_OK) {
		gallery_palette_free(it);
		return err == INK_INTERNAL ? ink_rpc_fail(ctx, err, "stored palette: %s", why)
		                           : tsvc_oom(ctx);
	}
	return INK_OK;
}

ink_err print_gallery_page(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Template__V1__PrintGalleryRequest *r =
	    inkwell__template__v1__print_gallery_request__unpack(NULL, len, body);
	Inkwell__Template__V1__GalleryItem it = INKWELL__TEMPLATE__V1__GALLERY_ITEM__INIT;
	redisReply *title = NULL, *svg = NULL;
	img_swatch pal[IMG_COLORS_MAX];
	int npal = 0;

	if (r == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                    "PrintGalleryRequest does not parse");
	ink_err err = INK_OK;
	if (!ink_id_ok(r->gallery_id))
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT,
		                   "gallery_id must be 32 lowercase hex characters");
	if (err == INK_OK)
		err = print_load(ctx, r->gallery_id, "title", GALLERY_KEY_ITEM_SVG, &title, &svg);
	if (err == INK_OK) {
		err = print_gallery_palette(ctx, r->gallery_id, &it, pal, &npal);
		if (err == INK_OK)
			err = print_reply(ctx, svg->str, svg->len, title->str, r->paper, pal, npal);
		gallery_palette_free(&it);
		freeReplyObject(title);
		freeReplyObject(svg);
	}
	inkwell__template__v1__print_gallery_request__free_unpacked(r, NULL);
	return err;
}

void print_fini(void)
{
	img_fini();
}
