/*
 * main.c - user-svc: configuration, the RPC server, shutdown, and the
 * one-shot admin commands (`user-svc grant-admin NAME`). What it serves
 * (the method table, each worker's state) is in methods.c.
 *
 * user-svc owns accounts, sessions and private libraries in the users
 * Redis, and calls template-svc to convert and publish.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts.h"
#include "erase.h"
#include "forward.h"
#include "library.h"
#include "manage.h"
#include "password.h"
#include "sessions.h"

#include "config.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "service.h"
#include "svc.h"

static ink_err usvc_config_load(usvc_config *cfg)
{
	ink_err err;

	cfg->listen = ink_cfg_str("USER_SVC_LISTEN", "tcp://127.0.0.1:8083");
	cfg->redis_addr = ink_cfg_str("USERS_REDIS_ADDR", "127.0.0.1:8084");
	cfg->template_addr = ink_cfg_str("TEMPLATE_SVC_ADDR", "tcp://127.0.0.1:8082");
	/* Many workers are cheap: those waiting for a hashing slot sleep, and
	 * the rest keep answering health and library calls. */
	err = ink_cfg_int("USER_SVC_WORKERS", 32, 4, 1024, &cfg->workers);
	if (err == INK_OK)
		err = ink_cfg_int("PWHASH_CONCURRENCY", sysconf(_SC_NPROCESSORS_ONLN), 1, 256,
		                  &cfg->pwhash_concurrency);
	if (err == INK_OK)
		err = ink_cfg_int("REDIS_TIMEOUT_MS", 1000, 10, 60000, &cfg->redis_timeout_ms);
	if (err == INK_OK)
		err = ink_cfg_int("RPC_TIMEOUT_MS", 5000, 10, 600000, &cfg->rpc_timeout_ms);
	if (err == INK_OK)
		err = ink_cfg_int("HEALTH_TIMEOUT_MS", 1000, 10, 60000, &cfg->health_timeout_ms);
	if (err == INK_OK)
		err = ink_cfg_int("IMG_MAX_BYTES", 20 << 20, 1024, 1 << 30, &cfg->max_image_bytes);
	if (err == INK_OK)
		err = ink_cfg_int("SESSION_TTL_SECONDS", 7 * 24 * 3600, 1, 365LL * 24 * 3600,
		                  &cfg->session_ttl_s);
	if (err == INK_OK)
		err = ink_cfg_int("TEMPLATE_QUOTA", 1000, 1, 1000000, &cfg->quota);
	if (err == INK_OK)
		err = ink_cfg_int("USERNAME_HOLD_SECONDS", 30 * 24 * 3600, 0, 365LL * 24 * 3600,
		                  &cfg->username_hold_s);
	if (err == INK_OK)
		err = ink_cfg_int("ERASE_RETRY_SECONDS", 60, 1, 24 * 3600, &cfg->erase_retry_s);
	if (err == INK_OK)
		err = ink_replica_wait_config(&cfg->wait);
	return err;
}

static int usvc_grant_admin_main(usvc_app *app, const char *username)
{
	ink_redis *r = NULL;
	char why[256] = "";
	ink_err err = ink_redis_open(app->cfg.redis_addr, (int)app->cfg.redis_timeout_ms, &r);

	if (err == INK_OK)
		err = usvc_grant_admin(r, username, why, sizeof(why));
	ink_redis_close(r);
	if (err != INK_OK) {
		fprintf(stderr, "user-svc grant-admin: %s\n", why[0] ? why : ink_strerror(err));
		return err == INK_NOT_FOUND ? 2 : 1;
	}
	printf("%s is now an admin\n", username);
	return 0;
}

static int usvc_serve(usvc_app *app)
{
	ink_rpc_server *server = NULL;
	/* Replies from template-svc carry converted PNGs: allow the upload size. */
	size_t msg_max = (size_t)app->cfg.max_image_bytes + (1 << 20);
	ink_err err =
	    ink_rpc_client_open("template-svc", app->cfg.template_addr, msg_max, &app->templates);

	if (err != INK_OK)
		return 1;
	/* Four workers always stay free of sign-ins: see password.h. */
	err = usvc_password_init((int)app->cfg.pwhash_concurrency, (int)app->cfg.workers - 4,
	                         &app->cfg.password);
	if (err != INK_OK) {
		ink_log_error("cannot initialise password hashing: %s", ink_strerror(err));
		ink_rpc_client_close(app->templates);
		return 1;
	}
	ink_rpc_server_config rpc = {
	    .service = USVC_NAME,
	    .listen = app->cfg.listen,
	    .workers = (int)app->cfg.workers,
	    .recv_max = msg_max,
	    .methods = usvc_methods,
	    .app = app,
	    .worker_init = usvc_worker_init,
	    .worker_fini = usvc_worker_fini,
	    .identify = usvc_identify,
	};
	ink_metrics_http *metrics = NULL;
	err = ink_metrics_http_start(ink_cfg_str("METRICS_LISTEN", "127.0.0.1:8093"), &metrics);
	if (err == INK_OK)
		err = ink_rpc_server_start(&rpc, &server);
	if (err != INK_OK) {
		ink_log_error("cannot start: %s", ink_strerror(err));
		ink_metrics_http_stop(metrics);
		usvc_password_fini(app->cfg.password);
		ink_rpc_client_close(app->templates);
		return 1;
	}
	usvc_sweeper *sweeper = NULL;
	if (usvc_sweeper_start(app, &sweeper) != INK_OK)
		ink_log_error("erasure sweeper not started: interrupted erasures wait for a retry");
	int sig = ink_service_wait_signal();
	ink_log_info("signal %d: stopping", sig);
	usvc_sweeper_stop(sweeper);
	ink_rpc_server_stop(server);
	ink_metrics_http_stop(metrics);
	usvc_password_fini(app->cfg.password);
	ink_rpc_client_close(app->templates);
	return 0;
}

int main(int argc, char **argv)
{
	usvc_app app;

	memset(&app, 0, sizeof(app));
	ink_log_init(USVC_NAME);
	if (ink_metrics_init(USVC_NAME) != INK_OK)
		return 1;
	if (ink_service_block_signals() != INK_OK || usvc_config_load(&app.cfg) != INK_OK)
		return 1;
	if (sodium_init() < 0) {
		ink_log_error("libsodium cannot initialise");
		return 1;
	}
	if (argc == 1)
		return usvc_serve(&app);
	if (argc == 3 && strcmp(argv[1], "grant-admin") == 0)
		return usvc_grant_admin_main(&app, argv[2]);
	fprintf(stderr, "usage: user-svc                 serve (configured by environment)\n"
	                "       user-svc grant-admin NAME make an existing user an admin\n");
	return 1;
}
