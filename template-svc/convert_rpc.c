/*
 * convert_rpc.c - Convert: unpack the request, map it onto img_opts with the
 * service's limits, run the engine, pack its page. The engine does the
 * work and owns every reason an image is refused; this file only passes
 * them on, so users read the same words whichever service asked.
 */
#include "convert_rpc.h"

#include <stdio.h>

#include "img.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "svc.h"
#include "swatch.h"
#include "template.pb-c.h"

/* Pages from a thumbnail to IMG_MAX_PIXELS (50 MP by default). */
static const double convert_pixel_bounds[] = {1e4, 1e5, 2.5e5, 5e5, 1e6, 2e6, 4e6, 8e6, 16e6, 50e6};

static const ink_metric_family convert_pixels = {
    .name = "inkwell_convert_pixels",
    .help = "Pixels of each coloring page converted (width x height).",
    .type = INK_METRIC_HISTOGRAM,
    .nbounds = (int)(sizeof(convert_pixel_bounds) / sizeof(convert_pixel_bounds[0])),
    .bounds = convert_pixel_bounds,
};

/* convert_opts fills *o from the request and the service's limits. Returns
 * INK_OK or the code of ink_rpc_fail (INVALID_ARGUMENT). */
static ink_err convert_opts(ink_rpc_ctx *ctx, const Inkwell__Template__V1__ConvertRequest *r,
                            img_opts *o)
{
	const tsvc_config *cfg = ctx->app;
	char why[256];

	img_opts_default(o);
	if (r->detail != 0)
		o->detail = r->detail;
	if (r->line_width != 0)
		o->line_width = r->line_width;
	o->limits.max_bytes = (size_t)cfg->max_image_bytes;
	o->limits.max_side = (uint32_t)cfg->max_image_side;
	o->limits.max_pixels = (uint64_t)cfg->max_image_pixels;
	/* The engine gives up once the caller has (issue 12: a PNG bomb kept a core busy long
	 * after the edge had answered 504). */
	o->limits.deadline_ms = ctx->deadline_unix_ms;
	if (tsvc_swatch_opts(r, o, why, sizeof(why)) != INK_OK ||
	    img_opts_check(o, why, sizeof(why)) != INK_OK)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "%s", why);
	return INK_OK;
}

static ink_err convert_reply(ink_rpc_ctx *ctx, const img_page *page, int want_report)
{
	Inkwell__Template__V1__ConvertResponse resp = INKWELL__TEMPLATE__V1__CONVERT_RESPONSE__INIT;
	Inkwell__Template__V1__QualityReport rep = INKWELL__TEMPLATE__V1__QUALITY_REPORT__INIT;
	tsvc_swatch_out pal;

	resp.png.data = page->png;
	resp.png.len = page->png_len;
	resp.width = page->width;
	resp.height = page->height;
	resp.svg.data = (uint8_t *)page->svg;
	resp.svg.len = page->svg_len;
	/* Paint by numbers: png/svg above are numbered; the rest is stored with them. */
	resp.style = (char *)img_style_name(page->style);
	tsvc_swatch_from_page(page, &pal);
	resp.n_palette = pal.n;
	resp.palette = pal.ptr;
	resp.plain_png.data = page->plain_png;
	resp.plain_png.len = page->plain_png_len;
	resp.plain_svg.data = (uint8_t *)page->plain_svg;
	resp.plain_svg.len = page->plain_svg_len;
	resp.regions_png.data = page->regions_png;
	resp.regions_png.len = page->regions_png_len;
	if (want_report) {
		rep.ink = page->report.ink;
		rep.specks = page->report.specks;
		rep.fillable = page->report.fillable;
		rep.slivers = page->report.slivers;
		rep.largest = page->report.largest;
		rep.recall = page->report.recall;
		rep.detail = page->report.detail;
		rep.precision = page->report.precision;
		resp.report = &rep;
	}
	return ink_rpc_reply(ctx, &resp.base);
}

ink_err tsvc_convert(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	img_opts opts;
	img_page page = {0};
	char why[256] = "";
	Inkwell__Template__V1__ConvertRequest *r =
	    inkwell__template__v1__convert_request__unpack(NULL, len, body);

	if (r == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "ConvertRequest does not parse");
	ink_err err = convert_opts(ctx, r, &opts);
	if (err != INK_OK)
		goto out;
	const tsvc_config *cfg = ctx->app;
	if (ink_slots_enter(cfg->convert_gate, ctx->deadline_unix_ms) != INK_OK) {
		err = ink_rpc_fail(ctx, INK_UNAVAILABLE,
		                   "too many conversions at once; retry shortly");
		goto out;
	}
	double start = ink_mono_ms();
	err = img_convert(r->image.data, r->image.len, &opts, r->want_report, &page, why,
	                  sizeof(why));
	ink_slots_leave(cfg->convert_gate, ink_mono_ms() - start);
	if (err != INK_OK) {
		err = ink_rpc_fail(ctx, err, "%s", why[0] ? why : ink_strerror(err));
		goto out;
	}
	ink_log_info("converted %zu bytes into a %ux%u page of %zu bytes", r->image.len, page.width,
	             page.height, page.png_len);
	ink_metrics_observe(&convert_pixels, NULL, (double)page.width * (double)page.height);
	err = convert_reply(ctx, &page, r->want_report);
	img_page_fini(&page);
out:
	inkwell__template__v1__convert_request__free_unpacked(r, NULL);
	return err;
}
