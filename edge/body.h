/*
 * body.h - reading a request body under a hard byte limit.
 *
 * The limit is enforced while reading: we never allocate from the client's
 * Content-Length (absent, -1, for a chunked body, and a lie costs nothing),
 * and we stop reading as soon as the body passes the limit. The reader is a
 * function so the logic is unit tested without a socket (tests/body_test.c);
 * http.c plugs in mg_read.
 */
#ifndef INKWELL_EDGE_BODY_H
#define INKWELL_EDGE_BODY_H

#include <stddef.h>

/* A reader copies up to len bytes into buf. Returns the count (> 0), 0 at
 * the end of the body, < 0 on an I/O error or timeout. */
typedef int (*edge_read_fn)(void *src, void *buf, size_t len);

typedef enum edge_body_rc {
	EDGE_BODY_READ_OK = 0,
	EDGE_BODY_READ_TOO_LARGE, /* declared or actual size > limit: answer 413 */
	EDGE_BODY_READ_IO,        /* the client went away, was too slow, or sent less */
	EDGE_BODY_READ_NOMEM,     /* out of memory: answer 500 */
} edge_body_rc;

/* edge_body_too_large returns 1 when a declared length (-1: unknown) already
 * exceeds limit, so the body can be refused before reading it. */
int edge_body_too_large(long long declared, size_t limit);

/* edge_body_read reads a whole body from `read` into a new buffer of at most
 * limit bytes. `declared` is the Content-Length (-1: unknown), used only as
 * a hint for the first allocation, capped at limit. On EDGE_BODY_READ_OK
 * *out is a malloc'd buffer holding *out_len bytes plus a NUL after them
 * (caller frees with free(); an empty body gives a valid 1-byte buffer).
 * A body that ends before its declared length is EDGE_BODY_READ_IO.
 * On any other result *out is NULL and *out_len 0. */
edge_body_rc edge_body_read(edge_read_fn read, void *src, long long declared, size_t limit,
                            char **out, size_t *out_len);

#endif /* INKWELL_EDGE_BODY_H */
