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

/* dispatch_route matches the request; on 404/405 it answers and returns -1. */
static int dispatch_route(edge_req *req)
{
	char allow[128];
	char detail[200];

	edge_match m =
	    edge_router_match(req->app->routes, req->app->n_routes, req->method, req->path,
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

struct mg_context *edge_server_start(const edge_app *app)
{
	const edge_config *cfg = app->cfg;
	char threads[24], req_to[24], ka_to[24];
	struct mg_callbacks cb;

	snprintf(threads, sizeof(threads), "%lld", (long long)cfg->threads);
	snprintf(req_to, sizeof(req_to), "%lld", (long long)cfg->request_timeout_ms);
	snprintf(ka_to, sizeof(ka_to), "%lld", (long long)cfg->keep_alive_timeout_ms);
	const char *options[] = {
	    "listening_ports",
	    cfg->listen,
	    "num_threads",
	    threads,
	    "enable_keep_alive",
	    "yes",
	    "keep_alive_timeout_ms",
	    ka_to,
	    "request_timeout_ms",
	    req_to,
	    "tcp_nodelay",
	    "1",
	    /* Path parameters are decoded per segment by the router, so an
	     * encoded '/' inside an id cannot change which route matches. */
	    "decode_url",
	    "no",
	    NULL,
	};
	edge_dispatch_callbacks(&cb);
	/* civetweb's user_data is not const, but nothing writes through it. */
	struct mg_context *ctx = mg_start(&cb, (void *)app, options);
	if (ctx == NULL)
		ink_log_error("cannot start the HTTP server on %s", cfg->listen);
	return ctx;
}

int edge_server_port(const struct mg_context *ctx)
{
	struct mg_server_port ports[4];

	int n = mg_get_server_ports(ctx, 4, ports);
	return n > 0 ? ports[0].port : -1;
}
