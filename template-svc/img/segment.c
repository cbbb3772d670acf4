/*
 * segment.c - seeds and watershed: cuts the page into small basins of the gradient whose
 * borders are closed by construction (every pixel belongs to exactly one basin).
 *
 * Seeds are the local minima of the gradient blurred with sigma 2 in a square window
 * (connected minima form one seed). Flooding follows the image-foresting transform with a
 * max-arc cost: a pixel joins the basin that reaches it first over the lowest ridge; the
 * gradient is quantised to 256 levels so the priority queue is 256 FIFO buckets.
 */
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"
#include "ink_assert.h"

#define IMG_LEVELS 256

/* One FIFO per level, each a growing array read from the front: pops walk memory in order
 * (a linked list through a page-size next[] made every pop a cache miss, a fifth of the
 * closure's time). A level's array is freed once it has been flooded. */
typedef struct img_bq {
	int32_t *v[IMG_LEVELS];
	uint32_t len[IMG_LEVELS], cap[IMG_LEVELS], rd[IMG_LEVELS];
} img_bq;

#define IMG_BQ_MIN 1024u

/* Appends p to level's FIFO. INK_RESOURCE_EXHAUSTED on OOM (q unchanged). */
static ink_err img_bq_push(img_bq *q, int level, int32_t p)
{
	if (q->len[level] == q->cap[level]) {
		uint32_t cap = q->cap[level] ? q->cap[level] * 2 : IMG_BQ_MIN;
		int32_t *nv = img_xmalloc(cap, sizeof(*nv));

		if (nv == NULL)
			return INK_RESOURCE_EXHAUSTED;
		if (q->len[level] > 0)
			memcpy(nv, q->v[level], (size_t)q->len[level] * sizeof(*nv));
		free(q->v[level]);
		q->v[level] = nv;
		q->cap[level] = cap;
	}
	q->v[level][q->len[level]++] = p;
	return INK_OK;
}

/* The next pixel of level's FIFO, or -1 when it is empty. */
static int32_t img_bq_pop(img_bq *q, int level)
{
	return q->rd[level] < q->len[level] ? q->v[level][q->rd[level]++] : -1;
}

static void img_bq_fini(img_bq *q)
{
	for (int l = 0; l < IMG_LEVELS; l++)
		free(q->v[l]);
	memset(q, 0, sizeof(*q));
}

/* Labels the 8-connected components of seed pixels (lab == -1) 1..n; stack: w*h. */
static int32_t img_label_seeds(int32_t *lab, uint32_t w, uint32_t h, int32_t *stack)
{
	int32_t n = 0;
	size_t N = (size_t)w * h;

	for (size_t i = 0; i < N; i++) {
		size_t sp = 0;

		if (lab[i] != -1)
			continue;
		lab[i] = ++n;
		stack[sp++] = (int32_t)i;
		while (sp > 0) {
			int32_t p = stack[--sp];
			int32_t x = p % (int32_t)w, y = p / (int32_t)w;

			for (int dy = -1; dy <= 1; dy++) {
				for (int dx = -1; dx <= 1; dx++) {
					int32_t nx = x + dx, ny = y + dy, q;

					if (nx < 0 || ny < 0 || nx >= (int32_t)w ||
					    ny >= (int32_t)h)
						continue;
					q = ny * (int32_t)w + nx;
					if (lab[q] == -1) {
						lab[q] = n;
						stack[sp++] = q;
					}
				}
			}
		}
	}
	return n;
}

/* Visits the 4 neighbours of p: labels the unlabelled ones as p and queues them.
 * INK_RESOURCE_EXHAUSTED on OOM. */
static ink_err img_flood_from(img_bq *q, const uint8_t *lev, int32_t *lab, uint32_t w, uint32_t h,
                              int32_t p, int cur)
{
	int32_t x = p % (int32_t)w, y = p / (int32_t)w;
	int32_t nb[4] = {x > 0 ? p - 1 : -1, x + 1 < (int32_t)w ? p + 1 : -1,
	                 y > 0 ? p - (int32_t)w : -1, y + 1 < (int32_t)h ? p + (int32_t)w : -1};

	for (int i = 0; i < 4; i++) {
		int32_t n = nb[i];

		if (n < 0 || lab[n] != 0)
			continue;
		lab[n] = lab[p];
		if (img_bq_push(q, lev[n] > cur ? lev[n] : cur, n) != INK_OK)
			return INK_RESOURCE_EXHAUSTED;
	}
	return INK_OK;
}

/* Floods from the queued seeds, level by level. INK_RESOURCE_EXHAUSTED on OOM. */
static ink_err img_flood(img_bq *q, const uint8_t *lev, int32_t *lab, uint32_t w, uint32_t h)
{
	for (int cur = 0; cur < IMG_LEVELS; cur++) {
		for (int32_t p = img_bq_pop(q, cur); p >= 0; p = img_bq_pop(q, cur))
			if (img_flood_from(q, lev, lab, w, h, p, cur) != INK_OK)
				return INK_RESOURCE_EXHAUSTED;
		/* Nothing is pushed below the current level again. */
		free(q->v[cur]);
		q->v[cur] = NULL;
	}
	return INK_OK;
}

/* The seeds' minimum filter in row bands (parallel.c): rows of its row pass, then rows of
 * its column pass, each reading the other's output only. */
typedef struct img_seed_job {
	const float *mb;
	float *tmp;
	int32_t *lab;
	uint32_t w, h, r;
} img_seed_job;

/* Rows [y0, y1) of tmp = the minimum of mb over 2r+1 columns (clamped at the borders). */
static void img_seed_rows_h(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_seed_job *j = ctx;
	uint32_t w = j->w, r = j->r;

	for (uint32_t y = y0; y < y1; y++) {
		const float *in = j->mb + (size_t)y * w;
		float *o = j->tmp + (size_t)y * w;

		for (uint32_t x = 0; x < w; x++) {
			uint32_t a = x >= r ? x - r : 0;
			uint32_t b = x + r < w ? x + r : w - 1;
			float m = in[a];

			for (uint32_t i = a + 1; i <= b; i++)
				m = in[i] < m ? in[i] : m;
			o[x] = m;
		}
	}
}

/* Rows [y0, y1) of lab = -1 where mb is the minimum of tmp over 2r+1 rows, else 0: the
 * column pass done one output row at a time, so no plane of minima is held (the watershed
 * runs beside the line layer: its planes count). */
static void img_seed_rows_v(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_seed_job *j = ctx;
	uint32_t w = j->w, h = j->h, r = j->r;
	float row[IMG_PAGE_SIDE_MAX];

	for (uint32_t y = y0; y < y1; y++) {
		uint32_t a = y >= r ? y - r : 0;
		uint32_t b = y + r < h ? y + r : h - 1;
		const float *in = j->mb + (size_t)y * w;
		int32_t *l = j->lab + (size_t)y * w;

		memcpy(row, j->tmp + (size_t)a * w, (size_t)w * sizeof(*row));
		for (uint32_t i = a + 1; i <= b; i++) {
			const float *src = j->tmp + (size_t)i * w;

			for (uint32_t x = 0; x < w; x++)
				row[x] = src[x] < row[x] ? src[x] : row[x];
		}
		for (uint32_t x = 0; x < w; x++)
			l[x] = in[x] <= row[x] ? -1 : 0;
	}
}

ink_err img_watershed(const float *mag, uint32_t w, uint32_t h, int seed_r, int32_t *lab,
                      int32_t *nlab)
{
	size_t N = (size_t)w * h;
	float *mb = img_plane_alloc(N, sizeof(float));
	float *tmp = img_plane_alloc(N, sizeof(float));
	uint8_t *lev = NULL;
	int32_t *stack = NULL;
	img_bq q;
	ink_err err = INK_RESOURCE_EXHAUSTED;
	float top, scale;
	int32_t n;

	memset(&q, 0, sizeof(q));
	img_seed_job sj = {mb, tmp, lab, w, h, (uint32_t)seed_r};

	INK_ASSERT(w <= IMG_PAGE_SIDE_MAX);
	if (mb == NULL || tmp == NULL)
		goto out;
	img_gauss(mag, mb, tmp, w, h, 2.0f);
	img_par_rows(w, h, img_seed_rows_h, &sj);
	img_par_rows(w, h, img_seed_rows_v, &sj);
	free(mb);
	free(tmp);
	mb = tmp = NULL;

	stack = img_xmalloc(N, sizeof(int32_t));
	if (stack == NULL)
		goto out;
	n = img_label_seeds(lab, w, h, stack);
	free(stack);
	stack = NULL;
	lev = img_xmalloc(N, 1);
	if (lev == NULL)
		goto out;

	/* Quantise: the top 0.5 % all share level 255, below that 255 even steps. */
	top = img_percentile(mag, N, 99.5);
	scale = top > 0 ? 255.0f / top : 0;
	for (size_t i = 0; i < N; i++) {
		float v = mag[i] * scale;

		lev[i] = (uint8_t)(v >= 255.0f ? 255 : (int)v);
	}
	/* Seeds enter the queue themselves (level 0), so that pixels they label are not
	 * mistaken for seeds. */
	for (size_t i = 0; i < N; i++)
		if (lab[i] > 0 && img_bq_push(&q, 0, (int32_t)i) != INK_OK)
			goto out;
	if (img_flood(&q, lev, lab, w, h) != INK_OK)
		goto out;
	*nlab = n;
	err = INK_OK;
out:
	free(mb);
	free(tmp);
	free(stack);
	free(lev);
	img_bq_fini(&q);
	return err;
}
