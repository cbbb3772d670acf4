/*
 * rpc_envelope.h - the Request and Response envelopes of proto/rpc.proto:
 * filling a call's Request from the thread's log context (request id,
 * trace), packing a Response, and taking one apart. Used by the client, the
 * server and the batcher (rpc_batch.h) alike.
 */
#ifndef INKWELL_COMMON_RPC_ENVELOPE_H
#define INKWELL_COMMON_RPC_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "rpc.pb-c.h"

/* ink_rpc_body_pack packs a call's body message into out->data, malloc'd:
 * the caller frees it. body NULL is an empty body (out stays {0, NULL}).
 * INK_OK or INK_RESOURCE_EXHAUSTED; *out is set on success only. */
INK_WUR ink_err ink_rpc_body_pack(const ProtobufCMessage *body, ProtobufCBinaryData *out);

/* ink_rpc_request_fill sets *req (already INIT) for one call: method,
 * caller (NULL: anonymous), absolute deadline, body, and this thread's
 * request id and trace. Its strings stay the caller's and the log
 * context's: pack it before either changes. Never fails. */
void ink_rpc_request_fill(Inkwell__Rpc__V1__Request *req, const char *method,
                          const Inkwell__Rpc__V1__Caller *caller, int64_t deadline_unix_ms,
                          const uint8_t *body, size_t body_len);

/* ink_rpc_request_pack encodes one call's Request envelope (method, caller,
 * absolute deadline, body, and this thread's request id and trace) into
 * out->data, malloc'd: the caller frees it. For rpc_batch.c, which sends
 * several in one message. INK_OK or INK_RESOURCE_EXHAUSTED. */
INK_WUR ink_err ink_rpc_request_pack(const char *method, const Inkwell__Rpc__V1__Caller *caller,
                                     int64_t deadline_unix_ms, const uint8_t *body, size_t body_len,
                                     ProtobufCBinaryData *out);

/* ink_rpc_response_take decodes one Response envelope from `peer`: returns
 * its code, with its message in why when not INK_OK; on INK_OK its body (if
 * any) goes to *reply, which the caller then owns (free reply->data). A reply
 * that does not parse is INK_INTERNAL. *reply is left alone on failure. */
ink_err ink_rpc_response_take(const char *peer, const uint8_t *buf, size_t len,
                              ProtobufCBinaryData *reply, char *why, size_t why_len);

/* ink_rpc_response_pack packs a Response envelope (code, message, and body
 * when code is INK_OK) into *out, malloc'd: the caller frees it. INK_OK or
 * INK_RESOURCE_EXHAUSTED; *out is set on success only. */
INK_WUR ink_err ink_rpc_response_pack(ink_err code, const char *message, ProtobufCBinaryData body,
                                      uint8_t **out, size_t *out_len);

#endif
