/*
 * png_luma.h - a colour PNG's gray exactly as libpng's rgb_to_gray would make it (private
 * to decode_png.c; see there for why we compute it ourselves): the file's gamma tables,
 * built once per file, and the per-pixel sums, inline because they run for every pixel.
 */
#ifndef INKWELL_IMG_PNG_LUMA_H
#define INKWELL_IMG_PNG_LUMA_H

#include <png.h>
#include <stdint.h>

/* libpng's rgb_to_gray weights for png_set_rgb_to_gray_fixed(png, 1, 29900, 58700), in 15
 * bits and truncated as libpng truncates them. */
#define IMG_PNG_RC ((uint32_t)29900 * 32768 / 100000)
#define IMG_PNG_GC ((uint32_t)58700 * 32768 / 100000)
#define IMG_PNG_BC (32768 - IMG_PNG_RC - IMG_PNG_GC)

/* What libpng's rgb_to_gray would use for this file: its gamma tables, built as libpng
 * 1.6 builds them (png.c png_build_gamma_table, floating-point arithmetic) when the file's
 * gamma is not ~1. Valid for colour sources only. */
typedef struct img_png_luma {
	int gamma;      /* 1: through the tables; 0: straight weighted sum */
	unsigned shift; /* 16-bit tables: low bits of a sample libpng ignores */
	uint8_t same8[256], to1_8[256], from1_8[256];
	uint16_t same16[8][256], to1_16[8][256], from1_16[8][256];
} img_png_luma;
/* img_png_luma_init fills *l from the file's gAMA and sBIT chunks (call after IHDR and the
 * chunks before the first IDAT are read); depth is the samples' bit depth. Cannot fail. */
void img_png_luma_init(png_structp png, png_infop info, int depth, img_png_luma *l);

/* png_do_rgb_to_gray, 8-bit samples. */
static inline unsigned img_png_luma8(const img_png_luma *l, unsigned r, unsigned g, unsigned b)
{
	if (r == g && r == b)
		return l->gamma ? l->same8[r] : r;
	if (!l->gamma)
		return (IMG_PNG_RC * r + IMG_PNG_GC * g + IMG_PNG_BC * b) >> 15;
	return l->from1_8[(IMG_PNG_RC * l->to1_8[r] + IMG_PNG_GC * l->to1_8[g] +
	                   IMG_PNG_BC * l->to1_8[b] + 16384) >>
	                  15];
}

/* png_do_rgb_to_gray, 16-bit samples. */
static inline unsigned img_png_luma16(const img_png_luma *l, unsigned r, unsigned g, unsigned b)
{
	unsigned s = l->shift, y;

	if (!l->gamma)
		return (IMG_PNG_RC * r + IMG_PNG_GC * g + IMG_PNG_BC * b + 16384) >> 15;
	if (r == g && r == b)
		return l->same16[(r & 0xff) >> s][r >> 8];
	y = (IMG_PNG_RC * l->to1_16[(r & 0xff) >> s][r >> 8] +
	     IMG_PNG_GC * l->to1_16[(g & 0xff) >> s][g >> 8] +
	     IMG_PNG_BC * l->to1_16[(b & 0xff) >> s][b >> 8] + 16384) >>
	    15;
	return l->from1_16[(y & 0xff) >> s][(y >> 8) & 0xff];
}

/* png_do_scale_16_to_8 of one sample. */
static inline unsigned img_png_scale16(unsigned v)
{
	int32_t tmp = (int32_t)(v >> 8);

	tmp += (((int32_t)(v & 0xff) - tmp + 128) * 65535) >> 24;
	return (unsigned)tmp;
}

#endif /* INKWELL_IMG_PNG_LUMA_H */
