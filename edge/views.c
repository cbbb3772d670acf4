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
	if (o != NULL && with_email)
		json_object_set_new(o, "email", u->email[0] ? json_string(u->email) : json_null());
	return o;
}

json_t *edge_view_template(const Inkwell__User__V1__Template *t)
{
	char created[40], url[96];

	edge_view_time(t->created_at_unix_ms, created, sizeof(created));
	snprintf(url, sizeof(url), "/v1/templates/%s/image", t->id);
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:o}", "id", t->id, "title",
	                 t->title, "width", (json_int_t)t->width, "height", (json_int_t)t->height,
	                 "detail", (json_int_t)t->detail, "line_width", (json_int_t)t->line_width,
	                 "created_at", created, "image_url", url, "gallery_id",
	                 t->gallery_id[0] ? json_string(t->gallery_id) : json_null());
}
