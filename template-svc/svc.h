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
#include "rpc_server.h"

#define TSVC_NAME "template-svc"

typedef struct tsvc_config {
	const char *listen;
	const char *redis_addr;
	int64_t workers;
	int64_t redis_timeout_ms;
	int64_t max_image_bytes;
} tsvc_config;

typedef struct tsvc_worker {
	ink_redis *redis; /* public DB; this worker's alone */
} tsvc_worker;

/* tsvc_health answers inkwell.health.v1.Health/Check: itself + public Redis. */
ink_err tsvc_health(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_TEMPLATE_SVC_H */
