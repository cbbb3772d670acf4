/*
 * main.c - template-svc: configuration, the RPC server, shutdown.
 *
 * template-svc stands alone: it needs only its public Redis. It converts
 * images into coloring pages and owns the public gallery. What it serves
 * (the method table, each worker's state) is in methods.c. One one-shot
 * command: `template-svc migrate-keys` (migrate.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "migrate.h"
#include "print.h"
#include "service.h"
#include "svc.h"

static ink_err tsvc_config_load(tsvc_config *cfg)
{
	ink_err err;

	cfg->listen = ink_cfg_str("TEMPLATE_SVC_LISTEN", "tcp://127.0.0.1:8082");
	cfg->redis_addr = ink_cfg_str("PUBLIC_REDIS_ADDR", "127.0.0.1:8085");
	/* Many workers are cheap: those waiting for a conversion slot sleep,
	 * and the rest keep answering health checks and gallery reads. */
	err = ink_cfg_int("TEMPLATE_SVC_WORKERS", 16, 4, 1024, &cfg->workers);
	if (err == INK_OK)
		err = ink_cfg_int("CONVERT_CONCURRENCY", sysconf(_SC_NPROCESSORS_ONLN), 1, 256,
		                  &cfg->convert_concurrency);
	if (err == INK_OK)
		err = ink_cfg_int("REDIS_TIMEOUT_MS", 1000, 10, 60000, &cfg->redis_timeout_ms);
	if (err == INK_OK)
		err = ink_cfg_int("IMG_MAX_BYTES", 20 << 20, 1024, 1 << 30, &cfg->max_image_bytes);
	if (err == INK_OK)
		err = ink_cfg_int("IMG_MAX_SIDE", 16384, 1, 1 << 20, &cfg->max_image_side);
	if (err == INK_OK)
		err = ink_cfg_int("IMG_MAX_PIXELS", 50000000, 1, INT64_C(1) << 40,
		                  &cfg->max_image_pixels);
	if (err == INK_OK)
		err = ink_replica_wait_config(&cfg->wait);
	return err;
}

/* tsvc_migrate_main runs `template-svc migrate-keys` (migrate.h) on
 * PUBLIC_REDIS_ADDR; the exit status says how it went. */
static int tsvc_migrate_main(void)
{
	ink_redis *r = NULL;
	char why[256] = "";
	long moved = 0, kept = 0;
	ink_err err = ink_redis_open(ink_cfg_str("PUBLIC_REDIS_ADDR", "127.0.0.1:8085"), 10000, &r);

	if (err == INK_OK)
		err = tsvc_migrate_keys(r, &moved, &kept, why, sizeof(why));
	ink_redis_close(r);
	if (err != INK_OK) {
		fprintf(stderr, "template-svc migrate-keys: %s (%ld renamed before)\n",
		        why[0] ? why : ink_strerror(err), moved);
		return 1;
	}
	printf("%ld keys renamed, %ld left (their new name exists)\n", moved, kept);
	return 0;
}

int main(int argc, char **argv)
{
	tsvc_config cfg;
	ink_rpc_server *server = NULL;
	ink_metrics_http *metrics = NULL;

	ink_log_init(TSVC_NAME);
	if (ink_metrics_init(TSVC_NAME) != INK_OK)
		return 1;
	if (argc == 2 && strcmp(argv[1], "migrate-keys") == 0)
		return tsvc_migrate_main();
	if (argc != 1) {
		fprintf(stderr, "usage: template-svc [migrate-keys] (configured by environment; "
		                "see README)\n");
		return 1;
	}
	if (ink_service_block_signals() != INK_OK || tsvc_config_load(&cfg) != INK_OK)
		return 1;
	/* Trace and span ids are keyed from libsodium's randombytes. */
	if (sodium_init() < 0) {
		ink_log_error("libsodium cannot initialise");
		return 1;
	}
	/* Two workers always stay free of conversions. */
	if (ink_slots_open((int)cfg.convert_concurrency, (int)cfg.workers - 2, 1000,
	                   &cfg.convert_gate) != INK_OK) {
		ink_log_error("CONVERT_CONCURRENCY must be below TEMPLATE_SVC_WORKERS - 1");
		return 1;
	}
	if (ink_slots_name(cfg.convert_gate, "convert") != INK_OK ||
	    ink_metrics_http_start(ink_cfg_str("METRICS_LISTEN", "127.0.0.1:8092"), &metrics) !=
	        INK_OK) {
		ink_slots_close(cfg.convert_gate);
		return 1;
	}
	ink_rpc_server_config rpc = {
	    .service = TSVC_NAME,
	    .listen = cfg.listen,
	    .workers = (int)cfg.workers,
	    .recv_max = (size_t)cfg.max_image_bytes + (1 << 20),
	    .methods = tsvc_methods,
	    .app = &cfg,
	    .worker_init = tsvc_worker_init,
	    .worker_fini = tsvc_worker_fini,
	};
	ink_err err = ink_rpc_server_start(&rpc, &server);
	if (err != INK_OK) {
		ink_log_error("cannot start: %s", ink_strerror(err));
		ink_metrics_http_stop(metrics);
		ink_slots_close(cfg.convert_gate);
		return 1;
	}
	int sig = ink_service_wait_signal();
	ink_log_info("signal %d: stopping", sig);
	ink_rpc_server_stop(server);
	ink_metrics_http_stop(metrics);
	ink_slots_close(cfg.convert_gate);
	print_fini();
	return 0;
}
