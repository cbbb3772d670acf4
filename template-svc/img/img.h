/*
 * img.h - the public face of the conversion engine: photo bytes in, coloring page out.
 *
 * One call, img_convert(), turns a PNG or JPEG (format told by its magic bytes) into an
 * 8-bit grayscale PNG of black lines on white whose white regions are closed, so a flood
 * fill stays inside its shape. Everything else in img/ is private (img_priv.h).
 *
 * Thread safety: the engine keeps no mutable static state; any number of threads may call
 * img_convert() at once with their own img_opts and img_page.
 */
#ifndef INKWELL_IMG_H
#define INKWELL_IMG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Defaults of img_limits: what an upload may be before we refuse it. */
#define IMG_DEFAULT_MAX_BYTES  ((size_t)20 * 1024 * 1024)
#define IMG_DEFAULT_MAX_SIDE   16384u
#define IMG_DEFAULT_MAX_PIXELS 50000000ull

/* Ranges of img_opts. */
#define IMG_DETAIL_MIN         1
#define IMG_DETAIL_MAX         5
#define IMG_DETAIL_DEFAULT     3
#define IMG_LINE_WIDTH_MIN     1
#define IMG_LINE_WIDTH_MAX     8
#define IMG_LINE_WIDTH_DEFAULT 2
#define IMG_PAGE_SIDE_MIN      64u
#define IMG_PAGE_SIDE_MAX      4096u
#define IMG_PAGE_SIDE_DEFAULT  1000u
#define IMG_COLORS_MIN         4
#define IMG_COLORS_MAX         32
#define IMG_COLORS_DEFAULT     12

/* What a page is: today's outline, or paint by numbers (issue 19: numbered regions and a
 * palette from the photo). */
typedef enum img_style { IMG_STYLE_LINES = 0, IMG_STYLE_NUMBERS = 1 } img_style;

/* Where the colours of a numbered page come from: the photo's own (clustered), or the
 * fixed named crayons24 set, each crayon always with the same number. */
typedef enum img_palette_kind { IMG_PALETTE_PHOTO = 0, IMG_PALETTE_CRAYONS24 = 1 } img_palette_kind;

/* img_limits: checked against the input's byte count and its header (before any pixel
 * buffer is allocated). Exceeding any of them is INK_PAYLOAD_TOO_LARGE. */
typedef struct img_limits {
	size_t max_bytes;    /* encoded input size, default 20 MiB */
	uint32_t max_side;   /* width and height each, default 16384 */
	uint64_t max_pixels; /* width * height, default 50e6 */
	int64_t deadline_ms; /* absolute CLOCK_REALTIME ms, 0 = none: decoding past it stops with
	                        INK_DEADLINE_EXCEEDED */
} img_limits;

/* img_opts: how the page is drawn. Set with img_opts_default() then override fields. */
typedef struct img_opts {
	int detail;        /* 1 (few big regions) .. 5 (many small ones), default 3 */
	int line_width;    /* stroke width in page pixels, 1..8, default 2 */
	uint32_t max_side; /* long side of the page in pixels, 64..4096, default 1000; smaller
	                      photos keep their size */
	img_limits limits;
	img_style style;          /* default IMG_STYLE_LINES */
	int colors;               /* numbers: at most this many colours, 4..32, default 12 */
	img_palette_kind palette; /* numbers: default IMG_PALETTE_PHOTO */
} img_opts;

/* img_swatch: one colour of a numbered page's palette. name is a static string (crayons24)
 * or NULL (a photo's colour). */
typedef struct img_swatch {
	int number; /* 1..: dark to light */
	uint8_t rgb[3];
	const char *name;
} img_swatch;

/* img_label: where a region's number is drawn, in page pixels. */
typedef struct img_label {
	int number;
	double px, py;         /* the region's pole of inaccessibility (glyph box centre) */
	double radius;         /* distance from the pole to the nearest ink or page edge */
	double x0, y0, x1, y1; /* the glyph's ink extents */
} img_label;

/* img_report: the quality figures of a page, same definitions as shared/tools/page-quality.
 * ink..largest are always filled; recall, detail and precision only when asked for (they
 * compare the page with the photo's gradients) and are -1 otherwise. */
typedef struct img_report {
	double ink;       /* fraction of pixels < 128; good: 0.02 .. 0.25 */
	int specks;       /* ink components (8-connected) under 16 px; good: 0 */
	int fillable;     /* white regions (4-connected) of 64 px or more; good: >= 5 */
	int slivers;      /* white regions under 64 px; good: <= max(3, fillable / 10) */
	double largest;   /* largest white region / page; good: <= 0.5 */
	double recall;    /* top 5 % gradient pixels within 3 px of ink; good: >= 0.90 */
	double detail;    /* top 10 % gradient pixels within 3 px of ink; good: >= 0.85 */
	double precision; /* ink within 3 px of the top 25 % gradient pixels; good: >= 0.90 */
} img_report;

/* img_page: a finished page. Owned by the caller after img_convert() succeeds; release
 * with img_page_fini(). */
typedef struct img_page {
	uint8_t *png; /* 8-bit grayscale PNG, png_len bytes (malloc'd), antialiased render of svg */
	size_t png_len;
	char *svg; /* the same drawing as curves: an SVG document (UTF-8, malloc'd, svg_len bytes,
	              NUL-terminated) in page pixels; img_pdf_from_svg reads it back */
	size_t svg_len;
	uint32_t width, height; /* of the page (after EXIF orientation) */
	img_report report;      /* of the plain outline */
	img_style style;
	/* Valid when style is IMG_STYLE_NUMBERS (NULL / 0 otherwise): png and svg above are
	 * the numbered page; these are the same page without numbers, the regions as a
	 * 16-bit gray PNG (pixel = its region's palette number, 0 on ink), the palette
	 * (npalette <= colors entries, numbered dark to light) and one label per region. */
	uint8_t *plain_png;
	size_t plain_png_len;
	char *plain_svg;
	size_t plain_svg_len;
	uint8_t *regions_png;
	size_t regions_png_len;
	img_swatch palette[IMG_COLORS_MAX];
	int npalette;
	img_label *labels; /* nlabels, malloc'd */
	size_t nlabels;
} img_page;

/* img_opts_default fills *o with the defaults above. */
void img_opts_default(img_opts *o);

/* img_opts_check validates *o. Returns INK_OK, or INK_INVALID_ARGUMENT with a one-line
 * reason in why (NUL-terminated, truncated to why_len; why may be NULL). */
ink_err img_opts_check(const img_opts *o, char *why, size_t why_len);

/* img_report_ok says whether every band of page-quality holds for *r (recall, detail and
 * precision are only judged when they were computed, i.e. >= 0). */
int img_report_ok(const img_report *r);

/* img_convert turns the PNG or JPEG in data[0..len) into a coloring page.
 * opts may be NULL for the defaults. want_report: also compute recall/detail/precision.
 * Returns INK_OK and fills *out (caller frees with img_page_fini), or on error leaves *out
 * untouched and writes one line a user understands into why:
 *   INK_INVALID_ARGUMENT   bad opts; empty, unknown, corrupt, truncated or unsupported image
 *   INK_PAYLOAD_TOO_LARGE  too many bytes, a side over the limit, too many pixels, a
 *                          progressive JPEG that would need too much memory
 *   INK_DEADLINE_EXCEEDED  opts->limits.deadline_ms passed while decoding
 *   INK_RESOURCE_EXHAUSTED out of memory
 *   INK_INTERNAL           a bug of ours */
ink_err img_convert(const uint8_t *data, size_t len, const img_opts *opts, int want_report,
                    img_page *out, char *why, size_t why_len);

/* Paper sizes of img_pdf_from_svg. */
typedef enum img_paper { IMG_PAPER_A4 = 0, IMG_PAPER_LETTER = 1 } img_paper;

/* img_paper_parse maps "a4" / "letter" (case-insensitive; NULL or "" = a4) to *out.
 * Returns INK_OK, or INK_INVALID_ARGUMENT for any other name (*out untouched). */
ink_err img_paper_parse(const char *name, img_paper *out);

/* img_pdf_from_svg prints a page's drawing (svg: an img_page.svg, svg_len bytes) on one page
 * of `paper`, fitted inside 10 mm margins, with `title` (UTF-8, may be NULL or "") small at
 * the foot. Returns INK_OK and a malloc'd PDF in *pdf, *pdf_len (caller frees with free()),
 * or leaves them untouched and says why:
 *   INK_INVALID_ARGUMENT   svg is not one of ours (the engine's own subset of SVG)
 *   INK_RESOURCE_EXHAUSTED out of memory
 *   INK_INTERNAL           cairo failed otherwise */
ink_err img_pdf_from_svg(const char *svg, size_t svg_len, img_paper paper, const char *title,
                         uint8_t **pdf, size_t *pdf_len, char *why, size_t why_len);

/* img_style_parse maps "lines" / "numbers" (NULL or "" = lines) to *out; img_palette_parse
 * maps "photo" / "crayons24" (NULL or "" = photo). Both return INK_OK, or
 * INK_INVALID_ARGUMENT for any other name (*out untouched). */
INK_WUR ink_err img_style_parse(const char *name, img_style *out);
INK_WUR ink_err img_palette_parse(const char *name, img_palette_kind *out);

/* img_style_name / img_palette_name: the names the parsers take (static strings). */
const char *img_style_name(img_style s);
const char *img_palette_name(img_palette_kind p);

/* img_pdf_numbers is img_pdf_from_svg for a numbered page: the drawing above a legend of
 * the palette's swatches (pal[0..n)), each with its number (as text) and name. Errors as
 * img_pdf_from_svg. */
INK_WUR ink_err img_pdf_numbers(const char *svg, size_t svg_len, const img_swatch *pal, int n,
                                img_paper paper, const char *title, uint8_t **pdf, size_t *pdf_len,
                                char *why, size_t why_len);

/* img_fini frees what the engine's libraries keep for the whole process (cairo's and
 * fontconfig's font caches, filled when a PDF title is printed), so leak checkers see a clean
 * exit. Call it once, at exit, after every other img_ call has returned. */
void img_fini(void);

/* img_page_fini frees what img_convert put in *p and zeroes it; NULL-safe, idempotent. */
void img_page_fini(img_page *p);

#endif /* INKWELL_IMG_H */
