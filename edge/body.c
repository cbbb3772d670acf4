/*
 * body.c - bounded body reading (see body.h).
 *
 * The buffer starts at the declared length (capped) or 16 KiB and doubles,
 * never past limit + 1: the one extra byte is how we learn that a body is
 * over the limit without reading any further.
 */
#include "body.h"

#include <stdlib.h>

#define BODY_FIRST_ALLOC 16384

int edge_body_too_large(long long declared, size_t limit)
{
	return declared >= 0 && (unsigned long long)declared > (unsigned long long)limit;
}

/* body_grow doubles *buf up to cap bytes; 0 or -1 (out of memory). */
static int body_grow(char **buf, size_t *size, size_t cap)
{
	size_t want = *size > cap / 2 ? cap : *size * 2;
	char *p = realloc(*buf, want);
	if (p == NULL)
		return -1;
	*buf = p;
	*size = want;
	return 0;
}

edge_body_rc edge_body_read(edge_read_fn read, void *src, long long declared, size_t limit,
                            char **out, size_t *out_len)
{
	/* cap: limit + 1 to detect overflow, + 1 for the NUL we append. */
	size_t cap = limit + 2;
	size_t size = BODY_FIRST_ALLOC;
	size_t used = 0;
	edge_body_rc rc = EDGE_BODY_READ_OK;

	*out = NULL;
	*out_len = 0;
	if (edge_body_too_large(declared, limit))
		return EDGE_BODY_READ_TOO_LARGE;
	if (declared >= 0 && (size_t)declared + 2 < size)
		size = (size_t)declared + 2; /* the usual small JSON body: one exact read */
	if (size > cap)
		size = cap;
	char *buf = malloc(size);
	if (buf == NULL)
		return EDGE_BODY_READ_NOMEM;
	for (;;) {
		if (used + 1 == size) { /* keep one byte for the NUL */
			if (size == cap) {
				rc = EDGE_BODY_READ_TOO_LARGE;
				break;
			}
			if (body_grow(&buf, &size, cap) != 0) {
				rc = EDGE_BODY_READ_NOMEM;
				break;
			}
		}
		int n = read(src, buf + used, size - 1 - used);
		if (n < 0) {
			rc = EDGE_BODY_READ_IO;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > limit) {
			rc = EDGE_BODY_READ_TOO_LARGE;
			break;
		}
	}
	/* civetweb reports a read timeout as the end of the body: a body
	 * shorter than its Content-Length is incomplete, not small. */
	if (rc == EDGE_BODY_READ_OK && declared >= 0 && used < (size_t)declared)
		rc = EDGE_BODY_READ_IO;
	if (rc != EDGE_BODY_READ_OK) {
		free(buf);
		return rc;
	}
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	return EDGE_BODY_READ_OK;
}
