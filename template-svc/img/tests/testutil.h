/*
 * testutil.h - what the engine's cmocka tests share: convert-and-check, and scenes encoded
 * as PNG or JPEG (failing the test when an encoder fails).
 */
#ifndef INKWELL_IMG_TESTUTIL_H
#define INKWELL_IMG_TESTUTIL_H

#include "img.h"
#include "synth.h"

/* conv runs img_convert (with the report) and checks its contract: on success a readable
 * PNG of the reported size, on failure a one-line reason in why (256 bytes). */
ink_err conv(const uint8_t *d, size_t n, const img_opts *o, img_page *p, char *why);

/* scene_png / scene_jpeg: scene s encoded; malloc'd, free(). */
uint8_t *scene_png(synth_scene s, uint32_t w, uint32_t h, synth_png_kind k, int il, size_t *len);
uint8_t *scene_jpeg(synth_scene s, uint32_t w, uint32_t h, int comps, int prog, int orient,
                    size_t *len);

#endif /* INKWELL_IMG_TESTUTIL_H */
