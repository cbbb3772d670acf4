/*
 * regions_png.c - a numbered page's regions as a 16-bit gray PNG (issue 19): each pixel its
 * region's palette number, 0 on ink, so a client can check a fill without our geometry.
 *
 * libpng's simplified writer does it whole: 16-bit "linear" gray is written sample for
 * sample (it only tags the file gAMA 1.0), which is what numbers, not light, need.
 */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

ink_err img_encode_png16(const uint16_t *v, uint32_t w, uint32_t h, uint8_t **png, size_t *len)
{
	png_image im;
	png_alloc_size_t n = 0;
	uint8_t *buf;

	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	im.width = w;
	im.height = h;
	im.format = PNG_FORMAT_LINEAR_Y;
	if (!png_image_write_to_memory(&im, NULL, &n, 0, v, 0, NULL) || n == 0) {
		png_image_free(&im);
		return INK_INTERNAL;
	}
	buf = malloc(n);
	if (buf == NULL)
		return INK_RESOURCE_EXHAUSTED;
	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	im.width = w;
	im.height = h;
	im.format = PNG_FORMAT_LINEAR_Y;
	if (!png_image_write_to_memory(&im, buf, &n, 0, v, 0, NULL)) {
		png_image_free(&im);
		free(buf);
		return INK_INTERNAL;
	}
	*png = buf;
	*len = n;
	return INK_OK;
}
