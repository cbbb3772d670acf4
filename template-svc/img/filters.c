/*
 * filters.c - the float filters every stage shares: Gaussian blur, Sobel magnitude,
 * percentile.
 *
 * Blur and Sobel copy scipy.ndimage's definitions (radius 4 sigma, 'reflect' borders,
 * hypot of the two Sobel axes) so that our gradients are those page-quality measures pages
 * against. Passes run row by row so the inner loops stream through memory, and in two row
 * bands at once on big pages (parallel.c).
 */
#include <math.h>
#include <string.h>

#include "img_priv.h"
#include "ink_assert.h"

#define IMG_GAUSS_MAX_R 32
#define IMG_HIST_BINS   4096

/* scipy 'reflect': ... c b a | a b c ... | z y x ..., for any offset. */
static uint32_t img_reflect(int64_t i, uint32_t n)
{
	int64_t p = 2 * (int64_t)n;

	i %= p;
	if (i < 0)
		i += p;
	return (uint32_t)(i < n ? i : p - 1 - i);
}

/* What a band of the blur needs. */
typedef struct img_gauss_job {
	const float *in;
	float *out, *tmp;
	uint32_t w, h;
	int r;
	float k[2 * IMG_GAUSS_MAX_R + 1];
} img_gauss_job;

/* Interior pixels from x on, IMG_GAUSS_RUN at a time: each pixel's sum is taken in the same
 * order as one at a time (the same bits), but the pixels of a run side by side, which the
 * compiler turns into vector lanes. Returns the first pixel not done. */
#define IMG_GAUSS_RUN 8
static uint32_t img_gauss_run_h(const img_gauss_job *j, const float *row, float *o, uint32_t x)
{
	uint32_t w = j->w, r = (uint32_t)j->r;

	for (; x + IMG_GAUSS_RUN - 1 + r < w; x += IMG_GAUSS_RUN) {
		const float *p = row + x - r;
		float s[IMG_GAUSS_RUN] = {0};

		for (uint32_t i = 0; i <= 2 * r; i++)
			for (int l = 0; l < IMG_GAUSS_RUN; l++)
				s[l] += j->k[i] * p[i + (uint32_t)l];
		memcpy(o + x, s, sizeof(s));
	}
	return x;
}

/* Horizontal pass, rows [y0, y1): in -> tmp. */
static void img_gauss_rows_h(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_gauss_job *j = ctx;
	uint32_t w = j->w;
	int r = j->r;

	for (uint32_t y = y0; y < y1; y++) {
		const float *row = j->in + (size_t)y * w;
		float *o = j->tmp + (size_t)y * w;
		uint32_t x = 0;

		for (; x < w; x++) {
			float s = 0;

			if (x >= (uint32_t)r && x + (uint32_t)r < w) {
				x = img_gauss_run_h(j, row, o, x);
				if (x >= w)
					break;
			}
			if (x >= (uint32_t)r && x + (uint32_t)r < w) {
				const float *p = row + x - r;

				for (int i = 0; i <= 2 * r; i++)
					s += j->k[i] * p[i];
			} else {
				for (int i = -r; i <= r; i++)
					s += j->k[i + r] * row[img_reflect((int64_t)x + i, w)];
			}
			o[x] = s;
		}
	}
}

/* Vertical pass, rows [y0, y1): tmp -> out, a whole row at a time. */
static void img_gauss_rows_v(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_gauss_job *j = ctx;
	uint32_t w = j->w;

	for (uint32_t y = y0; y < y1; y++) {
		float *o = j->out + (size_t)y * w;

		memset(o, 0, (size_t)w * sizeof(*o));
		for (int i = -j->r; i <= j->r; i++) {
			const float *src = j->tmp + (size_t)img_reflect((int64_t)y + i, j->h) * w;
			float kk = j->k[i + j->r];

			for (uint32_t x = 0; x < w; x++)
				o[x] += kk * src[x];
		}
	}
}

void img_gauss(const float *in, float *out, float *tmp, uint32_t w, uint32_t h, float sigma)
{
	img_gauss_job j = {in, out, tmp, w, h, (int)(4.0f * sigma + 0.5f), {0}};
	float sum = 0;

	if (j.r > IMG_GAUSS_MAX_R)
		j.r = IMG_GAUSS_MAX_R;
	for (int i = -j.r; i <= j.r; i++) {
		j.k[i + j.r] = expf(-0.5f * (float)(i * i) / (sigma * sigma));
		sum += j.k[i + j.r];
	}
	for (int i = 0; i <= 2 * j.r; i++)
		j.k[i] /= sum;
	/* The vertical pass reads rows of both bands: it starts after the horizontal ends. */
	img_par_rows(w, h, img_gauss_rows_h, &j);
	img_par_rows(w, h, img_gauss_rows_v, &j);
}

typedef struct img_sobel_job {
	const float *g;
	float *mag;
	uint32_t w, h;
} img_sobel_job;

static void img_sobel_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_sobel_job *j = ctx;
	uint32_t w = j->w;

	for (uint32_t y = y0; y < y1; y++) {
		const float *up = j->g + (size_t)img_reflect((int64_t)y - 1, j->h) * w;
		const float *mid = j->g + (size_t)y * w;
		const float *dn = j->g + (size_t)img_reflect((int64_t)y + 1, j->h) * w;
		float *o = j->mag + (size_t)y * w;

		for (uint32_t x = 0; x < w; x++) {
			uint32_t l = x > 0 ? x - 1 : 0, r = x + 1 < w ? x + 1 : w - 1;
			float gy = (dn[l] + 2 * dn[x] + dn[r]) - (up[l] + 2 * up[x] + up[r]);
			float gx = (up[r] + 2 * mid[r] + dn[r]) - (up[l] + 2 * mid[l] + dn[l]);

			o[x] = sqrtf(gx * gx + gy * gy);
		}
	}
}

void img_sobel(const float *g, float *mag, uint32_t w, uint32_t h)
{
	img_sobel_job j = {g, mag, w, h};

	img_par_rows(w, h, img_sobel_rows, &j);
}

/* A percentile's passes over v, in two halves at once (parallel.c, a "row" being one value):
 * minima, maxima and bin counts of the halves add up to those of the whole, exactly. */
typedef struct img_pct_job {
	const float *v;
	float lo, hi, scale; /* the histogram's range, for img_pct_hist */
	float min[2], max[2];
	size_t under[2];                 /* values below lo */
	uint32_t hist[2][IMG_HIST_BINS]; /* per half */
} img_pct_job;

static void img_pct_minmax(void *ctx, uint32_t i0, uint32_t i1)
{
	img_pct_job *j = ctx;
	float lo = j->v[i0], hi = j->v[i0];

	for (size_t i = (size_t)i0 + 1; i < i1; i++) {
		lo = j->v[i] < lo ? j->v[i] : lo;
		hi = j->v[i] > hi ? j->v[i] : hi;
	}
	j->min[i0 != 0] = lo;
	j->max[i0 != 0] = hi;
}

static void img_pct_hist(void *ctx, uint32_t i0, uint32_t i1)
{
	img_pct_job *j = ctx;
	uint32_t *hist = j->hist[i0 != 0];
	size_t acc = 0;

	memset(hist, 0, sizeof(j->hist[0]));
	for (size_t i = i0; i < i1; i++) {
		float f = j->v[i];
		int b;

		if (f < j->lo) {
			acc++;
			continue;
		}
		if (f >= j->hi)
			continue;
		b = (int)((f - j->lo) * j->scale);
		hist[b < IMG_HIST_BINS ? b : IMG_HIST_BINS - 1]++;
	}
	j->under[i0 != 0] = acc;
}

/* Which bin of [lo, hi) holds rank `want` (0-based); *below = count under that bin. */
static int img_hist_find(img_pct_job *j, uint32_t n, float lo, float hi, size_t want, size_t *below)
{
	size_t acc;

	j->lo = lo;
	j->hi = hi;
	j->scale = (float)IMG_HIST_BINS / (hi - lo);
	j->under[1] = 0;
	memset(j->hist[1], 0, sizeof(j->hist[1]));
	img_par_rows(1, n, img_pct_hist, j);
	acc = j->under[0] + j->under[1];
	for (int b = 0; b < IMG_HIST_BINS; b++) {
		uint32_t c = j->hist[0][b] + j->hist[1][b];

		if (acc + c > want) {
			*below = acc;
			return b;
		}
		acc += c;
	}
	*below = acc;
	return IMG_HIST_BINS - 1;
}

float img_percentile(const float *v, size_t n, double p)
{
	img_pct_job j;
	float lo, hi, step;
	size_t want, below;
	int b;

	if (n == 0)
		return 0;
	/* A page's pixels: at most IMG_PAGE_SIDE_MAX squared, well within a row count. */
	INK_ASSERT(n <= UINT32_MAX);
	j.v = v;
	/* What the second half leaves when img_par_rows runs the whole in one call. */
	j.min[1] = j.max[1] = v[0];
	img_par_rows(1, (uint32_t)n, img_pct_minmax, &j);
	lo = j.min[1] < j.min[0] ? j.min[1] : j.min[0];
	hi = j.max[1] > j.max[0] ? j.max[1] : j.max[0];
	if (!(hi > lo))
		return lo;
	want = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	if (want >= n)
		want = n - 1;
	hi = nextafterf(hi, INFINITY);
	/* Two rounds of histogram: 4096 bins, then 4096 inside the chosen one. */
	b = img_hist_find(&j, (uint32_t)n, lo, hi, want, &below);
	step = (hi - lo) / IMG_HIST_BINS;
	lo = lo + step * (float)b;
	hi = lo + step;
	b = img_hist_find(&j, (uint32_t)n, lo, hi, want, &below);
	return lo + (hi - lo) / IMG_HIST_BINS * (float)b;
}
