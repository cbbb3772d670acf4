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

/* AVX2 gathers take the across samples of 8 pixels at once, where the CPU has them. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define IMG_FDOG_AVX2 1
#else
#define IMG_FDOG_AVX2 0
#endif

#define IMG_FDOG_MAX_T 24
#define IMG_FDOG_MAX_S 16
/* Kernel reach across, in surround sigmas: past 2.5 the surround weighs under 5 %. */
#define IMG_FDOG_REACH 2.5f

/* Both scales share one pass: the samples across the flow are taken once and weighed by two
 * kernels, and the streamline along the flow is followed once for both (it is the costly
 * part: half the engine's time when each scale walked its own). */
typedef struct img_fdog_job {
	const float *pad; /* across: px with its border repeated IMG_FDOG_PAD px all round, as
	                   * floats (a sample costs no conversions) */
	const float *tx, *ty;
	float *acr;       /* the two across results, interleaved (one fetch gets both) */
	uint8_t *mask[2]; /* along: H < tau; across: mask[0] = some scale below tau here */
	uint8_t *near;    /* along: some scale below tau within the walk's reach */
	float tau[2];
	uint32_t w, h, pw;                  /* pw: row length of pad */
	int avx2;                           /* across: img_fdog_across_8 may run */
	int n;                              /* taps each side */
	float k[2][2 * IMG_FDOG_MAX_T + 1]; /* across: DoG per scale */
	float km[IMG_FDOG_MAX_S + 1];       /* along: Gaussian by |s| */
} img_fdog_job;

/* The across samples reach IMG_FDOG_MAX_T px from the page; a border repeated that far gives
 * what clamping each coordinate gave, without a test per sample. */
#define IMG_FDOG_PAD (IMG_FDOG_MAX_T + 2)

/* The across value of pixel (x, y), both scales. */
static void img_fdog_across_px(const img_fdog_job *j, uint32_t x, uint32_t y)
{
	size_t pw = j->pw, i = (size_t)y * j->w + x;
	/* The gradient direction is the tangent turned a quarter. */
	float nx = -j->ty[i], ny = j->tx[i], s0 = 0, s1 = 0;
	float cx = (float)(x + IMG_FDOG_PAD), cy = (float)(y + IMG_FDOG_PAD);

	for (int t = -j->n; t <= j->n; t++) {
		float sx = cx + (float)t * nx, sy = cy + (float)t * ny;
		uint32_t x0 = (uint32_t)sx, yy = (uint32_t)sy;
		float fx = sx - (float)x0, fy = sy - (float)yy;
		const float *r0 = j->pad + (size_t)yy * pw + x0, *r1 = r0 + pw;
		float v = (r0[0] * (1 - fx) + r0[1] * fx) * (1 - fy) +
		          (r1[0] * (1 - fx) + r1[1] * fx) * fy;

		s0 += j->k[0][t + j->n] * v;
		s1 += j->k[1][t + j->n] * v;
	}
	j->acr[2 * i] = s0;
	j->acr[2 * i + 1] = s1;
	j->mask[0][i] = s0 < j->tau[0] || s1 < j->tau[1];
}

#if IMG_FDOG_AVX2
/* img_fdog_across_px for the 8 pixels from (x, y) at once, with AVX2 gathers: the same
 * operations in the same order in each lane (no fused multiply-add: avx2 alone has none),
 * so the same bits as the scalar code. Sample indices fit an int32: img_fdog checks. */
__attribute__((target("avx2"))) static void img_fdog_across_8(const img_fdog_job *j, uint32_t x,
                                                              uint32_t y)
{
	size_t i = (size_t)y * j->w + x;
	__m256 one = _mm256_set1_ps(1.0f), s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	__m256 nx = _mm256_sub_ps(_mm256_setzero_ps(), _mm256_loadu_ps(j->ty + i));
	__m256 ny = _mm256_loadu_ps(j->tx + i);
	__m256 cx = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_set1_epi32((int)(x + IMG_FDOG_PAD)),
	                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
	__m256 cy = _mm256_set1_ps((float)(y + IMG_FDOG_PAD));
	__m256i pw = _mm256_set1_epi32((int)j->pw);
	const float *p0 = j->pad, *p1 = j->pad + j->pw;
	float a0[8], a1[8];

	for (int t = -j->n; t <= j->n; t++) {
		__m256 tf = _mm256_set1_ps((float)t);
		__m256 sx = _mm256_add_ps(cx, _mm256_mul_ps(tf, nx));
		__m256 sy = _mm256_add_ps(cy, _mm256_mul_ps(tf, ny));
		__m256i x0 = _mm256_cvttps_epi32(sx), yy = _mm256_cvttps_epi32(sy);
		__m256 fx = _mm256_sub_ps(sx, _mm256_cvtepi32_ps(x0));
		__m256 fy = _mm256_sub_ps(sy, _mm256_cvtepi32_ps(yy));
		__m256 gx = _mm256_sub_ps(one, fx), gy = _mm256_sub_ps(one, fy);
		__m256i q = _mm256_add_epi32(_mm256_mullo_epi32(yy, pw), x0);
		__m256 r00 = _mm256_i32gather_ps(p0, q, 4), r01 = _mm256_i32gather_ps(p0 + 1, q, 4);
		__m256 r10 = _mm256_i32gather_ps(p1, q, 4), r11 = _mm256_i32gather_ps(p1 + 1, q, 4);
		__m256 top = _mm256_add_ps(_mm256_mul_ps(r00, gx), _mm256_mul_ps(r01, fx));
		__m256 bot = _mm256_add_ps(_mm256_mul_ps(r10, gx), _mm256_mul_ps(r11, fx));
		__m256 v = _mm256_add_ps(_mm256_mul_ps(top, gy), _mm256_mul_ps(bot, fy));

		s0 = _mm256_add_ps(s0, _mm256_mul_ps(_mm256_set1_ps(j->k[0][t + j->n]), v));
		s1 = _mm256_add_ps(s1, _mm256_mul_ps(_mm256_set1_ps(j->k[1][t + j->n]), v));
	}
	_mm256_storeu_ps(a0, s0);
	_mm256_storeu_ps(a1, s1);
	for (int k = 0; k < 8; k++) {
		j->acr[2 * (i + k)] = a0[k];
		j->acr[2 * (i + k) + 1] = a1[k];
		j->mask[0][i + k] = a0[k] < j->tau[0] || a1[k] < j->tau[1];
	}
}
#endif

static void img_fdog_across_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;

	for (uint32_t y = y0; y < y1; y++) {
		uint32_t x = 0;

#if IMG_FDOG_AVX2
		if (j->avx2)
			for (; x + 8 <= j->w; x += 8)
				img_fdog_across_8(j, x, y);
#endif
		for (; x < j->w; x++)
			img_fdog_across_px(j, x, y);
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

/* Walks the streamlines of the cnt (1 or 2) pixels at[]: both ways at once, and two pixels
 * at once, so four independent chains of dependent loads keep the core busy where one
 * would wait. Writes their mask bytes. */
static void img_fdog_walk(const img_fdog_job *j, const size_t at[2], int cnt)
{
	const float *in = j->acr;
	img_walk k[4];
	int on[4] = {0, 0, 0, 0}, any = 1;

	for (int p = 0; p < cnt; p++) {
		size_t i = at[p];
		float x = (float)(i % j->w), y = (float)(i / j->w);

		k[2 * p] = (img_walk){x, y, -j->tx[i], -j->ty[i], 0, 0, 0};
		k[2 * p + 1] = (img_walk){x, y, j->tx[i], j->ty[i], 0, 0, 0};
		on[2 * p] = on[2 * p + 1] = 1;
	}
	for (int s = 1; s <= j->n && any; s++) {
		any = 0;
		for (int q = 0; q < 4; q++) {
			on[q] = on[q] && img_fdog_step(j, &k[q], s);
			any |= on[q];
		}
	}
	for (int p = 0; p < cnt; p++) {
		size_t i = at[p];
		const img_walk *b = &k[2 * p], *f = &k[2 * p + 1];
		float a0 = j->km[0] * in[2 * i] + b->a0 + f->a0;
		float a1 = j->km[0] * in[2 * i + 1] + b->a1 + f->a1;
		float wsum = j->km[0] + b->wsum + f->wsum;

		j->mask[0][i] = a0 / wsum < j->tau[0];
		j->mask[1][i] = a1 / wsum < j->tau[1];
	}
}

#if IMG_FDOG_AVX2
/* Eight walkers at once, one per lane: img_walk's fields as vectors, on = still on the page
 * (all bits set). */
typedef struct img_walk8 {
	__m256 px, py, dx, dy, a0, a1, wsum, on;
} img_walk8;

/* img_fdog_step for the lanes of k still on: the same operations in the same order, lanes
 * off the page are neither read nor summed. */
__attribute__((target("avx2"))) static void img_fdog_step8(const img_fdog_job *j, img_walk8 *k,
                                                           int s)
{
	const float *in = j->acr;
	__m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
	__m256 km = _mm256_set1_ps(j->km[s]), fx, fy, gx, gy, v0, v1, tx, ty, flip;
	__m256i x0, yy, p, q, w = _mm256_set1_epi32((int)j->w);

	k->px = _mm256_add_ps(k->px, k->dx);
	k->py = _mm256_add_ps(k->py, k->dy);
	k->on = _mm256_andnot_ps(
	    _mm256_or_ps(
	        _mm256_or_ps(_mm256_cmp_ps(k->px, zero, _CMP_LT_OQ),
	                     _mm256_cmp_ps(k->py, zero, _CMP_LT_OQ)),
	        _mm256_or_ps(_mm256_cmp_ps(k->px, _mm256_set1_ps((float)(j->w - 1)), _CMP_GT_OQ),
	                     _mm256_cmp_ps(k->py, _mm256_set1_ps((float)(j->h - 1)), _CMP_GT_OQ))),
	    k->on);
	x0 = _mm256_cvttps_epi32(k->px);
	yy = _mm256_cvttps_epi32(k->py);
	fx = _mm256_sub_ps(k->px, _mm256_cvtepi32_ps(x0));
	fy = _mm256_sub_ps(k->py, _mm256_cvtepi32_ps(yy));
	gx = _mm256_sub_ps(one, fx);
	gy = _mm256_sub_ps(one, fy);
	/* Lanes off the page read index 0 (never used): their coordinates may be anything. */
	p = _mm256_and_si256(_mm256_slli_epi32(_mm256_add_epi32(_mm256_mullo_epi32(yy, w), x0), 1),
	                     _mm256_castps_si256(k->on));
	q = _mm256_add_epi32(p, _mm256_slli_epi32(w, 1));
#define IMG_G(base, idx) _mm256_i32gather_ps((base), (idx), 4)
	v0 = _mm256_add_ps(_mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(IMG_G(in, p), gx),
	                                               _mm256_mul_ps(IMG_G(in + 2, p), fx)),
	                                 gy),
	                   _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(IMG_G(in, q), gx),
	                                               _mm256_mul_ps(IMG_G(in + 2, q), fx)),
	                                 fy));
	v1 = _mm256_add_ps(_mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(IMG_G(in + 1, p), gx),
	                                               _mm256_mul_ps(IMG_G(in + 3, p), fx)),
	                                 gy),
	                   _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(IMG_G(in + 1, q), gx),
	                                               _mm256_mul_ps(IMG_G(in + 3, q), fx)),
	                                 fy));
	k->a0 = _mm256_blendv_ps(k->a0, _mm256_add_ps(k->a0, _mm256_mul_ps(km, v0)), k->on);
	k->a1 = _mm256_blendv_ps(k->a1, _mm256_add_ps(k->a1, _mm256_mul_ps(km, v1)), k->on);
	k->wsum = _mm256_blendv_ps(k->wsum, _mm256_add_ps(k->wsum, km), k->on);
	p = _mm256_and_si256(
	    _mm256_add_epi32(_mm256_mullo_epi32(_mm256_cvttps_epi32(_mm256_add_ps(k->py, half)), w),
	                     _mm256_cvttps_epi32(_mm256_add_ps(k->px, half))),
	    _mm256_castps_si256(k->on));
	tx = IMG_G(j->tx, p);
	ty = IMG_G(j->ty, p);
#undef IMG_G
	flip = _mm256_cmp_ps(_mm256_add_ps(_mm256_mul_ps(tx, k->dx), _mm256_mul_ps(ty, k->dy)),
	                     zero, _CMP_LT_OQ);
	k->dx = _mm256_blendv_ps(tx, _mm256_sub_ps(zero, tx), flip);
	k->dy = _mm256_blendv_ps(ty, _mm256_sub_ps(zero, ty), flip);
}

/* img_fdog_walk for 8 pixels at[] at once. */
__attribute__((target("avx2"))) static void img_fdog_walk8(const img_fdog_job *j,
                                                           const size_t at[8])
{
	float x[8], y[8], tx[8], ty[8], b0[8], b1[8], bw[8], f0[8], f1[8], fw[8];
	img_walk8 b, f;

	for (int l = 0; l < 8; l++) {
		x[l] = (float)(at[l] % j->w);
		y[l] = (float)(at[l] / j->w);
		tx[l] = j->tx[at[l]];
		ty[l] = j->ty[at[l]];
	}
	b.px = f.px = _mm256_loadu_ps(x);
	b.py = f.py = _mm256_loadu_ps(y);
	f.dx = _mm256_loadu_ps(tx);
	f.dy = _mm256_loadu_ps(ty);
	b.dx = _mm256_sub_ps(_mm256_setzero_ps(), f.dx);
	b.dy = _mm256_sub_ps(_mm256_setzero_ps(), f.dy);
	b.a0 = b.a1 = b.wsum = f.a0 = f.a1 = f.wsum = _mm256_setzero_ps();
	b.on = f.on = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
	for (int s = 1; s <= j->n; s++) {
		img_fdog_step8(j, &b, s);
		img_fdog_step8(j, &f, s);
		if (_mm256_movemask_ps(_mm256_or_ps(b.on, f.on)) == 0)
			break;
	}
	_mm256_storeu_ps(b0, b.a0);
	_mm256_storeu_ps(b1, b.a1);
	_mm256_storeu_ps(bw, b.wsum);
	_mm256_storeu_ps(f0, f.a0);
	_mm256_storeu_ps(f1, f.a1);
	_mm256_storeu_ps(fw, f.wsum);
	for (int l = 0; l < 8; l++) {
		size_t i = at[l];
		float a0 = j->km[0] * j->acr[2 * i] + b0[l] + f0[l];
		float a1 = j->km[0] * j->acr[2 * i + 1] + b1[l] + f1[l];
		float wsum = j->km[0] + bw[l] + fw[l];

		j->mask[0][i] = a0 / wsum < j->tau[0];
		j->mask[1][i] = a1 / wsum < j->tau[1];
	}
}
#endif

/* Walks the queued pixels at[0..cnt): 8 at a time where AVX2 runs, else 2. */
static void img_fdog_walk_queue(const img_fdog_job *j, const size_t *at, int cnt)
{
	int k = 0;

#if IMG_FDOG_AVX2
	if (j->avx2)
		for (; k + 8 <= cnt; k += 8)
			img_fdog_walk8(j, at + k);
#endif
	for (; k < cnt; k += 2)
		img_fdog_walk(j, at + k, cnt - k < 2 ? 1 : 2);
}

static void img_fdog_along_rows(void *ctx, uint32_t y0, uint32_t y1)
{
	const img_fdog_job *j = ctx;
	uint32_t w = j->w;
	size_t at[8];
	int cnt = 0;

	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = 0; x < w; x++) {
			size_t i = (size_t)y * w + x;

			/* An average of values none below tau is not below tau. */
			if (!j->near[i]) {
				j->mask[0][i] = j->mask[1][i] = 0;
				continue;
			}
			at[cnt++] = i;
			if (cnt == 8) {
				img_fdog_walk_queue(j, at, cnt);
				cnt = 0;
			}
		}
	img_fdog_walk_queue(j, at, cnt);
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
static void img_fdog_pad(const uint8_t *px, float *pad, uint32_t w, uint32_t h)
{
	size_t pw = (size_t)w + 2 * IMG_FDOG_PAD;

	for (uint32_t y = 0; y < h + 2 * IMG_FDOG_PAD; y++) {
		uint32_t sy =
		    y < IMG_FDOG_PAD ? 0 : (y - IMG_FDOG_PAD >= h ? h - 1 : y - IMG_FDOG_PAD);
		const uint8_t *src = px + (size_t)sy * w;
		float *dst = pad + (size_t)y * pw;

		for (uint32_t x = 0; x < IMG_FDOG_PAD; x++) {
			dst[x] = src[0];
			dst[IMG_FDOG_PAD + w + x] = src[w - 1];
		}
		for (uint32_t x = 0; x < w; x++)
			dst[IMG_FDOG_PAD + x] = src[x];
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
	size_t npad = (size_t)j.pw * ((size_t)h + 2 * IMG_FDOG_PAD);
	float *pad = img_plane_alloc(npad, sizeof(float));
	/* One row and one pair more than the page, zeroed: see img_fdog_along_rows. */
	float *acr = img_plane_alloc((size_t)w * (h + 1) + 1, 2 * sizeof(float));
	int nmax = 0;

	if (pad == NULL || acr == NULL) {
		free(pad);
		free(acr);
		return INK_RESOURCE_EXHAUSTED;
	}
	img_fdog_pad(px, pad, w, h);
#if IMG_FDOG_AVX2
	j.avx2 = npad < (size_t)INT32_MAX / 2 && __builtin_cpu_supports("avx2");
#endif
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
	j.near = (uint8_t *)pad;
	img_par_rows(w, h, img_fdog_near_h, &j);
	img_par_rows(w, h, img_fdog_near_v, &j);
	for (int s = 0; s <= j.n; s++)
		j.km[s] = img_gauss1((float)s, sigma_m);
	img_par_rows(w, h, img_fdog_along_rows, &j);
	free(pad);
	free(acr);
	return INK_OK;
}
