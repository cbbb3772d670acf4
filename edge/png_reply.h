/*
 * png_reply.h - answering with a template image. Images never change once
 * made, so they carry a strong ETag and a long Cache-Control, and a client
 * that already has one gets 304 without the bytes.
 */
#ifndef INKWELL_EDGE_PNG_REPLY_H
#define INKWELL_EDGE_PNG_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* edge_send_png sends png[0..len) as image/png with ETag "etag" and the
 * given Cache-Control, or 304 when If-None-Match names that ETag (or *). */
void edge_send_png(edge_req *req, const uint8_t *png, size_t len, const char *etag,
                   const char *cache_control);

#endif /* INKWELL_EDGE_PNG_REPLY_H */
