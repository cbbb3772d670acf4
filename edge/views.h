/*
 * views.h - how Inkwell's objects look in the public JSON API (docs/API.md):
 * protobuf messages from the services in, jansson objects out. One place,
 * so a user, a template or a gallery item looks the same on every route.
 *
 * Every function returns a new json_t the caller owns (json_decref), or
 * NULL when out of memory.
 */
#ifndef INKWELL_EDGE_VIEWS_H
#define INKWELL_EDGE_VIEWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "template.pb-c.h"
#include "user.pb-c.h"

/* edge_view_time formats unix milliseconds as RFC 3339 UTC with
 * milliseconds ("2026-11-25T06:30:00.123Z") into out (>= 25 bytes). */
void edge_view_time(int64_t unix_ms, char *out, size_t out_len);

/* edge_view_user: {id, username, role, email?, created_at}; never any
 * password material. with_email: 0 for the registration answer. */
json_t *edge_view_user(const Inkwell__User__V1__User *u, int with_email);

/* edge_view_template: {id, title, width, height, detail, line_width,
 * created_at, image_url, gallery_id|null}. */
json_t *edge_view_template(const Inkwell__User__V1__Template *t);

/* edge_view_gallery_item: {gallery_id, title, width, height, publisher,
 * published_at, image_url}. */
json_t *edge_view_gallery_item(const Inkwell__Template__V1__GalleryItem *g);

/* edge_view_report: {report_id, gallery_id, reason, reporter, created_at,
 * status}. */
json_t *edge_view_report(const Inkwell__Template__V1__Report *r);

/* edge_view_session: {id, created_at, last_used_at, expires_at,
 * user_agent|null, current} (issue 18); never any token material. */
json_t *edge_view_session(const Inkwell__User__V1__Session *s);

/* edge_view_append appends item (owned) to the array items and returns
 * items; when item is NULL (a failed view) or out of memory it frees both
 * and returns NULL, so a list route answers 500, never a page with an item
 * silently missing. NULL items is passed through (item is freed). */
json_t *edge_view_append(json_t *items, json_t *item);

/* edge_view_page wraps items (owned, a JSON array) as {"items": items,
 * "next_cursor": cursor or null when cursor is ""}. Takes ownership of
 * items also on failure. */
json_t *edge_view_page(json_t *items, const char *cursor);

#endif /* INKWELL_EDGE_VIEWS_H */
