/*
 * legend.c - img_pdf_numbers(): a paint-by-numbers page printed (issue 19): the numbered
 * drawing above a legend of its palette, one swatch per number, the number as real text (so
 * it can be searched and read back by pdftotext), the crayon's name beside it.
 *
 * Same paper, margins and title as pdf.c; the drawing shrinks to leave the legend's rows.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>

#include "img_priv.h"

#define IMG_LG_PT_PER_MM (72.0 / 25.4)
#define IMG_LG_MARGIN    (10.0 * IMG_LG_PT_PER_MM)
#define IMG_LG_CELL_W    (46.0 * IMG_LG_PT_PER_MM)
#define IMG_LG_ROW_H     (9.0 * IMG_LG_PT_PER_MM)
#define IMG_LG_GAP       (5.0 * IMG_LG_PT_PER_MM)
#define IMG_LG_NUM_PT    11.0
#define IMG_LG_NAME_PT   8.0
#define IMG_LG_TITLE_PT  9.0

typedef struct img_lg_page {
	double pw, ph, dw, dh;
	int cols, rows;
} img_lg_page;

static cairo_status_t img_lg_write(void *closure, const unsigned char *data, unsigned int n)
{
	return img_bytes_add(closure, data, n) == INK_OK ? CAIRO_STATUS_SUCCESS
	                                                 : CAIRO_STATUS_WRITE_ERROR;
}

/* The drawing's size, read from its viewBox with a scratch context. */
static ink_err img_lg_dims(const char *svg, size_t svg_len, double *w, double *h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cairo_t *cr = cairo_create(s);
	ink_err err = INK_INTERNAL;

	if (cairo_status(cr) == CAIRO_STATUS_SUCCESS)
		err = img_svg_to_cairo(svg, svg_len, cr, w, h);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return err;
}

static void img_lg_swatch(cairo_t *cr, const img_swatch *sw, double x, double y)
{
	char num[8];
	cairo_text_extents_t te;
	double sq = 6.0 * IMG_LG_PT_PER_MM, nx = 9.0 * IMG_LG_PT_PER_MM;

	(void)snprintf(num, sizeof(num), "%d", sw->number);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, IMG_LG_NUM_PT);
	cairo_text_extents(cr, num, &te);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_move_to(cr, x + nx - 1.5 * IMG_LG_PT_PER_MM - te.x_advance,
	              y + sq / 2 + te.height / 2);
	cairo_show_text(cr, num);
	cairo_rectangle(cr, x + nx, y, 1.6 * sq, sq);
	cairo_set_source_rgb(cr, sw->rgb[0] / 255.0, sw->rgb[1] / 255.0, sw->rgb[2] / 255.0);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 0.5);
	cairo_stroke(cr);
	if (sw->name != NULL) {
		cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
		                       CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_font_size(cr, IMG_LG_NAME_PT);
		cairo_move_to(cr, x + nx + 1.6 * sq + 2.0 * IMG_LG_PT_PER_MM, y + sq / 2 + 3);
		cairo_show_text(cr, sw->name);
	}
}

static void img_lg_title(cairo_t *cr, const img_lg_page *lp, const char *title)
{
	cairo_text_extents_t te;

	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, IMG_LG_TITLE_PT);
	cairo_text_extents(cr, title, &te);
	cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
	cairo_move_to(cr, (lp->pw - te.x_advance) / 2, lp->ph - IMG_LG_MARGIN);
	cairo_show_text(cr, title);
}

static ink_err img_lg_draw(cairo_t *cr, const img_lg_page *lp, const char *svg, size_t svg_len,
                           const img_swatch *pal, int n, const char *title)
{
	int titled = title != NULL && title[0] != '\0';
	double legend = lp->rows * IMG_LG_ROW_H + IMG_LG_GAP;
	double boxw = lp->pw - 2 * IMG_LG_MARGIN,
	       boxh = lp->ph - 2 * IMG_LG_MARGIN - legend - (titled ? 2 * IMG_LG_TITLE_PT : 0);
	double s = boxw / lp->dw < boxh / lp->dh ? boxw / lp->dw : boxh / lp->dh;
	double ly = IMG_LG_MARGIN + boxh + IMG_LG_GAP;
	ink_err err;

	cairo_save(cr);
	cairo_translate(cr, IMG_LG_MARGIN + (boxw - lp->dw * s) / 2,
	                IMG_LG_MARGIN + (boxh - lp->dh * s) / 2);
	cairo_scale(cr, s, s);
	err = img_svg_to_cairo(svg, svg_len, cr, NULL, NULL);
	if (err == INK_OK) {
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_fill(cr);
	}
	cairo_restore(cr);
	if (err != INK_OK)
		return err;
	for (int i = 0; i < n; i++)
		img_lg_swatch(cr, &pal[i], IMG_LG_MARGIN + (i % lp->cols) * IMG_LG_CELL_W,
		              ly + (i / lp->cols) * IMG_LG_ROW_H);
	if (titled)
		img_lg_title(cr, lp, title);
	cairo_show_page(cr);
	return INK_OK;
}

/* Prints lp's page into b. INVALID_ARGUMENT (svg not ours), RESOURCE_EXHAUSTED, INTERNAL. */
static ink_err img_lg_print(const img_lg_page *lp, const char *svg, size_t svg_len,
                            const img_swatch *pal, int n, const char *title, img_bytes *b)
{
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(img_lg_write, b, lp->pw, lp->ph);
	cairo_t *cr = cairo_create(s);
	ink_err err = INK_INTERNAL;

	if (cairo_status(cr) == CAIRO_STATUS_SUCCESS)
		err = img_lg_draw(cr, lp, svg, svg_len, pal, n, title);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (err == INK_OK && (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS || b->err))
		err = b->err ? INK_RESOURCE_EXHAUSTED : INK_INTERNAL;
	cairo_surface_destroy(s);
	return err;
}

ink_err img_pdf_numbers(const char *svg, size_t svg_len, const img_swatch *pal, int n,
                        img_paper paper, const char *title, uint8_t **pdf, size_t *pdf_len,
                        char *why, size_t why_len)
{
	img_lg_page lp = {paper == IMG_PAPER_LETTER ? 612.0 : 595.2756,
	                  paper == IMG_PAPER_LETTER ? 792.0 : 841.8898,
	                  0,
	                  0,
	                  1,
	                  0};
	img_bytes b = {0};
	ink_err err;

	if (n < 0 || (n > 0 && pal == NULL) ||
	    img_lg_dims(svg, svg_len, &lp.dw, &lp.dh) != INK_OK) {
		img_why(why, why_len, "stored drawing is not a page's SVG");
		return INK_INVALID_ARGUMENT;
	}
	if (lp.dw > lp.dh) {
		double t = lp.pw;
		lp.pw = lp.ph;
		lp.ph = t;
	}
	lp.cols = (int)((lp.pw - 2 * IMG_LG_MARGIN) / IMG_LG_CELL_W);
	lp.cols = lp.cols < 1 ? 1 : lp.cols;
	lp.rows = (n + lp.cols - 1) / lp.cols;
	err = img_lg_print(&lp, svg, svg_len, pal, n, title, &b);
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
