/*
 * numbers.c - a numbered page in the library (issue 19, see numbers.h). The palette lives in
 * the template's hash as one short text field, so listing a library reads it with the rest
 * of the hash (the PNGs stay in their own keys).
 */
#include "numbers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "palette_text.h"

#define USVC_PAL_MAX INK_PALETTE_MAX

void usvc_numbers_from_page(const Inkwell__Template__V1__ConvertResponse *page, usvc_numbers *n)
{
	memset(n, 0, sizeof(*n));
	n->style = page->style != NULL ? page->style : "";
	n->palette = page->palette;
	n->n_palette = page->n_palette;
	n->plain_png = page->plain_png.data;
	n->plain_png_len = page->plain_png.len;
	n->regions_png = page->regions_png.data;
	n->regions_png_len = page->regions_png.len;
}

ink_err usvc_palette_text(Inkwell__Template__V1__Swatch *const *pal, size_t n, char *out,
                          size_t out_len)
{
	size_t used = 0;

	if (out_len == 0)
		return INK_INVALID_ARGUMENT;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		ink_err err = ink_palette_text_put(out, out_len, &used, pal[i]->number, pal[i]->rgb,
		                                   pal[i]->name);
		if (err != INK_OK)
			return err;
	}
	return INK_OK;
}

void usvc_palette_free(Inkwell__User__V1__Template *t)
{
	for (size_t i = 0; i < t->n_palette; i++) {
		free(t->palette[i]->rgb);
		free(t->palette[i]->name);
		free(t->palette[i]);
	}
	free(t->palette);
	if (t->style != NULL && t->style != protobuf_c_empty_string)
		free(t->style);
	t->palette = NULL;
	t->n_palette = 0;
	t->style = (char *)protobuf_c_empty_string;
}

/* Appends one swatch to t (strings copied). -1 on OOM. */
static int usvc_palette_add(Inkwell__User__V1__Template *t, const ink_swatch_text *sw)
{
	Inkwell__User__V1__Swatch *s = malloc(sizeof(*s));

	if (s == NULL)
		return -1;
	inkwell__user__v1__swatch__init(s);
	s->number = sw->number;
	s->rgb = strndup(sw->rgb, sw->rgb_len);
	s->name = strndup(sw->name, sw->name_len);
	if (s->rgb == NULL || s->name == NULL) {
		free(s->rgb);
		free(s->name);
		free(s);
		return -1;
	}
	t->palette[t->n_palette++] = s;
	return 0;
}

ink_err usvc_palette_parse(const char *text, Inkwell__User__V1__Template *t)
{
	ink_swatch_text sw;

	t->palette = calloc(USVC_PAL_MAX, sizeof(*t->palette));
	t->n_palette = 0;
	if (t->palette == NULL)
		return INK_RESOURCE_EXHAUSTED;
	while (t->n_palette < USVC_PAL_MAX && ink_palette_text_next(&text, &sw))
		if (usvc_palette_add(t, &sw) != 0)
			return INK_RESOURCE_EXHAUSTED;
	return INK_OK;
}

ink_err usvc_palette_copy(const Inkwell__User__V1__Template *src, Inkwell__User__V1__Template *dst)
{
	dst->style = strdup(src->style != NULL ? src->style : "");
	dst->palette = calloc(USVC_PAL_MAX, sizeof(*dst->palette));
	dst->n_palette = 0;
	if (dst->style == NULL || dst->palette == NULL)
		return INK_RESOURCE_EXHAUSTED;
	for (size_t i = 0; i < src->n_palette && i < USVC_PAL_MAX; i++) {
		const Inkwell__User__V1__Swatch *s = src->palette[i];
		ink_swatch_text sw = {s->number, s->rgb, strlen(s->rgb), s->name, strlen(s->name)};

		if (usvc_palette_add(dst, &sw) != 0)
			return INK_RESOURCE_EXHAUSTED;
	}
	return INK_OK;
}
