/*
 * rpc_resolve.h - which addresses an RPC client dials: every address a peer's
 * DNS name has, followed as instances come and go.
 *
 * nng's tcp dialer resolves a name to one address and keeps that choice, so
 * `tcp://template-svc:8082` with two instances behind the name would reach
 * one of them only. The resolver expands each tcp:// entry of a peer's comma
 * list with getaddrinfo into one literal address per A/AAAA record and keeps
 * one nng dialer per literal address on the client's REQ socket (REQ spreads
 * requests over the pipes and resends to a live one when a pipe goes away).
 *
 * A background thread re-resolves every RPC_RESOLVE_INTERVAL_MS (like gRPC's
 * dns resolver): a new address gets a dialer, a vanished one has its dialer
 * (and so its connection) closed. A name that fails to resolve keeps the
 * dialers it had: a DNS hiccup never drops live connections.
 *
 * Entries that are not tcp:// (inproc://, ipc://, tls+tcp://, ...) and
 * literal IP addresses are dialled as given, once.
 */
#ifndef INKWELL_COMMON_RPC_RESOLVE_H
#define INKWELL_COMMON_RPC_RESOLVE_H

#include <nng/nng.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Caps: entries in a peer's comma list, literal addresses in all, URL size. */
#define INK_RPC_RESOLVE_MAX_SOURCES 16
#define INK_RPC_RESOLVE_MAX_ADDRS   64
#define INK_RPC_RESOLVE_URL_MAX     96

/* ink_rpc_addrs is one resolution of a comma list: url[i] came from list
 * entry src[i]; ok[s] says entry s resolved (when it did not, its url[]s are
 * absent and the dialers it had are to be kept). */
typedef struct ink_rpc_addrs {
	size_t n;
	size_t sources;
	char url[INK_RPC_RESOLVE_MAX_ADDRS][INK_RPC_RESOLVE_URL_MAX];
	int src[INK_RPC_RESOLVE_MAX_ADDRS];
	int ok[INK_RPC_RESOLVE_MAX_SOURCES];
} ink_rpc_addrs;

typedef struct ink_rpc_resolver ink_rpc_resolver;

/* ink_rpc_resolve_expand resolves the comma list `list` into *out (caller's
 * storage, filled in full on every return but INK_INVALID_ARGUMENT).
 * Returns INK_INVALID_ARGUMENT for an empty list, an entry without a port or
 * past the caps; INK_UNAVAILABLE when some name did not resolve (the reason
 * in `why`; out->ok says which; the others are in *out); INK_OK otherwise. */
INK_WUR ink_err ink_rpc_resolve_expand(const char *list, ink_rpc_addrs *out, char *why,
                                       size_t why_len);

/* ink_rpc_resolver_open resolves `list` and dials each address on `sock`
 * (`peer` names it in logs). flags 0 dials in the foreground: a name that
 * does not resolve or an address that does not accept is INK_UNAVAILABLE
 * (reason in `why`). NNG_FLAG_NONBLOCK dials in the background, retried by
 * nng, and a name not resolvable yet is only logged: the next re-resolve
 * tries again. interval_ms > 0 starts the re-resolve thread; 0 resolves only
 * at open. Returns INK_INVALID_ARGUMENT for a malformed list,
 * INK_RESOURCE_EXHAUSTED or INK_INTERNAL if memory, a thread or nng fail.
 * On success the caller owns *out and frees it with ink_rpc_resolver_close
 * BEFORE closing `sock`. */
INK_WUR ink_err ink_rpc_resolver_open(nng_socket sock, const char *peer, const char *list,
                                      int64_t interval_ms, int flags, ink_rpc_resolver **out,
                                      char *why, size_t why_len);

/* ink_rpc_resolver_close stops the re-resolve thread (waiting out a lookup
 * in progress, at most the system resolver's timeout) and frees r. The
 * dialers stay on the socket (nng_close closes them). NULL: no-op. */
void ink_rpc_resolver_close(ink_rpc_resolver *r);

/* ink_rpc_resolver_apply makes the dialer set match `want`: dials (in the
 * background) each address not dialled yet and closes the dialer of each
 * address whose entry resolved (want->ok) without it. The re-resolve thread
 * calls it; tests call it to stand in for DNS. Returns INK_OK, or the first
 * failure (nng's, or the cap of INK_RPC_RESOLVE_MAX_ADDRS dialers) as
 * INK_INTERNAL; the rest is still applied. */
INK_WUR ink_err ink_rpc_resolver_apply(ink_rpc_resolver *r, const ink_rpc_addrs *want);

/* ink_rpc_resolver_count returns how many addresses have a dialer now. */
size_t ink_rpc_resolver_count(ink_rpc_resolver *r);

/* ink_rpc_resolver_has says whether literal address `url` has a dialer. */
int ink_rpc_resolver_has(ink_rpc_resolver *r, const char *url);

/* ink_rpc_resolver_urls copies the literal address of each dialer (at most
 * max) into urls and returns how many it copied. */
size_t ink_rpc_resolver_urls(ink_rpc_resolver *r, char (*urls)[INK_RPC_RESOLVE_URL_MAX],
                             size_t max);

/* ink_rpc_resolver_rounds returns how many re-resolves the thread has done. */
uint64_t ink_rpc_resolver_rounds(ink_rpc_resolver *r);

#endif /* INKWELL_COMMON_RPC_RESOLVE_H */
