/*
 * svc.h - template-svc's shared state: the settings read once at start
 * (read-only afterwards, so workers share them freely) and each worker's
 * own connection to the public Redis.
 */
#ifndef INKWELL_TEMPLATE_SVC_H
#define INKWELL_TEMPLATE_SVC_H

#include <stdint.h>

#include "err.h"
#include "redis.h"
#include "replica_wait.h"
#include "slots.h"
#include "rpc_server.h"

#define TSVC_NAME "template-svc"

typedef struct tsvc_config {
	const char *listen;
	const char *redis_addr;
	int64_t workers;
	int64_t redis_timeout_ms;
	int64_t max_image_bytes;     /* IMG_MAX_BYTES: largest upload or published PNG */
	int64_t max_image_side;      /* IMG_MAX_SIDE: largest width or height of an upload */
	int64_t max_image_pixels;    /* IMG_MAX_PIXELS: largest width * height of an upload */
	int64_t convert_concurrency; /* CONVERT_CONCURRENCY: conversions at once */
	/* Conversions run through this gate (common/slots.h): one per core,
	 * so health checks and gallery reads always find a free worker. */
	ink_slots *convert_gate;
	ink_replica_cfg wait; /* REDIS_WAIT_*: replicas an acknowledged write needs */
} tsvc_config;

typedef struct tsvc_worker {
	ink_redis *redis; /* public DB; this worker's alone. First: common/worker.h */
} tsvc_worker;

/* tsvc_methods: every method template-svc serves, {NULL, NULL}-terminated
 * (methods.c). The server's app pointer must be a tsvc_config. */
extern const ink_rpc_method tsvc_methods[];

/* tsvc_worker_init connects nothing yet: it makes a worker's public Redis
 * handle for app (a tsvc_config). INK_INVALID_ARGUMENT for a malformed
 * PUBLIC_REDIS_ADDR, INK_RESOURCE_EXHAUSTED; on INK_OK *state is freed by
 * tsvc_worker_fini. */
INK_WUR ink_err tsvc_worker_init(void *app, void **state);
void tsvc_worker_fini(void *app, void *state);

/* tsvc_health answers inkwell.health.v1.Health/Check: itself + public Redis. */
INK_WUR ink_err tsvc_health(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_TEMPLATE_SVC_H */
