/*
 * numbers.c - img_numbers_prepare(): the regions of a paint-by-numbers page and their
 * colours (issue 19), worked on the stroked ink before potrace fits its curves.
 *
 * A few passes, each over the white regions (4-connected) of the ink as it is now:
 *   colour   pass 0: each region's mean in CIELAB, clustered to N (palette.c), snapped to
 *            crayons24 if asked; later passes keep what a region's pixels already have.
 *   small    a region whose widest inscribed disk (distance transform, edt.c) cannot hold
 *            the smallest readable number takes the colour of its most similar neighbour.
 *   merge    neighbours of one colour join (union-find), unless the union would pass 45 %
 *            of the page (page-quality's largest region: a page must stay a page).
 *   erase    a stroke pixel that sees only one joined set within a pen's reach is erased:
 *            the border between two regions of one colour disappears, a line inside one
 *            region (an eye's stroke) stays.
 * Working before the curves means the SVG, the PNG and the regions agree by construction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

#define IMG_NUM_PASSES     4
#define IMG_NUM_AREA_CAP   0.45
#define IMG_NUM_STRONG_PCT 90.0
#define IMG_NUM_KEEP_PX    2
#define IMG_NUM_SLACK      1.5 /* px the curves may take from a region's inscribed disk */

typedef struct img_num_work {
	uint32_t w, h;
	size_t N;
	const img_opts *o;
	float (*lab)[3]; /* per pixel */
	uint8_t *ink;
	int32_t *reg, *prop; /* white components; and propagated into the ink (nearest) */
	uint32_t *stack;
	float *d2;
	int32_t nreg;
	double *area;
	float (*mean)[3];
	float *radius;
	int32_t *parent;
	double *setarea;
	int *setcid;
	uint64_t *edges; /* region pairs (a << 32 | b, a < b), sorted */
	uint8_t *strong; /* per pair: the border runs along a strong edge of the photo */
	size_t nedges;
	uint8_t *edge; /* w*h: pixel on the photo's strongest gradients (page-quality's) */
	double rmin;
} img_num_work;

static void img_num_regions_free(img_num_work *wk)
{
	free(wk->area);
	free(wk->mean);
	free(wk->radius);
	free(wk->parent);
	free(wk->setarea);
	free(wk->setcid);
	free(wk->edges);
	free(wk->strong);
	wk->strong = NULL;
	wk->area = NULL;
	wk->mean = NULL;
	wk->radius = NULL;
	wk->parent = NULL;
	wk->setarea = NULL;
	wk->setcid = NULL;
	wk->edges = NULL;
	wk->nedges = 0;
}

static void img_num_work_fini(img_num_work *wk)
{
	img_num_regions_free(wk);
	free(wk->lab);
	free(wk->reg);
	free(wk->prop);
	free(wk->stack);
	free(wk->d2);
	free(wk->edge);
}

void img_numbers_fini(img_numbers *n)
{
	if (n == NULL)
		return;
	free(n->cid);
	memset(n, 0, sizeof(*n));
}

static void img_num_pixels_lab(const img_gray *g, float (*lab)[3], size_t N)
{
	for (size_t i = 0; i < N; i++) {
		uint8_t rgb[3] = {g->px[i], g->px[i], g->px[i]};

		if (g->rgb != NULL)
			memcpy(rgb, g->rgb + 3 * i, 3);
		img_srgb_to_lab(rgb, lab[i]);
	}
}

/* Every ink pixel takes the label of its nearest region (breadth first from the regions'
 * edges, so ties go to whoever reaches first, the same way every run). */
static void img_num_propagate(img_num_work *wk)
{
	uint32_t w = wk->w, h = wk->h;
	size_t head = 0, tail = 0;

	memcpy(wk->prop, wk->reg, wk->N * sizeof(int32_t));
	for (size_t i = 0; i < wk->N; i++)
		if (wk->reg[i] != 0)
			wk->stack[tail++] = (uint32_t)i;
	while (head < tail) {
		uint32_t p = wk->stack[head++], x = p % w, y = p / w;
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
			if (wk->prop[nb[j]] == 0) {
				wk->prop[nb[j]] = wk->prop[p];
				wk->stack[tail++] = nb[j];
			}
	}
}

static int img_num_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void img_num_edge_at(img_num_work *wk, size_t p, size_t q, size_t *n)
{
	uint64_t a = (uint64_t)wk->prop[p], b = (uint64_t)wk->prop[q];

	if (a == b)
		return;
	if (wk->edges != NULL)
		wk->edges[*n] = (a < b ? (a << 33 | b << 1) : (b << 33 | a << 1)) |
		                (uint64_t)(wk->edge[p] | wk->edge[q]);
	(*n)++;
}

/* Sorted pixel pairs -> one entry per region pair, strong when over a quarter of its
 * border lies on the photo's strongest gradients. */
static void img_num_edges_group(img_num_work *wk, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n;) {
		uint64_t key = wk->edges[i] >> 1;
		size_t j = i, hot = 0;

		for (; j < n && wk->edges[j] >> 1 == key; j++)
			hot += wk->edges[j] & 1;
		wk->edges[out] = key;
		wk->strong[out] = hot * 4 > j - i;
		out++;
		i = j;
	}
	wk->nedges = out;
}

/* Region adjacency from the propagated labels: sorted, each pair once. */
static ink_err img_num_edges(img_num_work *wk)
{
	size_t n = 0;

	for (int round = 0; round < 2; round++) {
		n = 0;
		for (uint32_t y = 0; y < wk->h; y++)
			for (uint32_t x = 0; x < wk->w; x++) {
				size_t p = (size_t)y * wk->w + x;

				if (x + 1 < wk->w)
					img_num_edge_at(wk, p, p + 1, &n);
				if (y + 1 < wk->h)
					img_num_edge_at(wk, p, p + wk->w, &n);
			}
		if (round == 0) {
			wk->edges = img_xmalloc(n ? n : 1, sizeof(uint64_t));
			wk->strong = img_xmalloc(n ? n : 1, 1);
			if (wk->edges == NULL || wk->strong == NULL)
				return INK_RESOURCE_EXHAUSTED;
		}
	}
	qsort(wk->edges, n, sizeof(uint64_t), img_num_cmp_u64);
	img_num_edges_group(wk, n);
	return INK_OK;
}

static ink_err img_num_regions_alloc(img_num_work *wk)
{
	size_t n = (size_t)wk->nreg + 1;

	wk->area = calloc(n, sizeof(double));
	wk->mean = calloc(n, sizeof(wk->mean[0]));
	wk->radius = calloc(n, sizeof(float));
	wk->parent = img_xmalloc(n, sizeof(int32_t));
	wk->setarea = img_xmalloc(n, sizeof(double));
	wk->setcid = calloc(n, sizeof(int));
	if (wk->area == NULL || wk->mean == NULL || wk->radius == NULL || wk->parent == NULL ||
	    wk->setarea == NULL || wk->setcid == NULL)
		return INK_RESOURCE_EXHAUSTED;
	return INK_OK;
}

/* Area, mean Lab and inscribed radius of every region. */
static ink_err img_num_stats(img_num_work *wk)
{
	double(*sum)[3] = calloc((size_t)wk->nreg + 1, sizeof(*sum));
	ink_err err;

	if (sum == NULL)
		return INK_RESOURCE_EXHAUSTED;
	err = img_edt(wk->ink, wk->w, wk->h, wk->d2);
	if (err != INK_OK) {
		free(sum);
		return err;
	}
	for (size_t i = 0; i < wk->N; i++) {
		int32_t r = wk->reg[i];

		if (r == 0)
			continue;
		wk->area[r] += 1;
		for (int d = 0; d < 3; d++)
			sum[r][d] += wk->lab[i][d];
		if (wk->d2[i] > wk->radius[r])
			wk->radius[r] = wk->d2[i];
	}
	for (int32_t r = 1; r <= wk->nreg; r++) {
		wk->radius[r] = sqrtf(wk->radius[r]);
		for (int d = 0; d < 3; d++)
			wk->mean[r][d] = (float)(sum[r][d] / wk->area[r]);
	}
	free(sum);
	return INK_OK;
}

/* Pass 0: the regions' means clustered; each region's colour into setcid. */
static ink_err img_num_cluster(img_num_work *wk, img_numbers *nb)
{
	int32_t n = wk->nreg;
	int *assign = img_xmalloc((size_t)n, sizeof(int));
	float c[IMG_COLORS_MAX][3];
	int k;

	if (assign == NULL)
		return INK_RESOURCE_EXHAUSTED;
	k = img_kmeans((const float(*)[3])(wk->mean + 1), wk->area + 1, n, wk->o->colors, c,
	               assign);
	if (wk->o->palette == IMG_PALETTE_CRAYONS24) {
		const img_swatch *cr = img_crayons24();
		float cl[IMG_CRAYONS][3];

		for (int j = 0; j < IMG_CRAYONS; j++)
			img_srgb_to_lab(cr[j].rgb, cl[j]);
		for (int32_t r = 0; r < n; r++)
			wk->setcid[r + 1] =
			    img_kmeans_nearest(c[assign[r]], (const float(*)[3])cl, IMG_CRAYONS);
		nb->ncol = IMG_CRAYONS;
	} else {
		for (int32_t r = 0; r < n; r++)
			wk->setcid[r + 1] = assign[r];
		nb->ncol = k;
	}
	free(assign);
	return INK_OK;
}

static int32_t img_num_find(int32_t *parent, int32_t a)
{
	while (parent[a] != a) {
		parent[a] = parent[parent[a]];
		a = parent[a];
	}
	return a;
}

/* Joins a's set into b's; the union takes colour cid. */
static void img_num_union(img_num_work *wk, int32_t a, int32_t b, int cid)
{
	int32_t ra = img_num_find(wk->parent, a), rb = img_num_find(wk->parent, b);

	if (ra != rb) {
		wk->parent[ra] = rb;
		wk->setarea[rb] += wk->setarea[ra];
	}
	wk->setcid[rb] = cid;
}

static float img_num_lab_d2(const float a[3], const float b[3])
{
	float d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];

	return d0 * d0 + d1 * d1 + d2 * d2;
}

/* The neighbour of r whose mean colour is closest (lowest label on ties) across a weak
 * border, or 0: a region walled in by the photo's strong edges keeps its lines (labels.c
 * numbers it smaller, or inks it: a dark gap between two petals). */
static int32_t img_num_similar(const img_num_work *wk, int32_t r)
{
	int32_t best = 0;
	float bd = INFINITY;

	for (size_t i = 0; i < wk->nedges; i++) {
		int32_t a = (int32_t)(wk->edges[i] >> 32),
		        b = (int32_t)(wk->edges[i] & 0xffffffffu);
		int32_t o = a == r ? b : (b == r ? a : 0);
		float d;

		if (o == 0 || wk->strong[i])
			continue;
		d = img_num_lab_d2(wk->mean[r], wk->mean[o]);
		if (d < bd) {
			bd = d;
			best = o;
		}
	}
	return best;
}

/* Small regions (in label order) take their most similar neighbour's colour and join it;
 * then neighbours of one colour join under the area cap. Returns how many joins. */
static size_t img_num_join(img_num_work *wk)
{
	double cap = IMG_NUM_AREA_CAP * (double)wk->N;
	size_t joins = 0;

	for (int32_t r = 1; r <= wk->nreg; r++) {
		wk->parent[r] = r;
		wk->setarea[r] = wk->area[r];
	}
	for (int32_t r = 1; r <= wk->nreg; r++) {
		int32_t o;

		if (wk->radius[r] >= wk->rmin)
			continue;
		o = img_num_similar(wk, r);
		if (o == 0)
			continue;
		img_num_union(wk, r, o, wk->setcid[img_num_find(wk->parent, o)]);
		joins++;
	}
	for (size_t i = 0; i < wk->nedges; i++) {
		int32_t a = img_num_find(wk->parent, (int32_t)(wk->edges[i] >> 32));
		int32_t b = img_num_find(wk->parent, (int32_t)(wk->edges[i] & 0xffffffffu));

		if (a == b || wk->strong[i] || wk->setcid[a] != wk->setcid[b] ||
		    wk->setarea[a] + wk->setarea[b] > cap)
			continue;
		img_num_union(wk, a, b, wk->setcid[b]);
		joins++;
	}
	return joins;
}

/* Whether every label within r px of (x, y) is in one set, and more than one label is. */
static int img_num_erasable(const img_num_work *wk, const int32_t *root, uint32_t x, uint32_t y,
                            int r)
{
	int32_t l0 = wk->prop[(size_t)y * wk->w + x], r0 = root[l0];
	int several = 0;
	uint32_t y0 = y > (uint32_t)r ? y - (uint32_t)r : 0,
	         x0 = x > (uint32_t)r ? x - (uint32_t)r : 0;
	uint32_t y1 = y + (uint32_t)r < wk->h ? y + (uint32_t)r : wk->h - 1;
	uint32_t x1 = x + (uint32_t)r < wk->w ? x + (uint32_t)r : wk->w - 1;

	for (uint32_t yy = y0; yy <= y1; yy++)
		for (uint32_t xx = x0; xx <= x1; xx++) {
			int32_t l = wk->prop[(size_t)yy * wk->w + xx];

			if (root[l] != r0)
				return 0;
			several |= l != l0;
		}
	return several;
}

/* Whether a strong edge of the photo runs within IMG_NUM_KEEP_PX of (x, y). */
static int img_num_on_edge(const img_num_work *wk, uint32_t x, uint32_t y)
{
	const uint32_t r = IMG_NUM_KEEP_PX;
	uint32_t y0 = y > r ? y - r : 0, x0 = x > r ? x - r : 0;
	uint32_t y1 = y + r < wk->h ? y + r : wk->h - 1, x1 = x + r < wk->w ? x + r : wk->w - 1;

	for (uint32_t yy = y0; yy <= y1; yy++)
		for (uint32_t xx = x0; xx <= x1; xx++)
			if (wk->edge[(size_t)yy * wk->w + xx])
				return 1;
	return 0;
}

/* Erases the strokes between joined regions; every pixel's colour into cid. */
static ink_err img_num_erase(img_num_work *wk, uint8_t *cid)
{
	int32_t *root = img_xmalloc((size_t)wk->nreg + 1, sizeof(int32_t));
	int r = wk->o->line_width + 1;

	if (root == NULL)
		return INK_RESOURCE_EXHAUSTED;
	root[0] = 0;
	for (int32_t l = 1; l <= wk->nreg; l++)
		root[l] = img_num_find(wk->parent, l);
	for (uint32_t y = 0; y < wk->h; y++)
		for (uint32_t x = 0; x < wk->w; x++) {
			size_t p = (size_t)y * wk->w + x;

			if (wk->ink[p] && !img_num_on_edge(wk, x, y) &&
			    img_num_erasable(wk, root, x, y, r))
				wk->ink[p] = 0;
		}
	for (size_t p = 0; p < wk->N; p++)
		cid[p] = (uint8_t)(wk->setcid[root[wk->prop[p]]] + 1);
	free(root);
	return INK_OK;
}

/* Later passes: a region's colour is its pixels' (one colour each, by construction). */
static void img_num_recolour(img_num_work *wk, const uint8_t *cid)
{
	for (size_t i = wk->N; i-- > 0;)
		if (wk->reg[i] != 0)
			wk->setcid[wk->reg[i]] = cid[i] - 1;
}

static ink_err img_num_pass(img_num_work *wk, img_numbers *nb, int pass, size_t *joins)
{
	ink_err err;

	img_num_regions_free(wk);
	img_white_regions(wk->ink, wk->w, wk->h, wk->reg, &wk->nreg, wk->stack);
	*joins = 0;
	if (wk->nreg == 0)
		return INK_OK;
	err = img_num_regions_alloc(wk);
	if (err == INK_OK)
		err = img_num_stats(wk);
	if (err != INK_OK)
		return err;
	img_num_propagate(wk);
	err = img_num_edges(wk);
	if (err != INK_OK)
		return err;
	if (pass == 0)
		err = img_num_cluster(wk, nb);
	else
		img_num_recolour(wk, nb->cid);
	if (err != INK_OK)
		return err;
	*joins = img_num_join(wk);
	return img_num_erase(wk, nb->cid);
}

/* The colour of each palette entry: the mean sRGB of its pixels, or its crayon's. */
static void img_num_colours(const img_gray *g, const img_opts *o, img_numbers *nb)
{
	double sum[IMG_COLORS_MAX > IMG_CRAYONS ? IMG_COLORS_MAX : IMG_CRAYONS][4];
	const img_swatch *cr = img_crayons24();
	int crayons = o->palette == IMG_PALETTE_CRAYONS24;

	memset(sum, 0, sizeof(sum));
	for (size_t i = 0; i < (size_t)nb->w * nb->h; i++) {
		int c = nb->cid[i] - 1;

		if (c < 0 || c >= nb->ncol)
			continue;
		for (int d = 0; d < 3; d++)
			sum[c][d] += g->rgb != NULL ? g->rgb[3 * i + (size_t)d] : g->px[i];
		sum[c][3] += 1;
	}
	for (int c = 0; c < nb->ncol; c++) {
		img_colour *col = &nb->col[c];

		col->crayon = crayons ? c : -1;
		for (int d = 0; d < 3; d++)
			col->rgb[d] =
			    crayons ? cr[c].rgb[d]
			            : (sum[c][3] > 0 ? (uint8_t)lround(sum[c][d] / sum[c][3]) : 0);
		img_srgb_to_lab(col->rgb, col->lab);
	}
}

/* wk->edge: page-quality's view of the photo's edges (Sobel of the gray blurred 1.5, its top
 * IMG_NUM_STRONG_PCT): a border there is a line an artist keeps. */
static ink_err img_num_strong(img_num_work *wk, const img_gray *g)
{
	float *v = img_plane_alloc(wk->N, sizeof(float)),
	      *t = img_plane_alloc(wk->N, sizeof(float));
	float *m = img_plane_alloc(wk->N, sizeof(float)), thr;
	ink_err err = INK_RESOURCE_EXHAUSTED;

	wk->edge = malloc(wk->N);
	if (v == NULL || t == NULL || m == NULL || wk->edge == NULL)
		goto out;
	for (size_t i = 0; i < wk->N; i++)
		v[i] = g->px[i];
	img_gauss(v, v, t, wk->w, wk->h, 1.5f);
	img_sobel(v, m, wk->w, wk->h);
	thr = img_percentile(m, wk->N, IMG_NUM_STRONG_PCT);
	for (size_t i = 0; i < wk->N; i++)
		wk->edge[i] = m[i] >= thr;
	err = INK_OK;
out:
	free(v);
	free(t);
	free(m);
	return err;
}

static ink_err img_num_work_init(img_num_work *wk, const img_gray *g, const img_opts *o,
                                 uint8_t *ink)
{
	double min_em, max_em, floor_em, hd;
	int top = o->palette == IMG_PALETTE_CRAYONS24 ? IMG_CRAYONS : o->colors;
	ink_err err;

	memset(wk, 0, sizeof(*wk));
	wk->w = g->w;
	wk->h = g->h;
	wk->N = (size_t)g->w * g->h;
	wk->o = o;
	wk->ink = ink;
	err = img_label_halfdiag(top >= 10 ? 2 : 1, &hd);
	if (err != INK_OK)
		return err;
	img_label_font(o, g->w, g->h, &min_em, &max_em, &floor_em);
	wk->rmin = min_em * hd + IMG_LABEL_GAP + IMG_NUM_SLACK;
	wk->lab = img_xmalloc(wk->N, sizeof(wk->lab[0]));
	wk->reg = img_xmalloc(wk->N, sizeof(int32_t));
	wk->prop = img_xmalloc(wk->N, sizeof(int32_t));
	wk->stack = img_xmalloc(wk->N, sizeof(uint32_t));
	wk->d2 = img_xmalloc(wk->N, sizeof(float));
	if (wk->lab == NULL || wk->reg == NULL || wk->prop == NULL || wk->stack == NULL ||
	    wk->d2 == NULL)
		return INK_RESOURCE_EXHAUSTED;
	img_num_pixels_lab(g, wk->lab, wk->N);
	return img_num_strong(wk, g);
}

ink_err img_numbers_prepare(const img_gray *g, const img_opts *o, uint8_t *ink, img_numbers *out)
{
	img_num_work wk;
	img_numbers nb;
	size_t joins = 1;
	ink_err err;

	memset(&nb, 0, sizeof(nb));
	nb.w = g->w;
	nb.h = g->h;
	err = img_num_work_init(&wk, g, o, ink);
	if (err != INK_OK)
		goto out;
	nb.cid = calloc(wk.N, 1);
	err = INK_RESOURCE_EXHAUSTED;
	if (nb.cid == NULL)
		goto out;
	err = INK_OK;
	for (int pass = 0; pass < IMG_NUM_PASSES && joins > 0 && err == INK_OK; pass++)
		err = img_num_pass(&wk, &nb, pass, &joins);
	if (err != INK_OK)
		goto out;
	img_num_colours(g, o, &nb);
	*out = nb;
	memset(&nb, 0, sizeof(nb));
out:
	img_numbers_fini(&nb);
	img_num_work_fini(&wk);
	return err;
}
