/*
 * dispatch.h - civetweb's callbacks: where every request enters the edge
 * and where civetweb's own errors are turned into problem+json.
 */
#ifndef INKWELL_EDGE_DISPATCH_H
#define INKWELL_EDGE_DISPATCH_H

#include <civetweb.h>

/* edge_dispatch_callbacks fills cb (zeroed first) with the edge's callbacks:
 * begin_request (route, authenticate, read the body, run the handler,
 * access log), http_error (civetweb's own errors as problem+json) and
 * log_message (civetweb's messages as JSON log lines). mg_start's user_data
 * must be the edge_app (http.h). Never fails. */
void edge_dispatch_callbacks(struct mg_callbacks *cb);

#endif /* INKWELL_EDGE_DISPATCH_H */
