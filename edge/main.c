/*
 * main.c - the edge process: read the configuration, open one RPC client per
 * peer (shared by every connection thread), start civetweb, and stop it
 * cleanly on SIGINT/SIGTERM (exit 0). A bad setting or an address that
 * cannot be used stops the edge at start with exit 1.
 *
 * Signals are blocked before civetweb starts its threads, so every thread
 * inherits the mask and only the main thread, in sigwait, ever sees them:
 * no handler, no flag, no async-signal-safety concerns.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <civetweb.h>
#include <sodium.h>

#include "dispatch.h"
#include "edge_config.h"
#include "http.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "routes.h"
#include "rpc_client.h"

/* Replies carry at most one image plus the envelope. */
#define EDGE_RECV_SLACK (1 << 20)

/* main_close_peers closes what main_open_peers opened (NULLs: no-ops). */
static void main_close_peers(edge_app *app)
{
	ink_rpc_batcher_close(app->template_reads);
	ink_rpc_batcher_close(app->user_reads);
	ink_rpc_client_close(app->templates);
	ink_rpc_client_close(app->users);
	app->template_reads = app->user_reads = NULL;
	app->templates = app->users = NULL;
}

/* main_open_peers opens both RPC clients and, unless EDGE_READ_LANES is 0,
 * their read batchers; 0 or -1 (logged, none left open). */
static int main_open_peers(const edge_config *cfg, edge_app *app)
{
	size_t recv_max = (size_t)cfg->max_upload + EDGE_RECV_SLACK;

	if (ink_rpc_client_open("user-svc", cfg->user_addr, recv_max, &app->users) != INK_OK) {
		ink_log_error("config: USER_SVC_ADDR '%s' is not usable", cfg->user_addr);
		return -1;
	}
	if (ink_rpc_client_open("template-svc", cfg->template_addr, recv_max, &app->templates) !=
	    INK_OK) {
		ink_log_error("config: TEMPLATE_SVC_ADDR '%s' is not usable", cfg->template_addr);
		main_close_peers(app);
		return -1;
	}
	if (cfg->read_lanes > 0 &&
	    (ink_rpc_batcher_open(app->users, (int)cfg->read_lanes, &app->user_reads) != INK_OK ||
	     ink_rpc_batcher_open(app->templates, (int)cfg->read_lanes, &app->template_reads) !=
	         INK_OK)) {
		ink_log_error("no memory for the read batchers");
		main_close_peers(app);
		return -1;
	}
	return 0;
}

int main(void)
{
	edge_config cfg;
	edge_app app = {.cfg = &cfg, .routes = edge_routes, .n_routes = edge_routes_len};
	sigset_t stop;
	int sig = 0;
	ink_metrics_http *metrics = NULL;

	ink_log_init("edge");
	if (ink_metrics_init("edge") != INK_OK)
		return 1;
	if (sodium_init() < 0) {
		ink_log_error("libsodium failed to initialise");
		return 1;
	}
	if (edge_config_load(&cfg) != INK_OK)
		return 1;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || sigemptyset(&stop) != 0 ||
	    sigaddset(&stop, SIGINT) != 0 || sigaddset(&stop, SIGTERM) != 0 ||
	    pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0) {
		ink_log_error("cannot set up signal handling");
		return 1;
	}
	if (cfg.page_cache_slots > 0 &&
	    edge_page_cache_new((size_t)cfg.page_cache_slots, &app.pages) != INK_OK) {
		ink_log_error("no memory for %lld kept pages", (long long)cfg.page_cache_slots);
		return 1;
	}
	if (main_open_peers(&cfg, &app) != 0) {
		edge_page_cache_free(app.pages);
		return 1;
	}
	mg_init_library(0);
	struct mg_context *ctx = NULL;
	if (ink_metrics_http_start(ink_cfg_str("METRICS_LISTEN", "127.0.0.1:8091"), &metrics) ==
	    INK_OK)
		ctx = edge_server_start(&app);
	if (ctx == NULL) {
		ink_metrics_http_stop(metrics);
		mg_exit_library();
		main_close_peers(&app);
		edge_page_cache_free(app.pages);
		return 1;
	}
	ink_log_info("edge listening on %s (user-svc %s, template-svc %s, %lld threads)",
	             cfg.listen, cfg.user_addr, cfg.template_addr, (long long)cfg.threads);
	if (sigwait(&stop, &sig) != 0)
		ink_log_error("sigwait failed; stopping");
	ink_log_info("signal %d: stopping", sig);
	mg_stop(ctx);
	ink_metrics_http_stop(metrics);
	mg_exit_library();
	main_close_peers(&app);
	edge_page_cache_free(app.pages);
	ink_log_info("edge stopped");
	return 0;
}
