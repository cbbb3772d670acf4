/*
 * rpc_server.c - REP side of the RPC envelope (see rpc_server.h).
 *
 * Worker lifecycle (one thread each, one nng_ctx each):
 *
 *   init state --> idle [recv] --msg--> busy: dispatch --> [send] --+
 *                    ^                                                |
 *                    +---- not stopping <-----------------------------+
 *                    |                                     stopping: exit
 *        stop: aio stopped (ECANCELED) --> fini state, exit
 *
 * Stopping (ink_rpc_server_stop) never closes the socket under a worker:
 * idle workers have their receive cancelled (nng_aio_stop), busy ones finish
 * the call, send the reply and then see `stopping`. Only when every worker
 * has exited is the socket closed: closing it under an in-flight send makes
 * nng 1.5.2 abort on a destroyed mutex.
 *
 * recv is synchronous on the worker's own thread (aio + wait), never in an
 * nng callback: handlers block on Redis and CPU work. A reply's send has an
 * aio of its own and is not waited for at once: the worker posts its next
 * receive straight away and waits for that send only before its next one,
 * or before it exits (so the socket is still never closed under a send).
 * Every worker's replies share the peer's one pipe, so a send often queues
 * behind another's, and waiting there cost the worker a wake-up per call.
 */
#include "rpc_server.h"
#include "rpc_batch.h"
#include "rpc_envelope.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "content_rules.h"
#include "ink_assert.h"
#include "log.h"
#include "metrics.h"
#include "trace.h"

static const ink_metric_family rpc_server_requests = {
    .name = "inkwell_rpc_server_requests_total",
    .help = "RPC requests served, by method and code.",
    .type = INK_METRIC_COUNTER,
    .nlabels = 2,
    .labels = {"method", "code"},
};

static const ink_metric_family rpc_server_seconds = {
    .name = "inkwell_rpc_server_request_duration_seconds",
    .help = "Time spent serving an RPC request (lookup, deadline check, handler), by method.",
    .type = INK_METRIC_HISTOGRAM,
    .nlabels = 1,
    .labels = {"method"},
    .nbounds = 14,
    .bounds = ink_metrics_latency_bounds,
};

typedef struct rpc_worker {
	ink_rpc_server *server;
	pthread_t thread;
	nng_ctx ctx;
	nng_aio *aio;  /* receives */
	nng_aio *saio; /* sends; in flight while `sending` */
	int sending;   /* a send was posted on saio and not waited for yet */
	void *state;
	ink_err init_err;
	int started;
	atomic_int busy; /* between a received request and its reply */
} rpc_worker;

struct ink_rpc_server {
	const ink_rpc_server_config *cfg;
	nng_socket sock;
	rpc_worker *workers;
	int nworkers;
	/* Workers report their worker_init result before serving. */
	pthread_mutex_t lock;
	pthread_cond_t ready_cv;
	int ready;
	/* `stopping` and each worker's `busy` are sequentially consistent
	 * atomics, not fields under `lock`: every request touches them twice,
	 * and one mutex shared by all workers was measurable contention. A
	 * worker stores busy=0 then loads stopping; the stopper stores
	 * stopping=1 then loads busy: at least one sees the other's store, so
	 * an idle worker is either told to exit or has its receive stopped. */
	atomic_int stopping;
};

ink_err ink_rpc_reply(ink_rpc_ctx *ctx, const ProtobufCMessage *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(n ? n : 1);

	if (buf == NULL)
		return ink_rpc_fail(ctx, INK_INTERNAL, "out of memory");
	free(ctx->out.data);
	ctx->out.len = protobuf_c_message_pack(msg, buf);
	ctx->out.data = buf;
	return INK_OK;
}

void ink_rpc_reply_raw(ink_rpc_ctx *ctx, ProtobufCBinaryData body)
{
	free(ctx->out.data);
	ctx->out = body;
}

ink_err ink_rpc_fail(ink_rpc_ctx *ctx, ink_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
	va_end(ap);
	return code;
}

ink_err ink_rpc_fail_db(ink_rpc_ctx *ctx, ink_err err, const char *db, const char *why)
{
	return ink_rpc_fail(
	    ctx, err == INK_UNAVAILABLE || err == INK_DEADLINE_EXCEEDED ? err : INK_INTERNAL,
	    "%s: %s", db, why);
}

int64_t ink_rpc_remaining_ms(const ink_rpc_ctx *ctx, int64_t fallback)
{
	if (ctx->deadline_unix_ms == 0)
		return fallback;
	int64_t left = ctx->deadline_unix_ms - ink_now_unix_ms();
	return left > 1 ? left : 1;
}

static const ink_rpc_method *rpc_lookup(const ink_rpc_method *m, const char *name)
{
	for (; m->name != NULL; m++) {
		if (strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

static const Inkwell__Rpc__V1__Caller rpc_anonymous = INKWELL__RPC__V1__CALLER__INIT;

/* rpc_trace_begin makes this call a child span of the caller's: the same
 * trace (a new one when the caller sent none or a malformed one), a fresh
 * span id. The parent goes into the log once, on the call's last line. */
static void rpc_trace_begin(const Inkwell__Rpc__V1__Request *req, const char **parent)
{
	char trace_id[INK_TRACE_ID_LEN + 1];
	char span_id[INK_SPAN_ID_LEN + 1];
	unsigned flags = req->trace_flags & 0xffu;

	*parent = "";
	if (ink_trace_id_ok(req->trace_id, INK_TRACE_ID_LEN)) {
		snprintf(trace_id, sizeof(trace_id), "%s", req->trace_id);
		if (ink_trace_id_ok(req->parent_span_id, INK_SPAN_ID_LEN))
			*parent = req->parent_span_id;
	} else {
		ink_trace_new_id(trace_id, sizeof(trace_id), INK_TRACE_ID_LEN);
		flags = 0;
	}
	ink_trace_new_id(span_id, sizeof(span_id), INK_SPAN_ID_LEN);
	ink_log_set_trace(trace_id, span_id, flags);
}

/* rpc_token_hash_ok: 64 lowercase hex digits, as the edge sends them. */
static int rpc_token_hash_ok(const char *h)
{
	size_t n = 0;

	for (; (h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f'); n++) {
	}
	return n == 64 && h[n] == '\0';
}

/* rpc_run checks the deadline, resolves a token_hash caller (issue 16) and
 * runs the method; the code of whichever stopped the call. */
static ink_err rpc_run(const ink_rpc_server_config *cfg, const ink_rpc_method *m,
                       const Inkwell__Rpc__V1__Request *req, ink_rpc_ctx *ctx)
{
	if (req->deadline_unix_ms != 0 && req->deadline_unix_ms <= ink_now_unix_ms())
		return ink_rpc_fail(ctx, INK_DEADLINE_EXCEEDED, "deadline passed before %s ran",
		                    req->method);
	const char *hash = req->caller ? req->caller->token_hash : "";
	const char *user = req->caller ? req->caller->token_user : "";
	if (user == NULL)
		user = "";
	if (hash != NULL && hash[0] != '\0') {
		/* The token's user only names the keys to look in; anything but an
		 * id (or none, for an older token) is refused before it gets there. */
		if (cfg->identify == NULL || !rpc_token_hash_ok(hash) ||
		    (user[0] != '\0' && !ink_id_ok(user)))
			return ink_rpc_fail(ctx, INK_UNAUTHENTICATED, "the token is not valid");
		if ((m->flags & INK_RPC_IDENTIFY_IN_METHOD) && user[0] != '\0') {
			ctx->token_hash = hash;
			ctx->token_user = user;
			ctx->caller = &rpc_anonymous; /* until the handler resolves it */
			return m->handler(ctx, req->body.data, req->body.len);
		}
		ink_err err = cfg->identify(ctx, hash, user, &ctx->who);
		if (err != INK_OK)
			return err;
		ctx->caller = &ctx->who.caller;
	}
	return m->handler(ctx, req->body.data, req->body.len);
}

ink_err ink_rpc_dispatch(const ink_rpc_server_config *cfg, void *worker, const uint8_t *req_buf,
                         size_t req_len, uint8_t **resp, size_t *resp_len)
{
	ProtobufCBinaryData none = {0, NULL};
	Inkwell__Rpc__V1__Request *req = inkwell__rpc__v1__request__unpack(NULL, req_len, req_buf);

	if (req == NULL) {
		ink_log_warn("rpc: request of %zu bytes does not parse", req_len);
		return ink_rpc_response_pack(
		    INK_INVALID_ARGUMENT, "request envelope does not parse", none, resp, resp_len);
	}
	ink_err err = ink_rpc_dispatch_request(cfg, worker, req, resp, resp_len);
	inkwell__rpc__v1__request__free_unpacked(req, NULL);
	return err;
}

ink_err ink_rpc_dispatch_request(const ink_rpc_server_config *cfg, void *worker,
                                 const Inkwell__Rpc__V1__Request *req, uint8_t **resp,
                                 size_t *resp_len)
{
	ink_rpc_ctx ctx = {0};
	ink_err code;
	int batch = strcmp(req->method, INK_RPC_BATCH_METHOD) == 0;
	const char *parent = "";
	ink_log_set_request_id(req->request_id);
	rpc_trace_begin(req, &parent);
	ctx.method = req->method;
	ctx.request_id = req->request_id;
	ctx.caller = req->caller ? req->caller : &rpc_anonymous;
	ctx.token_hash = ctx.token_user = "";
	ctx.deadline_unix_ms = req->deadline_unix_ms;
	ctx.worker = worker;
	ctx.app = cfg->app;

	double start = ink_mono_ms();
	const ink_rpc_method *m = batch ? NULL : rpc_lookup(cfg->methods, req->method);
	if (batch)
		code = ink_rpc_batch_serve(cfg, &ctx, req->body.data, req->body.len);
	else if (m == NULL)
		code = ink_rpc_fail(&ctx, INK_UNIMPLEMENTED, "unknown method \"%s\"", req->method);
	else
		code = rpc_run(cfg, m, req, &ctx);
	double took = ink_mono_ms() - start;
	/* Unknown names are not labels: a client could make any number. */
	const char *labels[] = {m != NULL ? m->name
	                        : batch   ? INK_RPC_BATCH_METHOD
	                                  : "unknown",
	                        ink_strerror(code)};
	ink_metrics_add(&rpc_server_requests, labels, 1);
	ink_metrics_observe(&rpc_server_seconds, labels, took / 1000.0);
	ink_log(code == INK_OK || code == INK_NOT_FOUND ? INK_LOG_DEBUG : INK_LOG_INFO,
	        "rpc %s -> %s %.1f ms parent_span=%s%s%s", req->method, ink_strerror(code), took,
	        parent[0] ? parent : "none", ctx.message[0] ? ": " : "", ctx.message);
	ink_err err = ink_rpc_response_pack(code, ctx.message, ctx.out, resp, resp_len);
	free(ctx.out.data);
	ink_log_set_request_id(NULL);
	ink_log_set_trace(NULL, NULL, 0);
	return err;
}

/* rpc_worker_send_wait waits for the worker's last send, if any; a reply the
 * peer went away from is freed (nothing else to do). */
static void rpc_worker_send_wait(rpc_worker *w)
{
	if (!w->sending)
		return;
	nng_aio_wait(w->saio);
	w->sending = 0;
	if (nng_aio_result(w->saio) != 0)
		nng_msg_free(nng_aio_get_msg(w->saio));
}

/* rpc_worker_reply dispatches one request and posts its reply's send. */
static void rpc_worker_reply(rpc_worker *w, nng_msg *msg)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	nng_msg *reply = NULL;
	ink_err err = ink_rpc_dispatch(w->server->cfg, w->state, nng_msg_body(msg),
	                               nng_msg_len(msg), &out, &out_len);

	nng_msg_free(msg);
	if (err != INK_OK)
		return; /* out of memory: the client times out */
	if (nng_msg_alloc(&reply, out_len) != 0) {
		free(out);
		return;
	}
	memcpy(nng_msg_body(reply), out, out_len);
	free(out);
	rpc_worker_send_wait(w); /* one send in flight per context */
	nng_aio_set_msg(w->saio, reply);
	nng_ctx_send(w->ctx, w->saio);
	w->sending = 1;
}

/* rpc_worker_serve_one receives one request, dispatches it, posts the reply.
 * Returns nonzero when the socket is closed and the worker must exit. */
static int rpc_worker_serve_one(rpc_worker *w)
{
	ink_rpc_server *s = w->server;

	atomic_store(&w->busy, 0);
	if (atomic_load(&s->stopping))
		return 1;
	nng_ctx_recv(w->ctx, w->aio);
	nng_aio_wait(w->aio);
	int rv = nng_aio_result(w->aio);
	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
		return 1;
	if (rv != 0)
		return 0;
	atomic_store(&w->busy, 1);
	nng_msg *msg = nng_aio_get_msg(w->aio);
	INK_ASSERT(msg != NULL); /* nng: a receive that succeeded carries its message */
	rpc_worker_reply(w, msg);
	return 0;
}

static void *rpc_worker_main(void *arg)
{
	rpc_worker *w = arg;
	ink_rpc_server *s = w->server;
	ink_err err = INK_OK;

	if (s->cfg->worker_init != NULL)
		err = s->cfg->worker_init(s->cfg->app, &w->state);
	pthread_mutex_lock(&s->lock);
	w->init_err = err;
	s->ready++;
	pthread_cond_broadcast(&s->ready_cv);
	pthread_mutex_unlock(&s->lock);
	if (err != INK_OK)
		return NULL;
	while (!rpc_worker_serve_one(w)) {
	}
	rpc_worker_send_wait(w); /* the socket closes only after every worker exits */
	if (s->cfg->worker_fini != NULL)
		s->cfg->worker_fini(s->cfg->app, w->state);
	return NULL;
}

static void rpc_server_free(ink_rpc_server *s)
{
	atomic_store(&s->stopping, 1);
	for (int i = 0; i < s->nworkers; i++) {
		rpc_worker *w = &s->workers[i];
		/* A busy worker sends its reply, then sees `stopping`. */
		if (!atomic_load(&w->busy) && w->aio != NULL)
			nng_aio_stop(w->aio);
	}
	for (int i = 0; i < s->nworkers; i++) {
		rpc_worker *w = &s->workers[i];
		if (w->started)
			pthread_join(w->thread, NULL);
	}
	nng_close(s->sock);
	for (int i = 0; i < s->nworkers; i++) {
		if (s->workers[i].aio != NULL)
			nng_aio_free(s->workers[i].aio);
		if (s->workers[i].saio != NULL)
			nng_aio_free(s->workers[i].saio);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->ready_cv);
	free(s->workers);
	free(s);
}

/* rpc_server_spawn starts the workers and waits until each has run its
 * worker_init, so a service fails at start, not at its first request. */
static ink_err rpc_server_spawn(ink_rpc_server *s)
{
	ink_err err = INK_OK;

	for (int i = 0; i < s->nworkers; i++) {
		rpc_worker *w = &s->workers[i];
		w->server = s;
		if (nng_ctx_open(&w->ctx, s->sock) != 0 ||
		    nng_aio_alloc(&w->aio, NULL, NULL) != 0 ||
		    nng_aio_alloc(&w->saio, NULL, NULL) != 0)
			return INK_INTERNAL;
		if (pthread_create(&w->thread, NULL, rpc_worker_main, w) != 0)
			return INK_INTERNAL;
		w->started = 1;
	}
	pthread_mutex_lock(&s->lock);
	while (s->ready < s->nworkers)
		pthread_cond_wait(&s->ready_cv, &s->lock);
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < s->nworkers; i++) {
		if (s->workers[i].init_err != INK_OK)
			err = s->workers[i].init_err;
	}
	return err;
}

ink_err ink_rpc_server_start(const ink_rpc_server_config *cfg, ink_rpc_server **out)
{
	if (cfg->workers < 1 || cfg->listen == NULL || cfg->methods == NULL)
		return INK_INVALID_ARGUMENT;
	ink_rpc_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return INK_RESOURCE_EXHAUSTED;
	s->cfg = cfg;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->ready_cv, NULL);
	s->workers = calloc((size_t)cfg->workers, sizeof(*s->workers));
	if (s->workers == NULL) {
		rpc_server_free(s);
		return INK_RESOURCE_EXHAUSTED;
	}
	s->nworkers = cfg->workers;
	int rv = nng_rep0_open(&s->sock);
	if (rv != 0) {
		rpc_server_free(s);
		return INK_INTERNAL;
	}
	if (nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, cfg->recv_max) != 0) {
		rpc_server_free(s);
		return INK_INTERNAL;
	}
	rv = nng_listen(s->sock, cfg->listen, NULL, 0);
	if (rv != 0) {
		ink_log_error("%s: cannot listen on %s: %s", cfg->service, cfg->listen,
		              nng_strerror(rv));
		rpc_server_free(s);
		return INK_UNAVAILABLE;
	}
	ink_err err = rpc_server_spawn(s);
	if (err != INK_OK) {
		rpc_server_free(s);
		return err;
	}
	ink_log_info("%s: serving on %s with %d workers", cfg->service, cfg->listen, cfg->workers);
	*out = s;
	return INK_OK;
}

void ink_rpc_server_stop(ink_rpc_server *s)
{
	if (s == NULL)
		return;
	rpc_server_free(s);
}
