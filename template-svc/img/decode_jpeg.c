/*
 * decode_jpeg.c - JPEG bytes to a page-size gray raster, via libjpeg-turbo.
 *
 * libjpeg decodes straight to gray (Y of YCbCr, or RGB -> Y); CMYK/YCCK come out as CMYK
 * and are turned to gray here (Adobe files store inverted values). When the page is much
 * smaller than the photo the IDCT itself scales down (scale_denom 2, 4 or 8), which is where
 * most of the speed and memory of a 12 MP upload goes; rows then stream into the shrinker.
 * Dimensions are checked from the header before jpeg_start_decompress allocates.
 * libjpeg's error_exit would exit(): ours longjmps back with the message. A premature end
 * of data is only a warning to libjpeg (it pads with gray); to us it is "JPEG is truncated".
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "img_priv.h"

/* A progressive JPEG may have any number of scans, each a full pass over the image. */
#define IMG_JPEG_MAX_SCANS 400
/* libjpeg's own allocation cap (progressive coefficient buffers are full size). */
#define IMG_JPEG_MAX_MEM ((long)1 << 30)

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
	img_shrink shr;
	uint8_t *row;  /* one decoded scanline */
	uint8_t *gray; /* one gray scanline (CMYK only) */
	int orientation;
	const uint8_t *src_data;
	size_t src_len;
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

	if (d->input_scan_number > IMG_JPEG_MAX_SCANS)
		img_jpeg_fail(cinfo, INK_INVALID_ARGUMENT, "JPEG has too many scans");
}

/* CMYK (or YCCK decoded to CMYK) row -> gray. Adobe's files store 255 - ink. */
static void img_jpeg_cmyk_gray(const uint8_t *in, uint8_t *out, uint32_t w, int adobe)
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

/* Everything that can error_exit; runs under img_jpeg_run's setjmp. */
static void img_jpeg_body(img_jpeg *c)
{
	j_decompress_ptr d = &c->cinfo;
	uint32_t w, h, pw, ph;
	int cmyk = 0;

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
	c->orientation = img_jpeg_orientation(d);

	switch (d->jpeg_color_space) {
	case JCS_GRAYSCALE:
	case JCS_YCbCr:
	case JCS_RGB:
		d->out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		d->out_color_space = JCS_CMYK;
		cmyk = 1;
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

	c->page.px = img_xmalloc(pw, ph);
	c->row = img_xmalloc(d->output_width, (size_t)d->output_components);
	c->gray = malloc(d->output_width);
	if (c->page.px == NULL || c->row == NULL || c->gray == NULL ||
	    img_shrink_init(&c->shr, d->output_width, d->output_height, pw, ph, c->page.px) !=
	        INK_OK)
		img_jpeg_fail((j_common_ptr)d, INK_RESOURCE_EXHAUSTED,
		              "out of memory decoding the JPEG");
	c->page.w = pw;
	c->page.h = ph;

	if (!jpeg_start_decompress(d))
		img_jpeg_fail((j_common_ptr)d, INK_INTERNAL, "JPEG decoder suspended");
	while (d->output_scanline < d->output_height) {
		JSAMPROW rows[1] = {c->row};

		if (jpeg_read_scanlines(d, rows, 1) != 1)
			img_jpeg_fail((j_common_ptr)d, INK_INVALID_ARGUMENT, "JPEG is truncated");
		if (cmyk) {
			img_jpeg_cmyk_gray(c->row, c->gray, d->output_width, d->saw_Adobe_marker);
			img_shrink_row(&c->shr, c->gray);
		} else {
			img_shrink_row(&c->shr, c->row);
		}
	}
}

static int img_jpeg_run(img_jpeg *c)
{
	if (setjmp(c->jerr.jmp))
		return -1;
	jpeg_create_decompress(&c->cinfo);
	c->cinfo.mem->max_memory_to_use = IMG_JPEG_MAX_MEM;
	c->progress.progress_monitor = img_jpeg_progress;
	c->cinfo.progress = &c->progress;
	img_jpeg_body(c);
	return 0;
}

ink_err img_decode_jpeg(const uint8_t *d, size_t n, const img_opts *o, img_gray *out, char *why,
                        size_t why_len)
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
	c->page.px = NULL;
out:
	jpeg_destroy_decompress(&c->cinfo);
	img_shrink_fini(&c->shr);
	free(c->row);
	free(c->gray);
	img_gray_fini(&c->page);
	free(c);
	return err;
}
