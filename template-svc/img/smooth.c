/*
 * smooth.c - edge-preserving smoothing of the Lab page before it is segmented for closure.
 *
 * Fur, skin pores and fabric weave are small colour changes that a gradient watershed
 * turns into a crackle of tiny cells. A bilateral filter flattens them (neighbours of a
 * similar colour are averaged) while it keeps real outlines (neighbours across an edge get
 * no weight). Run separably, along rows then columns, a few times: the classic cheap
 * approximation (Pham & van Vliet 2005); each pass reads the input planes and writes its
 * own rows, so it runs in row bands.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "img_priv.h"

#define IMG_BIL_R      4
#define IMG_BIL_LUT    1024
#define IMG_BIL_LUT_SC 8.0f /* squared Lab distance per LUT step */

typedef struct img_bil_job {
	const float *in[3];
	float *out[3];
	uint32_t w, h;
	int vertical;
	float ks[2 * IMG_BIL_R + 1];
	float kr[IMG_BIL_LUT];
} img_bil_job;

/* Pixel i of the page, its taps at i + t * step for t in -IMG_BIL_R..IMG_BIL_R all inside
 * the page: img_bil_rows's sums in the same order, without its bounds tests. */
static void img_bil_px(const img_bil_job *j, size_t i, ptrdiff_t step)
{
	const float *p0 = j->in[0] + i, *p1 = j->in[1] + i, *p2 = j->in[2] + i;
	float c0 = *p0, c1 = *p1, c2 = *p2;
	float s0 = 0, s1 = 0, s2 = 0, ws = 0;

	for (int t = -IMG_BIL_R; t <= IMG_BIL_R; t++) {
		ptrdiff_t k = t * step;
		float v0 = p0[k], v1 = p1[k], v2 = p2[k];
		float d0 = v0 - c0, d1 = v1 - c1, d2 = v2 - c2, wt;
		float d = (d0 * d0 + d1 * d1 + d2 * d2) / IMG_BIL_LUT_SC;

		if (d >= IMG_BIL_LUT)
			continue;
		wt = j->ks[t + IMG_BIL_R] * j->kr[(int)d];
		s0 += wt * v0;
		s1 += wt * v1;
		s2 += wt * v2;
		ws += wt;
	}
	j->out[0][i] = s0 / ws;
	j->out[1][i] = s1 / ws;
	j->out[2][i] = s2 / ws;
}

/* Whether pixel (x, y) has all its taps inside the page. */
static int img_bil_inside(const img_bil_job *j, uint32_t x, uint32_t y)
{
	uint32_t q = j->vertical ? y : x, n = j->vertical ? j->h : j->w;

	return q >= IMG_BIL_R && q + IMG_BIL_R < n;
}

static void img_bil_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_bil_job *j = ctx;
	uint32_t w = j->w, h = j->h;
	ptrdiff_t step = j->vertical ? (ptrdiff_t)w : 1;

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = 0; x < w; x++) {
			if (img_bil_inside(j, x, y)) {
				img_bil_px(j, (size_t)y * w + x, step);
				continue;
			}
			size_t i = (size_t)y * w + x;
			float c0 = j->in[0][i], c1 = j->in[1][i], c2 = j->in[2][i];
			float s0 = 0, s1 = 0, s2 = 0, ws = 0;

			for (int t = -IMG_BIL_R; t <= IMG_BIL_R; t++) {
				int64_t q = j->vertical ? (int64_t)y + t : (int64_t)x + t;
				int64_t n = j->vertical ? h : w;
				size_t k;
				float d0, d1, d2, d, wt;

				if (q < 0 || q >= n)
					continue;
				k = j->vertical ? (size_t)q * w + x : (size_t)y * w + (size_t)q;
				d0 = j->in[0][k] - c0;
				d1 = j->in[1][k] - c1;
				d2 = j->in[2][k] - c2;
				d = (d0 * d0 + d1 * d1 + d2 * d2) / IMG_BIL_LUT_SC;
				if (d >= IMG_BIL_LUT)
					continue;
				wt = j->ks[t + IMG_BIL_R] * j->kr[(int)d];
				s0 += wt * j->in[0][k];
				s1 += wt * j->in[1][k];
				s2 += wt * j->in[2][k];
				ws += wt;
			}
			j->out[0][i] = s0 / ws;
			j->out[1][i] = s1 / ws;
			j->out[2][i] = s2 / ws;
		}
}

void img_bilateral(float *c[3], float *tmp[3], uint32_t w, uint32_t h, float sigma_d, float sigma_r,
                   int passes)
{
	img_bil_job j;

	memset(&j, 0, sizeof(j));
	j.w = w;
	j.h = h;
	for (int t = -IMG_BIL_R; t <= IMG_BIL_R; t++)
		j.ks[t + IMG_BIL_R] = expf(-(float)(t * t) / (2 * sigma_d * sigma_d));
	for (int d = 0; d < IMG_BIL_LUT; d++)
		j.kr[d] = expf(-(float)d * IMG_BIL_LUT_SC / (2 * sigma_r * sigma_r));
	for (int p = 0; p < passes; p++)
		for (int v = 0; v < 2; v++) {
			for (int k = 0; k < 3; k++) {
				j.in[k] = v ? tmp[k] : c[k];
				j.out[k] = v ? c[k] : tmp[k];
			}
			j.vertical = v;
			img_par_rows(w, h, img_bil_rows, &j);
		}
}
