/*
 * metrics_http.c - GET /metrics over civetweb (see metrics_http.h).
 *
 * civetweb's library init is reference counted, so this listener and the
 * edge's public server can each init and exit it independently.
 */
#include "metrics_http.h"

#include <stdlib.h>
#include <string.h>
#include <civetweb.h>

#include "log.h"
#include "metrics.h"

#define METRICS_HTTP_CT "text/plain; version=0.0.4; charset=utf-8"

struct ink_metrics_http {
	struct mg_context *ctx;
};

static int metrics_http_reply(struct mg_connection *conn, int status, const char *ct,
                              const char *body, size_t len)
{
	mg_printf(conn,
	          "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	          "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
	          status, mg_get_response_code_text(conn, status), ct, len);
	/* A scraper that hangs up mid-body just misses this scrape. */
	if (len > 0)
		(void)mg_write(conn, body, len);
	return status;
}

static int metrics_http_begin(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	const char *path = ri->local_uri ? ri->local_uri : "";
	const char *method = ri->request_method ? ri->request_method : "";
	char *text = NULL;
	size_t len = 0;

	if (strcmp(path, "/metrics") != 0) {
		static const char nf[] = "not found: this listener serves /metrics only\n";
		return metrics_http_reply(conn, 404, "text/plain", nf, sizeof(nf) - 1);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		static const char na[] = "method not allowed\n";
		return metrics_http_reply(conn, 405, "text/plain", na, sizeof(na) - 1);
	}
	if (ink_metrics_scrape(&text, &len) != INK_OK) {
		static const char oom[] = "out of memory\n";
		return metrics_http_reply(conn, 503, "text/plain", oom, sizeof(oom) - 1);
	}
	int status = metrics_http_reply(conn, 200, METRICS_HTTP_CT, text,
	                                strcmp(method, "HEAD") == 0 ? 0 : len);
	free(text);
	return status;
}

static int metrics_http_log(const struct mg_connection *conn, const char *message)
{
	ink_log_warn("metrics listener: %s", message);
	return 1;
}

ink_err ink_metrics_http_start(const char *listen, ink_metrics_http **out)
{
	struct mg_callbacks cb;

	if (listen == NULL || listen[0] == '\0') {
		*out = NULL;
		return INK_OK;
	}
	ink_metrics_http *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return INK_RESOURCE_EXHAUSTED;
	const char *options[] = {
	    "listening_ports",    listen,  "num_threads", "2", "enable_keep_alive", "no",
	    "request_timeout_ms", "10000", NULL,
	};
	memset(&cb, 0, sizeof(cb));
	cb.begin_request = metrics_http_begin;
	cb.log_message = metrics_http_log;
	mg_init_library(0);
	h->ctx = mg_start(&cb, NULL, options);
	if (h->ctx == NULL) {
		ink_log_error("cannot serve metrics on %s (METRICS_LISTEN)", listen);
		mg_exit_library();
		free(h);
		return INK_UNAVAILABLE;
	}
	ink_log_info("metrics on http://%s/metrics", listen);
	*out = h;
	return INK_OK;
}

void ink_metrics_http_stop(ink_metrics_http *h)
{
	if (h == NULL)
		return;
	mg_stop(h->ctx);
	mg_exit_library();
	free(h);
}

int ink_metrics_http_port(const ink_metrics_http *h)
{
	struct mg_server_port ports[2];

	if (h == NULL)
		return -1;
	int n = mg_get_server_ports(h->ctx, 2, ports);
	return n > 0 ? ports[0].port : -1;
}
