/*
 * pdf.c - reading our SVG back into cairo, and printing it as a one-page PDF.
 *
 * The reader accepts only the subset vector.c writes (see there): viewBox "0 0 W H" and one
 * path of absolute M/L/C/Z with plain decimals. It is bounded by svg_len and never trusts a
 * NUL, since stored bytes come back from Redis with a length. Anything else is refused as
 * "not one of ours" rather than half drawn.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "img_priv.h"

#define IMG_PT_PER_MM   (72.0 / 25.4)
#define IMG_MARGIN_MM   10.0
#define IMG_TITLE_PT    9.0
#define IMG_TITLE_GAP   6.0
#define IMG_MAX_NUM_LEN 24

static const char *img_find(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; s + n <= end; s++)
		if (memcmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/* Reads one plain decimal ([-]digits[.digits]) after optional spaces; *pp moves past it. */
static int img_num(const char **pp, const char *end, double *out)
{
	const char *p = *pp;
	char tmp[IMG_MAX_NUM_LEN + 1];
	size_t n = 0;
	int digits = 0;

	while (p < end && (*p == ' ' || *p == ','))
		p++;
	if (p < end && *p == '-')
		tmp[n++] = *p++;
	while (p < end && n < IMG_MAX_NUM_LEN && ((*p >= '0' && *p <= '9') || *p == '.')) {
		digits += *p != '.';
		tmp[n++] = *p++;
	}
	if (digits == 0 || n >= IMG_MAX_NUM_LEN)
		return -1;
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	*pp = p;
	return 0;
}

static int img_nums(const char **pp, const char *end, double *v, int n)
{
	for (int i = 0; i < n; i++)
		if (img_num(pp, end, &v[i]) != 0)
			return -1;
	return 0;
}

static int img_path_d(const char *p, const char *end, cairo_t *cr)
{
	double v[6];

	while (p < end && *p != '"') {
		char cmd = *p++;

		switch (cmd) {
		case ' ':
			break;
		case 'M':
			if (img_nums(&p, end, v, 2) != 0)
				return -1;
			cairo_move_to(cr, v[0], v[1]);
			break;
		case 'L':
			if (img_nums(&p, end, v, 2) != 0)
				return -1;
			cairo_line_to(cr, v[0], v[1]);
			break;
		case 'C':
			if (img_nums(&p, end, v, 6) != 0)
				return -1;
			cairo_curve_to(cr, v[0], v[1], v[2], v[3], v[4], v[5]);
			break;
		case 'Z':
			cairo_close_path(cr);
			break;
		default:
			return -1;
		}
	}
	return p < end ? 0 : -1;
}

/* Reads our SVG's viewBox "0 0 W H" into *w, *h and where the text after it starts. -1 when
 * it is not one of ours. */
static int img_svg_viewbox(const char *svg, size_t svg_len, double *w, double *h,
                           const char **after)
{
	const char *end = svg + svg_len, *p;
	double vb[4];

	if (svg == NULL)
		return -1;
	p = img_find(svg, end, "viewBox=\"");
	if (p == NULL)
		return -1;
	p += strlen("viewBox=\"");
	if (img_nums(&p, end, vb, 4) != 0 || vb[0] != 0 || vb[1] != 0 || vb[2] < 1 || vb[3] < 1)
		return -1;
	*w = vb[2];
	*h = vb[3];
	*after = p;
	return 0;
}

ink_err img_svg_to_cairo(const char *svg, size_t svg_len, cairo_t *cr, double *w, double *h)
{
	const char *end = svg + svg_len, *p;
	double vw, vh;

	if (img_svg_viewbox(svg, svg_len, &vw, &vh, &p) != 0)
		return INK_INVALID_ARGUMENT;
	p = img_find(p, end, " d=\"");
	if (p == NULL)
		return INK_INVALID_ARGUMENT;
	cairo_new_path(cr);
	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
	if (img_path_d(p + strlen(" d=\""), end, cr) != 0) {
		cairo_new_path(cr);
		return INK_INVALID_ARGUMENT;
	}
	if (w != NULL)
		*w = vw;
	if (h != NULL)
		*h = vh;
	return INK_OK;
}

ink_err img_paper_parse(const char *name, img_paper *out)
{
	if (name == NULL || name[0] == '\0' || strcasecmp(name, "a4") == 0)
		*out = IMG_PAPER_A4;
	else if (strcasecmp(name, "letter") == 0)
		*out = IMG_PAPER_LETTER;
	else
		return INK_INVALID_ARGUMENT;
	return INK_OK;
}

static cairo_status_t img_pdf_write(void *closure, const unsigned char *data, unsigned int n)
{
	img_bytes *b = closure;

	return img_bytes_add(b, data, n) == INK_OK ? CAIRO_STATUS_SUCCESS
	                                           : CAIRO_STATUS_WRITE_ERROR;
}

/* Draws the page on cr: the drawing (dw x dh, from its viewBox) fitted into the margins
 * above the title line. INK_INVALID_ARGUMENT when its path is not ours. */
static ink_err img_pdf_page(cairo_t *cr, const char *svg, size_t svg_len, double dw, double dh,
                            double pw, double ph, const char *title)
{
	double m = IMG_MARGIN_MM * IMG_PT_PER_MM, s, boxw, boxh;
	int titled = title != NULL && title[0] != '\0';
	ink_err err;

	boxw = pw - 2 * m;
	boxh = ph - 2 * m - (titled ? IMG_TITLE_PT + IMG_TITLE_GAP : 0);
	s = boxw / dw < boxh / dh ? boxw / dw : boxh / dh;
	cairo_save(cr);
	/* The path is built after the transform: cairo maps it to the page as it goes. */
	cairo_translate(cr, m + (boxw - dw * s) / 2, m + (boxh - dh * s) / 2);
	cairo_scale(cr, s, s);
	err = img_svg_to_cairo(svg, svg_len, cr, NULL, NULL);
	if (err != INK_OK) {
		cairo_restore(cr);
		return err;
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_fill(cr);
	cairo_restore(cr);
	if (titled) {
		cairo_text_extents_t te;

		cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
		                       CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_font_size(cr, IMG_TITLE_PT);
		cairo_text_extents(cr, title, &te);
		cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
		cairo_move_to(cr, (pw - te.x_advance) / 2, ph - m);
		cairo_show_text(cr, title);
	}
	cairo_show_page(cr);
	return INK_OK;
}

ink_err img_pdf_from_svg(const char *svg, size_t svg_len, img_paper paper, const char *title,
                         uint8_t **pdf, size_t *pdf_len, char *why, size_t why_len)
{
	/* Portrait sizes in points; a landscape drawing turns the sheet. */
	double pw = paper == IMG_PAPER_LETTER ? 612.0 : 595.2756,
	       ph = paper == IMG_PAPER_LETTER ? 792.0 : 841.8898;
	img_bytes b = {0};
	cairo_surface_t *s;
	cairo_t *cr;
	const char *after;
	double dw, dh;
	ink_err err;

	if (img_svg_viewbox(svg, svg_len, &dw, &dh, &after) != 0) {
		img_why(why, why_len, "stored drawing is not a page's SVG");
		return INK_INVALID_ARGUMENT;
	}
	if (dw > dh) {
		double t = pw;
		pw = ph;
		ph = t;
	}
	s = cairo_pdf_surface_create_for_stream(img_pdf_write, &b, pw, ph);
	cr = cairo_create(s);
	err = INK_INTERNAL;
	if (cairo_status(cr) == CAIRO_STATUS_SUCCESS)
		err = img_pdf_page(cr, svg, svg_len, dw, dh, pw, ph, title);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (err == INK_OK && (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS || b.err))
		err = b.err ? INK_RESOURCE_EXHAUSTED : INK_INTERNAL;
	cairo_surface_destroy(s);
	if (err != INK_OK) {
		free(b.buf);
		img_why(why, why_len, "%s",
		        err == INK_INVALID_ARGUMENT ? "stored drawing is not a page's SVG"
		                                    : "could not print the page as PDF");
		return err;
	}
	*pdf = b.buf;
	*pdf_len = b.len;
	return INK_OK;
}

void img_fini(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}
