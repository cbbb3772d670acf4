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

#include "img_priv.h"

#define IMG_FDOG_MAX_T 24
#define IMG_FDOG_MAX_S 16
/* Kernel reach across, in surround sigmas: past 2.5 the surround weighs under 5 %. */
#define IMG_FDOG_REACH 2.5f

/* Both scales share one pass: the samples across the flow are taken once and weighed by two
 * kernels, and the streamline along the flow is followed once for both (it is the costly
 * part: half the engine's time when each scale walked its own). */
typedef struct img_fdog_job {
	const uint8_t *px;
	const float *tx, *ty;
	const float *in[2]; /* along: the two across results */
	float *out[2];      /* across: the two results */
	uint8_t *mask[2];   /* along: H < tau */
	float tau[2];
	uint32_t w, h;
	int n;                              /* taps each side */
	float k[2][2 * IMG_FDOG_MAX_T + 1]; /* across: DoG per scale */
	float km[IMG_FDOG_MAX_S + 1];       /* along: Gaussian by |s| */
} img_fdog_job;

static float img_bilinear_u8(const uint8_t *p, uint32_t w, uint32_t h, float x, float y)
{
	float fx, fy;
	uint32_t x0, y0, x1, y1;

	x = x < 0 ? 0 : (x > (float)(w - 1) ? (float)(w - 1) : x);
	y = y < 0 ? 0 : (y > (float)(h - 1) ? (float)(h - 1) : y);
	x0 = (uint32_t)x;
	y0 = (uint32_t)y;
	x1 = x0 + 1 < w ? x0 + 1 : x0;
	y1 = y0 + 1 < h ? y0 + 1 : y0;
	fx = x - (float)x0;
	fy = y - (float)y0;
	return ((float)p[(size_t)y0 * w + x0] * (1 - fx) + (float)p[(size_t)y0 * w + x1] * fx) *
	           (1 - fy) +
	       ((float)p[(size_t)y1 * w + x0] * (1 - fx) + (float)p[(size_t)y1 * w + x1] * fx) * fy;
}

static float img_bilinear(const float *p, uint32_t w, uint32_t h, float x, float y)
{
	uint32_t x0 = (uint32_t)x, y0 = (uint32_t)y;
	uint32_t x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
	float fx = x - (float)x0, fy = y - (float)y0;

	return (p[(size_t)y0 * w + x0] * (1 - fx) + p[(size_t)y0 * w + x1] * fx) * (1 - fy) +
	       (p[(size_t)y1 * w + x0] * (1 - fx) + p[(size_t)y1 * w + x1] * fx) * fy;
}

static void img_fdog_across_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = 0; x < j->w; x++) {
			size_t i = (size_t)y * j->w + x;
			/* The gradient direction is the tangent turned a quarter. */
			float nx = -j->ty[i], ny = j->tx[i], s0 = 0, s1 = 0;

			for (int t = -j->n; t <= j->n; t++) {
				float v = img_bilinear_u8(j->px, j->w, j->h, (float)x + t * nx,
				                          (float)y + t * ny);

				s0 += j->k[0][t + j->n] * v;
				s1 += j->k[1][t + j->n] * v;
			}
			j->out[0][i] = s0;
			j->out[1][i] = s1;
		}
}

static void img_fdog_along_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;
	uint32_t w = j->w, h = j->h;

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = 0; x < w; x++) {
			size_t i = (size_t)y * w + x;
			float a0 = j->km[0] * j->in[0][i], a1 = j->km[0] * j->in[1][i];
			float wsum = j->km[0];

			for (int sign = -1; sign <= 1; sign += 2) {
				float px = (float)x, py = (float)y;
				float dx = sign * j->tx[i], dy = sign * j->ty[i];

				for (int s = 1; s <= j->n; s++) {
					size_t q;
					float tx, ty;

					px += dx;
					py += dy;
					if (px < 0 || py < 0 || px > (float)(w - 1) ||
					    py > (float)(h - 1))
						break;
					a0 += j->km[s] * img_bilinear(j->in[0], w, h, px, py);
					a1 += j->km[s] * img_bilinear(j->in[1], w, h, px, py);
					wsum += j->km[s];
					/* Follow the field (nearest sample: it is smooth), keeping
					 * the way we are going (a tangent has no sign). */
					q = (size_t)(py + 0.5f) * w + (size_t)(px + 0.5f);
					tx = j->tx[q];
					ty = j->ty[q];
					if (tx * dx + ty * dy < 0) {
						tx = -tx;
						ty = -ty;
					}
					dx = tx;
					dy = ty;
				}
			}
			j->mask[0][i] = a0 / wsum < j->tau[0];
			j->mask[1][i] = a1 / wsum < j->tau[1];
		}
}

static float img_gauss1(float x, float sigma)
{
	return expf(-x * x / (2 * sigma * sigma));
}

void img_fdog(const uint8_t *px, const float *tx, const float *ty, float *tmp[2], uint8_t *mask[2],
              uint32_t w, uint32_t h, const float sigma_c[2], const float tau[2], float rho,
              float sigma_m)
{
	img_fdog_job j = {.px = px, .tx = tx, .ty = ty, .w = w, .h = h};
	int nmax = 0;

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
		j.out[k] = tmp[k];
		j.in[k] = tmp[k];
		j.mask[k] = mask[k];
		j.tau[k] = tau[k];
	}
	img_par_rows(w, h, img_fdog_across_rows, &j);

	j.n = (int)ceilf(3 * sigma_m);
	j.n = j.n > IMG_FDOG_MAX_S ? IMG_FDOG_MAX_S : j.n;
	for (int s = 0; s <= j.n; s++)
		j.km[s] = img_gauss1((float)s, sigma_m);
	img_par_rows(w, h, img_fdog_along_rows, &j);
}
