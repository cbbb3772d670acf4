/*
 * report.c - the quality figures of a page, computed as shared/tools/page-quality does, so
 * the service can log and tests can assert them without Python.
 *
 * "Within 3 px" is a dilation by the disc x^2 + y^2 <= 9 (what distance_transform_edt <= 3
 * means). Percentiles come from img_percentile (to 1/16M of the range, close to numpy's).
 */
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

/* Sizes of components: value val (conn 4 or 8) of m (0/1); sizes appended to *sizes.
 * The walk is img_fill's, on a copy where the component's pixels are 1 and all else 0. */
static ink_err img_comp_sizes(const uint8_t *m, uint32_t w, uint32_t h, uint8_t val, int conn,
                              uint32_t **sizes, size_t *n)
{
	size_t N = (size_t)w * h, cap = 256, cnt = 0;
	uint8_t *work = malloc(N ? N : 1);
	uint32_t *stack = img_xmalloc(N, sizeof(uint32_t));
	uint32_t *sz = malloc(cap * sizeof(*sz));
	ink_err err = INK_RESOURCE_EXHAUSTED;

	if (work == NULL || stack == NULL || sz == NULL)
		goto out;
	for (size_t p = 0; p < N; p++)
		work[p] = (m[p] != 0) == val;
	for (size_t p = 0; p < N; p++) {
		if (work[p] != 1)
			continue;
		uint32_t k = img_fill(work, w, h, p, 1, 2, conn, stack);
		if (cnt == cap) {
			uint32_t *ns = realloc(sz, cap * 2 * sizeof(*ns));

			if (ns == NULL)
				goto out;
			sz = ns;
			cap *= 2;
		}
		sz[cnt++] = k;
	}
	*sizes = sz;
	*n = cnt;
	sz = NULL;
	err = INK_OK;
out:
	free(work);
	free(stack);
	free(sz);
	return err;
}

ink_err img_report_page(const uint8_t *ink, uint32_t w, uint32_t h, img_report *r)
{
	size_t N = (size_t)w * h, nink = 0, n;
	uint32_t *sizes = NULL, big = 0;
	ink_err err;

	memset(r, 0, sizeof(*r));
	r->recall = r->detail = r->precision = -1;
	for (size_t p = 0; p < N; p++)
		nink += ink[p] != 0;
	r->ink = N ? (double)nink / (double)N : 0;
	err = img_comp_sizes(ink, w, h, 1, 8, &sizes, &n);
	if (err != INK_OK)
		return err;
	for (size_t i = 0; i < n; i++)
		r->specks += sizes[i] < 16;
	free(sizes);
	err = img_comp_sizes(ink, w, h, 0, 4, &sizes, &n);
	if (err != INK_OK)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (sizes[i] < 64)
			r->slivers++;
		else
			r->fillable++;
		big = sizes[i] > big ? sizes[i] : big;
	}
	free(sizes);
	r->largest = n ? (double)big / (double)N : 1.0;
	return INK_OK;
}

/* out = m dilated by the disc of radius 3. tmp: 3 * w*h bytes. */
static void img_dilate3(const uint8_t *m, uint8_t *out, uint8_t *tmp, uint32_t w, uint32_t h)
{
	/* Half-widths of the disc per row offset |dy| = 0..3: 3, 2, 2, 0. */
	static const int hw[4] = {3, 2, 2, 0};
	size_t N = (size_t)w * h;
	uint8_t *h3 = tmp, *h2 = tmp + N;

	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			int v2 = 0, v3 = 0;

			for (int d = -3; d <= 3; d++) {
				int64_t nx = (int64_t)x + d;

				if (nx < 0 || nx >= w || !m[(size_t)y * w + (size_t)nx])
					continue;
				v3 = 1;
				v2 |= d >= -2 && d <= 2;
			}
			h3[(size_t)y * w + x] = (uint8_t)v3;
			h2[(size_t)y * w + x] = (uint8_t)v2;
		}
	}
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			int v = 0;

			for (int d = -3; d <= 3 && !v; d++) {
				int64_t ny = (int64_t)y + d;
				int a = d < 0 ? -d : d;
				size_t q;

				if (ny < 0 || ny >= h)
					continue;
				q = (size_t)ny * w + x;
				v = hw[a] == 3 ? h3[q] : hw[a] == 2 ? h2[q] : m[q] != 0;
			}
			out[(size_t)y * w + x] = (uint8_t)v;
		}
	}
}

ink_err img_report_source(const uint8_t *ink, const float *mag, uint32_t w, uint32_t h,
                          img_report *r)
{
	size_t N = (size_t)w * h, n95 = 0, h95 = 0, n90 = 0, h90 = 0, nink = 0, hink = 0;
	uint8_t *near = img_xmalloc(N, 1), *tmp = img_xmalloc(N, 3), *some = img_xmalloc(N, 1);
	float p95, p90, p75;
	ink_err err = INK_RESOURCE_EXHAUSTED;

	if (near == NULL || tmp == NULL || some == NULL)
		goto out;
	p95 = img_percentile(mag, N, 95);
	p90 = img_percentile(mag, N, 90);
	p75 = img_percentile(mag, N, 75);
	img_dilate3(ink, near, tmp, w, h);
	for (size_t p = 0; p < N; p++) {
		if (mag[p] >= p95) {
			n95++;
			h95 += near[p];
		}
		if (mag[p] >= p90) {
			n90++;
			h90 += near[p];
		}
		tmp[2 * N + p] = mag[p] >= p75;
	}
	img_dilate3(tmp + 2 * N, some, tmp, w, h);
	for (size_t p = 0; p < N; p++) {
		if (ink[p]) {
			nink++;
			hink += some[p];
		}
	}
	r->recall = n95 ? (double)h95 / (double)n95 : 1.0;
	r->detail = n90 ? (double)h90 / (double)n90 : 1.0;
	r->precision = nink ? (double)hink / (double)nink : 0.0;
	err = INK_OK;
out:
	free(near);
	free(tmp);
	free(some);
	return err;
}
