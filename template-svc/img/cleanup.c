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

/* Pixel values while pruning: ink present (1, or 2 once queued as an end), peeled (3). */
#define IMG_PRUNE_QUEUED 2
#define IMG_PRUNE_PEELED 3

/* Present ink neighbours of p in 8 directions, the frame counting as ink. */
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
				n += ink[(size_t)ny * w + (size_t)nx] == 1 ||
				     ink[(size_t)ny * w + (size_t)nx] == IMG_PRUNE_QUEUED;
		}
	}
	return n;
}

/* Whether p is an open end of the skeleton: at most one present ink neighbour (the frame
 * counting as ink, so a line ending on it is no end), or, inside the page, up to three that
 * touch each other (one run around p): the tip of a branch leaning on a line, which sees the
 * line's pixels left, below and right of it. */
static int img_prune_is_end(const uint8_t *ink, uint32_t w, uint32_t h, uint32_t x, uint32_t y)
{
	static const int rx[8] = {0, 1, 1, 1, 0, -1, -1, -1}, ry[8] = {-1, -1, 0, 1, 1, 1, 0, -1};
	int n = img_ink_neighbours(ink, w, h, x, y), on[8], runs = 0;

	if (n <= 1)
		return 1;
	if (n > 3 || x == 0 || y == 0 || x + 1 >= w || y + 1 >= h)
		return 0;
	for (int i = 0; i < 8; i++) {
		uint8_t v = ink[(size_t)((int64_t)y + ry[i]) * w + (size_t)((int64_t)x + rx[i])];

		on[i] = v == 1 || v == IMG_PRUNE_QUEUED;
	}
	for (int i = 0; i < 8; i++)
		runs += on[i] && !on[(i + 7) % 8];
	return runs == 1;
}

/* Appends to list[*n] the neighbours of p holding `from`, relabelled `to`; with ends set,
 * only those that are ends now (img_prune_is_end). */
static void img_prune_visit(uint8_t *ink, uint32_t w, uint32_t h, uint32_t p, uint8_t from,
                            uint8_t to, int ends, uint32_t *list, size_t *n)
{
	int64_t x = p % w, y = p / w;

	for (int dy = -1; dy <= 1; dy++) {
		for (int dx = -1; dx <= 1; dx++) {
			int64_t nx = x + dx, ny = y + dy;
			size_t q = (size_t)ny * w + (size_t)nx;

			if (nx < 0 || ny < 0 || nx >= w || ny >= h || ink[q] != from)
				continue;
			if (ends && !img_prune_is_end(ink, w, h, (uint32_t)nx, (uint32_t)ny))
				continue;
			ink[q] = to;
			list[(*n)++] = (uint32_t)q;
		}
	}
}

/* One round over list[0..*n): its pixels become `mark`, and the next round's list (their
 * neighbours holding `from`, relabelled `to`, new ends only if ends) replaces it. The two
 * lists are disjoint sets of pixels, so together they fit in the w*h of list. */
static void img_prune_round(uint8_t *ink, uint32_t w, uint32_t h, uint32_t *list, size_t *n,
                            uint8_t mark, uint8_t from, uint8_t to, int ends)
{
	size_t cur = *n, next = cur;

	for (size_t i = 0; i < cur; i++)
		ink[list[i]] = mark;
	for (size_t i = 0; i < cur; i++)
		img_prune_visit(ink, w, h, list[i], from, to, ends, list, &next);
	memmove(list, list + cur, (next - cur) * sizeof(*list));
	*n = next - cur;
}

/* Morphological pruning (Gonzalez & Woods): the ends are peeled len times, then what is
 * left regrows len pixels from its new ends along what was peeled. A spur (a short branch
 * off a line, which thinning a melted band leaves) is gone, since the junction it hung on is
 * no end; the end of a line grows back to where it was. Peeling alone shortened every
 * stroke by len pixels at each open end (a 20 px stroke lost 6). */
void img_prune_spurs(uint8_t *ink, uint32_t w, uint32_t h, int len, uint32_t *stack)
{
	size_t N = (size_t)w * h, n = 0;

	for (size_t p = 0; p < N; p++)
		if (ink[p] && img_prune_is_end(ink, w, h, (uint32_t)(p % w), (uint32_t)(p / w)))
			stack[n++] = (uint32_t)p;
	for (size_t i = 0; i < n; i++)
		ink[stack[i]] = IMG_PRUNE_QUEUED;
	for (int it = 0; it < len; it++)
		img_prune_round(ink, w, h, stack, &n, IMG_PRUNE_PEELED, 1, IMG_PRUNE_QUEUED, 1);
	/* stack now holds the new ends (queued, still ink): regrow from them. */
	for (int it = 0; it < len; it++)
		img_prune_round(ink, w, h, stack, &n, 1, IMG_PRUNE_PEELED, 1, 0);
	for (size_t p = 0; p < N; p++)
		ink[p] = ink[p] == 1 || ink[p] == IMG_PRUNE_QUEUED;
}
