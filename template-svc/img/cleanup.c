/*
 * cleanup.c - what makes a page colourable after the lines are drawn: no specks of ink
 * (8-connected components under 16 px), no slivers of white too small to colour (4-connected
 * regions under 64 px, filled with ink), no hairy spurs on the skeleton.
 *
 * The connectivities match page-quality: ink is 8-connected, white 4-connected, which is
 * also how a paint bucket fills.
 */
#include <string.h>

#include "img_priv.h"

uint32_t img_fill(uint8_t *m, uint32_t w, uint32_t h, size_t p, uint8_t val, uint8_t mark, int conn,
                  uint32_t *stack)
{
	static const int dx8[8] = {1, -1, 0, 0, 1, 1, -1, -1};
	static const int dy8[8] = {0, 0, 1, -1, 1, -1, 1, -1};
	size_t sp = 0;
	uint32_t n = 0;

	m[p] = mark;
	stack[sp++] = (uint32_t)p;
	while (sp > 0) {
		uint32_t q = stack[--sp];
		int64_t x = q % w, y = q / w;

		n++;
		for (int i = 0; i < conn; i++) {
			int64_t nx = x + dx8[i], ny = y + dy8[i];
			size_t r;

			if (nx < 0 || ny < 0 || nx >= w || ny >= h)
				continue;
			r = (size_t)ny * w + (size_t)nx;
			if (m[r] == val) {
				m[r] = mark;
				stack[sp++] = (uint32_t)r;
			}
		}
	}
	return n;
}

/* Marks every component of `val` (conn) with 2 (kept) or `small` (under min_px).
 * Returns how many were small. Values: ink 1/white 0 on entry; marks 2, 3 are temporary. */
static int img_components(uint8_t *m, uint32_t w, uint32_t h, uint8_t val, int conn,
                          uint32_t min_px, uint8_t small, uint32_t *stack)
{
	size_t N = (size_t)w * h;
	int nsmall = 0;

	for (size_t p = 0; p < N; p++) {
		uint32_t n;

		if (m[p] != val)
			continue;
		n = img_fill(m, w, h, p, val, 2, conn, stack);
		if (n < min_px) {
			(void)img_fill(m, w, h, p, 2, small, conn, stack);
			nsmall++;
		}
	}
	return nsmall;
}

int img_drop_specks(uint8_t *ink, uint32_t w, uint32_t h, uint32_t min_px, uint32_t *stack)
{
	size_t N = (size_t)w * h;
	int n = img_components(ink, w, h, 1, 8, min_px, 3, stack);

	for (size_t p = 0; p < N; p++)
		ink[p] = ink[p] == 2;
	return n;
}

int img_fill_slivers(uint8_t *ink, uint32_t w, uint32_t h, uint32_t min_px, uint32_t *stack)
{
	size_t N = (size_t)w * h;
	int n = img_components(ink, w, h, 0, 4, min_px, 3, stack);

	/* White kept (2) -> 0; small white (3) -> ink; ink stays 1. */
	for (size_t p = 0; p < N; p++)
		ink[p] = ink[p] != 2;
	return n;
}

/* Ink neighbours of p in 8 directions, the frame counting as ink. */
static int img_ink_neighbours(const uint8_t *ink, uint32_t w, uint32_t h, uint32_t x, uint32_t y)
{
	int n = 0;

	for (int dy = -1; dy <= 1; dy++) {
		for (int dx = -1; dx <= 1; dx++) {
			int64_t nx = (int64_t)x + dx, ny = (int64_t)y + dy;

			if (dx == 0 && dy == 0)
				continue;
			if (nx < 0 || ny < 0 || nx >= w || ny >= h)
				n++;
			else
				n += ink[(size_t)ny * w + (size_t)nx] != 0;
		}
	}
	return n;
}

void img_prune_spurs(uint8_t *ink, uint32_t w, uint32_t h, int len)
{
	size_t N = (size_t)w * h;

	for (int it = 0; it < len; it++) {
		/* Mark all current ends (value 2), then remove them together. */
		for (uint32_t y = 0; y < h; y++)
			for (uint32_t x = 0; x < w; x++)
				if (ink[(size_t)y * w + x] &&
				    img_ink_neighbours(ink, w, h, x, y) <= 1)
					ink[(size_t)y * w + x] = 2;
		for (size_t p = 0; p < N; p++)
			if (ink[p] == 2)
				ink[p] = 0;
	}
}
