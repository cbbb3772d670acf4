/*
 * templates.c - private library routes (see templates.h): query strings
 * and bodies checked here, one user-svc RPC each, views.c for the JSON.
 */
#include "templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "multipart.h"
#include "png_reply.h"
#include "schema.h"
#include "user.pb-c.h"
#include "views.h"

#define TPL_LIB       "inkwell.user.v1.Library/"
#define TPL_TITLE_MAX 100

static void tpl_error(json_t *errors, const char *field, const char *message)
{
	json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}

int edge_query_int(const edge_req *req, const char *name, int def, int min, int max, int *out,
                   json_t *errors)
{
	char buf[24], msg[96];
	char *end = NULL;
	int n = edge_query(req, name, buf, sizeof(buf));

	if (n == -1) {
		*out = def;
		return 0;
	}
	long v = n > 0 ? strtol(buf, &end, 10) : 0;
	if (n <= 0 || *end != '\0' || buf[0] == '+' || buf[0] == ' ' || v < min || v > max) {
		snprintf(msg, sizeof(msg), "must be a whole number from %d to %d", min, max);
		tpl_error(errors, name, msg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* tpl_text_ok: valid UTF-8 (jansson decides), no control characters, at
 * most max_chars characters. */
static int tpl_text_ok(const char *s, size_t len, size_t max_chars)
{
	json_t *probe = json_stringn(s, len);
	size_t chars = 0;

	if (probe == NULL)
		return 0;
	json_decref(probe);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
		chars += (c & 0xC0) != 0x80;
	}
	return chars <= max_chars;
}

int edge_query_text(const edge_req *req, const char *name, const char *def, size_t max_chars,
                    char *out, size_t out_len, json_t *errors)
{
	char msg[96];
	int n = edge_query(req, name, out, out_len);

	if (n == -1) {
		snprintf(out, out_len, "%s", def);
		return 0;
	}
	if (n < 0 || !tpl_text_ok(out, (size_t)n, max_chars)) {
		snprintf(msg, sizeof(msg),
		         "must be at most %zu characters, without control characters", max_chars);
		tpl_error(errors, name, msg);
		return -1;
	}
	return 0;
}

const char *edge_rule_title(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || !tpl_text_ok(s, len, TPL_TITLE_MAX))
		return "must be 1-100 characters";
	return NULL;
}

/* tpl_image picks the image bytes: the raw body, or the "image" part of a
 * multipart body. Sends 400/415 and returns -1 when there is none. */
static int tpl_image(edge_req *req, const char **img, size_t *len)
{
	char part_type[64];
	const char *why = NULL;

	if (!edge_media_type_is(req->content_type, "multipart/form-data")) {
		*img = req->body;
		*len = req->body_len;
		return 0;
	}
	if (edge_multipart_find(req->content_type, req->body, req->body_len, "image", img, len,
	                        part_type, sizeof(part_type), &why) != 0) {
		edge_send_problem(req, 400, NULL, why);
		return -1;
	}
	if (part_type[0] && !edge_media_type_is(part_type, "image/png") &&
	    !edge_media_type_is(part_type, "image/jpeg") &&
	    !edge_media_type_is(part_type, "application/octet-stream")) {
		edge_send_problem(req, 415, NULL, "the image field must be a PNG or a JPEG");
		return -1;
	}
	return 0;
}

/* tpl_reply_template unpacks a Template reply and sends it. */
static void tpl_reply_template(edge_req *req, ProtobufCBinaryData *reply, int status)
{
	char location[64];
	Inkwell__User__V1__Template *t =
	    inkwell__user__v1__template__unpack(NULL, reply->len, reply->data);

	free(reply->data);
	if (t == NULL) {
		edge_send_problem(req, 500, NULL, "user-svc sent a reply that does not parse");
		return;
	}
	if (status == 201) {
		snprintf(location, sizeof(location), "/v1/templates/%s", t->id);
		edge_add_header(req, "Location", location);
	}
	edge_send_json(req, status, edge_view_template(t));
	inkwell__user__v1__template__free_unpacked(t, NULL);
}

void edge_tpl_create(edge_req *req)
{
	Inkwell__User__V1__CreateTemplateRequest rq =
	    INKWELL__USER__V1__CREATE_TEMPLATE_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char title[512];
	int detail = 0, line_width = 0;
	const char *img = NULL;
	size_t img_len = 0;
	json_t *errors = json_array();

	edge_query_text(req, "title", "Untitled", TPL_TITLE_MAX, title, sizeof(title), errors);
	edge_query_int(req, "detail", 3, 1, 5, &detail, errors);
	edge_query_int(req, "line_width", 2, 1, 8, &line_width, errors);
	if (json_array_size(errors) > 0) {
		edge_send_validation(req, errors);
		return;
	}
	json_decref(errors);
	if (tpl_image(req, &img, &img_len) != 0)
		return;
	rq.title = title[0] ? title : "Untitled";
	rq.detail = detail;
	rq.line_width = line_width;
	rq.image.data = (uint8_t *)img;
	rq.image.len = img_len;
	if (edge_rpc_timeout(req, req->app->users, TPL_LIB "CreateTemplate", &rq.base, &reply,
	                     req->app->cfg->convert_timeout_ms) != INK_OK)
		return;
	tpl_reply_template(req, &reply, 201);
}

void edge_tpl_list(edge_req *req)
{
	Inkwell__User__V1__ListTemplatesRequest rq =
	    INKWELL__USER__V1__LIST_TEMPLATES_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char cursor[256];
	int limit = 20;
	json_t *errors = json_array();

	edge_query_int(req, "limit", 20, 1, 100, &limit, errors);
	edge_query_text(req, "cursor", "", 200, cursor, sizeof(cursor), errors);
	if (json_array_size(errors) > 0) {
		edge_send_validation(req, errors);
		return;
	}
	json_decref(errors);
	rq.limit = limit;
	rq.cursor = cursor;
	if (edge_rpc(req, req->app->users, TPL_LIB "ListTemplates", &rq.base, &reply) != INK_OK)
		return;
	Inkwell__User__V1__TemplateList *list =
	    inkwell__user__v1__template_list__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (list == NULL) {
		edge_send_problem(req, 500, NULL, "user-svc sent a reply that does not parse");
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < list->n_items; i++)
		json_array_append_new(items, edge_view_template(list->items[i]));
	edge_send_json(req, 200, edge_view_page(items, list->next_cursor));
	inkwell__user__v1__template_list__free_unpacked(list, NULL);
}

/* tpl_ref_call sends a TemplateRef for the {id} of the path. */
static ink_err tpl_ref_call(edge_req *req, const char *method, ProtobufCBinaryData *reply)
{
	Inkwell__User__V1__TemplateRef ref = INKWELL__USER__V1__TEMPLATE_REF__INIT;

	ref.id = (char *)edge_path_param(req, "id");
	return edge_rpc(req, req->app->users, method, &ref.base, reply);
}

void edge_tpl_get(edge_req *req)
{
	ProtobufCBinaryData reply;

	if (tpl_ref_call(req, TPL_LIB "GetTemplate", &reply) == INK_OK)
		tpl_reply_template(req, &reply, 200);
}

void edge_tpl_image(edge_req *req)
{
	ProtobufCBinaryData reply;

	if (tpl_ref_call(req, TPL_LIB "GetTemplateImage", &reply) != INK_OK)
		return;
	Inkwell__User__V1__TemplateImage *img =
	    inkwell__user__v1__template_image__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (img == NULL) {
		edge_send_problem(req, 500, NULL, "user-svc sent a reply that does not parse");
		return;
	}
	edge_send_png(req, img->png.data, img->png.len, img->etag,
	              "private, max-age=31536000, immutable");
	inkwell__user__v1__template_image__free_unpacked(img, NULL);
}

static const edge_field tpl_rename_fields[] = {{"title", 1, edge_rule_title}};
static const edge_schema tpl_rename_schema = {tpl_rename_fields, 1};

void edge_tpl_rename(edge_req *req)
{
	Inkwell__User__V1__RenameTemplateRequest rq =
	    INKWELL__USER__V1__RENAME_TEMPLATE_REQUEST__INIT;
	ProtobufCBinaryData reply;
	json_t *obj = NULL, *errors = NULL;
	int rc = edge_schema_validate(&tpl_rename_schema, req->body, req->body_len, &obj, &errors);

	if (rc != 0) {
		if (rc == -1)
			edge_send_validation(req, errors);
		else
			edge_send_problem(req, 500, NULL, "out of memory");
		return;
	}
	rq.id = (char *)edge_path_param(req, "id");
	rq.title = (char *)json_string_value(json_object_get(obj, "title"));
	ink_err err = edge_rpc(req, req->app->users, TPL_LIB "RenameTemplate", &rq.base, &reply);
	json_decref(obj);
	if (err == INK_OK)
		tpl_reply_template(req, &reply, 200);
}

void edge_tpl_delete(edge_req *req)
{
	ProtobufCBinaryData reply;

	if (tpl_ref_call(req, TPL_LIB "DeleteTemplate", &reply) != INK_OK)
		return;
	free(reply.data);
	edge_send_empty(req, 204);
}

void edge_tpl_publish(edge_req *req)
{
	char location[64];
	ProtobufCBinaryData reply;

	if (tpl_ref_call(req, TPL_LIB "PublishTemplate", &reply) != INK_OK)
		return;
	Inkwell__User__V1__PublishTemplateResponse *pr =
	    inkwell__user__v1__publish_template_response__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	Inkwell__Template__V1__GalleryItem *g =
	    pr ? inkwell__template__v1__gallery_item__unpack(NULL, pr->item.len, pr->item.data)
	       : NULL;
	if (g == NULL) {
		edge_send_problem(req, 500, NULL, "user-svc sent a reply that does not parse");
	} else {
		snprintf(location, sizeof(location), "/v1/gallery/%s", g->gallery_id);
		edge_add_header(req, "Location", location);
		edge_send_json(req, pr->already_published ? 200 : 201, edge_view_gallery_item(g));
		inkwell__template__v1__gallery_item__free_unpacked(g, NULL);
	}
	if (pr != NULL)
		inkwell__user__v1__publish_template_response__free_unpacked(pr, NULL);
}
