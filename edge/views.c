/* views.c - the JSON shapes of docs/API.md (see views.h). */
#include "views.h"

#include <stdio.h>
#include <time.h>

void edge_view_time(int64_t unix_ms, char *out, size_t out_len)
{
	time_t secs = (time_t)(unix_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	size_t n = strftime(out, out_len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, out_len - n, ".%03dZ", (int)(unix_ms % 1000));
}

json_t *edge_view_user(const Inkwell__User__V1__User *u, int with_email)
{
	char created[40];

	edge_view_time(u->created_at_unix_ms, created, sizeof(created));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", u->id, "username", u->username, "role",
	                      u->role, "created_at", created);
	if (o != NULL && with_email &&
	    json_object_set_new(o, "email", u->email[0] ? json_string(u->email) : json_null()) !=
	        0) {
		json_decref(o); /* the caller answers 500 rather than drop the field */
		return NULL;
	}
	return o;
}

/* One swatch of a palette (issue 19): {"number", "rgb", "name"?}; NULL when out of memory
 * (edge_view_append then drops the array: the caller answers 500). Both protos' Swatch
 * messages have these fields. */
static json_t *edge_view_swatch(int32_t number, const char *rgb, const char *name)
{
	json_t *o = json_pack("{s:I, s:s}", "number", (json_int_t)number, "rgb", rgb);

	if (o != NULL && name[0] && json_object_set_new(o, "name", json_string(name)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A numbered page's palette (issue 19): [{"number", "rgb", "name"?}], [] for a lines page. */
static json_t *edge_view_palette(const Inkwell__User__V1__Template *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < t->n_palette; i++) {
		const Inkwell__User__V1__Swatch *s = t->palette[i];
		a = edge_view_append(a, edge_view_swatch(s->number, s->rgb, s->name));
	}
	return a;
}

/* view_set adds key (a constant of ours: valid UTF-8, so not checked again)
 * with value v to o, taking v (also when it fails, and NULL fails).
 * Nonzero on failure. */
static int view_set(json_t *o, const char *key, json_t *v)
{
	return v == NULL || json_object_set_new_nocheck(o, key, v) != 0;
}

json_t *edge_view_template(const Inkwell__User__V1__Template *t)
{
	char created[40], url[96];

	edge_view_time(t->created_at_unix_ms, created, sizeof(created));
	snprintf(url, sizeof(url), "/v1/templates/%s/image", t->id);
	/* Built field by field rather than with json_pack: a library page makes
	 * 20 of these per request, and json_pack parses its format and checks
	 * every key each time (issue 16). Values from the services are still
	 * checked; the two made here are ASCII. */
	json_t *o = json_object();
	if (o == NULL || view_set(o, "id", json_string(t->id)) ||
	    view_set(o, "title", json_string(t->title)) ||
	    view_set(o, "width", json_integer(t->width)) ||
	    view_set(o, "height", json_integer(t->height)) ||
	    view_set(o, "detail", json_integer(t->detail)) ||
	    view_set(o, "line_width", json_integer(t->line_width)) ||
	    view_set(o, "created_at", json_string_nocheck(created)) ||
	    view_set(o, "image_url", json_string_nocheck(url)) ||
	    view_set(o, "gallery_id",
	             t->gallery_id[0] ? json_string(t->gallery_id) : json_null()) ||
	    view_set(o, "style", json_string(t->style[0] ? t->style : "lines")) ||
	    view_set(o, "palette", edge_view_palette(t))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A numbered item's palette (issue 19), as edge_view_palette's; [] for a lines item. */
static json_t *edge_view_gallery_palette(const Inkwell__Template__V1__GalleryItem *g)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < g->n_palette; i++) {
		const Inkwell__Template__V1__Swatch *s = g->palette[i];
		a = edge_view_append(a, edge_view_swatch(s->number, s->rgb, s->name));
	}
	return a;
}

json_t *edge_view_gallery_item(const Inkwell__Template__V1__GalleryItem *g)
{
	char published[40], url[96];

	edge_view_time(g->published_at_unix_ms, published, sizeof(published));
	snprintf(url, sizeof(url), "/v1/gallery/%s/image", g->gallery_id);
	return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o}", "gallery_id",
	                 g->gallery_id, "title", g->title, "width", (json_int_t)g->width, "height",
	                 (json_int_t)g->height, "publisher", g->publisher_name, "published_at",
	                 published, "image_url", url, "style", g->style[0] ? g->style : "lines",
	                 "palette", edge_view_gallery_palette(g));
}

json_t *edge_view_report(const Inkwell__Template__V1__Report *r)
{
	char created[40];

	edge_view_time(r->created_at_unix_ms, created, sizeof(created));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "report_id", r->report_id, "gallery_id",
	                 r->gallery_id, "reason", r->reason, "reporter", r->reporter_name,
	                 "created_at", created, "status", r->status);
}

json_t *edge_view_append(json_t *items, json_t *item)
{
	if (items == NULL) {
		json_decref(item);
		return NULL;
	}
	/* json_array_append_new frees item itself when it fails (also NULL). */
	if (json_array_append_new(items, item) != 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

json_t *edge_view_page(json_t *items, const char *cursor)
{
	if (items == NULL)
		return NULL;
	return json_pack("{s:o, s:o}", "items", items, "next_cursor",
	                 cursor[0] ? json_string(cursor) : json_null());
}

json_t *edge_view_session(const Inkwell__User__V1__Session *s)
{
	char created[40], used[40], expires[40];

	edge_view_time(s->created_at_unix_ms, created, sizeof(created));
	edge_view_time(s->last_used_at_unix_ms, used, sizeof(used));
	edge_view_time(s->expires_at_unix_ms, expires, sizeof(expires));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "id", s->id, "created_at", created,
	                 "last_used_at", used, "expires_at", expires, "user_agent",
	                 s->user_agent[0] ? json_string(s->user_agent) : json_null(), "current",
	                 (int)s->current);
}
