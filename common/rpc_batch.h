/*
 * rpc_batch.h - many callers' reads to one peer, in one nng round trip
 * (issue 16).
 *
 * Most of a signed-in read's cost is the nng round trip itself: each
 * message crosses several of nng's threads on each side (docs/DESIGN-NOTES.md
 * measures the hand-offs), whatever it carries. So reads that callers make
 * while earlier ones are in flight are combined: the first caller to find a
 * free lane leads, taking every call queued behind it (up to
 * INK_RPC_BATCH_MAX) into one "inkwell.rpc.v1.Rpc/Batch" request; the others
 * sleep until their answer is in. A caller alone never waits for company: it
 * leads a batch of one at once. Under load the round trip is paid once per
 * batch instead of once per read.
 *
 * Each call keeps its own envelope (caller, token, deadline, request id,
 * trace), and the server runs each as if it had come alone, so batching
 * changes no answer: a revoked token in a batch is refused and its
 * neighbours are not. Only reads (ink_rpc_idempotent) may be batched: a
 * batch whose connection dies is resent whole, like any read.
 */
#ifndef INKWELL_COMMON_RPC_BATCH_H
#define INKWELL_COMMON_RPC_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "rpc_client.h"
#include "rpc_envelope.h"
#include "rpc_server.h"

#define INK_RPC_BATCH_METHOD "inkwell.rpc.v1.Rpc/Batch"
#define INK_RPC_BATCH_MAX    32 /* calls in one batch */

typedef struct ink_rpc_batcher ink_rpc_batcher;

/* ink_rpc_batchable tells whether `method` may travel in a Batch: a read
 * (ink_rpc_idempotent) that is not itself a Batch. The one rule both ends
 * apply. Pure. */
int ink_rpc_batchable(const char *method);

/* ink_rpc_batcher_open makes a combiner for reads to c's peer, with at most
 * `lanes` batches in flight at once (>= 1). c stays the caller's and must
 * outlive the batcher. INK_INVALID_ARGUMENT for lanes < 1,
 * INK_RESOURCE_EXHAUSTED; on success the caller owns *out. */
INK_WUR ink_err ink_rpc_batcher_open(ink_rpc_client *c, int lanes, ink_rpc_batcher **out);

/* ink_rpc_batcher_close frees the batcher; no call may be in progress.
 * NULL is a no-op. */
void ink_rpc_batcher_close(ink_rpc_batcher *b);

/* ink_rpc_batcher_queued returns how many calls wait for a lane now: the
 * queue's depth, for tests that must know callers are waiting. */
int ink_rpc_batcher_queued(ink_rpc_batcher *b);

/* ink_rpc_batch_call is ink_rpc_call (same arguments, same contract, same
 * metrics under `method`) for a read, sent in a batch with whatever other
 * reads are waiting. A method that is not a read is INK_INVALID_ARGUMENT and
 * is not sent. Safe from any number of threads. */
INK_WUR ink_err ink_rpc_batch_call(ink_rpc_batcher *b, const char *method,
                                   const Inkwell__Rpc__V1__Caller *caller, int64_t timeout_ms,
                                   const ProtobufCMessage *body, ProtobufCBinaryData *reply,
                                   char *why, size_t why_len);

/* ink_rpc_batch_serve is the server's handler of INK_RPC_BATCH_METHOD,
 * called by ink_rpc_dispatch_request: it runs each call of the Batch in
 * `body` through ink_rpc_dispatch_request on this worker, in order, and
 * replies with the Batch of their Responses (a write or a batch inside gets
 * INVALID_ARGUMENT in its place and is not run). Returns INK_OK after
 * ink_rpc_reply, or the ink_rpc_fail code for a body that does not parse or
 * holds more than INK_RPC_BATCH_MAX calls. */
INK_WUR ink_err ink_rpc_batch_serve(const ink_rpc_server_config *cfg, ink_rpc_ctx *ctx,
                                    const uint8_t *body, size_t len);

#endif
