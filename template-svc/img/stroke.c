/*
 * stroke.c - even strokes: thin every line to a 1-px skeleton, then redraw it with a round
 * pen of the chosen width, so a page's lines all have the same weight whatever the photo.
 *
 * Thinning is Zhang-Suen: it peels boundary pixels whose removal keeps the 8-connected ink
 * and the 4-connected white as they were (a single run of ink around the pixel, 2..6 ink
 * neighbours), in two alternating sub-passes so lines end up centred. A sub-pass decides
 * from the ink as it was, so its rows can be split into bands (parallel.c); and it looks only
 * at rows whose neighbourhood changed since that sub-pass last ran (after the first few
 * rounds, a few thick blobs are all that is left to peel).
 */
#include <string.h>

#include "img_priv.h"
#include "ink_assert.h"

/* Neighbours P2..P9 clockwise from north, as bits 0..7. Outside the image counts as ink:
 * the page edge closes regions too, so a line ending on it must stay anchored there (were
 * the frame white, the last pixel of such a line could be peeled, opening a gap along the
 * edge). */
static unsigned img_nbrs(const uint8_t *m, uint32_t w, uint32_t h, uint32_t x, uint32_t y)
{
	static const int dx[8] = {0, 1, 1, 1, 0, -1, -1, -1};
	static const int dy[8] = {-1, -1, 0, 1, 1, 1, 0, -1};
	unsigned code = 0;

	for (int i = 0; i < 8; i++) {
		int64_t nx = (int64_t)x + dx[i], ny = (int64_t)y + dy[i];

		code |= (unsigned)(nx < 0 || ny < 0 || nx >= w || ny >= h ||
		                   m[(size_t)ny * w + (size_t)nx] != 0)
		        << i;
	}
	return code;
}

/* peel[sub][code]: whether sub-pass sub peels an ink pixel with neighbours code. Zhang-Suen's
 * test depends on the 8 neighbours only, so it is decided once for all 256 of them. */
static void img_thin_table(uint8_t peel[2][256])
{
	for (unsigned code = 0; code < 256; code++) {
		int p[8], b = 0, a = 0;

		for (int i = 0; i < 8; i++)
			p[i] = (code >> i) & 1;
		for (int i = 0; i < 8; i++) {
			b += p[i];
			a += !p[i] && p[(i + 1) % 8];
		}
		/* p[0]=N p[2]=E p[4]=S p[6]=W */
		peel[0][code] = b >= 2 && b <= 6 && a == 1 && !(p[0] && p[2] && p[4]) &&
		                !(p[2] && p[4] && p[6]);
		peel[1][code] = b >= 2 && b <= 6 && a == 1 && !(p[0] && p[2] && p[6]) &&
		                !(p[0] && p[4] && p[6]);
	}
}

/* Rows a sub-pass must look at before a second thread is worth starting for them: starting
 * one costs about what looking at a hundred rows of a 1000 px page does. */
#define IMG_THIN_PAR_ROWS 256u

typedef struct img_thin_job {
	uint8_t *ink;
	uint8_t *del;
	uint32_t w, h;
	const uint8_t *peel; /* img_thin_table's row for this sub-pass */
	const uint8_t *eval; /* h: rows this sub-pass must look at */
	uint8_t *chg;        /* h: rows this sub-pass peeled some pixel of */
} img_thin_job;

/* Marks in del the pixels of row y (neither the first nor the last) that the sub-pass peels,
 * columns 1..w-2; returns whether it marked any. Ink is sparse: eight white pixels at once
 * are skipped with one test. */
static int img_thin_inner_row(const img_thin_job *j, uint32_t y)
{
	uint32_t w = j->w;
	const uint8_t *up = j->ink + (size_t)(y - 1) * w, *mid = up + w, *dn = mid + w;
	uint8_t *del = j->del + (size_t)y * w;
	int changed = 0;

	for (uint32_t x = 1; x + 1 < w; x++) {
		unsigned code;

		if (x + 8 < w) {
			uint64_t eight;

			memcpy(&eight, mid + x, sizeof(eight));
			if (eight == 0) {
				memset(del + x, 0, 8);
				x += 7;
				continue;
			}
		}
		del[x] = 0;
		if (!mid[x])
			continue;
		code = (unsigned)(up[x] != 0) | (unsigned)(up[x + 1] != 0) << 1 |
		       (unsigned)(mid[x + 1] != 0) << 2 | (unsigned)(dn[x + 1] != 0) << 3 |
		       (unsigned)(dn[x] != 0) << 4 | (unsigned)(dn[x - 1] != 0) << 5 |
		       (unsigned)(mid[x - 1] != 0) << 6 | (unsigned)(up[x - 1] != 0) << 7;
		del[x] = j->peel[code];
		changed |= del[x];
	}
	return changed;
}

/* Marks in del the pixels of rows [y0, y1) that the sub-pass peels, and chg the rows with
 * any. Reads ink only; a row not to be looked at peels nothing. */
static void img_thin_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	img_thin_job *j = ctx;
	uint32_t w = j->w, h = j->h;

	for (uint32_t y = y0; y < y1; y++) {
		int edge_row = y == 0 || y + 1 == h || w < 3, changed = 0;

		j->chg[y] = 0;
		if (!j->eval[y])
			continue;
		for (uint32_t x = 0; x < w; x += edge_row || x + 1 == w ? 1 : w - 1) {
			size_t i = (size_t)y * w + x;

			j->del[i] = j->ink[i] && j->peel[img_nbrs(j->ink, w, h, x, y)];
			changed |= j->del[i];
		}
		if (!edge_row)
			changed |= img_thin_inner_row(j, y);
		j->chg[y] = (uint8_t)changed;
	}
}

/* One sub-pass over the rows in eval; peels what it marked and sets chg. Returns whether
 * any pixel was peeled. */
static int img_thin_pass(img_thin_job *j)
{
	uint32_t dirty = 0;
	int any = 0;

	for (uint32_t y = 0; y < j->h; y++)
		dirty += j->eval[y];
	/* After the first rounds only a few thick blobs are left to peel: a thread for their
	 * rows costs more than it saves. */
	if (dirty < IMG_THIN_PAR_ROWS)
		img_thin_rows(j, 0, j->h);
	else
		img_par_rows(j->w, j->h, img_thin_rows, j);
	for (uint32_t y = 0; y < j->h; y++) {
		uint8_t *row = j->ink + (size_t)y * j->w;
		const uint8_t *del = j->del + (size_t)y * j->w;

		if (!j->chg[y])
			continue;
		any = 1;
		for (uint32_t x = 0; x < j->w; x++)
			row[x] = del[x] ? 0 : row[x];
	}
	return any;
}

/* eval[y] = some row of y-1..y+1 changed in a or b: the only rows whose neighbourhoods
 * changed since the sub-pass last looked at them. A row whose 3x3 neighbourhoods are as
 * they were when that sub-pass peeled nothing in it peels nothing again, so the thinning
 * is the same, pixel for pixel, as one that looks at every row every time. */
static void img_thin_dirty(uint8_t *eval, const uint8_t *a, const uint8_t *b, uint32_t h)
{
	for (uint32_t y = 0; y < h; y++) {
		uint32_t lo = y > 0 ? y - 1 : 0, hi = y + 1 < h ? y + 1 : y;
		uint8_t e = 0;

		for (uint32_t k = lo; k <= hi; k++)
			e |= a[k] | b[k];
		eval[y] = e;
	}
}

void img_thin(uint8_t *ink, uint8_t *tmp, uint32_t w, uint32_t h)
{
	/* Per row: which to look at, and which each sub-pass changed (12 KiB at most: a
	 * page is never taller than IMG_PAGE_SIDE_MAX). */
	uint8_t peel[2][256], rows[3 * IMG_PAGE_SIDE_MAX];
	img_thin_job j = {ink, tmp, w, h, NULL, NULL, NULL};

	INK_ASSERT(h <= IMG_PAGE_SIDE_MAX);
	img_thin_table(peel);
	memset(rows, 1, (size_t)h * 3);
	for (int it = 0; it < 64 * 2; it++) {
		uint8_t *chg = rows + (size_t)h * (1 + (it & 1)),
		        *other = rows + (size_t)h * (2 - (it & 1));
		int c;

		j.peel = peel[it & 1];
		j.eval = rows;
		j.chg = chg;
		c = img_thin_pass(&j);
		/* Two sub-passes in a row without a change: done. */
		if (!c && it > 0 && !memchr(other, 1, h))
			break;
		img_thin_dirty(rows, chg, other, h);
	}
}

typedef struct img_stroke_job {
	const uint8_t *skel;
	uint8_t *out;
	uint32_t w, h;
	int lo, hi;       /* the pen's offsets span [lo, hi] on each axis */
	uint64_t row[16]; /* bit dx - lo of row dy - lo: the pen covers (dx, dy) */
} img_stroke_job;

/* Rows [y0, y1) of out: every skeleton pixel within the pen's reach of them stamps the pen,
 * clipped to these rows. Reads skel, writes its own rows. Skeletons are sparse: eight white
 * pixels at once are skipped with one test. */
static void img_stroke_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_stroke_job *j = ctx;
	uint32_t w = j->w;
	int64_t sy0 = (int64_t)y0 - j->hi, sy1 = (int64_t)y1 - j->lo; /* source rows [sy0, sy1) */

	memset(j->out + (size_t)y0 * w, 0, (size_t)(y1 - y0) * w);
	sy0 = sy0 < 0 ? 0 : sy0;
	sy1 = sy1 > j->h ? j->h : sy1;
	for (int64_t sy = sy0; sy < sy1; sy++) {
		const uint8_t *src = j->skel + (size_t)sy * w;

		for (uint32_t x = 0; x < w; x++) {
			uint64_t eight;

			if (x + 8 <= w) {
				memcpy(&eight, src + x, sizeof(eight));
				if (eight == 0) {
					x += 7;
					continue;
				}
			}
			if (!src[x])
				continue;
			for (int dy = j->lo; dy <= j->hi; dy++) {
				int64_t ny = sy + dy;
				uint8_t *o;

				if (ny < y0 || ny >= y1)
					continue;
				o = j->out + (size_t)ny * w;
				for (int dx = j->lo; dx <= j->hi; dx++) {
					int64_t nx = (int64_t)x + dx;

					if (((j->row[dy - j->lo] >> (dx - j->lo)) & 1) && nx >= 0 &&
					    nx < w)
						o[nx] = 1;
				}
			}
		}
	}
}

void img_stroke(const uint8_t *skel, uint8_t *out, uint32_t w, uint32_t h, int width)
{
	/* Pen: offsets within width/2 of its centre; even widths centre on a pixel corner. */
	int lo = -(width - 1) / 2, hi = width / 2;
	double c = (width % 2 == 0) ? 0.5 : 0.0, r2 = (double)width * width / 4.0 + 0.25;
	img_stroke_job j = {skel, out, w, h, lo, hi, {0}};
	int np = 0;

	/* At most 64 offsets, taken row by row from the top: past width 8 the pen is cut off
	 * at the bottom. The gaps of draw.c (IMG_*_GAP + line_width) were tuned with this
	 * pen; a rounder one is a retuning, not a speed-up. */
	for (int dy = lo; dy <= hi && dy - lo < 16; dy++)
		for (int dx = lo; dx <= hi && dx - lo < 64; dx++)
			if ((dx - c) * (dx - c) + (dy - c) * (dy - c) <= r2 && np < 64) {
				j.row[dy - lo] |= (uint64_t)1 << (dx - lo);
				np++;
			}
	img_par_rows(w, h, img_stroke_rows, &j);
}
