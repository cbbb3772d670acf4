/*
 * gallery_routes.c - gallery and moderation routes (see gallery_routes.h). The RPCs are
 * template-svc's own methods. The public reads (list, item, image, SVG, PDF)
 * answer the same to everyone, so they take no token and go to template-svc
 * directly (call.c, issue 16); the writes are sent to user-svc, which checks
 * the caller and passes them on.
 */
#include "gallery_routes.h"

#include <string.h>

#include "content_rules.h"
#include "page_link.h"
#include "params.h"
#include "png_reply.h"
#include "template.pb-c.h"
#include "library_routes.h"
#include "views.h"

#define GAL_TPL "inkwell.template.v1.Templates/"

/* gal_ref is the GalleryRef of the {id} in the path. */
static Inkwell__Template__V1__GalleryRef gal_ref(edge_req *req)
{
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;

	ref.gallery_id = (char *)edge_path_param(req, "id");
	return ref;
}

void edge_gallery_list(edge_req *req)
{
	Inkwell__Template__V1__ListGalleryRequest rq =
	    INKWELL__TEMPLATE__V1__LIST_GALLERY_REQUEST__INIT;
	char cursor[EDGE_CURSOR_MAX * 4 + 1];
	int limit = 20;

	if (edge_query_page(req, &limit, cursor, sizeof(cursor)) != 0)
		return;
	rq.limit = limit;
	rq.cursor = cursor;
	Inkwell__Template__V1__GalleryList *list =
	    (Inkwell__Template__V1__GalleryList *)edge_rpc_msg(
	        req, GAL_TPL "ListGallery", &rq.base,
	        &inkwell__template__v1__gallery_list__descriptor, 0);
	if (list == NULL)
		return;
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < list->n_items; i++)
		items = edge_view_append(items, edge_view_gallery_item(list->items[i]));
	edge_page_link(req, limit, list->next_cursor);
	edge_send_json(req, 200, edge_view_page(items, list->next_cursor));
	protobuf_c_message_free_unpacked(&list->base, NULL);
}

void edge_gallery_get(edge_req *req)
{
	Inkwell__Template__V1__GalleryRef ref = gal_ref(req);
	Inkwell__Template__V1__GalleryItem *g = (Inkwell__Template__V1__GalleryItem *)edge_rpc_msg(
	    req, GAL_TPL "GetGalleryItem", &ref.base,
	    &inkwell__template__v1__gallery_item__descriptor, 0);

	if (g == NULL)
		return;
	edge_send_json(req, 200, edge_view_gallery_item(g));
	protobuf_c_message_free_unpacked(&g->base, NULL);
}

void edge_gallery_image(edge_req *req)
{
	Inkwell__Template__V1__GalleryRef ref = gal_ref(req);
	const char *variant = "";

	if (edge_picture_numbers(req, &variant) != 0)
		return;
	ref.variant = (char *)variant;
	/* Public and immutable, but a moderator can take it down: caches may
	 * keep it minutes, not days. */
	edge_send_picture(req, GAL_TPL "GetGalleryImage", &ref.base,
	                  &inkwell__template__v1__gallery_image__descriptor, EDGE_PICTURE_PNG,
	                  "public, max-age=300");
}

void edge_gallery_regions(edge_req *req)
{
	Inkwell__Template__V1__GalleryRef ref = gal_ref(req);

	ref.variant = "regions";
	edge_send_picture(req, GAL_TPL "GetGalleryImage", &ref.base,
	                  &inkwell__template__v1__gallery_image__descriptor, EDGE_PICTURE_PNG,
	                  "public, max-age=300");
}

void edge_gallery_svg(edge_req *req)
{
	Inkwell__Template__V1__GalleryRef ref = gal_ref(req);

	edge_send_picture(req, GAL_TPL "GetGallerySvg", &ref.base,
	                  &inkwell__template__v1__gallery_image__descriptor, EDGE_PICTURE_SVG,
	                  "public, max-age=300");
}

void edge_gallery_pdf(edge_req *req)
{
	Inkwell__Template__V1__PrintGalleryRequest rq =
	    INKWELL__TEMPLATE__V1__PRINT_GALLERY_REQUEST__INIT;

	/* A gallery item's title never changes; like its image, minutes. */
	edge_send_print(req, GAL_TPL "PrintGalleryPage", &rq.base, &rq.gallery_id, &rq.paper,
	                "public, max-age=300");
}

void edge_gallery_save(edge_req *req)
{
	Inkwell__User__V1__SaveGalleryItemRequest rq =
	    INKWELL__USER__V1__SAVE_GALLERY_ITEM_REQUEST__INIT;
	char key[EDGE_IDEM_KEY_MAX];

	if (edge_idem_key(req, key) != 0)
		return;
	rq.idempotency_key = key;
	rq.gallery_id = (char *)edge_path_param(req, "id");
	Inkwell__User__V1__Template *t = (Inkwell__User__V1__Template *)edge_rpc_msg(
	    req, "inkwell.user.v1.Library/SaveGalleryItem", &rq.base,
	    &inkwell__user__v1__template__descriptor, 0);
	if (t == NULL)
		return;
	edge_lib_send(req, t, 201);
	protobuf_c_message_free_unpacked(&t->base, NULL);
}

void edge_gallery_delete(edge_req *req)
{
	Inkwell__Template__V1__GalleryRef ref = gal_ref(req);
	ProtobufCMessage *ok = edge_rpc_msg(req, GAL_TPL "DeleteGalleryItem", &ref.base,
	                                    &inkwell__template__v1__empty__descriptor, 0);

	if (ok == NULL)
		return;
	protobuf_c_message_free_unpacked(ok, NULL);
	edge_send_empty(req, 204);
}

/* gal_report_call sends a request expecting a Report and answers with it. */
static void gal_report_call(edge_req *req, const char *method, const ProtobufCMessage *body,
                            int status)
{
	Inkwell__Template__V1__Report *r = (Inkwell__Template__V1__Report *)edge_rpc_msg(
	    req, method, body, &inkwell__template__v1__report__descriptor, 0);

	if (r == NULL)
		return;
	edge_send_json(req, status, edge_view_report(r));
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static const edge_field gal_report_fields[] = {
    {.name = "reason", .required = 1, .rule = ink_rule_reason, .line_breaks = 1}};
static const edge_schema gal_report_schema = {gal_report_fields, 1};

void edge_gallery_report(edge_req *req)
{
	Inkwell__Template__V1__ReportRequest rq = INKWELL__TEMPLATE__V1__REPORT_REQUEST__INIT;
	char key[EDGE_IDEM_KEY_MAX];
	json_t *obj = edge_json_body(req, &gal_report_schema);

	if (obj == NULL)
		return;
	if (edge_idem_key(req, key) != 0) {
		json_decref(obj);
		return;
	}
	rq.idempotency_key = key;
	rq.gallery_id = (char *)edge_path_param(req, "id");
	rq.reason = (char *)edge_json_str(obj, "reason");
	gal_report_call(req, GAL_TPL "ReportGalleryItem", &rq.base, 201);
	json_decref(obj);
}

void edge_admin_reports(edge_req *req)
{
	Inkwell__Template__V1__ListReportsRequest rq =
	    INKWELL__TEMPLATE__V1__LIST_REPORTS_REQUEST__INIT;
	Inkwell__Template__V1__ReportList *list = (Inkwell__Template__V1__ReportList *)edge_rpc_msg(
	    req, GAL_TPL "ListReports", &rq.base, &inkwell__template__v1__report_list__descriptor,
	    0);

	if (list == NULL)
		return;
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < list->n_items; i++)
		items = edge_view_append(items, edge_view_report(list->items[i]));
	edge_send_json(req, 200, edge_view_page(items, ""));
	protobuf_c_message_free_unpacked(&list->base, NULL);
}

static const char *gal_rule_action(const char *s)
{
	return strcmp(s, "remove") == 0 || strcmp(s, "dismiss") == 0
	           ? NULL
	           : "must be \"remove\" or \"dismiss\"";
}

static const edge_field gal_resolve_fields[] = {
    {.name = "action", .required = 1, .rule = gal_rule_action}};
static const edge_schema gal_resolve_schema = {gal_resolve_fields, 1};

void edge_admin_resolve(edge_req *req)
{
	Inkwell__Template__V1__ResolveReportRequest rq =
	    INKWELL__TEMPLATE__V1__RESOLVE_REPORT_REQUEST__INIT;
	json_t *obj = edge_json_body(req, &gal_resolve_schema);

	if (obj == NULL)
		return;
	rq.report_id = (char *)edge_path_param(req, "id");
	rq.action = (char *)edge_json_str(obj, "action");
	gal_report_call(req, GAL_TPL "ResolveReport", &rq.base, 200);
	json_decref(obj);
}
