/*
 * dispatch.c - one request from civetweb to a handler (see dispatch.h and
 * the lifecycle drawn in http.h).
 *
 * begin_request handles every request itself (the edge serves no files), so
 * civetweb's own request handling never runs. What civetweb rejects before
 * that (bad request line, headers too large, timeouts, HTTP/2 preface) goes
 * through http_error, which answers problem+json instead of its text page.
 */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "http.h"
#include "log.h"
#include "routes.h"

/* dispatch_route matches the request; on 404/405 it answers and returns -1. */
static int dispatch_route(edge_req *req)
{
	char allow[128];
	char detail[200];

	edge_match m = edge_router_match(edge_routes, edge_routes_len, req->method, req->path,
	                                 &req->route, &req->params, allow, sizeof(allow));
	switch (m) {
	case EDGE_MATCH_OK:
		return 0;
	case EDGE_MATCH_BAD_METHOD:
		if (edge_add_header(req, "Allow", allow) != 0)
			ink_log_error("Allow header not added");
		snprintf(detail, sizeof(detail), "%s is not allowed here; allowed: %s", req->method,
		         allow);
		edge_send_problem(req, 405, NULL, detail);
		return -1;
	case EDGE_MATCH_NOT_FOUND:
		break;
	}
	edge_send_problem(req, 404, NULL, "no such resource");
	return -1;
}

static int dispatch_begin_request(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	edge_req req;

	edge_req_begin(&req, conn, ri->user_data);
	if (dispatch_route(&req) == 0 && edge_authenticate(&req) == 0 &&
	    edge_req_read_body(&req) == 0)
		req.route->handler(&req);
	return edge_req_end(&req);
}

static int dispatch_http_error(struct mg_connection *conn, int status, const char *errmsg)
{
	edge_write_raw_problem(conn, status, errmsg);
	return 0; /* handled: civetweb sends nothing more */
}

static int dispatch_log_message(const struct mg_connection *conn, const char *message)
{
	ink_log_warn("civetweb: %s", message);
	return 1; /* logged: civetweb does not print it */
}

void edge_dispatch_callbacks(struct mg_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->begin_request = dispatch_begin_request;
	cb->http_error = dispatch_http_error;
	cb->log_message = dispatch_log_message;
}
