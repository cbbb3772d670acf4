/*
 * removed.c - the RemovedItem list a removal answers with (issue 16): the
 * removal script appends each item it removes to its `removed_items` table, and
 * this file turns that part of its reply into protobuf for the caller.
 */
#include "removed.h"

#include <stdlib.h>

ink_err gallery_removed_from_reply(redisReply *const *e, size_t n, gallery_removed *out)
{
	gallery_removed r = {NULL, NULL, n / 3};

	if (n % 3 != 0)
		return INK_INTERNAL;
	for (size_t i = 0; i < n; i++)
		if (e[i]->type != REDIS_REPLY_STRING)
			return INK_INTERNAL;
	if (r.n == 0) {
		*out = r;
		return INK_OK;
	}
	r.items = calloc(r.n, sizeof(*r.items));
	r.ptrs = calloc(r.n, sizeof(*r.ptrs));
	if (r.items == NULL || r.ptrs == NULL) {
		gallery_removed_fini(&r);
		return INK_RESOURCE_EXHAUSTED;
	}
	for (size_t i = 0; i < r.n; i++) {
		inkwell__template__v1__removed_item__init(&r.items[i]);
		r.items[i].gallery_id = e[3 * i]->str;
		r.items[i].publisher_id = e[3 * i + 1]->str;
		r.items[i].source_key = e[3 * i + 2]->str;
		r.ptrs[i] = &r.items[i];
	}
	*out = r;
	return INK_OK;
}

void gallery_removed_fini(gallery_removed *r)
{
	free(r->items);
	free(r->ptrs);
	r->items = NULL;
	r->ptrs = NULL;
	r->n = 0;
}
