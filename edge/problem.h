/*
 * problem.h - RFC 9457 problem details: the one shape of every error body the
 * edge sends (Content-Type application/problem+json).
 *
 * Body: {"type", "title", "status", "detail"?, "instance", "request_id",
 * "errors"?}. `type` is a stable URI per kind of problem
 * (EDGE_PROBLEM_BASE + slug, e.g. .../problems/not-found), so clients can
 * switch on it; `title` is the same for every occurrence of a type; `detail`
 * says what went wrong this time; `instance` is the request path; `errors`
 * lists validation failures as {"field", "message"}, all at once.
 * Pure JSON building: no I/O, so it is unit tested on its own.
 */
#ifndef INKWELL_EDGE_PROBLEM_H
#define INKWELL_EDGE_PROBLEM_H

#include <jansson.h>

#include "err.h"

#define EDGE_PROBLEM_BASE "https://inkwell.dev/problems/"
#define EDGE_PROBLEM_CT   "application/problem+json"

/* What to say. Only `status` is required; every pointer is borrowed. */
typedef struct edge_problem {
	int status;         /* HTTP status, 400..599 */
	const char *slug;   /* type = EDGE_PROBLEM_BASE slug; NULL: edge_status_slug(status) */
	const char *title;  /* NULL: the status's reason phrase */
	const char *detail; /* NULL or "": no "detail" member */
	json_t *errors;     /* NULL, or a JSON array of {"field","message"}: copied in */
} edge_problem;

/* edge_problem_json builds the problem body for p, with `instance` (the
 * request path; NULL: omitted) and `request_id` (NULL: omitted). Strings that
 * are not valid UTF-8 (a client's path) are kept with such bytes replaced by
 * '?'. Returns a new reference (caller: json_decref), or NULL when out of
 * memory. */
json_t *edge_problem_json(const edge_problem *p, const char *instance, const char *request_id);

/* edge_problem_add_error appends {"field": field, "message": message} to
 * *errors, creating the array when *errors is NULL (caller then owns it:
 * json_decref). Returns 0, or -1 when out of memory (*errors unchanged if it
 * was NULL, else intact without the entry). */
INK_WUR int edge_problem_add_error(json_t **errors, const char *field, const char *message);

/* edge_problem_string returns json_string(s), or for bytes that are not valid
 * UTF-8 a string with each byte >= 0x80 replaced by '?' (at most 1024 bytes
 * kept). NULL only when out of memory or s is NULL. Caller: json_decref. */
json_t *edge_problem_string(const char *s);

#endif /* INKWELL_EDGE_PROBLEM_H */
