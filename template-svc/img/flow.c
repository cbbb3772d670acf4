/*
 * flow.c - colour and direction: the page in CIELAB, and its edge tangent flow.
 *
 * Why CIELAB: pink tulips on green leaves have nearly one luminance, so a gray gradient
 * misses their outline; distances in Lab follow what a person sees as different colours.
 * Channels are scaled by 2.55 so L spans 0..255 like the gray raster and every threshold
 * of the engine stays in gray levels.
 *
 * Why a structure tensor for the flow: the tangent of an edge is the minor eigenvector of
 * the Gaussian-smoothed tensor of the colour gradients (Di Zenzo's colour gradient,
 * smoothed as in Kyprianidis & Doellner 2008). It gives the same coherent flow as Kang's
 * iterated ETF, in three separable blurs instead of three passes over a disc, and it sums
 * the channels without their gradients cancelling (a tensor has no sign).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "img_priv.h"

#define IMG_LAB_SCALE 2.55f

/* Where img_cbrt gives libm's bits: checked for every float in it against Debian 12's
 * glibc (2.36). Outside it (never, for a colour) libm's own cbrtf answers. */
#define IMG_CBRT_LO 0.008f
#define IMG_CBRT_HI 1.2f

/* cbrtf of t in [IMG_CBRT_LO, IMG_CBRT_HI], with glibc's arithmetic step for step (frexpf,
 * a quadratic guess, one Halley step in double, ldexpf) inlined: three calls a pixel were
 * half the Lab conversion, and a page must not change with it. */
static float img_cbrt(float t)
{
	static const double third[5] = {1.0 / 1.5874010519681994748, 1.0 / 1.2599210498948731648,
	                                1.0, 1.2599210498948731648, 1.5874010519681994748};
	uint32_t bits, sb;
	float xm, u, t2, ym, sc;
	int xe;

	memcpy(&bits, &t, sizeof(bits));
	xe = (int)((bits >> 23) & 0xff) - 126;
	bits = (bits & 0x807fffffu) | (126u << 23);
	memcpy(&xm, &bits, sizeof(xm));
	u = (float)(0.492659620528969547 + (0.697570460207922770 - 0.191502161678719066 * xm) * xm);
	t2 = u * u * u;
	ym = (float)(u * (t2 + 2.0 * xm) / (2.0 * t2 + xm) * third[2 + xe % 3]);
	sb = (uint32_t)(127 + xe / 3) << 23;
	memcpy(&sc, &sb, sizeof(sc));
	return ym * sc;
}

static float img_lab_f(float t)
{
	const float d = 6.0f / 29.0f;

	if (!(t > d * d * d))
		return t / (3 * d * d) + 4.0f / 29.0f;
	return t >= IMG_CBRT_LO && t <= IMG_CBRT_HI ? img_cbrt(t) : cbrtf(t);
}

/* Rows of the Lab conversion: one pixel's colour depends on that pixel only. */
typedef struct img_lab_job {
	const img_gray *g;
	float *L, *a, *b;
	float lin[256]; /* sRGB byte -> linear */
} img_lab_job;

static void img_lab_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_lab_job *j = ctx;
	const img_gray *g = j->g;

	for (size_t i = (size_t)y0 * g->w; i < (size_t)y1 * g->w; i++) {
		float r, gr, bl, X, Y, Z, fy;

		if (g->rgb != NULL) {
			r = j->lin[g->rgb[3 * i]];
			gr = j->lin[g->rgb[3 * i + 1]];
			bl = j->lin[g->rgb[3 * i + 2]];
		} else {
			r = gr = bl = j->lin[g->px[i]];
		}
		/* sRGB (D65) to XYZ, normalised by the white point. */
		X = (0.4124f * r + 0.3576f * gr + 0.1805f * bl) / 0.95047f;
		Y = 0.2126f * r + 0.7152f * gr + 0.0722f * bl;
		Z = (0.0193f * r + 0.1192f * gr + 0.9505f * bl) / 1.08883f;
		fy = img_lab_f(Y);
		j->L[i] = IMG_LAB_SCALE * (116.0f * fy - 16.0f);
		j->a[i] = IMG_LAB_SCALE * 500.0f * (img_lab_f(X) - fy);
		j->b[i] = IMG_LAB_SCALE * 200.0f * (fy - img_lab_f(Z));
	}
}

ink_err img_lab_planes(const img_gray *g, float *L, float *a, float *b)
{
	img_lab_job j = {.g = g, .L = L, .a = a, .b = b};

	for (int i = 0; i < 256; i++) {
		float c = (float)i / 255.0f;

		j.lin[i] = c <= 0.04045f ? c / 12.92f : powf((c + 0.055f) / 1.055f, 2.4f);
	}
	img_par_rows(g->w, g->h, img_lab_rows, &j);
	return INK_OK;
}

/* Rows of the tensor: E, F, G = sums over the three channels of their Sobel products. */
typedef struct img_tensor_job {
	const float *c[3];
	float *E, *F, *G, *mag;
	uint32_t w, h;
} img_tensor_job;

static void img_tensor_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_tensor_job *j = ctx;
	uint32_t w = j->w, h = j->h;

	for (uint32_t y = y0; y < y1; y++) {
		size_t ru = (size_t)(y > 0 ? y - 1 : 0) * w, rm = (size_t)y * w;
		size_t rd = (size_t)(y + 1 < h ? y + 1 : y) * w;

		for (uint32_t x = 0; x < w; x++) {
			uint32_t l = x > 0 ? x - 1 : 0, r = x + 1 < w ? x + 1 : x;
			float e = 0, f = 0, g = 0;

			for (int k = 0; k < 3; k++) {
				const float *up = j->c[k] + ru, *mid = j->c[k] + rm,
				            *dn = j->c[k] + rd;
				/* Sobel divided by 8: a unit step per pixel gives a unit
				 * gradient. */
				float gx =
				    ((up[r] + 2 * mid[r] + dn[r]) - (up[l] + 2 * mid[l] + dn[l])) /
				    8;
				float gy =
				    ((dn[l] + 2 * dn[x] + dn[r]) - (up[l] + 2 * up[x] + up[r])) / 8;

				e += gx * gx;
				f += gx * gy;
				g += gy * gy;
			}
			j->E[rm + x] = e;
			j->F[rm + x] = f;
			j->G[rm + x] = g;
		}
	}
}

void img_tensor(const float *c[3], float *E, float *F, float *G, uint32_t w, uint32_t h)
{
	img_tensor_job j = {{c[0], c[1], c[2]}, E, F, G, NULL, w, h};

	img_par_rows(w, h, img_tensor_rows, &j);
}

static void img_tensor_mag_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_tensor_job *j = ctx;

	for (size_t i = (size_t)y0 * j->w; i < (size_t)y1 * j->w; i++) {
		float e = j->E[i], f = j->F[i], g = j->G[i];
		float l1 = (e + g + sqrtf((e - g) * (e - g) + 4 * f * f)) / 2;

		j->mag[i] = 8.0f * sqrtf(l1);
	}
}

void img_tensor_mag(const float *E, const float *F, const float *G, float *mag, uint32_t w,
                    uint32_t h)
{
	img_tensor_job j = {{NULL, NULL, NULL}, (float *)E, (float *)F, (float *)G, mag, w, h};

	img_par_rows(w, h, img_tensor_mag_rows, &j);
}

static void img_tensor_flow_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_tensor_job *j = ctx;
	float *E = j->E, *F = j->F;
	const float *G = j->G;

	for (size_t i = (size_t)y0 * j->w; i < (size_t)y1 * j->w; i++) {
		float e = E[i], f = F[i], g = G[i];
		float d = sqrtf((e - g) * (e - g) + 4 * f * f);
		float l1 = (e + g + d) / 2, gx = f, gy = l1 - e, len;

		/* (f, l1 - e) is the major eigenvector unless f is 0: then the axis of the
		 * larger diagonal entry. */
		if (fabsf(f) < 1e-9f) {
			gx = e >= g ? 1.0f : 0.0f;
			gy = e >= g ? 0.0f : 1.0f;
		}
		len = sqrtf(gx * gx + gy * gy);
		if (len < 1e-9f) {
			gx = 1;
			gy = 0;
			len = 1;
		}
		/* Tangent: the gradient turned a quarter. */
		E[i] = -gy / len;
		F[i] = gx / len;
	}
}

void img_tensor_flow(float *E, float *F, const float *G, uint32_t w, uint32_t h)
{
	img_tensor_job j = {{NULL, NULL, NULL}, E, F, (float *)G, NULL, w, h};

	img_par_rows(w, h, img_tensor_flow_rows, &j);
}
