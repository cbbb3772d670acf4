/*
 * img_priv.h - what the files of img/ share and nobody else sees: the gray raster type, the
 * decoders, the filters and the stages of the pipeline, in the order img_convert() runs them.
 *
 * Conventions: rasters are row-major, w*h, no padding. Functions that allocate return an
 * ink_err (INK_RESOURCE_EXHAUSTED when malloc fails) and fill their out-parameter only on
 * success; the caller frees it with the matching *_fini or free().
 */
#ifndef INKWELL_IMG_PRIV_H
#define INKWELL_IMG_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <cairo.h>

#include "img.h"

/* img_gray: an 8-bit gray raster (0 black .. 255 white). px is malloc'd, freed by
 * img_gray_fini(). */
typedef struct img_gray {
	uint32_t w, h;
	uint8_t *px;
	uint8_t
	    *rgb; /* w*h*3 sRGB of the page, or NULL for a gray source; freed by img_gray_fini */
} img_gray;

/* page-quality's sizes: an ink component under IMG_SPECK_PX is a speck, a white region under
 * IMG_SLIVER_PX a sliver too small to colour. */
#define IMG_SPECK_PX  16u
#define IMG_SLIVER_PX 64u

/* img_gray_fini frees g->px and zeroes *g. NULL-safe. */
void img_gray_fini(img_gray *g);

/* ---- limits.c ---- */

/* img_why writes a printf-style one-line reason into why (may be NULL). */
void img_why(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* img_check_dims checks a header's w x h against lim. INK_INVALID_ARGUMENT for a zero
 * side, INK_PAYLOAD_TOO_LARGE for a side or a pixel count over the limit (with why). */
ink_err img_check_dims(uint32_t w, uint32_t h, const img_limits *lim, const char *fmt_name,
                       char *why, size_t why_len);

/* img_page_size gives the page size for a w x h photo: the long side scaled down to
 * max_side (never up), each side at least 1. */
void img_page_size(uint32_t w, uint32_t h, uint32_t max_side, uint32_t *pw, uint32_t *ph);

/* ---- alloc.c ---- */

/* img_xmalloc: malloc of n*size with overflow check; NULL on overflow or OOM. Freed with
 * free(). */
void *img_xmalloc(size_t n, size_t size);

/* img_plane_alloc is img_xmalloc for a buffer the caller writes whole (a float plane): from
 * 2 MiB on, aligned and advised for transparent huge pages. Freed with free(). */
void *img_plane_alloc(size_t n, size_t size);

/* ---- shrink.c: box downscale to page size ---- */

/* img_shrink: bins a sw x sh source into a dw x dh destination (dw <= sw, dh <= sh), each
 * destination pixel the mean of its box, per channel (ch 1 gray, 3 RGB interleaved). Rows
 * are pushed top to bottom; only one row of sums is held. */
typedef struct img_shrink {
	uint32_t sw, sh, dw, dh, ch;
	uint32_t y;     /* next source row */
	uint64_t *acc;  /* dw*ch sums of the destination row being built */
	uint32_t *colx; /* sw: destination column of each source column */
	uint32_t *ncol; /* dw: source columns per destination column */
	uint8_t *dst;   /* dw*dh*ch, not owned */
} img_shrink;

/* img_shrink_init_ch prepares s to write ch-channel pixels into dst (dw*dh*ch bytes,
 * caller-owned). INK_RESOURCE_EXHAUSTED on OOM; release with img_shrink_fini. */
ink_err img_shrink_init_ch(img_shrink *s, uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh,
                           uint32_t ch, uint8_t *dst);
/* img_shrink_init is img_shrink_init_ch with one (gray) channel. */
ink_err img_shrink_init(img_shrink *s, uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh,
                        uint8_t *dst);
/* img_shrink_row adds the next source row (sw*ch bytes). */
void img_shrink_row(img_shrink *s, const uint8_t *row);
/* img_shrink_fini frees s's buffers (not dst). */
void img_shrink_fini(img_shrink *s);

/* img_bin: the same boxes as img_shrink, for pixels that come in any order (the passes of
 * an interlaced PNG). Holds dw*dh*ch 32-bit sums (none when the sizes are equal: pixels go
 * straight to dst). */
typedef struct img_bin {
	uint32_t sw, sh, dw, dh, ch;
	uint32_t *sum;  /* dw*dh*ch, NULL when sw == dw && sh == dh */
	uint32_t *colx; /* as img_shrink */
	uint32_t *ncol;
	uint8_t *dst; /* dw*dh*ch, not owned; complete after img_bin_finish */
} img_bin;

/* img_bin_init prepares b. INK_RESOURCE_EXHAUSTED on OOM, INK_PAYLOAD_TOO_LARGE if a box
 * could overflow its sum; release with img_bin_fini. */
ink_err img_bin_init(img_bin *b, uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh, uint32_t ch,
                     uint8_t *dst);
/* img_bin_add adds n pixels (ch bytes each) of source row y at columns x0, x0 + xstep, ...;
 * each source pixel must be added once. */
void img_bin_add(img_bin *b, uint32_t y, uint32_t x0, uint32_t xstep, const uint8_t *px,
                 uint32_t n);
/* img_bin_finish writes the means into dst once every pixel was added. */
void img_bin_finish(img_bin *b);
/* img_bin_fini frees b's buffers (not dst). */
void img_bin_fini(img_bin *b);

/* ---- decoders: bytes -> page-size gray (and RGB), limits checked before allocation ---- */

/* img_decode_png decodes a PNG (any color type/depth, interlace, tRNS; a pixel keeps its
 * colour under any alpha but 0, which is white)
 * straight to a page-size raster (max_side of opts): px gray, and rgb too for a colour
 * source (palette or RGB). It reads rows only as far as the last one the header declares:
 * data after them (more IDAT, a zlib stream that goes on) is never inflated. Errors:
 * INVALID_ARGUMENT (corrupt, truncated: libpng's message), PAYLOAD_TOO_LARGE,
 * RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED (o->limits.deadline_ms passed mid-decode). */
ink_err img_decode_png(const uint8_t *d, size_t n, const img_opts *o, img_gray *out, char *why,
                       size_t why_len);

/* img_decode_jpeg decodes a JPEG (baseline, progressive, gray, RGB, CMYK/YCCK with Adobe
 * inversion) at the smallest DCT scale that still covers the page, shrinks it to page size
 * (px gray; rgb too unless the JPEG is gray) and applies the EXIF orientation. A
 * multi-scan (progressive) JPEG keeps its coefficients in decode_jpeg_store.c's compact
 * store; one whose store would grow past IMG_JPEG_COEF_BPP bytes a pixel (or
 * IMG_JPEG_COEF_FLOOR, if more) is PAYLOAD_TOO_LARGE. Errors otherwise as img_decode_png. */
ink_err img_decode_jpeg(const uint8_t *d, size_t n, const img_opts *o, img_gray *out, char *why,
                        size_t why_len);

/* img_past_deadline says whether lim->deadline_ms (absolute CLOCK_REALTIME ms, 0 = none)
 * has passed. */
int img_past_deadline(const img_limits *lim);

/* Memory bound of a multi-scan JPEG's coefficient store. libjpeg's own holds every DCT
 * coefficient (2 bytes each): a 4:2:0 photo 3 bytes a pixel, 4:4:4 6, CMYK 8; the compact
 * store a fraction of that (only noise-like files come near it). */
#define IMG_JPEG_COEF_BPP   3u
#define IMG_JPEG_COEF_FLOOR ((uint64_t)32 << 20)

/* img_exif_orientation returns the EXIF orientation (1..8) found in an APP1 payload, or 1
 * when absent or unreadable. */
int img_exif_orientation(const uint8_t *app1, size_t len);

/* img_orient rewrites *g (px, and rgb when set) turned by EXIF orientation 1..8 (5..8 swap
 * w and h). INK_RESOURCE_EXHAUSTED on OOM (g unchanged). */
ink_err img_orient(img_gray *g, int orientation);

/* ---- parallel.c ---- */

/* img_rows_fn computes output rows [y0, y1) of some filter; it must read shared input only
 * and write its own rows only. */
typedef void (*img_rows_fn)(void *ctx, uint32_t y0, uint32_t y1);

/* img_par_rows runs fn over rows [0, h) of a w-wide page: on a big page as two bands, the
 * top on a new thread and the bottom on the caller's; otherwise in one call. Returns when
 * all rows are done. Cannot fail (falls back to one thread). */
void img_par_rows(uint32_t w, uint32_t h, img_rows_fn fn, void *ctx);

/* ---- filters.c ---- */

/* img_gauss blurs in (w*h floats) into out with a Gaussian of sigma (scipy's 'reflect'
 * borders, radius 4 sigma). in == out is allowed. tmp: w*h floats of scratch. */
void img_gauss(const float *in, float *out, float *tmp, uint32_t w, uint32_t h, float sigma);

/* img_sobel writes the Sobel gradient magnitude of g into mag (as scipy.ndimage.sobel). */
void img_sobel(const float *g, float *mag, uint32_t w, uint32_t h);

/* img_percentile returns the p-th percentile (0..100) of v[0..n) (to 1/4096 of the range).
 * Returns 0 when n == 0. Allocation-free. */
float img_percentile(const float *v, size_t n, double p);

/* ---- segment.c: seeds and watershed ---- */

/* img_watershed labels every pixel with a basin of mag (1..*nlab): seeds are local minima of
 * mag blurred with sigma 2 in a (2*seed_r+1)^2 window, flooded in order of mag.
 * lab: w*h int32 (caller-owned), w <= IMG_PAGE_SIDE_MAX. INK_RESOURCE_EXHAUSTED on OOM. */
ink_err img_watershed(const float *mag, uint32_t w, uint32_t h, int seed_r, int32_t *lab,
                      int32_t *nlab);

/* ---- merge.c: region merging over the adjacency graph ---- */

/* img_merge merges neighbouring regions of lab (labels 1..nlab) across their weakest
 * borders (mean of mag clamped to 2*thresh along the border) while the border is below
 * thresh and the union stays under max_area pixels (or the border is below flat: a blank
 * area); then folds regions under min_area into their weakest neighbour (within max_area).
 * Rewrites lab with compact labels 1..*nout. INK_RESOURCE_EXHAUSTED on OOM. */
ink_err img_merge(const float *mag, uint32_t w, uint32_t h, int32_t *lab, int32_t nlab,
                  float thresh, float flat, uint64_t max_area, uint64_t min_area, int32_t *nout);

/* ---- lines.c: from regions and gradients to an ink mask ---- */

/* img_lines sets ink[i] = 1 on region borders of lab and where mag >= strong, 0 elsewhere. */
void img_lines(const int32_t *lab, const float *mag, uint32_t w, uint32_t h, float strong,
               uint8_t *ink);

/* img_smooth_labels: a 3x3 majority filter over lab, `passes` times (rounds off the stair
 * steps of watershed borders). tmp: w*h int32 scratch. */
void img_smooth_labels(int32_t *lab, int32_t *tmp, uint32_t w, uint32_t h, int passes);

/* ---- cleanup.c ---- */

/* img_drop_specks clears ink components (8-connected) under min_px. stack: w*h uint32.
 * Returns the number dropped. */
int img_drop_specks(uint8_t *ink, uint32_t w, uint32_t h, uint32_t min_px, uint32_t *stack);

/* img_fill flood-fills the component of pixels equal to `val` at p (conn 4 or 8) with
 * `mark` (which must differ from val) and returns its size. stack: w*h uint32. The one
 * component walk of the engine: cleanup and the quality report both use it. */
uint32_t img_fill(uint8_t *m, uint32_t w, uint32_t h, size_t p, uint8_t val, uint8_t mark, int conn,
                  uint32_t *stack);

/* img_fill_slivers inks white regions (4-connected) under min_px. stack: w*h uint32. */
int img_fill_slivers(uint8_t *ink, uint32_t w, uint32_t h, uint32_t min_px, uint32_t *stack);

/* img_prune_spurs removes spurs (branches up to `len` pixels that end open) from a 1-px
 * skeleton; the open ends of longer lines stay where they were. The image frame counts as
 * ink, so lines ending on it stay. stack: w*h uint32. */
void img_prune_spurs(uint8_t *ink, uint32_t w, uint32_t h, int len, uint32_t *stack);

/* ---- stroke.c ---- */

/* img_thin thins ink (h <= IMG_PAGE_SIDE_MAX) to an 8-connected 1-px skeleton (Zhang-Suen),
 * keeping its topology: white regions neither merge nor split. tmp: w*h bytes. */
void img_thin(uint8_t *ink, uint8_t *tmp, uint32_t w, uint32_t h);

/* img_stroke redraws skeleton `skel` with a round pen of `width` px into out (0/1). */
void img_stroke(const uint8_t *skel, uint8_t *out, uint32_t w, uint32_t h, int width);

/* ---- encode_png.c ---- */

/* img_encode_png writes gray (w*h, 0 black) as an 8-bit gray PNG into a malloc'd buffer
 * (*png, *len; caller frees with free()). INK_RESOURCE_EXHAUSTED on OOM, INK_INTERNAL if
 * libpng fails otherwise. */
ink_err img_encode_png(const uint8_t *gray, uint32_t w, uint32_t h, uint8_t **png, size_t *len,
                       char *why, size_t why_len);

/* ---- report.c ---- */

/* img_report_page fills the page-only figures (ink..largest) of r from ink (1 = black).
 * recall/detail/precision are set to -1. INK_RESOURCE_EXHAUSTED on OOM. */
ink_err img_report_page(const uint8_t *ink, uint32_t w, uint32_t h, img_report *r);

/* img_report_source adds recall, detail and precision, given mag: the Sobel magnitude of
 * the photo at page size blurred with sigma 1.5 (as page-quality computes it). */
ink_err img_report_source(const uint8_t *ink, const float *mag, uint32_t w, uint32_t h,
                          img_report *r);

/* ---- flow.c: CIELAB and the edge tangent flow ---- */

/* img_lab_planes writes g's page in CIELAB, each channel x 2.55 (L 0..255), into L, a, b
 * (w*h floats each); a gray source (g->rgb NULL) gives a = b = 0. Cannot fail (INK_OK). */
ink_err img_lab_planes(const img_gray *g, float *L, float *a, float *b);

/* img_tensor writes the colour structure tensor of the three planes c (sums of their Sobel / 8
 * products) into E, F, G (w*h floats each). */
void img_tensor(const float *c[3], float *E, float *F, float *G, uint32_t w, uint32_t h);

/* img_tensor_mag writes 8 sqrt of the tensor's major eigenvalue (the colour gradient, scaled
 * as scipy's Sobel of gray) into mag. */
void img_tensor_mag(const float *E, const float *F, const float *G, float *mag, uint32_t w,
                    uint32_t h);

/* img_tensor_flow turns the tensor into unit tangents, in place: E becomes tx, F becomes ty
 * (G is read only). */
void img_tensor_flow(float *E, float *F, const float *G, uint32_t w, uint32_t h);

/* ---- smooth.c ---- */

/* img_bilateral smooths the three planes c in place with a separable bilateral filter
 * (spatial sigma_d px, range sigma_r in channel units), `passes` times rows then columns.
 * tmp: three w*h float planes of scratch. */
void img_bilateral(float *c[3], float *tmp[3], uint32_t w, uint32_t h, float sigma_d, float sigma_r,
                   int passes);

/* ---- fdog.c ---- */

/* img_fdog: the flow-based DoG of the gray px (w*h) along unit tangents (tx, ty), at two
 * centre scales sigma_c[k] (surround 1.6 sigma_c weighted rho), each then averaged by a
 * Gaussian of sigma_m along the flow: mask[k] (w*h bytes) = 1 where it is below tau[k] (a
 * negative gray level: darker than around). Its scratch (two float planes and a padded copy
 * of px) is allocated and freed here: INK_RESOURCE_EXHAUSTED on OOM (masks undefined). */
ink_err img_fdog(const uint8_t *px, const float *tx, const float *ty, uint8_t *mask[2], uint32_t w,
                 uint32_t h, const float sigma_c[2], const float tau[2], float rho, float sigma_m);

/* ---- edges.c ---- */

/* img_edges sets out (0/1) on the crests of mag across the flow (tx, ty: unit tangents)
 * that reach hi, or reach lo and connect to such a crest (8-connected). stack: w*h. */
void img_edges(const float *mag, const float *tx, const float *ty, uint32_t w, uint32_t h, float lo,
               float hi, uint8_t *out, uint32_t *stack);

/* ---- draw.c ---- */

/* img_draw draws g's page: ink2 gets the finished strokes (0/1, w*h); ink is w*h bytes of
 * scratch. g->rgb is freed and set NULL once its colour is read (the caller frees it as
 * before: free(NULL) is harmless).
 * INK_RESOURCE_EXHAUSTED on OOM (ink2 then undefined). */
ink_err img_draw(img_gray *g, const img_opts *o, uint8_t *ink, uint8_t *ink2);

/* ---- vector.c: curves (potrace) and their one SVG; pdf.c reads it back ---- */

/* img_bytes: a growing byte buffer; err latches the first allocation failure. buf is
 * malloc'd, freed by whoever takes it. */
typedef struct img_bytes {
	uint8_t *buf;
	size_t len, cap;
	int err;
} img_bytes;

/* img_bytes_add appends n bytes. INK_RESOURCE_EXHAUSTED on OOM (and b->err is set). */
ink_err img_bytes_add(img_bytes *b, const void *data, size_t n);

/* img_trace_svg fits curves to ink (1 = black) with potrace and writes them as our SVG
 * (see vector.c) into a malloc'd, NUL-terminated *svg of *svg_len bytes (caller frees).
 * INK_RESOURCE_EXHAUSTED on OOM. */
ink_err img_trace_svg(const uint8_t *ink, uint32_t w, uint32_t h, char **svg, size_t *svg_len);

/* img_render_svg draws our SVG antialiased into gray (w*h bytes, 0 black .. 255 white), at
 * one page pixel per SVG unit. INK_INVALID_ARGUMENT if svg is not ours, RESOURCE_EXHAUSTED
 * on OOM, INK_INTERNAL if cairo fails. */
ink_err img_render_svg(const char *svg, size_t svg_len, uint8_t *gray, uint32_t w, uint32_t h);

/* img_svg_to_cairo replaces cr's current path with our SVG's path (even-odd fill rule set)
 * and gives its viewBox size in *w, *h (either may be NULL). INK_INVALID_ARGUMENT (cr's path
 * cleared) when svg is not one of ours. */
ink_err img_svg_to_cairo(const char *svg, size_t svg_len, cairo_t *cr, double *w, double *h);

/* ---- paint by numbers (issue 19): palette.c, numbers.c, edt.c, labels.c, legend.c ---- */

/* img_numbers_opts_check validates style, colors and palette of *o (INVALID_ARGUMENT + why). */
INK_WUR ink_err img_numbers_opts_check(const img_opts *o, char *why, size_t why_len);

/* img_colour: one colour of the page being numbered, before the final numbering. */
typedef struct img_colour {
	float lab[3];   /* CIELAB (L 0..100) */
	uint8_t rgb[3]; /* what the swatch shows */
	int crayon;     /* crayons24 index, or -1 for a photo colour */
} img_colour;

/* img_numbers: the regions' colours, from numbers.c to labels.c. cid is w*h bytes: the
 * colour index + 1 of every pixel (ink too: its nearest region's), malloc'd, freed by
 * img_numbers_fini. */
typedef struct img_numbers {
	uint32_t w, h;
	uint8_t *cid;
	int ncol;
	img_colour col[IMG_COLORS_MAX > 24 ? IMG_COLORS_MAX : 24];
} img_numbers;

/* img_numbers_fini frees n->cid and zeroes *n. NULL-safe. */
void img_numbers_fini(img_numbers *n);

/* img_srgb_to_lab: CIELAB (D65, L 0..100) of an 8-bit sRGB colour. */
void img_srgb_to_lab(const uint8_t rgb[3], float lab[3]);

/* img_crayons24: the fixed palette, ordered dark to light (number = index + 1). */
#define IMG_CRAYONS 24
const img_swatch *img_crayons24(void);

/* img_kmeans clusters n points (Lab, weights wt > 0) into at most k centres (deterministic:
 * farthest-first seeding from the heaviest point, then Lloyd). Writes centres into c and
 * each point's centre into assign; returns the number of centres (<= k, <= n). */
int img_kmeans(const float (*pt)[3], const double *wt, int32_t n, int k, float (*c)[3],
               int *assign);

/* img_kmeans_nearest: the index of the centre of c[0..k) nearest p (first on ties). */
int img_kmeans_nearest(const float p[3], const float (*c)[3], int k);

/* img_edt: squared Euclidean distance of every pixel to the nearest pixel with feat != 0,
 * the outside of the page counting as feature (Felzenszwalb & Huttenlocher). d2: w*h
 * floats. INK_RESOURCE_EXHAUSTED on OOM. */
INK_WUR ink_err img_edt(const uint8_t *feat, uint32_t w, uint32_t h, float *d2);

/* img_components labels the 4-connected white (ink == 0) components of ink 1..*n into lab
 * (w*h int32, 0 on ink). stack: w*h uint32. */
void img_white_regions(const uint8_t *ink, uint32_t w, uint32_t h, int32_t *lab, int32_t *n,
                       uint32_t *stack);

/* img_label_font: the sizes of a number, in page pixels of font em: min is what a region
 * must hold not to be merged (larger at low detail: fewer, bigger regions), max what a big
 * region gets, floor the smallest ever drawn (still readable printed on A4). */
void img_label_font(const img_opts *o, uint32_t w, uint32_t h, double *min_em, double *max_em,
                    double *floor_em);

/* img_label_halfdiag: half the diagonal of the ink box of the widest number of up to `digits`
 * digits at 1 px em, as cairo draws it. INK_INTERNAL if cairo fails. */
INK_WUR ink_err img_label_halfdiag(int digits, double *hd);

/* IMG_LABEL_GAP: px between a number's glyph box and the nearest ink. */
#define IMG_LABEL_GAP 2.5

/* img_numbers_prepare colours the regions of the stroked ink (1 = black) with g's photo:
 * region means in CIELAB clustered to o->colors (snapped to crayons24 if asked), too small
 * regions folded into their most similar neighbour, and the borders between regions of one
 * colour erased from ink (under a 45 % area cap). Fills *out (img_numbers_fini).
 * INK_RESOURCE_EXHAUSTED on OOM, INK_INTERNAL if cairo cannot measure a number. */
INK_WUR ink_err img_numbers_prepare(const img_gray *g, const img_opts *o, uint8_t *ink,
                                    img_numbers *out);

/* img_numbers_finish numbers the final page: gray (w*h, the settled render) and mask (its
 * ink, 0/1) of page->svg. Regions too small for a readable number are inked (in gray and
 * mask); every other region gets its colour's number at its pole of inaccessibility. Moves
 * page->png/svg to plain_png/plain_svg is the caller's job; this fills page->svg (numbered,
 * the plain one kept in plain_svg), regions_png, palette, labels and returns the numbered
 * gray in *numbered (w*h, malloc'd, caller frees). INK_RESOURCE_EXHAUSTED on OOM,
 * INK_INTERNAL if cairo or libpng fail. */
INK_WUR ink_err img_numbers_finish(const img_numbers *nb, const img_opts *o, uint8_t *gray,
                                   uint8_t *mask, img_page *page, uint8_t **numbered);

/* img_encode_png16 writes v (w*h) as a 16-bit gray PNG into a malloc'd *png, *len (caller
 * frees with free()). INK_RESOURCE_EXHAUSTED on OOM, INK_INTERNAL if libpng fails. */
INK_WUR ink_err img_encode_png16(const uint16_t *v, uint32_t w, uint32_t h, uint8_t **png,
                                 size_t *len);

#endif /* INKWELL_IMG_PRIV_H */
