/*
 * keys.h - every Redis key template-svc writes in the public database. Key
 * names are a contract (DESIGN.md): change them only with a migration.
 *
 * `{...}` is a Redis Cluster hash tag: an item's hash, PNG and report index
 * share their item's tag. Lua scripts that reach keys named by ids they read
 * from Redis (an item's reports, a published marker) build those names with
 * GALLERY_LUA_KEYS, which spells the same formats in Lua, so the names live
 * in this one file.
 */
#ifndef INKWELL_TEMPLATE_SVC_KEYS_H
#define INKWELL_TEMPLATE_SVC_KEYS_H

/* hash: id, source_key, title, width, height, publisher_id, publisher_name,
 * published_at (unix ms), etag, sha256 (hex SHA-256 of the PNG; items
 * published before takedowns covered copies have none) */
#define GALLERY_KEY_ITEM "public:{%s}"
/* string: the item's PNG; immutable */
#define GALLERY_KEY_ITEM_PNG "public:{%s}:png"
/* string: the item's SVG (the same curves as the PNG, printed to PDF on
 * request); immutable; absent for items published before SVGs were kept */
#define GALLERY_KEY_ITEM_SVG "public:{%s}:svg"
/* hash: reporter id -> report id, of the item's OPEN reports only */
#define GALLERY_KEY_ITEM_REPORTS "public:{%s}:reports"
/* zset: gallery ids scored by publication time (unix ms) */
#define GALLERY_KEY_INDEX "gallery"
/* string: the caller's source key -> gallery id (at most one item each) */
#define GALLERY_KEY_PUBLISHED "published:{%s}"
/* hash: id, gallery_id, reason, reporter_id, reporter_name, created_at,
 * status (open|removed|dismissed), resolved_at, resolver_id */
#define GALLERY_KEY_REPORT "report:{%s}"
/* zset: ids of open reports scored by creation time (unix ms) */
#define GALLERY_KEY_REPORTS_OPEN "reports:open"

/* set: ids of the live items whose PNG has this SHA-256 (hex): every
 * public copy of one page */
#define GALLERY_KEY_COPIES "copies:{%s}"
/* string: SHA-256 (hex) of a page moderation took down -> the id of the
 * item removed; a page with this fingerprint cannot be published (any
 * copy, any source). Never expires, like the published tombstones. */
#define GALLERY_KEY_TAKEDOWN "takedown:{%s}"

/* Largest key we format: prefix + a 200-byte source key + tag. */
#define GALLERY_KEY_MAX 256

/* The formats above as Lua functions, for scripts (prepend to the script). */
#define GALLERY_LUA_KEYS                                                                           \
	"local function k_item(p) return 'public:{' .. p .. '}' end "                              \
	"local function k_png(p) return 'public:{' .. p .. '}:png' end "                           \
	"local function k_svg(p) return 'public:{' .. p .. '}:svg' end "                           \
	"local function k_item_reports(p) return 'public:{' .. p .. '}:reports' end "              \
	"local function k_published(s) return 'published:{' .. s .. '}' end "                      \
	"local function k_report(r) return 'report:{' .. r .. '}' end "                            \
	"local function k_copies(f) return 'copies:{' .. f .. '}' end "                            \
	"local function k_takedown(f) return 'takedown:{' .. f .. '}' end "                        \
	"local K_INDEX = 'gallery' "                                                               \
	"local K_REPORTS_OPEN = 'reports:open' "

#endif /* INKWELL_TEMPLATE_SVC_KEYS_H */
