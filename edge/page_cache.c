/*
 * page_cache.c - the edge's kept library pages (page_cache.h says when one
 * may be served). A fixed array of slots, each holding at most one page,
 * picked by a keyed hash of the page's key: a bounded memory, no eviction
 * bookkeeping, and a key nobody outside can aim at another's slot (the
 * hash key is random per process).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "page_cache.h"

struct edge_page_cache {
	pthread_mutex_t lock;
	size_t n_slots;
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
	edge_page *slots[];
};

ink_err edge_page_cache_new(size_t slots, edge_page_cache **out)
{
	if (slots == 0 || slots > ((size_t)1 << 24))
		return INK_INVALID_ARGUMENT;
	edge_page_cache *c = calloc(1, sizeof(*c) + slots * sizeof(c->slots[0]));
	if (c == NULL)
		return INK_RESOURCE_EXHAUSTED;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return INK_RESOURCE_EXHAUSTED;
	}
	c->n_slots = slots;
	crypto_shorthash_keygen(c->hash_key);
	*out = c;
	return INK_OK;
}

void edge_page_cache_free(edge_page_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_slots; i++)
		edge_page_release(c->slots[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

edge_page *edge_page_new(const char *key, const char *version, const char *next_cursor,
                         const char *body, size_t len)
{
	size_t klen = strlen(key), vlen = strlen(version), clen = strlen(next_cursor);

	if (vlen > EDGE_PAGE_VERSION_MAX || len > EDGE_PAGE_BODY_MAX)
		return NULL;
	edge_page *p = malloc(sizeof(*p) + klen + 1 + clen + 1 + len + 1);
	if (p == NULL)
		return NULL;
	char *k = (char *)(p + 1), *cur = k + klen + 1, *b = cur + clen + 1;
	memcpy(k, key, klen + 1);
	memcpy(cur, next_cursor, clen + 1);
	memcpy(b, body, len);
	b[len] = '\0';
	memcpy(p->version, version, vlen + 1);
	p->key = k;
	p->next_cursor = cur;
	p->body = b;
	p->len = len;
	atomic_init(&p->refs, 1);
	return p;
}

void edge_page_release(edge_page *p)
{
	if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
		free(p);
}

/* page_slot is the slot of key in c. */
static size_t page_slot(const edge_page_cache *c, const char *key)
{
	unsigned char h[crypto_shorthash_BYTES];
	unsigned long long v = 0;

	crypto_shorthash(h, (const unsigned char *)key, strlen(key), c->hash_key);
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	return (size_t)(v % c->n_slots);
}

edge_page *edge_page_cache_get(edge_page_cache *c, const char *key)
{
	if (c == NULL)
		return NULL;
	size_t i = page_slot(c, key);
	pthread_mutex_lock(&c->lock);
	edge_page *p = c->slots[i];
	if (p != NULL && strcmp(p->key, key) == 0)
		atomic_fetch_add(&p->refs, 1);
	else
		p = NULL;
	pthread_mutex_unlock(&c->lock);
	return p;
}

void edge_page_cache_put(edge_page_cache *c, edge_page *p)
{
	if (c == NULL || p == NULL)
		return;
	size_t i = page_slot(c, p->key);
	atomic_fetch_add(&p->refs, 1);
	pthread_mutex_lock(&c->lock);
	edge_page *old = c->slots[i];
	c->slots[i] = p;
	pthread_mutex_unlock(&c->lock);
	edge_page_release(old);
}
