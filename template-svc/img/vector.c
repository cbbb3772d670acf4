/*
 * vector.c - the page as curves: potrace fits Bezier curves to the stroked ink, the curves
 * are written once as SVG, and every raster or print form is drawn from that SVG by cairo.
 *
 * Why one SVG in the middle: the PNG, the SVG download and the PDF must show the same
 * drawing. Rendering the PNG by reading back the very text we serve makes that true by
 * construction (the PDF, made later at request time, reads the same text), so no second
 * copy of the curves is ever stored.
 *
 * The SVG is our own small subset: one <svg> with width, height and viewBox "0 0 W H", one
 * white <rect>, and one <path> whose d holds only absolute M, L, C and Z with plain decimal
 * numbers, filled black with the even-odd rule (potrace's holes are the white regions).
 */
#include <cairo.h>
#include <math.h>
#include <potracelib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

/* A growing text buffer; err latches the first failure so writers need not check each call. */
typedef struct img_text {
	char *buf;
	size_t len, cap;
	int err;
} img_text;

static void img_text_add(img_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void img_text_add(img_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err)
		return;
	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = 1;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 65536;
		while (cap - t->len <= (size_t)n)
			cap *= 2;
		char *nb = realloc(t->buf, cap);
		if (nb == NULL) {
			t->err = 1;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
}

/* Room for " X Y" of two coordinates and a command letter: plain decimals of a page's
 * size are far shorter; anything longer goes through vsnprintf. */
#define IMG_PT_ROOM 64

/* Makes room for IMG_PT_ROOM more bytes. -1 (t->err set) on OOM. */
static int img_text_room(img_text *t)
{
	if (t->err)
		return -1;
	if (t->cap - t->len > IMG_PT_ROOM)
		return 0;
	size_t cap = t->cap ? t->cap * 2 : 65536;
	char *nb = realloc(t->buf, cap);

	if (nb == NULL) {
		t->err = 1;
		return -1;
	}
	t->buf = nb;
	t->cap = cap;
	return 0;
}

/* The sign of the exact a * 10 - m for a double a >= 0 and a whole or half m near a * 10:
 * a * 10 = a * 8 + a * 2, both exact, whose rounded sum s and its error e (Knuth's two-sum)
 * hold it exactly; s - m is then exact too (Sterbenz) or far from 0. */
static int img_tenths_cmp(double s, double e, double m)
{
	double d = (s - m) + e;

	return (d > 0) - (d < 0);
}

/* Writes x as printf's "%.1f" does (the exact binary value rounded to a tenth, a tie to
 * even, "-" kept on a negative that rounds to 0) into o; returns the length, or -1 when x is
 * not a plain number of a page's size (then the caller asks printf). A page has some 50,000
 * coordinates, and printf's exact decimal conversion was a fifth of the tracing. */
static int img_fmt_tenths(char *o, double x)
{
	double a = fabs(x), a8 = a * 8, a2 = a * 2, s = a8 + a2, bb = s - a8;
	double e = (a8 - (s - bb)) + (a2 - bb), kf;
	char digits[24];
	int n = 0, len = 0;
	long long k;

	if (!(a < 1e12))
		return -1;
	kf = floor(s);
	if (kf == s && e < 0)
		kf -= 1;
	k = (long long)kf;
	int c = img_tenths_cmp(s, e, kf + 0.5);

	if (c > 0 || (c == 0 && (k & 1)))
		k++;
	if (signbit(x))
		o[len++] = '-';
	digits[n++] = (char)('0' + k % 10);
	digits[n++] = '.';
	k /= 10;
	do {
		digits[n++] = (char)('0' + k % 10);
		k /= 10;
	} while (k > 0);
	while (n > 0)
		o[len++] = digits[--n];
	return len;
}

/* One decimal is a tenth of a page pixel: finer than any printer dot at page size, and it
 * keeps a busy page's SVG a few hundred kB. */
static void img_text_pt(img_text *t, const potrace_dpoint_t *p)
{
	char *o;
	int nx, ny;

	if (img_text_room(t) != 0)
		return;
	o = t->buf + t->len;
	o[0] = ' ';
	nx = img_fmt_tenths(o + 1, p->x);
	if (nx < 0) {
		img_text_add(t, " %.1f %.1f", p->x, p->y);
		return;
	}
	o[1 + nx] = ' ';
	ny = img_fmt_tenths(o + 2 + nx, p->y);
	if (ny < 0) {
		img_text_add(t, " %.1f %.1f", p->x, p->y);
		return;
	}
	t->len += (size_t)(2 + nx + ny);
}

/* A command letter of the path. */
static void img_text_cmd(img_text *t, char c)
{
	if (img_text_room(t) == 0)
		t->buf[t->len++] = c;
}

static void img_svg_path(img_text *t, const potrace_curve_t *c)
{
	if (c->n <= 0)
		return;
	img_text_cmd(t, 'M');
	img_text_pt(t, &c->c[c->n - 1][2]);
	for (int i = 0; i < c->n; i++) {
		if (c->tag[i] == POTRACE_CURVETO) {
			img_text_cmd(t, 'C');
			img_text_pt(t, &c->c[i][0]);
			img_text_pt(t, &c->c[i][1]);
			img_text_pt(t, &c->c[i][2]);
		} else {
			img_text_cmd(t, 'L');
			img_text_pt(t, &c->c[i][1]);
			img_text_cmd(t, 'L');
			img_text_pt(t, &c->c[i][2]);
		}
	}
	img_text_cmd(t, 'Z');
}

/* Packs ink (1 = black) into potrace's bitmap: MSB-first words, row y of the page is
 * potrace's row y, so its coordinates are page pixels with y down, as SVG's. */
static ink_err img_bitmap(const uint8_t *ink, uint32_t w, uint32_t h, potrace_bitmap_t *bm)
{
	const int bits = (int)(8 * sizeof(potrace_word));

	bm->w = (int)w;
	bm->h = (int)h;
	bm->dy = ((int)w + bits - 1) / bits;
	bm->map = img_xmalloc((size_t)bm->dy * h, sizeof(potrace_word));
	if (bm->map == NULL)
		return INK_RESOURCE_EXHAUSTED;
	memset(bm->map, 0, (size_t)bm->dy * h * sizeof(potrace_word));
	for (uint32_t y = 0; y < h; y++) {
		potrace_word *row = bm->map + (size_t)y * (size_t)bm->dy;

		for (uint32_t x = 0; x < w; x++)
			if (ink[(size_t)y * w + x])
				row[x / bits] |= (potrace_word)1 << (bits - 1 - (int)(x % bits));
	}
	return INK_OK;
}

ink_err img_trace_svg(const uint8_t *ink, uint32_t w, uint32_t h, char **svg, size_t *svg_len)
{
	potrace_bitmap_t bm;
	potrace_param_t *param;
	potrace_state_t *st = NULL;
	img_text t = {0};
	ink_err err;

	err = img_bitmap(ink, w, h, &bm);
	if (err != INK_OK)
		return err;
	param = potrace_param_default();
	if (param == NULL) {
		free(bm.map);
		return INK_RESOURCE_EXHAUSTED;
	}
	/* Cleanup already dropped specks; keep every shape (turdsize 0). alphamax 1.0 is
	 * potrace's default balance of curves and corners; opticurve joins segments. */
	param->turdsize = 0;
	param->alphamax = 1.0;
	param->opticurve = 1;
	param->opttolerance = 0.2;
	st = potrace_trace(param, &bm);
	potrace_param_free(param);
	free(bm.map);
	if (st == NULL || st->status != POTRACE_STATUS_OK) {
		potrace_state_free(st);
		return INK_RESOURCE_EXHAUSTED;
	}
	img_text_add(&t,
	             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	             "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" "
	             "height=\"%u\" viewBox=\"0 0 %u %u\">\n"
	             "<rect width=\"%u\" height=\"%u\" fill=\"#fff\"/>\n"
	             "<path fill=\"#000\" fill-rule=\"evenodd\" d=\"",
	             w, h, w, h, w, h);
	for (const potrace_path_t *p = st->plist; p != NULL; p = p->next)
		img_svg_path(&t, &p->curve);
	img_text_add(&t, "\"/>\n</svg>\n");
	potrace_state_free(st);
	if (t.err) {
		free(t.buf);
		return INK_RESOURCE_EXHAUSTED;
	}
	*svg = t.buf;
	*svg_len = t.len;
	return INK_OK;
}

/* The render in row bands (parallel.c): each band draws the whole path on a surface of its
 * own rows, shifted up by a whole number of pixels, which moves every coordinate exactly, so
 * a pixel's coverage is what one surface for the page gives it. */
typedef struct img_render_job {
	const char *svg;
	size_t svg_len;
	uint8_t *gray;
	uint32_t w;
	ink_err err[2]; /* per band: top (from row 0), bottom */
} img_render_job;

/* Draws rows [y0, y1) of the page into gray + y0 * w. */
static ink_err img_render_band(const img_render_job *j, uint32_t y0, uint32_t y1)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, (int)j->w, (int)(y1 - y0));
	cairo_t *cr = NULL;
	ink_err err = INK_RESOURCE_EXHAUSTED;

	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		goto out;
	cr = cairo_create(s);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		goto out;
	cairo_translate(cr, 0, -(double)y0);
	err = img_svg_to_cairo(j->svg, j->svg_len, cr, NULL, NULL);
	if (err != INK_OK)
		goto out;
	cairo_set_source_rgba(cr, 0, 0, 0, 1);
	cairo_fill(cr);
	cairo_surface_flush(s);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		err = INK_INTERNAL;
		goto out;
	}
	const uint8_t *a = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);

	for (uint32_t y = 0; y < y1 - y0; y++) {
		uint8_t *o = j->gray + (size_t)(y0 + y) * j->w;

		for (uint32_t x = 0; x < j->w; x++)
			o[x] = (uint8_t)(255 - a[(size_t)y * (size_t)stride + x]);
	}
out:
	if (cr != NULL)
		cairo_destroy(cr);
	cairo_surface_destroy(s);
	return err;
}

static void img_render_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	img_render_job *j = ctx;

	j->err[y0 != 0] = img_render_band(j, y0, y1);
}

ink_err img_render_svg(const char *svg, size_t svg_len, uint8_t *gray, uint32_t w, uint32_t h)
{
	img_render_job j = {svg, svg_len, gray, w, {INK_OK, INK_OK}};

	img_par_rows(w, h, img_render_rows, &j);
	return j.err[0] != INK_OK ? j.err[0] : j.err[1];
}

ink_err img_bytes_add(img_bytes *b, const void *data, size_t n)
{
	if (b->err)
		return INK_RESOURCE_EXHAUSTED;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 65536;
		uint8_t *nb;

		while (cap - b->len < n)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (nb == NULL) {
			b->err = 1;
			return INK_RESOURCE_EXHAUSTED;
		}
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return INK_OK;
}
