/*
 * gallery.h - the public gallery: publishing, browsing, unpublishing
 * (gallery.c, gallery_list.c), and what the moderation code (reports.c)
 * shares with it: the item's fields and the Lua that removes an item.
 *
 * Handlers answer inkwell.template.v1.Templates methods (see template.proto)
 * and return INK_OK after ink_rpc_reply, or the code of ink_rpc_fail:
 * INVALID_ARGUMENT (malformed id, cursor, title, PNG), NOT_FOUND,
 * UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE / INTERNAL (public Redis),
 * RESOURCE_EXHAUSTED (out of memory).
 */
#ifndef INKWELL_TEMPLATE_SVC_GALLERY_H
#define INKWELL_TEMPLATE_SVC_GALLERY_H

#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>

#include "err.h"
#include "rpc_server.h"
#include "template.pb-c.h"

/* gallery_publish: PublishRequest -> GalleryItem; the caller is the
 * publisher (UNAUTHENTICATED when anonymous). Idempotent by source_key: the
 * same key again returns the existing item unchanged (created = false).
 * PERMISSION_DENIED when moderation took that source's item, or any item
 * with the same PNG (SHA-256), down (see GALLERY_LUA_REMOVE): it cannot
 * simply be published again. */
INK_WUR ink_err gallery_publish(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* gallery_list: ListGalleryRequest -> GalleryList, newest first. */
INK_WUR ink_err gallery_list(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* gallery_get: GalleryRef -> GalleryItem. */
INK_WUR ink_err gallery_get(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* gallery_image: GalleryRef -> GalleryImage (PNG and its etag). */
INK_WUR ink_err gallery_image(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* gallery_delete: GalleryRef -> Removal (every item removed: this one and,
 * for a moderator's takedown, its copies). Its publisher or an admin only
 * (PERMISSION_DENIED otherwise); removes the item, its PNG, SVG and index
 * entry, closes its open reports and settles its published marker, in one
 * script (GALLERY_LUA_REMOVE; an admin removing another's item moderates). */
INK_WUR ink_err gallery_delete(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* An item's hash fields in the order gallery_item_from_reply reads them. */
#define GALLERY_ITEM_NFIELDS 10
#define GALLERY_ITEM_FIELDS                                                                        \
	"id title width height publisher_id publisher_name published_at etag style palette"
#define GALLERY_ITEM_FIELDS_LUA                                                                    \
	"'id', 'title', 'width', 'height', 'publisher_id', 'publisher_name', 'published_at', "     \
	"'etag', 'style', 'palette'"

/* Resolved reports stay readable this long (seconds) for an audit trail. */
#define GALLERY_RESOLVED_TTL_S "7776000"

/* Value prefix of a published marker whose item moderation took down. */
#define GALLERY_TOMBSTONE "removed:"

/* Lua (after GALLERY_LUA_KEYS): remove_item(pid, now, resolver, moderated)
 * deletes an item with everything that names it and returns 1 (its PNG and
 * SVG, on the item's own slot, are queued in GALLERY_KEY_BLOBS_DOOMED for
 * gallery_blobs_reap: the caller reaps after the script), or 0 when
 * there is no such item. Its open reports leave the open queue as "removed"
 * by `resolver` and stay readable GALLERY_RESOLVED_TTL_S (an audit trail: a
 * publisher cannot erase reports by unpublishing). When `moderated` (an
 * admin took it down) or reports were open, the item is taken down: the
 * published marker becomes a tombstone, so the same template cannot be
 * published straight back, and the page's fingerprint (sha256) is recorded
 * under GALLERY_KEY_TAKEDOWN, so no copy of it (a saved copy, the same photo
 * uploaded again) can be published either. An admin's removal also takes
 * down every other live item with that fingerprint (remove_copy). A
 * publisher withdrawing an unreported item may publish it again later.
 * Every item removed is appended to the script's `removed_items` table as three
 * strings (pid, publisher_id, source_key): the reply names them so user-svc
 * can clear its library records' gallery ids (issue 16, gallery_removed_*). */
#define GALLERY_LUA_REMOVE                                                                         \
	"local removed_items = {} "                                                                \
	"local function remove_copy(pid, now, resolver, moderated) "                               \
	"  local it = redis.call('HMGET', k_item(pid), 'source_key', 'sha256', 'publisher_id') "   \
	"  local src, fp = it[1], it[2] "                                                          \
	"  if not src then return 0 end "                                                          \
	"  local reported = false "                                                                \
	"  for _, r in ipairs(redis.call('HVALS', k_item_reports(pid))) do "                       \
	"    reported = true "                                                                     \
	"    redis.call('ZREM', K_REPORTS_OPEN, r) "                                               \
	"    redis.call('HSET', k_report(r), 'status', 'removed', 'resolved_at', now, "            \
	"               'resolver_id', resolver) "                                                 \
	"    redis.call('EXPIRE', k_report(r), " GALLERY_RESOLVED_TTL_S ") "                       \
	"  end "                                                                                   \
	"  local down = moderated or reported "                                                    \
	"  if redis.call('GET', k_published(src)) == pid then "                                    \
	"    if down then "                                                                        \
	"      redis.call('SET', k_published(src), '" GALLERY_TOMBSTONE "' .. pid) "               \
	"    else redis.call('DEL', k_published(src)) end "                                        \
	"  end "                                                                                   \
	"  if fp then "                                                                            \
	"    redis.call('SREM', k_copies(fp), pid) "                                               \
	"    if down then redis.call('SET', k_takedown(fp), pid) end "                             \
	"  end "                                                                                   \
	"  redis.call('DEL', k_item(pid), k_item_reports(pid)) "                                   \
	"  redis.call('ZADD', K_BLOBS_DOOMED, now, pid) "                                          \
	"  redis.call('ZREM', K_INDEX, pid) "                                                      \
	"  table.insert(removed_items, pid) "                                                      \
	"  table.insert(removed_items, it[3] or '') "                                              \
	"  table.insert(removed_items, src) "                                                      \
	"  return 1 "                                                                              \
	"end "                                                                                     \
	"local function remove_item(pid, now, resolver, moderated) "                               \
	"  local fp = redis.call('HGET', k_item(pid), 'sha256') "                                  \
	"  if remove_copy(pid, now, resolver, moderated) == 0 then return 0 end "                  \
	"  if moderated and fp then "                                                              \
	"    for _, c in ipairs(redis.call('SMEMBERS', k_copies(fp))) do "                         \
	"      remove_copy(c, now, resolver, true) "                                               \
	"    end "                                                                                 \
	"  end "                                                                                   \
	"  return 1 "                                                                              \
	"end "

/* gallery_item_from_reply fills *out from GALLERY_ITEM_NFIELDS reply
 * elements e[0..n) in GALLERY_ITEM_FIELDS order. Returns INK_NOT_FOUND when
 * n is short or the id is nil (no such item), INK_RESOURCE_EXHAUSTED when out
 * of memory; on INK_OK the caller frees with gallery_item_fini. */
INK_WUR ink_err gallery_item_from_reply(redisReply *const *e, size_t n,
                                        Inkwell__Template__V1__GalleryItem *out);

/* gallery_item_fini frees the strings of an item filled by
 * gallery_item_from_reply and re-initialises it. */
void gallery_item_fini(Inkwell__Template__V1__GalleryItem *it);

/* gallery_ref_unpack unpacks a GalleryRef and checks its id. INK_OK with
 * *out (caller frees: inkwell__template__v1__gallery_ref__free_unpacked),
 * else the code of ink_rpc_fail (INVALID_ARGUMENT). */
INK_WUR ink_err gallery_ref_unpack(ink_rpc_ctx *ctx, const uint8_t *body, size_t len,
                                   Inkwell__Template__V1__GalleryRef **out);

#endif /* INKWELL_TEMPLATE_SVC_GALLERY_H */
