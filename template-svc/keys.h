/*
 * keys.h - every Redis key template-svc writes in the public database. Key
 * names are a contract (DESIGN.md): change them only with a migration.
 *
 * `{...}` is a Redis Cluster hash tag. In a cluster a script may only touch
 * keys of one slot, and moderation ties items to each other (copies of one
 * page, a source's marker, reports, takedowns), so every small key that a
 * publish, removal or report changes shares the tag `{gallery}`, the slot of
 * the `gallery` index itself: those changes stay single atomic scripts. The
 * large, immutable bytes (PNG, SVG: nearly all the memory and read traffic)
 * are on their item's own slot `{pid}`, written before the item and deleted
 * after it (DESIGN-NOTES "Invariants"). Lua scripts build the names with
 * GALLERY_LUA_KEYS, which spells the same formats in Lua, so the names live
 * in this one file.
 */
#ifndef INKWELL_TEMPLATE_SVC_KEYS_H
#define INKWELL_TEMPLATE_SVC_KEYS_H

/* hash: id, source_key, title, width, height, publisher_id, publisher_name,
 * published_at (unix ms), etag, sha256 (hex SHA-256 of the PNG; items
 * published before takedowns covered copies have none), style and palette
 * (issue 19: "numbers" and "n|#rrggbb|name;..."; absent before) */
#define GALLERY_KEY_ITEM "public:{gallery}:%s"
/* string: the item's PNG; immutable */
#define GALLERY_KEY_ITEM_PNG "public:{%s}:png"
/* string: the item's SVG (the same curves as the PNG, printed to PDF on
 * request); immutable; absent for items published before SVGs were kept */
#define GALLERY_KEY_ITEM_SVG "public:{%s}:svg"
/* strings: a numbered item's plain outline (PNG, SVG) and regions PNG
 * (issue 19); immutable, beside and like its PNG; absent for a lines item */
#define GALLERY_KEY_ITEM_PLAIN     "public:{%s}:plain"
#define GALLERY_KEY_ITEM_PLAIN_SVG "public:{%s}:plain_svg"
#define GALLERY_KEY_ITEM_REGIONS   "public:{%s}:regions"
/* hash: reporter id -> report id, of the item's OPEN reports only */
#define GALLERY_KEY_ITEM_REPORTS "public:{gallery}:%s:reports"
/* zset: gallery ids scored by publication time (unix ms) */
#define GALLERY_KEY_INDEX "gallery"
/* string: the caller's source key -> gallery id (at most one item each) */
#define GALLERY_KEY_PUBLISHED "published:{gallery}:%s"
/* hash: id, gallery_id, reason, reporter_id, reporter_name, created_at,
 * status (open|removed|dismissed), resolved_at, resolver_id */
#define GALLERY_KEY_REPORT "report:{gallery}:%s"
/* zset: ids of open reports scored by creation time (unix ms) */
#define GALLERY_KEY_REPORTS_OPEN "reports:{gallery}:open"

/* set: ids of the live items whose PNG has this SHA-256 (hex): every
 * public copy of one page */
#define GALLERY_KEY_COPIES "copies:{gallery}:%s"
/* string: SHA-256 (hex) of a page moderation took down -> the id of the
 * item removed; a page with this fingerprint cannot be published (any
 * copy, any source). Never expires, like the published tombstones. */
#define GALLERY_KEY_TAKEDOWN "takedown:{gallery}:%s"

/* zset: ids of items whose PNG and SVG are to be deleted, scored by when
 * (unix ms): a removal adds its items at once, a publish adds its new id a
 * while ahead before writing the blobs and takes it out once the item
 * exists, so blobs a crash orphaned are reaped later (gallery_blobs_reap). */
#define GALLERY_KEY_BLOBS_DOOMED "blobs:{gallery}:doomed"
/* Every script's KEYS[1]: names the `{gallery}` slot, so a cluster client
 * sends the script to the node that holds it. */
#define GALLERY_KEY_SLOT GALLERY_KEY_INDEX

/* Largest key we format: prefix + tag + a 200-byte source key. */
#define GALLERY_KEY_MAX 256

/* Every script starts with this shebang: Redis 7 then holds the script to
 * Redis Cluster's rule even for keys it builds itself (not in KEYS) - all in
 * the slot of its KEYS, or the script fails ("do not hash to the same
 * slot"), on a one-node cluster too. Without it Redis allows any key. */
#define GALLERY_LUA "#!lua\n"

/* The formats above as Lua functions, for scripts (prepend to the script).
 * Only `{gallery}` keys: no script may touch an item's PNG or SVG. */
#define GALLERY_LUA_KEYS                                                                           \
	"local function k_item(p) return 'public:{gallery}:' .. p end "                            \
	"local function k_item_reports(p) return 'public:{gallery}:' .. p .. ':reports' end "      \
	"local function k_published(s) return 'published:{gallery}:' .. s end "                    \
	"local function k_report(r) return 'report:{gallery}:' .. r end "                          \
	"local function k_copies(f) return 'copies:{gallery}:' .. f end "                          \
	"local function k_takedown(f) return 'takedown:{gallery}:' .. f end "                      \
	"local K_INDEX = 'gallery' "                                                               \
	"local K_REPORTS_OPEN = 'reports:{gallery}:open' "                                         \
	"local K_BLOBS_DOOMED = 'blobs:{gallery}:doomed' "

#endif /* INKWELL_TEMPLATE_SVC_KEYS_H */
