/*
 * labels.c - img_numbers_finish(): the numbers of a paint-by-numbers page (issue 19), put on
 * the final, settled render, so what is numbered is exactly what a fill will see.
 *
 * Each white region (4-connected) gets its colour's number at its pole of inaccessibility:
 * the pixel farthest from any ink or the page edge (edt.c), first in raster order on ties.
 * The glyph's ink box is sized to fit the disk of that radius less IMG_LABEL_GAP, so it never
 * touches a line, between the smallest size readable on A4 and a cap; a region that cannot
 * hold the smallest is inked (numbers.c already folded nearly all of those away). Glyphs are
 * cairo's outlines of DejaVu Sans Bold (fontconfig's sans-serif), unhinted, so their size
 * scales exactly; the same outlines are appended to the SVG's path and rendered into the PNG.
 */
#include <cairo.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

/* Font em in mm as printed on A4 (inside pdf.c's 10 mm margins), per detail 1..5: fewer,
 * bigger regions get bigger numbers; 2 mm of em (digits 1.5 mm tall, about 6 pt) is still
 * read easily. On screen a number is never under IMG_LABEL_MIN_PX. */
static const double img_label_min_mm[5] = {3.2, 2.8, 2.4, 2.2, 2.0};
#define IMG_LABEL_MAX_MM   8.0
#define IMG_LABEL_FLOOR_MM 1.8 /* the smallest number ever drawn: digits 1.3 mm, 5 pt */
#define IMG_LABEL_MIN_PX   6.0
#define IMG_LABEL_TRIES    4

void img_label_font(const img_opts *o, uint32_t w, uint32_t h, double *min_em, double *max_em,
                    double *floor_em)
{
	/* mm per page pixel when the page is printed on A4 (a landscape page turns the sheet). */
	double lw = w > h ? 277.0 : 190.0, lh = w > h ? 190.0 : 277.0;
	double mmpp = lw / w < lh / h ? lw / w : lh / h;
	double lo = img_label_min_mm[o->detail - 1] / mmpp;

	*min_em = lo > IMG_LABEL_MIN_PX ? lo : IMG_LABEL_MIN_PX;
	*max_em = IMG_LABEL_MAX_MM / mmpp;
	lo = IMG_LABEL_FLOOR_MM / mmpp;
	*floor_em = lo > IMG_LABEL_MIN_PX ? lo : IMG_LABEL_MIN_PX;
}

static void img_label_face(cairo_t *cr)
{
	cairo_font_options_t *fo = cairo_font_options_create();

	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
}

static double img_label_hd(cairo_t *cr, const char *s, double em)
{
	cairo_text_extents_t te;

	cairo_set_font_size(cr, em);
	cairo_text_extents(cr, s, &te);
	return sqrt(te.width * te.width + te.height * te.height) / 2;
}

ink_err img_label_halfdiag(int digits, double *hd)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cairo_t *cr = cairo_create(s);
	double best = 0;
	ink_err err = INK_INTERNAL;

	if (cairo_status(cr) == CAIRO_STATUS_SUCCESS) {
		img_label_face(cr);
		for (int n = 1; n < (digits >= 2 ? 100 : 10); n++) {
			char t[8];
			double d;

			(void)snprintf(t, sizeof(t), "%d", n);
			d = img_label_hd(cr, t, 100.0) / 100.0;
			best = d > best ? d : best;
		}
		if (cairo_status(cr) == CAIRO_STATUS_SUCCESS && best > 0) {
			*hd = best;
			err = INK_OK;
		}
	}
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return err;
}

typedef struct img_lab_work {
	uint32_t w, h;
	size_t N;
	int32_t *reg, nreg;
	uint32_t *stack;
	float *d2;
	size_t *pole; /* per region 1..nreg */
	int *number;  /* per region */
	uint16_t *regions;
	uint8_t *numbered;
	img_bytes t; /* the glyphs' path data */
} img_lab_work;

static void img_lab_add(img_lab_work *wk, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends to wk->t; a failure latches in wk->t.err. */
static void img_lab_add(img_lab_work *wk, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		wk->t.err = 1;
	else
		(void)img_bytes_add(&wk->t, buf, (size_t)n);
}

static void img_lab_work_fini(img_lab_work *wk)
{
	free(wk->reg);
	free(wk->stack);
	free(wk->d2);
	free(wk->pole);
	free(wk->number);
	free(wk->regions);
	free(wk->numbered);
	free(wk->t.buf);
}

/* The palette: colours that number some region, dark to light (CIELAB L, then index);
 * crayons keep their fixed numbers. num[c] = the number of colour c. */
static void img_lab_palette(const img_numbers *nb, const img_lab_work *wk, img_page *page, int *num)
{
	int used[IMG_CRAYONS > IMG_COLORS_MAX ? IMG_CRAYONS : IMG_COLORS_MAX] = {0};
	int order[IMG_CRAYONS > IMG_COLORS_MAX ? IMG_CRAYONS : IMG_COLORS_MAX], n = 0;

	for (int32_t r = 1; r <= wk->nreg; r++)
		used[nb->cid[wk->pole[r]] - 1] = 1;
	for (int c = 0; c < nb->ncol; c++)
		if (used[c])
			order[n++] = c;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && nb->col[order[j]].lab[0] < nb->col[order[j - 1]].lab[0];
		     j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		const img_colour *col = &nb->col[order[i]];
		img_swatch *sw = &page->palette[i];

		sw->number = col->crayon >= 0 ? col->crayon + 1 : i + 1;
		memcpy(sw->rgb, col->rgb, 3);
		sw->name = col->crayon >= 0 ? img_crayons24()[col->crayon].name : NULL;
		num[order[i]] = sw->number;
	}
	page->npalette = n;
}

/* Poles: the farthest pixel of each region from anything not white (a curve's faint
 * antialiased edge too: a number must sit on paper, not on a line's shadow). */
static ink_err img_lab_poles(img_lab_work *wk, const uint8_t *gray)
{
	ink_err err;

	for (size_t i = 0; i < wk->N; i++)
		wk->numbered[i] = gray[i] < 255;
	err = img_edt(wk->numbered, wk->w, wk->h, wk->d2);

	if (err != INK_OK)
		return err;
	wk->pole = img_xmalloc((size_t)wk->nreg + 1, sizeof(size_t));
	wk->number = calloc((size_t)wk->nreg + 1, sizeof(int));
	if (wk->pole == NULL || wk->number == NULL)
		return INK_RESOURCE_EXHAUSTED;
	for (int32_t r = 0; r <= wk->nreg; r++)
		wk->pole[r] = SIZE_MAX;
	for (size_t i = 0; i < wk->N; i++) {
		int32_t r = wk->reg[i];

		if (r != 0 && (wk->pole[r] == SIZE_MAX || wk->d2[i] > wk->d2[wk->pole[r]]))
			wk->pole[r] = i;
	}
	return INK_OK;
}

/* Sizes region r's number to its disk and adds its outline to cr's path and a label to
 * lab. Returns 0, or -1 when even the smallest readable size does not fit. */
static int img_lab_place(cairo_t *cr, const img_lab_work *wk, int32_t r, double min_em,
                         double max_em, img_label *lab)
{
	size_t p = wk->pole[r];
	double rad = sqrt(wk->d2[p]), room = rad - IMG_LABEL_GAP, cx = (double)(p % wk->w) + 0.5,
	       cy = (double)(p / wk->w) + 0.5;
	char s[8];
	cairo_text_extents_t te;
	double em;

	(void)snprintf(s, sizeof(s), "%d", wk->number[r]);
	em = room / img_label_hd(cr, s, 1.0);
	em = em > max_em ? max_em : em;
	for (int i = 0; i < IMG_LABEL_TRIES && em >= min_em; i++, em *= 0.95)
		if (img_label_hd(cr, s, em) <= room)
			break;
	if (em < min_em || img_label_hd(cr, s, em) > room)
		return -1;
	cairo_set_font_size(cr, em);
	cairo_text_extents(cr, s, &te);
	cairo_move_to(cr, cx - (te.x_bearing + te.width / 2), cy - (te.y_bearing + te.height / 2));
	cairo_text_path(cr, s);
	lab->number = wk->number[r];
	lab->px = cx;
	lab->py = cy;
	lab->radius = rad;
	lab->x0 = cx - te.width / 2;
	lab->y0 = cy - te.height / 2;
	lab->x1 = cx + te.width / 2;
	lab->y1 = cy + te.height / 2;
	return 0;
}

/* Region r is too small to number: it becomes ink. */
static void img_lab_ink(img_lab_work *wk, int32_t r, uint8_t *gray, uint8_t *mask)
{
	for (size_t i = 0; i < wk->N; i++)
		if (wk->reg[i] == r) {
			gray[i] = 0;
			mask[i] = 1;
			wk->reg[i] = 0;
		}
}

/* cr's path (the glyphs) as our SVG's M/L/C/Z into wk->t. */
static void img_lab_path_svg(cairo_t *cr, img_lab_work *wk)
{
	cairo_path_t *path = cairo_copy_path(cr);

	if (path == NULL || path->status != CAIRO_STATUS_SUCCESS) {
		wk->t.err = 1;
		cairo_path_destroy(path);
		return;
	}
	for (int i = 0; i < path->num_data; i += path->data[i].header.length) {
		const cairo_path_data_t *d = &path->data[i];

		switch (d->header.type) {
		case CAIRO_PATH_MOVE_TO:
			img_lab_add(wk, "M %.2f %.2f", d[1].point.x, d[1].point.y);
			break;
		case CAIRO_PATH_LINE_TO:
			img_lab_add(wk, "L %.2f %.2f", d[1].point.x, d[1].point.y);
			break;
		case CAIRO_PATH_CURVE_TO:
			img_lab_add(wk, "C %.2f %.2f %.2f %.2f %.2f %.2f", d[1].point.x,
			            d[1].point.y, d[2].point.x, d[2].point.y, d[3].point.x,
			            d[3].point.y);
			break;
		case CAIRO_PATH_CLOSE_PATH:
			img_lab_add(wk, "Z");
			break;
		}
	}
	cairo_path_destroy(path);
}

/* Places every number (inking the regions too small for one), then writes the glyphs into
 * wk->t and renders them over gray into wk->numbered. */
static ink_err img_lab_draw(img_lab_work *wk, const img_opts *o, uint8_t *gray, uint8_t *mask,
                            img_page *page)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, (int)wk->w, (int)wk->h);
	cairo_t *cr = cairo_create(s);
	double min_em, max_em, floor_em;
	ink_err err = INK_INTERNAL;

	/* numbers.c merged what could not hold min_em; what is left still gets a number
	 * down to the floor. */
	img_label_font(o, wk->w, wk->h, &min_em, &max_em, &floor_em);
	page->labels = img_xmalloc((size_t)wk->nreg + 1, sizeof(img_label));
	if (page->labels == NULL || cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		err = page->labels == NULL ? INK_RESOURCE_EXHAUSTED : INK_INTERNAL;
		goto out;
	}
	img_label_face(cr);
	for (int32_t r = 1; r <= wk->nreg; r++)
		if (img_lab_place(cr, wk, r, floor_em, max_em, &page->labels[page->nlabels]) == 0)
			page->nlabels++;
		else
			img_lab_ink(wk, r, gray, mask);
	img_lab_path_svg(cr, wk);
	cairo_set_source_rgba(cr, 0, 0, 0, 1);
	cairo_fill(cr);
	cairo_surface_flush(s);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		goto out;
	const uint8_t *a = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);

	for (uint32_t y = 0; y < wk->h; y++)
		for (uint32_t x = 0; x < wk->w; x++) {
			size_t i = (size_t)y * wk->w + x;
			uint8_t v = (uint8_t)(255 - a[(size_t)y * (size_t)stride + x]);

			wk->numbered[i] = v < gray[i] ? v : gray[i];
		}
	err = wk->t.err ? INK_RESOURCE_EXHAUSTED : INK_OK;
out:
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return err;
}

/* The numbered SVG: the plain one with the glyphs' outlines appended to its one path. */
static ink_err img_lab_svg(img_lab_work *wk, img_page *page)
{
	static const char tail[] = "\"/>\n</svg>\n";
	size_t tl = sizeof(tail) - 1, n;
	char *svg;

	if (page->svg_len < tl || memcmp(page->svg + page->svg_len - tl, tail, tl) != 0)
		return INK_INTERNAL;
	n = page->svg_len + wk->t.len;
	svg = malloc(n + 1);
	if (svg == NULL)
		return INK_RESOURCE_EXHAUSTED;
	memcpy(svg, page->svg, page->svg_len - tl);
	memcpy(svg + page->svg_len - tl, wk->t.buf != NULL ? (const void *)wk->t.buf : "",
	       wk->t.len);
	memcpy(svg + n - tl, tail, tl + 1);
	page->plain_svg = page->svg;
	page->plain_svg_len = page->svg_len;
	page->svg = svg;
	page->svg_len = n;
	return INK_OK;
}

static ink_err img_lab_init(img_lab_work *wk, uint32_t w, uint32_t h, const uint8_t *mask)
{
	memset(wk, 0, sizeof(*wk));
	wk->w = w;
	wk->h = h;
	wk->N = (size_t)w * h;
	wk->reg = img_xmalloc(wk->N, sizeof(int32_t));
	wk->stack = img_xmalloc(wk->N, sizeof(uint32_t));
	wk->d2 = img_xmalloc(wk->N, sizeof(float));
	wk->regions = img_xmalloc(wk->N, sizeof(uint16_t));
	wk->numbered = img_xmalloc(wk->N, 1);
	if (wk->reg == NULL || wk->stack == NULL || wk->d2 == NULL || wk->regions == NULL ||
	    wk->numbered == NULL)
		return INK_RESOURCE_EXHAUSTED;
	img_white_regions(mask, w, h, wk->reg, &wk->nreg, wk->stack);
	return INK_OK;
}

ink_err img_numbers_finish(const img_numbers *nb, const img_opts *o, uint8_t *gray, uint8_t *mask,
                           img_page *page, uint8_t **numbered)
{
	img_lab_work wk;
	int num[IMG_CRAYONS > IMG_COLORS_MAX ? IMG_CRAYONS : IMG_COLORS_MAX] = {0};
	ink_err err = img_lab_init(&wk, nb->w, nb->h, mask);

	if (err == INK_OK)
		err = img_lab_poles(&wk, gray);
	if (err != INK_OK)
		goto out;
	img_lab_palette(nb, &wk, page, num);
	for (int32_t r = 1; r <= wk.nreg; r++)
		wk.number[r] = num[nb->cid[wk.pole[r]] - 1];
	err = img_lab_draw(&wk, o, gray, mask, page);
	if (err == INK_OK)
		err = img_lab_svg(&wk, page);
	if (err != INK_OK)
		goto out;
	for (size_t i = 0; i < wk.N; i++)
		wk.regions[i] = wk.reg[i] != 0 ? (uint16_t)wk.number[wk.reg[i]] : 0;
	err = img_encode_png16(wk.regions, wk.w, wk.h, &page->regions_png, &page->regions_png_len);
	if (err != INK_OK)
		goto out;
	*numbered = wk.numbered;
	wk.numbered = NULL;
out:
	img_lab_work_fini(&wk);
	return err;
}
