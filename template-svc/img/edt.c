/*
 * edt.c - the geometry of a page's white regions for paint by numbers (issue 19): their
 * 4-connected components and the exact Euclidean distance transform from the ink.
 *
 * The distance transform is Felzenszwalb & Huttenlocher's (two passes of the lower envelope
 * of parabolas): exact, linear, no sqrt until the caller wants one. The page edge counts as
 * ink, so a number placed by it is never cut by the paper's border.
 */
#include <math.h>
#include <stdlib.h>

#include "img_priv.h"

/* One 1-D pass over f[0..n) into d (squared distances), with the cells -1 and n as
 * features. v, z: scratch of n and n + 1. */
static void img_edt_1d(const float *f, float *d, uint32_t n, int32_t *v, float *z)
{
	int32_t k = 0;

	v[0] = 0;
	z[0] = -INFINITY;
	z[1] = INFINITY;
	for (int32_t q = 1; q < (int32_t)n; q++) {
		float fq = f[q] + (float)q * (float)q, s;

		for (;;) {
			int32_t p = v[k];

			s = (fq - (f[p] + (float)p * (float)p)) / (2.0f * (float)(q - p));
			if (s > z[k])
				break;
			k--;
		}
		k++;
		v[k] = q;
		z[k] = s;
		z[k + 1] = INFINITY;
	}
	k = 0;
	for (int32_t q = 0; q < (int32_t)n; q++) {
		float e1 = (float)(q + 1), e2 = (float)((int32_t)n - q), e;

		while (z[k + 1] < (float)q)
			k++;
		e = e1 < e2 ? e1 : e2;
		d[q] = (float)(q - v[k]) * (float)(q - v[k]) + f[v[k]];
		if (e * e < d[q])
			d[q] = e * e;
	}
}

ink_err img_edt(const uint8_t *feat, uint32_t w, uint32_t h, float *d2)
{
	uint32_t n = w > h ? w : h;
	float *f = img_xmalloc(n, sizeof(float)), *d = img_xmalloc(n, sizeof(float));
	float *z = img_xmalloc((size_t)n + 1, sizeof(float));
	int32_t *v = img_xmalloc(n, sizeof(int32_t));
	ink_err err = INK_RESOURCE_EXHAUSTED;

	if (f == NULL || d == NULL || z == NULL || v == NULL)
		goto out;
	/* "Far": beyond any distance the page edge allows, yet small enough that floats keep
	 * the envelope's arithmetic exact (inf - inf would be NaN). */
	float far = 4.0f * (float)(n + 1) * (float)(n + 1);

	for (uint32_t x = 0; x < w; x++) {
		for (uint32_t y = 0; y < h; y++)
			f[y] = feat[(size_t)y * w + x] ? 0.0f : far;
		img_edt_1d(f, d, h, v, z);
		for (uint32_t y = 0; y < h; y++)
			d2[(size_t)y * w + x] = d[y];
	}
	for (uint32_t y = 0; y < h; y++) {
		img_edt_1d(d2 + (size_t)y * w, d, w, v, z);
		for (uint32_t x = 0; x < w; x++)
			d2[(size_t)y * w + x] = d[x];
	}
	err = INK_OK;
out:
	free(f);
	free(d);
	free(z);
	free(v);
	return err;
}

void img_white_regions(const uint8_t *ink, uint32_t w, uint32_t h, int32_t *lab, int32_t *n,
                       uint32_t *stack)
{
	size_t N = (size_t)w * h;
	int32_t next = 0;

	for (size_t i = 0; i < N; i++)
		lab[i] = 0;
	for (size_t i = 0; i < N; i++) {
		size_t top = 0;

		if (ink[i] || lab[i] != 0)
			continue;
		lab[i] = ++next;
		stack[top++] = (uint32_t)i;
		while (top > 0) {
			uint32_t p = stack[--top], x = p % w, y = p / w;
			uint32_t nb[4];
			int m = 0;

			if (x > 0)
				nb[m++] = p - 1;
			if (x + 1 < w)
				nb[m++] = p + 1;
			if (y > 0)
				nb[m++] = p - w;
			if (y + 1 < h)
				nb[m++] = p + w;
			for (int j = 0; j < m; j++)
				if (!ink[nb[j]] && lab[nb[j]] == 0) {
					lab[nb[j]] = next;
					stack[top++] = nb[j];
				}
		}
	}
	*n = next;
}
