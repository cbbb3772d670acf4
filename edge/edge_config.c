/*
 * edge_config.c - the edge's environment variables, their defaults and ranges
 * (see edge_config.h). A typo must stop the edge at start: ink_cfg_int refuses
 * malformed numbers, and the addresses are checked when the RPC clients open.
 */
#include "edge_config.h"

#include "config.h" /* common/: ink_cfg_* */
#include "log.h"

/* Keep in step with the README's table of variables. */
#define EDGE_DEF_LISTEN        "127.0.0.1:8081"
#define EDGE_DEF_USER_ADDR     "tcp://127.0.0.1:8083"
#define EDGE_DEF_TEMPLATE_ADDR "tcp://127.0.0.1:8082"

ink_err edge_config_load(edge_config *out)
{
	ink_err err = INK_OK;

	out->listen = ink_cfg_str("EDGE_LISTEN", EDGE_DEF_LISTEN);
	out->user_addr = ink_cfg_str("USER_SVC_ADDR", EDGE_DEF_USER_ADDR);
	out->template_addr = ink_cfg_str("TEMPLATE_SVC_ADDR", EDGE_DEF_TEMPLATE_ADDR);
	/* Each check logs its own complaint; report them all, then fail. */
	if (ink_cfg_int("EDGE_THREADS", 128, 1, 4096, &out->threads) != INK_OK)
		err = INK_INVALID_ARGUMENT;
	if (ink_cfg_int("EDGE_MAX_JSON_BYTES", 65536, 2, 16 << 20, &out->max_json) != INK_OK)
		err = INK_INVALID_ARGUMENT;
	if (ink_cfg_int("EDGE_MAX_UPLOAD_BYTES", 20971520, 1, 1 << 30, &out->max_upload) != INK_OK)
		err = INK_INVALID_ARGUMENT;
	if (ink_cfg_int("RPC_TIMEOUT_MS", 5000, 1, 600000, &out->rpc_timeout_ms) != INK_OK)
		err = INK_INVALID_ARGUMENT;
	/* Converting a large photo takes seconds, not milliseconds. */
	if (ink_cfg_int("CONVERT_TIMEOUT_MS", 30000, 1, 600000, &out->convert_timeout_ms) != INK_OK)
		err = INK_INVALID_ARGUMENT;
	if (ink_cfg_int("HEALTH_TIMEOUT_MS", 1000, 1, 60000, &out->health_timeout_ms) != INK_OK)
		err = INK_INVALID_ARGUMENT;
	/* 0 sends every read alone (rpc_batch.h). */
	if (ink_cfg_int("EDGE_READ_LANES", 2, 0, 256, &out->read_lanes) != INK_OK)
		err = INK_INVALID_ARGUMENT;
	if (ink_cfg_int("EDGE_REQUEST_TIMEOUT_MS", 30000, 100, 3600000, &out->request_timeout_ms) !=
	    INK_OK)
		err = INK_INVALID_ARGUMENT;
	/* Above nginx's upstream keepalive_timeout (60 s by default), so nginx
	 * closes an idle connection first and never sends on one we dropped. */
	if (ink_cfg_int("EDGE_KEEPALIVE_TIMEOUT_MS", 75000, 0, 3600000,
	                &out->keep_alive_timeout_ms) != INK_OK)
		err = INK_INVALID_ARGUMENT;
	/* At most 64 KB each (page_cache.h): 1024 slots hold 64 MB at worst,
	 * ~6 MB of 20-template pages. */
	if (ink_cfg_int("EDGE_PAGE_CACHE_SLOTS", 1024, 0, 1 << 20, &out->page_cache_slots) !=
	    INK_OK)
		err = INK_INVALID_ARGUMENT;
	if (out->listen[0] == '\0') {
		ink_log_error("config: EDGE_LISTEN must not be empty");
		err = INK_INVALID_ARGUMENT;
	}
	return err;
}
