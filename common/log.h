/*
 * log.h - structured logs: one JSON object per line on stderr.
 *
 * Every line carries the service name and the request id of the request the
 * calling thread is working on, so one grep follows a request from nginx
 * through the edge and every RPC. The request id is thread-local: an RPC
 * worker or an edge connection thread sets it when it picks up a request
 * and clears it when done.
 */
#ifndef INKWELL_COMMON_LOG_H
#define INKWELL_COMMON_LOG_H

typedef enum ink_log_level {
	INK_LOG_DEBUG = 0,
	INK_LOG_INFO = 1,
	INK_LOG_WARN = 2,
	INK_LOG_ERROR = 3,
} ink_log_level;

/* ink_log_init sets the service name put in every line and the minimum level
 * from $LOG_LEVEL (debug|info|warn|error, default info). Call once from main
 * before any thread starts. `service` must outlive the process (a literal). */
void ink_log_init(const char *service);

/* ink_log_set_request_id makes `rid` (copied, truncated to 64 bytes; NULL or
 * "" clears it) the request id of this thread's following lines. */
void ink_log_set_request_id(const char *rid);

/* ink_log_request_id returns this thread's current request id ("" if none);
 * valid until the thread sets another. */
const char *ink_log_request_id(void);

/* ink_log_set_trace makes trace_id / span_id (W3C hex ids, see trace.h;
 * copied, truncated to 32 / 16 digits; NULL clears) and the trace flags
 * this thread's current trace context: its lines carry "trace_id" and
 * "span_id", and its outgoing RPCs name span_id as their parent. */
void ink_log_set_trace(const char *trace_id, const char *span_id, unsigned flags);

/* ink_log_trace_id / ink_log_span_id return this thread's ids ("" if none);
 * ink_log_trace_flags its flags. Valid until the thread sets others. */
const char *ink_log_trace_id(void);
const char *ink_log_span_id(void);
unsigned ink_log_trace_flags(void);

/* ink_log writes one line {"ts","level","svc","msg","rid","trace_id","span_id"}
 * (the last three when set) to stderr with a
 * single write, so lines from several threads never interleave. Never fails
 * visibly: a line that cannot be formatted is dropped. */
void ink_log(ink_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ink_log_debug(...) ink_log(INK_LOG_DEBUG, __VA_ARGS__)
#define ink_log_info(...)  ink_log(INK_LOG_INFO, __VA_ARGS__)
#define ink_log_warn(...)  ink_log(INK_LOG_WARN, __VA_ARGS__)
#define ink_log_error(...) ink_log(INK_LOG_ERROR, __VA_ARGS__)

#endif /* INKWELL_COMMON_LOG_H */
