/*
 * edges.c - outlines where colours meet: thin ridges of the colour gradient (Canny's
 * non-maximum suppression and hysteresis, on the CIELAB gradient of flow.c).
 *
 * The DoG of fdog.c sees brightness only. A pink tulip on green leaves, a red scarf on a
 * brown coat, have nearly one luminance and no dark valley between them, yet an artist
 * outlines them. The colour gradient has a ridge there; keeping only its crest (a pixel
 * not weaker than its two neighbours across the edge) gives a one-pixel line, and
 * hysteresis keeps a weak stretch only where it continues a strong one, so texture noise
 * is not drawn.
 */
#include <math.h>
#include <string.h>

#include "img_priv.h"

static float img_at(const float *m, uint32_t w, uint32_t h, float x, float y)
{
	int64_t xi = (int64_t)lroundf(x), yi = (int64_t)lroundf(y);

	xi = xi < 0 ? 0 : (xi >= w ? w - 1 : xi);
	yi = yi < 0 ? 0 : (yi >= h ? h - 1 : yi);
	return m[(size_t)yi * w + (size_t)xi];
}

typedef struct img_nms_job {
	const float *mag, *tx, *ty;
	uint8_t *out;
	uint32_t w, h;
	float lo, hi;
} img_nms_job;

/* out: 0 none, 1 weak crest (>= lo), 2 strong crest (>= hi). */
static void img_nms_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_nms_job *j = ctx;

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = 0; x < j->w; x++) {
			size_t i = (size_t)y * j->w + x;
			float m = j->mag[i], nx = -j->ty[i], ny = j->tx[i];
			uint8_t v = 0;

			if (m >= j->lo && m >= img_at(j->mag, j->w, j->h, x + nx, y + ny) &&
			    m > img_at(j->mag, j->w, j->h, x - nx, y - ny))
				v = m >= j->hi ? 2 : 1;
			j->out[i] = v;
		}
}

void img_edges(const float *mag, const float *tx, const float *ty, uint32_t w, uint32_t h, float lo,
               float hi, uint8_t *out, uint32_t *stack)
{
	img_nms_job j = {mag, tx, ty, out, w, h, lo, hi};
	size_t N = (size_t)w * h;

	img_par_rows(w, h, img_nms_rows, &j);
	/* Hysteresis: every weak crest 8-connected to a strong one becomes strong. */
	for (size_t s = 0; s < N; s++) {
		size_t top = 0;

		if (out[s] != 2)
			continue;
		out[s] = 3;
		stack[top++] = (uint32_t)s;
		while (top > 0) {
			size_t p = stack[--top];
			uint32_t px = (uint32_t)(p % w), py = (uint32_t)(p / w);

			for (int dy = -1; dy <= 1; dy++)
				for (int dx = -1; dx <= 1; dx++) {
					int64_t qx = (int64_t)px + dx, qy = (int64_t)py + dy;
					size_t q;

					if (qx < 0 || qy < 0 || qx >= w || qy >= h)
						continue;
					q = (size_t)qy * w + (size_t)qx;
					if (out[q] == 1 || out[q] == 2) {
						out[q] = 3;
						stack[top++] = (uint32_t)q;
					}
				}
		}
	}
	for (size_t i = 0; i < N; i++)
		out[i] = out[i] == 3;
}
