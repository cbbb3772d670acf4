/*
 * page_cache.h - library pages the edge has answered, kept to answer again
 * while the library has not changed (issue 16).
 *
 * A signed-in `GET /v1/templates` still goes to user-svc every time: the
 * call resolves the session (a logout or revocation refuses the very next
 * request) and reads the library's version (user-svc/keys.h,
 * USVC_KEY_LIBRARY_VERSION), which every write to the library replaces with
 * a fresh random one. When the edge holds a page of this token, limit and
 * cursor, it sends that page's version along; if the library is still at
 * it, user-svc reads nothing else and answers `unchanged`, and the edge
 * sends the bytes it kept. So what is kept is never served without the
 * session being live at that moment, and never after any write that could
 * change it: the cache skips the page's reads and its JSON, not a check.
 *
 * Pages are immutable and counted (atomically): a reader takes a reference
 * under the lock and sends without it; a new page replaces the old in its
 * slot, and the old one is freed by its last reader. One lock guards the
 * slots; it is held for a pointer swap and a count, never while encoding
 * or sending.
 */
#ifndef INKWELL_EDGE_PAGE_CACHE_H
#define INKWELL_EDGE_PAGE_CACHE_H

#include <stddef.h>

#include "err.h"

/* A kept page's body is at most this long: a longer one is answered but not
 * kept, so the cache holds at most slots x this (EDGE_PAGE_CACHE_SLOTS). */
#define EDGE_PAGE_BODY_MAX    (64 * 1024)
#define EDGE_PAGE_VERSION_MAX 64

typedef struct edge_page_cache edge_page_cache;

/* edge_page: one answered page. Read-only once made; key, next_cursor and
 * body point into the page itself (body NUL-terminated after len bytes). */
typedef struct edge_page {
	_Atomic int refs;
	char version[EDGE_PAGE_VERSION_MAX + 1];
	const char *key;
	const char *next_cursor;
	const char *body;
	size_t len;
} edge_page;

/* edge_page_cache_new makes a cache of `slots` pages (a page goes to the
 * slot its key hashes to, replacing what was there). INK_RESOURCE_EXHAUSTED
 * when out of memory; *out set on INK_OK only. */
INK_WUR ink_err edge_page_cache_new(size_t slots, edge_page_cache **out);

/* edge_page_cache_free frees c and the pages it holds (NULL: nothing).
 * No reader may still hold a page of it. */
void edge_page_cache_free(edge_page_cache *c);

/* edge_page_new makes a page (one allocation, reference count 1: the
 * caller's). NULL when out of memory, when the version is longer than
 * EDGE_PAGE_VERSION_MAX or the body longer than EDGE_PAGE_BODY_MAX: such a
 * page is simply not kept. */
edge_page *edge_page_new(const char *key, const char *version, const char *next_cursor,
                         const char *body, size_t len);

/* edge_page_cache_get returns the page kept under key, with a reference
 * the caller gives back with edge_page_release; NULL when there is none
 * (c NULL: a cache that is off). */
edge_page *edge_page_cache_get(edge_page_cache *c, const char *key);

/* edge_page_cache_put keeps p under its key (the cache takes its own
 * reference; the caller keeps its one), replacing the page in its slot.
 * c NULL: nothing. */
void edge_page_cache_put(edge_page_cache *c, edge_page *p);

/* edge_page_release gives back a reference from edge_page_new or
 * edge_page_cache_get; the last one frees the page. p NULL: nothing. */
void edge_page_release(edge_page *p);

#endif /* INKWELL_EDGE_PAGE_CACHE_H */
