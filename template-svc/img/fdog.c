/*
 * fdog.c - lines an artist would draw: the flow-based difference of Gaussians of Kang, Lee
 * & Chui, "Coherent Line Drawing" (NPAR 2007).
 *
 * A mouth, an eyebrow or a glasses frame is a thin dark valley in brightness, not a border
 * between two regions, so segmentation cannot find it; a DoG finds it directly. Taking the
 * DoG across the flow (along the gradient) and then averaging it along the flow (the
 * tangent's streamline) keeps the line where it is coherent and drops the noise beside it,
 * which a plain isotropic DoG turns into dots.
 *
 *   across(p) = sum_t (G_c(t) - rho G_s(t)) I(p + t n(p))     n: the gradient direction
 *   H(p)      = sum_s G_m(s) across(c_p(s))                    c_p: streamline through p
 *   ink       = H < thresh (a negative value: darker than its surroundings)
 *
 * Both passes sample bilinearly and run in row bands (parallel.c); they only read shared
 * input and write their own rows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

#define IMG_FDOG_MAX_T 24
#define IMG_FDOG_MAX_S 16
/* Kernel reach across, in surround sigmas: past 2.5 the surround weighs under 5 %. */
#define IMG_FDOG_REACH 2.5f

/* Both scales share one pass: the samples across the flow are taken once and weighed by two
 * kernels, and the streamline along the flow is followed once for both (it is the costly
 * part: half the engine's time when each scale walked its own). */
typedef struct img_fdog_job {
	const uint8_t *pad; /* across: px with its border repeated IMG_FDOG_PAD px all round */
	const float *tx, *ty;
	float *acr;       /* the two across results, interleaved (one fetch gets both) */
	uint8_t *mask[2]; /* along: H < tau; across: mask[0] = some scale below tau here */
	uint8_t *near;    /* along: some scale below tau within the walk's reach */
	float tau[2];
	uint32_t w, h, pw;                  /* pw: row length of pad */
	int n;                              /* taps each side */
	float k[2][2 * IMG_FDOG_MAX_T + 1]; /* across: DoG per scale */
	float km[IMG_FDOG_MAX_S + 1];       /* along: Gaussian by |s| */
} img_fdog_job;

/* The across samples reach IMG_FDOG_MAX_T px from the page; a border repeated that far gives
 * what clamping each coordinate gave, without a test per sample. */
#define IMG_FDOG_PAD (IMG_FDOG_MAX_T + 2)

static void img_fdog_across_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;
	size_t pw = j->pw;

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = 0; x < j->w; x++) {
			size_t i = (size_t)y * j->w + x;
			/* The gradient direction is the tangent turned a quarter. */
			float nx = -j->ty[i], ny = j->tx[i], s0 = 0, s1 = 0;
			float cx = (float)(x + IMG_FDOG_PAD), cy = (float)(y + IMG_FDOG_PAD);

			for (int t = -j->n; t <= j->n; t++) {
				float sx = cx + (float)t * nx, sy = cy + (float)t * ny;
				uint32_t x0 = (uint32_t)sx, yy = (uint32_t)sy;
				float fx = sx - (float)x0, fy = sy - (float)yy;
				const uint8_t *r0 = j->pad + (size_t)yy * pw + x0, *r1 = r0 + pw;
				float v = ((float)r0[0] * (1 - fx) + (float)r0[1] * fx) * (1 - fy) +
				          ((float)r1[0] * (1 - fx) + (float)r1[1] * fx) * fy;

				s0 += j->k[0][t + j->n] * v;
				s1 += j->k[1][t + j->n] * v;
			}
			j->acr[2 * i] = s0;
			j->acr[2 * i + 1] = s1;
			j->mask[0][i] = s0 < j->tau[0] || s1 < j->tau[1];
		}
}

/* One walker of a streamline: where it is, which way it goes, what it has summed. */
typedef struct img_walk {
	float px, py, dx, dy;
	float a0, a1, wsum;
} img_walk;

/* Takes walker k's step s: returns 0 (nothing summed) once it left the page. */
static int img_fdog_step(const img_fdog_job *j, img_walk *k, int s)
{
	const float *in = j->acr;
	uint32_t w = j->w, x0, yy;
	float tx, ty, fx, fy;
	const float *p00, *p01, *p10, *p11;
	size_t q;

	k->px += k->dx;
	k->py += k->dy;
	if (k->px < 0 || k->py < 0 || k->px > (float)(w - 1) || k->py > (float)(j->h - 1))
		return 0;
	/* Bilinear, both scales from one set of weights. On the last column (row) fx (fy)
	 * is 0: the neighbour read past it, the next row's first (acr's zero row), weighs
	 * exactly nothing. */
	x0 = (uint32_t)k->px;
	yy = (uint32_t)k->py;
	fx = k->px - (float)x0;
	fy = k->py - (float)yy;
	p00 = in + 2 * ((size_t)yy * w + x0);
	p01 = p00 + 2;
	p10 = p00 + 2 * (size_t)w;
	p11 = p10 + 2;
	k->a0 += j->km[s] * ((p00[0] * (1 - fx) + p01[0] * fx) * (1 - fy) +
	                     (p10[0] * (1 - fx) + p11[0] * fx) * fy);
	k->a1 += j->km[s] * ((p00[1] * (1 - fx) + p01[1] * fx) * (1 - fy) +
	                     (p10[1] * (1 - fx) + p11[1] * fx) * fy);
	k->wsum += j->km[s];
	/* Follow the field (nearest sample: it is smooth), keeping the way we are going (a
	 * tangent has no sign). */
	q = (size_t)(k->py + 0.5f) * w + (size_t)(k->px + 0.5f);
	tx = j->tx[q];
	ty = j->ty[q];
	if (tx * k->dx + ty * k->dy < 0) {
		tx = -tx;
		ty = -ty;
	}
	k->dx = tx;
	k->dy = ty;
	return 1;
}

static void img_fdog_along_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;
	uint32_t w = j->w;
	const float *in = j->acr;

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = 0; x < w; x++) {
			size_t i = (size_t)y * w + x;
			img_walk back = {(float)x, (float)y, -j->tx[i], -j->ty[i], 0, 0, 0};
			img_walk fwd = {(float)x, (float)y, j->tx[i], j->ty[i], 0, 0, 0};
			int on_b = 1, on_f = 1;
			float a0, a1, wsum;

			/* An average of values none below tau is not below tau. */
			if (!j->near[i]) {
				j->mask[0][i] = j->mask[1][i] = 0;
				continue;
			}
			/* Both ways at once: two independent chains of dependent loads keep
			 * the core busy where one would wait. */
			for (int s = 1; s <= j->n && (on_b || on_f); s++) {
				on_b = on_b && img_fdog_step(j, &back, s);
				on_f = on_f && img_fdog_step(j, &fwd, s);
			}
			a0 = j->km[0] * in[2 * i] + back.a0 + fwd.a0;
			a1 = j->km[0] * in[2 * i + 1] + back.a1 + fwd.a1;
			wsum = j->km[0] + back.wsum + fwd.wsum;
			j->mask[0][i] = a0 / wsum < j->tau[0];
			j->mask[1][i] = a1 / wsum < j->tau[1];
		}
}

/* Rows [y0, y1) of near = mask[1] dilated by a (2 n + 3)^2 square (n steps each side,
 * and the bilinear fetch one pixel on). */
static void img_fdog_near_v(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;
	uint32_t w = j->w, r = (uint32_t)j->n + 1;

	for (uint32_t y = y0; y < y1; y++) {
		uint8_t *o = j->near + (size_t)y * w;
		uint32_t lo = y > r ? y - r : 0, hi = y + r < j->h ? y + r : j->h - 1;

		memcpy(o, j->mask[1] + (size_t)lo * w, w);
		for (uint32_t yy = lo + 1; yy <= hi; yy++) {
			const uint8_t *src = j->mask[1] + (size_t)yy * w;

			for (uint32_t x = 0; x < w; x++)
				o[x] |= src[x];
		}
	}
}

/* Rows [y0, y1) of mask[1] = mask[0] dilated along the rows. */
static void img_fdog_near_h(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;
	uint32_t w = j->w, r = (uint32_t)j->n + 1;

	for (uint32_t y = y0; y < y1; y++) {
		const uint8_t *in = j->mask[0] + (size_t)y * w;
		uint8_t *o = j->mask[1] + (size_t)y * w;
		uint32_t last = 0; /* 1 + the last candidate column seen, 0 for none */

		/* Each output column looks r to each side: remember where the last candidate
		 * was and look ahead r. */
		for (uint32_t x = 0; x < w && x < r; x++)
			if (in[x])
				last = x + 1;
		for (uint32_t x = 0; x < w; x++) {
			if (x + r < w && in[x + r])
				last = x + r + 1;
			o[x] = last != 0 && last + r >= x + 1;
		}
	}
}

/* pad = px with each border pixel repeated IMG_FDOG_PAD times outward. */
static void img_fdog_pad(const uint8_t *px, uint8_t *pad, uint32_t w, uint32_t h)
{
	size_t pw = (size_t)w + 2 * IMG_FDOG_PAD;

	for (uint32_t y = 0; y < h + 2 * IMG_FDOG_PAD; y++) {
		uint32_t sy =
		    y < IMG_FDOG_PAD ? 0 : (y - IMG_FDOG_PAD >= h ? h - 1 : y - IMG_FDOG_PAD);
		const uint8_t *src = px + (size_t)sy * w;
		uint8_t *dst = pad + (size_t)y * pw;

		memset(dst, src[0], IMG_FDOG_PAD);
		memcpy(dst + IMG_FDOG_PAD, src, w);
		memset(dst + IMG_FDOG_PAD + w, src[w - 1], IMG_FDOG_PAD);
	}
}

static float img_gauss1(float x, float sigma)
{
	return expf(-x * x / (2 * sigma * sigma));
}

ink_err img_fdog(const uint8_t *px, const float *tx, const float *ty, uint8_t *mask[2], uint32_t w,
                 uint32_t h, const float sigma_c[2], const float tau[2], float rho, float sigma_m)
{
	img_fdog_job j = {.tx = tx, .ty = ty, .w = w, .h = h, .pw = w + 2 * IMG_FDOG_PAD};
	uint8_t *pad = img_xmalloc((size_t)j.pw, (size_t)h + 2 * IMG_FDOG_PAD);
	/* One row and one pair more than the page, zeroed: see img_fdog_along_rows. */
	float *acr = img_plane_alloc((size_t)w * (h + 1) + 1, 2 * sizeof(float));
	int nmax = 0;

	if (pad == NULL || acr == NULL) {
		free(pad);
		free(acr);
		return INK_RESOURCE_EXHAUSTED;
	}
	img_fdog_pad(px, pad, w, h);
	memset(acr + 2 * (size_t)w * h, 0, ((size_t)w + 1) * 2 * sizeof(float));
	j.pad = pad;
	j.acr = acr;
	for (int k = 0; k < 2; k++) {
		int n = (int)ceilf(IMG_FDOG_REACH * 1.6f * sigma_c[k]);

		nmax = n > nmax ? n : nmax;
	}
	j.n = nmax > IMG_FDOG_MAX_T ? IMG_FDOG_MAX_T : nmax;
	/* Across: each Gaussian normalised over the taps it has, so a flat area gives
	 * (1 - rho) I exactly: slightly positive, never a line. */
	for (int k = 0; k < 2; k++) {
		float sigma_s = 1.6f * sigma_c[k], sc = 0, ss = 0;
		int n = (int)ceilf(IMG_FDOG_REACH * sigma_s);

		n = n > j.n ? j.n : n;
		for (int t = -n; t <= n; t++) {
			sc += img_gauss1((float)t, sigma_c[k]);
			ss += img_gauss1((float)t, sigma_s);
		}
		for (int t = -j.n; t <= j.n; t++)
			j.k[k][t + j.n] = t < -n || t > n
			                      ? 0
			                      : img_gauss1((float)t, sigma_c[k]) / sc -
			                            rho * img_gauss1((float)t, sigma_s) / ss;
		j.mask[k] = mask[k];
		j.tau[k] = tau[k];
	}
	img_par_rows(w, h, img_fdog_across_rows, &j);
	j.pad = NULL;

	j.n = (int)ceilf(3 * sigma_m);
	j.n = j.n > IMG_FDOG_MAX_S ? IMG_FDOG_MAX_S : j.n;
	/* Where no across value below tau lies within the walk's reach, the walk is skipped
	 * (flat sky, smooth skin): the padded copy is free now and holds that map. */
	j.near = pad;
	img_par_rows(w, h, img_fdog_near_h, &j);
	img_par_rows(w, h, img_fdog_near_v, &j);
	for (int s = 0; s <= j.n; s++)
		j.km[s] = img_gauss1((float)s, sigma_m);
	img_par_rows(w, h, img_fdog_along_rows, &j);
	free(pad);
	free(acr);
	return INK_OK;
}
