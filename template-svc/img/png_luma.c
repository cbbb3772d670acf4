/*
 * png_luma.c - libpng 1.6's gamma arithmetic (png.c), so the gray of a colour PNG we
 * compute beside its RGB is the gray libpng's rgb_to_gray would have made (see png_luma.h).
 */
#include "png_luma.h"

#include <math.h>

static int img_png_significant(png_fixed_point g)
{
	return g < PNG_FP_1 - PNG_GAMMA_THRESHOLD_FIXED || g > PNG_FP_1 + PNG_GAMMA_THRESHOLD_FIXED;
}

static png_fixed_point img_png_fixed(double r)
{
	return r <= 2147483647. && r >= -2147483648. ? (png_fixed_point)r : 0;
}

static png_fixed_point img_png_recip(png_fixed_point a) /* png_reciprocal */
{
	return img_png_fixed(floor(1E10 / a + .5));
}

static png_fixed_point img_png_recip2(png_fixed_point a, png_fixed_point b) /* png_reciprocal2 */
{
	double r;

	if (a == 0 || b == 0)
		return 0;
	r = 1E15 / a;
	r /= b;
	return img_png_fixed(floor(r + .5));
}

static png_fixed_point img_png_product2(png_fixed_point a, png_fixed_point b) /* png_product2 */
{
	double r = a * 1E-5;

	r *= b;
	return img_png_fixed(floor(r + .5));
}

static unsigned img_png_correct8(unsigned v, png_fixed_point g) /* png_gamma_8bit_correct */
{
	if (v > 0 && v < 255)
		return (uint8_t)floor(255 * pow((int)v / 255., g * .00001) + .5);
	return v;
}

static unsigned img_png_correct16(unsigned v, png_fixed_point g) /* png_gamma_16bit_correct */
{
	if (v > 0 && v < 65535)
		return (uint16_t)floor(65535 * pow((int32_t)v / 65535., g * .00001) + .5);
	return v;
}

static void img_png_table8(uint8_t t[256], png_fixed_point g) /* png_build_8bit_table */
{
	for (unsigned i = 0; i < 256; i++)
		t[i] = (uint8_t)(img_png_significant(g) ? img_png_correct8(i, g) : i);
}

static void img_png_table16(uint16_t t[8][256], unsigned shift, png_fixed_point g)
{
	unsigned num = 1u << (8 - shift), max = (1u << (16 - shift)) - 1,
	         max_by_2 = 1u << (15 - shift);
	double fmax = 1.0 / (((int32_t)1 << (16 - shift)) - 1);

	for (unsigned i = 0; i < num; i++) {
		for (unsigned j = 0; j < 256; j++) {
			uint32_t ig = (j << (8 - shift)) + i;

			if (img_png_significant(g)) {
				t[i][j] = (uint16_t)floor(65535. * pow(ig * fmax, g * .00001) + .5);
			} else {
				if (shift != 0)
					ig = (ig * 65535u + max_by_2) / max;
				t[i][j] = (uint16_t)ig;
			}
		}
	}
}

static void img_png_table16to8(uint16_t t[8][256], unsigned shift, png_fixed_point g)
{
	unsigned num = 1u << (8 - shift), max = (1u << (16 - shift)) - 1;
	uint32_t last = 0;

	for (unsigned i = 0; i < 255; i++) {
		unsigned out = i * 257u;
		uint32_t bound = img_png_correct16(out + 128u, g);

		bound = (bound * max + 32768u) / 65535u + 1u;
		for (; last < bound; last++)
			t[last & (0xffu >> shift)][last >> (8 - shift)] = (uint16_t)out;
	}
	for (; last < (num << 8); last++)
		t[last & (0xffu >> shift)][last >> (8 - shift)] = 65535u;
}

/* The decisions of png_init_read_transformations and png_build_gamma_table for a colour
 * file read with rgb_to_gray and no screen gamma of ours. */
void img_png_luma_init(png_structp png, png_infop info, int depth, img_png_luma *l)
{
	png_fixed_point g = 0, screen;
	png_color_8p sbit;

	if (png_get_gAMA_fixed(png, info, &g) == 0 || g == 0)
		g = 0;
	if (g != 0) {
		screen = img_png_recip(g);
	} else {
		g = PNG_FP_1;
		screen = PNG_FP_1;
	}
	l->gamma = img_png_significant(g) || img_png_significant(screen);
	if (!l->gamma)
		return;
	if (depth <= 8) {
		img_png_table8(l->same8, screen > 0 ? img_png_recip2(g, screen) : PNG_FP_1);
		img_png_table8(l->to1_8, img_png_recip(g));
		img_png_table8(l->from1_8, screen > 0 ? img_png_recip(screen) : g);
		return;
	}
	{
		unsigned sig = 0, shift = 0;

		if (png_get_sBIT(png, info, &sbit) != 0) {
			sig = sbit->red;
			sig = sbit->green > sig ? sbit->green : sig;
			sig = sbit->blue > sig ? sbit->blue : sig;
		}
		if (sig > 0 && sig < 16)
			shift = 16 - sig;
		if (shift < 16u - PNG_MAX_GAMMA_8) /* scale_16 ends at 8 bits */
			shift = 16u - PNG_MAX_GAMMA_8;
		if (shift > 8)
			shift = 8;
		l->shift = shift;
		img_png_table16to8(l->same16, shift,
		                   screen > 0 ? img_png_product2(g, screen) : PNG_FP_1);
		img_png_table16(l->to1_16, shift, img_png_recip(g));
		img_png_table16(l->from1_16, shift, screen > 0 ? img_png_recip(screen) : g);
	}
}
