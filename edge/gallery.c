/*
 * gallery.c - gallery and moderation routes (see gallery.h). The RPCs are
 * template-svc's own methods, sent to user-svc, which passes them on with
 * the caller (the edge talks to one service).
 */
#include "gallery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png_reply.h"
#include "schema.h"
#include "templates.h"
#include "template.pb-c.h"
#include "user.pb-c.h"
#include "views.h"

#define GAL_TPL "inkwell.template.v1.Templates/"

static void gal_bad_reply(edge_req *req)
{
	edge_send_problem(req, 500, NULL, "a service sent a reply that does not parse");
}

/* gal_ref_call sends a GalleryRef for the {id} of the path. */
static ink_err gal_ref_call(edge_req *req, const char *method, ProtobufCBinaryData *reply)
{
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;

	ref.gallery_id = (char *)edge_path_param(req, "id");
	return edge_rpc(req, req->app->users, method, &ref.base, reply);
}

/* gal_body validates a JSON body with one required field; NULL after a
 * response was sent. */
static json_t *gal_body(edge_req *req, const edge_schema *schema)
{
	json_t *obj = NULL, *errors = NULL;
	int rc = edge_schema_validate(schema, req->body, req->body_len, &obj, &errors);

	if (rc == -1)
		edge_send_validation(req, errors);
	else if (rc != 0)
		edge_send_problem(req, 500, NULL, "out of memory");
	return obj;
}

void edge_gallery_list(edge_req *req)
{
	Inkwell__Template__V1__ListGalleryRequest rq =
	    INKWELL__TEMPLATE__V1__LIST_GALLERY_REQUEST__INIT;
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
	if (edge_rpc(req, req->app->users, GAL_TPL "ListGallery", &rq.base, &reply) != INK_OK)
		return;
	Inkwell__Template__V1__GalleryList *list =
	    inkwell__template__v1__gallery_list__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (list == NULL) {
		gal_bad_reply(req);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < list->n_items; i++)
		json_array_append_new(items, edge_view_gallery_item(list->items[i]));
	edge_send_json(req, 200, edge_view_page(items, list->next_cursor));
	inkwell__template__v1__gallery_list__free_unpacked(list, NULL);
}

void edge_gallery_get(edge_req *req)
{
	ProtobufCBinaryData reply;

	if (gal_ref_call(req, GAL_TPL "GetGalleryItem", &reply) != INK_OK)
		return;
	Inkwell__Template__V1__GalleryItem *g =
	    inkwell__template__v1__gallery_item__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (g == NULL) {
		gal_bad_reply(req);
		return;
	}
	edge_send_json(req, 200, edge_view_gallery_item(g));
	inkwell__template__v1__gallery_item__free_unpacked(g, NULL);
}

void edge_gallery_image(edge_req *req)
{
	ProtobufCBinaryData reply;

	if (gal_ref_call(req, GAL_TPL "GetGalleryImage", &reply) != INK_OK)
		return;
	Inkwell__Template__V1__GalleryImage *img =
	    inkwell__template__v1__gallery_image__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (img == NULL) {
		gal_bad_reply(req);
		return;
	}
	/* Public and immutable, but it can be taken down: a day, not forever. */
	edge_send_png(req, img->png.data, img->png.len, img->etag, "public, max-age=86400");
	inkwell__template__v1__gallery_image__free_unpacked(img, NULL);
}

void edge_gallery_save(edge_req *req)
{
	Inkwell__User__V1__SaveGalleryItemRequest rq =
	    INKWELL__USER__V1__SAVE_GALLERY_ITEM_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char location[64];

	rq.gallery_id = (char *)edge_path_param(req, "id");
	if (edge_rpc(req, req->app->users, "inkwell.user.v1.Library/SaveGalleryItem", &rq.base,
	             &reply) != INK_OK)
		return;
	Inkwell__User__V1__Template *t =
	    inkwell__user__v1__template__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (t == NULL) {
		gal_bad_reply(req);
		return;
	}
	snprintf(location, sizeof(location), "/v1/templates/%s", t->id);
	edge_add_header(req, "Location", location);
	edge_send_json(req, 201, edge_view_template(t));
	inkwell__user__v1__template__free_unpacked(t, NULL);
}

void edge_gallery_delete(edge_req *req)
{
	ProtobufCBinaryData reply;

	if (gal_ref_call(req, GAL_TPL "DeleteGalleryItem", &reply) != INK_OK)
		return;
	free(reply.data);
	edge_send_empty(req, 204);
}

static const char *gal_rule_reason(const char *s)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		chars += (*p & 0xC0) != 0x80;
	return chars >= 1 && chars <= 500 ? NULL : "must be 1-500 characters";
}

static const edge_field gal_report_fields[] = {{"reason", 1, gal_rule_reason}};
static const edge_schema gal_report_schema = {gal_report_fields, 1};

/* gal_reply_report unpacks a Report reply and sends it. */
static void gal_reply_report(edge_req *req, ProtobufCBinaryData *reply, int status)
{
	Inkwell__Template__V1__Report *r =
	    inkwell__template__v1__report__unpack(NULL, reply->len, reply->data);

	free(reply->data);
	if (r == NULL) {
		gal_bad_reply(req);
		return;
	}
	edge_send_json(req, status, edge_view_report(r));
	inkwell__template__v1__report__free_unpacked(r, NULL);
}

void edge_gallery_report(edge_req *req)
{
	Inkwell__Template__V1__ReportRequest rq = INKWELL__TEMPLATE__V1__REPORT_REQUEST__INIT;
	ProtobufCBinaryData reply;
	json_t *obj = gal_body(req, &gal_report_schema);

	if (obj == NULL)
		return;
	rq.gallery_id = (char *)edge_path_param(req, "id");
	rq.reason = (char *)json_string_value(json_object_get(obj, "reason"));
	ink_err err = edge_rpc(req, req->app->users, GAL_TPL "ReportGalleryItem", &rq.base, &reply);
	json_decref(obj);
	if (err == INK_OK)
		gal_reply_report(req, &reply, 201);
}

void edge_admin_reports(edge_req *req)
{
	Inkwell__Template__V1__ListReportsRequest rq =
	    INKWELL__TEMPLATE__V1__LIST_REPORTS_REQUEST__INIT;
	ProtobufCBinaryData reply;

	if (edge_rpc(req, req->app->users, GAL_TPL "ListReports", &rq.base, &reply) != INK_OK)
		return;
	Inkwell__Template__V1__ReportList *list =
	    inkwell__template__v1__report_list__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (list == NULL) {
		gal_bad_reply(req);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < list->n_items; i++)
		json_array_append_new(items, edge_view_report(list->items[i]));
	edge_send_json(req, 200, edge_view_page(items, ""));
	inkwell__template__v1__report_list__free_unpacked(list, NULL);
}

static const char *gal_rule_action(const char *s)
{
	return strcmp(s, "remove") == 0 || strcmp(s, "dismiss") == 0
	           ? NULL
	           : "must be \"remove\" or \"dismiss\"";
}

static const edge_field gal_resolve_fields[] = {{"action", 1, gal_rule_action}};
static const edge_schema gal_resolve_schema = {gal_resolve_fields, 1};

void edge_admin_resolve(edge_req *req)
{
	Inkwell__Template__V1__ResolveReportRequest rq =
	    INKWELL__TEMPLATE__V1__RESOLVE_REPORT_REQUEST__INIT;
	ProtobufCBinaryData reply;
	json_t *obj = gal_body(req, &gal_resolve_schema);

	if (obj == NULL)
		return;
	rq.report_id = (char *)edge_path_param(req, "id");
	rq.action = (char *)json_string_value(json_object_get(obj, "action"));
	ink_err err = edge_rpc(req, req->app->users, GAL_TPL "ResolveReport", &rq.base, &reply);
	json_decref(obj);
	if (err == INK_OK)
		gal_reply_report(req, &reply, 200);
}
