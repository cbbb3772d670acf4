/*
 * multipart.h - finding one file field in a multipart/form-data body
 * (RFC 7578) that is already in memory and within the upload limit.
 *
 * Browsers and phone apps upload photos this way. The body was read with
 * the route's limit enforced (body.c), so this only has to find the part
 * named `field` and hand back a pointer into the body: no copy, no
 * allocation. Anything malformed is refused rather than guessed at.
 */
#ifndef INKWELL_EDGE_MULTIPART_H
#define INKWELL_EDGE_MULTIPART_H

#include <stddef.h>

#include "err.h"

/* edge_multipart_find looks in body[0..len) (whose Content-Type header value
 * is content_type) for the part whose Content-Disposition names `field`.
 * Returns 0 and sets *data / *data_len (pointing into body) and copies the
 * part's own Content-Type (or "") into part_type. Returns -1 with a message
 * for the client in *why (static) when the Content-Type has no usable
 * boundary, the body is malformed, or no such field exists. Pure. */
INK_WUR int edge_multipart_find(const char *content_type, const char *body, size_t len,
                                const char *field, const char **data, size_t *data_len,
                                char *part_type, size_t part_type_len, const char **why);

#endif /* INKWELL_EDGE_MULTIPART_H */
