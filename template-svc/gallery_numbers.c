/*
 * gallery_numbers.c - a numbered gallery item's palette as text (issue 19, see
 * gallery_numbers.h). Text, not packed protobuf, so the hash stays readable in redis-cli
 * and the publish script passes it like any other field.
 */
#include "gallery_numbers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GALLERY_PAL_MAX 32

ink_err gallery_palette_text(Inkwell__Template__V1__Swatch *const *pal, size_t n, char *out,
                             size_t out_len)
{
	size_t used = 0;

	if (out_len == 0 || n > GALLERY_PAL_MAX)
		return INK_INVALID_ARGUMENT;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *name = pal[i]->name != NULL ? pal[i]->name : "";
		const char *rgb = pal[i]->rgb != NULL ? pal[i]->rgb : "";
		int k;

		if (strpbrk(name, "|;") != NULL || strpbrk(rgb, "|;") != NULL)
			return INK_INVALID_ARGUMENT;
		k = snprintf(out + used, out_len - used, "%s%d|%s|%s", i ? ";" : "", pal[i]->number,
		             rgb, name);
		if (k < 0 || (size_t)k >= out_len - used)
			return INK_INVALID_ARGUMENT;
		used += (size_t)k;
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
static int gallery_palette_add(Inkwell__Template__V1__GalleryItem *it, int number, const char *rgb,
                               size_t rgb_len, const char *name, size_t name_len)
{
	Inkwell__Template__V1__Swatch *s = malloc(sizeof(*s));

	if (s == NULL)
		return -1;
	inkwell__template__v1__swatch__init(s);
	s->number = number;
	s->rgb = strndup(rgb, rgb_len);
	s->name = strndup(name, name_len);
	if (s->rgb == NULL || s->name == NULL) {
		free(s->rgb);
		free(s->name);
		free(s);
		return -1;
	}
	it->palette[it->n_palette++] = s;
	return 0;
}

/* One "number|rgb|name" entry of [p, end) into it; 0 also when malformed (skipped). */
static int gallery_palette_entry(Inkwell__Template__V1__GalleryItem *it, const char *p,
                                 const char *end)
{
	const char *bar1 = memchr(p, '|', (size_t)(end - p)), *bar2;
	char *num_end;
	long number;

	if (bar1 == NULL)
		return 0;
	bar2 = memchr(bar1 + 1, '|', (size_t)(end - bar1 - 1));
	if (bar2 == NULL)
		return 0;
	number = strtol(p, &num_end, 10);
	if (num_end != bar1 || number < 1 || number > 99)
		return 0;
	return gallery_palette_add(it, (int)number, bar1 + 1, (size_t)(bar2 - bar1 - 1), bar2 + 1,
	                           (size_t)(end - bar2 - 1));
}

ink_err gallery_palette_parse(const char *text, Inkwell__Template__V1__GalleryItem *it)
{
	const char *p = text;

	it->n_palette = 0;
	it->palette = NULL;
	if (text == NULL || text[0] == '\0')
		return INK_OK;
	it->palette = calloc(GALLERY_PAL_MAX, sizeof(*it->palette));
	if (it->palette == NULL)
		return INK_RESOURCE_EXHAUSTED;
	while (*p != '\0' && it->n_palette < GALLERY_PAL_MAX) {
		const char *end = strchr(p, ';');

		if (end == NULL)
			end = p + strlen(p);
		if (gallery_palette_entry(it, p, end) != 0)
			return INK_RESOURCE_EXHAUSTED;
		p = *end == ';' ? end + 1 : end;
	}
	return INK_OK;
}
