/* png_reply.c - cacheable image and page responses (see png_reply.h). */
#include "png_reply.h"

#include <stdio.h>
#include <string.h>

#include "params.h"
#include "template.pb-c.h"

/* png_etag_matches: does an If-None-Match list contain tag (quoted, W/ ok)? */
static int png_etag_matches(const char *inm, const char *quoted)
{
	if (inm == NULL)
		return 0;
	if (strcmp(inm, "*") == 0)
		return 1;
	size_t qn = strlen(quoted);
	for (const char *p = strstr(inm, quoted); p != NULL; p = strstr(p + 1, quoted)) {
		char after = p[qn];
		if (after == '\0' || after == ',' || after == ' ')
			return 1;
	}
	return 0;
}

void edge_send_png(edge_req *req, const uint8_t *png, size_t len, const char *etag,
                   const char *cache_control)
{
	edge_send_cached(req, "image/png", png, len, etag, cache_control);
}

void edge_send_svg(edge_req *req, const uint8_t *svg, size_t len, const char *etag,
                   const char *cache_control)
{
	/* Opened on its own, an SVG is a document: let it run nothing. */
	if (edge_add_header(req, "Content-Security-Policy",
	                    "default-src 'none'; style-src 'unsafe-inline'; sandbox") != 0) {
		edge_send_problem(req, 500, NULL, "a response header could not be set");
		return;
	}
	edge_send_cached(req, "image/svg+xml", svg, len, etag, cache_control);
}

void edge_send_cached(edge_req *req, const char *content_type, const uint8_t *body, size_t len,
                      const char *etag, const char *cache_control)
{
	char quoted[80];

	snprintf(quoted, sizeof(quoted), "\"%s\"", etag);
	if (edge_add_header(req, "ETag", quoted) != 0 ||
	    edge_add_header(req, "Cache-Control", cache_control) != 0) {
		edge_send_problem(req, 500, NULL, "a response header could not be set");
		return;
	}
	if (png_etag_matches(edge_header(req, "If-None-Match"), quoted)) {
		edge_send_empty(req, 304);
		return;
	}
	edge_send(req, 200, content_type, body, len);
}

void edge_send_printed(edge_req *req, const char *method, const ProtobufCMessage *msg,
                       const char *cache_control)
{
	Inkwell__Template__V1__PrintedPage *pdf =
	    (Inkwell__Template__V1__PrintedPage *)edge_rpc_msg(
	        req, method, msg, &inkwell__template__v1__printed_page__descriptor, 0);

	if (pdf == NULL)
		return;
	edge_send_cached(req, "application/pdf", pdf->pdf.data, pdf->pdf.len, pdf->etag,
	                 cache_control);
	protobuf_c_message_free_unpacked(&pdf->base, NULL);
}

/* png_field finds field name of type type in m (NULL when the message has none). */
static const ProtobufCFieldDescriptor *png_field(const ProtobufCMessage *m, const char *name,
                                                 ProtobufCType type)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);

	return f != NULL && f->type == type && f->label == PROTOBUF_C_LABEL_NONE ? f : NULL;
}

static const char *const png_numbers[] = {"1", "0", NULL};

int edge_picture_numbers(edge_req *req, const char **variant)
{
	json_t *errors = json_array();
	char numbers[4];

	if (errors == NULL) {
		edge_send_problem(req, 500, NULL, "out of memory");
		return -1;
	}
	if (edge_query_choice(req, "numbers", png_numbers, numbers, sizeof(numbers), errors) != 0) {
		edge_send_validation(req, errors);
		return -1;
	}
	json_decref(errors);
	*variant = numbers[0] == '0' ? "plain" : "";
	return 0;
}

void edge_send_picture(edge_req *req, const char *method, const ProtobufCMessage *msg,
                       const ProtobufCMessageDescriptor *reply_desc, edge_picture kind,
                       const char *cache_control)
{
	ProtobufCMessage *img = edge_rpc_msg(req, method, msg, reply_desc, 0);

	if (img == NULL)
		return;
	const ProtobufCFieldDescriptor *bytes =
	    png_field(img, kind == EDGE_PICTURE_SVG ? "svg" : "png", PROTOBUF_C_TYPE_BYTES);
	const ProtobufCFieldDescriptor *etag = png_field(img, "etag", PROTOBUF_C_TYPE_STRING);
	if (bytes == NULL || etag == NULL) {
		edge_send_problem(req, 500, NULL, "the picture reply has no picture");
	} else {
		const ProtobufCBinaryData *b =
		    (const ProtobufCBinaryData *)((const char *)img + bytes->offset);
		const char *tag = *(char *const *)((const char *)img + etag->offset);
		if (kind == EDGE_PICTURE_SVG)
			edge_send_svg(req, b->data, b->len, tag, cache_control);
		else
			edge_send_png(req, b->data, b->len, tag, cache_control);
	}
	protobuf_c_message_free_unpacked(img, NULL);
}

void edge_send_print(edge_req *req, const char *method, ProtobufCMessage *rq, char **id,
                     char **paper, const char *cache_control)
{
	char buf[8];

	if (edge_query_paper(req, buf, sizeof(buf)) != 0)
		return;
	*id = (char *)edge_path_param(req, "id");
	*paper = buf;
	edge_send_printed(req, method, rq, cache_control);
}
