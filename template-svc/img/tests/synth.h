/*
 * synth.h - images made in memory for the engine's tests and the fuzzer's seed corpus:
 * scenes (shapes, gradient, noise, text) encoded as PNG or JPEG in every flavour the
 * decoders must handle. Nothing here reads a file.
 */
#ifndef INKWELL_IMG_SYNTH_H
#define INKWELL_IMG_SYNTH_H

#include <stddef.h>
#include <stdint.h>

/* A scene: RGBA 8-bit, w*h*4 bytes (malloc'd, free()). */
typedef enum synth_scene {
	SYNTH_SHAPES,   /* disc, square, triangle in flat colours on a textured ground */
	SYNTH_GRADIENT, /* smooth diagonal ramp */
	SYNTH_NOISE,    /* uniform random pixels (fixed seed) */
	SYNTH_TEXT,     /* block letters "INK" on a light ground */
	SYNTH_WHITE,
	SYNTH_BLACK,
	SYNTH_ALPHA, /* shapes whose alpha fades to transparent */
} synth_scene;

uint8_t *synth_rgba(synth_scene s, uint32_t w, uint32_t h);

/* PNG flavours. */
typedef enum synth_png_kind {
	SP_GRAY8,
	SP_GRAY16,
	SP_GRAY1,
	SP_GRAYA8,
	SP_RGB8,
	SP_RGB16,
	SP_RGBA8,
	SP_PALETTE,   /* 8-bit palette, with tRNS */
	SP_RGB8_TRNS, /* RGB with a tRNS colour key */
} synth_png_kind;

/* synth_png encodes rgba as a PNG of the given kind (interlace: Adam7). Returns malloc'd
 * bytes (free()) and their length, or NULL. */
uint8_t *synth_png(const uint8_t *rgba, uint32_t w, uint32_t h, synth_png_kind kind, int interlace,
                   size_t *len);

/* JPEG flavours: components 1 (gray), 3 (YCbCr), 4 (CMYK, Adobe-inverted as Photoshop
 * writes). orientation 1..8 adds an EXIF APP1 with that tag (0: none). */
uint8_t *synth_jpeg(const uint8_t *rgba, uint32_t w, uint32_t h, int components, int progressive,
                    int quality, int orientation, size_t *len);

/* synth_png_chunk returns a copy of png (len bytes) with one more chunk of `type` (4 ASCII
 * letters) holding data[0..n) right after IHDR, CRC and all (gAMA, sRGB, sBIT...).
 * malloc'd (free()), length in *out_len; NULL on OOM. */
uint8_t *synth_png_chunk(const uint8_t *png, size_t len, const char *type, const uint8_t *data,
                         size_t n, size_t *out_len);

/* synth_png_trailing makes a w x h 8-bit gray PNG (a diagonal ramp) whose zlib stream goes
 * on after the image rows with `zeros` bytes of zeros (rounded up to MiB), compressed in
 * Z_FULL_FLUSH'd blocks of 1 MiB (about 1000:1), with a correct Adler-32 and chunk CRCs;
 * IDAT chunks of at most 1 MiB. A decoder that inflates the whole stream does `zeros` bytes
 * of work for a tiny image. malloc'd (free()), NULL on OOM. */
uint8_t *synth_png_trailing(uint32_t w, uint32_t h, uint64_t zeros, size_t *len);

/* synth_png_reference decodes png the way the engine made its gray before it kept colour:
 * libpng's sequential reader with expand, scale_16, rgb_to_gray (ITU-R 601) and interlace
 * handling, the colour kept under alpha and white where alpha is 0; with rgb set, the same
 * without rgb_to_gray, giving RGB.
 * Returns w*h gray or w*h*3 RGB bytes (malloc'd), or NULL (with rgb set: a gray source). */
uint8_t *synth_png_reference(const uint8_t *png, size_t len, int rgb, uint32_t *w, uint32_t *h);

/* synth_jpeg_sampled: a YCbCr JPEG whose luma has sampling factors hs x vs against chroma
 * (1x1: 4:4:4, 2x1: 4:2:2, 2x2: 4:2:0, jpeg_set_defaults' choice). Otherwise as synth_jpeg. */
uint8_t *synth_jpeg_sampled(const uint8_t *rgba, uint32_t w, uint32_t h, int hs, int vs,
                            int progressive, int quality, size_t *len);

/* synth_read_page decodes a page PNG (8-bit gray) to w*h bytes (malloc'd), or NULL. */
uint8_t *synth_read_page(const uint8_t *png, size_t len, uint32_t *w, uint32_t *h);

#endif /* INKWELL_IMG_SYNTH_H */
