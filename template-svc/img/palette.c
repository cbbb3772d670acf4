/*
 * palette.c - the colours of a paint-by-numbers page (issue 19): the option names, CIELAB,
 * the fixed crayons24 palette and the k-means that turns region colours into N paints.
 *
 * Why k-means over regions and not pixels: a region is painted with one colour, so what
 * must be clustered is each region's mean (weighted by its area, so the page's big areas
 * get their own paint). Seeding is farthest-first from the heaviest region, never random:
 * the same photo always gives the same palette and the same numbers.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "img_priv.h"

#define IMG_KMEANS_ITERS 40

/* Ordered dark to light (CIELAB L), so a crayon's number is its index + 1 on every page. */
static const img_swatch img_crayons[IMG_CRAYONS] = {
    {1, {0x00, 0x00, 0x00}, "black"},
    {2, {0xAF, 0x59, 0x3E}, "brown"},
    {3, {0x73, 0x66, 0xBD}, "blue violet"},
    {4, {0xC0, 0x44, 0x8F}, "red violet"},
    {5, {0x5D, 0x76, 0xCB}, "indigo"},
    {6, {0xEE, 0x20, 0x4D}, "red"},
    {7, {0x1F, 0x75, 0xFE}, "blue"},
    {8, {0x92, 0x6E, 0xAE}, "violet"},
    {9, {0xFC, 0x28, 0x47}, "scarlet"},
    {10, {0xFF, 0x53, 0x49}, "red orange"},
    {11, {0xF7, 0x53, 0x94}, "violet red"},
    {12, {0x19, 0x9E, 0xBD}, "blue green"},
    {13, {0x95, 0x91, 0x8C}, "gray"},
    {14, {0x1C, 0xAC, 0x78}, "green"},
    {15, {0xFF, 0x75, 0x38}, "orange"},
    {16, {0x1D, 0xAC, 0xD6}, "cerulean"},
    {17, {0xFF, 0xAA, 0xCC}, "carnation pink"},
    {18, {0xFF, 0xB6, 0x53}, "yellow orange"},
    {19, {0xC5, 0xE3, 0x84}, "yellow green"},
    {20, {0xFD, 0xDB, 0x6D}, "dandelion"},
    {21, {0xFD, 0xD9, 0xB5}, "apricot"},
    {22, {0xF0, 0xE8, 0x91}, "green yellow"},
    {23, {0xFC, 0xE8, 0x83}, "yellow"},
    {24, {0xFF, 0xFF, 0xFF}, "white"},
};

const img_swatch *img_crayons24(void)
{
	return img_crayons;
}

ink_err img_style_parse(const char *name, img_style *out)
{
	if (name == NULL || name[0] == '\0' || strcasecmp(name, "lines") == 0)
		*out = IMG_STYLE_LINES;
	else if (strcasecmp(name, "numbers") == 0)
		*out = IMG_STYLE_NUMBERS;
	else
		return INK_INVALID_ARGUMENT;
	return INK_OK;
}

ink_err img_palette_parse(const char *name, img_palette_kind *out)
{
	if (name == NULL || name[0] == '\0' || strcasecmp(name, "photo") == 0)
		*out = IMG_PALETTE_PHOTO;
	else if (strcasecmp(name, "crayons24") == 0)
		*out = IMG_PALETTE_CRAYONS24;
	else
		return INK_INVALID_ARGUMENT;
	return INK_OK;
}

const char *img_style_name(img_style s)
{
	return s == IMG_STYLE_NUMBERS ? "numbers" : "lines";
}

const char *img_palette_name(img_palette_kind p)
{
	return p == IMG_PALETTE_CRAYONS24 ? "crayons24" : "photo";
}

ink_err img_numbers_opts_check(const img_opts *o, char *why, size_t why_len)
{
	if (o->style != IMG_STYLE_LINES && o->style != IMG_STYLE_NUMBERS) {
		img_why(why, why_len, "style must be lines or numbers");
		return INK_INVALID_ARGUMENT;
	}
	if (o->colors < IMG_COLORS_MIN || o->colors > IMG_COLORS_MAX) {
		img_why(why, why_len, "colors must be %d..%d, not %d", IMG_COLORS_MIN,
		        IMG_COLORS_MAX, o->colors);
		return INK_INVALID_ARGUMENT;
	}
	if (o->palette != IMG_PALETTE_PHOTO && o->palette != IMG_PALETTE_CRAYONS24) {
		img_why(why, why_len, "palette must be photo or crayons24");
		return INK_INVALID_ARGUMENT;
	}
	return INK_OK;
}

static float img_lab_f(float t)
{
	return t > 0.008856f ? cbrtf(t) : 7.787f * t + 16.0f / 116.0f;
}

static float img_srgb_lin(uint8_t v)
{
	float c = (float)v / 255.0f;

	return c <= 0.04045f ? c / 12.92f : powf((c + 0.055f) / 1.055f, 2.4f);
}

void img_srgb_to_lab(const uint8_t rgb[3], float lab[3])
{
	float r = img_srgb_lin(rgb[0]), g = img_srgb_lin(rgb[1]), b = img_srgb_lin(rgb[2]);
	float x = (0.4124f * r + 0.3576f * g + 0.1805f * b) / 0.95047f;
	float y = 0.2126f * r + 0.7152f * g + 0.0722f * b;
	float z = (0.0193f * r + 0.1192f * g + 0.9505f * b) / 1.08883f;
	float fx = img_lab_f(x), fy = img_lab_f(y), fz = img_lab_f(z);

	lab[0] = 116.0f * fy - 16.0f;
	lab[1] = 500.0f * (fx - fy);
	lab[2] = 200.0f * (fy - fz);
}

static float img_d2(const float a[3], const float b[3])
{
	float d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];

	return d0 * d0 + d1 * d1 + d2 * d2;
}

int img_kmeans_nearest(const float p[3], const float (*c)[3], int k)
{
	int best = 0;
	float bd = img_d2(p, c[0]);

	for (int j = 1; j < k; j++) {
		float d = img_d2(p, c[j]);

		if (d < bd) {
			bd = d;
			best = j;
		}
	}
	return best;
}

/* Farthest-first: the heaviest point, then each time the point whose weighted squared
 * distance to its nearest centre is largest (first such point on ties). Stops early when
 * every point coincides with a centre. */
static int img_kmeans_seed(const float (*pt)[3], const double *wt, int32_t n, int k, float (*c)[3])
{
	int32_t first = 0;
	int m = 1;

	for (int32_t i = 1; i < n; i++)
		if (wt[i] > wt[first])
			first = i;
	memcpy(c[0], pt[first], sizeof(c[0]));
	while (m < k) {
		double best = 0;
		int32_t bi = -1;

		for (int32_t i = 0; i < n; i++) {
			double s = wt[i] * img_d2(pt[i], c[img_kmeans_nearest(pt[i], c, m)]);

			if (s > best) {
				best = s;
				bi = i;
			}
		}
		if (bi < 0)
			break;
		memcpy(c[m++], pt[bi], sizeof(c[0]));
	}
	return m;
}

/* One Lloyd step: assign, then move each centre to its points' weighted mean (a centre with
 * no points stays). Returns how many assignments changed. */
static int32_t img_kmeans_step(const float (*pt)[3], const double *wt, int32_t n, int k,
                               float (*c)[3], int *assign)
{
	double sum[IMG_COLORS_MAX][4];
	int32_t changed = 0;

	memset(sum, 0, sizeof(sum));
	for (int32_t i = 0; i < n; i++) {
		int j = img_kmeans_nearest(pt[i], c, k);

		changed += j != assign[i];
		assign[i] = j;
		for (int d = 0; d < 3; d++)
			sum[j][d] += wt[i] * pt[i][d];
		sum[j][3] += wt[i];
	}
	for (int j = 0; j < k; j++)
		if (sum[j][3] > 0)
			for (int d = 0; d < 3; d++)
				c[j][d] = (float)(sum[j][d] / sum[j][3]);
	return changed;
}

int img_kmeans(const float (*pt)[3], const double *wt, int32_t n, int k, float (*c)[3], int *assign)
{
	int m;

	if (n <= 0)
		return 0;
	if (k > IMG_COLORS_MAX)
		k = IMG_COLORS_MAX;
	m = img_kmeans_seed(pt, wt, n, k, c);
	for (int32_t i = 0; i < n; i++)
		assign[i] = -1;
	for (int it = 0; it < IMG_KMEANS_ITERS; it++)
		if (img_kmeans_step(pt, wt, n, m, c, assign) == 0)
			break;
	return m;
}
