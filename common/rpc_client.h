/*
 * rpc_client.h - calling another service: one nng REQ socket per peer, shared
 * by every thread of the process, with an nng_ctx per call.
 *
 * A peer address may be a comma-separated list ("tcp://a:7102,tcp://b:7102"):
 * the socket dials all of them and nng spreads requests over the live ones,
 * so a service scales out by running more instances. A DNS name in the list
 * stands for every address it resolves to, re-resolved every
 * RPC_RESOLVE_INTERVAL_MS (rpc_resolve.h). Dials happen in the
 * background and are retried forever; a call made while no connection is up
 * fails at once with INK_UNAVAILABLE instead of waiting out its deadline.
 *
 * Retries: a read (ink_rpc_idempotent) whose instance dies before answering
 * is resent at once to another live instance (nng REQ's resend, timed past
 * the call's deadline so a slow peer never gets two copies). A write is never
 * resent by the transport: when its connection is lost after sending, the
 * call fails INK_DEADLINE_EXCEEDED, outcome unknown; the client repeats it
 * with its Idempotency-Key if it wants.
 */
#ifndef INKWELL_COMMON_RPC_CLIENT_H
#define INKWELL_COMMON_RPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "rpc.pb-c.h"
#include "rpc_resolve.h"

typedef struct ink_rpc_client ink_rpc_client;

/* ink_rpc_client_open opens a REQ socket named `peer` (for messages:
 * "template-svc") dialing every address in the comma list `addrs`, accepting
 * replies up to recv_max bytes. Returns INK_INVALID_ARGUMENT for an empty or
 * malformed list or RPC_RESOLVE_INTERVAL_MS, INK_INTERNAL if nng refuses. A
 * name that does not resolve yet is retried, not an error. On success the
 * caller owns *out and frees it with ink_rpc_client_close. */
INK_WUR ink_err ink_rpc_client_open(const char *peer, const char *addrs, size_t recv_max,
                                    ink_rpc_client **out);

/* ink_rpc_client_open_now is ink_rpc_client_open, but dials in the
 * foreground once: a peer that is not listening yet is an error
 * (INK_UNAVAILABLE, the reason in `why`) instead of a retry. For one-shot
 * tools such as the probe, which must tell "cannot connect" from "no answer". */
INK_WUR ink_err ink_rpc_client_open_now(const char *peer, const char *addrs, size_t recv_max,
                                        ink_rpc_client **out, char *why, size_t why_len);

/* ink_rpc_idempotent says whether running `method` ("pkg.Service/Name") twice
 * is harmless, so a call may be resent to another instance: the reads
 * (Get*, List*), the renders (Print*), Check, Authenticate and Convert (a pure
 * function). Every other method is a write. Pure. */
int ink_rpc_idempotent(const char *method);

/* ink_rpc_client_observe counts one call of `method` to c's peer that ended
 * in err and began at start_ms (ink_mono_ms) in the client's metrics, as
 * ink_rpc_call does for its own calls. */
void ink_rpc_client_observe(const ink_rpc_client *c, const char *method, ink_err err,
                            double start_ms);

/* ink_rpc_client_close closes the socket; calls in flight fail. NULL: no-op. */
void ink_rpc_client_close(ink_rpc_client *c);

/* ink_rpc_client_peer returns the peer name given at open. */
const char *ink_rpc_client_peer(const ink_rpc_client *c);

/* ink_rpc_client_addrs copies the literal address of each instance the client
 * dials now (its list with every DNS name expanded; at most max) into urls
 * and returns how many. Health probes each of them on its own. */
size_t ink_rpc_client_addrs(ink_rpc_client *c, char (*urls)[INK_RPC_RESOLVE_URL_MAX], size_t max);

/* ink_rpc_client_connected returns how many connections are up now. */
int ink_rpc_client_connected(const ink_rpc_client *c);

/* ink_rpc_call sends `body` (packed; NULL = empty) to `method` and waits up
 * to timeout_ms. The request id is this thread's (ink_log_request_id);
 * `caller` may be NULL (anonymous).
 *
 * Returns the remote code: INK_OK with the reply body in *reply (caller frees
 * reply->data with free(); may be empty), or the remote's error with its
 * message in `why`. Transport failures: INK_UNAVAILABLE (no connection to the
 * peer, message names it), INK_DEADLINE_EXCEEDED (no reply in time, or a
 * write's instance lost after it was sent: outcome unknown),
 * INK_INTERNAL (reply did not parse). `why` always ends NUL-terminated. */
INK_WUR ink_err ink_rpc_call(ink_rpc_client *c, const char *method,
                             const Inkwell__Rpc__V1__Caller *caller, int64_t timeout_ms,
                             const ProtobufCMessage *body, ProtobufCBinaryData *reply, char *why,
                             size_t why_len);

/* ink_rpc_call_raw is ink_rpc_call with an already packed body (for
 * forwarding a request unchanged). Same contract. */
INK_WUR ink_err ink_rpc_call_raw(ink_rpc_client *c, const char *method,
                                 const Inkwell__Rpc__V1__Caller *caller, int64_t timeout_ms,
                                 const uint8_t *body, size_t body_len, ProtobufCBinaryData *reply,
                                 char *why, size_t why_len);

#endif /* INKWELL_COMMON_RPC_CLIENT_H */
