/*
 * export.h - GET /v1/users/me/export (issue 18): the caller's data as a
 * streamed ZIP.
 */
#ifndef INKWELL_EDGE_EXPORT_H
#define INKWELL_EDGE_EXPORT_H

#include "http.h"

/* edge_export answers 200 application/zip, chunked: account.json (profile,
 * sessions without secrets, every template's metadata) and each template's
 * PNG and SVG (templates/<id>.png|svg; no SVG for templates converted
 * before SVGs were kept). Failures before the first byte are problem+json
 * (503 when user-svc is down); after it the transfer breaks off. */
void edge_export(edge_req *req);

#endif /* INKWELL_EDGE_EXPORT_H */
