/*
 * swatch.c - paint by numbers over RPC (issue 19, see swatch.h): the only place the proto's
 * Swatch and the engine's img_swatch meet, so Convert and PrintPage agree on "#rrggbb".
 */
#include "swatch.h"

#include <stdio.h>
#include <string.h>

static void swatch_why(char *why, size_t why_len, const char *msg)
{
	if (why != NULL && why_len > 0)
		(void)snprintf(why, why_len, "%s", msg);
}

ink_err tsvc_swatch_opts(const Inkwell__Template__V1__ConvertRequest *r, img_opts *o, char *why,
                         size_t why_len)
{
	if (img_style_parse(r->style, &o->style) != INK_OK) {
		swatch_why(why, why_len, "style must be lines or numbers");
		return INK_INVALID_ARGUMENT;
	}
	if (img_palette_parse(r->palette, &o->palette) != INK_OK) {
		swatch_why(why, why_len, "palette must be photo or crayons24");
		return INK_INVALID_ARGUMENT;
	}
	if (r->colors != 0)
		o->colors = r->colors;
	return INK_OK;
}

void tsvc_swatch_from_page(const img_page *p, tsvc_swatch_out *out)
{
	out->n = 0;
	for (int i = 0; i < p->npalette && i < IMG_COLORS_MAX; i++) {
		const img_swatch *s = &p->palette[i];
		Inkwell__Template__V1__Swatch *o = &out->sw[out->n];

		inkwell__template__v1__swatch__init(o);
		(void)snprintf(out->rgb[out->n], sizeof(out->rgb[0]), "#%02x%02x%02x", s->rgb[0],
		               s->rgb[1], s->rgb[2]);
		o->number = s->number;
		o->rgb = out->rgb[out->n];
		o->name = (char *)(s->name != NULL ? s->name : "");
		out->ptr[out->n] = o;
		out->n++;
	}
}

static int swatch_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "#rrggbb" into rgb; -1 when it is not that. */
static int swatch_rgb(const char *s, uint8_t rgb[3])
{
	if (s == NULL || strlen(s) != 7 || s[0] != '#')
		return -1;
	for (int i = 0; i < 3; i++) {
		int hi = swatch_hex(s[1 + 2 * i]), lo = swatch_hex(s[2 + 2 * i]);

		if (hi < 0 || lo < 0)
			return -1;
		rgb[i] = (uint8_t)(hi * 16 + lo);
	}
	return 0;
}

ink_err tsvc_swatch_read(Inkwell__Template__V1__Swatch *const *in, size_t n, img_swatch *out,
                         int *nout, char *why, size_t why_len)
{
	if (n > IMG_COLORS_MAX) {
		swatch_why(why, why_len, "a palette has at most 32 colours");
		return INK_INVALID_ARGUMENT;
	}
	for (size_t i = 0; i < n; i++) {
		if (in[i]->number < 1 || in[i]->number > 99 ||
		    swatch_rgb(in[i]->rgb, out[i].rgb) != 0) {
			swatch_why(why, why_len, "a swatch needs a number 1..99 and rgb #rrggbb");
			return INK_INVALID_ARGUMENT;
		}
		out[i].number = in[i]->number;
		out[i].name = in[i]->name != NULL && in[i]->name[0] != '\0' ? in[i]->name : NULL;
	}
	*nout = (int)n;
	return INK_OK;
}
