/*
 * convert.c - img_convert(): the pipeline, start to end, and the page's lifetime.
 *
 *   bytes -> (magic) decode to page-size gray -> Gaussian sigma 1.5 -> Sobel magnitude M
 *   -> watershed of M (small closed basins) -> merge across weak borders (detail sets how
 *   weak) -> smooth borders -> ink = borders + strong gradients -> drop specks -> thin to
 *   a skeleton -> prune spurs -> redraw at line width -> drop specks, fill slivers
 *   -> report -> PNG.
 * Every buffer is page-sized and owned by one img_work, freed in one place.
 */
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

/* Per detail level 1..5. */
static const double img_merge_pct[5] = {90, 86, 80, 78.5, 77};     /* merge borders below this */
static const double img_strong_pct[5] = {93.3, 93, 92, 92, 92.5};  /* ink gradients above this */
static const double img_min_region[5] = {900, 500, 300, 200, 120}; /* px at 1000x750 */

#define IMG_SPECK_PX  16u
#define IMG_SLIVER_PX 64u
/* Absolute floors of M (Sobel of the sigma 1.5 blur; a clean step of s gray levels peaks
 * near 2.1 s): borders weaker than a 5-level step always merge, ink needs a 10-level one. */
#define IMG_MERGE_FLOOR  10.0f
#define IMG_STRONG_FLOOR 20.0f
/* Borders weaker than this are blank paper (a 2-level step), merged even past the area cap. */
#define IMG_FLAT          8.0f
#define IMG_SEED_R        7
#define IMG_SPUR_LEN      3
#define IMG_SMOOTH_PASSES 2
#define IMG_DASH_PX       12u
#define IMG_LOOP_MAX_PX   400u

typedef struct img_work {
	img_gray gray;
	float *g, *tmp, *mag;
	int32_t *lab, *lab2;
	uint8_t *ink, *ink2;
	uint32_t *stack;
} img_work;

static void img_work_fini(img_work *wk)
{
	img_gray_fini(&wk->gray);
	free(wk->g);
	free(wk->tmp);
	free(wk->mag);
	free(wk->lab);
	free(wk->lab2);
	free(wk->ink);
	free(wk->ink2);
	free(wk->stack);
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

/* Gray -> M (Sobel of the sigma 1.5 blur) -> regions -> ink mask in wk->ink. */
static ink_err img_draw(img_work *wk, const img_opts *o)
{
	uint32_t w = wk->gray.w, h = wk->gray.h;
	size_t N = (size_t)w * h;
	int d = o->detail - 1;
	double scale = (double)N / 750000.0;
	/* Wide pens use more ink per line: draw fewer, bigger regions so the page stays light
	 * (ink grows with line length times width). */
	double wide = o->line_width > 2 ? o->line_width / 2.0 : 1.0;
	uint64_t min_region = (uint64_t)(img_min_region[d] * (scale < 1 ? scale : 1) * wide * wide);
	double merge_pct = img_merge_pct[d] + 2.0 * (wide - 1.0);
	int32_t nlab = 0, nreg = 0;
	float merge_below, strong;
	/* On a tiny page every region is "small": never fill the page itself. */
	uint32_t sliver = N / 4 < IMG_SLIVER_PX ? (uint32_t)(N / 4) : IMG_SLIVER_PX;
	ink_err err;

	for (size_t i = 0; i < N; i++)
		wk->g[i] = wk->gray.px[i];
	img_gauss(wk->g, wk->g, wk->tmp, w, h, 1.5f);
	img_sobel(wk->g, wk->mag, w, h);
	free(wk->g);
	free(wk->tmp);
	wk->g = wk->tmp = NULL;

	err = img_watershed(wk->mag, w, h, IMG_SEED_R, wk->lab, &nlab);
	if (err != INK_OK)
		return err;
	/* Thresholds follow the photo (percentiles of M) but never sink to its noise: in a
	 * mostly flat picture the percentiles are noise, and so would the lines be. */
	merge_below = img_percentile(wk->mag, N, merge_pct < 95 ? merge_pct : 95);
	merge_below = merge_below > IMG_MERGE_FLOOR ? merge_below : IMG_MERGE_FLOOR;
	strong = img_percentile(wk->mag, N, img_strong_pct[d]);
	strong = strong > IMG_STRONG_FLOOR ? strong : IMG_STRONG_FLOOR;
	err = img_merge(wk->mag, w, h, wk->lab, nlab, merge_below, IMG_FLAT,
	                (uint64_t)(0.45 * (double)N),
	                min_region < IMG_SLIVER_PX ? IMG_SLIVER_PX : min_region, &nreg);
	if (err != INK_OK)
		return err;
	img_smooth_labels(wk->lab, wk->lab2, w, h, IMG_SMOOTH_PASSES);
	img_lines(wk->lab, wk->mag, w, h, strong, wk->ink);
	(void)img_drop_specks(wk->ink, w, h, IMG_SPECK_PX, wk->stack);
	img_thin(wk->ink, wk->ink2, w, h);
	/* Small loops of the skeleton would print as blobs: fill them and thin again, which
	 * leaves one line through where the loop was. */
	if (img_fill_slivers(wk->ink, w, h, sliver, wk->stack) > 0)
		img_thin(wk->ink, wk->ink2, w, h);
	img_prune_spurs(wk->ink, w, h, IMG_SPUR_LEN);
	/* Short loose bits of skeleton would print as dots or dashes. */
	(void)img_drop_specks(wk->ink, w, h, IMG_DASH_PX, wk->stack);
	img_stroke(wk->ink, wk->ink2, w, h, o->line_width);
	/* Loops the pen closes into slivers would print as blobs: collapse them to a line. */
	if (img_collapse_slivers(wk->ink, wk->ink2, w, h, sliver, IMG_LOOP_MAX_PX, wk->stack) > 0) {
		img_thin(wk->ink, wk->ink2, w, h);
		img_stroke(wk->ink, wk->ink2, w, h, o->line_width);
	}
	(void)img_drop_specks(wk->ink2, w, h, IMG_SPECK_PX, wk->stack);
	(void)img_fill_slivers(wk->ink2, w, h, sliver, wk->stack);
	return INK_OK;
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
	wk.g = img_xmalloc(N, sizeof(float));
	wk.tmp = img_xmalloc(N, sizeof(float));
	wk.mag = img_xmalloc(N, sizeof(float));
	wk.lab = img_xmalloc(N, sizeof(int32_t));
	wk.lab2 = img_xmalloc(N, sizeof(int32_t));
	wk.ink = img_xmalloc(N, 1);
	wk.ink2 = img_xmalloc(N, 1);
	wk.stack = img_xmalloc(N, sizeof(uint32_t));
	err = INK_RESOURCE_EXHAUSTED;
	if (wk.g == NULL || wk.tmp == NULL || wk.mag == NULL || wk.lab == NULL || wk.lab2 == NULL ||
	    wk.ink == NULL || wk.ink2 == NULL || wk.stack == NULL)
		goto oom;
	err = img_draw(&wk, opts);
	if (err != INK_OK)
		goto oom;
	/* Curves from the stroked ink; the PNG is their antialiased render, and the report
	 * judges that render as page-quality will (ink = gray < 128). */
	err = img_trace_svg(wk.ink2, wk.gray.w, wk.gray.h, &page.svg, &page.svg_len);
	if (err != INK_OK)
		goto oom;
	err = img_render_svg(page.svg, page.svg_len, wk.ink, wk.gray.w, wk.gray.h);
	if (err != INK_OK)
		goto oom;
	for (size_t i = 0; i < N; i++)
		wk.ink2[i] = wk.ink[i] < 128;
	err = img_report_page(wk.ink2, wk.gray.w, wk.gray.h, &page.report);
	if (err != INK_OK)
		goto oom;
	if (want_report) {
		err = img_report_source(wk.ink2, wk.mag, wk.gray.w, wk.gray.h, &page.report);
		if (err != INK_OK)
			goto oom;
	}
	err = img_encode_png(wk.ink, wk.gray.w, wk.gray.h, &page.png, &page.png_len, why, why_len);
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
