/*
 * draw.c - img_draw(): from the page-size photo to the ink of a coloring page.
 *
 * Two layers, each for one duty, then one pen:
 *   lines    what an artist draws: the flow-based DoG (fdog.c) of the luminance along the
 *            colour edge flow (flow.c). Mouths, eyebrows, glasses, seams, outlines.
 *   closure  what keeps every white region closed: the borders of a segmentation of the
 *            photo smoothed by a bilateral filter (smooth.c), by watershed of its colour
 *            gradient and weakest-border-first merging (segment.c, merge.c). Smoothing first
 *            is what keeps fur and faces from breaking into a crackle of cells.
 *   snap     a closing border that runs within about a pen of a drawn line joins it (the
 *            union is thinned to one centre line), so no border doubles a line.
 *   pen      thin to centre lines, clean (spurs, dashes, loops, slivers), redraw with a round
 *            pen of line_width: even strokes, which vector.c then fits with curves.
 * Every buffer is page-sized, allocated here and freed before return (peak: six float
 * planes, during the smoothing).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

/* Per detail level 1..5. */
static const double img_merge_pct[5] = {91, 90.5, 90, 87, 84};            /* merge borders below */
static const double img_min_region[5] = {2200, 1800, 1500, 900, 500};     /* px at 1000x750 */
static const float img_line_tau[5] = {-1.6f, -1.6f, -1.6f, -1.5f, -1.4f}; /* FDoG gray levels */
static const uint32_t img_line_min[5] = {20, 19, 18, 16, 14};             /* px of a drawn line */

#define IMG_SIGMA_FINE    1.4f /* DoG centre scales at a 1000 px page */
#define IMG_SIGMA_COARSE  3.2f
#define IMG_COARSE_TAU    0.5f
#define IMG_COARSE_GAP    5    /* + line width: a coarse line this close to a fine one is it */
#define IMG_NEAR_EDGE_PCT 70.0 /* "some edge": the colour gradient above this percentile */
#define IMG_EDGE_GAP      3    /* + line width: pen of what counts as beside a line */
#define IMG_NEAR_EDGE_PX  7    /* pen: a coarse line must lie within 3 px of some edge */
#define IMG_CONTRAST_SPAN 200.0f
#define IMG_EDGE_HI_PCT   85.0
#define IMG_EDGE_LO_PCT   65.0
#define IMG_GAIN_MAX      3.0f
#define IMG_RHO           0.99f /* DoG surround weight */
#define IMG_SIGMA_M       3.0f  /* smoothing along the flow */
#define IMG_TENSOR_SIGMA  2.0f
#define IMG_BIL_SIGMA_D   2.0f
#define IMG_BIL_SIGMA_R   18.0f /* Lab units x 2.55 */
#define IMG_BIL_PASSES    1
#define IMG_SEED_R        7
#define IMG_MERGE_FLOOR   10.0f
#define IMG_FLAT          8.0f
#define IMG_SNAP_PX       2 /* + line width - 1: pen that melts a border into a line */
#define IMG_SPUR_LEN      3
#define IMG_SMOOTH_PASSES 2
#define IMG_DASH_PX       12u
#define IMG_CRUMB_PX      6u /* a cut line's piece this short is the gap pen's rim, not a line */

typedef struct img_draw_bufs {
	float *p[6];
	float *mag;
	int32_t *lab, *lab2;
	uint8_t *lines;
	uint32_t *stack;
} img_draw_bufs;

static void img_draw_bufs_fini(img_draw_bufs *b)
{
	for (int i = 0; i < 6; i++)
		free(b->p[i]);
	free(b->mag);
	free(b->lab);
	free(b->lab2);
	free(b->lines);
	free(b->stack);
}

static void img_free_planes(img_draw_bufs *b, int from, int to)
{
	for (int i = from; i < to; i++) {
		free(b->p[i]);
		b->p[i] = NULL;
	}
}

static int img_alloc_planes(img_draw_bufs *b, int from, int to, size_t N)
{
	for (int i = from; i < to; i++) {
		b->p[i] = img_plane_alloc(N, sizeof(float));
		if (b->p[i] == NULL)
			return -1;
	}
	return 0;
}

/* Lab -> bilateral -> structure tensor: leaves the tangent field in p[1], p[2] and the
 * colour gradient magnitude (scaled as scipy's Sobel of gray) in b->mag. */
static ink_err img_draw_flow(const img_gray *g, img_draw_bufs *b)
{
	uint32_t w = g->w, h = g->h;
	size_t N = (size_t)w * h;
	float *lab[3], *tmp[3];

	if (img_alloc_planes(b, 0, 6, N) != 0)
		return INK_RESOURCE_EXHAUSTED;
	lab[0] = b->p[0], lab[1] = b->p[1], lab[2] = b->p[2];
	tmp[0] = b->p[3], tmp[1] = b->p[4], tmp[2] = b->p[5];
	img_lab_planes(g, lab[0], lab[1], lab[2]);
	img_bilateral(lab, tmp, w, h, IMG_BIL_SIGMA_D, IMG_BIL_SIGMA_R, IMG_BIL_PASSES);
	img_tensor((const float **)lab, b->p[3], b->p[4], b->p[5], w, h);
	/* Magnitude from the unsmoothed tensor (where the edges are), flow from the
	 * smoothed one (which way they run, coherent over a few pixels). The a plane
	 * plane is free now: it takes the magnitude. */
	img_tensor_mag(b->p[3], b->p[4], b->p[5], b->p[1], w, h);
	b->mag = b->p[1];
	b->p[1] = NULL;
	img_free_planes(b, 2, 3);
	img_gauss(b->mag, b->mag, b->p[0], w, h, 1.0f);
	for (int k = 3; k < 6; k++)
		img_gauss(b->p[k], b->p[k], b->p[0], w, h, IMG_TENSOR_SIGMA);
	img_tensor_flow(b->p[3], b->p[4], b->p[5], w, h);
	/* The blur's scratch and the third tensor plane: nothing reads them after the flow. */
	img_free_planes(b, 0, 1);
	img_free_planes(b, 5, 6);
	b->p[1] = b->p[3];
	b->p[2] = b->p[4];
	b->p[3] = b->p[4] = NULL;
	return INK_OK;
}

/* Adds the lines of cur (0/1) to b->lines, except within a pen of `gap` of a line already
 * there: a second detector beside the first would draw the same outline twice, side by
 * side. A line of cur is judged by its own length (under min_px it is dropped) before it is
 * cut: judged after, the part of a long strong edge that reaches past a drawn line's end
 * was short and dropped, and with it the outline where the two detectors part (0.02 of
 * `recall` and `detail` on the blossoms at detail 1). Only the cut's crumbs go after it.
 * scratch: w*h bytes. */
static void img_draw_add_beside(img_draw_bufs *b, uint8_t *cur, uint8_t *scratch, uint32_t w,
                                uint32_t h, int gap, uint32_t min_px)
{
	size_t N = (size_t)w * h;

	(void)img_drop_specks(cur, w, h, min_px, b->stack);
	img_stroke(b->lines, scratch, w, h, gap);
	for (size_t i = 0; i < N; i++)
		cur[i] &= !scratch[i];
	(void)img_drop_specks(cur, w, h, IMG_CRUMB_PX, b->stack);
	for (size_t i = 0; i < N; i++)
		b->lines[i] |= cur[i];
}

/* Contrast gain of a faded photo (a veil of alpha over white, haze): the DoG thresholds are
 * gray levels, so a photo spanning only a third of the range would lose two thirds of its
 * lines. Capped, so a flat photo's noise never becomes lines. */
static float img_contrast_gain(const uint8_t *px, size_t N)
{
	size_t hist[256] = {0}, acc = 0;
	int lo = -1, hi = 255;
	float gain;

	for (size_t i = 0; i < N; i++)
		hist[px[i]]++;
	for (int v = 0; v < 256; v++) {
		acc += hist[v];
		if (lo < 0 && acc * 100 >= N)
			lo = v;
		if (acc * 100 >= N * 99) {
			hi = v;
			break;
		}
	}
	gain = IMG_CONTRAST_SPAN / (float)(hi - lo > 1 ? hi - lo : 1);
	return gain < 1 ? 1 : (gain > IMG_GAIN_MAX ? IMG_GAIN_MAX : gain);
}

static ink_err img_draw_closure(uint32_t w, uint32_t h, const img_opts *o, img_draw_bufs *b,
                                uint8_t *ink);

/* The closure runs on a thread of its own beside the lines once their DoG and colour edges
 * are done (the DoG alone keeps both cores busy; by then its scratch and the flow's planes
 * are gone, so the two peaks do not add up): both read the colour gradient only and write
 * their own buffers, and most of the closure (flooding, merging) is one chain of work that
 * cannot be split in bands, so beside the thinning of the lines it costs little wall time. */
typedef struct img_closure_job {
	uint32_t w, h;
	const img_opts *o;
	img_draw_bufs *b;
	uint8_t *border; /* the closing borders, 0/1 */
	ink_err err;
	int started; /* t runs img_closure_run */
	pthread_t t;
} img_closure_job;

static void *img_closure_run(void *arg)
{
	img_closure_job *c = arg;

	c->err = img_draw_closure(c->w, c->h, c->o, c->b, c->border);
	return NULL;
}

/* Starts the closure's thread; if none can be started, img_draw_layers runs it later. */
static void img_closure_start(img_closure_job *c)
{
	c->started = pthread_create(&c->t, NULL, img_closure_run, c) == 0;
}

/* The drawn lines into b->lines (0/1, centre lines): FDoG of the luminance along the flow at
 * two scales, fine (edges, eyelids, whiskers) and coarse (a mouth, the gap between two
 * petals: dark valleys a few pixels wide, whose two rims the fine scale draws apart), and
 * the colour edges the DoG cannot see. fine, scratch: w*h bytes each. The closure c is
 * started once the flow's planes are freed. */
static ink_err img_draw_lines(const img_gray *g, const img_opts *o, img_draw_bufs *b, uint8_t *fine,
                              uint8_t *scratch, img_closure_job *c)
{
	uint32_t w = g->w, h = g->h;
	size_t N = (size_t)w * h;
	int d = o->detail - 1;
	uint32_t longest = w > h ? w : h;
	float scale = longest > 1000 ? (float)longest / 1000.0f : 1.0f;
	float sigma_c[2] = {IMG_SIGMA_FINE * scale, IMG_SIGMA_COARSE * scale}, tau[2], some;
	uint8_t *coarse, *near, *mask[2];
	ink_err err = INK_RESOURCE_EXHAUSTED;

	b->lines = calloc(N, 1);
	coarse = malloc(N);
	near = NULL;
	if (b->lines == NULL || coarse == NULL)
		goto out;
	mask[0] = fine;
	mask[1] = coarse;
	/* A wide pen inks more per line: it draws only the stronger, longer ones. */
	float wide = o->line_width > 2 ? (float)o->line_width / 2.0f : 1.0f;
	uint32_t min_len = (uint32_t)((float)img_line_min[d] * sqrtf(wide));

	tau[0] = img_line_tau[d] * sqrtf(sqrtf(wide)) / img_contrast_gain(g->px, N);
	tau[1] = tau[0] * IMG_COARSE_TAU;
	err = img_fdog(g->px, b->p[1], b->p[2], mask, w, h, sigma_c, tau, IMG_RHO,
	               IMG_SIGMA_M * scale);
	if (err != INK_OK)
		goto out;
	err = INK_RESOURCE_EXHAUSTED;
	near = malloc(N);
	if (near == NULL)
		goto out;
	/* Colour edges (a pink petal on green leaves), kept in near until the fine lines are
	 * in: they are the flow's last reader, and its planes go before the closure starts
	 * beside the rest of the lines. */
	img_edges(b->mag, b->p[1], b->p[2], w, h, img_percentile(b->mag, N, IMG_EDGE_LO_PCT),
	          img_percentile(b->mag, N, IMG_EDGE_HI_PCT), near, b->stack);
	img_free_planes(b, 0, 6);
	img_closure_start(c);
	/* Centre lines: the snap in img_draw_pen widens a stroke around its middle. */
	(void)img_drop_specks(fine, w, h, min_len, b->stack);
	img_thin(fine, scratch, w, h);
	memcpy(b->lines, fine, N);
	/* The colour edges where no fine line runs. */
	img_draw_add_beside(b, near, scratch, w, h, IMG_EDGE_GAP + o->line_width, min_len);
	/* Coarse valleys where neither runs, and only near some edge: a broad shading has
	 * coarse valleys too, and lines across a smooth cheek or sky are inventions. */
	(void)img_drop_specks(coarse, w, h, min_len, b->stack);
	img_thin(coarse, scratch, w, h);
	some = img_percentile(b->mag, N, IMG_NEAR_EDGE_PCT);
	for (size_t i = 0; i < N; i++)
		scratch[i] = b->mag[i] >= some;
	img_stroke(scratch, near, w, h, IMG_NEAR_EDGE_PX);
	for (size_t i = 0; i < N; i++)
		coarse[i] &= near[i];
	img_draw_add_beside(b, coarse, scratch, w, h, IMG_COARSE_GAP + o->line_width, min_len / 2);
	err = INK_OK;
out:
	free(coarse);
	free(near);
	img_free_planes(b, 0, 6);
	return err;
}

/* Closing borders into ink (0/1): regions of the smoothed colour gradient b->mag. */
static ink_err img_draw_closure(uint32_t w, uint32_t h, const img_opts *o, img_draw_bufs *b,
                                uint8_t *ink)
{
	size_t N = (size_t)w * h;
	int d = o->detail - 1;
	double scale = (double)N / 750000.0;
	double wide = o->line_width > 2 ? o->line_width / 2.0 : 1.0;
	uint64_t min_region = (uint64_t)(img_min_region[d] * (scale < 1 ? scale : 1) * wide * wide);
	double merge_pct = img_merge_pct[d] + 1.0 * (wide - 1.0);
	int32_t nlab = 0, nreg = 0;
	float merge_below;
	ink_err err;

	b->lab = img_plane_alloc(N, sizeof(int32_t));
	if (b->lab == NULL)
		return INK_RESOURCE_EXHAUSTED;
	err = img_watershed(b->mag, w, h, IMG_SEED_R, b->lab, &nlab);
	if (err != INK_OK)
		return err;
	merge_below = img_percentile(b->mag, N, merge_pct < 98 ? merge_pct : 98);
	merge_below = merge_below > IMG_MERGE_FLOOR ? merge_below : IMG_MERGE_FLOOR;
	err = img_merge(b->mag, w, h, b->lab, nlab, merge_below, IMG_FLAT,
	                (uint64_t)(0.45 * (double)N),
	                min_region < IMG_SLIVER_PX ? IMG_SLIVER_PX : min_region, &nreg);
	if (err != INK_OK)
		return err;
	/* Scratch of the smoothing only: not held beside the watershed's planes. */
	b->lab2 = img_plane_alloc(N, sizeof(int32_t));
	if (b->lab2 == NULL)
		return INK_RESOURCE_EXHAUSTED;
	img_smooth_labels(b->lab, b->lab2, w, h, IMG_SMOOTH_PASSES);
	/* Borders only: strong edges are the line layer's (edges.c), where they are thin. */
	img_lines(b->lab, b->mag, w, h, INFINITY, ink);
	return INK_OK;
}

/* Snap and pen: lines and borders into one even stroke in ink2. */
static void img_draw_pen(uint32_t w, uint32_t h, const img_opts *o, img_draw_bufs *b, uint8_t *ink,
                         uint8_t *ink2)
{
	size_t N = (size_t)w * h;
	uint32_t sliver = N / 4 < IMG_SLIVER_PX ? (uint32_t)(N / 4) : IMG_SLIVER_PX;

	/* A border within the snap pen's reach of a line melts into it; thinning leaves one
	 * centre line where the two ran side by side. */
	img_stroke(b->lines, ink2, w, h, IMG_SNAP_PX + o->line_width - 1);
	for (size_t i = 0; i < N; i++)
		ink[i] |= ink2[i];
	img_thin(ink, ink2, w, h);
	img_prune_spurs(ink, w, h, IMG_SPUR_LEN, b->stack);
	(void)img_drop_specks(ink, w, h, IMG_DASH_PX, b->stack);
	img_stroke(ink, ink2, w, h, o->line_width);
	(void)img_drop_specks(ink2, w, h, IMG_SPECK_PX, b->stack);
	(void)img_fill_slivers(ink2, w, h, sliver, b->stack);
}

/* Lines on the caller's thread, the closure beside them (or after them, if its thread could
 * not be started). The lines' error wins over the closure's. */
static ink_err img_draw_layers(const img_gray *g, const img_opts *o, img_draw_bufs *b, uint8_t *ink,
                               uint8_t *ink2, uint8_t *border)
{
	img_closure_job c;
	ink_err err;

	memset(&c, 0, sizeof(c));
	c.w = g->w;
	c.h = g->h;
	c.o = o;
	c.b = b;
	c.border = border;
	err = img_draw_lines(g, o, b, ink, ink2, &c);
	if (c.started)
		/* Joining a thread we created and did not detach cannot fail. */
		(void)pthread_join(c.t, NULL);
	else if (err == INK_OK)
		(void)img_closure_run(&c);
	return err != INK_OK ? err : c.err;
}

ink_err img_draw(img_gray *g, const img_opts *o, uint8_t *ink, uint8_t *ink2)
{
	uint32_t w = g->w, h = g->h;
	size_t N = (size_t)w * h;
	img_draw_bufs b;
	uint8_t *border = NULL;
	ink_err err;

	memset(&b, 0, sizeof(b));
	b.stack = img_xmalloc(N, sizeof(uint32_t));
	border = img_xmalloc(N, 1);
	err = INK_RESOURCE_EXHAUSTED;
	if (b.stack == NULL || border == NULL)
		goto out;
	err = img_draw_flow(g, &b);
	if (err != INK_OK)
		goto out;
	/* The colour is in the Lab planes now: the photo's RGB goes before the layers'
	 * buffers come (they and the closure's run at once) - unless paint by numbers
	 * still needs it for the regions' colours (a page-size copy: 3 B per page pixel). */
	if (o->style != IMG_STYLE_NUMBERS) {
		free(g->rgb);
		g->rgb = NULL;
	}
	err = img_draw_layers(g, o, &b, ink, ink2, border);
	if (err != INK_OK)
		goto out;
	free(b.mag);
	free(b.lab2);
	b.mag = NULL;
	b.lab2 = NULL;
	img_draw_pen(w, h, o, &b, border, ink2);
out:
	free(border);
	img_draw_bufs_fini(&b);
	return err;
}
