/*
 * params.h - reading what a route handler is given beyond the path: query
 * parameters and a JSON body, each checked, with every problem reported at
 * once as a 400 {"field","message"} list (the same shape as schema.h's).
 */
#ifndef INKWELL_EDGE_PARAMS_H
#define INKWELL_EDGE_PARAMS_H

#include <jansson.h>
#include <stddef.h>

#include "content_rules.h"
#include "http.h"
#include "schema.h"

/* One cursor rule: what common/content_rules.h encodes, no longer. */
#define EDGE_CURSOR_MAX (INK_CURSOR_MAX - 1)

/* edge_query_int reads query parameter `name` as a whole number in
 * [min, max] into *out (def when absent). Returns 0, or -1 after adding an
 * entry to errors. */
INK_WUR int edge_query_int(const edge_req *req, const char *name, int def, int min, int max,
                           int *out, json_t *errors);

/* edge_query_text reads a query parameter of at most max_chars UTF-8
 * characters without control characters into out (def when absent).
 * Returns 0, or -1 after adding an entry to errors. */
INK_WUR int edge_query_text(const edge_req *req, const char *name, const char *def,
                            size_t max_chars, char *out, size_t out_len, json_t *errors);

/* edge_query_choice reads a query parameter that must be one of choices (NULL-terminated;
 * the first is the default when absent) into out. Returns 0, or -1 after adding an entry
 * naming the choices to errors. */
INK_WUR int edge_query_choice(const edge_req *req, const char *name, const char *const *choices,
                              char *out, size_t out_len, json_t *errors);

/* edge_query_page reads ?limit=1..100 (default 20) and ?cursor= (opaque, at
 * most EDGE_CURSOR_MAX characters; "" when absent) into *limit and cursor
 * (cursor_len > EDGE_CURSOR_MAX * 4). Returns 0, or -1 after sending 400. */
INK_WUR int edge_query_page(edge_req *req, int *limit, char *cursor, size_t cursor_len);

/* edge_query_paper reads ?paper=a4|letter (case-insensitive; absent or
 * empty: a4) into out as "a4" or "letter" (out_len >= 7). Returns 0, or -1
 * after sending 400 (field "paper"). */
INK_WUR int edge_query_paper(edge_req *req, char *out, size_t out_len);

/* edge_json_body validates the request body against schema. Returns the
 * object (caller json_decref's it), or NULL after sending 400 (the errors
 * list) or 500 (out of memory). */
json_t *edge_json_body(edge_req *req, const edge_schema *schema);

/* edge_json_str returns the string member `key` of a validated body, or ""
 * when absent (optional fields). Valid as long as obj. */
const char *edge_json_str(json_t *obj, const char *key);

/* edge_text_ok: 1 when s[0..len) is valid UTF-8 (jansson decides) of at
 * most max_chars characters, none a control character. */
int edge_text_ok(const char *s, size_t len, size_t max_chars);

#endif /* INKWELL_EDGE_PARAMS_H */
