/*
 * rpc_resolve.c - a peer's DNS names expanded to every address, one nng
 * dialer each, re-resolved on a thread of its own (see rpc_resolve.h).
 *
 * Locking: r->mu guards the dialer set, `stop` and `rounds`. getaddrinfo runs
 * with the lock released (it can take resolver_timeout), so a caller of
 * count/has/apply never waits on DNS; only the thread writes `scratch`.
 */
#include "rpc_resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "log.h"

/* While a name does not resolve, try again this often (it may be an instance
 * still starting), even when the interval is longer. */
#define RPC_RESOLVE_RETRY_MS 500

struct rpc_resolve_dialer {
	char url[INK_RPC_RESOLVE_URL_MAX];
	int src;
	nng_dialer d;
};

struct ink_rpc_resolver {
	nng_socket sock;
	char peer[48];
	char list[512];
	int64_t interval_ms;
	int64_t first_wait_ms; /* the thread's first wait: short if open found no name */
	int quiet;             /* foreground (one-shot tools): no log lines of our own */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC; signalled by close */
	int stop;
	int thread_started;
	pthread_t thread;
	uint64_t rounds;
	size_t n;
	struct rpc_resolve_dialer dialers[INK_RPC_RESOLVE_MAX_ADDRS];
	ink_rpc_addrs scratch; /* the thread's alone */
};

/* rpc_resolve_add appends url (from entry src) unless present. 0 on success
 * or duplicate, -1 when the cap is reached. */
static int rpc_resolve_add(ink_rpc_addrs *out, const char *url, int src)
{
	for (size_t i = 0; i < out->n; i++)
		if (strcmp(out->url[i], url) == 0)
			return 0;
	if (out->n >= INK_RPC_RESOLVE_MAX_ADDRS)
		return -1;
	snprintf(out->url[out->n], sizeof(out->url[0]), "%s", url);
	out->src[out->n] = src;
	out->n++;
	return 0;
}

/* rpc_resolve_literal says whether host is an IPv4 or IPv6 literal. */
static int rpc_resolve_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* rpc_resolve_split splits "host:port" or "[v6]:port" (hostport, modified in
 * place) into *host and *port. Returns INK_INVALID_ARGUMENT without a port. */
static ink_err rpc_resolve_split(char *hostport, char **host, char **port)
{
	char *colon;

	if (hostport[0] == '[') {
		char *close = strchr(hostport, ']');
		if (close == NULL || close[1] != ':')
			return INK_INVALID_ARGUMENT;
		*close = '\0';
		*host = hostport + 1;
		colon = close + 1;
	} else {
		colon = strrchr(hostport, ':');
		if (colon == NULL)
			return INK_INVALID_ARGUMENT;
		*colon = '\0';
		*host = hostport;
	}
	*port = colon + 1;
	return **port == '\0' ? INK_INVALID_ARGUMENT : INK_OK;
}

/* rpc_resolve_name adds one literal URL per address of host:port. Returns
 * INK_UNAVAILABLE if the name does not resolve now, INK_INVALID_ARGUMENT for
 * a bad port or the cap. */
static ink_err rpc_resolve_name(const char *host, const char *port, int family, int src,
                                ink_rpc_addrs *out, char *why, size_t why_len)
{
	struct addrinfo hints = {0};
	struct addrinfo *res = NULL;
	ink_err err = INK_OK;

	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	int rv = getaddrinfo(host, port, &hints, &res);
	if (rv != 0) {
		ink_why(why, why_len, "cannot resolve %s: %s", host, gai_strerror(rv));
		return rv == EAI_SERVICE ? INK_INVALID_ARGUMENT : INK_UNAVAILABLE;
	}
	for (struct addrinfo *ai = res; ai != NULL && err == INK_OK; ai = ai->ai_next) {
		char ip[INET6_ADDRSTRLEN];
		char url[INK_RPC_RESOLVE_URL_MAX];
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *sa = (const struct sockaddr_in *)ai->ai_addr;
			if (inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip)) == NULL)
				continue;
			snprintf(url, sizeof(url), "tcp://%s:%u", ip,
			         (unsigned)ntohs(sa->sin_port));
		} else if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *sa = (const struct sockaddr_in6 *)ai->ai_addr;
			if (inet_ntop(AF_INET6, &sa->sin6_addr, ip, sizeof(ip)) == NULL)
				continue;
			snprintf(url, sizeof(url), "tcp://[%s]:%u", ip,
			         (unsigned)ntohs(sa->sin6_port));
		} else {
			continue;
		}
		if (rpc_resolve_add(out, url, src) != 0) {
			ink_why(why, why_len, "more than %d addresses", INK_RPC_RESOLVE_MAX_ADDRS);
			err = INK_INVALID_ARGUMENT;
		}
	}
	freeaddrinfo(res);
	return err;
}

/* rpc_resolve_entry expands one entry of the list (trimmed, NUL-terminated,
 * modified in place). */
static ink_err rpc_resolve_entry(char *entry, int src, ink_rpc_addrs *out, char *why,
                                 size_t why_len)
{
	static const struct {
		const char *scheme;
		int family;
	} tcp[] = {{"tcp://", AF_UNSPEC}, {"tcp4://", AF_INET}, {"tcp6://", AF_INET6}};
	char whole[INK_RPC_RESOLVE_URL_MAX];

	if (strlen(entry) >= sizeof(whole)) {
		ink_why(why, why_len, "address too long: %.40s...", entry);
		return INK_INVALID_ARGUMENT;
	}
	snprintf(whole, sizeof(whole), "%s", entry);
	for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
		size_t len = strlen(tcp[i].scheme);
		if (strncmp(entry, tcp[i].scheme, len) != 0)
			continue;
		char *host = NULL;
		char *port = NULL;
		if (rpc_resolve_split(entry + len, &host, &port) != INK_OK) {
			ink_why(why, why_len, "%s: no port", whole);
			return INK_INVALID_ARGUMENT;
		}
		if (host[0] == '\0' || rpc_resolve_literal(host))
			break;
		return rpc_resolve_name(host, port, tcp[i].family, src, out, why, why_len);
	}
	/* A literal address or another transport: nng dials it as given. */
	if (rpc_resolve_add(out, whole, src) != 0) {
		ink_why(why, why_len, "more than %d addresses", INK_RPC_RESOLVE_MAX_ADDRS);
		return INK_INVALID_ARGUMENT;
	}
	return INK_OK;
}

ink_err ink_rpc_resolve_expand(const char *list, ink_rpc_addrs *out, char *why, size_t why_len)
{
	char buf[512];
	char *save = NULL;
	ink_err worst = INK_OK;

	if (list == NULL || strlen(list) >= sizeof(buf))
		return INK_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *e = strtok_r(buf, ",", &save); e != NULL; e = strtok_r(NULL, ",", &save)) {
		while (*e == ' ' || *e == '\t')
			e++;
		size_t len = strlen(e);
		while (len > 0 && (e[len - 1] == ' ' || e[len - 1] == '\t'))
			e[--len] = '\0';
		if (len == 0)
			continue;
		if (out->sources >= INK_RPC_RESOLVE_MAX_SOURCES) {
			ink_why(why, why_len, "more than %d addresses in the list",
			        INK_RPC_RESOLVE_MAX_SOURCES);
			return INK_INVALID_ARGUMENT;
		}
		int src = (int)out->sources++;
		ink_err err = rpc_resolve_entry(e, src, out, why, why_len);
		if (err == INK_INVALID_ARGUMENT)
			return err;
		out->ok[src] = err == INK_OK;
		if (err != INK_OK)
			worst = err;
	}
	return out->sources == 0 ? INK_INVALID_ARGUMENT : worst;
}

static int rpc_resolve_wanted(const ink_rpc_addrs *want, const char *url)
{
	for (size_t i = 0; i < want->n; i++)
		if (strcmp(want->url[i], url) == 0)
			return 1;
	return 0;
}

static ssize_t rpc_resolve_find(const ink_rpc_resolver *r, const char *url)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->dialers[i].url, url) == 0)
			return (ssize_t)i;
	return -1;
}

/* rpc_resolve_dial starts a dialer for url. r->mu held. */
static ink_err rpc_resolve_dial(ink_rpc_resolver *r, const char *url, int src, int flags, char *why,
                                size_t why_len)
{
	nng_dialer d;

	/* Dialers kept for a name that failed this round count too. */
	if (r->n >= INK_RPC_RESOLVE_MAX_ADDRS) {
		ink_why(why, why_len, "%s: more than %d addresses, %s not dialled", r->peer,
		        INK_RPC_RESOLVE_MAX_ADDRS, url);
		return INK_RESOURCE_EXHAUSTED;
	}
	int rv = nng_dialer_create(&d, r->sock, url);
	if (rv == 0) {
		rv = nng_dialer_start(d, flags);
		if (rv != 0)
			nng_dialer_close(d);
	}
	if (rv != 0) {
		ink_why(why, why_len, "cannot connect to %s at %s: %s", r->peer, url,
		        nng_strerror(rv));
		return (rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP || rv == NNG_EINVAL)
		           ? INK_INVALID_ARGUMENT
		           : INK_UNAVAILABLE;
	}
	struct rpc_resolve_dialer *slot = &r->dialers[r->n++];
	snprintf(slot->url, sizeof(slot->url), "%s", url);
	slot->src = src;
	slot->d = d;
	if (!r->quiet)
		ink_log_info("rpc %s: dialing %s", r->peer, url);
	return INK_OK;
}

/* rpc_resolve_sync makes the dialer set match want. r->mu held. Returns the
 * first failure; with flags 0 (foreground) it stops there. */
static ink_err rpc_resolve_sync(ink_rpc_resolver *r, const ink_rpc_addrs *want, int flags,
                                char *why, size_t why_len)
{
	ink_err first = INK_OK;

	for (size_t i = 0; i < r->n;) {
		struct rpc_resolve_dialer *dl = &r->dialers[i];
		if (dl->src >= (int)want->sources || !want->ok[dl->src] ||
		    rpc_resolve_wanted(want, dl->url)) {
			i++;
			continue;
		}
		if (!r->quiet)
			ink_log_info("rpc %s: %s no longer resolves, closing its dialer", r->peer,
			             dl->url);
		nng_dialer_close(dl->d);
		r->dialers[i] = r->dialers[--r->n];
	}
	for (size_t i = 0; i < want->n; i++) {
		if (rpc_resolve_find(r, want->url[i]) >= 0)
			continue;
		ink_err err = rpc_resolve_dial(r, want->url[i], want->src[i], flags, why, why_len);
		if (err != INK_OK && first == INK_OK)
			first = err;
		if (err != INK_OK && flags == 0)
			break;
	}
	return first;
}

static void rpc_resolve_deadline(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* rpc_resolve_wait_ms is the time to the next round: sooner while a name
 * does not resolve or resolves to nothing. */
static int64_t rpc_resolve_wait_ms(const ink_rpc_resolver *r, const ink_rpc_addrs *got, ink_err err)
{
	int short_wait = err != INK_OK || got->n == 0;

	if (short_wait && r->interval_ms > RPC_RESOLVE_RETRY_MS)
		return RPC_RESOLVE_RETRY_MS;
	return r->interval_ms;
}

static void *rpc_resolve_main(void *arg)
{
	ink_rpc_resolver *r = arg;
	int64_t wait_ms = r->first_wait_ms;
	int failing = 0;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		struct timespec until;
		rpc_resolve_deadline(&until, wait_ms);
		while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) != ETIMEDOUT)
			;
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->mu);
		char why[256] = "";
		ink_err err = ink_rpc_resolve_expand(r->list, &r->scratch, why, sizeof(why));
		if (err != INK_OK && !failing)
			ink_log_warn("rpc %s: %s (keeping its dialers, retrying)", r->peer, why);
		else if (err == INK_OK && failing)
			ink_log_info("rpc %s: names resolve again", r->peer);
		failing = err != INK_OK;
		pthread_mutex_lock(&r->mu);
		if (err != INK_INVALID_ARGUMENT && !r->stop) {
			char dwhy[256] = "";
			if (rpc_resolve_sync(r, &r->scratch, NNG_FLAG_NONBLOCK, dwhy,
			                     sizeof(dwhy)) != INK_OK)
				ink_log_warn("rpc %s: %s", r->peer, dwhy);
		}
		r->rounds++;
		wait_ms = rpc_resolve_wait_ms(r, &r->scratch, err);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static ink_err rpc_resolve_start(ink_rpc_resolver *r)
{
	pthread_condattr_t attr;

	if (pthread_condattr_init(&attr) != 0)
		return INK_INTERNAL;
	int rv = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rv == 0)
		rv = pthread_cond_init(&r->cv, &attr);
	pthread_condattr_destroy(&attr);
	if (rv != 0)
		return INK_INTERNAL;
	if (r->interval_ms <= 0)
		return INK_OK;
	if (pthread_create(&r->thread, NULL, rpc_resolve_main, r) != 0) {
		pthread_cond_destroy(&r->cv);
		return INK_RESOURCE_EXHAUSTED;
	}
	r->thread_started = 1;
	return INK_OK;
}

ink_err ink_rpc_resolver_open(nng_socket sock, const char *peer, const char *list,
                              int64_t interval_ms, int flags, ink_rpc_resolver **out, char *why,
                              size_t why_len)
{
	if (list == NULL || strlen(list) >= sizeof(((ink_rpc_resolver *)0)->list))
		return INK_INVALID_ARGUMENT;
	ink_rpc_resolver *r = calloc(1, sizeof(*r));
	ink_rpc_addrs *first = malloc(sizeof(*first));
	ink_err err = INK_RESOURCE_EXHAUSTED;

	if (r == NULL || first == NULL)
		goto fail_mem;
	r->sock = sock;
	snprintf(r->peer, sizeof(r->peer), "%s", peer);
	snprintf(r->list, sizeof(r->list), "%s", list);
	r->interval_ms = interval_ms;
	r->quiet = (flags & NNG_FLAG_NONBLOCK) == 0;
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		err = INK_INTERNAL;
		goto fail_mem;
	}
	err = ink_rpc_resolve_expand(list, first, why, why_len);
	r->first_wait_ms = rpc_resolve_wait_ms(r, first, err);
	if (err == INK_UNAVAILABLE && !r->quiet) {
		ink_log_warn("rpc %s: %s (retrying)", peer, why);
		err = INK_OK;
	}
	if (err != INK_OK)
		goto fail;
	pthread_mutex_lock(&r->mu);
	err = rpc_resolve_sync(r, first, flags, why, why_len);
	pthread_mutex_unlock(&r->mu);
	if (err != INK_OK)
		goto fail;
	err = rpc_resolve_start(r);
	if (err != INK_OK)
		goto fail;
	free(first);
	*out = r;
	return INK_OK;
fail:
	for (size_t i = 0; i < r->n; i++)
		nng_dialer_close(r->dialers[i].d);
	pthread_mutex_destroy(&r->mu);
fail_mem:
	free(first);
	free(r);
	return err;
}

void ink_rpc_resolver_close(ink_rpc_resolver *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->thread_started)
		pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

ink_err ink_rpc_resolver_apply(ink_rpc_resolver *r, const ink_rpc_addrs *want)
{
	char why[256] = "";

	pthread_mutex_lock(&r->mu);
	ink_err err = rpc_resolve_sync(r, want, NNG_FLAG_NONBLOCK, why, sizeof(why));
	pthread_mutex_unlock(&r->mu);
	return err == INK_OK ? INK_OK : INK_INTERNAL;
}

size_t ink_rpc_resolver_count(ink_rpc_resolver *r)
{
	pthread_mutex_lock(&r->mu);
	size_t n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

int ink_rpc_resolver_has(ink_rpc_resolver *r, const char *url)
{
	pthread_mutex_lock(&r->mu);
	int has = rpc_resolve_find(r, url) >= 0;
	pthread_mutex_unlock(&r->mu);
	return has;
}

size_t ink_rpc_resolver_urls(ink_rpc_resolver *r, char (*urls)[INK_RPC_RESOLVE_URL_MAX], size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&r->mu);
	for (; n < r->n && n < max; n++)
		snprintf(urls[n], sizeof(urls[n]), "%s", r->dialers[n].url);
	pthread_mutex_unlock(&r->mu);
	return n;
}

uint64_t ink_rpc_resolver_rounds(ink_rpc_resolver *r)
{
	pthread_mutex_lock(&r->mu);
	uint64_t n = r->rounds;
	pthread_mutex_unlock(&r->mu);
	return n;
}
