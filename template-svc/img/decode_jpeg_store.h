/*
 * decode_jpeg_store.h - the compact coefficient store of a multi-scan JPEG
 * (decode_jpeg_store.c), and the decoder entry that picks which store it uses.
 */
#ifndef INKWELL_IMG_DECODE_JPEG_STORE_H
#define INKWELL_IMG_DECODE_JPEG_STORE_H

#include <stdint.h>
#include <stdio.h>

#include <jpeglib.h>

#include "img_priv.h"

/* The store of one decompressor. Fields are valid from img_jstore_install until
 * jpeg_destroy_decompress; bytes and peak count the compact rows and the windows. */
typedef struct img_jstore {
	struct jvirt_barray_control *arrays; /* the arrays requested so far */
	uint64_t budget;                     /* bytes the store may hold */
	uint64_t bytes;                      /* bytes it holds now */
	uint64_t peak;                       /* most it held at once */
	int over_budget;                     /* set when it refused to grow past budget */
	int used;                            /* an array was requested: a multi-scan file */
	uint8_t *scratch;                    /* one encoded row, the widest array's */
	size_t scratch_len;
	/* libjpeg's own methods, called for what the store does not replace */
	void (*orig_realize)(j_common_ptr cinfo);
	void (*orig_free_pool)(j_common_ptr cinfo, int pool_id);
	void (*orig_self_destruct)(j_common_ptr cinfo);
} img_jstore;

/* img_jstore_install makes d's memory manager keep every whole-image coefficient array
 * (what libjpeg requests for a progressive or otherwise multi-scan file) in s: only the
 * rows a caller has access to stay as plain JBLOCKs, every other row is kept encoded with
 * its zero coefficients left out. Call between jpeg_create_decompress and
 * jpeg_start_decompress; s must stay put until jpeg_destroy_decompress, which (and
 * jpeg_abort, jpeg_finish_decompress) frees what it holds. Growing past budget bytes sets
 * s->over_budget and fails through d's error_exit with JERR_OUT_OF_MEMORY, as does a
 * failed allocation. Uses d->client_data. Cannot fail itself. */
void img_jstore_install(img_jstore *s, j_decompress_ptr d, uint64_t budget);

/* Which store img_decode_jpeg_with keeps a multi-scan file's coefficients in. */
typedef enum img_jstore_mode {
	IMG_JSTORE_COMPACT, /* img_jstore: what img_decode_jpeg uses */
	IMG_JSTORE_LIBJPEG  /* libjpeg's own (2 bytes a coefficient), for tests to compare */
} img_jstore_mode;

/* What the store did, for tests and the benchmark. */
typedef struct img_jstore_stats {
	int multi_scan;   /* the file used a whole-image coefficient store */
	uint64_t peak;    /* IMG_JSTORE_COMPACT: most bytes the store held at once */
	uint64_t libjpeg; /* bytes libjpeg's own store takes for the file (0: single-scan) */
} img_jstore_stats;

/* img_decode_jpeg_with is img_decode_jpeg (same contract, errors and ownership of *out)
 * with the coefficient store chosen by mode; stats (may be NULL) is filled on success
 * only. IMG_JSTORE_LIBJPEG refuses, as PAYLOAD_TOO_LARGE, a file whose libjpeg store is
 * over IMG_JPEG_COEF_BPP bytes a pixel (floor IMG_JPEG_COEF_FLOOR); IMG_JSTORE_COMPACT
 * refuses one whose compact store grows past that. */
ink_err img_decode_jpeg_with(const uint8_t *d, size_t n, const img_opts *o, img_jstore_mode mode,
                             img_gray *out, img_jstore_stats *stats, char *why,
                             size_t why_len) INK_WUR;

#endif /* INKWELL_IMG_DECODE_JPEG_STORE_H */
