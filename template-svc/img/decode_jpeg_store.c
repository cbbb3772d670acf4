/*
 * decode_jpeg_store.c - a compact store for the DCT coefficients of a multi-scan JPEG.
 *
 * Why: a progressive file's scans each refine the whole image, so libjpeg keeps every
 * coefficient of every block (64 int16s, 128 bytes) from the first scan to the output pass:
 * 3 bytes a pixel at 4:2:0, 6 at 4:4:4, which alone is the memory goal of a conversion.
 * Most of those coefficients are zero. libjpeg's memory manager is a public table of
 * methods, and the coefficient controller (jdcoefct.c) reaches its whole-image arrays only
 * through request_virt_barray / realize_virt_arrays / access_virt_barray; replacing those
 * three (and free_pool / self_destruct, to release what they hold) gives it this store.
 *
 * Each array keeps a window of maxaccess rows as plain JBLOCKs (the most jdcoefct asks for
 * at once: one iMCU row while a scan is read, five while block smoothing writes a row out)
 * and every other row encoded. A window moves as libjpeg's does (jmemmgr.c) but keeps the
 * rows both positions share, so each row is decoded once and, if written, encoded once per
 * pass. Rows start as zero (libjpeg asks for pre-zeroed arrays) and the access checks are
 * jmemmgr.c's, so the decoder sees exactly what libjpeg's own store would give it.
 *
 * A row's encoding, per block: a byte n (0..64, the non-zero coefficients), then n tokens
 * in natural order, each a byte (run << 2 | kind) - run: zeros skipped since the last one -
 * and kind 0: +1, 1: -1, 2: one signed byte follows, 3: two bytes (little-endian int16).
 * A row that would encode larger than plain is kept plain, so the store never exceeds
 * libjpeg's by more than a few bytes a row; an all-zero row holds nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>

#include "decode_jpeg_store.h"

/* Worst case of one encoded block: the count byte and 64 three-byte tokens. */
#define IMG_JSTORE_BLOCK_MAX (1 + 3 * DCTSIZE2)

typedef struct img_jrow {
	uint8_t *data; /* malloc'd; NULL: all zero */
	uint32_t len;
	uint8_t plain; /* data is the row's JBLOCKs as they are */
} img_jrow;

/* jpeglib.h leaves this struct incomplete for the memory manager to define: here it is
 * ours, not jmemmgr.c's (which libjpeg then never sees). */
struct jvirt_barray_control {
	JDIMENSION rows_in_array, blocksperrow, maxaccess;
	JDIMENSION win_rows;        /* rows in the window: min(maxaccess, rows_in_array) */
	JDIMENSION cur;             /* the window holds rows cur .. cur + win_rows - 1 */
	JDIMENSION first_undef_row; /* rows from here on were never written */
	boolean pre_zero;
	int loaded;       /* the window holds rows (after the first access) */
	JBLOCKARRAY win;  /* win_rows row pointers, win[i] is row cur + i */
	JBLOCKROW blocks; /* what win points into */
	uint8_t *dirty;   /* win_rows flags: win[i] written since it was decoded */
	img_jrow *rows;   /* rows_in_array encoded rows */
	struct jvirt_barray_control *next;
};

static img_jstore *img_jstore_of(j_common_ptr cinfo)
{
	return (img_jstore *)cinfo->client_data;
}

static void img_jstore_count(j_common_ptr cinfo, img_jstore *s, uint64_t add, uint64_t sub)
{
	s->bytes = s->bytes + add - sub;
	if (s->bytes > s->peak)
		s->peak = s->bytes;
	if (add > sub && s->bytes > s->budget) {
		s->over_budget = 1;
		ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
	}
}

static uint8_t *img_jstore_put(uint8_t *o, int run, JCOEF v)
{
	if (v == 1) {
		*o++ = (uint8_t)(run << 2);
	} else if (v == -1) {
		*o++ = (uint8_t)(run << 2 | 1);
	} else if (v >= -128 && v <= 127) {
		*o++ = (uint8_t)(run << 2 | 2);
		*o++ = (uint8_t)(int8_t)v;
	} else {
		uint16_t u = (uint16_t)v;

		*o++ = (uint8_t)(run << 2 | 3);
		*o++ = (uint8_t)(u & 0xFF);
		*o++ = (uint8_t)(u >> 8);
	}
	return o;
}

/* One block's encoding at o; returns its end. */
static uint8_t *img_jstore_enc_block(const JCOEF *b, uint8_t *o)
{
	uint8_t *count = o++;
	int n = 0, last = -1;

	for (int k = 0; k < DCTSIZE2; k += 4) {
		uint64_t four;

		memcpy(&four, b + k, sizeof(four));
		if (four == 0)
			continue;
		for (int j = k; j < k + 4; j++) {
			if (b[j] == 0)
				continue;
			o = img_jstore_put(o, j - last - 1, b[j]);
			last = j;
			n++;
		}
	}
	*count = (uint8_t)n;
	return o;
}

/* The blocks of row at o; returns the end, or NULL if the encoding is corrupt (our bug). */
static const uint8_t *img_jstore_dec_block(const uint8_t *o, JCOEF *b)
{
	int n = *o++, pos = -1;

	for (int i = 0; i < n; i++) {
		int t = *o++;

		pos += (t >> 2) + 1;
		if (pos >= DCTSIZE2)
			return NULL;
		switch (t & 3) {
		case 0:
			b[pos] = 1;
			break;
		case 1:
			b[pos] = -1;
			break;
		case 2:
			b[pos] = (JCOEF)(int8_t)*o++;
			break;
		default:
			b[pos] = (JCOEF)(int16_t)(uint16_t)(o[0] | o[1] << 8);
			o += 2;
		}
	}
	return o;
}

/* Row r of a from its encoding into blocks. */
static void img_jstore_load(j_common_ptr cinfo, jvirt_barray_ptr a, JDIMENSION r, JBLOCKROW dst)
{
	const img_jrow *row = &a->rows[r];
	size_t plain = (size_t)a->blocksperrow * sizeof(JBLOCK);
	const uint8_t *o = row->data;

	if (row->data == NULL) {
		memset(dst, 0, plain);
		return;
	}
	if (row->plain) {
		memcpy(dst, row->data, plain);
		return;
	}
	memset(dst, 0, plain);
	for (JDIMENSION x = 0; x < a->blocksperrow; x++) {
		o = img_jstore_dec_block(o, dst[x]);
		if (o == NULL || o > row->data + row->len)
			ERREXIT(cinfo, JERR_VIRTUAL_BUG);
	}
}

/* Row r of a encoded from src, replacing what it held. */
static void img_jstore_save(j_common_ptr cinfo, jvirt_barray_ptr a, JDIMENSION r, JBLOCKROW src)
{
	img_jstore *s = img_jstore_of(cinfo);
	img_jrow *row = &a->rows[r];
	size_t plain = (size_t)a->blocksperrow * sizeof(JBLOCK);
	uint8_t *o = s->scratch, *data = NULL;
	size_t len;
	int zero = 1;

	for (JDIMENSION x = 0; x < a->blocksperrow; x++) {
		uint8_t *start = o;

		o = img_jstore_enc_block(src[x], o);
		zero &= o == start + 1;
	}
	len = (size_t)(o - s->scratch);
	if (len > plain)
		len = plain;
	/* Counted first: past the budget, the row keeps what it held. */
	img_jstore_count(cinfo, s, zero ? 0 : len, row->len);
	if (!zero) {
		data = malloc(len);
		if (data == NULL)
			ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
		memcpy(data, len == plain ? (const void *)src : (const void *)s->scratch, len);
	}
	free(row->data);
	row->data = data;
	row->len = zero ? 0 : (uint32_t)len;
	row->plain = len == plain;
}

/* Window slots [from, to) leave: the written ones are encoded. */
static void img_jstore_flush(j_common_ptr cinfo, jvirt_barray_ptr a, JDIMENSION from, JDIMENSION to)
{
	for (JDIMENSION i = from; i < to; i++) {
		if (a->dirty[i])
			img_jstore_save(cinfo, a, a->cur + i, a->win[i]);
		a->dirty[i] = 0;
	}
}

/* Rotates the window's slots, and their flags with them, left by m (0 < m < win_rows): the
 * first m go to the end. */
static void img_jstore_rotate(jvirt_barray_ptr a, JDIMENSION m)
{
	JDIMENSION n = a->win_rows;
	JBLOCKROW tmp[5 * MAX_SAMP_FACTOR];
	uint8_t flags[5 * MAX_SAMP_FACTOR];

	memcpy(tmp, a->win, m * sizeof(*tmp));
	memmove(a->win, a->win + m, (n - m) * sizeof(*tmp));
	memcpy(a->win + (n - m), tmp, m * sizeof(*tmp));
	memcpy(flags, a->dirty, m);
	memmove(a->dirty, a->dirty + m, n - m);
	memcpy(a->dirty + (n - m), flags, m);
}

/* Makes the window hold rows nc .. nc + win_rows - 1, keeping the rows it shares. */
static void img_jstore_move(j_common_ptr cinfo, jvirt_barray_ptr a, JDIMENSION nc)
{
	JDIMENSION n = a->win_rows, from = 0, to = n;

	if (a->loaded && nc > a->cur && nc - a->cur < n) {
		JDIMENSION k = nc - a->cur;

		img_jstore_flush(cinfo, a, 0, k);
		img_jstore_rotate(a, k);
		from = n - k;
	} else if (a->loaded && nc < a->cur && a->cur - nc < n) {
		JDIMENSION k = a->cur - nc;

		img_jstore_flush(cinfo, a, n - k, n);
		img_jstore_rotate(a, n - k);
		to = k;
	} else if (a->loaded) {
		img_jstore_flush(cinfo, a, 0, n);
	}
	a->cur = nc;
	a->loaded = 1;
	for (JDIMENSION i = from; i < to; i++)
		img_jstore_load(cinfo, a, nc + i, a->win[i]);
}

/* Moves the window, if it must, to hold rows [start_row, end_row): forward, the target rows
 * end it; backward (a new pass), they start it. */
static void img_jstore_reach(j_common_ptr cinfo, jvirt_barray_ptr a, JDIMENSION start_row,
                             JDIMENSION end_row)
{
	JDIMENSION nc;

	if (a->loaded && start_row >= a->cur && end_row <= a->cur + a->win_rows)
		return;
	if (a->loaded && start_row > a->cur)
		nc = end_row > a->win_rows ? end_row - a->win_rows : 0;
	else
		nc = start_row;
	if (nc > a->rows_in_array - a->win_rows)
		nc = a->rows_in_array - a->win_rows;
	img_jstore_move(cinfo, a, nc);
}

/* jmemmgr.c's checks on rows never written: a writer may not skip any, a reader of a
 * pre-zeroed array sees zeros (as never-written rows decode here). */
static void img_jstore_define(j_common_ptr cinfo, jvirt_barray_ptr a, JDIMENSION start_row,
                              JDIMENSION end_row, boolean writable)
{
	if (a->first_undef_row >= end_row)
		return;
	if (a->first_undef_row < start_row && writable)
		ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);
	if (!a->pre_zero && !writable)
		ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);
	if (writable)
		a->first_undef_row = end_row;
}

/* jmemmgr.c's access_virt_barray, with the window moved as above. */
static JBLOCKARRAY img_jstore_access(j_common_ptr cinfo, jvirt_barray_ptr a, JDIMENSION start_row,
                                     JDIMENSION num_rows, boolean writable)
{
	JDIMENSION end_row = start_row + num_rows;

	if (end_row > a->rows_in_array || num_rows > a->maxaccess || a->win == NULL ||
	    end_row < start_row)
		ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);
	img_jstore_reach(cinfo, a, start_row, end_row);
	img_jstore_define(cinfo, a, start_row, end_row, writable);
	if (writable)
		memset(a->dirty + (start_row - a->cur), 1, num_rows);
	return a->win + (start_row - a->cur);
}

static jvirt_barray_ptr img_jstore_request(j_common_ptr cinfo, int pool_id, boolean pre_zero,
                                           JDIMENSION blocksperrow, JDIMENSION numrows,
                                           JDIMENSION maxaccess)
{
	img_jstore *s = img_jstore_of(cinfo);
	jvirt_barray_ptr a;

	if (pool_id != JPOOL_IMAGE)
		ERREXIT1(cinfo, JERR_BAD_POOL_ID, pool_id);
	if (maxaccess > 5 * MAX_SAMP_FACTOR || maxaccess == 0)
		ERREXIT(cinfo, JERR_BAD_VIRTUAL_ACCESS);
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
	a->rows_in_array = numrows;
	a->blocksperrow = blocksperrow;
	a->maxaccess = maxaccess;
	a->pre_zero = pre_zero;
	a->next = s->arrays;
	s->arrays = a;
	s->used = 1;
	return a;
}

/* The window and row table of a; the store's scratch row grown to fit it. */
static void img_jstore_realize_one(j_common_ptr cinfo, img_jstore *s, jvirt_barray_ptr a)
{
	size_t row = (size_t)a->blocksperrow * sizeof(JBLOCK);
	size_t enc = (size_t)a->blocksperrow * IMG_JSTORE_BLOCK_MAX;

	a->win_rows = a->maxaccess < a->rows_in_array ? a->maxaccess : a->rows_in_array;
	a->rows = img_xmalloc(a->rows_in_array, sizeof(*a->rows));
	a->win = img_xmalloc(a->win_rows, sizeof(*a->win));
	a->blocks = img_xmalloc(a->win_rows, row);
	a->dirty = calloc(a->win_rows, 1);
	if (a->rows == NULL || a->win == NULL || a->blocks == NULL || a->dirty == NULL)
		ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
	memset(a->rows, 0, (size_t)a->rows_in_array * sizeof(*a->rows));
	for (JDIMENSION i = 0; i < a->win_rows; i++)
		a->win[i] = a->blocks + (size_t)i * a->blocksperrow;
	img_jstore_count(cinfo, s, a->win_rows * row + a->rows_in_array * sizeof(*a->rows), 0);
	if (enc > s->scratch_len) {
		uint8_t *p = malloc(enc);

		if (p == NULL)
			ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
		free(s->scratch);
		s->scratch = p;
		s->scratch_len = enc;
	}
}

static void img_jstore_realize(j_common_ptr cinfo)
{
	img_jstore *s = img_jstore_of(cinfo);

	s->orig_realize(cinfo);
	for (jvirt_barray_ptr a = s->arrays; a != NULL; a = a->next)
		if (a->win == NULL)
			img_jstore_realize_one(cinfo, s, a);
	img_jstore_count(cinfo, s, s->scratch_len, 0);
}

static void img_jstore_release(img_jstore *s)
{
	jvirt_barray_ptr a = s->arrays;

	while (a != NULL) {
		jvirt_barray_ptr next = a->next;

		for (JDIMENSION r = 0; a->rows != NULL && r < a->rows_in_array; r++)
			free(a->rows[r].data);
		free(a->rows);
		free(a->win);
		free(a->blocks);
		free(a->dirty);
		free(a);
		a = next;
	}
	s->arrays = NULL;
	free(s->scratch);
	s->scratch = NULL;
	s->scratch_len = 0;
	s->bytes = 0;
}

static void img_jstore_free_pool(j_common_ptr cinfo, int pool_id)
{
	img_jstore *s = img_jstore_of(cinfo);

	if (pool_id == JPOOL_IMAGE)
		img_jstore_release(s);
	s->orig_free_pool(cinfo, pool_id);
}

static void img_jstore_self_destruct(j_common_ptr cinfo)
{
	img_jstore *s = img_jstore_of(cinfo);

	img_jstore_release(s);
	s->orig_self_destruct(cinfo);
}

void img_jstore_install(img_jstore *s, j_decompress_ptr d, uint64_t budget)
{
	struct jpeg_memory_mgr *m = d->mem;

	memset(s, 0, sizeof(*s));
	s->budget = budget;
	s->orig_realize = m->realize_virt_arrays;
	s->orig_free_pool = m->free_pool;
	s->orig_self_destruct = m->self_destruct;
	d->client_data = s;
	m->request_virt_barray = img_jstore_request;
	m->realize_virt_arrays = img_jstore_realize;
	m->access_virt_barray = img_jstore_access;
	m->free_pool = img_jstore_free_pool;
	m->self_destruct = img_jstore_self_destruct;
}
