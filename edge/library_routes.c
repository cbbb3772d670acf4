/*
 * library_routes.c - private library routes (see library_routes.h): query strings
 * and bodies checked here, one user-svc RPC each, views.c for the JSON.
 */
#include "library_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"
#include "metrics.h"
#include "multipart.h"
#include "page_link.h"
#include "params.h"
#include "png_reply.h"
#include "views.h"

#define LIB_RPC "inkwell.user.v1.Library/"

/* lib_image picks the image bytes: the raw body, or the "image" part of a
 * multipart body. Sends 400/415 and returns -1 when there is none. */
static int lib_image(edge_req *req, const char **img, size_t *len)
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

int edge_idem_key(edge_req *req, char out[EDGE_IDEM_KEY_MAX])
{
	const char *v = edge_header(req, "Idempotency-Key");
	size_t n = 0;

	out[0] = '\0';
	if (v == NULL)
		return 0;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') { /* sf-string */
		v++;
		n -= 2;
	}
	int ok = n >= 1 && n < EDGE_IDEM_KEY_MAX;
	for (size_t i = 0; ok && i < n; i++) {
		char c = v[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     strchr("-_.:+/=", c) != NULL;
	}
	if (!ok) {
		edge_send_problem(
		    req, 400, NULL,
		    "Idempotency-Key must be 1-128 characters of A-Z a-z 0-9 - _ . : + "
		    "/ = (a UUID will do)");
		return -1;
	}
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

void edge_lib_send(edge_req *req, const Inkwell__User__V1__Template *t, int status)
{
	char location[64];

	if (status == 201) {
		snprintf(location, sizeof(location), "/v1/templates/%s", t->id);
		if (edge_add_header(req, "Location", location) != 0) {
			edge_send_problem(req, 500, NULL, "a response header could not be set");
			return;
		}
	}
	edge_send_json(req, status, edge_view_template(t));
}

/* lib_call sends a request expecting a Template back and answers with it. */
static void lib_call(edge_req *req, const char *method, const ProtobufCMessage *body, int status,
                     int64_t timeout_ms)
{
	Inkwell__User__V1__Template *t = (Inkwell__User__V1__Template *)edge_rpc_msg(
	    req, method, body, &inkwell__user__v1__template__descriptor, timeout_ms);

	if (t == NULL)
		return;
	edge_lib_send(req, t, status);
	protobuf_c_message_free_unpacked(&t->base, NULL);
}

/* Paint by numbers (issue 19): ?style=lines|numbers&colors=4..32&palette=photo|crayons24. */
static const char *const lib_styles[] = {"lines", "numbers", NULL};
static const char *const lib_palettes[] = {"photo", "crayons24", NULL};

void edge_lib_create(edge_req *req)
{
	Inkwell__User__V1__CreateTemplateRequest rq =
	    INKWELL__USER__V1__CREATE_TEMPLATE_REQUEST__INIT;
	char title[512], style[16], palette[16];
	int detail = 0, line_width = 0, colors = 12;
	const char *img = NULL;
	size_t img_len = 0;
	char key[EDGE_IDEM_KEY_MAX];
	json_t *errors = json_array();
	int bad = 0;

	if (errors == NULL) {
		edge_send_problem(req, 500, NULL, "out of memory");
		return;
	}
	/* Each reader adds its own entry: read them all, answer once. */
	bad |=
	    edge_query_text(req, "title", "Untitled", INK_TITLE_MAX, title, sizeof(title), errors);
	bad |= edge_query_int(req, "detail", 3, 1, 5, &detail, errors);
	bad |= edge_query_int(req, "line_width", 2, 1, 8, &line_width, errors);
	bad |= edge_query_choice(req, "style", lib_styles, style, sizeof(style), errors);
	bad |= edge_query_int(req, "colors", 12, 4, 32, &colors, errors);
	bad |= edge_query_choice(req, "palette", lib_palettes, palette, sizeof(palette), errors);
	if (bad != 0 || json_array_size(errors) > 0) {
		edge_send_validation(req, errors);
		return;
	}
	json_decref(errors);
	if (lib_image(req, &img, &img_len) != 0 || edge_idem_key(req, key) != 0)
		return;
	rq.idempotency_key = key;
	rq.title = title[0] ? title : "Untitled";
	rq.detail = detail;
	rq.line_width = line_width;
	rq.style = style;
	rq.colors = colors;
	rq.palette = palette;
	rq.image.data = (uint8_t *)img;
	rq.image.len = img_len;
	lib_call(req, LIB_RPC "CreateTemplate", &rq.base, 201, req->app->cfg->convert_timeout_ms);
}

static const ink_metric_family lib_pages = {
    .name = "inkwell_edge_library_pages_total",
    .help = "Library pages answered, by whether user-svc read them (read) or found the "
            "edge's kept copy still right (kept).",
    .type = INK_METRIC_COUNTER,
    .nlabels = 1,
    .labels = {"answer"},
};

/* lib_send_list answers with a page user-svc read, and keeps it under key
 * when the library has a version (page_cache.h). */
static void lib_send_list(edge_req *req, int limit, const char *key,
                          const Inkwell__User__V1__TemplateList *list)
{
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < list->n_items; i++)
		items = edge_view_append(items, edge_view_template(list->items[i]));
	json_t *page = edge_view_page(items, list->next_cursor);
	if (req->app->pages == NULL || key[0] == '\0' || list->version[0] == '\0' || page == NULL) {
		edge_page_link(req, limit, list->next_cursor);
		edge_send_json(req, 200, page);
		return;
	}
	size_t len = 0;
	char *text = edge_json_encode(page, &len);
	json_decref(page);
	if (text == NULL) {
		edge_send_problem(req, 500, NULL, "the response could not be encoded");
		return;
	}
	/* NULL (too long to keep, or no memory for a copy): sent, not kept */
	edge_page *made = edge_page_new(key, list->version, list->next_cursor, text, len);
	edge_page_cache_put(req->app->pages, made);
	edge_page_release(made);
	edge_page_link(req, limit, list->next_cursor);
	edge_send(req, 200, "application/json", text, len);
	free(text);
}

void edge_lib_list(edge_req *req)
{
	Inkwell__User__V1__ListTemplatesRequest rq =
	    INKWELL__USER__V1__LIST_TEMPLATES_REQUEST__INIT;
	char cursor[EDGE_CURSOR_MAX * 4 + 1];
	char key[sizeof(req->token_hash) + 16 + sizeof(cursor)] = "";
	int limit = 20;

	if (edge_query_page(req, &limit, cursor, sizeof(cursor)) != 0)
		return;
	rq.limit = limit;
	rq.cursor = cursor;
	/* The page of this token, limit and cursor, if kept: user-svc says
	 * whether the library is still at its version (page_cache.h). */
	if (req->token_hash[0] != '\0')
		snprintf(key, sizeof(key), "%s %d %s", req->token_hash, limit, cursor);
	edge_page *kept = key[0] ? edge_page_cache_get(req->app->pages, key) : NULL;
	if (kept != NULL)
		rq.known_version = kept->version;
	Inkwell__User__V1__TemplateList *list = (Inkwell__User__V1__TemplateList *)edge_rpc_msg(
	    req, LIB_RPC "ListTemplates", &rq.base, &inkwell__user__v1__template_list__descriptor,
	    0);
	if (list == NULL) {
		edge_page_release(kept);
		return;
	}
	const char *answer = list->unchanged ? "kept" : "read";
	ink_metrics_add(&lib_pages, &answer, 1);
	if (!list->unchanged)
		lib_send_list(req, limit, key, list);
	else if (kept != NULL && strcmp(list->version, kept->version) == 0) {
		edge_page_link(req, limit, kept->next_cursor);
		edge_send(req, 200, "application/json", kept->body, kept->len);
	} else
		edge_send_problem(req, 502, NULL,
		                  "user-svc called a page unchanged that this edge does not hold");
	edge_page_release(kept);
	protobuf_c_message_free_unpacked(&list->base, NULL);
}

/* lib_ref is the TemplateRef of the {id} in the path. */
static Inkwell__User__V1__TemplateRef lib_ref(edge_req *req)
{
	Inkwell__User__V1__TemplateRef ref = INKWELL__USER__V1__TEMPLATE_REF__INIT;

	ref.id = (char *)edge_path_param(req, "id");
	return ref;
}

void edge_lib_get(edge_req *req)
{
	Inkwell__User__V1__TemplateRef ref = lib_ref(req);

	lib_call(req, LIB_RPC "GetTemplate", &ref.base, 200, 0);
}

void edge_lib_image(edge_req *req)
{
	Inkwell__User__V1__TemplateRef ref = lib_ref(req);
	const char *variant = "";

	if (edge_picture_numbers(req, &variant) != 0)
		return;
	ref.variant = (char *)variant;

	edge_send_picture(req, LIB_RPC "GetTemplateImage", &ref.base,
	                  &inkwell__user__v1__template_image__descriptor, EDGE_PICTURE_PNG,
	                  "private, max-age=31536000, immutable");
}

void edge_lib_regions(edge_req *req)
{
	Inkwell__User__V1__TemplateRef ref = lib_ref(req);

	ref.variant = "regions";
	edge_send_picture(req, LIB_RPC "GetTemplateImage", &ref.base,
	                  &inkwell__user__v1__template_image__descriptor, EDGE_PICTURE_PNG,
	                  "private, max-age=31536000, immutable");
}

void edge_lib_svg(edge_req *req)
{
	Inkwell__User__V1__TemplateRef ref = lib_ref(req);

	edge_send_picture(req, LIB_RPC "GetTemplateSvg", &ref.base,
	                  &inkwell__user__v1__template_image__descriptor, EDGE_PICTURE_SVG,
	                  "private, max-age=31536000, immutable");
}

void edge_lib_pdf(edge_req *req)
{
	Inkwell__User__V1__PrintTemplateRequest rq =
	    INKWELL__USER__V1__PRINT_TEMPLATE_REQUEST__INIT;

	/* Printed with the current title, which a rename changes: revalidate. */
	edge_send_print(req, LIB_RPC "PrintTemplate", &rq.base, &rq.id, &rq.paper,
	                "private, no-cache");
}

static const edge_field lib_rename_fields[] = {
    {.name = "title", .required = 1, .rule = ink_rule_title}};
static const edge_schema lib_rename_schema = {lib_rename_fields, 1};

void edge_lib_rename(edge_req *req)
{
	Inkwell__User__V1__RenameTemplateRequest rq =
	    INKWELL__USER__V1__RENAME_TEMPLATE_REQUEST__INIT;
	json_t *obj = edge_json_body(req, &lib_rename_schema);

	if (obj == NULL)
		return;
	rq.id = (char *)edge_path_param(req, "id");
	rq.title = (char *)edge_json_str(obj, "title");
	lib_call(req, LIB_RPC "RenameTemplate", &rq.base, 200, 0);
	json_decref(obj);
}

void edge_lib_delete(edge_req *req)
{
	Inkwell__User__V1__TemplateRef ref = lib_ref(req);
	ProtobufCMessage *ok = edge_rpc_msg(req, LIB_RPC "DeleteTemplate", &ref.base,
	                                    &inkwell__user__v1__empty__descriptor, 0);

	if (ok == NULL)
		return;
	protobuf_c_message_free_unpacked(ok, NULL);
	edge_send_empty(req, 204);
}

void edge_lib_publish(edge_req *req)
{
	char location[64], key[EDGE_IDEM_KEY_MAX];
	Inkwell__User__V1__TemplateRef ref = lib_ref(req);

	if (edge_idem_key(req, key) != 0)
		return;
	ref.idempotency_key = key;
	Inkwell__User__V1__PublishTemplateResponse *pr =
	    (Inkwell__User__V1__PublishTemplateResponse *)edge_rpc_msg(
	        req, LIB_RPC "PublishTemplate", &ref.base,
	        &inkwell__user__v1__publish_template_response__descriptor, 0);

	if (pr == NULL)
		return;
	Inkwell__Template__V1__GalleryItem *g =
	    inkwell__template__v1__gallery_item__unpack(NULL, pr->item.len, pr->item.data);
	if (g == NULL) {
		edge_send_problem(req, 500, NULL, "user-svc sent a reply that does not parse");
	} else {
		snprintf(location, sizeof(location), "/v1/gallery/%s", g->gallery_id);
		if (edge_add_header(req, "Location", location) != 0)
			edge_send_problem(req, 500, NULL, "a response header could not be set");
		else
			edge_send_json(req, pr->already_published ? 200 : 201,
			               edge_view_gallery_item(g));
		inkwell__template__v1__gallery_item__free_unpacked(g, NULL);
	}
	protobuf_c_message_free_unpacked(&pr->base, NULL);
}
