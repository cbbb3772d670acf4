/*
 * log.c - structured JSON log lines (see log.h).
 *
 * jansson does the escaping: a message can hold any byte a client sent us
 * and must still be one valid JSON line. The level and service name are set
 * once in main before threads start; the request id and trace context are
 * thread-local.
 */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *log_service = "inkwell";
static ink_log_level log_min = INK_LOG_INFO;
static _Thread_local char log_rid[65];
static _Thread_local char log_trace_id[33];
static _Thread_local char log_span_id[17];
static _Thread_local unsigned log_trace_flags;

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

void ink_log_init(const char *service)
{
	const char *lvl = getenv("LOG_LEVEL");

	log_service = service;
	if (lvl == NULL)
		return;
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(lvl, log_level_names[i]) == 0)
			log_min = (ink_log_level)i;
	}
}

void ink_log_set_request_id(const char *rid)
{
	if (rid == NULL) {
		log_rid[0] = '\0';
		return;
	}
	snprintf(log_rid, sizeof(log_rid), "%s", rid);
}

const char *ink_log_request_id(void)
{
	return log_rid;
}

void ink_log_set_trace(const char *trace_id, const char *span_id, unsigned flags)
{
	snprintf(log_trace_id, sizeof(log_trace_id), "%s", trace_id ? trace_id : "");
	snprintf(log_span_id, sizeof(log_span_id), "%s", span_id ? span_id : "");
	log_trace_flags = flags;
}

const char *ink_log_trace_id(void)
{
	return log_trace_id;
}

const char *ink_log_span_id(void)
{
	return log_span_id;
}

unsigned ink_log_trace_flags(void)
{
	return log_trace_flags;
}

static void log_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static json_t *log_pack(ink_log_level level, const char *ts, const char *msg)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "ts", ts, "level", log_level_names[level],
	    "svc", log_service, "msg", msg, "rid", log_rid[0] ? log_rid : NULL, "trace_id",
	    log_trace_id[0] ? log_trace_id : NULL, "span_id", log_span_id[0] ? log_span_id : NULL);
}

void ink_log(ink_log_level level, const char *fmt, ...)
{
	char msg[2048];
	char ts[40];
	va_list ap;

	if (level < log_min || level > INK_LOG_ERROR)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_timestamp(ts, sizeof(ts));

	json_t *line = log_pack(level, ts, msg);
	if (line == NULL) {
		/* Only invalid UTF-8 (bytes a client sent) makes packing fail:
		 * keep the line, with those bytes masked. */
		for (char *p = msg; *p; p++) {
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		}
		line = log_pack(level, ts, msg);
	}
	if (line == NULL)
		return;
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(line);
	if (text == NULL)
		return;
	size_t n = strlen(text);
	text[n] = '\n'; /* overwrite the NUL: one write(2) per line */
	ssize_t w = write(STDERR_FILENO, text, n + 1);
	(void)w;
	free(text);
}
