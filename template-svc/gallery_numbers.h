/*
 * gallery_numbers.h - a numbered gallery item's style and palette (issue 19): the palette's
 * one text field in the item hash ("number|#rrggbb|name;...", as user-svc keeps a library
 * page's), so listing the gallery reads it with the rest of the item.
 */
#ifndef INKWELL_TEMPLATE_SVC_GALLERY_NUMBERS_H
#define INKWELL_TEMPLATE_SVC_GALLERY_NUMBERS_H

#include <stddef.h>

#include "err.h"
#include "template.pb-c.h"

/* Longest palette text: 32 swatches of a number, a colour and a crayon's name. */
#define GALLERY_PALETTE_TEXT_MAX 4096

/* gallery_palette_text writes pal[0..n) in the text form into out (out_len bytes,
 * NUL-terminated). INK_INVALID_ARGUMENT when it does not fit, a swatch is malformed or a
 * name holds '|' or ';'. */
INK_WUR ink_err gallery_palette_text(Inkwell__Template__V1__Swatch *const *pal, size_t n, char *out,
                                     size_t out_len);

/* gallery_palette_parse fills it->palette / n_palette from the text form (NULL or "": none;
 * malformed entries are skipped). Everything malloc'd, freed by gallery_palette_free.
 * INK_RESOURCE_EXHAUSTED on OOM (what was parsed so far stays for gallery_palette_free). */
INK_WUR ink_err gallery_palette_parse(const char *text, Inkwell__Template__V1__GalleryItem *it);

/* gallery_palette_free frees it->palette and its swatches; it->n_palette becomes 0. */
void gallery_palette_free(Inkwell__Template__V1__GalleryItem *it);

#endif /* INKWELL_TEMPLATE_SVC_GALLERY_NUMBERS_H */
