/*
 * decode_jpeg.c - JPEG bytes to a page-size gray (and RGB) raster, via libjpeg-turbo.
 *
 * A gray JPEG decodes straight to gray. A YCbCr one comes out as YCbCr: Y is the gray, the
 * same bytes libjpeg's own gray output gives, and RGB is made from all three here (libjpeg's
 * formula). An RGB one comes out as RGB and its gray is libjpeg's RGB -> Y. CMYK/YCCK come
 * out as CMYK and are turned to RGB and gray here (Adobe files store inverted values). The
 * page keeps that RGB for the drawing engine; px stays what it always was. When the page is much
 * smaller than the photo the IDCT itself scales down (scale_denom 2, 4 or 8), which is where
 * most of the speed and memory of a 12 MP upload goes; rows then stream into the shrinker.
 * Dimensions are checked from the header before jpeg_start_decompress allocates.
 * libjpeg's error_exit would exit(): ours longjmps back with the message. A premature end
 * of data is only a warning to libjpeg (it pads with gray); to us it is "JPEG is truncated".
 * A multi-scan (progressive) file keeps its coefficients in decode_jpeg_store.c's compact
 * store instead of libjpeg's 2 bytes each.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "decode_jpeg_store.h"
#include "img_priv.h"

/* A progressive JPEG may have any number of scans, each a full pass over the image. */
#define IMG_JPEG_MAX_SCANS 400
/* libjpeg's allocations besides the coefficient buffer (tables, a few rows), with room. */
#define IMG_JPEG_MEM_SLACK ((long)16 << 20)

typedef struct img_jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jmp;
	ink_err err;
	char msg[JMSG_LENGTH_MAX + 40];
} img_jerr;

typedef struct img_jpeg {
	struct jpeg_decompress_struct cinfo;
	struct jpeg_progress_mgr progress;
	img_jerr jerr;
	const img_opts *opts;
	img_gray page;
	img_shrink shr, shr_rgb; /* shr_rgb: colour sources only */
	int colour;              /* JCS_YCbCr, JCS_RGB or JCS_CMYK out: rgb is made too */
	uint8_t *row;            /* one decoded scanline */
	uint8_t *gray;           /* one gray scanline */
	uint8_t *rgb;            /* one RGB scanline (colour sources) */
	int orientation;
	const uint8_t *src_data;
	size_t src_len;
	img_jstore_mode mode;
	img_jstore store;      /* IMG_JSTORE_COMPACT; installed once the header is read */
	uint64_t libjpeg_coef; /* bytes libjpeg's own store takes for the file */
} img_jpeg;

static void img_jpeg_fail(j_common_ptr cinfo, ink_err err, const char *what)
{
	img_jerr *je = (img_jerr *)cinfo->err;

	if (je->err == INK_OK) {
		je->err = err;
		img_why(je->msg, sizeof(je->msg), "%s", what);
	}
	longjmp(je->jmp, 1);
}

static void img_jpeg_error_exit(j_common_ptr cinfo)
{
	char buf[JMSG_LENGTH_MAX];
	char line[JMSG_LENGTH_MAX + 40];
	int code = cinfo->err->msg_code;

	(*cinfo->err->format_message)(cinfo, buf);
	if (code == JERR_OUT_OF_MEMORY && ((img_jpeg *)cinfo)->store.over_budget) {
		img_why(
		    line, sizeof(line),
		    "progressive JPEG needs more than the %.0f MiB allowed to decode; save it as "
		    "baseline (not progressive)",
		    (double)((img_jpeg *)cinfo)->store.budget / (1 << 20));
		img_jpeg_fail(cinfo, INK_PAYLOAD_TOO_LARGE, line);
		return;
	}
	if (code == JERR_OUT_OF_MEMORY || code == JERR_NO_BACKING_STORE) {
		img_jpeg_fail(cinfo, INK_RESOURCE_EXHAUSTED, "out of memory decoding the JPEG");
		return;
	}
	img_why(line, sizeof(line), "JPEG is corrupt: %s", buf);
	img_jpeg_fail(cinfo, INK_INVALID_ARGUMENT, line);
}

static void img_jpeg_emit(j_common_ptr cinfo, int level)
{
	/* level -1 is a warning; only running out of data matters to us. */
	if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF)
		img_jpeg_fail(cinfo, INK_INVALID_ARGUMENT, "JPEG is truncated");
	if (level == -1)
		cinfo->err->num_warnings++;
}

static void img_jpeg_output(j_common_ptr cinfo)
{
	(void)cinfo;
}

static void img_jpeg_progress(j_common_ptr cinfo)
{
	j_decompress_ptr d = (j_decompress_ptr)cinfo;
	const img_jpeg *c = (const img_jpeg *)d; /* cinfo is c's first member */

	if (d->input_scan_number > IMG_JPEG_MAX_SCANS)
		img_jpeg_fail(cinfo, INK_INVALID_ARGUMENT, "JPEG has too many scans");
	if (img_past_deadline(&c->opts->limits))
		img_jpeg_fail(cinfo, INK_DEADLINE_EXCEEDED,
		              "conversion took longer than its deadline");
}

static uint8_t img_jpeg_clamp(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* YCbCr row -> gray (Y itself) and RGB, with jdcolor.c's fixed-point constants. */
static void img_jpeg_ycc(const uint8_t *in, uint8_t *gray, uint8_t *rgb, uint32_t w)
{
	for (uint32_t x = 0; x < w; x++) {
		int y = in[3 * x], cb = in[3 * x + 1] - 128, cr = in[3 * x + 2] - 128;

		gray[x] = (uint8_t)y;
		rgb[3 * x] = img_jpeg_clamp(y + ((91881 * cr + 32768) >> 16));
		rgb[3 * x + 1] = img_jpeg_clamp(y + ((-22554 * cb - 46802 * cr + 32768) >> 16));
		rgb[3 * x + 2] = img_jpeg_clamp(y + ((116130 * cb + 32768) >> 16));
	}
}

/* RGB row -> gray, as libjpeg's rgb_gray_convert (0.299, 0.587, 0.114 in 16 bits). */
static void img_jpeg_rgb_gray(const uint8_t *in, uint8_t *gray, uint32_t w)
{
	for (uint32_t x = 0; x < w; x++)
		gray[x] = (uint8_t)((19595u * in[3 * x] + 38470u * in[3 * x + 1] +
		                     7471u * in[3 * x + 2] + 32768u) >>
		                    16);
}

/* CMYK (or YCCK decoded to CMYK) row -> gray and RGB. Adobe's files store 255 - ink. */
static void img_jpeg_cmyk(const uint8_t *in, uint8_t *out, uint8_t *rgb, uint32_t w, int adobe)
{
	for (uint32_t x = 0; x < w; x++) {
		unsigned c = in[4 * x], m = in[4 * x + 1], y = in[4 * x + 2], k = in[4 * x + 3];
		unsigned r, g, b;

		if (!adobe) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		r = c * k / 255;
		g = m * k / 255;
		b = y * k / 255;
		out[x] = (uint8_t)((r * 299 + g * 587 + b * 114 + 500) / 1000);
		rgb[3 * x] = (uint8_t)r;
		rgb[3 * x + 1] = (uint8_t)g;
		rgb[3 * x + 2] = (uint8_t)b;
	}
}

static int img_jpeg_orientation(j_decompress_ptr d)
{
	for (jpeg_saved_marker_ptr m = d->marker_list; m != NULL; m = m->next) {
		if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 &&
		    memcmp(m->data, "Exif\0\0", 6) == 0)
			return img_exif_orientation(m->data, m->data_length);
	}
	return 1;
}

/* The largest 1/denom (denom 1, 2, 4, 8) whose output still covers pw x ph. */
static unsigned img_jpeg_denom(uint32_t w, uint32_t h, uint32_t pw, uint32_t ph)
{
	for (unsigned d = 8; d > 1; d /= 2)
		if ((w + d - 1) / d >= pw && (h + d - 1) / d >= ph)
			return d;
	return 1;
}

/* Page buffers, scanline buffers and shrinkers for the output size libjpeg settled on. */
static void img_jpeg_alloc(img_jpeg *c, uint32_t pw, uint32_t ph)
{
	j_decompress_ptr d = &c->cinfo;
	uint32_t ow = d->output_width, oh = d->output_height;

	c->page.px = img_xmalloc(pw, ph);
	c->row = img_xmalloc(ow, (size_t)d->output_components);
	c->gray = malloc(ow);
	if (c->colour) {
		c->page.rgb = img_xmalloc((size_t)pw * ph, 3);
		c->rgb = img_xmalloc(ow, 3);
	}
	if (c->page.px == NULL || c->row == NULL || c->gray == NULL ||
	    (c->colour && (c->page.rgb == NULL || c->rgb == NULL)) ||
	    img_shrink_init(&c->shr, ow, oh, pw, ph, c->page.px) != INK_OK ||
	    (c->colour &&
	     img_shrink_init_ch(&c->shr_rgb, ow, oh, pw, ph, 3, c->page.rgb) != INK_OK))
		img_jpeg_fail((j_common_ptr)d, INK_RESOURCE_EXHAUSTED,
		              "out of memory decoding the JPEG");
	c->page.w = pw;
	c->page.h = ph;
}

/* The scanline in c->row, as gray (and RGB), into the shrinkers. */
static void img_jpeg_scanline(img_jpeg *c)
{
	j_decompress_ptr d = &c->cinfo;
	uint32_t ow = d->output_width;

	switch (d->out_color_space) {
	case JCS_YCbCr:
		img_jpeg_ycc(c->row, c->gray, c->rgb, ow);
		break;
	case JCS_RGB:
		img_jpeg_rgb_gray(c->row, c->gray, ow);
		memcpy(c->rgb, c->row, (size_t)ow * 3);
		break;
	case JCS_CMYK:
		img_jpeg_cmyk(c->row, c->gray, c->rgb, ow, d->saw_Adobe_marker);
		break;
	default:
		img_shrink_row(&c->shr, c->row);
		return;
	}
	img_shrink_row(&c->shr, c->gray);
	img_shrink_row(&c->shr_rgb, c->rgb);
}

/* Bytes of the whole-image coefficient buffer libjpeg allocates for a multi-scan file
 * (progressive, or components in separate scans): jdcoefct.c requests, per component, one
 * 64-coefficient JBLOCK (128 bytes) per block, blocks rounded up to the sampling factors.
 * 0 for a single-scan file, which is decoded one row of MCUs at a time. */
static uint64_t img_jpeg_coef_bytes(j_decompress_ptr d)
{
	uint64_t n = 0;

	if (!d->progressive_mode && d->comps_in_scan >= d->num_components)
		return 0;
	for (int i = 0; i < d->num_components; i++) {
		const jpeg_component_info *ci = &d->comp_info[i];
		uint64_t bw = ci->width_in_blocks, bh = ci->height_in_blocks;
		uint64_t hs = (uint64_t)ci->h_samp_factor, vs = (uint64_t)ci->v_samp_factor;

		n += (bw + hs - 1) / hs * hs * ((bh + vs - 1) / vs * vs) * sizeof(JBLOCK);
	}
	return n;
}

/* Memory bound of a multi-scan JPEG: IMG_JPEG_COEF_BPP bytes a pixel of the image padded
 * to whole MCUs (what libjpeg's store needs for a 4:2:0 file exactly), or
 * IMG_JPEG_COEF_FLOOR for a small one. The compact store enforces it as it grows (a photo
 * takes a fraction of it, whatever its sampling). With libjpeg's store (tests only) a
 * 4:4:4 (6 bytes a pixel) or CMYK (8) progressive photo of more than a few megapixels is
 * refused from the header. */
static void img_jpeg_check_memory(img_jpeg *c)
{
	j_decompress_ptr d = &c->cinfo;
	uint64_t need = img_jpeg_coef_bytes(d);
	uint64_t mcu_w = 8u * (uint64_t)d->max_h_samp_factor,
	         mcu_h = 8u * (uint64_t)d->max_v_samp_factor;
	uint64_t padded = (d->image_width + mcu_w - 1) / mcu_w * mcu_w *
	                  ((d->image_height + mcu_h - 1) / mcu_h * mcu_h);
	uint64_t budget = IMG_JPEG_COEF_BPP * padded;
	char why[200];

	if (budget < IMG_JPEG_COEF_FLOOR)
		budget = IMG_JPEG_COEF_FLOOR;
	c->libjpeg_coef = need;
	if (c->mode == IMG_JSTORE_COMPACT) {
		img_jstore_install(&c->store, d, budget);
		return;
	}
	if (need > budget) {
		img_why(
		    why, sizeof(why),
		    "progressive JPEG of %ux%u would need %.0f MiB to decode, over the %.0f MiB "
		    "allowed; save it as baseline (not progressive) or with 4:2:0 chroma",
		    d->image_width, d->image_height, (double)need / (1 << 20),
		    (double)budget / (1 << 20));
		img_jpeg_fail((j_common_ptr)d, INK_PAYLOAD_TOO_LARGE, why);
	}
	/* And libjpeg enforces it: with no backing store, its virtual arrays fail past this. */
	d->mem->max_memory_to_use = (long)budget + IMG_JPEG_MEM_SLACK;
}

/* Everything that can error_exit; runs under img_jpeg_run's setjmp. */
static void img_jpeg_body(img_jpeg *c)
{
	j_decompress_ptr d = &c->cinfo;
	uint32_t w, h, pw, ph;

	jpeg_mem_src(d, c->src_data, (unsigned long)c->src_len);
	jpeg_save_markers(d, JPEG_APP0 + 1, 0xFFFF);
	if (jpeg_read_header(d, TRUE) != JPEG_HEADER_OK)
		img_jpeg_fail((j_common_ptr)d, INK_INVALID_ARGUMENT, "JPEG has no image");
	w = d->image_width;
	h = d->image_height;
	c->jerr.err =
	    img_check_dims(w, h, &c->opts->limits, "JPEG", c->jerr.msg, sizeof(c->jerr.msg));
	if (c->jerr.err != INK_OK)
		longjmp(c->jerr.jmp, 1);
	img_jpeg_check_memory(c);
	c->orientation = img_jpeg_orientation(d);

	switch (d->jpeg_color_space) {
	case JCS_GRAYSCALE:
		d->out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_YCbCr:
	case JCS_RGB:
		d->out_color_space = d->jpeg_color_space;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		d->out_color_space = JCS_CMYK;
		break;
	default:
		img_jpeg_fail((j_common_ptr)d, INK_INVALID_ARGUMENT,
		              "JPEG color space is not supported");
	}
	img_page_size(w, h, c->opts->max_side, &pw, &ph);
	d->scale_num = 1;
	d->scale_denom = img_jpeg_denom(w, h, pw, ph);
	d->dct_method = JDCT_IFAST;
	d->do_fancy_upsampling = FALSE;
	jpeg_calc_output_dimensions(d);
	if (d->output_width < pw || d->output_height < ph) {
		d->scale_denom = 1;
		jpeg_calc_output_dimensions(d);
	}

	c->colour = d->out_color_space != JCS_GRAYSCALE;
	img_jpeg_alloc(c, pw, ph);

	if (!jpeg_start_decompress(d))
		img_jpeg_fail((j_common_ptr)d, INK_INTERNAL, "JPEG decoder suspended");
	while (d->output_scanline < d->output_height) {
		JSAMPROW rows[1] = {c->row};

		if (jpeg_read_scanlines(d, rows, 1) != 1)
			img_jpeg_fail((j_common_ptr)d, INK_INVALID_ARGUMENT, "JPEG is truncated");
		if (img_past_deadline(&c->opts->limits))
			img_jpeg_fail((j_common_ptr)d, INK_DEADLINE_EXCEEDED,
			              "conversion took longer than its deadline");
		img_jpeg_scanline(c);
	}
}

static int img_jpeg_run(img_jpeg *c)
{
	if (setjmp(c->jerr.jmp))
		return -1;
	jpeg_create_decompress(&c->cinfo);
	/* Until the header says how much a multi-scan file needs (img_jpeg_check_memory). */
	c->cinfo.mem->max_memory_to_use = IMG_JPEG_MEM_SLACK;
	c->progress.progress_monitor = img_jpeg_progress;
	c->cinfo.progress = &c->progress;
	img_jpeg_body(c);
	return 0;
}

ink_err img_decode_jpeg(const uint8_t *d, size_t n, const img_opts *o, img_gray *out, char *why,
                        size_t why_len)
{
	return img_decode_jpeg_with(d, n, o, IMG_JSTORE_COMPACT, out, NULL, why, why_len);
}

ink_err img_decode_jpeg_with(const uint8_t *d, size_t n, const img_opts *o, img_jstore_mode mode,
                             img_gray *out, img_jstore_stats *stats, char *why, size_t why_len)
{
	img_jpeg *c;
	ink_err err = INK_OK;

	if (n < 3 || d[0] != 0xFF || d[1] != 0xD8 || d[2] != 0xFF) {
		img_why(why, why_len, "not a JPEG file");
		return INK_INVALID_ARGUMENT;
	}
	if ((unsigned long)n != n) {
		img_why(why, why_len, "JPEG is too large");
		return INK_PAYLOAD_TOO_LARGE;
	}
	/* On the heap: the jmp_buf and libjpeg's state are big, and nothing here changes
	 * between setjmp and longjmp except through this pointer. */
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		img_why(why, why_len, "out of memory starting the JPEG decoder");
		return INK_RESOURCE_EXHAUSTED;
	}
	c->opts = o;
	c->mode = mode;
	c->orientation = 1;
	c->cinfo.err = jpeg_std_error(&c->jerr.pub);
	c->jerr.pub.error_exit = img_jpeg_error_exit;
	c->jerr.pub.emit_message = img_jpeg_emit;
	c->jerr.pub.output_message = img_jpeg_output;
	c->src_data = d;
	c->src_len = n;
	if (img_jpeg_run(c) != 0) {
		err = c->jerr.err != INK_OK ? c->jerr.err : INK_INTERNAL;
		img_why(why, why_len, "%s", c->jerr.msg[0] ? c->jerr.msg : "JPEG decoder failed");
		goto out;
	}
	err = img_orient(&c->page, c->orientation);
	if (err != INK_OK) {
		img_why(why, why_len, "out of memory turning the JPEG upright");
		goto out;
	}
	*out = c->page;
	c->page.px = c->page.rgb = NULL;
	if (stats != NULL) {
		stats->multi_scan = c->libjpeg_coef > 0;
		stats->peak = c->store.peak;
		stats->libjpeg = c->libjpeg_coef;
	}
out:
	jpeg_destroy_decompress(&c->cinfo);
	img_shrink_fini(&c->shr);
	img_shrink_fini(&c->shr_rgb);
	free(c->row);
	free(c->gray);
	free(c->rgb);
	img_gray_fini(&c->page);
	free(c);
	return err;
}
