/*
 * rpc_client.c - REQ side of the RPC envelope (see rpc_client.h).
 *
 * One socket per peer, shared by all threads; each call has a context of its
 * own so concurrent calls never see each other's replies. Contexts (and
 * their aio) are kept in a small free list and reused: opening and closing
 * one per call took the socket's lock twice more per call, and with dozens
 * of caller threads that lock was where the edge waited (issue 16). Pipe events
 * keep a count of live connections, which lets a call to a peer that is
 * down fail at once (UNAVAILABLE, 503) instead of hanging until its
 * deadline (504): health can then say *which* part is down.
 */
#include "rpc_client.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "rpc_envelope.h"
#include "rpc_resolve.h"

/* rpc_slot: one caller's context and aio, owned by the free list while
 * idle and by the one call using it meanwhile. */
typedef struct rpc_slot {
	nng_ctx ctx;
	nng_aio *aio;
	/* The context's NNG_OPT_REQ_RESENDTIME as last set; 0 until then. */
	nng_duration resend;
	struct rpc_slot *next;
} rpc_slot;

struct ink_rpc_client {
	nng_socket sock;
	pthread_mutex_t slots_lock; /* guards idle */
	rpc_slot *idle;
	char peer[48];
	char addrs[512];
	atomic_int pipes;
	ink_rpc_resolver *resolver; /* the dialers; closed before sock */
	/* Background-dialed clients fail at once with no connection up; a
	 * client dialed in the foreground was connected at open. */
	int fail_fast;
};

static const ink_metric_family rpc_client_calls = {
    .name = "inkwell_rpc_client_calls_total",
    .help = "RPC calls made, by peer, method and code (transport failures included).",
    .type = INK_METRIC_COUNTER,
    .nlabels = 3,
    .labels = {"peer", "method", "code"},
};

static const ink_metric_family rpc_client_seconds = {
    .name = "inkwell_rpc_client_call_duration_seconds",
    .help = "Time from sending an RPC to its reply (or failure), by peer and method.",
    .type = INK_METRIC_HISTOGRAM,
    .nlabels = 2,
    .labels = {"peer", "method"},
    .nbounds = 14,
    .bounds = ink_metrics_latency_bounds,
};

static const ink_metric_family rpc_client_connections = {
    .name = "inkwell_rpc_client_connections",
    .help = "Connections up to a peer now (one per live instance dialled).",
    .type = INK_METRIC_GAUGE,
    .nlabels = 1,
    .labels = {"peer"},
};

/* rpc_client_collect reports the connections up to one peer. */
static void rpc_client_collect(void *arg, const ink_metric_family *f, ink_metrics_buf *out)
{
	const ink_rpc_client *c = arg;

	ink_metrics_printf(out, "%s{peer=\"", f->name);
	ink_metrics_label_value(out, c->peer);
	ink_metrics_printf(out, "\"} %d\n", ink_rpc_client_connected(c));
}

static void rpc_client_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	ink_rpc_client *c = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&c->pipes, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&c->pipes, 1);
}

static ink_err rpc_client_open(const char *peer, const char *addrs, size_t recv_max, int flags,
                               int64_t resolve_ms, ink_rpc_client **out, char *why, size_t why_len)
{
	if (addrs == NULL || addrs[0] == '\0' ||
	    strlen(addrs) >= sizeof(((ink_rpc_client *)0)->addrs))
		return INK_INVALID_ARGUMENT;
	ink_rpc_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return INK_RESOURCE_EXHAUSTED;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->addrs, sizeof(c->addrs), "%s", addrs);
	atomic_init(&c->pipes, 0);
	c->fail_fast = (flags & NNG_FLAG_NONBLOCK) != 0;
	if (pthread_mutex_init(&c->slots_lock, NULL) != 0) {
		free(c);
		return INK_RESOURCE_EXHAUSTED;
	}

	int rv = nng_req0_open(&c->sock);
	if (rv != 0) {
		pthread_mutex_destroy(&c->slots_lock);
		free(c);
		return INK_INTERNAL;
	}
	ink_err err = INK_INTERNAL;
	if (nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, recv_max) != 0 ||
	    nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 50) != 0 ||
	    nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 1000) != 0 ||
	    nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, rpc_client_pipe_event, c) != 0 ||
	    nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, rpc_client_pipe_event, c) != 0)
		goto fail;
	err = ink_rpc_resolver_open(c->sock, c->peer, c->addrs, resolve_ms, flags, &c->resolver,
	                            why, why_len);
	if (err != INK_OK)
		goto fail;
	err = ink_metrics_collector_add(&rpc_client_connections, rpc_client_collect, c);
	if (err != INK_OK)
		goto fail;
	*out = c;
	return INK_OK;
fail:
	ink_rpc_resolver_close(c->resolver);
	nng_close(c->sock);
	pthread_mutex_destroy(&c->slots_lock);
	free(c);
	return err;
}

ink_err ink_rpc_client_open(const char *peer, const char *addrs, size_t recv_max,
                            ink_rpc_client **out)
{
	char why[256] = "";
	int64_t resolve_ms = 0;
	ink_err err = ink_cfg_int("RPC_RESOLVE_INTERVAL_MS", 5000, 0, 3600000, &resolve_ms);

	if (err != INK_OK)
		return err;
	err = rpc_client_open(peer, addrs, recv_max, NNG_FLAG_NONBLOCK, resolve_ms, out, why,
	                      sizeof(why));

	if (err != INK_OK)
		ink_log_error("rpc client %s: %s", peer, why[0] ? why : ink_strerror(err));
	return err;
}

ink_err ink_rpc_client_open_now(const char *peer, const char *addrs, size_t recv_max,
                                ink_rpc_client **out, char *why, size_t why_len)
{
	return rpc_client_open(peer, addrs, recv_max, 0, 0, out, why, why_len);
}

/* rpc_slot_free closes a slot's aio (waiting out anything in flight) and
 * context, and frees it. */
static void rpc_slot_free(rpc_slot *sl)
{
	nng_aio_free(sl->aio);
	nng_ctx_close(sl->ctx);
	free(sl);
}

/* rpc_slot_take hands the caller an idle slot, or a new one. INK_OK, or
 * INK_UNAVAILABLE / INK_RESOURCE_EXHAUSTED (message in why). */
static ink_err rpc_slot_take(ink_rpc_client *c, rpc_slot **out, char *why, size_t why_len)
{
	pthread_mutex_lock(&c->slots_lock);
	rpc_slot *sl = c->idle;
	if (sl != NULL)
		c->idle = sl->next;
	pthread_mutex_unlock(&c->slots_lock);
	if (sl != NULL) {
		*out = sl;
		return INK_OK;
	}
	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return INK_RESOURCE_EXHAUSTED;
	int rv = nng_ctx_open(&sl->ctx, c->sock);
	if (rv != 0) {
		free(sl);
		ink_why(why, why_len, "%s: %s", c->peer, nng_strerror(rv));
		return INK_UNAVAILABLE;
	}
	if (nng_aio_alloc(&sl->aio, NULL, NULL) != 0) {
		nng_ctx_close(sl->ctx);
		free(sl);
		return INK_RESOURCE_EXHAUSTED;
	}
	*out = sl;
	return INK_OK;
}

/* rpc_slot_give returns a slot whose last call ended (its state machine is
 * idle again: replied, or reset by a cancelled or failed receive). */
static void rpc_slot_give(ink_rpc_client *c, rpc_slot *sl)
{
	pthread_mutex_lock(&c->slots_lock);
	sl->next = c->idle;
	c->idle = sl;
	pthread_mutex_unlock(&c->slots_lock);
}

void ink_rpc_client_close(ink_rpc_client *c)
{
	if (c == NULL)
		return;
	ink_metrics_collector_remove(&rpc_client_connections, rpc_client_collect, c);
	ink_rpc_resolver_close(c->resolver);
	for (rpc_slot *sl = c->idle, *next; sl != NULL; sl = next) {
		next = sl->next;
		rpc_slot_free(sl);
	}
	nng_close(c->sock);
	pthread_mutex_destroy(&c->slots_lock);
	free(c);
}

const char *ink_rpc_client_peer(const ink_rpc_client *c)
{
	return c->peer;
}

size_t ink_rpc_client_addrs(ink_rpc_client *c, char (*urls)[INK_RPC_RESOLVE_URL_MAX], size_t max)
{
	return ink_rpc_resolver_urls(c->resolver, urls, max);
}

int ink_rpc_client_connected(const ink_rpc_client *c)
{
	return atomic_load(&((ink_rpc_client *)c)->pipes);
}

/* rpc_client_pack builds the envelope message for one call. */
static ink_err rpc_client_pack(const char *method, const Inkwell__Rpc__V1__Caller *caller,
                               int64_t deadline, const uint8_t *body, size_t body_len,
                               nng_msg **out)
{
	Inkwell__Rpc__V1__Request req = INKWELL__RPC__V1__REQUEST__INIT;
	nng_msg *msg = NULL;

	ink_rpc_request_fill(&req, method, caller, deadline, body, body_len);
	size_t len = inkwell__rpc__v1__request__get_packed_size(&req);
	if (nng_msg_alloc(&msg, len) != 0)
		return INK_RESOURCE_EXHAUSTED;
	inkwell__rpc__v1__request__pack(&req, nng_msg_body(msg));
	*out = msg;
	return INK_OK;
}

int ink_rpc_idempotent(const char *method)
{
	/* Reads, renders and pure functions: the method's name says which. A
	 * Batch (rpc_batch.h) carries reads only. */
	static const char *const verbs[] = {"Get",          "List",    "Print", "Check",
	                                    "Authenticate", "Convert", "Batch"};
	const char *name = method ? strrchr(method, '/') : NULL;

	if (name == NULL)
		return 0;
	name++;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncmp(name, verbs[i], strlen(verbs[i])) == 0)
			return 1;
	return 0;
}

/* rpc_client_resend_ms is the context's NNG_OPT_REQ_RESENDTIME. nng 1.5's REQ
 * resends a request at once on another pipe when the pipe it went out on
 * closes (an instance died), as long as a resend time is set; without one the
 * reply wait fails with NNG_ECONNRESET. So reads get a resend time (past the
 * caller's deadline, so a merely slow peer never gets a second copy) and
 * writes none: a write that reached a peer which then died may have been
 * done, and running it again could do it twice. */
static nng_duration rpc_client_resend_ms(const char *method, int64_t timeout_ms)
{
	if (!ink_rpc_idempotent(method))
		return NNG_DURATION_INFINITE;
	return (nng_duration)(timeout_ms * 2 + 1000);
}

/* rpc_slot_resend gives the slot's context a resend time that fits `want`
 * (rpc_client_resend_ms): none for a write; for a read, any time at or past
 * want, so the value set for the longest read so far serves the rest. Every
 * nng_ctx_set_ms takes nng's global socket lock twice, which 64 callers
 * contend for (issue 16), so it is only called when the kind changes or the
 * time must grow. Returns nng's error, or 0. */
static int rpc_slot_resend(rpc_slot *sl, nng_duration want)
{
	int fits = want == NNG_DURATION_INFINITE
	               ? sl->resend == NNG_DURATION_INFINITE
	               : sl->resend != NNG_DURATION_INFINITE && sl->resend >= want;

	if (fits)
		return 0;
	int rv = nng_ctx_set_ms(sl->ctx, NNG_OPT_REQ_RESENDTIME, want);
	if (rv == 0)
		sl->resend = want;
	return rv;
}

/* rpc_client_roundtrip sends msg (owned by the callee from here on) on a
 * context of its own and waits for the reply until `deadline`. */
static ink_err rpc_client_roundtrip(ink_rpc_client *c, const char *method, nng_msg *msg,
                                    int64_t timeout_ms, nng_msg **reply, char *why, size_t why_len)
{
	rpc_slot *sl = NULL;
	ink_err err = rpc_slot_take(c, &sl, why, why_len);

	if (err != INK_OK) {
		nng_msg_free(msg);
		return err;
	}
	int rv = rpc_slot_resend(sl, rpc_client_resend_ms(method, timeout_ms));
	if (rv != 0) {
		nng_msg_free(msg);
		rpc_slot_free(sl);
		ink_why(why, why_len, "%s: %s", c->peer, nng_strerror(rv));
		return INK_INTERNAL;
	}
	nng_aio *aio = sl->aio;
	double start = ink_mono_ms();
	nng_aio_set_timeout(aio, (nng_duration)timeout_ms);
	nng_aio_set_msg(aio, msg);
	nng_ctx_send(sl->ctx, aio);
	nng_aio_wait(aio);
	rv = nng_aio_result(aio);
	if (rv != 0) {
		nng_msg_free(nng_aio_get_msg(aio));
		goto transport_error;
	}
	int64_t left = timeout_ms - (int64_t)(ink_mono_ms() - start);
	nng_aio_set_timeout(aio, (nng_duration)(left > 1 ? left : 1));
	nng_ctx_recv(sl->ctx, aio);
	nng_aio_wait(aio);
	rv = nng_aio_result(aio);
	if (rv != 0)
		goto transport_error;
	*reply = nng_aio_get_msg(aio);
	rpc_slot_give(c, sl);
	return INK_OK;
transport_error:
	if (rv == NNG_ETIMEDOUT) {
		err = INK_DEADLINE_EXCEEDED;
		ink_why(why, why_len, "%s did not answer within %lld ms", c->peer,
		        (long long)timeout_ms);
	} else if (rv == NNG_ECONNRESET) {
		/* Only a write gets here (see rpc_client_resend_ms): like a timeout,
		 * the outcome is unknown, never "nothing was done". */
		err = INK_DEADLINE_EXCEEDED;
		ink_why(why, why_len,
		        "%s: the connection was lost after %s was sent; the outcome "
		        "is unknown",
		        c->peer, method);
	} else {
		err = INK_UNAVAILABLE;
		ink_why(why, why_len, "%s: %s", c->peer, nng_strerror(rv));
	}
	/* A failed call's context is not reused: cheap to replace, and nothing
	 * of its state can reach the next call. */
	rpc_slot_free(sl);
	return err;
}

ink_err ink_rpc_call(ink_rpc_client *c, const char *method, const Inkwell__Rpc__V1__Caller *caller,
                     int64_t timeout_ms, const ProtobufCMessage *body, ProtobufCBinaryData *reply,
                     char *why, size_t why_len)
{
	ProtobufCBinaryData packed = {0, NULL};
	ink_err err = ink_rpc_body_pack(body, &packed);

	if (err != INK_OK)
		return err;
	err = ink_rpc_call_raw(c, method, caller, timeout_ms, packed.data, packed.len, reply, why,
	                       why_len);
	free(packed.data);
	return err;
}

static ink_err rpc_client_call(ink_rpc_client *c, const char *method,
                               const Inkwell__Rpc__V1__Caller *caller, int64_t timeout_ms,
                               const uint8_t *body, size_t body_len, ProtobufCBinaryData *reply,
                               char *why, size_t why_len);

ink_err ink_rpc_call_raw(ink_rpc_client *c, const char *method,
                         const Inkwell__Rpc__V1__Caller *caller, int64_t timeout_ms,
                         const uint8_t *body, size_t body_len, ProtobufCBinaryData *reply,
                         char *why, size_t why_len)
{
	double start = ink_mono_ms();
	ink_err err =
	    rpc_client_call(c, method, caller, timeout_ms, body, body_len, reply, why, why_len);

	ink_rpc_client_observe(c, method, err, start);
	return err;
}

void ink_rpc_client_observe(const ink_rpc_client *c, const char *method, ink_err err,
                            double start_ms)
{
	const char *labels[] = {c->peer, method, ink_strerror(err)};

	ink_metrics_add(&rpc_client_calls, labels, 1);
	ink_metrics_observe(&rpc_client_seconds, labels, (ink_mono_ms() - start_ms) / 1000.0);
}

/* rpc_client_call is ink_rpc_call_raw without the metrics. */
static ink_err rpc_client_call(ink_rpc_client *c, const char *method,
                               const Inkwell__Rpc__V1__Caller *caller, int64_t timeout_ms,
                               const uint8_t *body, size_t body_len, ProtobufCBinaryData *reply,
                               char *why, size_t why_len)
{
	nng_msg *msg = NULL;
	nng_msg *rmsg = NULL;

	if (why != NULL && why_len > 0)
		why[0] = '\0';
	reply->data = NULL;
	reply->len = 0;
	if (c->fail_fast && atomic_load(&c->pipes) == 0) {
		ink_why(why, why_len, "%s unavailable: no connection to %s", c->peer, c->addrs);
		return INK_UNAVAILABLE;
	}
	if (timeout_ms < 1)
		timeout_ms = 1;
	ink_err err =
	    rpc_client_pack(method, caller, ink_now_unix_ms() + timeout_ms, body, body_len, &msg);
	if (err != INK_OK)
		return err;
	err = rpc_client_roundtrip(c, method, msg, timeout_ms, &rmsg, why, why_len);
	if (err != INK_OK)
		return err;

	err = ink_rpc_response_take(c->peer, nng_msg_body(rmsg), nng_msg_len(rmsg), reply, why,
	                            why_len);
	nng_msg_free(rmsg);
	return err;
}
