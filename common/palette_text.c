/*
 * palette_text.c - the palette's text form, written and read (see
 * palette_text.h). Text, not packed protobuf: Lua scripts pass it like any
 * other field.
 */
#include "palette_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ink_err ink_palette_text_put(char *out, size_t out_len, size_t *used, int number, const char *rgb,
                             const char *name)
{
	if (name == NULL)
		name = "";
	if (rgb == NULL || out_len <= *used || strpbrk(name, "|;") != NULL ||
	    strpbrk(rgb, "|;") != NULL)
		return INK_INVALID_ARGUMENT;
	int k = snprintf(out + *used, out_len - *used, "%s%d|%s|%s", *used ? ";" : "", number, rgb,
	                 name);
	if (k < 0 || (size_t)k >= out_len - *used)
		return INK_INVALID_ARGUMENT;
	*used += (size_t)k;
	return INK_OK;
}

/* palette_entry reads "number|rgb|name" of [p, end) into sw; 0 when malformed. */
static int palette_entry(const char *p, const char *end, ink_swatch_text *sw)
{
	const char *bar1 = memchr(p, '|', (size_t)(end - p)), *bar2;
	char *num_end;

	if (bar1 == NULL)
		return 0;
	bar2 = memchr(bar1 + 1, '|', (size_t)(end - bar1 - 1));
	if (bar2 == NULL)
		return 0;
	long number = strtol(p, &num_end, 10);
	if (num_end != bar1 || number < 1 || number > 99)
		return 0;
	sw->number = (int)number;
	sw->rgb = bar1 + 1;
	sw->rgb_len = (size_t)(bar2 - bar1 - 1);
	sw->name = bar2 + 1;
	sw->name_len = (size_t)(end - bar2 - 1);
	return 1;
}

int ink_palette_text_next(const char **p, ink_swatch_text *sw)
{
	while (*p != NULL && **p != '\0') {
		const char *start = *p, *end = strchr(start, ';');

		if (end == NULL)
			end = start + strlen(start);
		*p = *end == ';' ? end + 1 : end;
		if (palette_entry(start, end, sw))
			return 1;
	}
	return 0;
}
