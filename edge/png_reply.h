/*
 * png_reply.h - answering with a template image. Images never change once
 * made, so they carry a strong ETag and a long Cache-Control, and a client
 * that already has one gets 304 without the bytes. Printed pages (PDF) are
 * tagged by what they are printed from and answered the same way.
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

/* edge_send_svg is edge_send_png for image/svg+xml, with a
 * Content-Security-Policy that lets the document run nothing. */
void edge_send_svg(edge_req *req, const uint8_t *svg, size_t len, const char *etag,
                   const char *cache_control);

/* edge_send_cached sends body[0..len) as content_type (a PDF) the same way:
 * ETag "etag", the Cache-Control, 304 when If-None-Match names the tag. */
void edge_send_cached(edge_req *req, const char *content_type, const uint8_t *body, size_t len,
                      const char *etag, const char *cache_control);

/* edge_send_printed calls `method` (PrintTemplate, PrintGalleryPage) with
 * the print request msg through edge_rpc_msg and sends the PrintedPage it
 * answers as a cached application/pdf (edge_send_cached); when the call
 * fails, edge_rpc_msg has already answered with its problem. */
void edge_send_printed(edge_req *req, const char *method, const ProtobufCMessage *msg,
                       const char *cache_control);

/* edge_picture: which bytes of a picture reply to send. */
typedef enum {
	EDGE_PICTURE_PNG, /* the `png` field, as image/png */
	EDGE_PICTURE_SVG, /* the `svg` field, as image/svg+xml (edge_send_svg) */
} edge_picture;

/* edge_picture_numbers reads a picture route's ?numbers=1|0 (default 1) into *variant: ""
 * (the page as numbered) or "plain" (a numbered page's outline without its numbers; issue
 * 19). Returns 0, or -1 after answering 400 naming the choices (500 when out of memory). */
INK_WUR int edge_picture_numbers(edge_req *req, const char **variant);

/* edge_send_picture calls `method` with msg through edge_rpc_msg, expecting a
 * reply of type reply_desc that has `bytes png`, `bytes svg` and `string
 * etag` (the library's TemplateImage, the gallery's GalleryImage), and sends
 * the chosen field cached as edge_send_png / edge_send_svg do. The fields are
 * found by name through protobuf-c's descriptor, so one route body serves
 * both message types; a reply_desc without them is our bug and answers 500.
 * When the call fails, edge_rpc_msg has already answered. */
void edge_send_picture(edge_req *req, const char *method, const ProtobufCMessage *msg,
                       const ProtobufCMessageDescriptor *reply_desc, edge_picture kind,
                       const char *cache_control);

/* edge_send_print reads ?paper= (a 400 problem when it is not a4 or letter),
 * stores the path's {id} in *id and the paper in *paper of the print request
 * rq (fields of rq), and sends the page as edge_send_printed does. The two
 * print routes (a template, a gallery item) differ only in their request. */
void edge_send_print(edge_req *req, const char *method, ProtobufCMessage *rq, char **id,
                     char **paper, const char *cache_control);

#endif /* INKWELL_EDGE_PNG_REPLY_H */
