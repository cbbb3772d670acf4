/*
 * lines.c - from regions and gradients to an ink mask.
 *
 * Region borders are marked on one side only (a pixel is ink when its right or lower
 * neighbour has another label), which gives 1-px lines that still cut every 4-connected
 * path between regions: any step from one region to another crosses a marked pixel.
 * Strong gradients (eyes, petals, fur patterns inside a region) are added as ink blobs; the
 * thinning in stroke.c turns both into centre lines.
 */
#include <string.h>

#include "img_priv.h"

void img_lines(const int32_t *lab, const float *mag, uint32_t w, uint32_t h, float strong,
               uint8_t *ink)
{
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			size_t p = (size_t)y * w + x;
			int b = (x + 1 < w && lab[p + 1] != lab[p]) ||
			        (y + 1 < h && lab[p + w] != lab[p]);

			ink[p] = (uint8_t)(b || mag[p] >= strong);
		}
	}
}

/* The most frequent label of the 3x3 window at (x, y); the centre wins ties. */
static int32_t img_majority(const int32_t *lab, uint32_t w, uint32_t h, uint32_t x, uint32_t y)
{
	int32_t val[9];
	int cnt[9];
	int n = 0, best = 0;
	int32_t centre = lab[(size_t)y * w + x];

	for (int dy = -1; dy <= 1; dy++) {
		for (int dx = -1; dx <= 1; dx++) {
			int64_t nx = (int64_t)x + dx, ny = (int64_t)y + dy;
			int32_t l;
			int i;

			if (nx < 0 || ny < 0 || nx >= w || ny >= h)
				continue;
			l = lab[(size_t)ny * w + (size_t)nx];
			for (i = 0; i < n && val[i] != l; i++)
				;
			if (i == n) {
				val[n] = l;
				cnt[n++] = 0;
			}
			cnt[i]++;
		}
	}
	for (int i = 1; i < n; i++)
		if (cnt[i] > cnt[best])
			best = i;
	for (int i = 0; i < n; i++)
		if (val[i] == centre && cnt[i] == cnt[best])
			return centre;
	return val[best];
}

typedef struct img_smooth_job {
	const int32_t *lab;
	int32_t *out;
	uint32_t w, h;
} img_smooth_job;

/* Rows [y0, y1) of one majority pass: reads lab, writes out. */
static void img_smooth_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_smooth_job *j = ctx;
	const int32_t *lab = j->lab;
	uint32_t w = j->w, h = j->h;

	for (uint32_t y = y0; y < y1; y++) {
		for (uint32_t x = 0; x < w; x++) {
			size_t p = (size_t)y * w + x;
			int same = (x == 0 || lab[p - 1] == lab[p]) &&
			           (x + 1 == w || lab[p + 1] == lab[p]) &&
			           (y == 0 || lab[p - w] == lab[p]) &&
			           (y + 1 == h || lab[p + w] == lab[p]);

			/* Inside a region nothing can change: skip the vote. */
			j->out[p] = same ? lab[p] : img_majority(lab, w, h, x, y);
		}
	}
}

void img_smooth_labels(int32_t *lab, int32_t *tmp, uint32_t w, uint32_t h, int passes)
{
	size_t N = (size_t)w * h;
	img_smooth_job j = {lab, tmp, w, h};

	for (int it = 0; it < passes; it++) {
		img_par_rows(w, h, img_smooth_rows, &j);
		memcpy(lab, tmp, N * sizeof(*lab));
	}
}
