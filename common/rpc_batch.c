/*
 * rpc_batch.c - combining reads into one round trip, both ends (see
 * rpc_batch.h).
 *
 * The client is a leader/follower queue under one mutex. A call joins the
 * queue; if fewer than `lanes` batches are in flight it leads at once,
 * otherwise it sleeps on its own semaphore until a leader either
 * answers it or, on finishing a batch with calls still queued, hands the
 * lane to the first of them. No one ever waits to fill a batch: a batch
 * holds exactly what queued up while the lanes were busy, so an idle client
 * costs what ink_rpc_call costs, and a busy one pays one nng round trip per
 * batch, plus one wake-up per follower.
 */
#include "rpc_batch.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"

enum { BATCH_QUEUED, BATCH_LEADING, BATCH_SENT, BATCH_DONE };

/* batch_call: one caller's call, on its own stack. Queued, it is the
 * batcher's (under its lock); once taken into a batch (BATCH_SENT), its
 * leader's alone until it posts `wake` with the outcome. */
typedef struct batch_call {
	ProtobufCBinaryData req;  /* its Request envelope, the caller's */
	double deadline_ms;       /* ink_mono_ms */
	atomic_int state;         /* BATCH_* */
	ink_err err;              /* the batch's transport outcome */
	ProtobufCBinaryData resp; /* its Response envelope when err is INK_OK */
	char why[256];
	/* Posted once: handed the lane (LEADING) or answered (DONE). A
	 * semaphore rather than a condition variable, so the leader wakes its
	 * followers without holding the lock each would then wait for. */
	sem_t wake;
	struct batch_call *next;
} batch_call;

struct ink_rpc_batcher {
	ink_rpc_client *client;
	pthread_mutex_t lock; /* guards the queue and `leading` */
	batch_call *head, *tail;
	int leading; /* lanes in use: batches in flight or being formed */
	int lanes;
};

int ink_rpc_batchable(const char *method)
{
	return ink_rpc_idempotent(method) && strcmp(method, INK_RPC_BATCH_METHOD) != 0;
}

ink_err ink_rpc_batcher_open(ink_rpc_client *c, int lanes, ink_rpc_batcher **out)
{
	if (c == NULL || lanes < 1)
		return INK_INVALID_ARGUMENT;
	ink_rpc_batcher *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return INK_RESOURCE_EXHAUSTED;
	if (pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b);
		return INK_RESOURCE_EXHAUSTED;
	}
	b->client = c;
	b->lanes = lanes;
	*out = b;
	return INK_OK;
}

void ink_rpc_batcher_close(ink_rpc_batcher *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b);
}

int ink_rpc_batcher_queued(ink_rpc_batcher *b)
{
	int n = 0;

	pthread_mutex_lock(&b->lock);
	for (const batch_call *c = b->head; c != NULL; c = c->next)
		n++;
	pthread_mutex_unlock(&b->lock);
	return n;
}

/* batch_unlink takes `call` out of the queue if it is in it (lock held). */
static void batch_unlink(ink_rpc_batcher *b, batch_call *call)
{
	batch_call **pp = &b->head, *prev = NULL;

	while (*pp != NULL && *pp != call) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == NULL)
		return;
	*pp = call->next;
	if (b->tail == call)
		b->tail = prev;
	call->next = NULL;
}

/* batch_settle gives every member of a finished batch its outcome, from the
 * Batch reply `reply` of the round trip that ended in `err`, and wakes it
 * (`me`, the leader, is not woken: it is running). No lock: the members are
 * the leader's until woken. */
static void batch_settle(batch_call **members, size_t n, const batch_call *me, ink_err err,
                         const char *why, const ProtobufCBinaryData *reply, const char *peer)
{
	Inkwell__Rpc__V1__Batch *answers = NULL;

	if (err == INK_OK) {
		answers = inkwell__rpc__v1__batch__unpack(NULL, reply->len, reply->data);
		if (answers == NULL || answers->n_calls != n) {
			err = INK_INTERNAL;
			why = "";
		}
	}
	for (size_t i = 0; i < n; i++) {
		batch_call *m = members[i];
		m->err = err;
		if (err != INK_OK) {
			snprintf(m->why, sizeof(m->why), "%s",
			         why[0] ? why : "the batch's reply does not match its calls");
		} else {
			/* Copied out: the unpacked batch is freed below. */
			m->resp.len = answers->calls[i].len;
			m->resp.data = malloc(m->resp.len ? m->resp.len : 1);
			if (m->resp.data == NULL) {
				m->err = INK_RESOURCE_EXHAUSTED;
				snprintf(m->why, sizeof(m->why), "%s: no memory for the reply",
				         peer);
			} else if (m->resp.len > 0) {
				memcpy(m->resp.data, answers->calls[i].data, m->resp.len);
			}
		}
		atomic_store(&m->state, BATCH_DONE);
		if (m != me)
			sem_post(&m->wake); /* the last touch: m may be gone after it */
	}
	if (answers != NULL)
		inkwell__rpc__v1__batch__free_unpacked(answers, NULL);
}

/* batch_lead sends `me` and what is queued behind it as one batch, settles
 * them, then hands the lane on to the next queued call, if any. Called with
 * the lock held; returns without it. */
static void batch_lead(ink_rpc_batcher *b, batch_call *me)
{
	batch_call *members[INK_RPC_BATCH_MAX];
	ProtobufCBinaryData calls[INK_RPC_BATCH_MAX];
	size_t n = 0;
	double last = me->deadline_ms;

	batch_unlink(b, me); /* a call handed the lane is out already */
	members[n++] = me;
	while (b->head != NULL && n < INK_RPC_BATCH_MAX) {
		batch_call *m = b->head;
		batch_unlink(b, m);
		members[n++] = m;
		if (m->deadline_ms > last)
			last = m->deadline_ms;
	}
	for (size_t i = 0; i < n; i++) {
		atomic_store(&members[i]->state, BATCH_SENT);
		calls[i] = members[i]->req;
	}
	pthread_mutex_unlock(&b->lock);

	Inkwell__Rpc__V1__Batch batch = INKWELL__RPC__V1__BATCH__INIT;
	ProtobufCBinaryData reply = {0, NULL};
	char why[256] = "";
	batch.n_calls = n;
	batch.calls = calls;
	int64_t left = (int64_t)(last - ink_mono_ms());
	ink_err err = ink_rpc_call(b->client, INK_RPC_BATCH_METHOD, NULL, left > 1 ? left : 1,
	                           &batch.base, &reply, why, sizeof(why));
	batch_settle(members, n, me, err, why, &reply, ink_rpc_client_peer(b->client));
	free(reply.data);

	pthread_mutex_lock(&b->lock);
	batch_call *next = b->head;
	if (next != NULL) {
		/* Out of the queue at once, so that no other leader takes it into
		 * a batch while it wakes: the lane is its now. */
		batch_unlink(b, next);
		atomic_store(&next->state, BATCH_LEADING);
	} else {
		b->leading--;
	}
	pthread_mutex_unlock(&b->lock);
	if (next != NULL)
		sem_post(&next->wake);
}

/* batch_wait sleeps until the call is handed the lane or answered, or its
 * deadline passes while it is still queued. Returns 1 then (the call is
 * out of the queue, never sent), else 0. */
static int batch_wait(ink_rpc_batcher *b, batch_call *call)
{
	double until = call->deadline_ms - ink_mono_ms();
	struct timespec at;

	clock_gettime(CLOCK_MONOTONIC, &at);
	long long ns = (long long)at.tv_nsec + (long long)(until > 0 ? until * 1e6 : 0);
	at.tv_sec += (time_t)(ns / 1000000000LL);
	at.tv_nsec = (long)(ns % 1000000000LL);
	for (;;) {
		if (sem_clockwait(&call->wake, CLOCK_MONOTONIC, &at) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		/* The deadline: leave, unless a leader took the call meanwhile,
		 * whose post is then on its way. */
		pthread_mutex_lock(&b->lock);
		int queued = atomic_load(&call->state) == BATCH_QUEUED;
		if (queued)
			batch_unlink(b, call);
		pthread_mutex_unlock(&b->lock);
		if (queued)
			return 1;
		while (sem_wait(&call->wake) != 0) {
		}
		return 0;
	}
}

/* batch_join queues `call` and sees it through to BATCH_DONE: leading its
 * batch, or waiting for the one it was taken into. Returns 1 when its
 * deadline passed before any batch took it (it was never sent). */
static int batch_join(ink_rpc_batcher *b, batch_call *call)
{
	pthread_mutex_lock(&b->lock);
	if (b->tail != NULL)
		b->tail->next = call;
	else
		b->head = call;
	b->tail = call;
	if (b->leading < b->lanes) {
		b->leading++;
		atomic_store(&call->state, BATCH_LEADING);
	} else {
		pthread_mutex_unlock(&b->lock);
		if (batch_wait(b, call))
			return 1;
		if (atomic_load(&call->state) == BATCH_DONE)
			return 0;
		pthread_mutex_lock(&b->lock); /* handed the lane */
	}
	batch_lead(b, call);
	return 0;
}

ink_err ink_rpc_batch_call(ink_rpc_batcher *b, const char *method,
                           const Inkwell__Rpc__V1__Caller *caller, int64_t timeout_ms,
                           const ProtobufCMessage *body, ProtobufCBinaryData *reply, char *why,
                           size_t why_len)
{
	double start = ink_mono_ms();
	batch_call call = {.state = BATCH_QUEUED};
	ProtobufCBinaryData packed = {0, NULL};
	ink_err err;

	if (why != NULL && why_len > 0)
		why[0] = '\0';
	reply->data = NULL;
	reply->len = 0;
	if (!ink_rpc_batchable(method)) {
		ink_why(why, why_len, "%s is not a read: it cannot be batched", method);
		return INK_INVALID_ARGUMENT;
	}
	if (timeout_ms < 1)
		timeout_ms = 1;
	if ((err = ink_rpc_body_pack(body, &packed)) != INK_OK)
		return err;
	err = ink_rpc_request_pack(method, caller, ink_now_unix_ms() + timeout_ms, packed.data,
	                           packed.len, &call.req);
	free(packed.data);
	if (err != INK_OK)
		return err;
	if (sem_init(&call.wake, 0, 0) != 0) {
		free(call.req.data);
		return INK_RESOURCE_EXHAUSTED;
	}
	call.deadline_ms = start + (double)timeout_ms;
	if (batch_join(b, &call)) {
		err = INK_DEADLINE_EXCEEDED;
		ink_why(why, why_len, "%s did not answer within %lld ms",
		        ink_rpc_client_peer(b->client), (long long)timeout_ms);
	} else if (call.err != INK_OK) {
		err = call.err;
		ink_why(why, why_len, "%s", call.why);
	} else {
		err = ink_rpc_response_take(ink_rpc_client_peer(b->client), call.resp.data,
		                            call.resp.len, reply, why, why_len);
	}
	free(call.resp.data);
	free(call.req.data);
	sem_destroy(&call.wake);
	ink_rpc_client_observe(b->client, method, err, start);
	return err;
}

ink_err ink_rpc_batch_serve(const ink_rpc_server_config *cfg, ink_rpc_ctx *ctx, const uint8_t *body,
                            size_t len)
{
	Inkwell__Rpc__V1__Batch *in = inkwell__rpc__v1__batch__unpack(NULL, len, body);
	ProtobufCBinaryData outs[INK_RPC_BATCH_MAX];
	ProtobufCBinaryData none = {0, NULL};
	ink_err err = INK_OK;
	size_t done = 0;

	if (in == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "the batch does not parse");
	if (in->n_calls > INK_RPC_BATCH_MAX) {
		inkwell__rpc__v1__batch__free_unpacked(in, NULL);
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "a batch holds at most %d calls",
		                    INK_RPC_BATCH_MAX);
	}
	for (; done < in->n_calls && err == INK_OK; done++) {
		Inkwell__Rpc__V1__Request *r = inkwell__rpc__v1__request__unpack(
		    NULL, in->calls[done].len, in->calls[done].data);
		ProtobufCBinaryData *o = &outs[done];

		if (r == NULL)
			err = ink_rpc_response_pack(INK_INVALID_ARGUMENT,
			                            "request envelope does not parse", none,
			                            &o->data, &o->len);
		else if (!ink_rpc_batchable(r->method))
			err =
			    ink_rpc_response_pack(INK_INVALID_ARGUMENT, "only reads may be batched",
			                          none, &o->data, &o->len);
		else
			err = ink_rpc_dispatch_request(cfg, ctx->worker, r, &o->data, &o->len);
		if (r != NULL)
			inkwell__rpc__v1__request__free_unpacked(r, NULL);
	}
	if (err == INK_OK) {
		Inkwell__Rpc__V1__Batch out = INKWELL__RPC__V1__BATCH__INIT;
		out.n_calls = done;
		out.calls = outs;
		err = ink_rpc_reply(ctx, &out.base);
	} else {
		done--; /* the failed one set nothing */
		err = ink_rpc_fail(ctx, err, "no memory for the batch's replies");
	}
	for (size_t i = 0; i < done; i++)
		free(outs[i].data);
	inkwell__rpc__v1__batch__free_unpacked(in, NULL);
	return err;
}
