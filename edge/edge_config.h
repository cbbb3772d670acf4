/*
 * edge_config.h - the edge's settings, read once from the environment at start
 * (12-factor; the README's table lists them). Named edge_config.h so it
 * does not shadow common/config.h. After edge_config_load the
 * struct is read-only and shared by every connection thread.
 */
#ifndef INKWELL_EDGE_EDGE_CONFIG_H
#define INKWELL_EDGE_EDGE_CONFIG_H

#include <stdint.h>

#include "err.h"

typedef struct edge_config {
	const char *listen;            /* EDGE_LISTEN, civetweb listening_ports syntax */
	const char *user_addr;         /* USER_SVC_ADDR, nng address or comma list */
	const char *template_addr;     /* TEMPLATE_SVC_ADDR */
	int64_t threads;               /* EDGE_THREADS: max concurrent connections */
	int64_t max_json;              /* EDGE_MAX_JSON_BYTES */
	int64_t max_upload;            /* EDGE_MAX_UPLOAD_BYTES */
	int64_t rpc_timeout_ms;        /* RPC_TIMEOUT_MS */
	int64_t convert_timeout_ms;    /* CONVERT_TIMEOUT_MS: uploads (image conversion) */
	int64_t health_timeout_ms;     /* HEALTH_TIMEOUT_MS */
	int64_t request_timeout_ms;    /* EDGE_REQUEST_TIMEOUT_MS: civetweb socket I/O */
	int64_t keep_alive_timeout_ms; /* EDGE_KEEPALIVE_TIMEOUT_MS: idle keep-alive */
	int64_t page_cache_slots;      /* EDGE_PAGE_CACHE_SLOTS: kept library pages; 0 off */
	int64_t read_lanes;            /* EDGE_READ_LANES: read batches in flight per service */
} edge_config;

/* edge_config_load fills *out from the environment (defaults in config.c).
 * Returns INK_INVALID_ARGUMENT, having logged which variable is wrong, when a
 * set variable is malformed or out of range; *out is then unspecified. The
 * strings belong to the environment or are literals: never freed. */
INK_WUR ink_err edge_config_load(edge_config *out);

#endif /* INKWELL_EDGE_EDGE_CONFIG_H */
