/*
 * gallery_numbers.c - a numbered gallery item's palette as text (issue 19, see
 * gallery_numbers.h). Text, not packed protobuf, so the hash stays readable in redis-cli
 * and the publish script passes it like any other field.
 */
#include "gallery_numbers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "palette_text.h"

ink_err gallery_palette_text(Inkwell__Template__V1__Swatch *const *pal, size_t n, char *out,
                             size_t out_len)
{
	size_t used = 0;

	if (out_len == 0 || n > INK_PALETTE_MAX)
		return INK_INVALID_ARGUMENT;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		ink_err err =
		    ink_palette_text_put(out, out_len, &used, pal[i]->number,
		                         pal[i]->rgb != NULL ? pal[i]->rgb : "", pal[i]->name);
		if (err != INK_OK)
			return err;
	}
	return INK_OK;
}

void gallery_palette_free(Inkwell__Template__V1__GalleryItem *it)
{
	for (size_t i = 0; i < it->n_palette; i++) {
		free(it->palette[i]->rgb);
		free(it->palette[i]->name);
		free(it->palette[i]);
	}
	free(it->palette);
	it->palette = NULL;
	it->n_palette = 0;
}

/* Appends one swatch to it (strings copied). -1 on OOM. */
static int gallery_palette_add(Inkwell__Template__V1__GalleryItem *it, const ink_swatch_text *sw)
{
	Inkwell__Template__V1__Swatch *s = malloc(sizeof(*s));

	if (s == NULL)
		return -1;
	inkwell__template__v1__swatch__init(s);
	s->number = sw->number;
	s->rgb = strndup(sw->rgb, sw->rgb_len);
	s->name = strndup(sw->name, sw->name_len);
	if (s->rgb == NULL || s->name == NULL) {
		free(s->rgb);
		free(s->name);
		free(s);
		return -1;
	}
	it->palette[it->n_palette++] = s;
	return 0;
}

ink_err gallery_palette_parse(const char *text, Inkwell__Template__V1__GalleryItem *it)
{
	ink_swatch_text sw;

	it->n_palette = 0;
	it->palette = NULL;
	if (text == NULL || text[0] == '\0')
		return INK_OK;
	it->palette = calloc(INK_PALETTE_MAX, sizeof(*it->palette));
	if (it->palette == NULL)
		return INK_RESOURCE_EXHAUSTED;
	while (it->n_palette < INK_PALETTE_MAX && ink_palette_text_next(&text, &sw))
		if (gallery_palette_add(it, &sw) != 0)
			return INK_RESOURCE_EXHAUSTED;
	return INK_OK;
}
