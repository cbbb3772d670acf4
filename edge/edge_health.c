/*
 * edge_health.c - the edge's health routes (see edge_health.h).
 *
 * The two peers are asked concurrently (one helper thread for template-svc,
 * user-svc on the connection's own thread), so /healthz takes about one
 * HEALTH_TIMEOUT_MS at worst, not two. The helper thread carries the request
 * id, so both Check calls log under it. If the thread cannot start, the
 * calls run one after the other: slower, still correct.
 *
 * A peer run as several instances is also probed instance by instance
 * (ink_health_instances): each becomes a check "<peer> host:port" under the
 * peer's. While every peer serves but some instance or Redis node is down
 * the status is "warn" (200: the service still works) and "output" names
 * each one down; a peer that fails makes it "fail" (503).
 */
#include "edge_health.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "log.h"

typedef struct health_probe {
	ink_rpc_client *client;
	int64_t timeout_ms;
	const char *request_id;
	/* results */
	ink_err err;
	Inkwell__Health__V1__HealthCheckResponse *resp;
	double latency_ms;
	char why[256];
	ink_health_dep *each; /* per instance, n_each of them (NULL: one instance) */
	size_t n_each;
	ink_err each_err;
} health_probe;

static void *health_probe_run(void *arg)
{
	health_probe *p = arg;

	ink_log_set_request_id(p->request_id);
	p->err = ink_health_call(p->client, "", p->timeout_ms, &p->resp, &p->latency_ms, p->why,
	                         sizeof(p->why));
	p->each_err = ink_health_instances(p->client, p->timeout_ms, &p->each, &p->n_each);
	return NULL;
}

static double health_round(double ms)
{
	return round(ms * 100.0) / 100.0;
}

static const char *health_status_word(int pass)
{
	return pass ? "pass" : "fail";
}

/* health_check_json builds one node: component, status, latency, message,
 * and `children` (stolen; NULL or empty: no "checks" member). */
static json_t *health_check_json(const char *component, int pass, double latency_ms,
                                 const char *message, json_t *children)
{
	json_t *o = json_pack("{s:s, s:s, s:f, s:s}", "component", component ? component : "",
	                      "status", health_status_word(pass), "latency_ms",
	                      health_round(latency_ms), "message", message ? message : "");
	if (o == NULL) {
		json_decref(children);
		return NULL;
	}
	if (children != NULL && json_array_size(children) > 0) {
		if (json_object_set_new(o, "checks", children) != 0) {
			json_decref(o);
			return NULL;
		}
	} else {
		json_decref(children);
	}
	return o;
}

/* health_children converts a reply's checks (recursively); NULL: out of memory. */
static json_t *health_children(Inkwell__Health__V1__ComponentCheck **checks, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++) {
		const Inkwell__Health__V1__ComponentCheck *c = checks[i];
		json_t *kids = health_children(c->checks, c->n_checks);
		json_t *node = kids ? health_check_json(
		                          c->component,
		                          c->status == INKWELL__HEALTH__V1__SERVING_STATUS__SERVING,
		                          c->latency_ms, c->message, kids)
		                    : NULL;
		if (node == NULL || json_array_append_new(arr, node) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

json_t *edge_health_peer_json(const char *component, ink_err err,
                              const Inkwell__Health__V1__HealthCheckResponse *resp,
                              double latency_ms, const char *why)
{
	if (err != INK_OK || resp == NULL) {
		return health_check_json(component, 0, latency_ms,
		                         why && why[0] ? why : ink_strerror(err), NULL);
	}
	int pass = resp->status == INKWELL__HEALTH__V1__SERVING_STATUS__SERVING;
	json_t *kids = health_children(resp->checks, resp->n_checks);
	if (kids == NULL)
		return NULL;
	return health_check_json(component, pass, latency_ms, pass ? "serving" : "not serving",
	                         kids);
}

int edge_health_add_instances(json_t *peer, const ink_health_dep *each, size_t n)
{
	if (n == 0)
		return 0;
	json_t *kids = json_object_get(peer, "checks");
	if (kids == NULL) {
		kids = json_array();
		if (kids == NULL || json_object_set_new(peer, "checks", kids) != 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *c = health_check_json(each[i].component, each[i].serving,
		                              each[i].latency_ms, each[i].message, NULL);
		if (c == NULL || json_array_append_new(kids, c) != 0)
			return -1;
	}
	return 0;
}

/* health_append adds text to out[*used..len) (truncating). */
static void health_append(char *out, size_t len, size_t *used, const char *text)
{
	size_t n = strlen(text);
	if (*used + 1 >= len)
		return;
	if (n > len - 1 - *used)
		n = len - 1 - *used;
	memcpy(out + *used, text, n);
	*used += n;
	out[*used] = '\0';
}

/* health_str returns obj[key] as a string, or def. */
static const char *health_str(const json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : def;
}

static int health_fails(const json_t *check)
{
	return strcmp(health_str(check, "status", "fail"), "pass") != 0;
}

/* health_walk reports failing leaves under checks; via is the chain so far. */
static int health_walk(const json_t *checks, const char *via, char *out, size_t len, size_t *used)
{
	size_t i;
	const json_t *c;
	int found = 0;

	json_array_foreach(checks, i, c)
	{
		const char *name = health_str(c, "component", "?");
		const json_t *kids = json_object_get(c, "checks");
		char chain[256];
		if (via[0] != '\0')
			snprintf(chain, sizeof(chain), "%s > %s", via, name);
		else
			snprintf(chain, sizeof(chain), "%s", name);
		/* A passing check may still hold a dead instance or node. */
		int below = kids ? health_walk(kids, chain, out, len, used) : 0;
		if (!health_fails(c)) {
			found += below;
			continue;
		}
		if (below > 0) {
			found += below;
			continue;
		}
		char line[512];
		const char *msg = health_str(c, "message", "");
		if (via[0] != '\0')
			snprintf(line, sizeof(line), "%s (via %s) down: %s", name, via, msg);
		else
			snprintf(line, sizeof(line), "%s down: %s", name, msg);
		if (*used > 0)
			health_append(out, len, used, "; ");
		health_append(out, len, used, line);
		found++;
	}
	return found;
}

int edge_health_output(const json_t *checks, char *out, size_t out_len)
{
	size_t used = 0;

	if (out_len == 0)
		return 0;
	out[0] = '\0';
	return health_walk(checks, "", out, out_len, &used);
}

/* health_gather asks both peers and returns the array of peer checks, or
 * NULL when out of memory. */
static json_t *health_gather(edge_req *req)
{
	const edge_app *app = req->app;
	health_probe probes[2] = {
	    {.client = app->users, .timeout_ms = app->cfg->health_timeout_ms},
	    {.client = app->templates, .timeout_ms = app->cfg->health_timeout_ms},
	};
	pthread_t helper;

	probes[0].request_id = req->request_id;
	probes[1].request_id = req->request_id;
	int threaded = pthread_create(&helper, NULL, health_probe_run, &probes[1]) == 0;
	health_probe_run(&probes[0]);
	if (threaded) {
		if (pthread_join(helper, NULL) != 0)
			ink_log_error("health: join failed"); /* cannot happen: joinable */
	} else {
		health_probe_run(&probes[1]);
	}
	ink_log_set_request_id(req->request_id);

	json_t *checks = json_array();
	for (int i = 0; i < 2; i++) {
		health_probe *p = &probes[i];
		json_t *c = edge_health_peer_json(ink_rpc_client_peer(p->client), p->err, p->resp,
		                                  p->latency_ms, p->why);
		if (p->resp != NULL)
			inkwell__health__v1__health_check_response__free_unpacked(p->resp, NULL);
		int bad = c == NULL || p->each_err != INK_OK ||
		          edge_health_add_instances(c, p->each, p->n_each) != 0;
		ink_health_deps_free(p->each, p->n_each);
		if (bad) {
			json_decref(c);
			c = NULL;
		}
		if (checks != NULL && (c == NULL || json_array_append_new(checks, c) != 0)) {
			json_decref(checks);
			checks = NULL;
		}
	}
	return checks;
}

/* health_peers_down counts the failing peers (top-level checks). */
static int health_peers_down(const json_t *checks)
{
	size_t i;
	const json_t *c;
	int down = 0;

	json_array_foreach(checks, i, c) down += health_fails(c);
	return down;
}

/* health_answer sends the health+json body; `full` adds the checks tree. */
static void health_answer(edge_req *req, int full)
{
	char output[1024];

	json_t *checks = health_gather(req);
	if (checks == NULL) {
		edge_send_problem(req, 500, NULL, "out of memory");
		return;
	}
	int failing = edge_health_output(checks, output, sizeof(output));
	int down = health_peers_down(checks);
	json_t *body = json_pack("{s:s}", "status",
	                         down      ? "fail"
	                         : failing ? "warn"
	                                   : health_status_word(1));
	int rc = body == NULL ? -1 : 0;
	if (rc == 0 && full)
		rc |= json_object_set_new(body, "service", json_string("edge"));
	if (rc == 0 && failing > 0)
		rc |= json_object_set_new(body, "output", edge_problem_string(output));
	if (rc == 0 && full)
		rc |= json_object_set(body, "checks", checks);
	json_decref(checks);
	if (rc != 0) {
		json_decref(body);
		body = NULL; /* edge_send_json_ct answers 500 */
	}
	if (failing > 0)
		ink_log_warn("health: %s", output);
	edge_send_json_ct(req, down ? 503 : 200, EDGE_HEALTH_CT, body);
}

void edge_health_healthz(edge_req *req)
{
	health_answer(req, 1);
}

void edge_health_readyz(edge_req *req)
{
	health_answer(req, 0);
}

void edge_health_livez(edge_req *req)
{
	edge_send_json_ct(req, 200, EDGE_HEALTH_CT,
	                  json_pack("{s:s, s:s}", "status", "pass", "service", "edge"));
}
