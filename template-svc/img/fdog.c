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

#define IMG_FDOG_MAX_T 16
#define IMG_FDOG_MAX_S 16

typedef struct img_fdog_job {
	const float *in, *tx, *ty;
	float *out;
	uint32_t w, h;
	int n;                          /* taps each side */
	float k[2 * IMG_FDOG_MAX_T + 1]; /* across: DoG; along: Gaussian (index by |s|) */
} img_fdog_job;

static float img_bilinear(const float *p, uint32_t w, uint32_t h, float x, float y)
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
			float nx = -j->ty[i], ny = j->tx[i], s = 0;

			for (int t = -j->n; t <= j->n; t++)
				s += j->k[t + j->n] * img_bilinear(j->in, j->w, j->h, (float)x + t * nx,
				                                   (float)y + t * ny);
			j->out[i] = s;
		}
}

static void img_fdog_along_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = 0; x < j->w; x++) {
			size_t i = (size_t)y * j->w + x;
			float acc = j->k[0] * j->in[i], wsum = j->k[0];

			for (int sign = -1; sign <= 1; sign += 2) {
				float px = (float)x, py = (float)y;
				float dx = sign * j->tx[i], dy = sign * j->ty[i];

				for (int s = 1; s <= j->n; s++) {
					float tx, ty;

					px += dx;
					py += dy;
					if (px < 0 || py < 0 || px > (float)(j->w - 1) ||
					    py > (float)(j->h - 1))
						break;
					acc += j->k[s] * img_bilinear(j->in, j->w, j->h, px, py);
					wsum += j->k[s];
					/* Follow the field, keeping the way we are going (a
					 * tangent has no sign). */
					tx = img_bilinear(j->tx, j->w, j->h, px, py);
					ty = img_bilinear(j->ty, j->w, j->h, px, py);
					if (tx * dx + ty * dy < 0) {
						tx = -tx;
						ty = -ty;
					}
					float len = sqrtf(tx * tx + ty * ty);
					if (len < 1e-6f)
						break;
					dx = tx / len;
					dy = ty / len;
				}
			}
			j->out[i] = acc / wsum;
		}
}

static float img_gauss1(float x, float sigma)
{
	return expf(-x * x / (2 * sigma * sigma));
}

void img_fdog(const float *I, const float *tx, const float *ty, float *tmp, float *out,
              uint32_t w, uint32_t h, float sigma_c, float rho, float sigma_m)
{
	img_fdog_job j = {.in = I, .tx = tx, .ty = ty, .out = tmp, .w = w, .h = h};
	float sigma_s = 1.6f * sigma_c, sc = 0, ss = 0;

	/* Across: each Gaussian normalised over the taps we take, so a flat area gives
	 * (1 - rho) I exactly: slightly positive, never a line. */
	j.n = (int)ceilf(3 * sigma_s);
	j.n = j.n > IMG_FDOG_MAX_T ? IMG_FDOG_MAX_T : j.n;
	for (int t = -j.n; t <= j.n; t++) {
		sc += img_gauss1((float)t, sigma_c);
		ss += img_gauss1((float)t, sigma_s);
	}
	for (int t = -j.n; t <= j.n; t++)
		j.k[t + j.n] =
		    img_gauss1((float)t, sigma_c) / sc - rho * img_gauss1((float)t, sigma_s) / ss;
	img_par_rows(w, h, img_fdog_across_rows, &j);

	j.in = tmp;
	j.out = out;
	j.n = (int)ceilf(3 * sigma_m);
	j.n = j.n > IMG_FDOG_MAX_S ? IMG_FDOG_MAX_S : j.n;
	for (int s = 0; s <= j.n; s++)
		j.k[s] = img_gauss1((float)s, sigma_m);
	img_par_rows(w, h, img_fdog_along_rows, &j);
}
