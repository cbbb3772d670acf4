/*
 * gallery_list.c - paging through the public gallery, newest first.
 *
 * The `gallery` zset orders items by (published ms, id). A cursor names the
 * last item a page showed (common/content_rules.h's cursor); the next page starts just
 * after that position, so items published meanwhile (all newer) never shift
 * a page or repeat an item, and several items of one millisecond are paged
 * in id order. The page and its items are read by one script, so a page never
 * names an item that a concurrent delete already removed.
 */
#include "gallery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "support.h"
#include "svc.h"

#define GALLERY_LIMIT_DEFAULT 20
#define GALLERY_LIMIT_MAX     100

/* ARGV: 1 limit n, 2 cursor score ("" = from the newest), 3 cursor id.
 * Returns up to n + 1 entries, flat: score, id, then the item's fields in
 * GALLERY_ITEM_FIELDS order (all nil if the hash were missing). Of the items
 * with the cursor's score only those with a smaller id come after it. */
/* clang-format off */
static const char gallery_list_lua[] =
    GALLERY_LUA GALLERY_LUA_KEYS
    "local n = tonumber(ARGV[1]) "
    "local page = {} "
    "if ARGV[2] == '' then "
    "  page = redis.call('ZREVRANGE', K_INDEX, 0, n, 'WITHSCORES') "
    "else "
    "  local s = tonumber(ARGV[2]) "
    "  local ties = redis.call('ZCOUNT', K_INDEX, ARGV[2], ARGV[2]) "
    "  local raw = redis.call('ZREVRANGEBYSCORE', K_INDEX, ARGV[2], '-inf', 'WITHSCORES', "
    "    'LIMIT', 0, n + 1 + ties) "
    "  for i = 1, #raw, 2 do "
    "    if tonumber(raw[i + 1]) < s or raw[i] < ARGV[3] then "
    "      page[#page + 1] = raw[i] page[#page + 1] = raw[i + 1] end "
    "  end "
    "end "
    "local out = {} "
    "for i = 1, math.min(#page, 2 * (n + 1)), 2 do "
    "  out[#out + 1] = page[i + 1] out[#out + 1] = page[i] "
    "  local it = redis.call('HMGET', k_item(page[i]), " GALLERY_ITEM_FIELDS_LUA ") "
    "  for j = 1, #it do out[#out + 1] = it[j] end "
    "end "
    "return out";
/* clang-format on */

#define GALLERY_LIST_STRIDE (2 + GALLERY_ITEM_NFIELDS)

/* gallery_list_items fills list->items from the script's flat reply (at most
 * limit of them) and list->next_cursor when there are more. The caller frees
 * with gallery_list_fini, also on error. */
static ink_err gallery_list_items(const redisReply *rep, size_t limit,
                                  Inkwell__Template__V1__GalleryList *list,
                                  char cursor[INK_CURSOR_MAX])
{
	size_t entries = rep->elements / GALLERY_LIST_STRIDE;
	size_t shown = entries < limit ? entries : limit;

	list->items = calloc(shown ? shown : 1, sizeof(*list->items));
	if (list->items == NULL)
		return INK_RESOURCE_EXHAUSTED;
	for (size_t i = 0; i < shown; i++) {
		redisReply *const *e = rep->element + i * GALLERY_LIST_STRIDE;
		Inkwell__Template__V1__GalleryItem *it = malloc(sizeof(*it));
		if (it == NULL)
			return INK_RESOURCE_EXHAUSTED;
		ink_err err = gallery_item_from_reply(e + 2, GALLERY_ITEM_NFIELDS, it);
		if (err == INK_OK)
			list->items[list->n_items++] = it;
		else
			free(it);
		/* NOT_FOUND: an index entry without its hash, which the scripts
		 * never leave behind; skip it rather than fail the page. */
		if (err != INK_OK && err != INK_NOT_FOUND)
			return err;
		/* A score or id the scripts never write leaves no cursor (the
		 * page ends here) rather than one that cannot be read back. */
		if (i + 1 == shown && entries > limit && e[1]->type == REDIS_REPLY_STRING &&
		    ink_cursor_encode(tsvc_reply_num(e[0]), e[1]->str, cursor) != INK_OK)
			cursor[0] = '\0';
	}
	list->next_cursor = cursor;
	return INK_OK;
}

static void gallery_list_fini(Inkwell__Template__V1__GalleryList *list)
{
	for (size_t i = 0; i < list->n_items; i++) {
		gallery_item_fini(list->items[i]);
		free(list->items[i]);
	}
	free(list->items);
}

static ink_err gallery_list_run(ink_rpc_ctx *ctx, size_t limit, const char *score, const char *id)
{
	tsvc_worker *w = ctx->worker;
	Inkwell__Template__V1__GalleryList list = INKWELL__TEMPLATE__V1__GALLERY_LIST__INIT;
	redisReply *rep = NULL;
	char why[256], lim[24], cursor[INK_CURSOR_MAX] = "";

	snprintf(lim, sizeof(lim), "%zu", limit);
	ink_err err = ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                            "EVAL %s 1 " GALLERY_KEY_SLOT " %s %s %s", gallery_list_lua,
	                            lim, score, id);
	if (err != INK_OK)
		return tsvc_db_fail(ctx, err, why);
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements % GALLERY_LIST_STRIDE != 0) {
		freeReplyObject(rep);
		return ink_rpc_fail(ctx, INK_INTERNAL, "list script: unexpected reply");
	}
	err = gallery_list_items(rep, limit, &list, cursor);
	freeReplyObject(rep);
	if (err == INK_OK)
		err = ink_rpc_reply(ctx, &list.base);
	else
		err = tsvc_oom(ctx);
	gallery_list_fini(&list);
	return err;
}

ink_err gallery_list(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	char score[24] = "", id[TSVC_ID_LEN] = "";
	long long at = 0;
	ink_err err = INK_OK;
	Inkwell__Template__V1__ListGalleryRequest *r =
	    inkwell__template__v1__list_gallery_request__unpack(NULL, len, body);

	if (r == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "ListGalleryRequest does not parse");
	int32_t limit = r->limit == 0 ? GALLERY_LIMIT_DEFAULT : r->limit;
	if (limit < 1 || limit > GALLERY_LIMIT_MAX)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "limit must be 1-%d",
		                   GALLERY_LIMIT_MAX);
	else if (r->cursor[0] != '\0' && ink_cursor_decode(r->cursor, &at, id) != INK_OK)
		err = ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "cursor is not one we made");
	else if (r->cursor[0] != '\0')
		snprintf(score, sizeof(score), "%lld", at);
	if (err == INK_OK)
		err = gallery_list_run(ctx, (size_t)limit, score, id);
	inkwell__template__v1__list_gallery_request__free_unpacked(r, NULL);
	return err;
}
