/*
 * print.h - a page's vector and print forms (issue 11 part 5): the SVG kept
 * beside the PNG at conversion time, and one-page PDFs printed from it on
 * request (img_pdf_from_svg). A request never converts again.
 *
 * Handlers answer inkwell.template.v1.Templates methods (template.proto) and
 * return INK_OK after ink_rpc_reply, or the code of ink_rpc_fail:
 * INVALID_ARGUMENT (malformed id, paper, title; an SVG that is not one of
 * the engine's), NOT_FOUND (no such item, or a page kept before SVGs were:
 * "no vector form"), PAYLOAD_TOO_LARGE (SVG over IMG_MAX_BYTES),
 * UNAVAILABLE (public Redis down, or every print slot busy until the
 * deadline), RESOURCE_EXHAUSTED, INTERNAL.
 */
#ifndef INKWELL_TEMPLATE_SVC_PRINT_H
#define INKWELL_TEMPLATE_SVC_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rpc_server.h"

/* What a page converted before SVGs were kept answers (NOT_FOUND). */
#define PRINT_NO_VECTOR "this page has no vector form; convert it again"

/* print_page: PrintPageRequest -> PrintedPage. Any caller (only user-svc
 * reaches it: it prints its private templates with it). Printing runs
 * through the conversion gate (one per core), as conversions do. */
INK_WUR ink_err print_page(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* print_gallery_svg: GalleryRef -> GalleryImage with svg (png empty) and
 * the SVG's etag (hex BLAKE2b-128 of its bytes). Anyone. */
INK_WUR ink_err print_gallery_svg(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* print_gallery_page: PrintGalleryRequest -> PrintedPage of the item's
 * stored SVG and title. Anyone. */
INK_WUR ink_err print_gallery_page(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* print_fini frees what cairo and fontconfig keep for the process (font
 * caches filled by printing titles), so a sanitizer build's leak check at
 * exit reports only our own leaks. Call once, when no worker runs. */
void print_fini(void);

#endif /* INKWELL_TEMPLATE_SVC_PRINT_H */
