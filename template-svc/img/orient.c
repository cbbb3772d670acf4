/*
 * orient.c - EXIF orientation: read the tag with libexif, turn the page upright.
 *
 * Phones store the sensor's rows and say in EXIF how to turn them (1..8). We turn the
 * page-size raster (gray and, for a colour photo, RGB), not the photo, so it costs one
 * small copy of each.
 */
#include <libexif/exif-data.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

int img_exif_orientation(const uint8_t *app1, size_t len)
{
	ExifData *ed;
	ExifEntry *e;
	int o = 1;

	if (len > 0xFFFF)
		return 1;
	ed = exif_data_new_from_data(app1, (unsigned int)len);
	if (ed == NULL)
		return 1;
	e = exif_data_get_entry(ed, EXIF_TAG_ORIENTATION);
	if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->size >= 2 &&
	    e->data != NULL) {
		unsigned v = exif_get_short(e->data, exif_data_get_byte_order(ed));

		if (v >= 1 && v <= 8)
			o = (int)v;
	}
	exif_data_unref(ed);
	return o;
}

/* src (w x h, ch bytes a pixel) turned by orientation 2..8 into a new buffer, or NULL. */
static uint8_t *img_orient_plane(const uint8_t *src, uint32_t w, uint32_t h, uint32_t ch,
                                 int orientation)
{
	uint32_t nw = orientation >= 5 ? h : w;
	uint8_t *dst = img_xmalloc((size_t)w * h, ch);

	if (dst == NULL)
		return NULL;
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint32_t dx, dy;

			switch (orientation) {
			case 2: /* mirror horizontally */
				dx = w - 1 - x, dy = y;
				break;
			case 3: /* rotate 180 */
				dx = w - 1 - x, dy = h - 1 - y;
				break;
			case 4: /* mirror vertically */
				dx = x, dy = h - 1 - y;
				break;
			case 5: /* transpose */
				dx = y, dy = x;
				break;
			case 6: /* rotate 90 clockwise */
				dx = h - 1 - y, dy = x;
				break;
			case 7: /* transverse */
				dx = h - 1 - y, dy = w - 1 - x;
				break;
			default: /* 8: rotate 90 counter-clockwise */
				dx = y, dy = w - 1 - x;
				break;
			}
			memcpy(dst + ((size_t)dy * nw + dx) * ch, src + ((size_t)y * w + x) * ch,
			       ch);
		}
	}
	return dst;
}

ink_err img_orient(img_gray *g, int orientation)
{
	uint8_t *px, *rgb = NULL;

	if (orientation <= 1 || orientation > 8)
		return INK_OK;
	px = img_orient_plane(g->px, g->w, g->h, 1, orientation);
	if (g->rgb != NULL)
		rgb = img_orient_plane(g->rgb, g->w, g->h, 3, orientation);
	if (px == NULL || (g->rgb != NULL && rgb == NULL)) {
		free(px);
		free(rgb);
		return INK_RESOURCE_EXHAUSTED;
	}
	free(g->px);
	free(g->rgb);
	g->px = px;
	g->rgb = rgb;
	if (orientation >= 5) {
		uint32_t t = g->w;

		g->w = g->h;
		g->h = t;
	}
	return INK_OK;
}
