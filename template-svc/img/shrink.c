/*
 * shrink.c - box downscale to page size: decoders push source pixels and only the page-size
 * result is ever held, never a full-size copy of the photo.
 *
 * Each source pixel falls into exactly one destination pixel (x * dw / sw, y * dh / sh); a
 * destination pixel is the rounded mean of its box, per channel (1 gray or 3 RGB).
 * img_shrink takes whole rows top to bottom and keeps one row of sums; img_bin takes pixels
 * in any order (an interlaced PNG's passes) and keeps a page of sums. Both give the same
 * bytes for the same picture.
 */
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"
#include "ink_assert.h"

/* colx[x] = destination column of source column x; ncol[dx] = source columns in dx. */
static ink_err img_shrink_cols(uint32_t sw, uint32_t dw, uint32_t **colx, uint32_t **ncol)
{
	uint32_t *cx = img_xmalloc(sw, sizeof(*cx));
	uint32_t *nc = calloc(dw, sizeof(*nc));

	if (cx == NULL || nc == NULL) {
		free(cx);
		free(nc);
		return INK_RESOURCE_EXHAUSTED;
	}
	for (uint32_t x = 0; x < sw; x++) {
		cx[x] = (uint32_t)((uint64_t)x * dw / sw);
		nc[cx[x]]++;
	}
	*colx = cx;
	*ncol = nc;
	return INK_OK;
}

/* Source rows of destination row dy: those y with y * dh / sh == dy. */
static uint32_t img_shrink_nrows(uint32_t sh, uint32_t dh, uint32_t dy)
{
	uint64_t first = ((uint64_t)dy * sh + dh - 1) / dh;
	uint64_t next = ((uint64_t)(dy + 1) * sh + dh - 1) / dh;

	return (uint32_t)(next - first);
}

ink_err img_shrink_init_ch(img_shrink *s, uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh,
                           uint32_t ch, uint8_t *dst)
{
	/* Only ever a shrink: img_page_size never grows a side, and the decoders
	 * refuse empty images before any page is made. */
	INK_ASSERT(dw >= 1 && dh >= 1 && dw <= sw && dh <= sh);
	memset(s, 0, sizeof(*s));
	s->sw = sw;
	s->sh = sh;
	s->dw = dw;
	s->dh = dh;
	s->ch = ch;
	s->dst = dst;
	s->acc = img_xmalloc((size_t)dw * ch, sizeof(*s->acc));
	if (s->acc == NULL || img_shrink_cols(sw, dw, &s->colx, &s->ncol) != INK_OK) {
		img_shrink_fini(s);
		return INK_RESOURCE_EXHAUSTED;
	}
	memset(s->acc, 0, (size_t)dw * ch * sizeof(*s->acc));
	return INK_OK;
}

ink_err img_shrink_init(img_shrink *s, uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh,
                        uint8_t *dst)
{
	return img_shrink_init_ch(s, sw, sh, dw, dh, 1, dst);
}

void img_shrink_row(img_shrink *s, const uint8_t *row)
{
	uint32_t dy, nr, ch = s->ch;
	size_t dn = (size_t)s->dw * ch;
	uint8_t *out;

	if (s->y >= s->sh)
		return;
	/* The usual 12 MP JPEG: the IDCT's scaling gave the page size itself. */
	if (s->sw == s->dw && s->sh == s->dh) {
		memcpy(s->dst + (size_t)s->y * dn, row, dn);
		s->y++;
		return;
	}
	dy = (uint32_t)((uint64_t)s->y * s->dh / s->sh);
	if (s->sw == s->dw) {
		for (size_t i = 0; i < (size_t)s->sw * ch; i++)
			s->acc[i] += row[i];
	} else if (ch == 1) {
		for (uint32_t x = 0; x < s->sw; x++)
			s->acc[s->colx[x]] += row[x];
	} else {
		for (uint32_t x = 0; x < s->sw; x++)
			for (uint32_t c = 0; c < ch; c++)
				s->acc[(size_t)s->colx[x] * ch + c] += row[(size_t)x * ch + c];
	}
	s->y++;
	if (s->y < s->sh && (uint32_t)((uint64_t)s->y * s->dh / s->sh) == dy)
		return;
	nr = img_shrink_nrows(s->sh, s->dh, dy);
	out = s->dst + (size_t)dy * dn;
	for (size_t i = 0; i < dn; i++) {
		uint64_t n = (uint64_t)s->ncol[i / ch] * nr;

		out[i] = (uint8_t)((s->acc[i] + n / 2) / n);
		s->acc[i] = 0;
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

ink_err img_bin_init(img_bin *b, uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh, uint32_t ch,
                     uint8_t *dst)
{
	uint64_t box = ((uint64_t)sw / dw + 1) * ((uint64_t)sh / dh + 1);

	memset(b, 0, sizeof(*b));
	b->sw = sw;
	b->sh = sh;
	b->dw = dw;
	b->dh = dh;
	b->ch = ch;
	b->dst = dst;
	if (sw == dw && sh == dh)
		return INK_OK; /* one pixel a box: straight into dst */
	/* 32-bit sums hold a box of up to 16 M pixels; the limits never allow one that big. */
	if (box > UINT32_MAX / 255)
		return INK_PAYLOAD_TOO_LARGE;
	b->sum = calloc((size_t)dw * dh * ch, sizeof(*b->sum));
	if (b->sum == NULL || img_shrink_cols(sw, dw, &b->colx, &b->ncol) != INK_OK) {
		img_bin_fini(b);
		return INK_RESOURCE_EXHAUSTED;
	}
	return INK_OK;
}

void img_bin_add(img_bin *b, uint32_t y, uint32_t x0, uint32_t xstep, const uint8_t *px, uint32_t n)
{
	uint32_t ch = b->ch;
	size_t base;

	if (y >= b->sh)
		return;
	if (b->sum == NULL) {
		uint8_t *row = b->dst + (size_t)y * b->dw * ch;

		for (uint32_t i = 0, x = x0; i < n && x < b->sw; i++, x += xstep)
			memcpy(row + (size_t)x * ch, px + (size_t)i * ch, ch);
		return;
	}
	base = (size_t)((uint64_t)y * b->dh / b->sh) * b->dw;
	for (uint32_t i = 0, x = x0; i < n && x < b->sw; i++, x += xstep) {
		uint32_t *s = b->sum + (base + b->colx[x]) * ch;

		for (uint32_t c = 0; c < ch; c++)
			s[c] += px[(size_t)i * ch + c];
	}
}

void img_bin_finish(img_bin *b)
{
	uint32_t ch = b->ch;

	if (b->sum == NULL)
		return;
	for (uint32_t dy = 0; dy < b->dh; dy++) {
		uint32_t nr = img_shrink_nrows(b->sh, b->dh, dy);
		size_t row = (size_t)dy * b->dw * ch;

		for (size_t i = 0; i < (size_t)b->dw * ch; i++) {
			uint32_t n = b->ncol[i / ch] * nr;

			b->dst[row + i] = (uint8_t)((b->sum[row + i] + n / 2) / n);
		}
	}
}

void img_bin_fini(img_bin *b)
{
	free(b->sum);
	free(b->colx);
	free(b->ncol);
	b->sum = NULL;
	b->colx = b->ncol = NULL;
}
