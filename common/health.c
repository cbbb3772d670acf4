/*
 * health.c - Health/Check, serving and calling (see health.h).
 *
 * The tree a service answers with is built on the stack from its deps;
 * a peer's own answer is grafted in as the children of that peer's node,
 * so the edge sees  edge -> user-svc -> template-svc -> public-redis.
 */
#include "health.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"
#include "log.h"

void ink_health_dep_redis(ink_redis *r, const char *component, ink_health_dep *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->component, sizeof(out->component), "%s", component);
	double start = ink_mono_ms();
	ink_err err = ink_redis_ping(r, out->message, sizeof(out->message));
	out->latency_ms = ink_mono_ms() - start;
	out->serving = err == INK_OK;
	if (out->serving)
		snprintf(out->message, sizeof(out->message), "PONG from %s", ink_redis_addr(r));
}

ink_err ink_health_call(ink_rpc_client *c, const char *service, int64_t timeout_ms,
                        Inkwell__Health__V1__HealthCheckResponse **out, double *latency_ms,
                        char *why, size_t why_len)
{
	Inkwell__Health__V1__HealthCheckRequest req =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	ProtobufCBinaryData reply = {0, NULL};

	req.service = (char *)(service ? service : "");
	double start = ink_mono_ms();
	ink_err err =
	    ink_rpc_call(c, INK_HEALTH_METHOD, NULL, timeout_ms, &req.base, &reply, why, why_len);
	*latency_ms = ink_mono_ms() - start;
	if (err != INK_OK)
		return err;
	Inkwell__Health__V1__HealthCheckResponse *resp =
	    inkwell__health__v1__health_check_response__unpack(NULL, reply.len, reply.data);
	free(reply.data);
	if (resp == NULL) {
		snprintf(why, why_len, "%s sent a health answer that does not parse",
		         ink_rpc_client_peer(c));
		return INK_INTERNAL;
	}
	*out = resp;
	return INK_OK;
}

void ink_health_dep_peer(ink_rpc_client *c, int64_t timeout_ms, ink_health_dep *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->component, sizeof(out->component), "%s", ink_rpc_client_peer(c));
	ink_err err = ink_health_call(c, "", timeout_ms, &out->nested, &out->latency_ms,
	                              out->message, sizeof(out->message));
	if (err != INK_OK)
		return;
	out->serving = out->nested->status == INKWELL__HEALTH__V1__SERVING_STATUS__SERVING;
	snprintf(out->message, sizeof(out->message), "%s",
	         out->serving ? "serving" : "not serving");
}

void ink_health_dep_fini(ink_health_dep *d)
{
	if (d->nested != NULL)
		inkwell__health__v1__health_check_response__free_unpacked(d->nested, NULL);
	d->nested = NULL;
	ink_health_deps_free(d->kids, d->n_kids);
	d->kids = NULL;
	d->n_kids = 0;
}

void ink_health_deps_free(ink_health_dep *deps, size_t n)
{
	if (deps == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		ink_health_dep_fini(&deps[i]);
	free(deps);
}

/* ---- each Redis node on its own ---- */

#define HEALTH_NODE_MIN_MS 100

/* health_hostport splits "host:port" into host (NUL-terminated) and *port.
 * Returns 0, or -1 when addr is not that. */
static int health_hostport(const char *addr, char *host, size_t host_len, int *port)
{
	const char *colon = strrchr(addr, ':');
	char *end = NULL;

	if (colon == NULL || colon == addr || (size_t)(colon - addr) >= host_len)
		return -1;
	long p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || p < 1 || p > 65535)
		return -1;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	*port = (int)p;
	return 0;
}

/* health_cluster_state copies the cluster_state of a CLUSTER INFO answer. */
static void health_cluster_state(redisContext *ctx, char *state, size_t state_len)
{
	redisReply *rep = redisCommand(ctx, "CLUSTER INFO");

	if (rep != NULL && rep->type == REDIS_REPLY_STRING) {
		const char *s = strstr(rep->str, "cluster_state:");
		if (s != NULL)
			snprintf(state, state_len, "%.*s", (int)strcspn(s + 14, "\r\n"), s + 14);
	}
	if (rep != NULL)
		freeReplyObject(rep);
}

/* health_node PINGs the node at addr on a connection of its own, within
 * timeout_ms (connect included), into out ("<component> addr"). When it
 * answers and state is still empty, state gets its cluster_state. */
static void health_node(const char *addr, const char *component, int timeout_ms,
                        ink_health_dep *out, char *state, size_t state_len)
{
	char host[256];
	int port = 0;
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	double start = ink_mono_ms();

	memset(out, 0, sizeof(*out));
	snprintf(out->component, sizeof(out->component), "%s %s", component, addr);
	if (health_hostport(addr, host, sizeof(host), &port) != 0) {
		snprintf(out->message, sizeof(out->message), "not host:port");
		return;
	}
	redisContext *ctx = redisConnectWithTimeout(host, port, tv);
	if (ctx == NULL || ctx->err || redisSetTimeout(ctx, tv) != REDIS_OK) {
		snprintf(out->message, sizeof(out->message), "unreachable: %s",
		         ctx ? ctx->errstr : "out of memory");
		goto out;
	}
	redisReply *rep = redisCommand(ctx, "PING");
	if (rep == NULL) {
		snprintf(out->message, sizeof(out->message), "unreachable: %s", ctx->errstr);
		goto out;
	}
	out->serving = rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
	snprintf(out->message, sizeof(out->message), "%s",
	         out->serving ? "PONG" : (rep->str ? rep->str : "unexpected reply"));
	freeReplyObject(rep);
	if (out->serving && state[0] == '\0')
		health_cluster_state(ctx, state, state_len);
out:
	out->latency_ms = ink_mono_ms() - start;
	if (ctx != NULL)
		redisFree(ctx);
}

void ink_health_dep_redis_nodes(ink_redis *r, const char *addrs, const char *component,
                                int timeout_ms, ink_health_dep *out)
{
	char list[512];
	char state[32] = "";
	char *save = NULL;
	size_t live = 0;

	if (addrs == NULL || strchr(addrs, ',') == NULL) {
		ink_health_dep_redis(r, component, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->component, sizeof(out->component), "%s", component);
	snprintf(list, sizeof(list), "%s", addrs);
	out->kids = calloc(INK_HEALTH_MAX_EACH, sizeof(*out->kids));
	if (out->kids == NULL) {
		snprintf(out->message, sizeof(out->message), "out of memory");
		return;
	}
	/* One node's share of the budget, so a hung node cannot eat the others';
	 * at least HEALTH_NODE_MIN_MS, so a live node on a busy machine is not
	 * called down (only hung nodes then stretch the check past its budget). */
	int nodes = 1;
	for (const char *c = addrs; *c != '\0'; c++)
		nodes += *c == ',';
	int each =
	    timeout_ms / nodes > HEALTH_NODE_MIN_MS ? timeout_ms / nodes : HEALTH_NODE_MIN_MS;
	double start = ink_mono_ms();
	for (char *e = strtok_r(list, ",", &save); e != NULL && out->n_kids < INK_HEALTH_MAX_EACH;
	     e = strtok_r(NULL, ",", &save)) {
		e += strspn(e, " \t");
		health_node(e, component, each, &out->kids[out->n_kids], state, sizeof(state));
		live += out->kids[out->n_kids].serving;
		out->n_kids++;
	}
	out->latency_ms = ink_mono_ms() - start;
	out->serving = strcmp(state, "ok") == 0;
	snprintf(out->message, sizeof(out->message), "cluster_state:%s, %zu of %zu nodes answer",
	         state[0] ? state : "unknown", live, out->n_kids);
}

/* ---- each instance of a peer on its own ---- */

typedef struct health_each {
	const char *peer;
	const char *url;
	int64_t timeout_ms;
	const char *request_id;
	ink_health_dep *out;
} health_each;

static void *health_each_run(void *arg)
{
	health_each *e = arg;
	ink_health_dep *out = e->out;
	ink_rpc_client *c = NULL;
	Inkwell__Health__V1__HealthCheckResponse *resp = NULL;
	char why[256] = "";
	const char *addr = strncmp(e->url, "tcp://", 6) == 0 ? e->url + 6 : e->url;
	double start = ink_mono_ms();

	ink_log_set_request_id(e->request_id);
	snprintf(out->component, sizeof(out->component), "%s %s", e->peer, addr);
	ink_err err = ink_rpc_client_open_now(e->peer, e->url, 1 << 20, &c, why, sizeof(why));
	if (err != INK_OK) {
		snprintf(out->message, sizeof(out->message), "unreachable: %s", why);
		out->latency_ms = ink_mono_ms() - start;
		return NULL;
	}
	err = ink_health_call(c, "", e->timeout_ms, &resp, &out->latency_ms, why, sizeof(why));
	if (err == INK_OK) {
		out->serving = resp->status == INKWELL__HEALTH__V1__SERVING_STATUS__SERVING;
		snprintf(out->message, sizeof(out->message), "%s",
		         out->serving ? "serving" : "not serving");
		inkwell__health__v1__health_check_response__free_unpacked(resp, NULL);
	} else {
		snprintf(out->message, sizeof(out->message), "%s", why);
	}
	ink_rpc_client_close(c);
	return NULL;
}

ink_err ink_health_instances(ink_rpc_client *c, int64_t timeout_ms, ink_health_dep **out, size_t *n)
{
	char urls[INK_HEALTH_MAX_EACH][INK_RPC_RESOLVE_URL_MAX];
	health_each each[INK_HEALTH_MAX_EACH];
	pthread_t threads[INK_HEALTH_MAX_EACH];
	int started[INK_HEALTH_MAX_EACH] = {0};
	size_t count = ink_rpc_client_addrs(c, urls, INK_HEALTH_MAX_EACH);

	if (count < 2) {
		*out = NULL;
		*n = 0;
		return INK_OK;
	}
	ink_health_dep *deps = calloc(count, sizeof(*deps));
	if (deps == NULL)
		return INK_RESOURCE_EXHAUSTED;
	for (size_t i = 0; i < count; i++) {
		each[i] = (health_each){.peer = ink_rpc_client_peer(c),
		                        .url = urls[i],
		                        .timeout_ms = timeout_ms,
		                        .request_id = ink_log_request_id(),
		                        .out = &deps[i]};
		started[i] = pthread_create(&threads[i], NULL, health_each_run, &each[i]) == 0;
		if (!started[i])
			health_each_run(&each[i]); /* slower, still correct */
	}
	for (size_t i = 0; i < count; i++)
		if (started[i] && pthread_join(threads[i], NULL) != 0)
			ink_log_error("health: join failed"); /* cannot happen: joinable */
	*out = deps;
	*n = count;
	return INK_OK;
}

/* health_node_init fills node from dep (pointers into dep, no copies). */
static void health_node_init(Inkwell__Health__V1__ComponentCheck *node, const ink_health_dep *dep)
{
	inkwell__health__v1__component_check__init(node);
	node->component = (char *)dep->component;
	node->status = dep->serving ? INKWELL__HEALTH__V1__SERVING_STATUS__SERVING
	                            : INKWELL__HEALTH__V1__SERVING_STATUS__NOT_SERVING;
	node->latency_ms = dep->latency_ms;
	node->message = (char *)dep->message;
}

/* health_node_children makes node's children: dep's nested checks, then one
 * node per kid, in *mem (one allocation; the caller frees it). Returns -1
 * when out of memory. */
static int health_node_children(Inkwell__Health__V1__ComponentCheck *node,
                                const ink_health_dep *dep, void **mem)
{
	size_t nested = dep->nested ? dep->nested->n_checks : 0;
	size_t total = nested + dep->n_kids;

	*mem = NULL;
	if (dep->n_kids == 0) {
		node->n_checks = nested;
		node->checks = nested ? dep->nested->checks : NULL;
		return 0;
	}
	Inkwell__Health__V1__ComponentCheck **ptrs = malloc(
	    total * sizeof(*ptrs) + dep->n_kids * sizeof(Inkwell__Health__V1__ComponentCheck));
	if (ptrs == NULL)
		return -1;
	Inkwell__Health__V1__ComponentCheck *kids = (void *)(ptrs + total);
	for (size_t i = 0; i < nested; i++)
		ptrs[i] = dep->nested->checks[i];
	for (size_t i = 0; i < dep->n_kids; i++) {
		health_node_init(&kids[i], &dep->kids[i]);
		ptrs[nested + i] = &kids[i];
	}
	node->n_checks = total;
	node->checks = ptrs;
	*mem = ptrs;
	return 0;
}

ink_err ink_health_reply(ink_rpc_ctx *ctx, const uint8_t *body, size_t len, const char *service,
                         const ink_health_dep *deps, size_t n)
{
	Inkwell__Health__V1__HealthCheckRequest *req =
	    inkwell__health__v1__health_check_request__unpack(NULL, len, body);
	if (req == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "health request does not parse");
	int other = req->service[0] != '\0' && strcmp(req->service, service) != 0;
	inkwell__health__v1__health_check_request__free_unpacked(req, NULL);
	if (other)
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "this is %s; no such service here",
		                    service);

	Inkwell__Health__V1__HealthCheckResponse resp =
	    INKWELL__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	Inkwell__Health__V1__ComponentCheck nodes[8];
	Inkwell__Health__V1__ComponentCheck *ptrs[8];
	void *mem[8] = {NULL};
	int serving = 1;
	int oom = 0;

	if (n > 8)
		return ink_rpc_fail(ctx, INK_INTERNAL, "too many health dependencies");
	for (size_t i = 0; i < n; i++) {
		health_node_init(&nodes[i], &deps[i]);
		oom |= health_node_children(&nodes[i], &deps[i], &mem[i]);
		ptrs[i] = &nodes[i];
		serving &= deps[i].serving;
	}
	resp.service = (char *)service;
	resp.status = serving ? INKWELL__HEALTH__V1__SERVING_STATUS__SERVING
	                      : INKWELL__HEALTH__V1__SERVING_STATUS__NOT_SERVING;
	resp.n_checks = n;
	resp.checks = ptrs;
	ink_err err = oom ? ink_rpc_fail(ctx, INK_RESOURCE_EXHAUSTED, "out of memory")
	                  : ink_rpc_reply(ctx, &resp.base);
	for (size_t i = 0; i < n; i++)
		free(mem[i]);
	return err;
}
