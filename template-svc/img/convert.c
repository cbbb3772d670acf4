/*
 * convert.c - img_convert(): the pipeline, start to end, and the page's lifetime.
 *
 *   bytes -> (magic) decode to the page-size photo (gray + colour) -> draw (draw.c: drawn
 *   lines + closing borders -> one even pen) -> curves (vector.c: potrace -> SVG) -> the
 *   SVG rendered antialiased by cairo -> report on that render -> PNG.
 * Every buffer is page-sized and owned by one img_work, freed in one place.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

/* Gray a pen pixel keeps at most: clearly ink (< 128) and close to the curves' own black. */
#define IMG_INK_GRAY 64

typedef struct img_work {
	img_gray gray;
	float *g, *tmp, *mag; /* only for the report: page-quality's gradient of the photo */
	uint8_t *ink, *ink2;
	img_numbers nb;    /* style numbers: the regions' colours (numbers.c) */
	uint8_t *numbered; /* style numbers: the page with its numbers (labels.c) */
} img_work;

static void img_work_fini(img_work *wk)
{
	img_gray_fini(&wk->gray);
	free(wk->g);
	free(wk->tmp);
	free(wk->mag);
	free(wk->ink);
	free(wk->ink2);
	img_numbers_fini(&wk->nb);
	free(wk->numbered);
}

/* Paint by numbers, after the pen: colours the regions and erases the borders between
 * regions of one colour, before the curves are fitted. */
static ink_err img_convert_colour(img_work *wk, const img_opts *o)
{
	if (o->style != IMG_STYLE_NUMBERS)
		return INK_OK;
	return img_numbers_prepare(&wk->gray, o, wk->ink2, &wk->nb);
}

/* Paint by numbers, on the settled render: the numbers, the regions and the palette. */
static ink_err img_convert_number(img_work *wk, const img_opts *o, img_page *page)
{
	page->style = o->style;
	if (o->style != IMG_STYLE_NUMBERS)
		return INK_OK;
	return img_numbers_finish(&wk->nb, o, wk->ink, wk->ink2, page, &wk->numbered);
}

/* Paint by numbers: the PNG so far is the plain page; the numbered one becomes png. */
static ink_err img_convert_numbered_png(img_work *wk, img_page *page, char *why, size_t why_len)
{
	if (wk->numbered == NULL)
		return INK_OK;
	page->plain_png = page->png;
	page->plain_png_len = page->png_len;
	page->png = NULL;
	page->png_len = 0;
	return img_encode_png(wk->numbered, wk->gray.w, wk->gray.h, &page->png, &page->png_len, why,
	                      why_len);
}

/* The render is judged as printed (ink = gray < 128): a curve's bulge can pinch off a tiny
 * white cell, or a tip can shrink under the speck size. Fill the one, erase the other, in
 * the gray itself, so mask (gray < 128) and gray agree. INK_RESOURCE_EXHAUSTED on OOM. */
static ink_err img_settle(uint8_t *gray, uint8_t *mask, uint32_t w, uint32_t h)
{
	size_t N = (size_t)w * h;
	uint32_t *stack = img_xmalloc(N, sizeof(uint32_t));
	uint32_t sliver = N / 4 < IMG_SLIVER_PX ? (uint32_t)(N / 4) : IMG_SLIVER_PX;

	if (stack == NULL)
		return INK_RESOURCE_EXHAUSTED;
	if (img_fill_slivers(mask, w, h, sliver, stack) > 0)
		for (size_t i = 0; i < N; i++)
			if (mask[i] && gray[i] >= 128)
				gray[i] = 0;
	if (img_drop_specks(mask, w, h, IMG_SPECK_PX, stack) > 0)
		for (size_t i = 0; i < N; i++)
			if (!mask[i] && gray[i] < 128)
				gray[i] = 255;
	free(stack);
	return INK_OK;
}

/* wk->mag = page-quality's gradient: Sobel magnitude of the gray page blurred with 1.5. */
static ink_err img_source_mag(img_work *wk)
{
	uint32_t w = wk->gray.w, h = wk->gray.h;
	size_t N = (size_t)w * h;

	wk->g = img_xmalloc(N, sizeof(float));
	wk->tmp = img_xmalloc(N, sizeof(float));
	wk->mag = img_xmalloc(N, sizeof(float));
	if (wk->g == NULL || wk->tmp == NULL || wk->mag == NULL)
		return INK_RESOURCE_EXHAUSTED;
	for (size_t i = 0; i < N; i++)
		wk->g[i] = wk->gray.px[i];
	img_gauss(wk->g, wk->g, wk->tmp, w, h, 1.5f);
	img_sobel(wk->g, wk->mag, w, h);
	return INK_OK;
}

/* The report on the settled page: its own figures, and the photo's when asked.
 * INK_RESOURCE_EXHAUSTED on OOM. */
static ink_err img_convert_report(img_work *wk, int want_report, img_report *r)
{
	ink_err err = img_report_page(wk->ink2, wk->gray.w, wk->gray.h, r);

	if (err != INK_OK || !want_report)
		return err;
	err = img_source_mag(wk);
	if (err != INK_OK)
		return err;
	return img_report_source(wk->ink2, wk->mag, wk->gray.w, wk->gray.h, r);
}

/* The page's PNG, encoded on a thread of its own beside the report: the encoder reads the
 * settled gray only, the report its mask and the photo. */
typedef struct img_encode_job {
	const uint8_t *gray;
	uint32_t w, h;
	uint8_t *png; /* on success */
	size_t len;
	ink_err err;
	char why[200];
} img_encode_job;

static void *img_encode_run(void *arg)
{
	img_encode_job *j = arg;

	j->err = img_encode_png(j->gray, j->w, j->h, &j->png, &j->len, j->why, sizeof(j->why));
	return NULL;
}

/* Report and PNG of the settled page (the PNG into page->png). The report's error wins, as
 * when they ran one after the other. */
static ink_err img_convert_finish(img_work *wk, int want_report, img_page *page, char *why,
                                  size_t why_len)
{
	img_encode_job j = {.gray = wk->ink, .w = wk->gray.w, .h = wk->gray.h};
	pthread_t t;
	int started = pthread_create(&t, NULL, img_encode_run, &j) == 0;
	ink_err err = img_convert_report(wk, want_report, &page->report);

	if (started)
		/* Joining a thread we created and did not detach cannot fail. */
		(void)pthread_join(t, NULL);
	else
		(void)img_encode_run(&j);
	if (err != INK_OK) {
		free(j.png);
		img_why(why, why_len, "out of memory converting a %ux%u page", wk->gray.w,
		        wk->gray.h);
		return err;
	}
	if (j.err != INK_OK) {
		img_why(why, why_len, "%s", j.why);
		return j.err;
	}
	page->png = j.png;
	page->png_len = j.len;
	return INK_OK;
}

static ink_err img_decode(const uint8_t *data, size_t len, const img_opts *o, img_gray *g,
                          char *why, size_t why_len)
{
	static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

	if (len == 0) {
		img_why(why, why_len, "image is empty");
		return INK_INVALID_ARGUMENT;
	}
	if (len > o->limits.max_bytes) {
		img_why(why, why_len, "image is %.1f MiB, over the %.1f MiB limit",
		        (double)len / (1024.0 * 1024.0),
		        (double)o->limits.max_bytes / (1024.0 * 1024.0));
		return INK_PAYLOAD_TOO_LARGE;
	}
	if (len >= 8 && memcmp(data, png_sig, 8) == 0)
		return img_decode_png(data, len, o, g, why, why_len);
	if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
		return img_decode_jpeg(data, len, o, g, why, why_len);
	img_why(why, why_len, "not a PNG or JPEG image");
	return INK_INVALID_ARGUMENT;
}

ink_err img_convert(const uint8_t *data, size_t len, const img_opts *opts, int want_report,
                    img_page *out, char *why, size_t why_len)
{
	img_opts defaults;
	img_work wk;
	img_page page;
	size_t N;
	ink_err err;

	memset(&wk, 0, sizeof(wk));
	memset(&page, 0, sizeof(page));
	if (why != NULL && why_len > 0)
		why[0] = '\0';
	if (opts == NULL) {
		img_opts_default(&defaults);
		opts = &defaults;
	}
	err = img_opts_check(opts, why, why_len);
	if (err != INK_OK)
		return err;
	if (data == NULL && len > 0) {
		img_why(why, why_len, "no image data");
		return INK_INVALID_ARGUMENT;
	}
	err = img_decode(data, len, opts, &wk.gray, why, why_len);
	if (err != INK_OK)
		return err;

	N = (size_t)wk.gray.w * wk.gray.h;
	wk.ink = img_xmalloc(N, 1);
	wk.ink2 = img_xmalloc(N, 1);
	err = INK_RESOURCE_EXHAUSTED;
	if (wk.ink == NULL || wk.ink2 == NULL)
		goto oom;
	err = img_draw(&wk.gray, opts, wk.ink, wk.ink2);
	if (err != INK_OK)
		goto oom;
	/* Drawing is the long stage: a caller who stopped waiting gets no curves traced. */
	if (img_past_deadline(&opts->limits)) {
		img_why(why, why_len, "conversion took longer than its deadline");
		err = INK_DEADLINE_EXCEEDED;
		goto out;
	}
	err = img_convert_colour(&wk, opts);
	if (err != INK_OK)
		goto oom;
	/* The photo is no longer needed: its memory goes before the curves are made. */
	free(wk.gray.rgb);
	wk.gray.rgb = NULL;
	/* Curves from the stroked ink; the PNG is their antialiased render, and the report
	 * judges that render as page-quality will (ink = gray < 128). */
	err = img_trace_svg(wk.ink2, wk.gray.w, wk.gray.h, &page.svg, &page.svg_len);
	if (err != INK_OK)
		goto oom;
	err = img_render_svg(page.svg, page.svg_len, wk.ink, wk.gray.w, wk.gray.h);
	if (err != INK_OK)
		goto oom;
	/* Where the curves shave a pixel off a stroke (a smoothed corner, a thin diagonal), the
	 * pen's own pixel stays black: the regions stay closed exactly as drawn, and the PNG
	 * differs from the SVG by those pixels only. */
	for (size_t i = 0; i < N; i++) {
		if (wk.ink2[i] && wk.ink[i] > IMG_INK_GRAY)
			wk.ink[i] = IMG_INK_GRAY;
		wk.ink2[i] = wk.ink[i] < 128;
	}
	err = img_settle(wk.ink, wk.ink2, wk.gray.w, wk.gray.h);
	if (err == INK_OK)
		err = img_convert_number(&wk, opts, &page);
	if (err != INK_OK)
		goto oom;
	err = img_convert_finish(&wk, want_report, &page, why, why_len);
	if (err == INK_OK)
		err = img_convert_numbered_png(&wk, &page, why, why_len);
	if (err != INK_OK)
		goto out;
	page.width = wk.gray.w;
	page.height = wk.gray.h;
	*out = page;
	memset(&page, 0, sizeof(page));
	goto out;
oom:
	img_why(why, why_len, "out of memory converting a %ux%u page", wk.gray.w, wk.gray.h);
out:
	img_page_fini(&page);
	img_work_fini(&wk);
	return err;
}

void img_page_fini(img_page *p)
{
	if (p == NULL)
		return;
	free(p->png);
	free(p->svg);
	free(p->plain_png);
	free(p->plain_svg);
	free(p->regions_png);
	free(p->labels);
	memset(p, 0, sizeof(*p));
}

int img_report_ok(const img_report *r)
{
	int slack = r->fillable / 10 > 3 ? r->fillable / 10 : 3;

	if (r->ink < 0.02 || r->ink > 0.25 || r->specks != 0 || r->fillable < 5 ||
	    r->slivers > slack || r->largest > 0.5)
		return 0;
	if (r->recall >= 0 && r->recall < 0.90)
		return 0;
	if (r->detail >= 0 && r->detail < 0.85)
		return 0;
	if (r->precision >= 0 && r->precision < 0.90)
		return 0;
	return 1;
}
