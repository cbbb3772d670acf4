/*
 * library_routes.h - the private library routes (/v1/templates...). Every route
 * acts for the authenticated caller; user-svc makes other users' templates
 * NOT_FOUND, so they are 404 here too, never 403.
 */
#ifndef INKWELL_EDGE_LIBRARY_ROUTES_H
#define INKWELL_EDGE_LIBRARY_ROUTES_H

#include "http.h"
#include "user.pb-c.h"

/* POST /v1/templates?title=&detail=&line_width= with a raw image/png or
 * image/jpeg body, or multipart/form-data field "image" -> 201 + Location. */
void edge_lib_create(edge_req *req);
void edge_lib_list(edge_req *req);    /* GET /v1/templates?limit=&cursor= */
void edge_lib_get(edge_req *req);     /* GET /v1/templates/{id} */
void edge_lib_image(edge_req *req);   /* GET /v1/templates/{id}/image */
void edge_lib_svg(edge_req *req);     /* GET /v1/templates/{id}/image.svg */
void edge_lib_regions(edge_req *req); /* GET /v1/templates/{id}/regions.png (issue 19) */
void edge_lib_pdf(edge_req *req);     /* GET /v1/templates/{id}/page.pdf?paper= */
void edge_lib_rename(edge_req *req);  /* PATCH /v1/templates/{id} {"title"} */
void edge_lib_delete(edge_req *req);  /* DELETE /v1/templates/{id} -> 204 */
void edge_lib_publish(edge_req *req); /* POST /v1/templates/{id}/publish -> 201 / 200 */

/* Longest Idempotency-Key accepted, plus the NUL. */
#define EDGE_IDEM_KEY_MAX (128 + 1)

/* edge_idem_key copies the request's Idempotency-Key header into out ("" when
 * there is none): the IETF httpapi draft's sf-string ("..."), or the same
 * characters bare. Returns 0, or -1 after sending 400 for a malformed key.
 * Routes that create things pass it to user-svc, which keeps the first
 * result of each key for 24 h. Shared with the gallery and account routes. */
INK_WUR int edge_idem_key(edge_req *req, char out[EDGE_IDEM_KEY_MAX]);

/* edge_lib_send sends template t as JSON with `status`, adding Location
 * for 201. Shared with the gallery's save route. */
void edge_lib_send(edge_req *req, const Inkwell__User__V1__Template *t, int status);

#endif /* INKWELL_EDGE_LIBRARY_ROUTES_H */
