/*
 * http.c - the request and response halves of the handler API (see http.h):
 * request id, headers, query, body reading, and writing every response.
 *
 * Responses are written by hand (status line + headers + body) rather than
 * with civetweb's mg_response_header_* calls: those refuse to run once
 * anything was written, and "Expect: 100-continue" needs an interim
 * "100 Continue" before the body is read. Head and a small body go out in
 * one mg_write, so Nagle never delays a reply.
 */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "clock.h"
#include "log.h"
#include "status.h"

#define HTTP_HEAD_MAX  4096
#define HTTP_ONE_WRITE 16384 /* bodies up to this go out with the head */
#define HTTP_CONTINUE  "HTTP/1.1 100 Continue\r\n\r\n"
/* A 429 from the edge is a quota (RESOURCE_EXHAUSTED from a service; nginx
 * owns the rate limits): an hour is only a hint, since waiting frees nothing. */
#define HTTP_QUOTA_RETRY_AFTER "3600"
#define HTTP_QUOTA_NOTE        "this limit does not free itself over time"
/* Compact, in insertion order; reals (latencies) with 10 significant digits
 * instead of 17, so 0.05 is not written 0.050000000000000003. */
#define HTTP_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

void edge_req_begin(edge_req *req, struct mg_connection *conn, const edge_app *app)
{
	memset(req, 0, sizeof(*req));
	req->conn = conn;
	req->app = app;
	req->ri = mg_get_request_info(conn);
	req->start_ms = ink_mono_ms();
	req->method = req->ri->request_method ? req->ri->request_method : "";
	req->path = req->ri->local_uri ? req->ri->local_uri : "/";
	req->query = req->ri->query_string;
	req->is_head = strcmp(req->method, "HEAD") == 0;
	req->content_type = mg_get_header(conn, "Content-Type");
	inkwell__rpc__v1__caller__init(&req->caller);
	edge_trace_begin(&req->trace, mg_get_header(conn, "traceparent"),
	                 mg_get_header(conn, "tracestate"));
	/* Without an X-Request-Id the trace id is the request id: one id to
	 * grep for. */
	const char *rid = mg_get_header(conn, "X-Request-Id");
	if (!edge_reqid_valid(rid))
		rid = req->trace.trace_id;
	memcpy(req->request_id, rid, strlen(rid) + 1);
	ink_log_set_request_id(req->request_id);
}

int edge_req_end(edge_req *req)
{
	if (req->status == 0) {
		ink_log_error("handler for %s %s sent no response", req->method, req->path);
		edge_send_problem(req, 500, NULL, "the server failed to answer");
	}
	double ms = ink_mono_ms() - req->start_ms;
	ink_log_info("access method=%s path=%s status=%d ms=%.3f", req->method, req->path,
	             req->status, ms);
	edge_observe_request(req->route ? req->route->pattern : NULL, req->method, req->status, ms);
	free(req->body);
	req->body = NULL;
	ink_log_set_request_id(NULL);
	ink_log_set_trace(NULL, NULL, 0);
	return req->status;
}

const char *edge_header(const edge_req *req, const char *name)
{
	return mg_get_header(req->conn, name);
}

int edge_query(const edge_req *req, const char *name, char *out, size_t out_len)
{
	if (out_len == 0)
		return -2;
	out[0] = '\0';
	if (req->query == NULL)
		return -1;
	int n = mg_get_var(req->query, strlen(req->query), name, out, out_len);
	if (n == -1)
		return -1;
	if (n < 0 || (size_t)n != strlen(out)) { /* too long, or a %00 inside */
		out[0] = '\0';
		return -2;
	}
	return n;
}

const char *edge_path_param(const edge_req *req, const char *name)
{
	return edge_param(&req->params, name);
}

int edge_media_type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* ---- body ------------------------------------------------------------ */

static int http_mg_read(void *src, void *buf, size_t len)
{
	return mg_read((struct mg_connection *)src, buf, len);
}

/* http_body_accepts checks the Content-Type for kind; on refusal sends 415. */
static int http_body_accepts(edge_req *req, edge_body kind)
{
	const char *ct = req->content_type;

	if (kind == EDGE_BODY_JSON && edge_media_type_is(ct, "application/json"))
		return 1;
	if (kind == EDGE_BODY_IMAGE &&
	    (edge_media_type_is(ct, "image/png") || edge_media_type_is(ct, "image/jpeg") ||
	     edge_media_type_is(ct, "multipart/form-data")))
		return 1;
	const char *want = kind == EDGE_BODY_JSON ? "application/json"
	                                          : "image/png, image/jpeg or multipart/form-data";
	char detail[160];
	snprintf(detail, sizeof(detail), "the body must be %s", want);
	edge_send_problem(req, 415, NULL, detail);
	return 0;
}

/* http_send_too_large answers 413 and closes the connection afterwards: the
 * rest of an oversized body is not worth reading. */
static void http_send_too_large(edge_req *req, size_t limit)
{
	char detail[96];

	snprintf(detail, sizeof(detail), "the body is larger than %zu bytes", limit);
	req->close_after = 1;
	edge_send_problem(req, 413, NULL, detail);
}

int edge_req_read_body(edge_req *req)
{
	edge_body kind = req->route ? req->route->body : EDGE_BODY_NONE;
	const edge_config *cfg = req->app->cfg;

	if (kind == EDGE_BODY_NONE)
		return 0;
	if (!http_body_accepts(req, kind))
		return -1;
	size_t limit = (size_t)(kind == EDGE_BODY_JSON ? cfg->max_json : cfg->max_upload);
	long long declared = req->ri->content_length;
	if (edge_body_too_large(declared, limit)) {
		http_send_too_large(req, limit);
		return -1;
	}
	const char *expect = mg_get_header(req->conn, "Expect");
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0) {
		if (mg_write(req->conn, HTTP_CONTINUE, strlen(HTTP_CONTINUE)) <= 0) {
			req->status = 499; /* nothing more can be sent */
			return -1;
		}
	}
	edge_body_rc rc =
	    edge_body_read(http_mg_read, req->conn, declared, limit, &req->body, &req->body_len);
	switch (rc) {
	case EDGE_BODY_READ_OK:
		return 0;
	case EDGE_BODY_READ_TOO_LARGE:
		http_send_too_large(req, limit);
		return -1;
	case EDGE_BODY_READ_IO:
		req->close_after = 1;
		edge_send_problem(req, 400, NULL, "the body could not be read completely");
		return -1;
	case EDGE_BODY_READ_NOMEM:
		edge_send_problem(req, 500, NULL, "out of memory");
		return -1;
	}
	return -1;
}

/* ---- response -------------------------------------------------------- */

static int http_header_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n > 0 && n < max && strpbrk(s, "\r\n") == NULL;
}

int edge_add_header(edge_req *req, const char *name, const char *value)
{
	if (req->n_headers == EDGE_MAX_EXTRA_HEADERS ||
	    !http_header_ok(name, EDGE_HEADER_NAME_MAX) || strlen(value) >= EDGE_HEADER_VALUE_MAX ||
	    strpbrk(value, "\r\n") != NULL) {
		ink_log_error("response header %s dropped", name);
		return -1;
	}
	size_t i = req->n_headers++;
	memcpy(req->headers[i].name, name, strlen(name) + 1);
	memcpy(req->headers[i].value, value, strlen(value) + 1);
	return 0;
}

/* http_appendf appends to buf[*used..size); -1 when it does not fit. */
static int http_appendf(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int http_appendf(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

/* http_keep_alive mirrors civetweb's should_keep_alive (1.15): the client's
 * Connection header decides, else HTTP/1.1 means keep-alive. */
static int http_keep_alive(struct mg_connection *conn, const struct mg_request_info *ri)
{
	const char *c = mg_get_header(conn, "Connection");

	if (c != NULL)
		return strcasestr(c, "keep-alive") != NULL;
	return ri != NULL && ri->http_version != NULL && strcmp(ri->http_version, "1.1") == 0;
}

/* One response head; `extra` may be NULL. */
typedef struct http_head {
	int status;
	const char *request_id;
	const edge_trace *trace;  /* NULL: no traceparent header */
	const char *content_type; /* NULL: none */
	size_t len;
	int keep_alive;
	int chunked; /* a streamed body: Transfer-Encoding instead of Content-Length */
	const edge_req *extra;
} http_head;

static int http_format_head(const http_head *h, char *buf, size_t size, size_t *used)
{
	int rc = 0;
	int has_cache = 0;

	*used = 0;
	rc |= http_appendf(
	    buf, size, used,
	    "HTTP/1.1 %d %s\r\nX-Request-Id: %s\r\nX-Content-Type-Options: nosniff\r\n", h->status,
	    edge_status_title(h->status), h->request_id);
	if (h->trace != NULL)
		rc |= http_appendf(buf, size, used, "traceparent: %s\r\n", h->trace->traceparent);
	if (h->trace != NULL && h->trace->tracestate[0] != '\0')
		rc |= http_appendf(buf, size, used, "tracestate: %s\r\n", h->trace->tracestate);
	for (size_t i = 0; h->extra != NULL && i < h->extra->n_headers; i++) {
		const char *name = h->extra->headers[i].name;
		has_cache |= strcasecmp(name, "Cache-Control") == 0;
		rc |= http_appendf(buf, size, used, "%s: %s\r\n", name, h->extra->headers[i].value);
	}
	if (!has_cache)
		rc |= http_appendf(buf, size, used, "Cache-Control: no-store\r\n");
	if (h->content_type != NULL)
		rc |= http_appendf(buf, size, used, "Content-Type: %s\r\n", h->content_type);
	if (h->chunked)
		rc |= http_appendf(buf, size, used, "Transfer-Encoding: chunked\r\n");
	else if (h->status >= 200 && h->status != 204 && h->status != 304)
		rc |= http_appendf(buf, size, used, "Content-Length: %zu\r\n", h->len);
	rc |= http_appendf(buf, size, used, "Connection: %s\r\n\r\n",
	                   h->keep_alive ? "keep-alive" : "close");
	return rc;
}

/* http_write_placed sends head + body in one write when the body already
 * sits at buf + HTTP_HEAD_MAX (h->len bytes; with_body 0: the head alone):
 * the head is formatted into the room before it and moved up against it.
 * 0 or -1 (client gone). */
static int http_write_placed(struct mg_connection *conn, const http_head *h, char *buf,
                             int with_body)
{
	size_t used;

	if (http_format_head(h, buf, HTTP_HEAD_MAX, &used) != 0)
		return -1;
	char *start = buf + HTTP_HEAD_MAX - used;
	memmove(start, buf, used);
	size_t n = used + (with_body ? h->len : 0);
	return mg_write(conn, start, n) == (int)n ? 0 : -1;
}

/* http_write_via sends head + body (body NULL: none) through buf
 * (HTTP_HEAD_MAX + HTTP_ONE_WRITE bytes); 0 or -1 (client gone). */
static int http_write_via(struct mg_connection *conn, const http_head *h, const void *body,
                          char *buf)
{
	size_t len = body != NULL ? h->len : 0;

	if (len <= HTTP_ONE_WRITE) {
		if (len > 0)
			memcpy(buf + HTTP_HEAD_MAX, body, len);
		return http_write_placed(conn, h, buf, body != NULL);
	}
	size_t used;
	if (http_format_head(h, buf, HTTP_HEAD_MAX, &used) != 0 ||
	    mg_write(conn, buf, used) != (int)used || mg_write(conn, body, len) != (int)len)
		return -1;
	return 0;
}

/* http_write is http_write_via with a buffer of its own. */
static int http_write(struct mg_connection *conn, const http_head *h, const void *body)
{
	char buf[HTTP_HEAD_MAX + HTTP_ONE_WRITE];

	return http_write_via(conn, h, body, buf);
}

/* http_answer_head claims req's one response (0), or refuses a second
 * (-1, logged), and fills *h for it. */
static int http_answer_head(edge_req *req, int status, const char *content_type, size_t len,
                            http_head *h)
{
	if (req->status != 0) {
		ink_log_error("second response (%d) for %s %s ignored", status, req->method,
		              req->path);
		return -1;
	}
	req->status = status;
	*h = (http_head){
	    .status = status,
	    .request_id = req->request_id,
	    .trace = &req->trace,
	    .content_type = content_type,
	    .len = len,
	    .keep_alive = !req->close_after && http_keep_alive(req->conn, req->ri),
	    .extra = req,
	};
	return 0;
}

void edge_send(edge_req *req, int status, const char *content_type, const void *body, size_t len)
{
	http_head h;

	if (http_answer_head(req, status, content_type, len, &h) != 0)
		return;
	if (http_write(req->conn, &h, req->is_head ? NULL : body) != 0)
		ink_log_warn("response %d to %s %s not delivered", status, req->method, req->path);
}

int edge_send_stream_begin(edge_req *req, int status, const char *content_type)
{
	if (req->status != 0) {
		ink_log_error("second response (%d) for %s %s ignored", status, req->method,
		              req->path);
		return -1;
	}
	req->status = status;
	/* HTTP/1.0 has no chunks: the body then ends when the connection does. */
	req->stream_chunked =
	    req->ri->http_version != NULL && strcmp(req->ri->http_version, "1.1") == 0;
	if (!req->stream_chunked)
		req->close_after = 1;
	http_head h = {
	    .status = status,
	    .request_id = req->request_id,
	    .trace = &req->trace,
	    .content_type = content_type,
	    .keep_alive = !req->close_after && http_keep_alive(req->conn, req->ri),
	    .chunked = req->stream_chunked,
	    .extra = req,
	};
	char buf[HTTP_HEAD_MAX];
	size_t used;
	if (http_format_head(&h, buf, sizeof(buf), &used) != 0 ||
	    mg_write(req->conn, buf, used) != (int)used) {
		ink_log_warn("response %d to %s %s not delivered", status, req->method, req->path);
		return -1;
	}
	return 0;
}

char *edge_json_encode(const json_t *body, size_t *len)
{
	char *text = json_dumps(body, HTTP_JSON_FLAGS);

	if (text != NULL)
		*len = strlen(text);
	return text;
}

/* http_send_json encodes body (taken) and sends it as req's answer; -1
 * when it cannot be encoded (nothing sent). Most bodies (a library page of
 * 20 is ~5 KB) are encoded straight into the buffer they are sent from,
 * after room for the head: json_dumps grows a heap string by doubling and
 * copies it, a dozen allocations per answer (issue 16). civetweb's threads
 * have 100 KB stacks, so this is the one buffer of its size on the way out,
 * and the caller's problem answer (a second) runs after it is gone. */
__attribute__((noinline)) static int http_send_json(edge_req *req, int status,
                                                    const char *content_type, json_t *body)
{
	char buf[HTTP_HEAD_MAX + HTTP_ONE_WRITE];
	size_t len = body != NULL
	                 ? json_dumpb(body, buf + HTTP_HEAD_MAX, HTTP_ONE_WRITE, HTTP_JSON_FLAGS)
	                 : 0;
	char *text = NULL;
	http_head h;

	if (len > HTTP_ONE_WRITE && (text = edge_json_encode(body, &len)) == NULL)
		len = 0;
	json_decref(body);
	if (len == 0) /* json_dumpb's failure, or no body: never valid JSON */
		return -1;
	if (http_answer_head(req, status, content_type, len, &h) == 0 &&
	    (text != NULL ? http_write_via(req->conn, &h, req->is_head ? NULL : text, buf)
	                  : http_write_placed(req->conn, &h, buf, !req->is_head)) != 0)
		ink_log_warn("response %d to %s %s not delivered", status, req->method, req->path);
	free(text);
	return 0;
}

void edge_send_json_ct(edge_req *req, int status, const char *content_type, json_t *body)
{
	if (http_send_json(req, status, content_type, body) != 0)
		edge_send_problem(req, 500, NULL, "the response could not be encoded");
}

void edge_send_json(edge_req *req, int status, json_t *body)
{
	edge_send_json_ct(req, status, "application/json", body);
}

void edge_send_empty(edge_req *req, int status)
{
	edge_send(req, status, NULL, NULL, 0);
}

/* http_shareable tells whether a shared cache may keep this error answer for
 * other clients: a public read (GET or HEAD of a route that needs no token)
 * sent without a token, or of a route that ignores tokens (EDGE_AUTH_NONE:
 * the public gallery, issue 16), answered with an error status that is
 * cacheable by default (RFC 9111 section 4.2.2). nginx caches gallery 404s,
 * so such bodies must hold nothing of this one request. */
static int http_shareable(const edge_req *req, int status)
{
	int cacheable =
	    status == 404 || status == 405 || status == 410 || status == 414 || status == 501;

	return cacheable && req->route != NULL && req->route->auth != EDGE_AUTH_REQUIRED &&
	       req->route->auth != EDGE_AUTH_REQUIRED_IN_CALL &&
	       (strcmp(req->method, "GET") == 0 || req->is_head) &&
	       (req->route->auth == EDGE_AUTH_NONE || edge_header(req, "Authorization") == NULL);
}

/* http_has_header tells whether the response already has header `name`. */
static int http_has_header(const edge_req *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return 1;
	}
	return 0;
}

/* http_quota_problem makes a 429 say when to try again (Retry-After, unless
 * the handler set one) and, in q->detail (written into buf), that the limit
 * does not free itself. */
static void http_quota_problem(edge_req *req, edge_problem *q, char *buf, size_t len)
{
	if (!http_has_header(req, "Retry-After") &&
	    edge_add_header(req, "Retry-After", HTTP_QUOTA_RETRY_AFTER) != 0)
		ink_log_error("Retry-After not added");
	if (q->detail != NULL && strstr(q->detail, HTTP_QUOTA_NOTE) != NULL)
		return;
	if (q->detail != NULL && q->detail[0] != '\0')
		snprintf(buf, len, "%s (%s)", q->detail, HTTP_QUOTA_NOTE);
	else
		snprintf(buf, len, "a limit of this account is reached; %s", HTTP_QUOTA_NOTE);
	q->detail = buf;
}

void edge_send_problem_full(edge_req *req, const edge_problem *p)
{
	static const char fallback[] = "{\"type\":\"about:blank\",\"status\":500}";
	edge_problem q = *p;
	char detail[512];

	if (q.status == 429)
		http_quota_problem(req, &q, detail, sizeof(detail));
	json_t *body = edge_problem_json(&q, req->path,
	                                 http_shareable(req, q.status) ? NULL : req->request_id);
	size_t len = 0;
	char *text = body ? edge_json_encode(body, &len) : NULL;
	json_decref(body);
	if (text == NULL) {
		edge_send(req, 500, EDGE_PROBLEM_CT, fallback, strlen(fallback));
		return;
	}
	edge_send(req, q.status, EDGE_PROBLEM_CT, text, len);
	free(text);
}

void edge_send_problem(edge_req *req, int status, const char *title, const char *detail)
{
	edge_problem p = {.status = status, .title = title, .detail = detail};
	edge_send_problem_full(req, &p);
}

void edge_send_validation(edge_req *req, json_t *errors)
{
	edge_problem p = {
	    .status = 400,
	    .slug = "validation",
	    .title = "Invalid request",
	    .detail = "one or more fields are invalid",
	    .errors = errors,
	};
	edge_send_problem_full(req, &p);
	json_decref(errors);
}

void edge_write_raw_problem(struct mg_connection *conn, int status, const char *detail)
{
	char rid[EDGE_REQID_MAX + 1];
	const char *have = ink_log_request_id();
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *path = ri != NULL && ri->local_uri != NULL ? ri->local_uri : NULL;

	if (edge_reqid_valid(have))
		memcpy(rid, have, strlen(have) + 1);
	else
		edge_reqid_pick(mg_get_header(conn, "X-Request-Id"), rid, sizeof(rid));
	edge_problem p = {.status = status, .detail = detail};
	json_t *body = edge_problem_json(&p, path, rid);
	char *text = body ? json_dumps(body, HTTP_JSON_FLAGS) : NULL;
	json_decref(body);
	http_head h = {
	    .status = status,
	    .request_id = rid,
	    .content_type = text ? EDGE_PROBLEM_CT : NULL,
	    .len = text ? strlen(text) : 0,
	    .keep_alive = 0,
	};
	if (http_write(conn, &h, text) != 0)
		ink_log_warn("error %d not delivered", status);
	ink_log_info("access method=%s path=%s status=%d ms=0",
	             ri && ri->request_method ? ri->request_method : "-", path ? path : "-",
	             status);
	edge_observe_request(NULL, ri && ri->request_method ? ri->request_method : "", status, 0);
	free(text);
}

void edge_http_header_too_large(edge_req *req)
{
	edge_send_problem(req, 431, NULL,
	                  "a request header is longer than 8 KiB, or all of them than 32 KiB");
}
