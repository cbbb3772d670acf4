/*
 * blobs.h - an item's PNG and SVG, on the item's own Redis Cluster slot
 * (`public:{pid}:png`, `:svg`), apart from its metadata in the `{gallery}`
 * slot (keys.h). Two slots, so the order keeps one invariant (DESIGN-NOTES
 * "Invariants"): an item that exists has its blobs. A publish writes them
 * before the item, a removal queues them (GALLERY_KEY_BLOBS_DOOMED) and they
 * are deleted after the item; blobs a crash orphaned are reaped later.
 */
#ifndef INKWELL_TEMPLATE_SVC_BLOBS_H
#define INKWELL_TEMPLATE_SVC_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rpc_server.h"
#include "template.pb-c.h"

/* A publish's blobs are reaped this long after it began unless its item was
 * made by then (far beyond any call's deadline). */
#define BLOBS_PENDING_MS 600000

/* blobs_write stores item pid's blobs from r (PNG; SVG, plain PNG and SVG,
 * regions PNG when not empty) for a publish
 * about to create it: first pid is queued to be reaped BLOBS_PENDING_MS from
 * now (the publish script takes it out), then the bytes are written and
 * WAITed for the replicas. Returns INK_OK or the code of the failed call
 * (tsvc_db_fail). */
INK_WUR ink_err blobs_write(ink_rpc_ctx *ctx, const char *pid,
                            const Inkwell__Template__V1__PublishRequest *r);

/* blobs_doom queues item pid's blobs to be reaped now (a publish that found
 * its item existing or refused). Best effort: a failure leaves them to the
 * pending reap. */
void blobs_doom(ink_rpc_ctx *ctx, const char *pid);

/* blobs_reap deletes the blobs of queued items whose time has come, a few
 * batches at most, and takes them out of the queue. Called after every
 * script that removes items, so removals never leave bytes behind for long.
 * Best effort (a failure leaves the queue for the next call); never fails the
 * call. */
void blobs_reap(ink_rpc_ctx *ctx);

#endif /* INKWELL_TEMPLATE_SVC_BLOBS_H */
