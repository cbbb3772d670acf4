/*
 * probe.c - inkwell-probe: is an Inkwell service serving? For container
 * HEALTHCHECKs and humans, in the spirit of grpc-health-probe.
 *
 * Exit codes are the contract (a HEALTHCHECK only sees those):
 *   0 serving, 1 bad arguments, 2 cannot connect, 3 RPC failed or timed
 *   out, 4 not serving. One line of output says why.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "health.h"
#include "log.h"
#include "rpc_client.h"

enum {
	PROBE_SERVING = 0,
	PROBE_BAD_ARGS = 1,
	PROBE_NO_CONNECT = 2,
	PROBE_RPC_FAILED = 3,
	PROBE_NOT_SERVING = 4,
};

static int probe_usage(const char *why)
{
	fprintf(stderr,
	        "inkwell-probe: %s\n"
	        "usage: inkwell-probe ADDR [--service S] [--timeout D]\n"
	        "  ADDR  nng address, e.g. tcp://127.0.0.1:8082\n"
	        "  D     like 1s or 250ms (default 1s)\n"
	        "exit: 0 serving, 1 bad arguments, 2 cannot connect, 3 RPC failed or timed out, "
	        "4 not serving\n",
	        why);
	return PROBE_BAD_ARGS;
}

/* probe_failing appends "name (message)" for every failing node of the tree. */
static void probe_failing(Inkwell__Health__V1__ComponentCheck **checks, size_t n, char *out,
                          size_t out_len)
{
	for (size_t i = 0; i < n; i++) {
		const Inkwell__Health__V1__ComponentCheck *c = checks[i];
		if (c->status == INKWELL__HEALTH__V1__SERVING_STATUS__SERVING)
			continue;
		size_t used = strlen(out);
		snprintf(out + used, out_len - used, "%s%s (%s)", used ? ", " : "", c->component,
		         c->message);
		probe_failing(c->checks, c->n_checks, out, out_len);
	}
}

int main(int argc, char **argv)
{
	const char *addr = NULL;
	const char *service = "";
	int64_t timeout_ms = 1000;
	char why[512] = "";
	ink_rpc_client *client = NULL;
	Inkwell__Health__V1__HealthCheckResponse *resp = NULL;
	double latency = 0;

	ink_log_init("inkwell-probe");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--service") == 0 && i + 1 < argc) {
			service = argv[++i];
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (ink_parse_duration_ms(argv[++i], &timeout_ms) != INK_OK ||
			    timeout_ms == 0)
				return probe_usage("--timeout wants a duration like 1s or 250ms");
		} else if (argv[i][0] == '-') {
			return probe_usage("unknown option");
		} else if (addr == NULL) {
			addr = argv[i];
		} else {
			return probe_usage("more than one address");
		}
	}
	if (addr == NULL)
		return probe_usage("no address given");

	ink_err err = ink_rpc_client_open_now("service", addr, 1 << 20, &client, why, sizeof(why));
	if (err == INK_INVALID_ARGUMENT)
		return probe_usage(why[0] ? why : "bad address");
	if (err != INK_OK) {
		printf("%s: cannot connect: %s\n", addr, why);
		return PROBE_NO_CONNECT;
	}
	err = ink_health_call(client, service, timeout_ms, &resp, &latency, why, sizeof(why));
	ink_rpc_client_close(client);
	if (err != INK_OK) {
		printf("%s: health RPC failed: %s: %s\n", addr, ink_strerror(err), why);
		return PROBE_RPC_FAILED;
	}
	int code = PROBE_SERVING;
	if (resp->status == INKWELL__HEALTH__V1__SERVING_STATUS__SERVING) {
		printf("%s: %s SERVING (%.1f ms)\n", addr, resp->service, latency);
	} else {
		char failing[1024] = "";
		probe_failing(resp->checks, resp->n_checks, failing, sizeof(failing));
		printf("%s: %s NOT_SERVING: %s\n", addr, resp->service, failing);
		code = PROBE_NOT_SERVING;
	}
	inkwell__health__v1__health_check_response__free_unpacked(resp, NULL);
	return code;
}
