/*
 * removed.h - what a removal tells its caller (issue 16): every gallery item
 * a DeleteGalleryItem or a ResolveReport "remove" took away, with its
 * publisher and source key, built from the removal script's `removed_items` table
 * (GALLERY_LUA_REMOVE). user-svc clears its library records' gallery ids
 * from it, so library reads never ask template-svc whether an item exists.
 */
#ifndef INKWELL_TEMPLATE_SVC_REMOVED_H
#define INKWELL_TEMPLATE_SVC_REMOVED_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "err.h"
#include "template.pb-c.h"

/* The RemovedItem messages of one reply; items[i]'s strings point into the
 * script's reply, so they are valid while that reply lives. */
typedef struct gallery_removed {
	Inkwell__Template__V1__RemovedItem *items;
	Inkwell__Template__V1__RemovedItem **ptrs; /* what a repeated field wants */
	size_t n;
} gallery_removed;

/* gallery_removed_from_reply fills *out from e[0..n), the removal script's
 * `removed_items` table (pid, publisher id, source key, again and again), without
 * copying the strings. Returns INK_INTERNAL when n is not a multiple of 3
 * or an element is not a string, INK_RESOURCE_EXHAUSTED out of memory; *out
 * is set on INK_OK only and freed with gallery_removed_fini. */
INK_WUR ink_err gallery_removed_from_reply(redisReply *const *e, size_t n, gallery_removed *out);

/* gallery_removed_fini frees what gallery_removed_from_reply allocated (not
 * the reply) and empties *r. */
void gallery_removed_fini(gallery_removed *r);

#endif /* INKWELL_TEMPLATE_SVC_REMOVED_H */
