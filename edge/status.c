/*
 * status.c - ink_err -> HTTP status, reason phrases and problem slugs (see
 * status.h). Two tables, both read-only; the mapping follows grpc-gateway's
 * runtime/errors.go HTTPStatusFromCode.
 */
#include "status.h"

#include <stddef.h>

int edge_status_from_err(ink_err err)
{
	switch (err) {
	case INK_OK:
		return 200;
	case INK_CANCELLED:
		return 499; /* grpc-gateway: client closed request */
	case INK_INVALID_ARGUMENT:
	case INK_OUT_OF_RANGE:
		return 400;
	case INK_FAILED_PRECONDITION:
		/* Inkwell: the request cannot be done in the state the server is in
		 * (an Idempotency-Key already used for another request): 422, as
		 * the IETF Idempotency-Key draft asks; grpc-gateway says 400. */
		return 422;
	case INK_UNAUTHENTICATED:
		return 401;
	case INK_PERMISSION_DENIED:
		return 403;
	case INK_NOT_FOUND:
		return 404;
	case INK_ALREADY_EXISTS:
	case INK_ABORTED:
		return 409;
	case INK_PAYLOAD_TOO_LARGE:
		return 413;
	case INK_RESOURCE_EXHAUSTED:
		return 429;
	case INK_UNIMPLEMENTED:
		return 501;
	case INK_UNAVAILABLE:
		return 503;
	case INK_DEADLINE_EXCEEDED:
		return 504;
	case INK_UNKNOWN:
	case INK_INTERNAL:
	case INK_DATA_LOSS:
		return 500;
	}
	return 500;
}

typedef struct status_info {
	int status;
	const char *title;
	const char *slug;
} status_info;

static const status_info status_table[] = {
    {200, "OK", "ok"},
    {201, "Created", "created"},
    {204, "No Content", "no-content"},
    {304, "Not Modified", "not-modified"},
    {400, "Bad Request", "bad-request"},
    {401, "Unauthorized", "unauthorized"},
    {403, "Forbidden", "forbidden"},
    {404, "Not Found", "not-found"},
    {405, "Method Not Allowed", "method-not-allowed"},
    {406, "Not Acceptable", "not-acceptable"},
    {408, "Request Timeout", "request-timeout"},
    {409, "Conflict", "conflict"},
    {411, "Length Required", "length-required"},
    {413, "Content Too Large", "payload-too-large"},
    {414, "URI Too Long", "uri-too-long"},
    {415, "Unsupported Media Type", "unsupported-media-type"},
    {417, "Expectation Failed", "expectation-failed"},
    {422, "Unprocessable Content", "unprocessable-content"},
    {429, "Too Many Requests", "too-many-requests"},
    {431, "Request Header Fields Too Large", "headers-too-large"},
    {499, "Client Closed Request", "client-closed-request"},
    {500, "Internal Server Error", "internal"},
    {501, "Not Implemented", "not-implemented"},
    {503, "Service Unavailable", "unavailable"},
    {504, "Gateway Timeout", "timeout"},
    {505, "HTTP Version Not Supported", "http-version"},
};

static const status_info *status_find(int status)
{
	for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++) {
		if (status_table[i].status == status)
			return &status_table[i];
	}
	return NULL;
}

const char *edge_status_title(int status)
{
	const status_info *s = status_find(status);
	return s ? s->title : "Error";
}

const char *edge_status_slug(int status)
{
	const status_info *s = status_find(status);
	return s ? s->slug : "error";
}
