/*
 * dispatch.h - civetweb's callbacks: where every request enters the edge
 * and where civetweb's own errors are turned into problem+json.
 */
#ifndef INKWELL_EDGE_DISPATCH_H
#define INKWELL_EDGE_DISPATCH_H

#include <civetweb.h>

#include "http.h"

/* edge_dispatch_callbacks fills cb (zeroed first) with the edge's callbacks:
 * begin_request (route, authenticate, read the body, run the handler,
 * access log), http_error (civetweb's own errors as problem+json) and
 * log_message (civetweb's messages as JSON log lines). mg_start's user_data
 * must be the edge_app (http.h). Never fails. */
void edge_dispatch_callbacks(struct mg_callbacks *cb);

/* edge_server_start starts civetweb for app (listening on cfg->listen, with
 * cfg's threads and timeouts, keep-alive on) with the callbacks above. app
 * must outlive the server. Returns the context (stop with mg_stop), or NULL
 * when civetweb cannot start, e.g. the address is in use (logged). Call
 * mg_init_library first. */
struct mg_context *edge_server_start(const edge_app *app);

/* edge_server_port returns the first listening port of ctx (useful with
 * port 0 in tests), or -1. */
int edge_server_port(const struct mg_context *ctx);

#endif /* INKWELL_EDGE_DISPATCH_H */
