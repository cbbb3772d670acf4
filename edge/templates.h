/*
 * templates.h - the private library routes (/v1/templates...). Every route
 * acts for the authenticated caller; user-svc makes other users' templates
 * NOT_FOUND, so they are 404 here too, never 403.
 */
#ifndef INKWELL_EDGE_TEMPLATES_H
#define INKWELL_EDGE_TEMPLATES_H

#include "http.h"

/* POST /v1/templates?title=&detail=&line_width= with a raw image/png or
 * image/jpeg body, or multipart/form-data field "image" -> 201 + Location. */
void edge_tpl_create(edge_req *req);
void edge_tpl_list(edge_req *req);    /* GET /v1/templates?limit=&cursor= */
void edge_tpl_get(edge_req *req);     /* GET /v1/templates/{id} */
void edge_tpl_image(edge_req *req);   /* GET /v1/templates/{id}/image */
void edge_tpl_rename(edge_req *req);  /* PATCH /v1/templates/{id} {"title"} */
void edge_tpl_delete(edge_req *req);  /* DELETE /v1/templates/{id} -> 204 */
void edge_tpl_publish(edge_req *req); /* POST /v1/templates/{id}/publish -> 201 / 200 */

/* edge_query_int reads query parameter `name` as a whole number in
 * [min, max] into *out (def when absent). Returns 0, or -1 after adding an
 * {"field","message"} entry to errors. Shared by the paging routes. */
int edge_query_int(const edge_req *req, const char *name, int def, int min, int max, int *out,
                   json_t *errors);

/* edge_query_text reads a query parameter of at most max_chars UTF-8
 * characters without control characters into out (def when absent).
 * Returns 0, or -1 after adding an entry to errors. */
int edge_query_text(const edge_req *req, const char *name, const char *def, size_t max_chars,
                    char *out, size_t out_len, json_t *errors);

/* edge_rule_title: the schema rule for titles (1-100 characters). */
const char *edge_rule_title(const char *s);

#endif /* INKWELL_EDGE_TEMPLATES_H */
