/*
 * svc.h - user-svc's shared state: settings read once at start (read-only
 * afterwards), the client for template-svc (nng sockets are thread-safe, so
 * one serves every worker) and each worker's own users-Redis connection.
 */
#ifndef INKWELL_USER_SVC_H
#define INKWELL_USER_SVC_H

#include <stdint.h>

#include "err.h"
#include "redis.h"
#include "replica_wait.h"
#include "rpc_client.h"
#include "rpc_server.h"

#define USVC_NAME "user-svc"

/* usvc_db_fail fails the call for a users-Redis error (see ink_rpc_fail_db). */
static inline ink_err usvc_db_fail(ink_rpc_ctx *ctx, ink_err err, const char *why)
{
	return ink_rpc_fail_db(ctx, err, "users database", why);
}

typedef struct usvc_config {
	const char *listen;
	const char *redis_addr;
	const char *template_addr;
	int64_t workers;
	int64_t pwhash_concurrency;
	int64_t redis_timeout_ms;
	int64_t rpc_timeout_ms;
	int64_t health_timeout_ms;
	int64_t max_image_bytes;
	int64_t session_ttl_s;
	int64_t quota;
	int64_t username_hold_s; /* an erased user's name stays taken this long */
	int64_t erase_retry_s;   /* an unfinished erasure is resumed after this */
	ink_replica_cfg wait;    /* REDIS_WAIT_*: replicas an acknowledged write needs */
	/* The argon2id gate (password.h): made by main after the settings,
	 * freed at exit; shared by every worker. */
	struct usvc_password *password;
} usvc_config;

typedef struct usvc_app {
	usvc_config cfg;
	ink_rpc_client *templates; /* template-svc */
} usvc_app;

struct usvc_idem;

typedef struct usvc_worker {
	ink_redis *redis; /* users DB; this worker's alone. First: common/worker.h */
	/* The Idempotency-Key the current call holds (idem.h), or NULL: set by
	 * usvc_idem_begin, cleared when the call finishes or aborts it. */
	struct usvc_idem *idem;
} usvc_worker;

/* usvc_replicated is called right after a write the call will acknowledge:
 * it WAITs for the replicas REDIS_WAIT_REPLICAS asks for, on the worker's
 * handle that wrote (common/replica_wait.h). INK_OK, or the call is failed
 * with DEADLINE_EXCEEDED (the edge answers "outcome unknown", never 2xx)
 * and that code returned. */
static inline ink_err usvc_replicated(ink_rpc_ctx *ctx)
{
	const usvc_app *app = ctx->app;
	usvc_worker *w = ctx->worker;
	char why[256];
	ink_err err = ink_replica_wait(w->redis, &app->cfg.wait, why, sizeof(why));

	return err == INK_OK ? INK_OK : usvc_db_fail(ctx, err, why);
}

/* usvc_methods: every method user-svc serves, {NULL, NULL}-terminated
 * (methods.c). The server's app pointer must be a usvc_app. */
extern const ink_rpc_method usvc_methods[];

/* usvc_worker_init makes a worker's users-Redis handle (connecting nothing
 * yet) for app (a usvc_app). INK_INVALID_ARGUMENT for a malformed
 * USERS_REDIS_ADDR, INK_RESOURCE_EXHAUSTED; on INK_OK *state is freed by
 * usvc_worker_fini. */
INK_WUR ink_err usvc_worker_init(void *app, void **state);
void usvc_worker_fini(void *app, void *state);

/* usvc_health answers Health/Check: itself + users Redis + template-svc's tree. */
INK_WUR ink_err usvc_health(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_USER_SVC_H */
