/*
 * rpc_envelope.c - the RPC envelope both ways (see rpc_envelope.h): what a
 * client packs and a server answers, in one place, so a Batch
 * (rpc_batch.c), which carries whole envelopes inside one, packs them as a
 * single call would.
 */
#include "rpc_envelope.h"

#include <stdlib.h>

#include "log.h"

ink_err ink_rpc_body_pack(const ProtobufCMessage *body, ProtobufCBinaryData *out)
{
	if (body == NULL) {
		out->data = NULL;
		out->len = 0;
		return INK_OK;
	}
	size_t n = protobuf_c_message_get_packed_size(body);
	uint8_t *buf = malloc(n ? n : 1);
	if (buf == NULL)
		return INK_RESOURCE_EXHAUSTED;
	out->len = protobuf_c_message_pack(body, buf);
	out->data = buf;
	return INK_OK;
}

void ink_rpc_request_fill(Inkwell__Rpc__V1__Request *req, const char *method,
                          const Inkwell__Rpc__V1__Caller *caller, int64_t deadline,
                          const uint8_t *body, size_t body_len)
{
	req->method = (char *)method;
	req->request_id = (char *)ink_log_request_id();
	req->caller = (Inkwell__Rpc__V1__Caller *)caller;
	req->deadline_unix_ms = deadline;
	req->body.data = (uint8_t *)body;
	req->body.len = body_len;
	req->trace_id = (char *)ink_log_trace_id();
	req->parent_span_id = (char *)ink_log_span_id();
	req->trace_flags = ink_log_trace_flags();
}

ink_err ink_rpc_request_pack(const char *method, const Inkwell__Rpc__V1__Caller *caller,
                             int64_t deadline_unix_ms, const uint8_t *body, size_t body_len,
                             ProtobufCBinaryData *out)
{
	Inkwell__Rpc__V1__Request req = INKWELL__RPC__V1__REQUEST__INIT;

	ink_rpc_request_fill(&req, method, caller, deadline_unix_ms, body, body_len);
	size_t len = inkwell__rpc__v1__request__get_packed_size(&req);
	uint8_t *buf = malloc(len ? len : 1);
	if (buf == NULL)
		return INK_RESOURCE_EXHAUSTED;
	out->len = inkwell__rpc__v1__request__pack(&req, buf);
	out->data = buf;
	return INK_OK;
}

ink_err ink_rpc_response_take(const char *peer, const uint8_t *buf, size_t len,
                              ProtobufCBinaryData *reply, char *why, size_t why_len)
{
	Inkwell__Rpc__V1__Response *resp = inkwell__rpc__v1__response__unpack(NULL, len, buf);

	if (resp == NULL) {
		ink_why(why, why_len, "%s sent a reply that does not parse", peer);
		return INK_INTERNAL;
	}
	ink_err err = (ink_err)resp->code;
	if (err != INK_OK) {
		ink_why(why, why_len, "%s", resp->message ? resp->message : "");
	} else if (resp->body.len > 0) {
		/* The body was malloc'd by the unpack (protobuf-c's default
		 * allocator); the caller takes it over instead of a copy. */
		*reply = resp->body;
		resp->body.data = NULL;
		resp->body.len = 0;
	}
	inkwell__rpc__v1__response__free_unpacked(resp, NULL);
	return err;
}

ink_err ink_rpc_response_pack(ink_err code, const char *message, ProtobufCBinaryData body,
                              uint8_t **out, size_t *out_len)
{
	Inkwell__Rpc__V1__Response resp = INKWELL__RPC__V1__RESPONSE__INIT;

	resp.code = (Inkwell__Rpc__V1__Code)code;
	resp.message = (char *)message;
	if (code == INK_OK)
		resp.body = body;
	size_t n = inkwell__rpc__v1__response__get_packed_size(&resp);
	uint8_t *buf = malloc(n ? n : 1);
	if (buf == NULL)
		return INK_RESOURCE_EXHAUSTED;
	*out_len = inkwell__rpc__v1__response__pack(&resp, buf);
	*out = buf;
	return INK_OK;
}
