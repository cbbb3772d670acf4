/*
 * health.c - Health/Check, serving and calling (see health.h).
 *
 * The tree a service answers with is built on the stack from its deps;
 * a peer's own answer is grafted in as the children of that peer's node,
 * so the edge sees  edge -> user-svc -> template-svc -> public-redis.
 */
#include "health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

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
	int serving = 1;

	if (n > 8)
		return ink_rpc_fail(ctx, INK_INTERNAL, "too many health dependencies");
	for (size_t i = 0; i < n; i++) {
		inkwell__health__v1__component_check__init(&nodes[i]);
		nodes[i].component = (char *)deps[i].component;
		nodes[i].status = deps[i].serving
		                      ? INKWELL__HEALTH__V1__SERVING_STATUS__SERVING
		                      : INKWELL__HEALTH__V1__SERVING_STATUS__NOT_SERVING;
		nodes[i].latency_ms = deps[i].latency_ms;
		nodes[i].message = (char *)deps[i].message;
		if (deps[i].nested != NULL) {
			nodes[i].n_checks = deps[i].nested->n_checks;
			nodes[i].checks = deps[i].nested->checks;
		}
		ptrs[i] = &nodes[i];
		serving &= deps[i].serving;
	}
	resp.service = (char *)service;
	resp.status = serving ? INKWELL__HEALTH__V1__SERVING_STATUS__SERVING
	                      : INKWELL__HEALTH__V1__SERVING_STATUS__NOT_SERVING;
	resp.n_checks = n;
	resp.checks = ptrs;
	return ink_rpc_reply(ctx, &resp.base);
}
