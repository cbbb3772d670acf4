/*
 * http.h - one HTTP request as route handlers see it, and every way to
 * answer it. This is the internal API for the edge's route handlers.
 *
 * Request lifecycle (dispatch.c drives it, one connection thread per request):
 *
 *   begin: request id picked (X-Request-Id or fresh), set as the thread's
 *     |    log/RPC request id, clock started           [edge_req_begin]
 *   route: 404 / 405 + Allow                            [dispatch.c]
 *   auth:  route->auth -> 401 + WWW-Authenticate / 503  [auth.c]
 *   body:  415 for a wrong Content-Type, 413 over the
 *     |    route's limit, read fully into req->body     [edge_req_read_body]
 *   handler: sends exactly one response (edge_send_*)
 *   end:   500 if nothing was sent, access log line,
 *          body freed, request id cleared               [edge_req_end]
 *
 * Every response carries X-Request-Id and X-Content-Type-Options: nosniff;
 * every error is problem+json. A HEAD
 * request runs the GET handler and the send functions drop the body (the
 * Content-Length stays). Handlers never touch the mg_connection directly for
 * writing: the send functions also record the status for the access log.
 */
#ifndef INKWELL_EDGE_HTTP_H
#define INKWELL_EDGE_HTTP_H

#include <stddef.h>
#include <jansson.h>
#include <civetweb.h>

#include "edge_config.h"
#include "err.h"
#include "observe.h"
#include "page_cache.h"
#include "problem.h"
#include "reqid.h"
#include "router.h"
#include "rpc.pb-c.h"
#include "rpc_batch.h"
#include "rpc_client.h"
#include "session_token.h"

#define EDGE_MAX_EXTRA_HEADERS 8
#define EDGE_HEADER_NAME_MAX   40
#define EDGE_HEADER_VALUE_MAX  320
#define EDGE_TOKEN_MAX         256

/* What every request shares, read-only after start (mg_start's user_data);
 * the page cache guards itself. */
typedef struct edge_app {
	const edge_config *cfg;
	edge_page_cache *pages;    /* kept library pages (page_cache.h); NULL: off */
	ink_rpc_client *users;     /* user-svc: accounts, libraries, gallery */
	ink_rpc_client *templates; /* template-svc: health, anonymous gallery reads */
	/* The hot reads to each, combined (rpc_batch.h); NULL: EDGE_READ_LANES=0. */
	ink_rpc_batcher *user_reads;
	ink_rpc_batcher *template_reads;
	const edge_route *routes; /* routes.c's table (tests use their own) */
	size_t n_routes;
} edge_app;

struct edge_req {
	struct mg_connection *conn;
	const struct mg_request_info *ri;
	const edge_app *app;
	const char *method; /* as sent ("HEAD" stays "HEAD") */
	const char *path;   /* percent-encoded path, no query string */
	const char *query;  /* raw query string after '?', NULL when none */
	int is_head;
	char request_id[EDGE_REQID_MAX + 1];
	double start_ms;
	edge_trace trace; /* from traceparent, or a new trace (observe.h) */

	/* Valid from routing on (NULL / empty before and on 404/405). */
	const edge_route *route;
	edge_params params;

	/* Valid in the handler when route->body != EDGE_BODY_NONE: the whole
	 * body, NUL-terminated after body_len bytes, owned by the request. */
	char *body;
	size_t body_len;
	const char *content_type; /* the request's Content-Type header, or NULL */

	/* Valid in the handler when authenticated (route->auth REQUIRED, or
	 * OPTIONAL with a token): the caller as user-svc vouched for it, and
	 * the token itself (for logout). Otherwise caller is anonymous. */
	int authenticated;
	Inkwell__Rpc__V1__Caller caller; /* strings point into caller_* below */
	char token[EDGE_TOKEN_MAX + 1];
	char caller_user_id[64];
	char caller_username[64];
	char caller_role[32];
	/* EDGE_AUTH_*_IN_CALL routes with a token: its hex SHA-256, which
	 * caller.token_hash points to (caller_* stay empty: nobody has vouched
	 * for the token yet; user-svc resolves it inside each call). */
	char token_hash[65];
	char token_user[INK_TOKEN_USER_CHARS + 1]; /* the user id the token names, as written */

	/* Response state: 0 until edge_send_* wrote one. */
	int status;
	int close_after;    /* send "Connection: close" */
	int stream_chunked; /* a streamed response is chunked (edge_send_stream_begin) */
	size_t n_headers;
	struct {
		char name[EDGE_HEADER_NAME_MAX];
		char value[EDGE_HEADER_VALUE_MAX];
	} headers[EDGE_MAX_EXTRA_HEADERS];
};

/* ---- request side ---------------------------------------------------- */

/* edge_req_begin fills *req for the request on conn (zeroing it first),
 * picks its request id and makes it this thread's (ink_log_set_request_id).
 * Never fails. */
void edge_req_begin(edge_req *req, struct mg_connection *conn, const edge_app *app);

/* edge_req_end sends a 500 problem if no response was sent (a handler bug,
 * logged), writes the access log line, frees the body and clears the
 * thread's request id. Returns the status sent, for civetweb. */
int edge_req_end(edge_req *req);

/* edge_req_read_body reads the body for route->body kind: checks the
 * Content-Type (else sends 415), the size limit of the kind (else 413, also
 * when Content-Length alone is too large, before reading), answers
 * "Expect: 100-continue", and stores the body in req->body / body_len.
 * Returns 0 when the handler may run; -1 when a response was already sent
 * (415, 413, 400 for an I/O error, 500 out of memory). */
INK_WUR int edge_req_read_body(edge_req *req);

/* edge_header returns the value of request header `name` (case-insensitive),
 * or NULL. Valid until the request ends. */
const char *edge_header(const edge_req *req, const char *name);

/* edge_query copies the URL-decoded value of query parameter `name` into out
 * (NUL-terminated). Returns its length; -1 when absent; -2 when it does not
 * fit in out_len or out_len is 0 (out is then ""). */
INK_WUR int edge_query(const edge_req *req, const char *name, char *out, size_t out_len);

/* edge_path_param returns the decoded value of path parameter `name` from
 * the route pattern ("{id}"), or NULL when the pattern has none. Valid until
 * the request ends. */
const char *edge_path_param(const edge_req *req, const char *name);

/* edge_media_type_is returns 1 when the Content-Type value ct has media type
 * `type` (case-insensitive, parameters such as "; charset=utf-8" ignored),
 * else 0 (also for a NULL ct). Pure. */
int edge_media_type_is(const char *ct, const char *type);

/* ---- response side: each sends exactly one response ----------------- */

/* edge_add_header adds a response header for the response sent next
 * (Location, ETag, Cache-Control, Retry-After, WWW-Authenticate...).
 * Returns 0; -1 when the name or value is too long, holds CR/LF, or
 * EDGE_MAX_EXTRA_HEADERS are already set (logged; the header is dropped). */
INK_WUR int edge_add_header(edge_req *req, const char *name, const char *value);

/* edge_send writes status, the extra headers, Content-Type (when
 * content_type is non-NULL) and Content-Length, then body[0..len) (not for
 * HEAD). Body is borrowed. A write error (client gone) is logged only: there
 * is nothing left to tell the client. Calling a send function a second
 * time for one request is a bug: logged and ignored. */
void edge_send(edge_req *req, int status, const char *content_type, const void *body, size_t len);

/* edge_send_stream_begin starts a response whose body is streamed (the
 * export ZIP, issue 18): status, the extra headers, Content-Type and
 * Transfer-Encoding: chunked (HTTP/1.1; for HTTP/1.0 no length, and the
 * connection closes after it). Then the body goes out with
 * edge_send_stream_chunk and ends with edge_send_stream_end. Returns 0, or
 * -1 when the client is gone or a response was already sent (logged). */
int edge_send_stream_begin(edge_req *req, int status, const char *content_type);

/* edge_send_stream_chunk writes data[0..len) (borrowed) as body; nothing
 * for HEAD. Returns 0, or -1 when the client is gone. */
int edge_send_stream_chunk(edge_req *req, const void *data, size_t len);

/* edge_send_stream_end ends the body: the last chunk when `complete`, else
 * a deliberately malformed one, so a client or proxy sees a broken
 * transfer rather than a short archive that looks whole. Returns 0, or -1
 * when the client is gone. */
int edge_send_stream_end(edge_req *req, int complete);

/* edge_send_json sends body as compact JSON (application/json). Takes
 * ownership of body (one reference) whatever happens; body NULL (a failed
 * json_pack) sends a 500 problem instead. */
void edge_send_json(edge_req *req, int status, json_t *body);

/* edge_json_encode encodes body (borrowed) as edge_send_json does: a
 * malloc'd, NUL-terminated string (its length in *len), or NULL when it
 * cannot be encoded or memory is out. */
char *edge_json_encode(const json_t *body, size_t *len);

/* edge_send_json_ct is edge_send_json with another Content-Type
 * (application/health+json). Same ownership. */
void edge_send_json_ct(edge_req *req, int status, const char *content_type, json_t *body);

/* edge_send_empty sends a bodiless response (204, 304). */
void edge_send_empty(edge_req *req, int status);

/* edge_send_problem sends an application/problem+json body of the given
 * status (>= 400), title (NULL: the reason phrase) and detail (NULL: none),
 * with instance = path and the request id. The body leaves the request id
 * out (the header still has it) when a shared cache may keep the answer for
 * others: a 404, 405, 410, 414 or 501 to a GET/HEAD of a route that needs no
 * token, sent without one (nginx caches gallery 404s). A 429 (always a quota
 * here: nginx owns the rate limits) gets Retry-After unless one was added,
 * and its detail says that the limit does not free itself over time. */
void edge_send_problem(edge_req *req, int status, const char *title, const char *detail);

/* edge_http_header_too_large answers GET /_problem/431: nginx forwards its own "request
 * header too large" here, because nginx 1.22 knows no reason phrase for 431 and would write a
 * bare "431" status line, while a proxied status line passes through as the edge wrote it. */
void edge_http_header_too_large(edge_req *req);

/* edge_send_problem_full sends p (type slug, errors list...) as
 * edge_send_problem does. p and p->errors are borrowed. */
void edge_send_problem_full(edge_req *req, const edge_problem *p);

/* edge_send_validation sends 400 with type .../problems/validation and the
 * `errors` array of {"field","message"}; takes ownership of errors (may be
 * NULL). For the schema module's output. */
void edge_send_validation(edge_req *req, json_t *errors);

/* edge_send_ink_err maps err through status.h and sends a problem with
 * message as the detail; 401 also gets WWW-Authenticate: Bearer, 503 gets
 * Retry-After: 1. For 5xx codes the detail is generic (message is logged,
 * not shown: it may name internal addresses). err must not be INK_OK (a
 * caller bug: logged, answered 500). */
void edge_send_ink_err(edge_req *req, ink_err err, const char *message);

/* edge_rpc calls `method` on client with body (NULL: empty) as the request's
 * caller (anonymous unless authenticated), the request id and
 * RPC_TIMEOUT_MS. On INK_OK *reply holds the reply body (caller frees
 * reply->data with free(); may be empty) and nothing was sent. On any error
 * a problem response was already sent (edge_send_ink_err with the remote
 * message) and *reply is empty: the handler just returns. */
INK_WUR ink_err edge_rpc(edge_req *req, ink_rpc_client *client, const char *method,
                         const ProtobufCMessage *body, ProtobufCBinaryData *reply);

/* edge_rpc_timeout is edge_rpc with an explicit timeout_ms instead of
 * RPC_TIMEOUT_MS (image conversion: cfg->convert_timeout_ms). Same contract. */
INK_WUR ink_err edge_rpc_timeout(edge_req *req, ink_rpc_client *client, const char *method,
                                 const ProtobufCMessage *body, ProtobufCBinaryData *reply,
                                 int64_t timeout_ms);

/* edge_rpc_msg calls `method` on user-svc (or, for a public gallery read
 * without a token, on template-svc directly: call.c) with timeout_ms (0: RPC_TIMEOUT_MS) and
 * unpacks the reply as reply_type. Returns the message (caller frees it with
 * protobuf_c_message_free_unpacked), or NULL when a problem response was
 * already sent: the call failed (edge_send_ink_err) or its reply did not
 * parse (500). */
ProtobufCMessage *edge_rpc_msg(edge_req *req, const char *method, const ProtobufCMessage *body,
                               const ProtobufCMessageDescriptor *reply_type, int64_t timeout_ms);

/* edge_write_raw_problem answers on a connection that has no edge_req
 * (civetweb's own errors: 400 bad request line, 408, 431...), with a fresh
 * or the thread's request id and "Connection: close". For dispatch.c. */
void edge_write_raw_problem(struct mg_connection *conn, int status, const char *detail);

#endif /* INKWELL_EDGE_HTTP_H */
