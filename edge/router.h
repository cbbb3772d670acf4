/*
 * router.h - the static route table: method + path pattern -> handler, with
 * what each route needs before its handler runs (authentication, a body).
 *
 * A pattern is a path whose segments are literals or a whole-segment
 * parameter "{name}": "/v1/templates/{id}/image". A request path matches when
 * it has the same number of segments, every literal is equal byte for byte,
 * and every parameter segment is non-empty; parameter values are
 * percent-decoded (and refused if they decode to '/' or NUL). The first
 * route whose method and pattern match wins. A path that matches some
 * pattern but not with this method is "method not allowed", and the router
 * lists the methods that would match (for the Allow header). HEAD matches a
 * GET route. Pure: no I/O, unit tested in tests/router_test.c.
 */
#ifndef INKWELL_EDGE_ROUTER_H
#define INKWELL_EDGE_ROUTER_H

#include <stddef.h>

#define EDGE_MAX_PARAMS     4
#define EDGE_PARAM_NAME_MAX 32
#define EDGE_PARAM_MAX      128 /* decoded value, with its NUL */

typedef struct edge_req edge_req; /* http.h */

/* A handler answers one request: it must send exactly one response with an
 * edge_send_* function (http.h); if it sends none the dispatcher answers 500. */
typedef void (*edge_handler)(edge_req *req);

typedef enum edge_auth {
	EDGE_AUTH_NONE = 0, /* anyone; any Authorization header is ignored */
	EDGE_AUTH_OPTIONAL, /* anyone; a token, if sent, must be valid (else 401) */
	EDGE_AUTH_REQUIRED, /* a valid bearer token or 401 */
	/* As REQUIRED, but the edge asks nobody first (issue 16): the token's
	 * hash rides in the Caller of the handler's user-svc calls and user-svc
	 * resolves it inside the method, answering UNAUTHENTICATED (401) for a
	 * token that names no live session. For routes whose handlers call only
	 * user-svc and never read req->caller_* themselves. */
	EDGE_AUTH_REQUIRED_IN_CALL,
} edge_auth;

typedef enum edge_body {
	EDGE_BODY_NONE = 0, /* the body, if any, is not read */
	EDGE_BODY_JSON,     /* application/json (else 415), <= EDGE_MAX_JSON_BYTES (else 413) */
	EDGE_BODY_IMAGE,    /* image/png, image/jpeg or multipart/form-data (else 415),
	                     * <= EDGE_MAX_UPLOAD_BYTES; the handler picks the part */
} edge_body;

typedef struct edge_route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/v1/templates/{id}" */
	edge_handler handler;
	edge_auth auth;
	edge_body body;
} edge_route;

/* Path parameters of a matched request, in pattern order. */
typedef struct edge_params {
	size_t n;
	struct {
		char name[EDGE_PARAM_NAME_MAX];
		char value[EDGE_PARAM_MAX];
	} p[EDGE_MAX_PARAMS];
} edge_params;

typedef enum edge_match {
	EDGE_MATCH_OK = 0,
	EDGE_MATCH_NOT_FOUND,  /* no pattern matches the path: 404 */
	EDGE_MATCH_BAD_METHOD, /* a pattern matches, not with this method: 405 */
} edge_match;

/* edge_router_match finds the route for method + path (path without the
 * query string) in routes[0..n).
 * EDGE_MATCH_OK: *route is the route and *params its parameters.
 * EDGE_MATCH_BAD_METHOD: allow holds the allowed methods, "GET, HEAD, DELETE"
 * (truncated to allow_len, always NUL-terminated); *route is NULL.
 * EDGE_MATCH_NOT_FOUND: *route is NULL.
 * Never allocates. */
edge_match edge_router_match(const edge_route *routes, size_t n, const char *method,
                             const char *path, const edge_route **route, edge_params *params,
                             char *allow, size_t allow_len);

/* edge_param returns the value of parameter `name`, or NULL when the route
 * has none by that name. Valid as long as params. */
const char *edge_param(const edge_params *params, const char *name);

#endif /* INKWELL_EDGE_ROUTER_H */
