/*
 * library.h - inkwell.user.v1.Library: each user's private templates.
 *
 * Every handler acts for ctx->caller only (UNAUTHENTICATED when anonymous);
 * ids of other users' templates are NOT_FOUND. Errors: INVALID_ARGUMENT
 * (title, ids, limits, or the converter's reason for a bad image),
 * PAYLOAD_TOO_LARGE (image), RESOURCE_EXHAUSTED (quota), UNAVAILABLE (a
 * database or template-svc down), DEADLINE_EXCEEDED.
 */
#ifndef INKWELL_USER_SVC_LIBRARY_H
#define INKWELL_USER_SVC_LIBRARY_H

#include "numbers.h"
#include <stdint.h>

#include "err.h"
#include "redis.h"
#include "rpc_server.h"
#include "user.pb-c.h"

INK_WUR ink_err usvc_lib_create(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_lib_list(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_lib_get(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_lib_image(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_lib_rename(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_lib_delete(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
/* Publishing and saving (publish.c): PublishTemplate answers template-svc's
 * GalleryItem plus whether it already existed; SaveGalleryItem copies a
 * public item into the caller's library (quota applies). */
INK_WUR ink_err usvc_lib_publish(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_lib_save(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
/* Vector and print outputs (print.c): GetTemplateSvg answers the SVG kept at
 * conversion time; PrintTemplate has template-svc print it (PrintPage) with
 * the template's current title. Both NOT_FOUND "no vector form" for a
 * template converted before SVGs were kept. */
INK_WUR ink_err usvc_lib_svg(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_lib_print(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* usvc_lib_store adds a finished page to the caller's library atomically
 * (hash + PNG + SVG + index, refusing past the quota) and fills *out
 * (strings malloc'd: usvc_lib_template_free). svg_len 0: the page has no
 * vector form (a gallery item published before SVGs were kept). Used by
 * create and by saving a gallery item. Returns the code after ink_rpc_fail
 * on error. */
INK_WUR ink_err usvc_lib_store(ink_rpc_ctx *ctx, const char *title, uint32_t width, uint32_t height,
                               int32_t detail, int32_t line_width, const uint8_t *png,
                               size_t png_len, const uint8_t *svg, size_t svg_len,
                               Inkwell__User__V1__Template *out);

/* USVC_LIB_FIELDS_LUA: the template hash's fields usvc_lib_from_reply
 * reads, as Lua arguments of an HMGET (for scripts reading templates). */
#define USVC_LIB_FIELDS_LUA                                                                        \
	"'id', 'title', 'width', 'height', 'detail', 'line_width', 'created_at', 'etag', "         \
	"'gallery_id', 'style', 'palette'"

#define USVC_LIB_NFIELDS 11

/* USVC_LIB_VERSION_LEN: a library version's size with its NUL (keys.h's
 * USVC_KEY_LIBRARY_VERSION: 32 hex digits). */
#define USVC_LIB_VERSION_LEN 33

/* usvc_lib_version_new writes a fresh library version to out: random, so a
 * version that a lost write (a failover) took back is never given again to
 * different contents. Every script that writes the user's index or template
 * hashes sets it. Never fails. */
void usvc_lib_version_new(char out[USVC_LIB_VERSION_LEN]);

/* usvc_lib_set_field sets one field of template tid of user uid to value and
 * gives the library a new version, in one script, when the template exists
 * and, with if_gallery non-NULL, its gallery_id is if_gallery; else it writes
 * nothing (no error: a template deleted meanwhile is not recreated). A Redis
 * error is returned with why filled. */
INK_WUR ink_err usvc_lib_set_field(ink_redis *r, const char *uid, const char *tid,
                                   const char *field, const char *value, const char *if_gallery,
                                   char *why, size_t why_len);

/* usvc_lib_from_fields fills *t from those fields' values, in that order
 * (NULL: the field is absent, read as ""; strings malloc'd:
 * usvc_lib_template_free). INK_NOT_FOUND when the hash does not exist (no
 * id), INK_RESOURCE_EXHAUSTED when out of memory (nothing to free then). */
INK_WUR ink_err usvc_lib_from_fields(const char *const f[USVC_LIB_NFIELDS],
                                     Inkwell__User__V1__Template *t);

/* usvc_lib_from_reply is usvc_lib_from_fields for the reply of an HMGET of
 * those fields. */
INK_WUR ink_err usvc_lib_from_reply(const redisReply *rep, Inkwell__User__V1__Template *t);

/* usvc_lib_take is usvc_lib_from_reply for a call reading template `id`:
 * on INK_OK *out is filled (usvc_lib_template_free); else the call is
 * failed (NOT_FOUND "no template <id>", or out of memory) and its code
 * returned. */
INK_WUR ink_err usvc_lib_take(ink_rpc_ctx *ctx, const redisReply *rep, const char *id,
                              Inkwell__User__V1__Template *out);

/* usvc_lib_store_numbers is usvc_lib_store for a page with its numbers part (issue 19):
 * style and palette into the hash, the plain outline and the regions PNG into their keys
 * (nb borrowed). */
INK_WUR ink_err usvc_lib_store_numbers(ink_rpc_ctx *ctx, const char *title, uint32_t width,
                                       uint32_t height, int32_t detail, int32_t line_width,
                                       const uint8_t *png, size_t png_len, const uint8_t *svg,
                                       size_t svg_len, const usvc_numbers *nb,
                                       Inkwell__User__V1__Template *out);

/* usvc_lib_load reads the caller's template `id` into *out (strings
 * malloc'd: usvc_lib_template_free). INK_NOT_FOUND (after ink_rpc_fail)
 * when the caller has no such template or the id is malformed. */
INK_WUR ink_err usvc_lib_load(ink_rpc_ctx *ctx, const char *id, Inkwell__User__V1__Template *out);

/* usvc_lib_set_gallery records that template `id` is published as gid. */
INK_WUR ink_err usvc_lib_set_gallery(ink_rpc_ctx *ctx, const char *id, const char *gid);

void usvc_lib_template_free(Inkwell__User__V1__Template *t);

#endif /* INKWELL_USER_SVC_LIBRARY_H */
