/*
 * shrink.c - streaming box downscale: decoders push source rows one at a time and only the
 * page-size result is ever held, never a full-size copy of the photo.
 *
 * Each source pixel falls into exactly one destination pixel (x * dw / sw); a destination
 * pixel is the rounded mean of its box. Good enough as an anti-aliased reduction, and the
 * only state is one row of sums.
 */
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

ink_err img_shrink_init(img_shrink *s, uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh,
                        uint8_t *dst)
{
	memset(s, 0, sizeof(*s));
	s->sw = sw;
	s->sh = sh;
	s->dw = dw;
	s->dh = dh;
	s->dst = dst;
	s->acc = calloc(dw, sizeof(*s->acc));
	s->ncol = calloc(dw, sizeof(*s->ncol));
	s->colx = img_xmalloc(sw, sizeof(*s->colx));
	if (s->acc == NULL || s->ncol == NULL || s->colx == NULL) {
		img_shrink_fini(s);
		return INK_RESOURCE_EXHAUSTED;
	}
	for (uint32_t x = 0; x < sw; x++) {
		s->colx[x] = (uint32_t)((uint64_t)x * dw / sw);
		s->ncol[s->colx[x]]++;
	}
	return INK_OK;
}

/* Rows of destination row dy: those y with y * dh / sh == dy. */
static uint32_t img_shrink_nrows(const img_shrink *s, uint32_t dy)
{
	uint64_t first = ((uint64_t)dy * s->sh + s->dh - 1) / s->dh;
	uint64_t next = ((uint64_t)(dy + 1) * s->sh + s->dh - 1) / s->dh;

	return (uint32_t)(next - first);
}

void img_shrink_row(img_shrink *s, const uint8_t *row)
{
	uint32_t dy, nr;

	if (s->y >= s->sh)
		return;
	dy = (uint32_t)((uint64_t)s->y * s->dh / s->sh);
	if (s->sw == s->dw) {
		for (uint32_t x = 0; x < s->sw; x++)
			s->acc[x] += row[x];
	} else {
		for (uint32_t x = 0; x < s->sw; x++)
			s->acc[s->colx[x]] += row[x];
	}
	s->y++;
	if (s->y < s->sh && (uint32_t)((uint64_t)s->y * s->dh / s->sh) == dy)
		return;
	nr = img_shrink_nrows(s, dy);
	for (uint32_t x = 0; x < s->dw; x++) {
		uint64_t n = (uint64_t)s->ncol[x] * nr;

		s->dst[(size_t)dy * s->dw + x] = (uint8_t)((s->acc[x] + n / 2) / n);
		s->acc[x] = 0;
	}
}

void img_shrink_fini(img_shrink *s)
{
	free(s->acc);
	free(s->colx);
	free(s->ncol);
	s->acc = NULL;
	s->colx = s->ncol = NULL;
}
