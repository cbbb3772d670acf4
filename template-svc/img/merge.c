/*
 * merge.c - region merging: from a few thousand watershed basins to the regions of a page.
 *
 * The region adjacency graph has one edge per pair of touching regions, weighted by the
 * mean gradient along their common border. Weakest borders go first (a min-heap with
 * stamps to skip stale entries) while they are below the threshold and the union stays
 * under max_area; then regions too small to colour are folded into their weakest neighbour
 * (still within max_area).
 * Merging keeps borders closed: it only ever removes a border between two whole regions.
 */
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

typedef struct img_edge {
	int32_t a, b;    /* current roots at its ends */
	double sum, cnt; /* gradient summed along the border, border length */
	uint32_t stamp;  /* bumped when sum/cnt change: older heap entries are stale */
	int dead;
} img_edge;

typedef struct img_heapent {
	float key;
	int32_t e;
	uint32_t stamp;
} img_heapent;

typedef struct img_vec {
	int32_t *v;
	int32_t n, cap;
} img_vec;

typedef struct img_rag {
	int32_t nreg;
	uint64_t *size;
	int32_t *parent;
	img_vec *adj;
	img_edge *e;
	int32_t ne, ecap;
	img_heapent *heap;
	size_t hn, hcap;
	int oom;
} img_rag;

static int img_vec_push(img_vec *v, int32_t x)
{
	if (v->n == v->cap) {
		int32_t cap = v->cap ? v->cap * 2 : 8;
		int32_t *nv = realloc(v->v, (size_t)cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

static float img_edge_key(const img_edge *e)
{
	return (float)(e->sum / e->cnt);
}

static void img_heap_push(img_rag *g, int32_t e)
{
	size_t i;

	if (g->hn == g->hcap) {
		size_t cap = g->hcap ? g->hcap * 2 : 1024;
		img_heapent *nh = realloc(g->heap, cap * sizeof(*nh));

		if (nh == NULL) {
			g->oom = 1;
			return;
		}
		g->heap = nh;
		g->hcap = cap;
	}
	i = g->hn++;
	g->heap[i] = (img_heapent){img_edge_key(&g->e[e]), e, g->e[e].stamp};
	while (i > 0 && g->heap[(i - 1) / 2].key > g->heap[i].key) {
		img_heapent t = g->heap[i];

		g->heap[i] = g->heap[(i - 1) / 2];
		g->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static img_heapent img_heap_pop(img_rag *g)
{
	img_heapent top = g->heap[0];
	size_t i = 0;

	g->heap[0] = g->heap[--g->hn];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < g->hn && g->heap[l].key < g->heap[m].key)
			m = l;
		if (r < g->hn && g->heap[r].key < g->heap[m].key)
			m = r;
		if (m == i)
			break;
		img_heapent t = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = t;
		i = m;
	}
	return top;
}

/* Adds the border pixel pair (a, b) worth v, creating the edge on first sight. tab is an
 * open-addressing table of edge ids keyed by (min, max). */
static int img_rag_add(img_rag *g, int32_t **tab, size_t *tcap, int32_t a, int32_t b, float v)
{
	int32_t lo = a < b ? a : b, hi = a < b ? b : a;
	uint64_t key = (uint64_t)lo << 32 | (uint32_t)hi;
	size_t mask, i;

	if ((size_t)g->ne * 2 >= *tcap) {
		size_t ncap = *tcap * 2;
		int32_t *nt = malloc(ncap * sizeof(*nt));

		if (nt == NULL)
			return -1;
		memset(nt, 0xff, ncap * sizeof(*nt));
		for (int32_t e = 0; e < g->ne; e++) {
			uint64_t k = (uint64_t)g->e[e].a << 32 | (uint32_t)g->e[e].b;

			i = (size_t)(k * 0x9E3779B97F4A7C15ull >> 20) & (ncap - 1);
			while (nt[i] >= 0)
				i = (i + 1) & (ncap - 1);
			nt[i] = e;
		}
		free(*tab);
		*tab = nt;
		*tcap = ncap;
	}
	mask = *tcap - 1;
	i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 20) & mask;
	while ((*tab)[i] >= 0) {
		img_edge *e = &g->e[(*tab)[i]];

		if (e->a == lo && e->b == hi) {
			e->sum += v;
			e->cnt += 1;
			return 0;
		}
		i = (i + 1) & mask;
	}
	if (g->ne == g->ecap) {
		int32_t cap = g->ecap ? g->ecap * 2 : 4096;
		img_edge *ne = realloc(g->e, (size_t)cap * sizeof(*ne));

		if (ne == NULL)
			return -1;
		g->e = ne;
		g->ecap = cap;
	}
	g->e[g->ne] = (img_edge){lo, hi, v, 1, 0, 0};
	(*tab)[i] = g->ne++;
	return 0;
}

/* Border pixels count at most `cap`: a border through a flat area that ends on a strong
 * edge must not borrow that edge's strength (its few end pixels would dominate the mean). */
static float img_clamp(float v, float cap)
{
	return v < cap ? v : cap;
}

static int img_rag_build(img_rag *g, const float *mag, const int32_t *lab, uint32_t w, uint32_t h,
                         float cap)
{
	size_t tcap = 1 << 14;
	int32_t *tab = malloc(tcap * sizeof(*tab));
	int rc = -1;

	if (tab == NULL)
		return -1;
	memset(tab, 0xff, tcap * sizeof(*tab));
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			size_t p = (size_t)y * w + x;

			g->size[lab[p]]++;
			if (x + 1 < w && lab[p + 1] != lab[p] &&
			    img_rag_add(g, &tab, &tcap, lab[p], lab[p + 1],
			                img_clamp((mag[p] + mag[p + 1]) * 0.5f, cap)) != 0)
				goto out;
			if (y + 1 < h && lab[p + w] != lab[p] &&
			    img_rag_add(g, &tab, &tcap, lab[p], lab[p + w],
			                img_clamp((mag[p] + mag[p + w]) * 0.5f, cap)) != 0)
				goto out;
		}
	}
	for (int32_t e = 0; e < g->ne; e++)
		if (img_vec_push(&g->adj[g->e[e].a], e) != 0 ||
		    img_vec_push(&g->adj[g->e[e].b], e) != 0)
			goto out;
	rc = 0;
out:
	free(tab);
	return rc;
}

static int32_t img_other(const img_edge *e, int32_t r)
{
	return e->a == r ? e->b : e->a;
}

/* Merges the two ends of edge e: the region with more neighbours absorbs the other. Edges
 * of the absorbed region move over; where both had a neighbour, the borders add up. */
static void img_rag_merge(img_rag *g, int32_t e, int requeue)
{
	int32_t r = g->e[e].a, o = g->e[e].b;
	img_vec *vr, *vo;
	int32_t k = 0;

	if (g->adj[o].n > g->adj[r].n) {
		r = g->e[e].b;
		o = g->e[e].a;
	}
	vr = &g->adj[r];
	vo = &g->adj[o];
	g->e[e].dead = 1;
	g->parent[o] = r;
	g->size[r] += g->size[o];
	/* Drop dead edges from r's list first, so the scans below stay short. */
	for (int32_t i = 0; i < vr->n; i++)
		if (!g->e[vr->v[i]].dead)
			vr->v[k++] = vr->v[i];
	vr->n = k;
	for (int32_t i = 0; i < vo->n; i++) {
		img_edge *f = &g->e[vo->v[i]];
		int32_t x, j;

		if (f->dead)
			continue;
		x = img_other(f, o);
		for (j = 0; j < vr->n; j++)
			if (img_other(&g->e[vr->v[j]], r) == x)
				break;
		if (j < vr->n) {
			img_edge *gg = &g->e[vr->v[j]];

			gg->sum += f->sum;
			gg->cnt += f->cnt;
			gg->stamp++;
			f->dead = 1;
			if (requeue)
				img_heap_push(g, vr->v[j]);
		} else {
			if (f->a == o)
				f->a = r;
			else
				f->b = r;
			if (img_vec_push(vr, vo->v[i]) != 0)
				g->oom = 1;
		}
	}
	free(vo->v);
	memset(vo, 0, sizeof(*vo));
}

/* Folds every region under min_area into the neighbour behind its weakest border. */
static void img_rag_fold_small(img_rag *g, uint64_t min_area, uint64_t max_area)
{
	for (int pass = 0, changed = 1; changed && pass < 8; pass++) {
		changed = 0;
		for (int32_t r = 1; r < g->nreg; r++) {
			int32_t best = -1;
			float bk = 0;

			if (g->parent[r] != r || g->size[r] >= min_area)
				continue;
			for (int32_t i = 0; i < g->adj[r].n; i++) {
				const img_edge *f = &g->e[g->adj[r].v[i]];

				if (f->dead || g->size[f->a] + g->size[f->b] > max_area)
					continue;
				if (best < 0 || img_edge_key(f) < bk) {
					best = g->adj[r].v[i];
					bk = img_edge_key(f);
				}
			}
			if (best >= 0) {
				img_rag_merge(g, best, 0);
				changed = 1;
			}
		}
	}
}

static int32_t img_find(int32_t *parent, int32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

ink_err img_merge(const float *mag, uint32_t w, uint32_t h, int32_t *lab, int32_t nlab,
                  float thresh, float flat, uint64_t max_area, uint64_t min_area, int32_t *nout)
{
	img_rag g;
	ink_err err = INK_RESOURCE_EXHAUSTED;
	int32_t *map = NULL, n = 0;
	size_t N = (size_t)w * h;

	memset(&g, 0, sizeof(g));
	g.nreg = nlab + 1;
	g.size = calloc((size_t)g.nreg, sizeof(*g.size));
	g.parent = img_xmalloc((size_t)g.nreg, sizeof(*g.parent));
	g.adj = calloc((size_t)g.nreg, sizeof(*g.adj));
	if (g.size == NULL || g.parent == NULL || g.adj == NULL)
		goto out;
	for (int32_t i = 0; i < g.nreg; i++)
		g.parent[i] = i;
	if (img_rag_build(&g, mag, lab, w, h, 2.0f * thresh) != 0)
		goto out;
	for (int32_t e = 0; e < g.ne; e++)
		img_heap_push(&g, e);
	while (g.hn > 0 && !g.oom) {
		img_heapent t = img_heap_pop(&g);
		img_edge *e = &g.e[t.e];

		if (e->dead || t.stamp != e->stamp)
			continue;
		if (t.key >= thresh)
			break;
		/* The area cap keeps lines around big areas, except where a border is truly
		 * flat (a blank background is one region, not one cut along noise). */
		if (g.size[e->a] + g.size[e->b] > max_area && t.key >= flat)
			continue;
		img_rag_merge(&g, t.e, 1);
	}
	img_rag_fold_small(&g, min_area, max_area);
	if (g.oom)
		goto out;

	map = calloc((size_t)g.nreg, sizeof(*map));
	if (map == NULL)
		goto out;
	for (int32_t r = 1; r < g.nreg; r++)
		if (g.parent[r] == r)
			map[r] = ++n;
	for (size_t i = 0; i < N; i++)
		lab[i] = map[img_find(g.parent, lab[i])];
	*nout = n;
	err = INK_OK;
out:
	if (g.adj != NULL)
		for (int32_t i = 0; i < g.nreg; i++)
			free(g.adj[i].v);
	free(g.adj);
	free(g.size);
	free(g.parent);
	free(g.e);
	free(g.heap);
	free(map);
	return err;
}
