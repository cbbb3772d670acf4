/*
 * openapi.h - the API contract (docs/openapi.yaml) compiled into the edge, and
 * GET /v1/openapi.json, which serves it.
 *
 * The build converts the YAML to compact JSON (edge/openapi_gen.py, into the build dir):
 * embedding it means the document served is exactly the one this binary was built and
 * tested with (edge_openapi_test compares it with routes.c), with no file path to
 * configure or ship in an image.
 */
#ifndef INKWELL_EDGE_OPENAPI_H
#define INKWELL_EDGE_OPENAPI_H

#include <stddef.h>

typedef struct edge_req edge_req; /* http.h */

/* The document as JSON: edge_openapi_json_len bytes, followed by a NUL (not counted). */
extern const unsigned char edge_openapi_json[];
extern const size_t edge_openapi_json_len;
/* A strong validator of those bytes (32 hex characters, unquoted). */
extern const char edge_openapi_etag[];

/* edge_openapi_get answers GET /v1/openapi.json: 200 application/json with an ETag and
 * "Cache-Control: public, no-cache" (a new deploy may change it: revalidate), or 304 when
 * If-None-Match names the ETag. Route handler (router.h). */
void edge_openapi_get(edge_req *req);

#endif /* INKWELL_EDGE_OPENAPI_H */
